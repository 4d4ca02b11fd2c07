package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// issueCall is one POST /v1/certificates with an Idempotency-Key.
type issueCall struct {
	base, token, key, body string
}

// send sends the call once and returns the status, the Retry-After and
// Idempotent-Replayed headers and the body.
func (c issueCall) send(t *testing.T) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/v1/certificates", strings.NewReader(c.body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", c.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /v1/certificates (%s): %v", c.key, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// untilDone sends the call until it is no longer answered 503 (a client
// retrying as docs/errors.md tells it to, with the same Idempotency-Key),
// at most tries times, checking that every 503 is vault_unavailable with
// Retry-After. It returns the last answer.
func (c issueCall) untilDone(t *testing.T, tries int) (int, http.Header, []byte) {
	t.Helper()
	for i := 1; ; i++ {
		status, h, b := c.send(t)
		if status != http.StatusServiceUnavailable || i == tries {
			return status, h, b
		}
		if errorCode(b) != "vault_unavailable" || h.Get("Retry-After") == "" {
			t.Fatalf("issue %s: 503 %s (Retry-After %q), want vault_unavailable with Retry-After", c.key, b, h.Get("Retry-After"))
		}
		t.Logf("issue %s: attempt %d answered 503 vault_unavailable (Retry-After %s); retrying", c.key, i, h.Get("Retry-After"))
	}
}

// TestSlowVaultKeyCreation runs kyso against a real Vault behind a proxy
// that holds back Transit key creation (vaulttest.SlowTransit), with
// vault.timeout 3s and vault.create_timeout 15s:
//   - kyso ca init: the root key's creation is cut off on kyso's side and
//     Vault makes the key only afterwards; every other key takes Vault
//     longer than vault.timeout. The first start shows each key's
//     progress, retries, uses the root key Vault made and succeeds.
//   - kyso serve issues a certificate for an RSA-4096 key whose creation
//     takes longer than vault.timeout.
//   - A subject key's creation cut off on kyso's side: 503
//     vault_unavailable with Retry-After; the retry with the same
//     Idempotency-Key finishes the same credential with the key Vault
//     made, and the next retry replays the same certificate.
//
// kyso doctor finds nothing after each step: no orphan key, no credential
// left without a certificate.
func TestSlowVaultKeyCreation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	vaultBin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bin := buildKyso(ctx, t, work)
	v, err := devvault.Start(ctx, devvault.Config{Bin: vaultBin, Dir: filepath.Join(work, "vault")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Stop() })
	proxy := vaulttest.NewSlowTransit(t, v.Addr)
	const timeout = 3 * time.Second
	proxy.SetRule(func(key string, attempt int) vaulttest.Hold {
		if key == "kyso-root" && attempt == 1 {
			return vaulttest.Hold{CutOff: true, Late: true}
		}
		return vaulttest.Hold{Delay: timeout + time.Second}
	})
	listen := freePort(t)
	cfg := map[string]any{
		"listen":   listen,
		"metrics":  map[string]any{"listen": "127.0.0.1:0"}, // not the default port: another kyso may run here
		"base_url": "http://" + listen,
		"database": map[string]any{"path": filepath.Join(work, "kyso.db")},
		"vault":    map[string]any{"addr": proxy.URL, "mount": v.Mount, "timeout": timeout.String(), "create_timeout": "15s"},
		// Fast CA keys; the proxy supplies the slowness.
		"ca": map[string]any{"root_key_type": "rsa-2048", "issuing_key_type": "rsa-2048"},
	}
	cfgPath := filepath.Join(work, "kyso.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VAULT_TOKEN", v.RootToken)
	doctorClean := func(step string, keys int) {
		t.Helper()
		var out bytes.Buffer
		err := run(ctx, &out, []string{"doctor", "--config", cfgPath, "--grace", "0s", "--json"})
		var res doctorResult
		if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil || err != nil || res.Problems != 0 || len(res.Findings) != 0 {
			t.Fatalf("%s: kyso doctor = %v (%v), want no finding:\n%s", step, err, jerr, out.Bytes())
		}
		if res.Keys != keys {
			t.Errorf("%s: %d keys in Vault, want %d", step, res.Keys, keys)
		}
	}

	// First start.
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "ca", "init", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kyso ca init: %v\n%s", err, stderr.Bytes())
	}
	t.Logf("kyso ca init:\n%s", stderr.Bytes())
	for _, want := range []string{
		"generating the root key (RSA-2048) in Vault…", "generating the root key (RSA-2048) failed",
		"creating the CA failed; retrying", "root key (RSA-2048) ready",
		"generating the issuing CA key (RSA-2048) in Vault…", "issuing CA key (RSA-2048) ready",
		"generating the OCSP responder key (RSA-2048) in Vault…", "OCSP responder key (RSA-2048) ready",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("kyso ca init's log lacks %q", want)
		}
	}
	var issuers struct {
		Issuers []struct{ Name, Status string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &issuers); err != nil || len(issuers.Issuers) != 2 {
		t.Fatalf("kyso ca init printed %s (%v), want the root and issuing-1", stdout.Bytes(), err)
	}
	creations := func(key string) []vaulttest.Creation {
		var out []vaulttest.Creation
		for _, c := range proxy.Creations() {
			if c.Key == key {
				out = append(out, c)
			}
		}
		return out
	}
	if c := creations("kyso-root"); len(c) < 2 || !c[0].GaveUp || c[0].Status != 200 || !c[len(c)-1].Answered {
		t.Errorf("creations of kyso-root = %+v; want one cut off (Vault made the key later), the last one answered", c)
	}
	for _, key := range []string{"kyso-issuing-1", "kyso-ocsp-issuing-1"} {
		c := creations(key)
		if len(c) == 0 || !c[len(c)-1].Answered || c[len(c)-1].Hold.Delay <= timeout {
			t.Errorf("creations of %s = %+v; want one answered after more than vault.timeout", key, c)
		}
	}
	if k := vaulttest.Root(t, v).TransitKey(v.Mount, "kyso-root"); k.LatestVersion != 1 {
		t.Errorf("kyso-root in Vault: %+v, want one version", k)
	}
	// Besides the CA's and the credentials' keys, the mount holds the
	// Transit keys that encrypt citizens' TOTP seeds (kyso-totp-seeds)
	// and stored idempotent answers (kyso-idempotency-answers), and the
	// CSC access tokens' HMAC key (kyso-csc-tokens).
	doctorClean("after kyso ca init", 6)

	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(sctx, io.Discard, []string{"serve", "--config", cfgPath}) }()
	t.Cleanup(func() {
		stop()
		<-done
	})
	base := "http://" + listen
	if !waitUntil(time.Minute, func() bool {
		select {
		case err := <-done:
			done <- err // for the cleanup
			t.Fatalf("kyso serve exited: %v", err)
		default:
		}
		code, _, err := readyz(http.DefaultClient, base)
		return err == nil && code == http.StatusOK
	}) {
		t.Fatal("kyso serve not ready within a minute")
	}
	var tok bytes.Buffer
	if err := run(ctx, &tok, []string{"admin", "create-token", "--config", cfgPath, "--name", "registration officer"}); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(tok.String())

	// An RSA-4096 subject key: Vault takes longer than vault.timeout. A
	// loaded machine may take longer than the creation deadline too; the
	// client then retries with its Idempotency-Key, which finishes it.
	seal := issueCall{base: base, token: token, key: "seal-rsa-4096",
		body: `{"profile":"seal","key_type":"rsa-4096","subject":{"organization":"Ủy ban nhân dân Thành phố Hà Nội","tax_code":"0103410294","locality":"Hà Nội"}}`}
	status, _, body := seal.untilDone(t, 10)
	if status != http.StatusCreated {
		t.Fatalf("issue rsa-4096 = %d %s", status, body)
	}
	var sealCert struct {
		CredentialID string `json:"credential_id"`
		Certificate  string `json:"certificate"`
	}
	if err := json.Unmarshal(body, &sealCert); err != nil {
		t.Fatal(err)
	}
	if k, ok := pemCert(t, sealCert.Certificate).PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() != 4096 {
		t.Errorf("seal certificate key = %T, want 4096-bit RSA", pemCert(t, sealCert.Certificate).PublicKey)
	}
	if c := creations("kyso-" + sealCert.CredentialID); len(c) == 0 || c[0].Hold.Delay <= timeout {
		t.Errorf("creations of the seal's key = %+v, want held longer than vault.timeout", c)
	}
	doctorClean("after the RSA-4096 issuance", 7)

	// A subject key's creation cut off on kyso's side; Vault makes the key
	// after kyso gave up.
	proxy.SetRule(func(key string, attempt int) vaulttest.Hold {
		cut := strings.HasPrefix(key, "kyso-cred_") && attempt == 1
		return vaulttest.Hold{CutOff: cut, Late: cut}
	})
	citizen := issueCall{base: base, token: token, key: "citizen-cut-off",
		body: `{"profile":"citizen","subject":{"name":"Nguyễn Văn An","cccd":"001099012345","locality":"Hà Nội","province":"Hà Nội"}}`}
	status, h, body := citizen.send(t)
	if status != http.StatusServiceUnavailable || errorCode(body) != "vault_unavailable" || h.Get("Retry-After") == "" {
		t.Fatalf("issue with the key creation cut off = %d %s (Retry-After %q), want 503 vault_unavailable with Retry-After", status, body, h.Get("Retry-After"))
	}
	var cutKey string
	for _, c := range proxy.Creations() {
		if strings.HasPrefix(c.Key, "kyso-cred_") && c.Hold.Late {
			cutKey = c.Key
		}
	}
	if cutKey == "" {
		t.Fatal("no subject key creation was cut off")
	}
	status, h, body = citizen.untilDone(t, 5)
	if status != http.StatusCreated || h.Get("Idempotent-Replayed") != "" {
		t.Fatalf("retry with the same Idempotency-Key = %d %s (replayed %q), want 201, done now", status, body, h.Get("Idempotent-Replayed"))
	}
	var citizenCert struct {
		ID           string `json:"id"`
		CredentialID string `json:"credential_id"`
	}
	if err := json.Unmarshal(body, &citizenCert); err != nil {
		t.Fatal(err)
	}
	if "kyso-"+citizenCert.CredentialID != cutKey {
		t.Errorf("the retry issued credential %s, want %s: the one whose key creation was cut off", citizenCert.CredentialID, strings.TrimPrefix(cutKey, "kyso-"))
	}
	if c := creations(cutKey); len(c) < 2 || !c[0].GaveUp || c[0].Status != 200 || !c[len(c)-1].Answered {
		t.Errorf("creations of %s = %+v; want one cut off (Vault made the key later), the last one answered", cutKey, c)
	}
	status, h, again := citizen.send(t)
	if status != http.StatusCreated || h.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again, body) {
		t.Errorf("second retry = %d (replayed %q) %s, want the same certificate replayed", status, h.Get("Idempotent-Replayed"), again)
	}
	doctorClean("after the cut-off issuance", 8)
}
