package cms_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/model"
)

// Object identifiers the tests look for, spelled out here rather than taken
// from the package under test.
var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidRSAEncryption        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSASSAPSS            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidHash                 = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
		crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
		crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
	}
	oidECDSAWith = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA256: {1, 2, 840, 10045, 4, 3, 2},
		crypto.SHA384: {1, 2, 840, 10045, 4, 3, 3},
		crypto.SHA512: {1, 2, 840, 10045, 4, 3, 4},
	}
)

// testPKI is a root CA, an issuing CA under it and two signing keys, made
// once per test binary.
type testPKI struct {
	root, issuing       *x509.Certificate
	rootKey, issuingKey *ecdsa.PrivateKey
	issuingCA           *testpki.CA
	rsaKey              *rsa.PrivateKey
	ecKey               *ecdsa.PrivateKey
	rootPEM             string // path of the root certificate in PEM
	dir                 string
}

var pkiOnce struct {
	sync.Once
	pki *testPKI
	err error
}

// newPKI returns the shared test PKI.
func newPKI(t *testing.T) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pkiOnce.pki, pkiOnce.err = makePKI() })
	if pkiOnce.err != nil {
		t.Fatalf("make test PKI: %v", pkiOnce.err)
	}
	return pkiOnce.pki
}

func makePKI() (*testPKI, error) {
	p := &testPKI{}
	var err error
	if p.rootKey, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		return nil, err
	}
	if p.issuingKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if p.rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if p.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	name := func(cn string) pkix.Name {
		return pkix.Name{Country: []string{"VN"}, Organization: []string{"kyso test"}, CommonName: cn}
	}
	root, err := testpki.NewRoot(p.rootKey, name("kyso test root"))
	if err != nil {
		return nil, err
	}
	if p.issuingCA, err = root.NewCA(p.issuingKey, name("kyso test issuing CA")); err != nil {
		return nil, err
	}
	p.root, p.issuing = root.Cert, p.issuingCA.Cert
	// The files outlive any one test; the OS cleans the temp directory.
	if p.dir, err = os.MkdirTemp("", "kyso-cms-test-"); err != nil {
		return nil, err
	}
	p.rootPEM = filepath.Join(p.dir, "root.pem")
	if err := os.WriteFile(p.rootPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}), 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

// issue issues a signing certificate for pub from the issuing CA.
func (p *testPKI) issue(t *testing.T, pub crypto.PublicKey, cn string) *x509.Certificate {
	t.Helper()
	c, err := p.issuingCA.Issue(&x509.Certificate{
		Subject: pkix.Name{
			Country: []string{"VN"}, Organization: []string{"UBND Thành phố Hà Nội"}, CommonName: cn,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: "CCCD:001099012345"}},
		},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, pub)
	if err != nil {
		t.Fatalf("issue test certificate: %v", err)
	}
	return c
}

// cred returns a credential for signer s with a fresh certificate and the
// chain issuing CA, root.
func (p *testPKI) cred(t *testing.T, s crypto.Signer) model.Key {
	t.Helper()
	return model.Key{Signer: s, Cert: p.issue(t, s.Public(), "Nguyễn Văn A"), Chain: []*x509.Certificate{p.issuing, p.root}}
}

func (p *testPKI) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root)
	return pool
}

// The test's own view of the CMS structures, written independently of the
// package under test.
type (
	tContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	tSignedData struct {
		Version          int
		DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
		Encap            struct {
			Type    asn1.ObjectIdentifier
			Content asn1.RawValue `asn1:"optional,explicit,tag:0"`
		}
		Certificates asn1.RawValue `asn1:"optional,tag:0"`
		SignerInfos  []tSignerInfo `asn1:"set"`
	}
	tSignerInfo struct {
		Version int
		SID     struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		DigestAlgorithm    pkix.AlgorithmIdentifier
		SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
		SignatureAlgorithm pkix.AlgorithmIdentifier
		Signature          []byte
		UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
	}
	tAttribute struct {
		Type   asn1.ObjectIdentifier
		Values []asn1.RawValue `asn1:"set"`
	}
	tPSSParams struct {
		Hash       pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
		MGF        pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
		SaltLength int                      `asn1:"explicit,tag:2"`
		Trailer    int                      `asn1:"optional,explicit,tag:3,default:1"`
	}
	tESSCertIDv2 struct {
		CertHash     []byte
		IssuerSerial struct {
			Issuer []asn1.RawValue
			Serial *big.Int
		}
	}
)

// parsed is what checkCMS found in a signature.
type parsed struct {
	cert        *x509.Certificate
	sigAlg      asn1.ObjectIdentifier
	signature   []byte
	signed      map[string][]byte // attribute OID → DER of its single value
	unsigned    map[string][]byte
	signingTime *time.Time
}

// checkCMS is the tests' small verifier: it checks that der is a detached
// CMS SignedData v1 over a content whose hash by h is messageDigest, signed
// by a certificate that chains to roots, with the attributes and algorithm
// identifiers the package promises, and a signature that verifies over the
// DER SET OF the signed attributes.
func checkCMS(t *testing.T, der, messageDigest []byte, h crypto.Hash, roots *x509.CertPool) *parsed {
	t.Helper()
	var ci tContentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 {
		t.Fatalf("parse ContentInfo: %v, %d trailing bytes", err, len(rest))
	}
	if !ci.ContentType.Equal(oidSignedData) {
		t.Fatalf("ContentInfo type = %v, want signedData", ci.ContentType)
	}
	var sd tSignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		t.Fatalf("parse SignedData: %v", err)
	}
	if sd.Version != 1 || len(sd.DigestAlgorithms) != 1 || !sd.DigestAlgorithms[0].Algorithm.Equal(oidHash[h]) {
		t.Errorf("SignedData version %d, digestAlgorithms %v; want 1, [%v]", sd.Version, sd.DigestAlgorithms, oidHash[h])
	}
	if !sd.Encap.Type.Equal(oidData) || len(sd.Encap.Content.FullBytes) != 0 {
		t.Errorf("encapContentInfo = %v with %d content bytes, want id-data detached", sd.Encap.Type, len(sd.Encap.Content.FullBytes))
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil || len(certs) == 0 {
		t.Fatalf("certificates: %v (%d)", err, len(certs))
	}
	if len(sd.SignerInfos) != 1 {
		t.Fatalf("%d SignerInfos, want 1", len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	p := &parsed{sigAlg: si.SignatureAlgorithm.Algorithm, signature: si.Signature, signed: map[string][]byte{}, unsigned: map[string][]byte{}}
	for _, c := range certs {
		if bytes.Equal(c.RawIssuer, si.SID.Issuer.FullBytes) && c.SerialNumber.Cmp(si.SID.Serial) == 0 {
			p.cert = c
		}
	}
	if si.Version != 1 || p.cert == nil {
		t.Fatalf("SignerInfo version %d, signer certificate found %t", si.Version, p.cert != nil)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := p.cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("signer certificate does not chain to the test root: %v", err)
	}
	if !si.DigestAlgorithm.Algorithm.Equal(oidHash[h]) {
		t.Errorf("SignerInfo digestAlgorithm = %v, want %v", si.DigestAlgorithm.Algorithm, oidHash[h])
	}

	// Signed attributes: DER SET OF, signed as such (RFC 5652, 5.4).
	set := bytes.Clone(si.SignedAttrs.FullBytes)
	if len(set) == 0 || set[0] != 0xa0 {
		t.Fatalf("signed attributes missing or not [0] IMPLICIT")
	}
	set[0] = 0x31
	var attrs []tAttribute
	if _, err := asn1.UnmarshalWithParams(set, &attrs, "set"); err != nil {
		t.Fatalf("parse signed attributes: %v", err)
	}
	reenc, err := asn1.MarshalWithParams(attrs, "set")
	if err != nil || !bytes.Equal(reenc, set) {
		t.Errorf("signed attributes are not in DER order (re-encoding differs: %v)", err)
	}
	for _, a := range attrs {
		if len(a.Values) != 1 {
			t.Errorf("attribute %v has %d values", a.Type, len(a.Values))
			continue
		}
		if _, dup := p.signed[a.Type.String()]; dup {
			t.Errorf("attribute %v repeated", a.Type)
		}
		p.signed[a.Type.String()] = a.Values[0].FullBytes
	}
	var ct asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(p.signed[oidContentType.String()], &ct); err != nil || !ct.Equal(oidData) {
		t.Errorf("content-type attribute = %v (%v), want id-data", ct, err)
	}
	var md []byte
	if _, err := asn1.Unmarshal(p.signed[oidMessageDigest.String()], &md); err != nil || !bytes.Equal(md, messageDigest) {
		t.Errorf("message-digest attribute = %x (%v), want %x", md, err, messageDigest)
	}
	var ess struct{ Certs []tESSCertIDv2 }
	if _, err := asn1.Unmarshal(p.signed[oidSigningCertificateV2.String()], &ess); err != nil || len(ess.Certs) != 1 {
		t.Errorf("signing-certificate-v2 attribute: %v, %d certs", err, len(ess.Certs))
	} else {
		id := ess.Certs[0]
		want := sha256.Sum256(p.cert.Raw)
		var dn asn1.RawValue
		if len(id.IssuerSerial.Issuer) == 1 {
			dn = id.IssuerSerial.Issuer[0]
		}
		if !bytes.Equal(id.CertHash, want[:]) || dn.Class != 2 || dn.Tag != 4 || !bytes.Equal(dn.Bytes, p.cert.RawIssuer) || id.IssuerSerial.Serial.Cmp(p.cert.SerialNumber) != 0 {
			t.Errorf("ESSCertIDv2 does not name the signer certificate")
		}
	}
	if v, ok := p.signed[oidSigningTime.String()]; ok {
		var st time.Time
		if _, err := asn1.Unmarshal(v, &st); err != nil {
			t.Errorf("signing-time: %v", err)
		}
		p.signingTime = &st
	}

	if len(si.UnsignedAttrs.FullBytes) > 0 {
		u := bytes.Clone(si.UnsignedAttrs.FullBytes)
		u[0] = 0x31
		var uattrs []tAttribute
		if _, err := asn1.UnmarshalWithParams(u, &uattrs, "set"); err != nil {
			t.Fatalf("parse unsigned attributes: %v", err)
		}
		for _, a := range uattrs {
			p.unsigned[a.Type.String()] = a.Values[0].FullBytes
		}
	}

	// The signature over the hash of the SET OF.
	hh := h.New()
	hh.Write(set)
	tbs := hh.Sum(nil)
	switch pub := p.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		switch alg := si.SignatureAlgorithm; {
		case alg.Algorithm.Equal(oidRSAEncryption):
			if !bytes.Equal(alg.Parameters.FullBytes, asn1.NullBytes) {
				t.Errorf("rsaEncryption parameters = %x, want NULL", alg.Parameters.FullBytes)
			}
			err = rsa.VerifyPKCS1v15(pub, h, tbs, si.Signature)
		case alg.Algorithm.Equal(oidRSASSAPSS):
			checkPSSParams(t, alg.Parameters.FullBytes, h)
			err = rsa.VerifyPSS(pub, h, tbs, si.Signature, &rsa.PSSOptions{SaltLength: h.Size(), Hash: h})
		default:
			t.Fatalf("RSA signature algorithm %v", alg.Algorithm)
		}
	case *ecdsa.PublicKey:
		if alg := si.SignatureAlgorithm; !alg.Algorithm.Equal(oidECDSAWith[h]) || len(alg.Parameters.FullBytes) != 0 {
			t.Errorf("ECDSA signature algorithm %v (parameters %x), want %v without parameters", alg.Algorithm, alg.Parameters.FullBytes, oidECDSAWith[h])
		}
		if !ecdsa.VerifyASN1(pub, tbs, si.Signature) {
			err = errInvalidECDSA
		}
	}
	if err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	return p
}

var errInvalidECDSA = errors.New("invalid ECDSA signature")

// checkPSSParams checks RSASSA-PSS-params: hash h, MGF1 with h, salt the
// hash length, trailer field 1 (RFC 4056, 2).
func checkPSSParams(t *testing.T, der []byte, h crypto.Hash) {
	t.Helper()
	var pp tPSSParams
	if _, err := asn1.Unmarshal(der, &pp); err != nil {
		t.Fatalf("parse PSS parameters: %v", err)
	}
	var mgfHash pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(pp.MGF.Parameters.FullBytes, &mgfHash); err != nil {
		t.Fatalf("parse MGF1 parameters: %v", err)
	}
	if !pp.Hash.Algorithm.Equal(oidHash[h]) || !pp.MGF.Algorithm.Equal(oidMGF1) || !mgfHash.Algorithm.Equal(oidHash[h]) ||
		pp.SaltLength != h.Size() || pp.Trailer != 1 {
		t.Errorf("PSS parameters = hash %v, mgf %v(%v), salt %d, trailer %d; want %v, mgf1(%v), %d, 1",
			pp.Hash.Algorithm, pp.MGF.Algorithm, mgfHash.Algorithm, pp.SaltLength, pp.Trailer, oidHash[h], oidHash[h], h.Size())
	}
}

// opensslVerify has openssl check sig, a detached CMS over content, against
// the test root.
func opensslVerify(t *testing.T, p *testPKI, sig, content []byte) {
	t.Helper()
	if err := tryOpenSSL(p, sig, content); err != nil {
		t.Error(err)
	}
}

// tryOpenSSL runs openssl cms -verify on sig and content.
func tryOpenSSL(p *testPKI, sig, content []byte) error {
	dir, err := os.MkdirTemp("", "kyso-cms-openssl-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sigPath, contentPath := filepath.Join(dir, "sig.p7s"), filepath.Join(dir, "content.bin")
	if err := os.WriteFile(sigPath, sig, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(contentPath, content, 0o600); err != nil {
		return err
	}
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-content", contentPath, "-inform", "DER", "-in", sigPath,
		"-CAfile", p.rootPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification successful") {
		return fmt.Errorf("openssl cms -verify: %v\n%s", err, out)
	}
	return nil
}

// opensslPrint returns openssl's dump of the CMS structure of sig.
func opensslPrint(t *testing.T, sig []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sig.p7s")
	if err := os.WriteFile(path, sig, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", path).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl cms -cmsout -print: %v\n%s", err, out)
	}
	return string(out)
}

// sum returns the hash of b by h.
func sum(h crypto.Hash, b []byte) []byte {
	w := h.New()
	w.Write(b)
	return w.Sum(nil)
}
