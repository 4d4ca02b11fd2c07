package ca_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// TestRevocationData: kyso's CA gives a signature's certificates kyso's
// own answers — its responder's OCSP answer for what an issuing CA issued,
// the CRL of every CA it operates, no OCSP answer for the issuing CA
// (its root runs no responder) — and nothing for a CA it does not know,
// for the caller to look elsewhere. (Its answers for an external CA above
// kyso's issuing CA: TestUpstreamRevocation, TestUpstreamOCSP.)
func TestRevocationData(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	issued, err := e.ca.Issue(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	if len(issued.Chain) != 2 {
		t.Fatalf("Issue() chain of %d certificates, want the issuing CA and the root", len(issued.Chain))
	}
	leaf, issuing, root := issued.Leaf, issued.Chain[0], issued.Chain[1]
	rd := e.ca.RevocationData()

	der, err := rd.OCSP(ctx, leaf, issuing)
	if err != nil {
		t.Fatalf("OCSP(citizen) = %v", err)
	}
	if r, err := ocsp.ParseResponseForCert(der, leaf, issuing); err != nil || r.Status != ocsp.Good {
		t.Errorf("OCSP(citizen) = %v, %v; want kyso's responder's good answer", r, err)
	}
	if der, err := rd.OCSP(ctx, issuing, root); der != nil || err != nil {
		t.Errorf("OCSP(issuing CA) = %d bytes, %v; want nil, nil (the root publishes a CRL only)", len(der), err)
	}
	for _, c := range []*x509.Certificate{issuing, root} {
		der, err := rd.CRL(ctx, c)
		if err != nil {
			t.Fatalf("CRL(%s) = %v", c.Subject.CommonName, err)
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil || crl.CheckSignatureFrom(c) != nil {
			t.Errorf("CRL(%s) = %v; want a CRL signed by it", c.Subject.CommonName, err)
		}
	}

	other := selfSigned(t, "Another CA")
	if der, err := rd.OCSP(ctx, other, other); der != nil || err != nil {
		t.Errorf("OCSP(a CA kyso does not know) = %d bytes, %v; want nil, nil", len(der), err)
	}
	if der, err := rd.CRL(ctx, other); der != nil || err != nil {
		t.Errorf("CRL(a CA kyso does not know) = %d bytes, %v; want nil, nil", len(der), err)
	}
}

// selfSigned returns a self-signed CA certificate that kyso knows
// nothing of.
func selfSigned(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
