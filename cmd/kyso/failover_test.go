package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// TestServeVaultFailover runs kyso serve from a file whose Vault address
// is overridden by KYSO_VAULT_ADDR with three: a closed port, a sealed
// Vault and a working one. kyso starts, creates its CA, is ready and
// issues through the third; /readyz turns 503 (check vault fail) while
// that Vault is sealed too and 200 again once it is unsealed, without a
// restart. KYSO_LISTEN overrides the file's listen address.
func TestServeVaultFailover(t *testing.T) {
	bin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := func() *devvault.Vault {
		v, err := devvault.Start(ctx, devvault.Config{Bin: bin, Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = v.Stop() })
		return v
	}
	sealed, live := start(), start()
	if err := sealed.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()

	dir := t.TempDir()
	listen := freePort(t)
	cfg := map[string]any{
		"listen":   "127.0.0.1:1", // overridden by KYSO_LISTEN
		"base_url": "http://" + listen,
		"database": map[string]any{"path": filepath.Join(dir, "kyso.db")},
		"vault":    map[string]any{"addr": dead, "mount": live.Mount, "timeout": "3s"},
		"ca":       map[string]any{"root_key_type": "ecdsa-p256", "issuing_key_type": "ecdsa-p256"},
	}
	cfgPath := filepath.Join(dir, "kyso.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KYSO_LISTEN", listen)
	t.Setenv("KYSO_VAULT_ADDR", strings.Join([]string{dead, sealed.Addr, live.Addr}, ","))
	t.Setenv("VAULT_TOKEN", live.RootToken)

	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(sctx, io.Discard, []string{"serve", "--config", cfgPath}) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	base := "http://" + listen
	client := &http.Client{Timeout: 20 * time.Second}
	// waitReady polls /readyz until it answers want, and returns the
	// checks of that answer.
	waitReady := func(want int, what string) map[string]string {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			code, checks, _, err := readyzChecks(client, base)
			if err == nil && code == want {
				return checks
			}
			select {
			case err := <-done:
				t.Fatalf("kyso serve exited: %v", err)
			case <-time.After(100 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: /readyz not %d within a minute (last %d %v, %v)", what, want, code, checks, err)
			}
		}
	}
	if checks := waitReady(200, "first address dead, second sealed"); checks["vault"] != "ok" || checks["database"] != "ok" || checks["ca"] != "ok" {
		t.Errorf("ready: checks = %v", checks)
	}

	// Issuing a certificate makes a key in Transit and signs with the CA's.
	var tok strings.Builder
	if err := run(ctx, &tok, []string{"admin", "create-token", "--config", cfgPath, "--name", "registration officer"}); err != nil {
		t.Fatal(err)
	}
	issue := func() int {
		body := `{"profile":"seal","subject":{"organization":"Ủy ban nhân dân Thành phố Hà Nội","tax_code":"0103410294","locality":"Hà Nội"}}`
		req, _ := http.NewRequest("POST", base+"/v1/certificates", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.String()))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Logf("issue = %d %s", resp.StatusCode, out)
		}
		return resp.StatusCode
	}
	if code := issue(); code != 201 {
		t.Fatalf("issue through the third Vault address = %d, want 201", code)
	}

	if err := live.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if checks := waitReady(503, "every Vault sealed or dead"); checks["vault"] != "fail" || checks["database"] != "ok" {
		t.Errorf("not ready: checks = %v, want vault fail, database ok", checks)
	}
	if err := live.Unseal(ctx); err != nil {
		t.Fatal(err)
	}
	waitReady(200, "the third Vault unsealed")
	if code := issue(); code != 201 {
		t.Errorf("issue after the unseal = %d, want 201", code)
	}
}
