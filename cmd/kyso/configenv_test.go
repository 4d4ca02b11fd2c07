package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestConfigEnv: environment variables KYSO_<SECTION>_<KEY> override the
// file's values (strings, numbers, booleans, durations, lists), so that
// one file serves every node; values the environment does not name stay
// the file's.
func TestConfigEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kyso.json")
	file := `{"listen":"127.0.0.1:9000","log_level":"warn","vault":{"addr":"http://file:8200","mount":"kyso-transit"},"verify":{"burst":7}}`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"KYSO_LISTEN":                 "0.0.0.0:8443",
		"KYSO_BASE_URL":               "https://kyso-2.hanoi.gov.vn/",
		"KYSO_DATABASE_DRIVER":        "postgres",
		"KYSO_DATABASE_PATH":          "/var/lib/kyso/kyso.db",
		"KYSO_VAULT_ADDR":             "http://10.0.0.1:8200,http://10.0.0.2:8200",
		"KYSO_VAULT_TIMEOUT":          "3s",
		"KYSO_VAULT_COALESCE":         "false",
		"KYSO_HTTP_MAX_BODY_BYTES":    "2048",
		"KYSO_HTTP_IDEMPOTENCY_TTL":   "2d",
		"KYSO_VERIFY_ONLINE":          "true",
		"KYSO_VERIFY_PER_MINUTE":      "12.5",
		"KYSO_VERIFY_TRUST_DIRS":      "/etc/kyso/vn, /etc/kyso/extra",
		"KYSO_VERIFY_TRUSTED_PROXIES": "",
	} {
		t.Setenv(k, v)
	}
	c, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:8443" || c.BaseURL != "https://kyso-2.hanoi.gov.vn" || c.LogLevel != "warn" {
		t.Errorf("listen, base_url, log_level = %q, %q, %q", c.Listen, c.BaseURL, c.LogLevel)
	}
	if c.Database.Driver != "postgres" || c.Database.Path != "/var/lib/kyso/kyso.db" {
		t.Errorf("database = %+v", c.Database)
	}
	if c.Vault.Addr != "http://10.0.0.1:8200,http://10.0.0.2:8200" || c.Vault.Mount != "kyso-transit" ||
		c.Vault.Timeout != Duration(3*time.Second) || c.Vault.Coalesce == nil || *c.Vault.Coalesce {
		t.Errorf("vault = %+v", c.Vault)
	}
	if c.HTTP.MaxBodyBytes != 2048 || c.HTTP.IdempotencyTTL != Duration(48*time.Hour) {
		t.Errorf("http = %+v", c.HTTP)
	}
	if !c.Verify.Online || c.Verify.PerMinute != 12.5 || c.Verify.Burst != 7 ||
		!slices.Equal(c.Verify.TrustDirs, []string{"/etc/kyso/vn", "/etc/kyso/extra"}) || len(c.Verify.TrustedProxies) != 0 {
		t.Errorf("verify = %+v", c.Verify)
	}

	// A value that does not parse is an error naming its variable; an
	// overridden value is checked as the file's would be.
	for k, v := range map[string]string{
		"KYSO_HTTP_MAX_BODY_BYTES": "lots",
		"KYSO_VERIFY_ONLINE":       "yes",
		"KYSO_VAULT_TIMEOUT":       "soon",
		"KYSO_LOG_LEVEL":           "loud",
		"KYSO_VAULT_ADDRS":         "vault:8200",
	} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			_, err := loadConfig(path)
			want := k
			if k == "KYSO_LOG_LEVEL" {
				want = "log_level"
			} else if k == "KYSO_VAULT_ADDRS" {
				want = "vault address"
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s=%s: loadConfig = %v, want an error naming %s", k, v, err, want)
			}
		})
	}
}

// TestConfigEnvOptionalSection: an optional section (ca.external_root) is
// made when one of its variables is set, and only then.
func TestConfigEnvOptionalSection(t *testing.T) {
	env := map[string]string{}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var c Config
	if err := applyEnv(&c, lookup); err != nil || c.CA.ExternalRoot != nil {
		t.Fatalf("no variables: %v, external_root %+v", err, c.CA.ExternalRoot)
	}
	env["KYSO_CA_EXTERNAL_ROOT_FILE"] = "/etc/kyso/root.pem"
	if err := applyEnv(&c, lookup); err != nil || c.CA.ExternalRoot == nil || c.CA.ExternalRoot.File != "/etc/kyso/root.pem" {
		t.Fatalf("KYSO_CA_EXTERNAL_ROOT_FILE: %v, external_root %+v", err, c.CA.ExternalRoot)
	}
}

// TestConfigEnvNames: every scalar of the config has one variable, no two
// values share a name, and none is a variable kyso reads for another
// purpose (secrets, the client's settings).
func TestConfigEnvNames(t *testing.T) {
	names := envNames()
	for _, want := range []string{"KYSO_LISTEN", "KYSO_BASE_URL", "KYSO_LOG_LEVEL", "KYSO_DATABASE_DRIVER", "KYSO_VAULT_ADDR",
		"KYSO_VAULT_ADDRS", "KYSO_TLS_MODE", "KYSO_CA_KEY_PREFIX", "KYSO_CA_EXTERNAL_REVOCATION_CRL_SOURCES", "KYSO_METRICS_LISTEN"} {
		if !slices.Contains(names, want) {
			t.Errorf("no variable %s among %v", want, names)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("two config values are read from %s", n)
		}
		seen[n] = true
	}
	// KYSO_DATABASE_DSN is the PostgreSQL DSN (a secret, never in the
	// file: database.dsn_env names it).
	for _, other := range []string{"KYSO_DATABASE_DSN", "KYSO_CONFIG", "KYSO_URL", "KYSO_ADMIN_TOKEN", "KYSO_CA_CERT", "KYSO_VAULT_SECRET_ID", "KYSO_METRICS_URL", "KYSO_DEBUG_URL"} {
		if seen[other] {
			t.Errorf("%s is a config value's variable and already means something else", other)
		}
	}
}
