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

	"github.com/kyso-vn/kyso/api"
	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/metrics"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/truststore"
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
	tls    *kapp.TLS // nil: plain HTTP
	// metrics are served on the operator listener (metrics.Section).
	metrics *metrics.Registry
	// vaultAddr and anchors are for the start-up log line: the Vault
	// kyso talks to and the number of external trust anchors loaded
	// (trust directories and pinned external roots).
	vaultAddr string
	anchors   int
	// trust is the trust store, refreshed from trust.bundle_url or
	// trust.bundle_path every trust.refresh_interval.
	trust *truststore.Store
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

// openVault connects to Vault as the config's vault section says
// (keys.Open). The token or AppRole secret id comes from the environment
// or a file, never from the config file itself.
func openVault(ctx context.Context, cfg *Config, log *slog.Logger) (*keys.Manager, *keys.Session, error) {
	var secret string
	switch cfg.Vault.Auth {
	case "token":
		secret = os.Getenv("VAULT_TOKEN")
		if cfg.Vault.TokenFile != "" {
			b, err := os.ReadFile(cfg.Vault.TokenFile)
			if err != nil {
				return nil, nil, fmt.Errorf("vault token file: %w", err)
			}
			secret = strings.TrimSpace(string(b))
		}
		if secret == "" {
			return nil, nil, errors.New("vault: no token: set VAULT_TOKEN or vault.token_file")
		}
	case "approle":
		secret = os.Getenv("KYSO_VAULT_SECRET_ID")
		if cfg.Vault.SecretIDFile != "" {
			b, err := os.ReadFile(cfg.Vault.SecretIDFile)
			if err != nil {
				return nil, nil, fmt.Errorf("vault secret id file: %w", err)
			}
			secret = strings.TrimSpace(string(b))
		}
	}
	return keys.Open(ctx, keys.Section(cfg.Vault), secret, log)
}

// newApp wires the components. bootstrap creates kyso's own CA when the
// store has none (ca.mode "own").
//
// km and sess come from openVault; sess is nil for kyso dev, whose root
// token needs no keeping alive.
func newApp(ctx context.Context, cfg *Config, km *keys.Manager, sess *keys.Session, log *slog.Logger) (*app, error) {
	setMemoryLimit(cfg.HTTP.MemoryBytes)
	branding, err := pageBranding(cfg.Page)
	if err != nil {
		return nil, err
	}
	reg := metrics.New()
	km.SetObserver(observeVault(reg))
	// The probe reads through Transit: it proves the token and the mount as
	// well as a reachable, unsealed, active Vault (and fails over when
	// vault.addr names several nodes).
	probe := km.NewProbe()
	if err := probe.Check(ctx); err != nil {
		return nil, fmt.Errorf("vault at %s: %w", km.Addr(), err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	observeDB(st, reg)
	if err := sealAnswers(ctx, st, km, cfg); err != nil {
		st.Close()
		return nil, err
	}
	caCfg, err := cfg.authorityConfig()
	if err != nil {
		st.Close()
		return nil, err
	}
	caCfg.Progress = logKeyProgress(log)
	authority, err := ca.New(caCfg, st, keys.Named{M: km})
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
	auditLog := meteredAudit{log: audit.New(st), reg: reg, profiles: newProfileCache(st)}
	ts := kapp.NewTSA(authority, cfg.TSA.Config())
	citizenDeps, remote, err := citizens(ctx, cfg, caCfg.KeyPrefix, km, st, pins, authority, auditLog, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	cscKey, err := km.MAC(ctx, caCfg.KeyPrefix+cscTokenKeyName)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("the CSC access tokens' Transit key: %w", err)
	}
	signing := kapp.NewSign(kapp.SignDeps{Credentials: authority, SAD: remote, Audit: auditLog, Seals: sealImages{st}, Log: log}, signer.Config{
		PDF:         pades.New(ts, authority.RevocationData()),
		Timestamper: ts,
		Revocation:  authority.RevocationData(),
	})
	bundleSigners, err := bundleSigners(cfg.Trust)
	if err != nil {
		st.Close()
		return nil, err
	}
	trusted, err := truststore.New(ctx, st, truststore.Config{
		Anchors:       truststore.Anchors{External: caCfg.ExternalRoots, OwnRoot: cfg.CA.Mode == "own"},
		Sources:       trustDirs(cfg.Verify.TrustDirs),
		Online:        cfg.Verify.Online,
		Bundle:        cfg.Trust.Locations(),
		BundleSigners: bundleSigners,
		Versions:      st,
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	reg.WatchTrust(trustGauges(trusted))
	for _, s := range trusted.Skipped() {
		log.Warn("certificate left out of the trust store", "detail", s)
	}
	proxies, err := cfg.Verify.Proxies()
	if err != nil {
		st.Close()
		return nil, err
	}
	// Readiness means "this node can sign now": Transit answers this
	// node's token (probe, cached 1.5 s), the database answers a query,
	// the CA has an active issuer.
	checks := []api.Check{
		{Name: "vault", Fn: probe.Check},
		{Name: "database", Fn: st.Ping},
		{Name: "ca", Fn: authority.Ready},
	}
	if sess != nil {
		checks = append(checks, api.Check{Name: "vault-auth", Fn: sess.Health})
	}
	seal, err := reportSeal(ctx, cfg.Report, authority, signing)
	if err != nil {
		st.Close()
		return nil, err
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
		CSCTokenTTL:               time.Duration(cfg.HTTP.CSCTokenTTL),
		Ready:                     checks,
		BaseURL:                   cfg.BaseURL,
		MaxVerifyBytes:            cfg.Verify.MaxDocumentBytes,
		VerifyPerMinute:           cfg.Verify.PerMinute,
		ReportsPerMinute:          cfg.Report.PerMinute,
		VerifyBurst:               cfg.Verify.Burst,
		VerifyUploadsPerAddress:   cfg.Verify.UploadsPerAddress,
		VerifyConcurrency:         cfg.Verify.Concurrency,
		TrustedProxies:            proxies,
		Observer:                  reg,
		Page:                      branding,
	}, api.Deps{CA: authority, Admins: admins, Clients: clients, Signing: signing, PINs: pins, TSA: ts, Audit: auditLog, Verifier: kapp.Verify{Trust: trusted, Seal: seal},
		Idempotency: st, ClientCerts: kapp.ClientCertBinding{CA: authority, Clients: st}, Remote: remote, Citizens: citizenDeps, Credentials: authority, CSCTokenKey: cscKey,
		Trust:  kapp.NewTrust(trusted, auditLog, log),
		Extend: kapp.NewExtend(kapp.ExtendDeps{Trust: trusted, PDF: pades.New(ts, extendRevocation(authority, cfg.Extend.Online)), Audit: auditLog, Log: log})})
	a := &app{cfg: cfg, log: log, store: st, keys: km, ca: authority, admins: admins, http: h, metrics: reg,
		vaultAddr: km.Addr(), anchors: trusted.Sourced() + len(caCfg.ExternalRoots), trust: trusted}
	if cfg.TLS.On() {
		if a.tls, err = newTLS(ctx, cfg.TLS, authority, log); err != nil {
			st.Close()
			return nil, err
		}
	}
	reg.WatchExpiry(a.expiries)
	reg.WatchCRLs(a.crls)
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
	go a.trust.Run(ctx, time.Duration(a.cfg.Trust.RefreshInterval), logTrustRefresh(a.log))
	errc := make(chan error, 1)
	if a.tls != nil {
		srv.TLSConfig = api.TLSConfig(a.tls)
		srv.Handler = api.HSTS(a.http)
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	started := time.Now()
	a.log.Info("kyso listening", append(readVersion().logAttrs(),
		"addr", ln.Addr().String(), "base_url", a.cfg.BaseURL, "tls", a.cfg.TLS.Mode, "client_auth", a.cfg.TLS.ClientAuth,
		"database", a.cfg.Database.Driver, "vault", a.vaultAddr, "trust_anchors", a.anchors, "trust_bundle", bundleVersion(a.trust))...)
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
				if err := a.tls.Refresh(ctx); err != nil {
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
		return usageErr(err)
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel, false)
	km, sess, err := openVault(ctx, cfg, log)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, km, sess, log)
	if err != nil {
		return err
	}
	defer a.store.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	mln, err := cfg.Metrics.Bind()
	if err != nil {
		ln.Close()
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if mln != nil {
		log.Info("metrics listening", "addr", mln.Addr().String(), "path", "/metrics")
		defer a.metrics.Serve(mln, log)()
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

// extendRevocation is the revocation source of POST /v1/extend/pdf:
// kyso's CA (ca.RevocationData), and, with extend.online, the responders
// and CRL distribution points other CAs' certificates name
// (truststore.RevocationSources).
func extendRevocation(authority *ca.Authority, online bool) truststore.RevocationSources {
	r := truststore.RevocationSources{Local: authority.RevocationData()}
	if online {
		r.Client = http.DefaultClient
	}
	return r
}
