package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kyso-vn/kyso/ca"
)

// TLSAuthority is what kyso's HTTPS listener needs of the CA
// (ca.Authority): its own server certificate, with the key in Vault,
// issued and renewed when due, and the CAs a client certificate must
// chain to.
type TLSAuthority interface {
	TLSServerCredential(ctx context.Context, hosts []string) (*ca.TLSServer, error)
	TLSClientCAs(ctx context.Context) ([]*x509.Certificate, error)
}

// TLSConfig configures TLS.
type TLSConfig struct {
	// Section is the tls section (ca.TLSSection) after its Defaults and
	// Validate, in mode file or ca.
	Section ca.TLSSection
	// CertPEM and KeyPEM are, in mode file, what tls.cert_file and
	// tls.key_file hold (the certificate followed by its chain, and the
	// operator's private key), which cmd reads.
	CertPEM, KeyPEM []byte
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// TLS is the certificate lifecycle of kyso's HTTPS listener: the server
// certificate (the operator's, from files, or kyso's own with its key in
// Vault, renewed by Refresh) and the CAs client certificates are verified
// against. The listener's mechanics (tls.Config, HSTS) are api's.
type TLS struct {
	cfg TLSConfig
	ca  TLSAuthority
	log *slog.Logger

	mu        sync.Mutex // serialises Refresh
	certID    string     // kyso's own certificate in use (mode ca)
	cert      atomic.Pointer[tls.Certificate]
	clientCAs atomic.Pointer[x509.CertPool]
}

// NewTLS loads the server certificate (mode file) or obtains kyso's own
// (mode ca), and the client CAs when client_auth asks for them. An
// operator's certificate that has expired is refused.
func NewTLS(ctx context.Context, cfg TLSConfig, authority TLSAuthority, log *slog.Logger) (*TLS, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &TLS{cfg: cfg, ca: authority, log: log}
	switch cfg.Section.Mode {
	case "file":
		// The operator's own TLS key: the one private key kyso holds
		// outside Vault.
		c, err := tls.X509KeyPair(cfg.CertPEM, cfg.KeyPEM)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		if cfg.Now().After(c.Leaf.NotAfter) {
			return nil, fmt.Errorf("tls: the certificate in %s expired at %s", cfg.Section.CertFile, c.Leaf.NotAfter.Format(time.RFC3339))
		}
		t.cert.Store(&c)
	case "ca":
	default:
		return nil, fmt.Errorf("tls: mode %q serves no certificate: want file or ca", cfg.Section.Mode)
	}
	if err := t.Refresh(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// Refresh renews kyso's own server certificate when it is due (mode ca;
// ca.Authority.TLSServerCredential decides) and rebuilds the client CA
// pool, so that a rotated issuing CA is accepted. The certificate in use
// changes only when a new one is issued; on an error the one in use and
// the pool stay.
func (t *TLS) Refresh(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg.Section.Mode == "ca" {
		s, err := t.ca.TLSServerCredential(ctx, t.cfg.Section.Hosts)
		if err != nil {
			return fmt.Errorf("tls: kyso's server certificate: %w", err)
		}
		if s.CertID != t.certID {
			c := &tls.Certificate{Certificate: [][]byte{s.Cert.Raw}, PrivateKey: s.Signer, Leaf: s.Cert}
			// The chain up to the root, without it: clients hold the root.
			for _, ic := range s.Chain[:len(s.Chain)-1] {
				c.Certificate = append(c.Certificate, ic.Raw)
			}
			t.cert.Store(c)
			t.certID = s.CertID
			t.log.Info("TLS server certificate", "certificate", s.CertID, "hosts", t.cfg.Section.Hosts, "not_after", s.Cert.NotAfter)
		}
	}
	if t.cfg.Section.ClientAuth != "none" {
		cas, err := t.ca.TLSClientCAs(ctx)
		if err != nil {
			return fmt.Errorf("tls: client CAs: %w", err)
		}
		pool := x509.NewCertPool()
		for _, c := range cas {
			pool.AddCert(c)
		}
		t.clientCAs.Store(pool)
	}
	return nil
}

// Certificate is the server certificate in use, with its chain (without
// the root) and its key.
func (t *TLS) Certificate() *tls.Certificate { return t.cert.Load() }

// ClientCAs are the CAs a client certificate must chain to, as they were
// at the last Refresh; nil when client_auth is none.
func (t *TLS) ClientCAs() *x509.CertPool { return t.clientCAs.Load() }

// ClientAuth is tls.client_auth: none, optional or require.
func (t *TLS) ClientAuth() string { return t.cfg.Section.ClientAuth }

// NotAfter is when the server certificate in use expires
// (kyso_certificate_expiry_days).
func (t *TLS) NotAfter() time.Time {
	c := t.cert.Load()
	if c == nil || c.Leaf == nil {
		return time.Time{}
	}
	return c.Leaf.NotAfter
}
