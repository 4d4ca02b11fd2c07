// Package testpki makes throw-away certificate authorities for tests:
// in-memory keys (the one exception to kyso's rule that private keys live
// in Vault), random serial numbers of at least 127 bits, validity around
// the present. It is for tests only; nothing in a kyso binary imports it.
package testpki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// CA is a certificate authority made for tests.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Serial returns a random positive serial number below 2^127 + 1 (RFC
// 5280, 4.1.2.2: at most 20 octets; CA/B Forum: at least 64 random bits).
func Serial() (*big.Int, error) {
	s, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	return s.Add(s, big.NewInt(1)), nil
}

// caTemplate is a CA certificate for subject: certificate and CRL signing,
// valid from an hour ago for a day.
func caTemplate(subject pkix.Name) (*x509.Certificate, error) {
	serial, err := Serial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil
}

// NewRoot returns a self-signed root CA for subject with key.
func NewRoot(key crypto.Signer, subject pkix.Name) (*CA, error) {
	tmpl, err := caTemplate(subject)
	if err != nil {
		return nil, err
	}
	cert, err := create(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("testpki: root %q: %w", subject.CommonName, err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// NewCA returns a CA for subject with key, issued by ca.
func (ca *CA) NewCA(key crypto.Signer, subject pkix.Name) (*CA, error) {
	tmpl, err := caTemplate(subject)
	if err != nil {
		return nil, err
	}
	cert, err := create(tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("testpki: CA %q: %w", subject.CommonName, err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// Issue issues tmpl for pub. A nil SerialNumber is filled with Serial(), a
// zero NotBefore with an hour ago and a zero NotAfter with twelve hours
// from now; tmpl itself is not changed.
func (ca *CA) Issue(tmpl *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	t := *tmpl
	if t.SerialNumber == nil {
		s, err := Serial()
		if err != nil {
			return nil, err
		}
		t.SerialNumber = s
	}
	now := time.Now()
	if t.NotBefore.IsZero() {
		t.NotBefore = now.Add(-time.Hour)
	}
	if t.NotAfter.IsZero() {
		t.NotAfter = now.Add(12 * time.Hour)
	}
	cert, err := create(&t, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("testpki: issue %q: %w", t.Subject.CommonName, err)
	}
	return cert, nil
}

func create(tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}
