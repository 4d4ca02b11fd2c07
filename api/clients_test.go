package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// echoSigning answers every hash signing; which client may reach it is
// what is tested here (signing itself is tested in sign_test and cmd/kyso).
type echoSigning struct{ api.Signing }

func (echoSigning) SignHashes(_ context.Context, _ model.Caller, req app.HashRequest) ([][]byte, error) {
	return [][]byte{[]byte("sig")}, nil
}

// node is one kyso process's API on its own connection to a shared
// database.
type node struct {
	t   *testing.T
	srv *httptest.Server
}

func newNode(t *testing.T, path string) (*node, store.Store) {
	t.Helper()
	st, err := store.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := api.New(api.Config{}, api.Deps{Admins: auth.NewAdmins(st), Clients: auth.NewClients(st),
		Signing: echoSigning{}, Audit: auditLog{audit.New(st)}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &node{t: t, srv: srv}, st
}

func (n *node) do(method, path, token string, body any) (int, map[string]any) {
	n.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			n.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, n.srv.URL+path, rd)
	if err != nil {
		n.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := n.srv.Client().Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		n.t.Fatal(err)
	}
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			n.t.Fatalf("%s %s: answer %q is not a JSON object", method, path, data)
		}
	}
	return resp.StatusCode, out
}

// sign is one signing request with a client key; it returns the status.
func (n *node) sign(key string) int {
	n.t.Helper()
	code, _ := n.do(http.MethodPost, "/v1/sign/hash", key,
		map[string]any{"credential_id": "cred_x", "hashes": []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}})
	return code
}

// TestClientLifecycleAcrossNodes: a client key disabled, rotated or
// deleted through one kyso node is refused by another node (on the same
// database) on its very next request, and an admin token rotated or
// revoked likewise; every action is in the audit log.
func TestClientLifecycleAcrossNodes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kyso.db")
	a, st := newNode(t, path)
	b, _ := newNode(t, path)
	adm, err := auth.NewAdmins(st).Create(t.Context(), "bootstrap")
	if err != nil {
		t.Fatal(err)
	}

	code, cl := a.do(http.MethodPost, "/v1/clients", adm,
		map[string]any{"name": "QLVB Hà Nội", "organizations": []string{"Sở Tư pháp Hà Nội"}, "ttl": "720h"})
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/clients = %d %v", code, cl)
	}
	id, key := cl["id"].(string), cl["api_key"].(string)
	if exp, err := time.Parse(time.RFC3339, cl["expires_at"].(string)); err != nil || time.Until(exp) < 719*time.Hour {
		t.Errorf("POST /v1/clients with ttl 720h: expires_at = %v, want 30 days from now", cl["expires_at"])
	}
	if got := b.sign(key); got != http.StatusOK {
		t.Fatalf("sign on node B with a new key = %d, want 200", got)
	}

	if code, out := a.do(http.MethodPost, "/v1/clients/"+id+"/disable", adm, nil); code != http.StatusOK || out["status"] != "disabled" {
		t.Fatalf("disable on node A = %d %v", code, out)
	}
	if got := b.sign(key); got != http.StatusUnauthorized {
		t.Errorf("sign on node B right after disable on A = %d, want 401", got)
	}
	if code, out := a.do(http.MethodPost, "/v1/clients/"+id+"/enable", adm, map[string]any{}); code != http.StatusOK || out["status"] != "active" {
		t.Fatalf("enable on node A = %d %v", code, out)
	}
	if got := b.sign(key); got != http.StatusOK {
		t.Errorf("sign on node B after enable = %d, want 200", got)
	}

	code, rot := a.do(http.MethodPost, "/v1/clients/"+id+"/rotate", adm, nil)
	if code != http.StatusCreated || rot["id"] != id || rot["expires_at"] != nil {
		t.Fatalf("rotate on node A = %d %v; want 201, the same id, no expiry", code, rot)
	}
	newKey := rot["api_key"].(string)
	if got := b.sign(key); got != http.StatusUnauthorized {
		t.Errorf("sign on node B with the old key after rotation = %d, want 401", got)
	}
	if got := b.sign(newKey); got != http.StatusOK {
		t.Errorf("sign on node B with the new key = %d, want 200", got)
	}

	code, list := b.do(http.MethodGet, "/v1/clients", adm, nil)
	if code != http.StatusOK {
		t.Fatalf("GET /v1/clients = %d %v", code, list)
	}
	clients := list["clients"].([]any)
	if len(clients) != 1 || clients[0].(map[string]any)["id"] != id || clients[0].(map[string]any)["status"] != "active" {
		t.Errorf("GET /v1/clients = %v; want %s, active", clients, id)
	}
	if _, leaked := clients[0].(map[string]any)["api_key"]; leaked || strings.Contains(jsonText(t, list), newKey) {
		t.Errorf("GET /v1/clients shows a key: %v", list)
	}

	if code, _ := a.do(http.MethodDelete, "/v1/clients/"+id, adm, nil); code != http.StatusNoContent {
		t.Fatalf("DELETE on node A = %d, want 204", code)
	}
	if got := b.sign(newKey); got != http.StatusUnauthorized {
		t.Errorf("sign on node B after delete on A = %d, want 401", got)
	}
	for _, tt := range []struct{ method, path string }{
		{http.MethodDelete, "/v1/clients/" + id},
		{http.MethodPost, "/v1/clients/" + id + "/rotate"},
		{http.MethodPost, "/v1/clients/" + id + "/disable"},
	} {
		if code, out := b.do(tt.method, tt.path, adm, nil); code != http.StatusNotFound || errCode(out) != "not_found" {
			t.Errorf("%s %s after delete = %d %v, want 404 not_found", tt.method, tt.path, code, out)
		}
	}

	// Admin tokens.
	code, tok := a.do(http.MethodPost, "/v1/admin/tokens", adm, map[string]any{"name": "ops", "expires_at": time.Now().Add(time.Hour)})
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/admin/tokens = %d %v", code, tok)
	}
	opsID, ops := tok["id"].(string), tok["token"].(string)
	if code, _ := b.do(http.MethodGet, "/v1/admin/tokens", ops, nil); code != http.StatusOK {
		t.Fatalf("GET /v1/admin/tokens with the new token on B = %d", code)
	}
	code, rt := a.do(http.MethodPost, "/v1/admin/tokens/"+opsID+"/rotate", adm, map[string]any{"ttl": "24h"})
	if code != http.StatusCreated || rt["id"] != opsID || rt["name"] != "ops" {
		t.Fatalf("rotate admin token on A = %d %v", code, rt)
	}
	ops2 := rt["token"].(string)
	if code, _ := b.do(http.MethodGet, "/v1/admin/tokens", ops, nil); code != http.StatusUnauthorized {
		t.Errorf("old admin token on B after rotation = %d, want 401", code)
	}
	code, tl := b.do(http.MethodGet, "/v1/admin/tokens", ops2, nil)
	if code != http.StatusOK {
		t.Fatalf("rotated admin token on B = %d, want 200", code)
	}
	if text := jsonText(t, tl); strings.Contains(text, ops2) || strings.Contains(text, adm) || len(tl["tokens"].([]any)) != 2 {
		t.Errorf("GET /v1/admin/tokens = %s; want 2 tokens and no secret", text)
	}
	if code, _ := a.do(http.MethodDelete, "/v1/admin/tokens/"+opsID, adm, nil); code != http.StatusNoContent {
		t.Fatalf("revoke admin token on A = %d, want 204", code)
	}
	if code, _ := b.do(http.MethodGet, "/v1/admin/tokens", ops2, nil); code != http.StatusUnauthorized {
		t.Errorf("revoked admin token on B = %d, want 401", code)
	}
	if code, out := b.do(http.MethodDelete, "/v1/admin/tokens/"+opsID, adm, nil); code != http.StatusNotFound {
		t.Errorf("revoke again = %d %v, want 404", code, out)
	}

	recs, err := st.ListAudit(t.Context(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range recs {
		actions = append(actions, r.Action)
		if strings.Contains(r.Details, "kyso_cli_") || strings.Contains(r.Details, "kyso_adm_") {
			t.Errorf("audit record %s holds a secret: %s", r.Action, r.Details)
		}
	}
	want := []string{audit.ActionClientCreate, audit.ActionClientDisable, audit.ActionClientEnable, audit.ActionClientRotate,
		audit.ActionClientDelete, audit.ActionAdminTokenCreate, audit.ActionAdminTokenRotate, audit.ActionAdminTokenRevoke}
	for _, w := range want {
		if !slices.Contains(actions, w) {
			t.Errorf("audit log %v has no %s", actions, w)
		}
	}
}

// TestClientExpiryRequests: expires_at and ttl are checked before anything
// changes.
func TestClientExpiryRequests(t *testing.T) {
	a, st := newNode(t, filepath.Join(t.TempDir(), "kyso.db"))
	adm, err := auth.NewAdmins(st).Create(t.Context(), "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	org := []string{"Sở Tư pháp Hà Nội"}
	for _, body := range []map[string]any{
		{"name": "x", "organizations": org, "ttl": "soon"},
		{"name": "x", "organizations": org, "ttl": "-1h"},
		{"name": "x", "organizations": org, "ttl": "0s"},
		{"name": "x", "organizations": org, "expires_at": "2020-01-01T00:00:00Z"},
		{"name": "x", "organizations": org, "expires_at": "tomorrow"},
		{"name": "x", "organizations": org, "ttl": "1h", "expires_at": time.Now().Add(time.Hour)},
	} {
		code, out := a.do(http.MethodPost, "/v1/clients", adm, body)
		if code != http.StatusBadRequest {
			t.Errorf("POST /v1/clients %v = %d %v, want 400", body, code, out)
		}
	}
	if cls, err := st.ListClients(t.Context()); err != nil || len(cls) != 0 {
		t.Errorf("clients after refused requests = %v, %v; want none", cls, err)
	}
	code, cl := a.do(http.MethodPost, "/v1/clients", adm, map[string]any{"name": "x", "organizations": org})
	if code != http.StatusCreated || cl["expires_at"] != nil {
		t.Fatalf("POST /v1/clients without expiry = %d %v", code, cl)
	}
	key := cl["api_key"].(string)
	if code, out := a.do(http.MethodPost, "/v1/clients/"+cl["id"].(string)+"/rotate", adm, map[string]any{"ttl": "1y"}); code != http.StatusBadRequest {
		t.Errorf("rotate with ttl 1y = %d %v, want 400", code, out)
	}
	if got := a.sign(key); got != http.StatusOK {
		t.Errorf("sign after a refused rotation = %d, want 200 (the key must still work)", got)
	}
	if code, out := a.do(http.MethodPost, "/v1/admin/tokens", adm, map[string]any{"name": " "}); code != http.StatusBadRequest {
		t.Errorf("POST /v1/admin/tokens with a blank name = %d %v, want 400", code, out)
	}
}

// TestExpiredKeysRefused: a client key and an admin token past their
// expires_at are refused, and the lists say "expired".
func TestExpiredKeysRefused(t *testing.T) {
	a, st := newNode(t, filepath.Join(t.TempDir(), "kyso.db"))
	ctx := t.Context()
	adm, err := auth.NewAdmins(st).Create(ctx, "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Minute)
	// Written as an earlier kyso would have, when the expiry was still
	// ahead.
	const cliKey = "kyso_cli_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	const admTok = "kyso_adm_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	if err := st.CreateClient(ctx, &store.Client{ID: "cli_old", Name: "old", Organizations: []string{"A"},
		KeyHash: auth.Hash(cliKey), ExpiresAt: past}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAdminToken(ctx, &store.AdminToken{ID: "adm_old", Name: "old", Hash: auth.Hash(admTok), ExpiresAt: past}); err != nil {
		t.Fatal(err)
	}
	if got := a.sign(cliKey); got != http.StatusUnauthorized {
		t.Errorf("sign with an expired key = %d, want 401", got)
	}
	if code, _ := a.do(http.MethodGet, "/v1/clients", admTok, nil); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/clients with an expired admin token = %d, want 401", code)
	}
	_, cl := a.do(http.MethodGet, "/v1/clients", adm, nil)
	if c := cl["clients"].([]any)[0].(map[string]any); c["status"] != "expired" {
		t.Errorf("GET /v1/clients: %v, want status expired", c)
	}
	_, tl := a.do(http.MethodGet, "/v1/admin/tokens", adm, nil)
	statuses := map[string]any{}
	for _, x := range tl["tokens"].([]any) {
		statuses[x.(map[string]any)["id"].(string)] = x.(map[string]any)["status"]
	}
	if statuses["adm_old"] != "expired" || len(statuses) != 2 {
		t.Errorf("GET /v1/admin/tokens statuses = %v, want adm_old expired", statuses)
	}
	// Rotation gives the expired client a working key.
	code, rot := a.do(http.MethodPost, "/v1/clients/cli_old/rotate", adm, map[string]any{"ttl": "1h"})
	if code != http.StatusCreated || rot["status"] != "active" {
		t.Fatalf("rotate an expired client = %d %v", code, rot)
	}
	if got := a.sign(rot["api_key"].(string)); got != http.StatusOK {
		t.Errorf("sign with the rotated key = %d, want 200", got)
	}
}

// TestLifecycleHostileRequests: odd ids and bodies are refused with a
// JSON error, and change nothing.
func TestLifecycleHostileRequests(t *testing.T) {
	a, st := newNode(t, filepath.Join(t.TempDir(), "kyso.db"))
	adm, err := auth.NewAdmins(st).Create(t.Context(), "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	_, cl := a.do(http.MethodPost, "/v1/clients", adm, map[string]any{"name": "x", "organizations": []string{"A"}})
	id, key := cl["id"].(string), cl["api_key"].(string)
	long := "cli_" + strings.Repeat("a", 80)
	for _, tt := range []struct {
		method, path string
		body         any
		want         int
	}{
		{http.MethodDelete, "/v1/clients/" + long, nil, http.StatusNotFound},
		{http.MethodPost, "/v1/clients/" + long + "/rotate", nil, http.StatusNotFound},
		{http.MethodDelete, "/v1/clients/cli_%2Fx", nil, http.StatusNotFound},
		{http.MethodDelete, "/v1/admin/tokens/" + long, nil, http.StatusNotFound},
		{http.MethodPost, "/v1/clients/" + id + "/rotate", map[string]any{"api_key": "kyso_cli_chosen"}, http.StatusBadRequest},
		{http.MethodPost, "/v1/clients/" + id + "/rotate", []int{1}, http.StatusBadRequest},
		{http.MethodPost, "/v1/clients/" + id + "/disable", map[string]any{"disabled": false}, http.StatusBadRequest},
		{http.MethodPost, "/v1/admin/tokens", map[string]any{"name": "x", "hash": "00"}, http.StatusBadRequest},
	} {
		code, out := a.do(tt.method, tt.path, adm, tt.body)
		if code != tt.want || errCode(out) == "" {
			t.Errorf("%s %s %v = %d %v, want %d with a JSON error", tt.method, tt.path, tt.body, code, out, tt.want)
		}
	}
	if got := a.sign(key); got != http.StatusOK {
		t.Errorf("sign after the refused requests = %d, want 200 (nothing changed)", got)
	}
	if ts, err := st.ListAdminTokens(t.Context()); err != nil || len(ts) != 1 {
		t.Errorf("admin tokens after the refused requests = %d, %v; want 1", len(ts), err)
	}
}

func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func jsonText(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
