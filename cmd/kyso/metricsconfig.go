package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/metrics"
	"github.com/kyso-vn/kyso/store"
)

// defaultMetricsListen is where kyso serve answers Prometheus by default:
// loopback, for an agent on the same host (docs/operations.md).
const defaultMetricsListen = "127.0.0.1:9464"

// MetricsConfig configures the operator listener that serves /metrics.
type MetricsConfig struct {
	// Listen is the operator listener's address (default 127.0.0.1:9464;
	// "off": none). It is a listener of its own, never the API's: bind it
	// to a network only Prometheus reaches.
	Listen string `json:"listen"`
}

// listenAddr is the address to bind, "" for none.
func (c MetricsConfig) listenAddr() string {
	switch c.Listen {
	case "":
		return defaultMetricsListen
	case "off":
		return ""
	}
	return c.Listen
}

// listenMetrics binds the operator listener, or returns nil when it is off.
func listenMetrics(c MetricsConfig) (net.Listener, error) {
	addr := c.listenAddr()
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen %q: %w", addr, err)
	}
	return ln, nil
}

// serveMetrics serves GET /metrics of reg on ln until stop is called;
// stop returns once the listener is closed (a kyso started again at once
// binds the same address).
func serveMetrics(ln net.Listener, reg *metrics.Registry, log *slog.Logger) (stop func()) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", reg.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener failed", "err", err)
		}
	}()
	return func() {
		_ = srv.Close()
		<-done
	}
}

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
func observeVault(reg *metrics.Registry) func(time.Duration, error) {
	return func(d time.Duration, err error) { reg.VaultCall(vaultResult(err), d) }
}

// auditRecorder is what the signer and the API record into.
type auditRecorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// meteredAudit counts what is recorded: a signature, an issued or revoked
// certificate counts once it is in the audit log, as the log counts it
// (a signature kyso could not record is not handed out).
type meteredAudit struct {
	log auditRecorder
	reg *metrics.Registry
}

// Record implements the signer's and the API's Auditor.
func (m meteredAudit) Record(ctx context.Context, e audit.Event) error {
	if err := m.log.Record(ctx, e); err != nil {
		return err
	}
	detail := func(k string) string {
		s, _ := e.Details[k].(string)
		return s
	}
	switch e.Action {
	case audit.ActionSignPDF, audit.ActionSignCMS, audit.ActionSignHash, audit.ActionSignXML:
		m.reg.Signature(strings.TrimPrefix(e.Action, "sign."), detail("level"))
	case audit.ActionCertIssue:
		m.reg.CertificateIssued(detail("profile"), "issue")
	case audit.ActionCertRotate:
		m.reg.CertificateIssued(detail("profile"), "rotate")
	case audit.ActionCertRenew:
		m.reg.CertificateIssued(detail("profile"), "renew")
	case audit.ActionCertRevoke:
		m.reg.CertificateRevoked(detail("reason"))
	}
	return nil
}

// expiries lists the certificates kyso_certificate_expiry_days reports:
// each issuer's, the TSA's and the TLS server's.
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
		if c := a.tls.cert.Load(); c != nil && len(c.Certificate) > 0 {
			leaf := c.Leaf
			if leaf == nil {
				leaf, _ = x509.ParseCertificate(c.Certificate[0])
			}
			if leaf != nil {
				out = append(out, metrics.Expiry{Kind: "tls", Name: "server", NotAfter: leaf.NotAfter})
			}
		}
	}
	return out, nil
}
