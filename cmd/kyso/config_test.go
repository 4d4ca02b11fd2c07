package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{`"720h"`, 720 * time.Hour, false},
		{`"30d"`, 30 * 24 * time.Hour, false},
		{`"90m"`, 90 * time.Minute, false},
		{`"1.5d"`, 0, true},
		{`"-3d"`, 0, true},
		{`"soon"`, 0, true},
		{`86400`, 0, true},
	}
	for _, tc := range tests {
		var d Duration
		err := json.Unmarshal([]byte(tc.in), &d)
		if (err != nil) != tc.wantErr || (!tc.wantErr && time.Duration(d) != tc.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v, error %v", tc.in, time.Duration(d), err, tc.want, tc.wantErr)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "c.json")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := loadConfig(write(`{"listen":"127.0.0.1:9000","ca":{"profiles":{"citizen":{"validity":"730d","policy_oid":"1.2.3.4"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "http://127.0.0.1:9000" || c.Database.Driver != "sqlite" || c.Vault.Mount != "transit" || c.CA.Mode != "own" {
		t.Errorf("defaults = %+v", c)
	}
	// Key creation has its own, longer bound, and the Vault client's own
	// timeout must not cut it short.
	if c.Vault.Timeout != Duration(10*time.Second) || c.Vault.CreateTimeout != Duration(2*time.Minute) || c.Vault.clientTimeout() != 2*time.Minute {
		t.Errorf("vault timeouts = %v, create %v, client %v; want 10s, 2m, 2m",
			time.Duration(c.Vault.Timeout), time.Duration(c.Vault.CreateTimeout), c.Vault.clientTimeout())
	}
	if p := c.caConfig().Profiles["citizen"]; p.Validity != 730*24*time.Hour || p.PolicyOID != "1.2.3.4" {
		t.Errorf("citizen profile = %+v", p)
	}
	for _, bad := range []struct{ json, want string }{
		{`{"lisen":"x"}`, "lisen"},
		{`{"database":{"driver":"mysql"}}`, "mysql"},
		{`{"vault":{"auth":"approle"}}`, "role_id"},
		{`{"ca":{"mode":"both"}}`, "both"},
		{`{"listen":"nope"}`, "listen"},
		{`{"log_level":"loud"}`, "loud"},
		{`{"http":{"client_concurrency":-2}}`, "http.client_concurrency"},
		{`{"vault":{"create_timeout":"-1m"}}`, "vault.create_timeout"},
		{`{"http":{"idempotency_ttl":"-1h"}}`, "http.idempotency_ttl"},
		{`{"http":{"idempotency_max_answer_bytes":-1}}`, "http.idempotency_max_answer_bytes"},
	} {
		if _, err := loadConfig(write(bad.json)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("loadConfig(%s) = %v, want an error naming %q", bad.json, err, bad.want)
		}
	}
}

// TestDocumentedConfigLoads keeps the production example in
// docs/configuration.md valid: it must load with the strict decoder.
func TestDocumentedConfigLoads(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```json")
	if len(blocks) < 2 {
		t.Fatal("docs/configuration.md has no ```json example")
	}
	for i, b := range blocks[1:] {
		example := b[:strings.Index(b, "```")]
		p := filepath.Join(t.TempDir(), "kyso.json")
		if err := os.WriteFile(p, []byte(example), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := loadConfig(p); err != nil {
			t.Errorf("example %d in docs/configuration.md does not load: %v", i+1, err)
		}
	}
}

func TestLoadConfigTLS(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "c.json")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := loadConfig(write(`{}`))
	if err != nil || c.TLS.Mode != "off" || c.TLS.ClientAuth != "none" || c.TLS.On() {
		t.Errorf("default tls = %+v, %v; want off and none", c.TLS, err)
	}
	c, err = loadConfig(write(`{"listen":"127.0.0.1:8443","tls":{"mode":"ca","client_auth":"optional"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://127.0.0.1:8443" || len(c.TLS.Hosts) != 1 || c.TLS.Hosts[0] != "127.0.0.1" {
		t.Errorf("tls mode ca defaults: base_url %q, hosts %q; want https and the listen host", c.BaseURL, c.TLS.Hosts)
	}
	c, err = loadConfig(write(`{"base_url":"https://kyso.example.gov.vn","tls":{"mode":"ca"}}`))
	if err != nil || len(c.TLS.Hosts) != 1 || c.TLS.Hosts[0] != "kyso.example.gov.vn" {
		t.Errorf("tls hosts from base_url = %q, %v", c.TLS.Hosts, err)
	}
	for _, bad := range []struct{ json, want string }{
		{`{"tls":{"mode":"on"}}`, `tls.mode "on"`},
		{`{"tls":{"mode":"file"}}`, "tls.cert_file and tls.key_file"},
		{`{"tls":{"mode":"file","cert_file":"c.pem"}}`, "tls.cert_file and tls.key_file"},
		{`{"tls":{"mode":"ca","cert_file":"c.pem"}}`, "for tls.mode file"},
		{`{"tls":{"mode":"file","cert_file":"c","key_file":"k","hosts":["a.vn"]}}`, "tls.hosts is for tls.mode ca"},
		{`{"tls":{"client_auth":"require"}}`, "needs tls.mode file or ca"},
		{`{"tls":{"mode":"ca","client_auth":"maybe"}}`, `tls.client_auth "maybe"`},
		{`{"tls":{"mode":"ca","hosts":["*.example.gov.vn"]}}`, "tls.hosts"},
		{`{"tls":{"mode":"ca","hosts":["a.vn","a.vn"]}}`, "twice"},
		{`{"tls":{"mode":"ca","cert":"x"}}`, `unknown field "cert"`},
	} {
		if _, err := loadConfig(write(bad.json)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("loadConfig(%s) = %v, want an error containing %q", bad.json, err, bad.want)
		}
	}
}

// TestLoadConfigHTTPVerify: the http and verify sections, which api and
// api/verify declare, come with their defaults filled in and refuse bad
// bounds, with and without a file.
func TestLoadConfigHTTPVerify(t *testing.T) {
	c, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	h, v := c.HTTP, c.Verify
	if time.Duration(h.RequestTimeout) != 30*time.Second || h.MaxBodyBytes != 1<<20 || h.MaxDocumentBytes != 50<<20 || h.MaxBatchBytes != 256<<20 ||
		h.MemoryBytes != 256<<20 || h.ClientConcurrency != 32 || time.Duration(h.IdempotencyTTL) != 24*time.Hour ||
		h.IdempotencyMaxAnswerBytes != 16<<20 || h.IdempotencyQuotaBytes != 0 || time.Duration(h.CSCTokenTTL) != 10*time.Minute {
		t.Errorf("default http = %+v", h)
	}
	if v.MaxDocumentBytes != 50<<20 || v.PerMinute != 30 || v.Burst != 10 || v.UploadsPerAddress != 8 || v.Concurrency != 4 || v.Online || len(v.TrustDirs) != 0 {
		t.Errorf("default verify = %+v", v)
	}
	p := filepath.Join(t.TempDir(), "c.json")
	for _, tc := range []struct{ json, want string }{
		{`{"http":{"client_concurrency":-1,"idempotency_quota_bytes":-1},"verify":{"per_minute":-1,"uploads_per_address":-1,"trusted_proxies":["10.0.0.0/8","192.0.2.7"]}}`, ""},
		{`{"http":{"csc_token_ttl":"2h"}}`, "http.csc_token_ttl"},
		{`{"http":{"request_timeout":"-1s"}}`, "http.request_timeout"},
		{`{"http":{"memory_bytes":-1}}`, "http.memory_bytes"},
		{`{"http":{"idempotency_quota_bytes":-2}}`, "http.idempotency_quota_bytes"},
		{`{"verify":{"burst":-1}}`, "verify.burst"},
		{`{"verify":{"trusted_proxies":["proxy.local"]}}`, "verify.trusted_proxies"},
	} {
		if err := os.WriteFile(p, []byte(tc.json), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := loadConfig(p)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("loadConfig(%s) = %v", tc.json, err)
		case tc.want == "":
			proxies, err := c.Verify.Proxies()
			if c.HTTP.ClientConcurrency != -1 || c.HTTP.IdempotencyQuotaBytes != -1 || c.Verify.PerMinute != -1 || c.Verify.UploadsPerAddress != -1 ||
				err != nil || len(proxies) != 2 || proxies[1].String() != "192.0.2.7/32" {
				t.Errorf("loadConfig(%s): http %+v, verify %+v, proxies %v %v; want the unbounded values kept", tc.json, c.HTTP, c.Verify, proxies, err)
			}
		case err == nil || !strings.Contains(err.Error(), tc.want):
			t.Errorf("loadConfig(%s) = %v, want an error naming %q", tc.json, err, tc.want)
		}
	}
}
