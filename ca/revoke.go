package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// RevocationReasons maps the RFC 5280 (5.3.1) CRLReason names kyso accepts
// to their codes. certificateHold is not offered: kyso revocations are
// final. cACompromise and aACompromise concern CAs and are not accepted
// for end-entity certificates.
var RevocationReasons = map[string]int{
	"unspecified":          0,
	"keyCompromise":        1,
	"affiliationChanged":   3,
	"superseded":           4,
	"cessationOfOperation": 5,
	"privilegeWithdrawn":   9,
}

// ReasonName returns the RFC 5280 name of a reason code.
func ReasonName(code int) string {
	for n, c := range RevocationReasons {
		if c == code {
			return n
		}
	}
	switch code {
	case 2:
		return "cACompromise"
	case 10:
		return "aACompromise"
	}
	return fmt.Sprintf("reason(%d)", code)
}

// Revoke revokes certificate id for the named reason and publishes a new
// CRL for its issuer. OCSP answers "revoked" from the moment the store
// records it.
func (a *Authority) Revoke(ctx context.Context, id, reason string) (*store.Certificate, error) {
	if reason == "" {
		reason = "unspecified"
	}
	code, ok := RevocationReasons[reason]
	if !ok {
		names := make([]string, 0, len(RevocationReasons))
		for n := range RevocationReasons {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, invalid("reason", "unknown revocation reason %q (one of %v)", reason, names)
	}
	rec, err := a.store.GetCertificate(ctx, id)
	if err != nil {
		return nil, backendErr("certificate "+id, err)
	}
	// A client system's TLS certificate has no credential (its key is the
	// client's, not in Vault) but is revoked like any end-entity one.
	if rec.CredentialID == "" && rec.Profile != ProfileTLSClient {
		return nil, ErrConflict.Errorf("certificate %s is one of kyso's own CA or service certificates (%s); it is not revoked through this call", id, rec.Profile)
	}
	switch rec.Status {
	case store.CertRevoked:
		return nil, ErrConflict.Errorf("certificate %s is already revoked", id)
	case store.CertPending, store.CertFailed:
		return nil, ErrConflict.Errorf("certificate %s was never issued (%s)", id, rec.Status)
	}
	now := a.cfg.Now().UTC().Truncate(time.Second)
	if err := a.store.RevokeCertificate(ctx, id, now, code); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, ErrConflict.Errorf("certificate %s is already revoked", id)
		}
		return nil, backendErr("revoke", err)
	}
	rec.Status, rec.RevokedAt, rec.RevocationReason = store.CertRevoked, &now, code
	all, err := a.sync(ctx)
	if err != nil {
		return rec, nil // revoked; the CRL is rebuilt on next request
	}
	if is := all[rec.IssuerID]; is != nil {
		// The revocation is recorded and OCSP already reflects it; a CRL
		// that fails to build now is rebuilt on the next request for it.
		_, _ = a.buildCRL(ctx, is)
	}
	return rec, nil
}

// CRL returns the current DER CRL of the named issuer, building a new one
// when none exists or half of its validity has passed.
func (a *Authority) CRL(ctx context.Context, issuerName string) ([]byte, error) {
	is, err := a.issuerByName(ctx, issuerName)
	if err != nil {
		return nil, err
	}
	crl, err := a.store.LatestCRL(ctx, is.rec.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return a.buildCRL(ctx, is)
	case err != nil:
		return nil, backendErr("latest CRL", err)
	}
	if a.cfg.Now().After(crl.ThisUpdate.Add(a.cfg.CRLValidity / 2)) {
		return a.buildCRL(ctx, is)
	}
	return crl.DER, nil
}

func (a *Authority) issuerByName(ctx context.Context, name string) (*issuer, error) {
	all, err := a.sync(ctx)
	if err != nil {
		return nil, err
	}
	for _, is := range all {
		if is.rec.Name == name && is.cert != nil {
			return is, nil
		}
	}
	return nil, ErrNotFound.Errorf("issuer %q", name)
}

// buildCRL signs and stores a new CRL (RFC 5280, 5) for the issuer with the
// next CRL number. When another node published a newer one concurrently,
// that one is returned.
func (a *Authority) buildCRL(ctx context.Context, is *issuer) ([]byte, error) {
	now := a.cfg.Now().UTC().Truncate(time.Second)
	revoked, err := a.store.ListRevoked(ctx, is.rec.ID, now)
	if err != nil {
		return nil, backendErr("list revoked", err)
	}
	var number int64 = 1
	prev, err := a.store.LatestCRL(ctx, is.rec.ID)
	switch {
	case err == nil:
		number = prev.Number + 1
	case !errors.Is(err, store.ErrNotFound):
		return nil, backendErr("latest CRL", err)
	}
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(number),
		ThisUpdate: now,
		NextUpdate: now.Add(a.cfg.CRLValidity),
	}
	for _, c := range revoked {
		serial, ok := new(big.Int).SetString(c.Serial, 16)
		if !ok || c.RevokedAt == nil {
			return nil, fmt.Errorf("ca: certificate %s has a malformed revocation record", c.ID)
		}
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber:   serial,
			RevocationTime: c.RevokedAt.UTC(),
			ReasonCode:     c.RevocationReason, // 0 (unspecified) is omitted, RFC 5280 5.3.1
		})
	}
	der, err := x509.CreateRevocationList(a.cfg.Rand, tmpl, is.cert, is.signer)
	if err != nil {
		return nil, backendErr("sign CRL", err)
	}
	rec := &store.CRL{IssuerID: is.rec.ID, Number: number, ThisUpdate: now, NextUpdate: tmpl.NextUpdate, DER: der}
	if err := a.store.SaveCRL(ctx, rec); err != nil {
		if errors.Is(err, store.ErrConflict) {
			if latest, lerr := a.store.LatestCRL(ctx, is.rec.ID); lerr == nil {
				return latest.DER, nil
			}
		}
		return nil, backendErr("save CRL", err)
	}
	return der, nil
}
