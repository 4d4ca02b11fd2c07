package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/store"
)

// tlsSuites are the TLS 1.2 cipher suites kyso offers: ECDHE key exchange
// (forward secrecy) with an AEAD, nothing else. TLS 1.3's suites are all
// AEADs and are not configurable in Go.
var tlsSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// tlsCurves are the key exchanges kyso accepts: X25519 (with ML-KEM-768,
// the post-quantum hybrid, first, for the clients that offer it) and P-256.
var tlsCurves = []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256}

// hstsValue is sent on every HTTPS response (RFC 6797): one year, this
// host only (other services under the same domain are not kyso's to bind).
const hstsValue = "max-age=31536000"

// tlsServer is the TLS side of kyso's listener: the server certificate
// (read from files, or kyso's own with its key in Vault, renewed by
// refresh) and the CAs client certificates are verified against.
type tlsServer struct {
	cfg TLSConfig
	ca  *ca.Authority
	log *slog.Logger

	mu        sync.Mutex // serialises refresh
	certID    string     // kyso's own certificate in use (mode ca)
	cert      atomic.Pointer[tls.Certificate]
	clientCAs atomic.Pointer[x509.CertPool]
}

// newTLSServer loads the server certificate (mode file) or obtains kyso's
// own (mode ca), and the client CAs when client_auth asks for them.
func newTLSServer(ctx context.Context, cfg TLSConfig, authority *ca.Authority, log *slog.Logger) (*tlsServer, error) {
	t := &tlsServer{cfg: cfg, ca: authority, log: log}
	if cfg.Mode == "file" {
		// The operator's own TLS key, read from the file the config names:
		// the one private key kyso holds outside Vault.
		c, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		if time.Now().After(c.Leaf.NotAfter) {
			return nil, fmt.Errorf("tls: the certificate in %s expired at %s", cfg.CertFile, c.Leaf.NotAfter.Format(time.RFC3339))
		}
		t.cert.Store(&c)
	}
	if err := t.refresh(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// refresh renews kyso's own server certificate when it is due (mode ca)
// and rebuilds the client CA pool, so that a rotated issuing CA is
// accepted. The certificate in use changes only when a new one is issued.
func (t *tlsServer) refresh(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cfg.Mode == "ca" {
		s, err := t.ca.TLSServerCredential(ctx, t.cfg.Hosts)
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
			t.log.Info("TLS server certificate", "certificate", s.CertID, "hosts", t.cfg.Hosts, "not_after", s.Cert.NotAfter)
		}
	}
	if t.cfg.ClientAuth != "none" {
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

// config returns the tls.Config of the listener: TLS 1.2 or 1.3, the
// suites and curves above, and client certificates per client_auth,
// verified against kyso's CAs as they are at the last refresh.
func (t *tlsServer) config() *tls.Config {
	base := &tls.Config{
		MinVersion:       tls.VersionTLS12,
		CipherSuites:     tlsSuites,
		CurvePreferences: tlsCurves,
		NextProtos:       []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return t.cert.Load(), nil
		},
	}
	switch t.cfg.ClientAuth {
	case "optional":
		base.ClientAuth = tls.VerifyClientCertIfGiven
	case "require":
		base.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		return base
	}
	outer := base.Clone()
	outer.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		c := base.Clone()
		c.ClientCAs = t.clientCAs.Load()
		return c, nil
	}
	return outer
}

// hsts adds Strict-Transport-Security to every response of an HTTPS
// listener.
func hsts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hstsValue)
		next.ServeHTTP(w, r)
	})
}

// clientCerts binds client systems' TLS certificates (package ca) to the
// registered clients (the store) for the API.
type clientCerts struct {
	ca    *ca.Authority
	store store.Store
}

func (c clientCerts) IssueClientCert(ctx context.Context, id string, csrPEM []byte) (*ca.Issued, error) {
	cl, err := c.store.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: client %s", ca.ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	if cl.Disabled {
		return nil, fmt.Errorf("%w: client %s is disabled", ca.ErrConflict, id)
	}
	return c.ca.IssueClientCert(ctx, ca.ClientCertRequest{ClientID: cl.ID, ClientName: cl.Name, CSR: csrPEM})
}

func (c clientCerts) ClientByCert(ctx context.Context, leaf *x509.Certificate) (*store.Client, error) {
	id, err := c.ca.ClientCertID(ctx, leaf)
	if err != nil {
		return nil, err
	}
	cl, err := c.store.GetClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: client %s is not registered", ca.ErrClientCert, id)
	}
	if err != nil {
		return nil, err
	}
	if cl.Disabled {
		return nil, fmt.Errorf("%w: client %s is disabled", ca.ErrClientCert, id)
	}
	// The client's expiry ends its certificate's use too, as its key's.
	if cl.Expired(time.Now()) {
		return nil, fmt.Errorf("%w: client %s expired at %s", ca.ErrClientCert, id, cl.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return cl, nil
}
