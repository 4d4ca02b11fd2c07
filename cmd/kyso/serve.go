package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/metrics"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/signer/tsa"
	"github.com/kyso-vn/kyso/store"
)

// app is a wired kyso: store, keys, CA and HTTP handler.
type app struct {
	cfg    *Config
	log    *slog.Logger
	store  store.Store
	keys   *keys.Manager
	ca     *ca.Authority
	admins *auth.Admins
	http   *api.Server
	tls    *tlsServer // nil: plain HTTP
	// metrics are served on the operator listener (metricsconfig.go).
	metrics *metrics.Registry
	// vaultAddr and anchors are for the start-up log line: the Vault
	// kyso talks to and the number of external trust anchors loaded
	// (trust directories and pinned external roots).
	vaultAddr string
	anchors   int
}

func newLogger(level string, text bool) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if text {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

func openStore(ctx context.Context, cfg *Config) (store.Store, error) {
	switch cfg.Database.Driver {
	case "sqlite":
		return store.OpenSQLite(ctx, cfg.Database.Path)
	default:
		return openPostgres(ctx, cfg)
	}
}

// vaultClient builds an authenticated Vault client from the config. The
// token or AppRole secret id comes from the environment or a file, never
// from the config file itself.
func vaultClient(ctx context.Context, cfg *Config, log *slog.Logger) (*vault.Client, *keys.Session, error) {
	vc := vault.DefaultConfig()
	if vc.Error != nil {
		return nil, nil, fmt.Errorf("vault config: %w", vc.Error)
	}
	if cfg.Vault.Addr != "" {
		vc.Address = cfg.Vault.Addr
	}
	if cfg.Vault.CACert != "" {
		if err := vc.ConfigureTLS(&vault.TLSConfig{CACert: cfg.Vault.CACert}); err != nil {
			return nil, nil, fmt.Errorf("vault TLS: %w", err)
		}
	}
	vc.Timeout = cfg.Vault.clientTimeout()
	// One quick retry: a sealed or unreachable Vault must turn into a 503
	// within the request's time, not after the client's default backoff.
	vc.MaxRetries = 1
	client, err := vault.NewClient(vc)
	if err != nil {
		return nil, nil, fmt.Errorf("vault client: %w", err)
	}
	a := keys.Auth{Method: cfg.Vault.Auth, RoleID: cfg.Vault.RoleID, Mount: cfg.Vault.AppRoleMount}
	switch cfg.Vault.Auth {
	case "token":
		a.Token = os.Getenv("VAULT_TOKEN")
		if cfg.Vault.TokenFile != "" {
			b, err := os.ReadFile(cfg.Vault.TokenFile)
			if err != nil {
				return nil, nil, fmt.Errorf("vault token file: %w", err)
			}
			a.Token = strings.TrimSpace(string(b))
		}
		if a.Token == "" {
			return nil, nil, errors.New("vault: no token: set VAULT_TOKEN or vault.token_file")
		}
	case "approle":
		a.SecretID = os.Getenv("KYSO_VAULT_SECRET_ID")
		if cfg.Vault.SecretIDFile != "" {
			b, err := os.ReadFile(cfg.Vault.SecretIDFile)
			if err != nil {
				return nil, nil, fmt.Errorf("vault secret id file: %w", err)
			}
			a.SecretID = strings.TrimSpace(string(b))
		}
	}
	// The session logs in and keeps the token alive: AppRole tokens are
	// renewed before they expire and replaced by a new login when they
	// cannot be renewed any more (see keys.Session).
	sess, err := keys.NewSession(ctx, client, a, keys.SessionConfig{Logger: log, Timeout: time.Duration(cfg.Vault.Timeout)})
	if err != nil {
		return nil, nil, fmt.Errorf("vault login: %w", err)
	}
	return client, sess, nil
}

// newApp wires the components. bootstrap creates kyso's own CA when the
// store has none (ca.mode "own").
func newApp(ctx context.Context, cfg *Config, client *vault.Client, sess *keys.Session, log *slog.Logger) (*app, error) {
	if client.ClientTimeout() < cfg.Vault.clientTimeout() { // kyso dev's client
		client.SetClientTimeout(cfg.Vault.clientTimeout())
	}
	reg := metrics.New()
	km, err := keys.New(client, keys.Config{Mount: cfg.Vault.Mount, Timeout: time.Duration(cfg.Vault.Timeout),
		CreateTimeout: time.Duration(cfg.Vault.CreateTimeout), Session: sess, Coalesce: cfg.Vault.coalesce(),
		Observe: observeVault(reg)})
	if err != nil {
		return nil, err
	}
	if err := km.Health(ctx); err != nil {
		return nil, fmt.Errorf("vault at %s: %w", client.Address(), err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	caCfg, err := cfg.authorityConfig()
	if err != nil {
		st.Close()
		return nil, err
	}
	caCfg.Progress = logKeyProgress(log)
	authority, err := ca.New(caCfg, st, ca.VaultKeys(km))
	if err != nil {
		st.Close()
		return nil, err
	}
	if cfg.CA.Mode == "own" {
		created, err := bootstrapCA(ctx, authority, log)
		if err != nil {
			st.Close()
			return nil, err
		}
		if created {
			log.Info("created kyso root and issuing CA", "base_url", cfg.BaseURL)
		}
	} else if err := authority.Maintain(ctx); err != nil {
		log.Warn("CA maintenance", "err", err)
	}
	admins := auth.NewAdmins(st)
	clients := auth.NewClients(st)
	pins := auth.NewPINs(st)
	auditLog := meteredAudit{log: audit.New(st), reg: reg}
	ts := &lazyTSA{ca: authority, cfg: tsa.Config{Policy: cfg.TSA.Policy, Accuracy: time.Duration(cfg.TSA.Accuracy)}}
	signing := signer.New(signer.Config{
		Credentials: credentials{authority},
		Consent:     pins,
		Audit:       auditLog,
		PDF:         pades.New(ts, revocation{authority}),
		Timestamper: ts,
		Seals:       st,
	})
	verify, err := newTrust(st, trustAnchors{external: caCfg.ExternalRoots, ownRoot: cfg.CA.Mode == "own"}, cfg.Verify.TrustDirs, cfg.Verify.Online)
	if err != nil {
		st.Close()
		return nil, err
	}
	for _, s := range verify.skipped {
		log.Warn("certificate left out of the trust store", "detail", s)
	}
	proxies, err := cfg.Verify.trustedProxies()
	if err != nil {
		st.Close()
		return nil, err
	}
	checks := []api.Check{
		{Name: "vault", Fn: km.Health},
		{Name: "database", Fn: st.Ping},
		{Name: "ca", Fn: authority.Ready},
	}
	if sess != nil {
		checks = append(checks, api.Check{Name: "vault-auth", Fn: sess.Health})
	}
	h := api.New(api.Config{
		Logger:                    log,
		MaxBodyBytes:              cfg.HTTP.MaxBodyBytes,
		MaxDocumentBytes:          cfg.HTTP.MaxDocumentBytes,
		MaxBatchBytes:             cfg.HTTP.MaxBatchBytes,
		MemoryBytes:               cfg.HTTP.MemoryBytes,
		RequestTimeout:            time.Duration(cfg.HTTP.RequestTimeout),
		ClientConcurrency:         cfg.HTTP.ClientConcurrency,
		IdempotencyTTL:            time.Duration(cfg.HTTP.IdempotencyTTL),
		IdempotencyMaxAnswerBytes: cfg.HTTP.IdempotencyMaxAnswerBytes,
		Ready:                     checks,
		MaxVerifyBytes:            cfg.Verify.MaxDocumentBytes,
		VerifyPerMinute:           cfg.Verify.PerMinute,
		VerifyBurst:               cfg.Verify.Burst,
		VerifyConcurrency:         cfg.Verify.Concurrency,
		TrustedProxies:            proxies,
		Observer:                  reg,
	}, api.Deps{CA: authority, Admins: admins, Clients: clients, Signing: signing, PINs: pins, TSA: ts, Audit: auditLog, Verifier: verify,
		Idempotency: st, ClientCerts: clientCerts{ca: authority, store: st}})
	a := &app{cfg: cfg, log: log, store: st, keys: km, ca: authority, admins: admins, http: h, metrics: reg,
		vaultAddr: client.Address(), anchors: len(verify.extra) + len(caCfg.ExternalRoots)}
	if cfg.TLS.on() {
		if a.tls, err = newTLSServer(ctx, cfg.TLS, authority, log); err != nil {
			st.Close()
			return nil, err
		}
	}
	reg.WatchExpiry(a.expiries)
	return a, nil
}

// serve runs the HTTP server on ln (HTTPS when TLS is configured) until
// ctx ends, then shuts down gracefully. A maintenance loop renews OCSP
// responders, CRLs and kyso's own TLS certificate.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.http,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	go a.maintain(ctx)
	errc := make(chan error, 1)
	if a.tls != nil {
		srv.TLSConfig = a.tls.config()
		srv.Handler = hsts(a.http)
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	started := time.Now()
	a.log.Info("kyso listening", append(readVersion().logAttrs(),
		"addr", ln.Addr().String(), "base_url", a.cfg.BaseURL, "tls", a.cfg.TLS.Mode, "client_auth", a.cfg.TLS.ClientAuth,
		"database", a.cfg.Database.Driver, "vault", a.vaultAddr, "trust_anchors", a.anchors)...)
	select {
	case err := <-errc:
		a.log.Error("kyso stopped: the listener failed", "err", err, "uptime", time.Since(started).Round(time.Second).String())
		return err
	case <-ctx.Done():
	}
	a.log.Info("kyso shutting down", "reason", context.Cause(ctx).Error())
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	if ferr := a.http.FlushAuthFailures(sctx); ferr != nil {
		a.log.Warn("audit records of rejected credentials not written", "err", ferr)
	}
	if err != nil {
		a.log.Warn("kyso stopped: requests still running after 15 s were cut off", "err", err, "uptime", time.Since(started).Round(time.Second).String())
		return err
	}
	a.log.Info("kyso stopped", "uptime", time.Since(started).Round(time.Second).String())
	return nil
}

func (a *app) maintain(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	a.purgeIdempotency(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.purgeIdempotency(ctx)
			if err := a.http.FlushAuthFailures(ctx); err != nil {
				a.log.Warn("audit records of rejected credentials not written", "err", err)
			}
			if err := a.ca.Maintain(ctx); err != nil {
				a.log.Warn("CA maintenance", "err", err)
			}
			if a.tls != nil {
				if err := a.tls.refresh(ctx); err != nil {
					a.log.Warn("TLS maintenance", "err", err)
				}
			}
		}
	}
}

// purgeIdempotency deletes the Idempotency-Key records (and the answers
// they keep, which may be signed documents) whose time is up.
func (a *app) purgeIdempotency(ctx context.Context) {
	n, err := a.store.PurgeIdempotencyKeys(ctx, time.Now())
	if err != nil {
		a.log.Warn("purge of expired Idempotency-Key records", "err", err)
		return
	}
	if n > 0 {
		a.log.Info("expired Idempotency-Key records purged", "records", n)
	}
}

func cmdServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "config file (JSON); see docs/configuration.md")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel, false)
	client, sess, err := vaultClient(ctx, cfg, log)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, client, sess, log)
	if err != nil {
		return err
	}
	defer a.store.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	mln, err := listenMetrics(cfg.Metrics)
	if err != nil {
		ln.Close()
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if mln != nil {
		log.Info("metrics listening", "addr", mln.Addr().String(), "path", "/metrics")
		defer serveMetrics(mln, a.metrics, log)()
	}
	go func() {
		if err := sess.Run(ctx); err != nil {
			log.Error("vault session ended; shutting down", "err", err)
			cancel(err)
		}
	}()
	if err := a.serve(ctx, ln); err != nil {
		return err
	}
	if err := context.Cause(ctx); errors.Is(err, keys.ErrForbidden) {
		return err // exit non-zero so the supervisor restarts kyso with fresh credentials
	}
	return nil
}
