package truststore

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// DefaultSourceTimeout bounds one online request of RevocationSources
// when its Timeout is zero. (The verifier's online checks have their own
// bound, DefaultOnlineTimeout.)
const DefaultSourceTimeout = 10 * time.Second

// RevocationSource gives a certificate's revocation data, or nil when it
// has none: what the signing formats ask for (pades.Revocation,
// xmldsig.Revocation), declared here so that truststore need not import
// them. kyso's CA is one (ca.RevocationData).
type RevocationSource interface {
	// OCSP returns a DER OCSP response (RFC 6960) for cert, issued by
	// issuer, or nil.
	OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
	// CRL returns issuer's current DER CRL (RFC 5280), or nil.
	CRL(ctx context.Context, issuer *x509.Certificate) ([]byte, error)
}

// RevocationSources is the revocation data a signature's extension
// (B-LT, B-LTA: POST /v1/extend/pdf, kyso extend) embeds: Local's answer
// (kyso's CA) first; when Local has none and Client is set, the answer of
// the OCSP responders and CRL distribution points the certificate names
// (RFC 5280, 4.2.2.1 and 4.2.1.13), asked in the certificate's order
// until one answers. It implements pades.Revocation and pades.CertCRL.
//
// The requests go through OnlineRevocation, the verifier's online
// fetcher (status, size bounds, no HTML page), each bounded by Timeout
// (DefaultSourceTimeout when zero). Only http URLs are asked, the
// transport of RFC 5280 and RFC 6960: https would need a trust decision
// of its own. What comes back is not judged here: the format checks the
// answers it embeds, and the extended document is verified before it is
// handed out.
//
// The zero value, offline with no Local, has no answer for anything.
type RevocationSources struct {
	// Local is asked first; nil means no local answers.
	Local RevocationSource
	// Client makes the online requests; nil means offline.
	Client *http.Client
	// Timeout bounds each online request; zero means
	// DefaultSourceTimeout.
	Timeout time.Duration
}

// OCSP returns Local's OCSP answer for cert, else (online) the first
// answer of a responder cert names. Local's error is returned as is; when
// every responder fails, the error names each one.
func (s RevocationSources) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if s.Local != nil {
		if der, err := s.Local.OCSP(ctx, cert, issuer); err != nil || der != nil {
			return der, err
		}
	}
	if s.Client == nil {
		return nil, nil
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, u := range httpURLs(cert.OCSPServer) {
		der, err := s.fetcher().OCSP(ctx, u, req)
		if err == nil {
			return der, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	return nil, errors.Join(errs...)
}

// CRL returns Local's CRL of issuer. Online, a CRL is found from the
// certificate it covers (CRLForCert): an issuer's own certificate does
// not say where its CRL is.
func (s RevocationSources) CRL(ctx context.Context, issuer *x509.Certificate) ([]byte, error) {
	if s.Local != nil {
		return s.Local.CRL(ctx, issuer)
	}
	return nil, nil
}

// CRLForCert returns Local's CRL of issuer, else (online) the first CRL
// one of cert's distribution points serves. When every distribution
// point fails, the error names each one.
func (s RevocationSources) CRLForCert(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if der, err := s.CRL(ctx, issuer); err != nil || der != nil {
		return der, err
	}
	if s.Client == nil {
		return nil, nil
	}
	var errs []error
	for _, u := range httpURLs(cert.CRLDistributionPoints) {
		der, err := s.fetcher().CRL(ctx, u)
		if err == nil {
			return der, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	return nil, errors.Join(errs...)
}

func (s RevocationSources) fetcher() OnlineRevocation {
	t := s.Timeout
	if t <= 0 {
		t = DefaultSourceTimeout
	}
	return OnlineRevocation{Client: s.Client, Timeout: t}
}

// httpURLs returns the http URLs of urls, in their order.
func httpURLs(urls []string) []string {
	var out []string
	for _, u := range urls {
		if strings.HasPrefix(u, "http://") {
			out = append(out, u)
		}
	}
	return out
}
