package cms

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/model"
)

// TestSelfCheckPinsWhatVerifyChecked checks that the self-check, which no
// longer verifies the signature again, refuses a CMS whose signed
// attributes or signature are not the very bytes finish verified.
func TestSelfCheckPinsWhatVerifyChecked(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	root, err := testpki.NewRoot(key, pkix.Name{CommonName: "self-check root"})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := root.Issue(&x509.Certificate{Subject: pkix.Name{CommonName: "self-check signer"}, KeyUsage: x509.KeyUsageDigitalSignature}, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlan(model.Key{Signer: key, Cert: cert, Chain: []*x509.Certificate{root.Cert}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	md := sha256.Sum256([]byte("document"))
	attrs, err := p.signedAttrs(md[:])
	if err != nil {
		t.Fatal(err)
	}
	sign := func() []byte {
		sig, err := key.Sign(rand.Reader, p.digestOf(attrs), crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	sig := sign()
	der, err := p.finish(context.Background(), md[:], attrs, p.digestOf(attrs), sig)
	if err != nil {
		t.Fatalf("finish = %v", err)
	}
	// Another valid (randomised ECDSA) signature over the same attributes,
	// but not the one the CMS carries.
	if err := p.selfCheck(der, md[:], attrs, sign()); err == nil {
		t.Errorf("selfCheck with another signature than the one in the CMS = nil, want an error")
	}
	other := sha256.Sum256([]byte("another document"))
	otherAttrs, err := p.signedAttrs(other[:])
	if err != nil {
		t.Fatal(err)
	}
	if err := p.selfCheck(der, md[:], otherAttrs, sig); err == nil {
		t.Errorf("selfCheck with other signed attributes = nil, want an error")
	}
	if err := p.selfCheck(der, md[:], attrs, sig); err != nil {
		t.Errorf("selfCheck of what finish assembled = %v, want nil", err)
	}
}
