package model

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
)

// Key is what a signature is made with: a signer, the certificate of its
// key and the certificates that issued it. It is the one signing-key type of
// kyso: ca resolves a credential to a Key, and signer/cms, signer/pades,
// signer/xmldsig and signer/tsa sign with one. The private key never leaves
// Signer (kyso's is Vault-backed).
type Key struct {
	// Signer signs with the certificate's key. If it has a method
	// SignContext(ctx, digest, opts), as kyso's Vault-backed keys.Signer
	// does, the signing packages call that with the request's context
	// instead of Sign.
	Signer crypto.Signer
	// Cert is the signer's certificate.
	Cert *x509.Certificate
	// Chain is the issuing CA's certificate, then its issuer's and so on,
	// optionally up to the root. Each must have signed the one before.
	Chain []*x509.Certificate
}

// Algorithm returns the public-key algorithm of the certificate's key, or
// x509.UnknownPublicKeyAlgorithm when there is no certificate or its key is
// of a kind kyso does not sign with.
func (k Key) Algorithm() x509.PublicKeyAlgorithm {
	if k.Cert == nil {
		return x509.UnknownPublicKeyAlgorithm
	}
	switch k.Cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return x509.RSA
	case *ecdsa.PublicKey:
		return x509.ECDSA
	case *ed25519.PublicKey, ed25519.PublicKey:
		return x509.Ed25519
	}
	return x509.UnknownPublicKeyAlgorithm
}
