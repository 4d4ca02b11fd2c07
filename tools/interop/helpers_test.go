package interop

import (
	"bytes"
	"context"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/verifier"
	"github.com/kyso-vn/kyso/verifier/attacksuite"
)

var (
	pkiOnce sync.Once
	pkiVal  *attacksuite.PKI
	pkiErr  error
)

// testPKI returns the attack suite's PKI (test keys in memory), made once
// per run.
func testPKI(t testing.TB) *attacksuite.PKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = attacksuite.NewPKI() })
	if pkiErr != nil {
		t.Fatalf("attacksuite.NewPKI = %v", pkiErr)
	}
	return pkiVal
}

// signPDF signs doc with kyso's PAdES signer as opts asks.
func signPDF(t testing.TB, p *attacksuite.PKI, doc []byte, cred model.Key, opts pades.Options) []byte {
	t.Helper()
	out, err := p.Sign(doc, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// trusted returns the verifier's options for the suite's documents: its
// root trusted, its CA's revocation status known (as kyso knows its own),
// judged at the suite's validation time.
func trusted(p *attacksuite.PKI) verifier.Options {
	return verifier.Options{Roots: p.Roots(), Revocation: verifier.RegistryFromOCSP(p), Now: func() time.Time { return attacksuite.VerifyAt }}
}

// verifyPDF runs kyso's verifier on doc, failing the test on an error.
func verifyPDF(t testing.TB, doc []byte, opts verifier.Options) *verifier.Report {
	t.Helper()
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), opts)
	if err != nil {
		t.Fatalf("verifier.VerifyPDF = %v", err)
	}
	if len(rep.Signatures) == 0 {
		t.Fatal("verifier.VerifyPDF found no signature")
	}
	return rep
}

// withEKU returns key with a certificate for its key like its own but
// with an extended key usage (emailProtection), which pdfsign's verifier
// wants of a signer and kyso's profiles do not write.
func withEKU(t testing.TB, p *attacksuite.PKI, key model.Key) model.Key {
	t.Helper()
	cert, err := p.Issue(&x509.Certificate{
		Subject:     key.Cert.Subject,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}, key.Signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	key.Cert = cert
	return key
}
