package xmltest

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"math/big"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Revocation answers for the PKI as kyso's CA does for B-LT signing: OCSP
// responses signed by the issuing CA for the certificates it issued, and
// each CA's CRL, both issued when asked. The root runs no OCSP responder (its CRL covers the
// issuing CA).
type Revocation struct {
	// Backdate makes the answers as of that long ago (stale data).
	Backdate time.Duration
	p        *PKI
	mu       sync.Mutex
	revoked  map[string]bool // serial numbers, hex
}

// Revocation returns the PKI's revocation source.
func (p *PKI) Revocation() *Revocation {
	return &Revocation{p: p, revoked: map[string]bool{}}
}

// Revoke puts c on its issuer's CRL and in its OCSP answers.
func (r *Revocation) Revoke(c *x509.Certificate) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoked[c.SerialNumber.Text(16)] = true
}

func (r *Revocation) isRevoked(serial *big.Int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.revoked[serial.Text(16)]
}

// OCSP implements xmldsig.Revocation.
func (r *Revocation) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if !bytes.Equal(issuer.Raw, r.p.Issuing.Raw) {
		return nil, nil
	}
	now := time.Now().Add(-r.Backdate)
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: cert.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}
	if r.isRevoked(cert.SerialNumber) {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, now.Add(-time.Minute), ocsp.KeyCompromise
	}
	return ocsp.CreateResponse(issuer, issuer, tmpl, r.p.issuingKey)
}

// CRL implements xmldsig.Revocation.
func (r *Revocation) CRL(_ context.Context, issuer *x509.Certificate) ([]byte, error) {
	key := r.p.rootKey
	switch {
	case bytes.Equal(issuer.Raw, r.p.Root.Raw):
	case bytes.Equal(issuer.Raw, r.p.Issuing.Raw):
		key = r.p.issuingKey
	default:
		return nil, fmt.Errorf("xmltest: %q is not a CA of the test PKI", issuer.Subject.CommonName)
	}
	now := time.Now().Add(-r.Backdate)
	r.mu.Lock()
	var entries []x509.RevocationListEntry
	for s := range r.revoked {
		n, _ := new(big.Int).SetString(s, 16)
		entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: now.Add(-time.Minute)})
	}
	r.mu.Unlock()
	return x509.CreateRevocationList(nil, &x509.RevocationList{
		Number: big.NewInt(now.UnixNano()), ThisUpdate: now, NextUpdate: now.Add(time.Hour),
		RevokedCertificateEntries: entries,
	}, issuer, key)
}
