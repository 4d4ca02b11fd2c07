// Package testltv makes, for tests, the smallest PKI that kyso's PAdES
// signer raises to B-LT: a root, an issuing CA, a signer and a time-stamp
// authority under it, and OCSP and CRL answers from the CA that issued a
// certificate (pades.Revocation). The report tests of app,
// verifier/etsireport and verifier/printreport each wrote it out.
//
// Its keys are test keys held in memory, which kyso allows only in tests:
// nothing in a kyso binary imports it.
package testltv

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/signer/tsa"
)

// PKI is "kyso Test Root CA", "kyso Test Issuing CA" under it, and the
// signer and the TSA ("kyso Test TSA") that CA issued, all with P-256
// keys.
type PKI struct {
	Root, CA *testpki.CA
	Signer   model.Key
	TSA      *tsa.Authority
}

// New makes a PKI whose signer is subject, with the digitalSignature and
// nonRepudiation key usages.
func New(t testing.TB, subject pkix.Name) *PKI {
	t.Helper()
	p := &PKI{}
	var err error
	if p.Root, err = testpki.NewRoot(p256(t), pkix.Name{CommonName: "kyso Test Root CA", Country: []string{"VN"}}); err != nil {
		t.Fatal(err)
	}
	if p.CA, err = p.Root.NewCA(p256(t), pkix.Name{CommonName: "kyso Test Issuing CA", Country: []string{"VN"}}); err != nil {
		t.Fatal(err)
	}
	chain := []*x509.Certificate{p.CA.Cert, p.Root.Cert}
	key := p256(t)
	cert, err := p.CA.Issue(&x509.Certificate{
		Subject:  subject,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	p.Signer = model.Key{Signer: key, Cert: cert, Chain: chain}
	tsaKey := p256(t)
	tsaCert, err := p.CA.IssueTSA(pkix.Name{CommonName: "kyso Test TSA", Country: []string{"VN"}}, tsaKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	if p.TSA, err = tsa.New(tsa.Config{}, model.Key{Signer: tsaKey, Cert: tsaCert, Chain: chain}); err != nil {
		t.Fatal(err)
	}
	return p
}

func p256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issuer is the CA of p whose certificate is cert.
func (p *PKI) issuer(cert *x509.Certificate) (*testpki.CA, error) {
	for _, ca := range []*testpki.CA{p.Root, p.CA} {
		if ca.Cert.Equal(cert) {
			return ca, nil
		}
	}
	return nil, fmt.Errorf("testltv: %q is not a CA of this PKI", cert.Subject.CommonName)
}

// OCSP answers "good" for cert as its issuer itself (pades.Revocation).
func (p *PKI) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	ca, err := p.issuer(issuer)
	if err != nil {
		return nil, err
	}
	return ca.GoodOCSP(cert.SerialNumber)
}

// CRL is the issuer's empty CRL (pades.Revocation).
func (p *PKI) CRL(_ context.Context, issuer *x509.Certificate) ([]byte, error) {
	ca, err := p.issuer(issuer)
	if err != nil {
		return nil, err
	}
	return ca.EmptyCRL()
}

// Roots is a pool of the root alone.
func (p *PKI) Roots() *x509.CertPool {
	roots := x509.NewCertPool()
	roots.AddCert(p.Root.Cert)
	return roots
}

// Sign signs a one-page document (testpdf.Make(1, 500)) with the signer,
// at level, time-stamped by the TSA and with the revocation answers above,
// the reason "Phê duyệt" in Hà Nội.
func (p *PKI) Sign(t testing.TB, level pades.Level) []byte {
	t.Helper()
	in := testpdf.Make(1, 500)
	var out bytes.Buffer
	if _, err := pades.New(p.TSA, p).Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, p.Signer, pades.Options{Level: level, Reason: "Phê duyệt", Location: "Hà Nội"}); err != nil {
		t.Fatalf("pades Sign = %v", err)
	}
	return out.Bytes()
}
