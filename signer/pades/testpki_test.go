package pades_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/kyso-vn/kyso/model"
	"golang.org/x/crypto/ocsp"
)

// testPKI is an in-memory CA: a root, an issuing CA under it, signer
// certificates, a TSA certificate, and PEM files for the external tools.
type testPKI struct {
	root, ca       *x509.Certificate
	rootKey, caKey crypto.Signer
	official       model.Key // RSA-2048, a civil servant
	seal           model.Key // RSA-2048, an agency's seal
	ec             model.Key // ECDSA P-256
	revokedCred    model.Key // RSA-2048, revoked
	tsaCert        *x509.Certificate
	tsaKey         crypto.Signer

	dir       string // PEM files
	rootPEM   string
	chainPEM  string // issuing CA and root
	nssDirVal string
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
	pkiErr  error
)

// getPKI returns the package's test PKI, made once.
func getPKI(t *testing.T) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = newTestPKI() })
	if pkiErr != nil {
		t.Fatalf("test PKI: %v", pkiErr)
	}
	return pkiVal
}

var serialSeq atomic.Int64

func issue(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*x509.Certificate, error) {
	tmpl.SerialNumber = big.NewInt(1000 + serialSeq.Add(1))
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func newTestPKI() (*testPKI, error) {
	p := &testPKI{}
	rsaKey := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	rootKey, caKey := rsaKey(), rsaKey()
	var err error
	p.root, err = issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "kyso Test Root CA", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}, nil, rootKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	p.ca, err = issue(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "kyso Test Issuing CA", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}, p.root, caKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	p.rootKey, p.caKey = rootKey, caKey

	leaf := func(cn, o string, key crypto.Signer) (model.Key, error) {
		c, err := p.leafCert(cn, o, key.Public())
		return model.Key{Signer: key, Cert: c, Chain: []*x509.Certificate{p.ca, p.root}}, err
	}
	if p.official, err = leaf("Nguyễn Văn An", "UBND Thành phố Hà Nội", rsaKey()); err != nil {
		return nil, err
	}
	if p.seal, err = leaf("Sở Tư pháp Hà Nội", "UBND Thành phố Hà Nội", rsaKey()); err != nil {
		return nil, err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if p.ec, err = leaf("Trần Thị Bình", "kyso test", ecKey); err != nil {
		return nil, err
	}
	if p.revokedCred, err = leaf("Revoked Signer", "kyso test", rsaKey()); err != nil {
		return nil, err
	}
	tsaKey := rsaKey()
	p.tsaCert, err = issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kyso Test TSA", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		ExtraExtensions: []pkix.Extension{{
			// RFC 3161, 2.3: the EKU must be critical.
			Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true,
			Value: mustMarshal(asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})),
		}},
	}, p.ca, tsaKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	p.tsaKey = tsaKey

	if p.dir, err = os.MkdirTemp("", "kyso-pades-pki-"); err != nil {
		return nil, err
	}
	p.rootPEM = filepath.Join(p.dir, "root.pem")
	p.chainPEM = filepath.Join(p.dir, "chain.pem")
	if err := os.WriteFile(p.rootPEM, pemCert(p.root), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.chainPEM, append(pemCert(p.ca), pemCert(p.root)...), 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

// leafCert issues a signing certificate for pub under the issuing CA. It
// has no AIA or CRL distribution point, so that validators do not go to
// the network, and no EKU, as NSS checks signers for e-mail signing.
func (p *testPKI) leafCert(cn, o string, pub crypto.PublicKey) (*x509.Certificate, error) {
	return issue(&x509.Certificate{
		Subject:  pkix.Name{CommonName: cn, Organization: []string{o}, Country: []string{"VN"}},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, p.ca, pub, p.caKey)
}

// bigTSACert issues a TSA certificate for the PKI's TSA key carrying pad
// bytes of an unknown non-critical extension, to make large tokens.
func (p *testPKI) bigTSACert(pad int) (*x509.Certificate, error) {
	return issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kyso Test TSA (large)", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: mustMarshal(asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}}))},
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 2}, Value: mustMarshal(asn1.Marshal(make([]byte, pad)))},
		},
	}, p.ca, p.tsaKey.Public(), p.caKey)
}

func mustMarshal(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// issuerKey returns the key of the CA that issued c.
func (p *testPKI) issuerKey(issuer *x509.Certificate) (crypto.Signer, error) {
	switch {
	case issuer.Equal(p.root):
		return p.rootKey, nil
	case issuer.Equal(p.ca):
		return p.caKey, nil
	}
	return nil, fmt.Errorf("unknown issuer %q", issuer.Subject.CommonName)
}

// testTSA is an RFC 3161 time-stamp authority made with
// digitorus/timestamp. It implements pades.Timestamper.
type testTSA struct {
	pki   *testPKI
	calls atomic.Int64
	fail  error
	// cert and key, if set, replace the PKI's TSA certificate and key.
	cert *x509.Certificate
	key  crypto.Signer
}

func (a *testTSA) Timestamp(_ context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	a.calls.Add(1)
	if a.fail != nil {
		return nil, a.fail
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:     h,
		HashedMessage:     digest,
		Time:              time.Now(),
		Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
		AddTSACertificate: true,
		Certificates:      []*x509.Certificate{a.pki.ca, a.pki.root},
	}
	cert, key := a.pki.tsaCert, a.pki.tsaKey
	if a.cert != nil {
		cert, key = a.cert, a.key
	}
	resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	parsed, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	return parsed.RawToken, nil
}

// testRevocation answers OCSP and CRL requests as the test CA's
// responder. It implements pades.Revocation and records what it gave.
type testRevocation struct {
	pki     *testPKI
	revoked map[string]bool // serial in hex
	noCRL   bool

	mu    sync.Mutex
	ocsps [][]byte
	crls  [][]byte
}

func newRevocation(p *testPKI) *testRevocation {
	return &testRevocation{pki: p, revoked: map[string]bool{p.revokedCred.Cert.SerialNumber.Text(16): true}}
}

func (r *testRevocation) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	key, err := r.pki.issuerKey(issuer)
	if err != nil {
		return nil, err
	}
	tmpl := ocsp.Response{
		Status:       ocsp.Good,
		SerialNumber: cert.SerialNumber,
		ThisUpdate:   time.Now().Add(-time.Minute),
		NextUpdate:   time.Now().Add(24 * time.Hour),
	}
	if r.revoked[cert.SerialNumber.Text(16)] {
		tmpl.Status = ocsp.Revoked
		tmpl.RevokedAt = time.Now().Add(-time.Minute)
	}
	der, err := ocsp.CreateResponse(issuer, issuer, tmpl, key)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.ocsps = append(r.ocsps, der)
	r.mu.Unlock()
	return der, nil
}

func (r *testRevocation) CRL(_ context.Context, issuer *x509.Certificate) ([]byte, error) {
	if r.noCRL {
		return nil, nil
	}
	key, err := r.pki.issuerKey(issuer)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:     big.NewInt(time.Now().UnixNano()),
		ThisUpdate: time.Now().Add(-time.Minute),
		NextUpdate: time.Now().Add(24 * time.Hour),
	}, issuer, key)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.crls = append(r.crls, der)
	r.mu.Unlock()
	return der, nil
}

// given returns copies of the OCSP responses handed out so far.
func (r *testRevocation) given() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([][]byte, len(r.ocsps))
	for i, b := range r.ocsps {
		out[i] = bytes.Clone(b)
	}
	return out
}

var errTSADown = errors.New("test TSA is down")
