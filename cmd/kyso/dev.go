package main

import (
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/keys"
)

// devWarning heads every file of insecure development material.
const devWarning = "DEVELOPMENT ONLY — INSECURE. Written by `kyso dev`; production (`kyso serve`) never writes unseal material or tokens to disk."

// cmdDev runs the embedded default: a real Vault server with persistent
// storage under DIR/vault (initialised and unsealed from DIR/vault/unseal.json
// on each start), SQLite at DIR/kyso.db, and kyso itself.
func cmdDev(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("dev", flag.ContinueOnError)
	dir := fset.String("data", "data", "data directory (Vault storage, SQLite, dev credentials)")
	listen := fset.String("listen", "127.0.0.1:8080", "kyso HTTP listen address")
	vaultListen := fset.String("vault-listen", "127.0.0.1:8200", "Vault listen address")
	vaultBin := fset.String("vault-bin", "", "vault binary (default: next to the kyso binary, then bin/vault, then $PATH)")
	baseURL := fset.String("base-url", "", "public base URL (default http://<listen>)")
	reqTimeout := fset.Duration("request-timeout", 0, "bound of one request (default 30s; an Idempotency-Key held by a crashed request is free again 15s after it)")
	useTLS := fset.Bool("tls", false, "serve HTTPS with a certificate from kyso's own CA (key in Vault); dev.env then names the root in KYSO_CA_CERT")
	verifyRate := fset.Float64("verify-per-minute", 0, "per-client rate limit of /v1/verify/* (default 30; negative: none, e.g. for benchmarks)")
	debugListen := fset.String("debug-listen", "", "loopback address of a debug listener: GET /debug/runtime (goroutines, Go heap), /debug/goroutines, /debug/heap and /debug/cpu?seconds=N (default: none; see debug.go)")
	metricsListen := fset.String("metrics-listen", "", "address of the operator listener serving GET /metrics (default: none; kyso serve's metrics.listen); dev.env names it in KYSO_METRICS_URL")
	reportSealID := fset.String("report-seal", "", "credential ID of a seal of kyso's CA that signs the printed verification reports (report.seal_credential)")
	var trustDirs stringList
	fset.Var(&trustDirs, "trust", "directory of external trust anchors and intermediates for the verifier (e.g. trust/vn); repeatable")
	trustBundle := fset.String("trust-bundle", "", "a signed trust bundle for the verifier: a directory (e.g. trust/vn) or an http(s) URL (trust.bundle_path or trust.bundle_url)")
	bundleSigner := fset.String("bundle-signer", "", "with --trust-bundle: PEM certificate of the bundle signer (trust.bundle_signer; default trust/bundle-signer.crt)")
	trustRefresh := fset.Duration("trust-refresh", 0, "with --trust-bundle: how often it is read again (trust.refresh_interval; default 6h)")
	externalRoot := fset.String("external-root", "", "run the issuing CA under the external root in FILE (ca.mode external, FILE pinned as ca.external_root): see docs/issuance.md")
	var externalCRLs stringList
	fset.Var(&externalCRLs, "external-crl", "with --external-root: a CRL file or URL of the external CA (ca.external_revocation.crl_sources); repeatable")
	if err := fset.Parse(args); err != nil {
		return usageErr(err)
	}
	bin, err := findVault(*vaultBin)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	log := newLogger("info", true)
	log.Warn("kyso dev: development mode — Vault is auto-unsealed from a local file and an admin token is written to disk; never use this in production", "data", *dir)

	vlog, err := os.OpenFile(filepath.Join(*dir, "vault.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer vlog.Close()
	v, err := devvault.Start(ctx, devvault.Config{Bin: bin, Dir: filepath.Join(*dir, "vault"), Listen: *vaultListen, Log: vlog})
	if err != nil {
		return fmt.Errorf("start vault: %w", err)
	}
	defer func() {
		if err := v.Stop(); err != nil {
			log.Warn("stop vault", "err", err)
		} else {
			log.Info("vault stopped")
		}
	}()
	log.Info("vault ready", "addr", v.Addr, "log", vlog.Name())

	// Listen before wiring so that --listen 127.0.0.1:0 works: the base URL
	// written into certificates names the port actually bound.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	debugURL := ""
	if *debugListen != "" {
		dln, err := listenDebug(*debugListen)
		if err != nil {
			return err
		}
		dctx, stopDebug := context.WithCancel(ctx)
		defer stopDebug()
		go func() {
			if err := serveDebug(dctx, dln); err != nil {
				log.Warn("debug listener", "err", err)
			}
		}()
		debugURL = "http://" + dln.Addr().String()
		log.Info("debug listener", "url", debugURL+"/debug/runtime")
	}
	cfg, err := loadConfig("")
	if err != nil {
		return err
	}
	cfg.Listen = ln.Addr().String()
	cfg.BaseURL = strings.TrimRight(*baseURL, "/")
	cfg.Database.Path = filepath.Join(*dir, "kyso.db")
	cfg.Vault.Addr = v.Addr
	cfg.Vault.Mount = v.Mount
	cfg.Verify.TrustDirs = trustDirs
	cfg.Report.SealCredential = *reportSealID
	if err := devTrustBundle(cfg, *trustBundle, *bundleSigner, *trustRefresh); err != nil {
		return err
	}
	cfg.Verify.PerMinute = *verifyRate
	if *verifyRate < 0 {
		cfg.Verify.UploadsPerAddress = -1 // no per-address verification limits at all
		cfg.Report.PerMinute = -1
	}
	cfg.HTTP.RequestTimeout = Duration(*reqTimeout)
	cfg.Metrics.Listen = *metricsListen
	if cfg.Metrics.Listen == "" {
		cfg.Metrics.Listen = "off"
	}
	if err := devExternal(cfg, *externalRoot, externalCRLs); err != nil {
		return err
	}
	if *useTLS {
		host, _, _ := net.SplitHostPort(cfg.Listen)
		cfg.TLS = TLSConfig{Mode: "ca", Hosts: []string{host}}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			cfg.TLS.Hosts = append(cfg.TLS.Hosts, "localhost")
		}
	}
	if err := cfg.setDefaults(); err != nil {
		return err
	}
	// Root token: nothing to renew, so the session is not run.
	km, _, err := keys.Open(ctx, keys.Section(cfg.Vault), v.RootToken, log)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, km, nil, log)
	if err != nil {
		return err
	}
	defer a.store.Close()

	token, err := devAdminToken(ctx, a, *dir)
	if err != nil {
		return err
	}
	envPath := filepath.Join(*dir, "dev.env")
	env := fmt.Sprintf("# %s\nKYSO_URL=%s\nKYSO_ADMIN_TOKEN=%s\nVAULT_ADDR=%s\nVAULT_TOKEN=%s\n",
		devWarning, cfg.BaseURL, token, v.Addr, v.RootToken)
	if *useTLS {
		// The root a client of this HTTPS kyso trusts (public data).
		root, err := a.ca.IssuerCert(ctx, "root")
		if err != nil {
			return err
		}
		rootPath := filepath.Join(*dir, "root.pem")
		if err := os.WriteFile(rootPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root}), 0o644); err != nil {
			return err
		}
		env += "KYSO_CA_CERT=" + rootPath + "\n"
	}
	if debugURL != "" {
		env += "KYSO_DEBUG_URL=" + debugURL + "\n"
	}
	mln, err := cfg.Metrics.Bind()
	if err != nil {
		return err
	}
	if mln != nil {
		defer a.metrics.Serve(mln, log)()
		env += "KYSO_METRICS_URL=http://" + mln.Addr().String() + "/metrics\n"
	}
	if err := os.WriteFile(envPath, []byte(env), 0o600); err != nil {
		return err
	}
	log.Info("kyso dev ready", "url", cfg.BaseURL, "env", envPath, "hint", "source "+envPath+" for KYSO_URL and KYSO_ADMIN_TOKEN")
	if *externalRoot != "" {
		log.Info("external-root mode: until a chain is imported /readyz says ca fail", "next", "kyso ca init --external --env "+envPath+" --cn … --org …, then kyso ca import-chain --env "+envPath+" CHAIN.pem (docs/issuance.md)")
	}
	return a.serve(ctx, ln)
}

// devExternal sets up kyso dev's external-root mode: the root in file is
// pinned by its own fingerprint (the developer chose the file).
func devExternal(cfg *Config, file string, crls []string) error {
	if file == "" {
		if len(crls) > 0 {
			return errors.New("dev: --external-crl needs --external-root")
		}
		return nil
	}
	root, err := readOneCert(file)
	if err != nil {
		return fmt.Errorf("dev: --external-root: %w", err)
	}
	cfg.CA.Mode = "external"
	cfg.CA.ExternalRoot = &ExternalRootConfig{File: file, SHA256: certFingerprint(root)}
	cfg.CA.ExternalRevocation.CRLSources = crls
	return nil
}

// devAdminToken returns the development admin token kept in DIR/admin-token,
// creating it (and storing only its hash in the database) on first start.
func devAdminToken(ctx context.Context, a *app, dir string) (string, error) {
	path := filepath.Join(dir, "admin-token")
	b, err := os.ReadFile(path)
	if err == nil {
		tok := strings.TrimSpace(string(b))
		if a.admins.CheckAdmin(ctx, tok) == nil {
			return tok, nil
		}
		return "", fmt.Errorf("%s holds a token the database does not know; remove it to create a new one", path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	tok, err := a.admins.Create(ctx, "dev bootstrap admin")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", err
	}
	return tok, nil
}

// findVault locates the vault binary.
func findVault(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "vault")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
		tried = append(tried, p)
	}
	if st, err := os.Stat("bin/vault"); err == nil && !st.IsDir() {
		return "bin/vault", nil
	}
	tried = append(tried, "bin/vault")
	if p, err := lookPath("vault"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("vault binary not found (tried %s and $PATH): build it with `make bin/vault`", strings.Join(tried, ", "))
}
