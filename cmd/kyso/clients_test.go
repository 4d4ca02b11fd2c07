package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/store/storetest"
)

// TestClientAndTokenCommands drives `kyso admin token …` on the database
// and `kyso client …` against a kyso API on the same database: each
// rotation, disable, delete and revoke takes effect on the server's next
// request, and the database-side actions are audited as cli:admin.
func TestClientAndTokenCommands(t *testing.T) {
	ctx := t.Context()
	db := storetest.OpenSQLite(t)
	cfg := filepath.Join(t.TempDir(), "kyso.json")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `{"database": {"driver": "sqlite", "path": %q}}`, db.Path), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{}, api.Deps{Admins: auth.NewAdmins(db.Store),
		Clients: auth.NewClients(db.Store), Audit: appAudit{audit.New(db.Store)}}))
	t.Cleanup(srv.Close)
	kyso := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, &out, args)
		return out.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := kyso(args...)
		if err != nil {
			t.Fatalf("kyso %s = %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	tok := strings.TrimSpace(must("admin", "token", "create", "--config", cfg, "--name", "ops", "--ttl", "1h"))
	if !regexp.MustCompile(`^kyso_adm_[a-z2-7]{52}$`).MatchString(tok) {
		t.Fatalf("admin token create printed %q, want one token", tok)
	}
	list := must("admin", "token", "list", "--config", cfg)
	m := regexp.MustCompile(`(?m)^(adm_[a-z2-7]+)\t\S+\texpires \S+\tops$`).FindStringSubmatch(list)
	if m == nil || strings.Contains(list, tok) {
		t.Fatalf("admin token list printed:\n%s\nwant the ops token with its expiry and no secret", list)
	}
	tokID := m[1]
	api := func(args ...string) (string, error) {
		return kyso(append(args, "--url", srv.URL, "--token", tok)...)
	}

	out, err := api("client", "create", "--name", "QLVB Hà Nội", "--org", "Sở Tư pháp Hà Nội", "--ttl", "720h")
	if err != nil {
		t.Fatalf("kyso client create = %v\n%s", err, out)
	}
	var cl struct{ ID, APIKey string }
	var created map[string]any
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("kyso client create printed %q: %v", out, err)
	}
	cl.ID, _ = created["id"].(string)
	cl.APIKey, _ = created["api_key"].(string)
	if cl.ID == "" || !strings.HasPrefix(cl.APIKey, "kyso_cli_") || created["expires_at"] == nil {
		t.Fatalf("kyso client create printed %s; want an id, a key and an expiry", out)
	}
	clients := auth.NewClients(db.Store)
	if _, err := clients.Authenticate(ctx, cl.APIKey); err != nil {
		t.Fatalf("the created key does not authenticate: %v", err)
	}

	if out, err := api("client", "disable", cl.ID); err != nil || !strings.Contains(out, `"disabled"`) {
		t.Fatalf("kyso client disable = %v\n%s", err, out)
	}
	if _, err := clients.Authenticate(ctx, cl.APIKey); err == nil {
		t.Error("a disabled client's key still authenticates")
	}
	if out, err := api("client", "enable", cl.ID); err != nil {
		t.Fatalf("kyso client enable = %v\n%s", err, out)
	}
	out, err = api("client", "rotate", cl.ID, "--ttl", "24h")
	if err != nil {
		t.Fatalf("kyso client rotate = %v\n%s", err, out)
	}
	var rotated map[string]any
	if err := json.Unmarshal([]byte(out), &rotated); err != nil {
		t.Fatal(err)
	}
	newKey, _ := rotated["api_key"].(string)
	if _, err := clients.Authenticate(ctx, cl.APIKey); err == nil {
		t.Error("the old key still authenticates after kyso client rotate")
	}
	if _, err := clients.Authenticate(ctx, newKey); err != nil {
		t.Errorf("the rotated key does not authenticate: %v", err)
	}
	if out, err := api("client", "list"); err != nil || !strings.Contains(out, cl.ID) || strings.Contains(out, newKey) {
		t.Errorf("kyso client list = %v\n%s\nwant the client, without its key", err, out)
	}
	if out, err := api("client", "delete", cl.ID); err != nil {
		t.Fatalf("kyso client delete = %v\n%s", err, out)
	}
	if _, err := clients.Authenticate(ctx, newKey); err == nil {
		t.Error("a deleted client's key still authenticates")
	}
	if _, err := api("client", "delete", cl.ID); err == nil || !strings.Contains(err.Error(), "not_found") {
		t.Errorf("kyso client delete (again) = %v, want not_found", err)
	}

	// Rotating the admin token on the database: the server refuses the old
	// one on the next request.
	tok2 := strings.TrimSpace(must("admin", "token", "rotate", tokID, "--config", cfg))
	if _, err := api("client", "list"); err == nil || !strings.Contains(err.Error(), "unauthorized") {
		t.Errorf("kyso client list with the old admin token = %v, want unauthorized", err)
	}
	if out, err := kyso("client", "list", "--url", srv.URL, "--token", tok2); err != nil {
		t.Errorf("kyso client list with the rotated admin token = %v\n%s", err, out)
	}
	must("admin", "token", "revoke", tokID, "--config", cfg)
	if _, err := kyso("client", "list", "--url", srv.URL, "--token", tok2); err == nil || !strings.Contains(err.Error(), "unauthorized") {
		t.Errorf("kyso client list with a revoked admin token = %v, want unauthorized", err)
	}
	if _, err := kyso("admin", "token", "revoke", tokID, "--config", cfg); err == nil {
		t.Error("kyso admin token revoke (again) succeeded")
	}

	recs, err := db.Store.ListAudit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Actor+" "+r.Action)
	}
	for _, want := range []string{"cli:admin admin_token.create", "cli:admin admin_token.rotate", "cli:admin admin_token.revoke",
		"admin:" + tokID + " client.create", "admin:" + tokID + " client.rotate", "admin:" + tokID + " client.delete"} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("audit log:\n%s\nhas no %q", strings.Join(got, "\n"), want)
		}
	}

	for _, args := range [][]string{
		{"admin", "token"},
		{"admin", "token", "drop", "x", "--config", cfg},
		{"admin", "token", "create", "--config", cfg},
		{"admin", "token", "create", "--config", cfg, "--name", "x", "--ttl", "-1h"},
		{"admin", "token", "rotate", "--config", cfg},
		{"client"},
		{"client", "rotate"},
	} {
		if _, err := kyso(args...); err == nil {
			t.Errorf("kyso %s succeeded, want an error", strings.Join(args, " "))
		}
	}
}
