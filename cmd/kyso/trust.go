package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/metrics"
	"github.com/kyso-vn/kyso/truststore"
)

// cmdTrustMore is kyso trust's subcommands but list.
func cmdTrustMore(ctx context.Context, w io.Writer, args []string) error {
	switch args[0] {
	case "bundle":
		return cmdTrustBundle(ctx, w, args[1:])
	case "refresh":
		return trustRefresh(ctx, w, args[1:])
	case "import-tsl":
		return importTSL(ctx, w, args[1:])
	case "export-tsl":
		return exportTSL(ctx, w, args[1:])
	}
	return usageErr(fmt.Errorf("trust: unknown subcommand %q (want list, bundle, refresh, import-tsl or export-tsl)", args[0]))
}

// bundleSigners reads the certificates of trust.bundle_signer.
func bundleSigners(t TrustConfig) ([]*x509.Certificate, error) {
	if t.BundleSigner == "" {
		return nil, nil
	}
	certs, err := readCertsFile(t.BundleSigner)
	if err != nil {
		return nil, fmt.Errorf("config: trust.bundle_signer: %w", err)
	}
	return certs, nil
}

// logTrustRefresh logs the outcome of a periodic refresh of the trust
// bundle: a new bundle at info, a refused or unreachable one at warn
// (the bundle in use stays; kyso_trust_bundle_refresh_failing says so).
func logTrustRefresh(log *slog.Logger) func(truststore.Status, error) {
	return func(st truststore.Status, err error) {
		switch {
		case err != nil:
			log.Warn("trust bundle not refreshed; the bundle in use stays", "version", bundleInfoVersion(st), "err", err)
		case st.Changed:
			log.Info("trust bundle refreshed", "version", st.Bundle.Version, "date", st.Bundle.Date, "anchors", st.Bundle.Anchors, "from", st.Bundle.Location)
		}
	}
}

func bundleInfoVersion(st truststore.Status) uint64 {
	if st.Bundle == nil {
		return 0
	}
	return st.Bundle.Version
}

// bundleVersion is the version of the trust bundle in use (0: none), for
// the start-up log line.
func bundleVersion(t *truststore.Store) uint64 {
	if t == nil {
		return 0
	}
	return bundleInfoVersion(t.Status())
}

// trustGauges reads the trust bundle's state for the metrics.
func trustGauges(t *truststore.Store) func() metrics.TrustState {
	return func() metrics.TrustState {
		st := t.Status()
		return metrics.TrustState{Version: bundleInfoVersion(st), Failing: st.LastError != "", LastCheck: st.LastCheck}
	}
}

// devTrustBundle sets kyso dev's trust section from its flags.
func devTrustBundle(cfg *Config, bundle, signer string, refresh time.Duration) error {
	if bundle == "" {
		if signer != "" || refresh != 0 {
			return usageErr(errors.New("dev: --bundle-signer and --trust-refresh need --trust-bundle"))
		}
		return nil
	}
	if strings.HasPrefix(bundle, "http://") || strings.HasPrefix(bundle, "https://") {
		cfg.Trust.BundleURL = bundle
	} else {
		cfg.Trust.BundlePath = bundle
	}
	if signer == "" {
		signer = filepath.Join("trust", "bundle-signer.crt")
	}
	cfg.Trust.BundleSigner = signer
	if refresh != 0 {
		cfg.Trust.RefreshInterval = Duration(refresh)
	}
	return cfg.Trust.Validate()
}

// trustRefresh is kyso trust refresh: the running kyso reads its trust
// bundle now (POST /v1/admin/trust/refresh). It fails (exit 1) when the
// bundle was refused or could not be read; the bundle in use stays.
func trustRefresh(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("trust refresh", flag.ContinueOnError)
	mk := clientFlags(fs)
	asJSON := fs.Bool("json", false, "print the JSON answer")
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	if fs.NArg() > 0 {
		return usageErr(fmt.Errorf("trust refresh: unexpected arguments %v", fs.Args()))
	}
	c, err := mk()
	if err != nil {
		return err
	}
	var out struct {
		OK        bool                   `json:"ok"`
		Changed   bool                   `json:"changed"`
		Bundle    *truststore.BundleInfo `json:"bundle"`
		LastError string                 `json:"last_error"`
	}
	var raw json.RawMessage
	if err := c.do(ctx, http.MethodPost, "/v1/admin/trust/refresh", "", nil, &raw); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	if *asJSON {
		var v any
		_ = json.Unmarshal(raw, &v)
		if err := printJSON(w, v); err != nil {
			return err
		}
	} else if out.Bundle != nil {
		what := "unchanged"
		if out.Changed {
			what = "loaded"
		}
		fmt.Fprintf(w, "trust bundle %q version %d of %s (%d certificates): %s\n", out.Bundle.Name, out.Bundle.Version, out.Bundle.Date, out.Bundle.Anchors, what)
	}
	if !out.OK {
		return fmt.Errorf("trust refresh: the bundle was not accepted, the one in use stays: %s", out.LastError)
	}
	return nil
}
