package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
)

// TestChain: root → CA → leaf verifies, with the profile the helpers
// promise.
func TestChain(t *testing.T) {
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	root, err := NewRoot(key(), pkix.Name{CommonName: "root"})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := root.NewCA(key(), pkix.Name{CommonName: "issuing"})
	if err != nil {
		t.Fatal(err)
	}
	leafKey := key()
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "Nguyễn Văn A"}, KeyUsage: x509.KeyUsageDigitalSignature}
	leaf, err := ca.Issue(tmpl, leafKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber != nil || !tmpl.NotAfter.IsZero() {
		t.Errorf("Issue changed its template")
	}
	if leaf.SerialNumber.Sign() <= 0 || leaf.SerialNumber.BitLen() > 128 || !leaf.NotAfter.After(leaf.NotBefore) {
		t.Errorf("leaf serial %v, validity %v to %v", leaf.SerialNumber, leaf.NotBefore, leaf.NotAfter)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root.Cert)
	inter.AddCert(ca.Cert)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("leaf does not chain to the root: %v", err)
	}
	if !ca.Cert.IsCA || ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA certificate: IsCA %v, key usage %v", ca.Cert.IsCA, ca.Cert.KeyUsage)
	}
}
