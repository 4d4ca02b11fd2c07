package attacksuite

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/tsa"
)

// Clock is the instant the suite signs at: the day the real-world corpus
// was last checked (verifier/realworld_test.go), at 10:00 in Hanoi. Every
// certificate, time-stamp and revocation answer of the suite is made for
// it, so that kyso's documents and the Vietnamese Government's files are
// judged at one time, VerifyAt, whatever the machine's date.
var Clock = time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// VerifyAt is the validation time of the suite: two hours after Clock.
var VerifyAt = Clock.Add(2 * time.Hour)

// Extended key usages that do not allow document signing, and the
// id-pkix-ocsp-nocheck extension (RFC 6960, 4.2.2.2.1).
var (
	oidExtEKU      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidEKUTime     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidEKUOCSP     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}
	oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	// oidUID is the userID attribute kyso writes identifiers in
	// (CCCD:..., MST:...).
	oidUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

// PKI is a certification authority made afresh for one run of the suite,
// laid out like kyso's: a root, an issuing CA, the signers kyso issues
// (citizen, official, seal), the certificates that may not sign documents
// (tls-client, tls-server, OCSP responder, TSA), a time-stamp authority,
// and an attacker with a CA of their own whose names copy kyso's. Keys are
// test keys in memory: no Vault.
type PKI struct {
	Root, CA *x509.Certificate
	rootKey  crypto.Signer
	caKey    crypto.Signer

	// Official is an RSA-2048 civil servant, Seal an agency's ECDSA
	// seal, Citizen an ECDSA citizen: kyso's signing profiles (key usage
	// digitalSignature and nonRepudiation, no extended key usage).
	Official, Seal, Citizen model.Key
	// TLSClient is a client system's mutual-TLS certificate as kyso's
	// tls-client profile issues it (key usage digitalSignature, extended
	// key usage clientAuth only) under the same CA; its key is the client
	// system's, outside Vault. TLSServer is kyso's HTTPS certificate
	// (serverAuth), OCSPResponder a delegated responder (OCSPSigning,
	// ocsp-nocheck), TSAUnit the time-stamp unit (critical timeStamping).
	// None of them may sign a document.
	TLSClient, TLSServer, OCSPResponder, TSAUnit model.Key
	// CAAsSigner is the issuing CA's own key and certificate (key usage
	// keyCertSign and cRLSign only).
	CAAsSigner model.Key
	// TSA stamps signatures at Clock with TSAUnit's key.
	TSA *tsa.Authority

	// Attacker is someone outside kyso's PKI.
	Attacker *Attacker
}

// Attacker is a forger with test keys of their own: a root that copies
// the name of kyso's issuing CA (LookAlikeCA), a certificate under it
// that copies the official's subject and serial number (Twin), and one in
// their own name (Mallory).
type Attacker struct {
	LookAlikeCA *x509.Certificate
	caKey       crypto.Signer
	// Twin has the official's subject, serial number and issuer name, and
	// the attacker's key.
	Twin model.Key
	// Mallory is the attacker in their own name, under LookAlikeCA.
	Mallory model.Key
}

// NewPKI makes a fresh PKI with new keys.
func NewPKI() (*PKI, error) {
	p := &PKI{}
	rootKey, caKey := ecKey(), ecKey()
	var err error
	if p.Root, err = issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "kyso Attack Suite Root CA", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, rootKey.Public(), rootKey); err != nil {
		return nil, err
	}
	caName := pkix.Name{CommonName: "kyso Attack Suite Issuing CA", Organization: []string{"kyso test"}, Country: []string{"VN"}}
	if p.CA, err = issue(&x509.Certificate{
		Subject:               caName,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, p.Root, caKey.Public(), rootKey); err != nil {
		return nil, err
	}
	p.rootKey, p.caKey = rootKey, caKey
	chain := []*x509.Certificate{p.CA, p.Root}
	leaf := func(tmpl *x509.Certificate, key crypto.Signer) (model.Key, error) {
		c, err := issue(tmpl, p.CA, key.Public(), caKey)
		return model.Key{Signer: key, Cert: c, Chain: chain}, err
	}
	signing := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("attacksuite: RSA key: %w", err)
	}
	if p.Official, err = leaf(&x509.Certificate{Subject: vnName("Nguyễn Văn An", "UBND Thành phố Hà Nội", "CCCD:001099012345"), KeyUsage: signing}, rsaKey); err != nil {
		return nil, err
	}
	if p.Seal, err = leaf(&x509.Certificate{Subject: vnName("Sở Tư pháp Hà Nội", "UBND Thành phố Hà Nội", "MST:0101234567"), KeyUsage: signing}, ecKey()); err != nil {
		return nil, err
	}
	if p.Citizen, err = leaf(&x509.Certificate{Subject: vnName("Trần Thị Bình", "Công dân", "CCCD:079188000123"), KeyUsage: signing}, ecKey()); err != nil {
		return nil, err
	}
	service := func(cn string) pkix.Name {
		return pkix.Name{CommonName: cn, Organization: []string{"UBND Thành phố Hà Nội"}, Country: []string{"VN"}}
	}
	if p.TLSClient, err = leaf(&x509.Certificate{
		Subject:     service("Hệ thống một cửa Sở Tư pháp"),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ecKey()); err != nil {
		return nil, err
	}
	if p.TLSServer, err = leaf(&x509.Certificate{
		Subject:     service("kyso.example.vn"),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"kyso.example.vn"},
	}, ecKey()); err != nil {
		return nil, err
	}
	if p.OCSPResponder, err = leaf(&x509.Certificate{
		Subject:  service("kyso OCSP Responder"),
		KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{
			{Id: oidExtEKU, Value: mustMarshal([]asn1.ObjectIdentifier{oidEKUOCSP})},
			{Id: oidOCSPNoCheck, Value: []byte{5, 0}},
		},
	}, ecKey()); err != nil {
		return nil, err
	}
	tsaKey := ecKey()
	if p.TSAUnit, err = leaf(&x509.Certificate{
		Subject:  service("kyso Attack Suite TSA"),
		KeyUsage: x509.KeyUsageDigitalSignature,
		// RFC 3161, 2.3: one critical extended key usage, timeStamping.
		ExtraExtensions: []pkix.Extension{{Id: oidExtEKU, Critical: true, Value: mustMarshal([]asn1.ObjectIdentifier{oidEKUTime})}},
	}, tsaKey); err != nil {
		return nil, err
	}
	p.CAAsSigner = model.Key{Signer: caKey, Cert: p.CA, Chain: []*x509.Certificate{p.Root}}
	if p.TSA, err = tsa.New(tsa.Config{Now: func() time.Time { return Clock }}, model.Key{Signer: tsaKey, Cert: p.TSAUnit.Cert, Chain: chain}); err != nil {
		return nil, fmt.Errorf("attacksuite: TSA: %w", err)
	}
	if p.Attacker, err = newAttacker(caName, p.Official.Cert); err != nil {
		return nil, err
	}
	return p, nil
}

// newAttacker makes an attacker whose root is named caName and whose twin
// copies official.
func newAttacker(caName pkix.Name, official *x509.Certificate) (*Attacker, error) {
	a := &Attacker{caKey: ecKey()}
	var err error
	if a.LookAlikeCA, err = issue(&x509.Certificate{
		Subject:               caName,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, a.caKey.Public(), a.caKey); err != nil {
		return nil, err
	}
	if a.Twin, err = a.Issue(official.RawSubject, official.SerialNumber); err != nil {
		return nil, err
	}
	mallory, err := asn1.Marshal(pkix.Name{CommonName: "Mallory", Country: []string{"VN"}}.ToRDNSequence())
	if err != nil {
		return nil, fmt.Errorf("attacksuite: name: %w", err)
	}
	if a.Mallory, err = a.Issue(mallory, nil); err != nil {
		return nil, err
	}
	return a, nil
}

// Issue issues a signing certificate whose subject is the DER name
// rawSubject (and whose serial is serial, if not nil) under the attacker's
// look-alike CA, for a new key.
func (a *Attacker) Issue(rawSubject []byte, serial *big.Int) (model.Key, error) {
	key := ecKey()
	tmpl := &x509.Certificate{RawSubject: rawSubject, SerialNumber: serial, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	c, err := issue(tmpl, a.LookAlikeCA, key.Public(), a.caKey)
	if err != nil {
		return model.Key{}, err
	}
	return model.Key{Signer: key, Cert: c, Chain: []*x509.Certificate{a.LookAlikeCA}}, nil
}

// LookAlike returns a certificate whose subject is the DER name subject,
// issued by an attacker's CA whose subject is the DER name issuer: what an
// attacker makes of the certificates of a signed document (a Vietnamese
// Government signer and its CA, say).
func LookAlike(issuer, subject []byte) (model.Key, error) {
	a := &Attacker{caKey: ecKey()}
	var err error
	if a.LookAlikeCA, err = issue(&x509.Certificate{
		RawSubject:            issuer,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, a.caKey.Public(), a.caKey); err != nil {
		return model.Key{}, err
	}
	return a.Issue(subject, nil)
}

// Issue issues tmpl for pub under the suite's issuing CA, valid as the
// suite's other certificates unless tmpl sets its dates: for a signer
// whose certificate must differ from kyso's profiles (an extended key
// usage a third-party verifier wants, say).
// Its chain is that of the suite's signers: CA, then Root.
func (p *PKI) Issue(tmpl *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	return issue(tmpl, p.CA, pub, p.caKey)
}

// Roots returns a pool holding the suite's root.
func (p *PKI) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root)
	return pool
}

// key returns the private key of one of the PKI's CAs.
func (p *PKI) key(issuer *x509.Certificate) (crypto.Signer, error) {
	switch {
	case issuer.Equal(p.Root):
		return p.rootKey, nil
	case issuer.Equal(p.CA):
		return p.caKey, nil
	}
	return nil, fmt.Errorf("attacksuite: %q is not a CA of the suite", issuer.Subject.CommonName)
}

// OCSP answers "good" for cert as its issuer, at Clock (pades.Revocation).
func (p *PKI) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	key, err := p.key(issuer)
	if err != nil {
		return nil, err
	}
	return ocsp.CreateResponse(issuer, issuer, ocsp.Response{
		Status:       ocsp.Good,
		SerialNumber: cert.SerialNumber,
		ThisUpdate:   Clock.Add(-time.Minute),
		NextUpdate:   Clock.Add(10 * 365 * 24 * time.Hour),
	}, key)
}

// CRL returns an empty CRL of issuer at Clock (pades.Revocation).
func (p *PKI) CRL(_ context.Context, issuer *x509.Certificate) ([]byte, error) {
	key, err := p.key(issuer)
	if err != nil {
		return nil, err
	}
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: Clock.Add(-time.Minute),
		NextUpdate: Clock.Add(10 * 365 * 24 * time.Hour),
	}, issuer, key)
}

// issue issues tmpl for pub under parent (self-signed when nil), with a
// random 128-bit serial unless tmpl has one, valid from a year before
// Clock to ten years after unless tmpl sets its dates.
func issue(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*x509.Certificate, error) {
	if tmpl.SerialNumber == nil {
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
		if err != nil {
			return nil, fmt.Errorf("attacksuite: serial: %w", err)
		}
		tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = Clock.AddDate(-1, 0, 0)
		tmpl.NotAfter = Clock.AddDate(10, 0, 0)
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("attacksuite: issue a certificate: %w", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("attacksuite: issue a certificate: %w", err)
	}
	return c, nil
}

// ecKey returns a new ECDSA P-256 key. crypto/rand does not fail (Go 1.24
// and later abort the program instead), so neither does this.
func ecKey() *ecdsa.PrivateKey {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return k
}

// vnName is a subject as kyso's profiles write it, with an identifier.
func vnName(cn, o, uid string) pkix.Name {
	return pkix.Name{
		CommonName: cn, Organization: []string{o}, OrganizationalUnit: []string{"Văn phòng"},
		Country: []string{"VN"}, Province: []string{"Hà Nội"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUID, Value: uid}},
	}
}

// mustMarshal is asn1.Marshal of values that always encode.
func mustMarshal(v any) []byte {
	b, _ := asn1.Marshal(v)
	return b
}
