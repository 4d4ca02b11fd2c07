package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// kysoFlags are the flags of kyso dev beyond startKyso's own: with
// -profile, a loopback debug listener to take CPU profiles from.
func (b *bench) kysoFlags() []string {
	if b.cfg.profile == "" {
		return nil
	}
	return []string{"--debug-listen", "127.0.0.1:0"}
}

// profiler takes CPU profiles of kyso and of its Vault during one measured
// load, when the bench runs with -profile.
type profiler struct {
	done chan error
}

// startProfiles begins a CPU profile of kyso (GET /debug/cpu of kyso dev's
// debug listener) and one of Vault (GET /v1/sys/pprof/profile with kyso
// dev's root token), each over the load's length d rounded up to a
// second, written to -profile's directory as NAME.kyso.pprof and
// NAME.vault.pprof. It returns nil when the bench takes no profiles.
func (b *bench) startProfiles(ctx context.Context, name string, d time.Duration) (*profiler, error) {
	if b.cfg.profile == "" {
		return nil, nil
	}
	kysoURL := b.kyso.env["KYSO_DEBUG_URL"]
	if kysoURL == "" {
		return nil, errors.New("-profile: kyso dev wrote no KYSO_DEBUG_URL to dev.env: is bin/kyso older than --debug-listen? (make kyso)")
	}
	if err := os.MkdirAll(b.cfg.profile, 0o755); err != nil {
		return nil, err
	}
	secs := max(1, int(math.Ceil(d.Seconds())))
	base := filepath.Join(b.cfg.profile, profileName(name))
	p := &profiler{done: make(chan error, 2)}
	go func() {
		p.done <- fetchProfile(ctx, fmt.Sprintf("%s/debug/cpu?seconds=%d", kysoURL, secs), "", base+".kyso.pprof")
	}()
	go func() {
		url := fmt.Sprintf("%s/v1/sys/pprof/profile?seconds=%d", b.kyso.env["VAULT_ADDR"], secs)
		p.done <- fetchProfile(ctx, url, b.kyso.env["VAULT_TOKEN"], base+".vault.pprof")
	}()
	return p, nil
}

// wait returns once both profiles are written, with the first error.
func (p *profiler) wait() error {
	if p == nil {
		return nil
	}
	return errors.Join(<-p.done, <-p.done)
}

// fetchProfile GETs url (with a Vault token if token is not empty) and
// writes the body to path.
func fetchProfile(ctx context.Context, url, token, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	resp, err := (&http.Client{Timeout: 3 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("profile %s: %s: %s", path, resp.Status, strings.TrimSpace(string(msg)))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", path, err)
	}
	return f.Close()
}

// profileName makes a measurement's name ("kyso sign 200 KB ×16, round 2")
// a file name: letters and digits, the rest as dashes.
func profileName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
