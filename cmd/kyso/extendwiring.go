package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/truststore"
)

// extendRevocation is the revocation source of POST /v1/extend/pdf:
// kyso's CA, and, when online is set, the responders and CRL
// distribution points named in other CAs' certificates.
func extendRevocation(authority *ca.Authority, online bool) pades.Revocation {
	r := onlineRevocation{Local: authority.RevocationData()}
	if online {
		r.Client = http.DefaultClient
	}
	return r
}

// onlineRevocation is a pades.Revocation that asks the responders and
// CRL distribution points a certificate names (RFC 5280, 4.2.2.1 and
// 4.2.1.13) over HTTP, after Local (kyso's CA) had no answer. Client
// makes the requests, through truststore.OnlineRevocation (the
// verifier's online fetcher: status, size bounds, no HTML page); each is
// bounded by Timeout (10 s when zero). Only http URLs are asked (RFC 5280
// and RFC 6960 transports; TLS would need a trust decision of its own).
type onlineRevocation struct {
	Local   pades.Revocation
	Client  *http.Client
	Timeout time.Duration
}

// OCSP implements pades.Revocation.
func (o onlineRevocation) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if o.Local != nil {
		if der, err := o.Local.OCSP(ctx, cert, issuer); err != nil || der != nil {
			return der, err
		}
	}
	if o.Client == nil {
		return nil, nil
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, u := range cert.OCSPServer {
		if !strings.HasPrefix(u, "http://") {
			continue
		}
		der, err := o.fetcher().OCSP(ctx, u, req)
		if err == nil {
			return der, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	return nil, errors.Join(errs...)
}

// CRL implements pades.Revocation: Local's CRL of issuer. Online, a CRL
// is found from the certificate it covers (CRLForCert).
func (o onlineRevocation) CRL(ctx context.Context, issuer *x509.Certificate) ([]byte, error) {
	if o.Local != nil {
		return o.Local.CRL(ctx, issuer)
	}
	return nil, nil
}

// CRLForCert implements pades.CertCRL: Local's CRL of issuer, else the
// first CRL one of cert's distribution points serves.
func (o onlineRevocation) CRLForCert(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if der, err := o.CRL(ctx, issuer); err != nil || der != nil {
		return der, err
	}
	if o.Client == nil {
		return nil, nil
	}
	var errs []error
	for _, u := range cert.CRLDistributionPoints {
		if !strings.HasPrefix(u, "http://") {
			continue
		}
		der, err := o.fetcher().CRL(ctx, u)
		if err == nil {
			return der, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	return nil, errors.Join(errs...)
}

func (o onlineRevocation) fetcher() truststore.OnlineRevocation {
	t := o.Timeout
	if t <= 0 {
		t = 10 * time.Second
	}
	return truststore.OnlineRevocation{Client: o.Client, Timeout: t}
}
