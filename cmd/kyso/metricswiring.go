package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"time"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/metrics"
	"github.com/kyso-vn/kyso/store"
)

// vaultResult names the result of a Transit call for
// kyso_vault_request_duration_seconds.
func vaultResult(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, keys.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, keys.ErrForbidden):
		return "forbidden"
	case errors.Is(err, keys.ErrNotFound):
		return "not_found"
	case errors.Is(err, keys.ErrInvalid):
		return "invalid"
	}
	return "error"
}

// observeVault is keys.Config.Observe for reg.
func observeVault(reg *metrics.Registry) func(keys.Call) {
	return func(c keys.Call) {
		reg.VaultCall(c.Op, vaultResult(c.Err), c.Duration)
		if c.Digests > 0 {
			reg.VaultSignBatch(c.Digests)
		}
	}
}

// dbResult names the result of a database call for
// kyso_db_request_duration_seconds.
func dbResult(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	case errors.Is(err, store.ErrFull):
		return "full"
	case errors.Is(err, store.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, store.ErrConflict):
		return "conflict"
	case errors.Is(err, store.ErrNotFound):
		return "not_found"
	}
	return "error"
}

// observeDB has st report its calls to reg, when st can (both of kyso's
// stores can).
func observeDB(st store.Store, reg *metrics.Registry) {
	if o, ok := st.(interface {
		SetObserver(func(op string, d time.Duration, err error))
	}); ok {
		o.SetObserver(func(op string, d time.Duration, err error) { reg.DBCall(op, dbResult(err), d) })
	}
}

// auditRecorder is the audit log (audit.Log) that app's Auditor records
// into.
type auditRecorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// meteredAudit counts what is recorded: a signature, an issued or revoked
// certificate counts once it is in the audit log, as the log counts it
// (a signature kyso could not record is not handed out).
type meteredAudit struct {
	log auditRecorder
	reg *metrics.Registry
	// profiles names the profile of a signature's credential and of a
	// revoked certificate; nil: "unknown".
	profiles *profileCache
}

// profileLookup is the slice of the store that names profiles.
type profileLookup interface {
	GetCredential(ctx context.Context, id string) (*store.Credential, error)
	GetCertificate(ctx context.Context, id string) (*store.Certificate, error)
}

// profileCache remembers the profile of each credential that signed: a
// credential's profile never changes, so a signature costs a database
// read only the first time its credential signs on this node.
type profileCache struct {
	st profileLookup
	mu sync.Mutex
	m  map[string]string
}

// profileCacheMax bounds the credentials remembered; past it the cache
// starts afresh.
const profileCacheMax = 10000

func newProfileCache(st profileLookup) *profileCache {
	return &profileCache{st: st, m: map[string]string{}}
}

// credential returns the profile of the credential id, "unknown" when it
// cannot be read.
func (c *profileCache) credential(ctx context.Context, id string) string {
	if c == nil {
		return "unknown"
	}
	c.mu.Lock()
	p, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return p
	}
	cr, err := c.st.GetCredential(ctx, id)
	if err != nil || cr.Profile == "" {
		return "unknown"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= profileCacheMax {
		clear(c.m)
	}
	c.m[id] = cr.Profile
	return cr.Profile
}

// certificate returns the profile of the certificate id, "unknown" when it
// cannot be read.
func (c *profileCache) certificate(ctx context.Context, id string) string {
	if c == nil {
		return "unknown"
	}
	cert, err := c.st.GetCertificate(ctx, id)
	if err != nil || cert.Profile == "" {
		return "unknown"
	}
	return cert.Profile
}

// Record implements app's Auditor.
func (m meteredAudit) Record(ctx context.Context, e kapp.AuditEvent) error {
	if err := m.log.Record(ctx, audit.Event(e)); err != nil {
		return err
	}
	detail := func(k string) string {
		s, _ := e.Details[k].(string)
		return s
	}
	switch e.Action {
	case audit.ActionSignPDF, audit.ActionSignCMS, audit.ActionSignHash, audit.ActionSignXML:
		m.reg.Signature(strings.TrimPrefix(e.Action, "sign."), detail("level"), m.profiles.credential(ctx, e.Target))
	case audit.ActionCertIssue:
		m.reg.CertificateIssued(detail("profile"), "issue")
	case audit.ActionCertRotate:
		m.reg.CertificateIssued(detail("profile"), "rotate")
	case audit.ActionCertRenew:
		m.reg.CertificateIssued(detail("profile"), "renew")
	case audit.ActionCertRevoke:
		m.reg.CertificateRevoked(m.profiles.certificate(ctx, e.Target), detail("reason"))
	}
	return nil
}

// expiries lists the certificates kyso_certificate_expiry_days reports:
// each issuer's and its OCSP responder's, the TSA's and the TLS server's.
func (a *app) expiries(ctx context.Context) ([]metrics.Expiry, error) {
	var out []metrics.Expiry
	issuers, err := a.ca.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	for _, is := range issuers {
		if is.Status == string(store.IssuerActive) && !is.NotAfter.IsZero() {
			out = append(out, metrics.Expiry{Kind: "issuer", Name: is.Name, NotAfter: is.NotAfter})
		}
	}
	recs, err := a.store.ListIssuers(ctx)
	if err != nil {
		return out, err
	}
	for _, is := range recs {
		if is.Status != store.IssuerActive || is.OCSPCertPEM == "" {
			continue
		}
		if b, _ := pem.Decode([]byte(is.OCSPCertPEM)); b != nil {
			if c, err := x509.ParseCertificate(b.Bytes); err == nil {
				out = append(out, metrics.Expiry{Kind: "ocsp", Name: is.Name, NotAfter: c.NotAfter})
			}
		}
	}
	// The TSA's certificate as its store record says: TSACredential would
	// issue one on first use, and a scrape must not issue anything.
	tsaCerts, err := a.store.ListCertificates(ctx, store.CertFilter{Profile: ca.ProfileTSA, Status: store.CertActive, Limit: store.MaxListLimit})
	if err != nil {
		return out, err
	}
	var tsaNotAfter time.Time
	for _, c := range tsaCerts {
		if c.CredentialID != "" && c.NotAfter.After(tsaNotAfter) {
			tsaNotAfter = c.NotAfter
		}
	}
	if !tsaNotAfter.IsZero() {
		out = append(out, metrics.Expiry{Kind: "tsa", Name: "tsa", NotAfter: tsaNotAfter})
	}
	if a.tls != nil {
		if na := a.tls.NotAfter(); !na.IsZero() {
			out = append(out, metrics.Expiry{Kind: "tls", Name: "server", NotAfter: na})
		}
	}
	return out, nil
}

// crls lists, for kyso_crl_age_seconds, the newest CRL of each active
// issuer that has published one (a CRL is made when first asked for, and
// again on revocation or once half its validity has passed).
func (a *app) crls(ctx context.Context) ([]metrics.CRL, error) {
	recs, err := a.store.ListIssuers(ctx)
	if err != nil {
		return nil, err
	}
	var out []metrics.CRL
	for _, is := range recs {
		if is.Status != store.IssuerActive {
			continue
		}
		crl, err := a.store.LatestCRL(ctx, is.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue
		case err != nil:
			return out, err
		}
		out = append(out, metrics.CRL{Issuer: is.Name, ThisUpdate: crl.ThisUpdate, NextUpdate: crl.NextUpdate})
	}
	return out, nil
}
