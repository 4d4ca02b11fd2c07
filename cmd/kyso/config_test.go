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
