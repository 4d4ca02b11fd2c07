package ca

import (
	"context"
	"crypto/x509"
)

// RevocationData is the revocation data kyso's CA gives the certificates
// of a signature it makes or extends (PAdES and XAdES B-LT and B-LTA:
// pades.Revocation, xmldsig.Revocation, which it satisfies without ca
// importing them). It is the CA's decision which answer a certificate
// gets:
//
//   - a certificate of one of kyso's issuing CAs: a fresh answer of kyso's
//     OCSP responder, made in process (Authority.OCSP);
//   - a certificate of a CA kyso operates that runs no responder (kyso's
//     root, which publishes a CRL only): no OCSP answer, and that CA's
//     CRL (Authority.CRLFor);
//   - kyso's issuing CA under an external root, and the external CAs
//     above it: the external CA's OCSP answer or CRL, fetched from the
//     addresses its certificates name or read from the operator's sources
//     and cached while current (Authority.UpstreamOCSP, UpstreamCRL);
//   - any other certificate: nothing (nil, nil), for a caller to look
//     elsewhere (truststore.RevocationSources asks the addresses the
//     certificate names).
//
// The zero value is not usable; get one from Authority.RevocationData.
type RevocationData struct{ a *Authority }

// RevocationData returns a's revocation data for signatures.
func (a *Authority) RevocationData() RevocationData { return RevocationData{a} }

// OCSP returns a DER OCSP response (RFC 6960) for cert, issued by issuer:
// kyso's responder's when kyso answers OCSP for issuer, else the external
// CA's when cert is kyso's issuing CA (or an intermediate) under an
// external root, else nil. An external CA that can be asked neither for an
// OCSP answer nor for a current CRL is ErrRevocationUnavailable.
func (r RevocationData) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	ok, err := r.a.HasOCSP(ctx, issuer)
	if err != nil {
		return nil, err
	}
	if ok {
		return r.a.OCSP(ctx, cert, issuer)
	}
	// kyso's root publishes a CRL only; an external CA may answer OCSP.
	return r.a.UpstreamOCSP(ctx, cert, issuer)
}

// CRL returns issuer's current DER CRL (RFC 5280): kyso's own when kyso
// operates issuer, else the external CA's when issuer is above kyso's
// issuing CA, else nil.
func (r RevocationData) CRL(ctx context.Context, issuer *x509.Certificate) ([]byte, error) {
	der, err := r.a.CRLFor(ctx, issuer)
	if err != nil || der != nil {
		return der, err
	}
	return r.a.UpstreamCRL(ctx, issuer)
}
