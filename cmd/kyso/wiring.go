package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/store"
)

// appAudit is app's Auditor on the audit log, where no metrics count its
// records (meteredAudit is kyso serve's).
type appAudit struct{ log auditRecorder }

func (a appAudit) Record(ctx context.Context, e kapp.AuditEvent) error {
	return a.log.Record(ctx, audit.Event(e))
}

// sealImages is app's SealStore on the database: agencies' seal images,
// none for an agency that has not registered one.
type sealImages struct{ st store.Store }

func (s sealImages) PutSealImage(ctx context.Context, organization, contentType string, image []byte) error {
	return s.st.PutSealImage(ctx, &store.SealImage{Organization: organization, ContentType: contentType, Data: image})
}

func (s sealImages) SealImage(ctx context.Context, organization string) ([]byte, error) {
	img, err := s.st.GetSealImage(ctx, organization)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return img.Data, nil
}

// bootstrapPauses are the pauses between the attempts of bootstrapCA: five
// attempts over about 40 seconds, on top of the attempts themselves.
var bootstrapPauses = [...]time.Duration{2 * time.Second, 5 * time.Second, 10 * time.Second, 20 * time.Second}

// bootstrapCA creates kyso's own CA on first start (ca.Authority.Bootstrap).
// A failure that may pass — Vault or the database unavailable, or too slow
// (a key creation cut short) — is retried after a pause, a few times: the
// CA keys have fixed names, so an attempt finds and uses a key Vault made
// after the previous one gave up waiting, and Bootstrap resumes what an
// earlier attempt recorded.
func bootstrapCA(ctx context.Context, authority *ca.Authority, log *slog.Logger) (bool, error) {
	for attempt := 1; ; attempt++ {
		created, err := authority.Bootstrap(ctx)
		if err == nil {
			return created, nil
		}
		mayPass := ca.MayPass(err)
		switch {
		case !mayPass:
			return false, fmt.Errorf("bootstrap CA: %w", err)
		case attempt > len(bootstrapPauses):
			return false, fmt.Errorf("bootstrap CA: gave up after %d attempts: Vault or the database stayed unavailable or too slow "+
				"(if generating a key is what takes long, raise vault.create_timeout; a key Vault finishes later is used by the next start): %w",
				attempt, err)
		}
		pause := bootstrapPauses[attempt-1]
		log.Warn("creating the CA failed; retrying", "attempt", attempt, "of", len(bootstrapPauses)+1, "retry_in", pause, "err", err)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, fmt.Errorf("bootstrap CA: %w (stopped while waiting to retry after: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// logKeyProgress returns a ca.Config.Progress that logs the creation of
// the CA's own keys: a first start waits for them, an RSA-4096 root key
// for up to minutes on a loaded Vault.
func logKeyProgress(log *slog.Logger) func(ca.KeyEvent) {
	return func(ev ca.KeyEvent) {
		kt := strings.ToUpper(ev.Type)
		switch {
		case !ev.Done:
			log.Info(fmt.Sprintf("generating the %s key (%s) in Vault…", ev.Role, kt), "key", ev.Key)
		case ev.Err == nil:
			log.Info(fmt.Sprintf("%s key (%s) ready", ev.Role, kt), "key", ev.Key, "took", ev.Took.Round(time.Millisecond))
		default:
			log.Warn(fmt.Sprintf("generating the %s key (%s) failed", ev.Role, kt), "key", ev.Key, "took", ev.Took.Round(time.Millisecond), "err", ev.Err)
		}
	}
}

// newTLS starts the lifecycle of the HTTPS listener's certificate
// (app.TLS) for the tls section; in mode file it reads the operator's
// certificate and key from the files the section names.
func newTLS(ctx context.Context, sec TLSConfig, authority *ca.Authority, log *slog.Logger) (*kapp.TLS, error) {
	cfg := kapp.TLSConfig{Section: sec}
	if sec.Mode == "file" {
		var err error
		if cfg.CertPEM, err = os.ReadFile(sec.CertFile); err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		if cfg.KeyPEM, err = os.ReadFile(sec.KeyFile); err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
	}
	return kapp.NewTLS(ctx, cfg, authority, log)
}
