package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// TestServeWithAppRole runs production mode against an external Vault: kyso
// logs in with AppRole under a policy limited to its Transit mount, creates
// its CA, issues a certificate for an admin whose token was made with
// `kyso admin create-token`, and writes no unseal material or token to disk.
func TestServeWithAppRole(t *testing.T) {
	bin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v, err := devvault.Start(ctx, devvault.Config{Bin: bin, Dir: t.TempDir(), Mount: "kyso-transit"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Stop() })
	root := vaulttest.Root(t, v)
	root.EnableAppRole()
	// The policy shipped in the repo, for kyso's mount.
	pol, err := os.ReadFile("../../deploy/vault/kyso-policy.hcl")
	if err != nil {
		t.Fatal(err)
	}
	root.PutPolicy("kyso", strings.ReplaceAll(string(pol), `"transit/`, `"kyso-transit/`))
	roleID, secretID := root.NewAppRole("kyso", "kyso", time.Hour)
	dir := t.TempDir()
	secretFile := filepath.Join(t.TempDir(), "secret-id")
	if err := os.WriteFile(secretFile, []byte(secretID), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := freePort(t)
	cfg := map[string]any{
		"listen":   listen,
		"metrics":  map[string]any{"listen": "127.0.0.1:0"}, // not the default port: another kyso may run here
		"base_url": "http://" + listen,
		"database": map[string]any{"path": filepath.Join(dir, "kyso.db")},
		"vault": map[string]any{"addr": v.Addr, "mount": "kyso-transit", "auth": "approle",
			"role_id": roleID, "secret_id_file": secretFile},
		"ca": map[string]any{"root_key_type": "rsa-2048"},
	}
	cfgPath := filepath.Join(t.TempDir(), "kyso.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VAULT_TOKEN", "") // production auth must not fall back to a token

	// Strict config: an unknown field is refused with the field named.
	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte(`{"listen":"127.0.0.1:0","vault":{"adress":"x"}}`), 0o600)
	if err := run(ctx, io.Discard, []string{"serve", "--config", bad}); err == nil || !strings.Contains(err.Error(), "adress") {
		t.Errorf("serve with an unknown config field = %v, want an error naming it", err)
	}

	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(sctx, io.Discard, []string{"serve", "--config", cfgPath}) }()
	base := "http://" + listen
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("kyso serve exited: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("kyso serve not ready within a minute")
		}
	}
	var tok bytes.Buffer
	if err := run(ctx, &tok, []string{"admin", "create-token", "--config", cfgPath, "--name", "registration officer"}); err != nil {
		t.Fatal(err)
	}
	body := `{"profile":"seal","subject":{"organization":"Ủy ban nhân dân Thành phố Hà Nội","tax_code":"0103410294","locality":"Hà Nội"}}`
	req, _ := http.NewRequest("POST", base+"/v1/certificates", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.String()))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("issue under AppRole = %d %s", resp.StatusCode, out)
	}

	// The AppRole policy is the only thing kyso has: another mount is refused by Vault.
	kc := vaulttest.Connect(t, v.Addr, "").AppRoleLogin(roleID, secretID)
	if err := kc.Write("transit/keys/intruder", map[string]any{"type": "rsa-2048"}); err == nil {
		t.Error("kyso's AppRole token could create a key on a mount outside its policy")
	}
	keyList := root.TransitKeys("kyso-transit")
	if len(keyList) == 0 {
		t.Fatal("kyso created no key on kyso-transit")
	}
	someKey := keyList[0]
	for _, forbidden := range []struct {
		path string
		data map[string]any
	}{
		{"kyso-transit/keys/" + someKey + "/config", map[string]any{"exportable": true}},
		{"kyso-transit/keys/" + someKey + "/config", map[string]any{"deletion_allowed": true}},
	} {
		if err := kc.Write(forbidden.path, forbidden.data); err == nil {
			t.Errorf("kyso's token may write %s %v", forbidden.path, forbidden.data)
		}
	}
	if err := kc.Read("kyso-transit/export/signing-key/" + someKey); err == nil {
		t.Error("kyso's token may export keys")
	}
	if err := kc.Delete("kyso-transit/keys/" + someKey); err == nil {
		t.Error("kyso's token may delete keys")
	}
	// What kyso doctor needs: listing the mount's keys.
	if l, err := kc.List("kyso-transit/keys"); err != nil || len(l) != len(keyList) {
		t.Errorf("kyso's token cannot list the mount's keys: %v", err)
	}

	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("serve stopped with %v", err)
	}
	// Production writes nothing but its database.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "kyso.db") {
			t.Errorf("kyso serve wrote %s", e.Name())
		}
	}
}
