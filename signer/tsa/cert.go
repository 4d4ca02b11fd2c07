package tsa

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/internal/certcheck"
)

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// minRSABits is the smallest RSA modulus kyso signs with.
const minRSABits = 2048

// checkCertificate reports whether cert may sign time-stamp tokens at now.
//
// RFC 3161, 2.3: the certificate MUST contain exactly one extended key usage,
// id-kp-timeStamping, and that extension MUST be critical. The key usage
// must include digitalSignature and, as OpenSSL's timestampsign purpose
// requires, allow nothing beyond digitalSignature and nonRepudiation
// (contentCommitment), so that independent verifiers accept kyso's tokens.
// A CA certificate is refused: a TSA certificate is an end-entity one.
func checkCertificate(cert *x509.Certificate, now time.Time) error {
	var eku int
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidExtKeyUsage) {
			continue
		}
		eku++
		if !ext.Critical {
			return ErrCertificate.Errorf("extended key usage is not critical (RFC 3161, 2.3)")
		}
	}
	if eku != 1 {
		return ErrCertificate.Errorf("want one extended key usage extension, found %d (RFC 3161, 2.3)", eku)
	}
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(cert.UnknownExtKeyUsage) != 0 {
		return ErrCertificate.Errorf("extended key usage must be id-kp-timeStamping only (RFC 3161, 2.3)")
	}
	if cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return ErrCertificate.Errorf("key usage lacks digitalSignature")
	}
	if cert.KeyUsage&^(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) != 0 {
		return ErrCertificate.Errorf("key usage allows more than digitalSignature and nonRepudiation")
	}
	if cert.BasicConstraintsValid && cert.IsCA {
		return ErrCertificate.Errorf("certificate is a CA certificate")
	}
	if err := checkValidAt(cert, now); err != nil {
		return err
	}
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < minRSABits {
			return ErrCertificate.Errorf("RSA key of %d bits, want at least %d", pub.N.BitLen(), minRSABits)
		}
	case *ecdsa.PublicKey:
	default:
		return ErrCertificate.Errorf("unsupported public key type %T (want RSA or ECDSA)", cert.PublicKey)
	}
	return nil
}

// checkValidAt reports whether t lies within cert's validity period.
func checkValidAt(cert *x509.Certificate, t time.Time) error {
	if t.Before(cert.NotBefore) || t.After(cert.NotAfter) {
		return fmt.Errorf("%w: not valid at %s (valid %s to %s)", ErrCertificate,
			t.UTC().Format(time.RFC3339), cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkChain reports whether chain, nearest issuer first, certifies cert.
// It checks signatures only; trust is the verifier's business.
func checkChain(cert *x509.Certificate, chain []*x509.Certificate) error {
	child := cert
	for i, parent := range chain {
		if parent == nil {
			return ErrCertificate.Errorf("chain[%d] is nil", i)
		}
		if err := certcheck.CheckSignatureFrom(child, parent); err != nil {
			return ErrCertificate.Errorf("chain[%d] did not issue the certificate before it: %v", i, err)
		}
		child = parent
	}
	return nil
}

// checkKeyMatch reports whether signer holds cert's key.
func checkKeyMatch(signer crypto.Signer, cert *x509.Certificate) error {
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return ErrKeyMismatch
	}
	return nil
}
