package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/api"
	apiverify "github.com/kyso-vn/kyso/api/verify"
	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/metrics"
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
		{`{"remote_signing":{"sad_lifetime":"2h"}}`, "remote_signing.sad_lifetime"},
		{`{"remote_signing":{"transaction_lifetime":"-1m"}}`, "remote_signing.transaction_lifetime"},
		{`{"extend":{"online":"yes"}}`, "extend.online"},
		{`{"metrics":{"port":9464}}`, `unknown field "port"`},
		{`{"metrics":{"listen":"9464"}}`, "metrics.listen"},
		{`{"metrics":{"listen":"127.0.0.1:http"}}`, "metrics.listen"},
		{`{"metrics":{"listen":"127.0.0.1:70000"}}`, "metrics.listen"},
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
// api/verify declare, keep the unbounded values (-1) and refuse bad
// bounds and proxies.
func TestLoadConfigHTTPVerify(t *testing.T) {
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

// TestDocumentedHTTPVerifyDefaults: the defaults that api and api/verify
// declare beside their sections (and api.New applies), and those of the
// metrics, remote_signing and extend sections (metrics.Section,
// app.RemoteSection, app.ExtendSection, as loadConfig sets them), are the
// ones docs/configuration.md states.
func TestDocumentedHTTPVerifyDefaults(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Metrics.Listen != metrics.DefaultListen || time.Duration(c.RemoteSigning.SADLifetime) != kapp.DefaultSADLifetime ||
		time.Duration(c.RemoteSigning.TransactionLifetime) != kapp.DefaultTransactionLifetime {
		t.Errorf("loadConfig defaults: metrics %+v, remote_signing %+v; want the packages' defaults", c.Metrics, c.RemoteSigning)
	}
	dur := func(d time.Duration) string {
		switch {
		case d%time.Hour == 0:
			return fmt.Sprintf("%dh", d/time.Hour)
		case d%time.Minute == 0:
			return fmt.Sprintf("%dm", d/time.Minute)
		}
		return fmt.Sprintf("%ds", d/time.Second)
	}
	for path, def := range map[string]string{
		"http.request_timeout":                dur(api.DefaultRequestTimeout),
		"http.max_body_bytes":                 fmt.Sprint(api.DefaultMaxBodyBytes),
		"http.max_document_bytes":             fmt.Sprint(api.DefaultMaxDocumentBytes),
		"http.max_batch_bytes":                fmt.Sprint(api.DefaultMaxBatchBytes),
		"http.memory_bytes":                   fmt.Sprint(api.DefaultMemoryBytes),
		"http.client_concurrency":             fmt.Sprint(api.DefaultClientConcurrency),
		"http.idempotency_ttl":                dur(api.DefaultIdempotencyTTL),
		"http.idempotency_max_answer_bytes":   fmt.Sprint(api.DefaultIdempotencyMaxAnswerBytes),
		"http.csc_token_ttl":                  dur(api.DefaultCSCTokenTTL),
		"verify.max_document_bytes":           fmt.Sprint(apiverify.DefaultMaxDocumentBytes),
		"verify.per_minute":                   fmt.Sprint(apiverify.DefaultPerMinute),
		"verify.burst":                        fmt.Sprint(apiverify.DefaultBurst),
		"verify.uploads_per_address":          fmt.Sprint(apiverify.DefaultUploadsPerAddress),
		"verify.concurrency":                  fmt.Sprint(apiverify.DefaultConcurrency),
		"metrics.listen":                      metrics.DefaultListen,
		"remote_signing.sad_lifetime":         dur(kapp.DefaultSADLifetime),
		"remote_signing.transaction_lifetime": dur(kapp.DefaultTransactionLifetime),
		"extend.online":                       fmt.Sprint(c.Extend.Online),
	} {
		re := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(path) + "` \\| [^|]+ \\| `([^`]*)`")
		m := re.FindSubmatch(doc)
		if m == nil || string(m[1]) != def {
			got := "(none)"
			if m != nil {
				got = string(m[1])
			}
			t.Errorf("docs/configuration.md states %s's default as %q, the code's is %q", path, got, def)
		}
	}
}
