package vaulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/kyso-vn/kyso/internal/devvault"
)

// connTimeout bounds each call a Conn makes.
const connTimeout = 30 * time.Second

// Conn is a test's own connection to a Vault, for what tests set up or
// check there themselves: Transit keys' configuration, policies, AppRole,
// and whether a token may do something. Signing goes through package keys.
// Methods that set up or read fail the test on any error; the methods that
// probe a token's rights (Write, Read, Delete, List) return Vault's error.
type Conn struct {
	t    testing.TB
	addr string
	c    *api.Client
}

// Connect returns a Conn to the Vault at addr (http://host:port) with
// token; an empty token sends none. VAULT_* variables in the environment
// change neither the address nor the token.
func Connect(t testing.TB, addr, token string) *Conn {
	t.Helper()
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		t.Fatalf("vaulttest: vault client config: %v", cfg.Error)
	}
	cfg.Address = addr
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatalf("vaulttest: vault client for %s: %v", addr, err)
	}
	c.ClearNamespace()
	if token == "" {
		c.ClearToken()
	} else {
		c.SetToken(token)
	}
	return &Conn{t: t, addr: addr, c: c}
}

// Root returns a root-token Conn to v.
func Root(t testing.TB, v *devvault.Vault) *Conn {
	t.Helper()
	return Connect(t, v.Addr, v.RootToken)
}

// ClientThrough returns a root-token client for the shared server whose
// requests go through the RoundTripper wrap returns, given the client's
// own: for tests that count or watch what reaches Vault. Hand it to
// keys.New.
func ClientThrough(t testing.TB, wrap func(http.RoundTripper) http.RoundTripper) *api.Client {
	t.Helper()
	root := Client(t)
	cfg := root.CloneConfig()
	cfg.HttpClient = &http.Client{Transport: wrap(cfg.HttpClient.Transport), Timeout: cfg.HttpClient.Timeout}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatalf("vaulttest: vault client: %v", err)
	}
	c.SetToken(root.Token())
	return c
}

// ClientAt returns a root-token client for the shared server that reaches
// it at addr: a proxy in front of it, such as a SlowTransit. Hand it to
// keys.New.
func ClientAt(t testing.TB, addr string) *api.Client {
	t.Helper()
	root := Client(t)
	c, err := root.Clone()
	if err != nil {
		t.Fatalf("vaulttest: vault client: %v", err)
	}
	if err := c.SetAddress(addr); err != nil {
		t.Fatalf("vaulttest: vault client for %s: %v", addr, err)
	}
	c.SetToken(root.Token())
	return c
}

// TransitKey is what a test checks of a Transit key's configuration.
type TransitKey struct {
	Type                 string
	Exportable           bool
	AllowPlaintextBackup bool
	DeletionAllowed      bool
	LatestVersion        int
}

// TransitKeys returns the names of the keys on the Transit mount.
func (c *Conn) TransitKeys(mount string) []string {
	c.t.Helper()
	names, err := c.List(mount + "/keys")
	if err != nil {
		c.t.Fatalf("vaulttest: list the keys of %s: %v", mount, err)
	}
	return names
}

// TransitKey reads the configuration of the key name on the Transit
// mount. A missing key, or a field missing from Vault's answer, fails the
// test: a check of a field's value must not pass on its absence.
func (c *Conn) TransitKey(mount, name string) TransitKey {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	path := mount + "/keys/" + name
	s, err := c.c.Logical().ReadWithContext(ctx, path)
	if err != nil || s == nil {
		c.t.Fatalf("vaulttest: read %s: %v (found: %t)", path, err, s != nil)
	}
	var k TransitKey
	var ok [5]bool
	k.Type, ok[0] = s.Data["type"].(string)
	k.Exportable, ok[1] = s.Data["exportable"].(bool)
	k.AllowPlaintextBackup, ok[2] = s.Data["allow_plaintext_backup"].(bool)
	k.DeletionAllowed, ok[3] = s.Data["deletion_allowed"].(bool)
	if n, isNum := s.Data["latest_version"].(json.Number); isNum {
		v, err := strconv.Atoi(string(n))
		k.LatestVersion, ok[4] = v, err == nil
	}
	if ok != [5]bool{true, true, true, true, true} {
		c.t.Fatalf("vaulttest: %s: type=%#v exportable=%#v allow_plaintext_backup=%#v deletion_allowed=%#v latest_version=%#v, want a string, three booleans and a number",
			path, s.Data["type"], s.Data["exportable"], s.Data["allow_plaintext_backup"], s.Data["deletion_allowed"], s.Data["latest_version"])
	}
	return k
}

// PutPolicy writes the ACL policy name with the HCL rules.
func (c *Conn) PutPolicy(name, rules string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	if err := c.c.Sys().PutPolicyWithContext(ctx, name, rules); err != nil {
		c.t.Fatalf("vaulttest: put policy %q: %v", name, err)
	}
}

// EnableAppRole enables the AppRole auth method at auth/approle.
func (c *Conn) EnableAppRole() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	if err := c.c.Sys().EnableAuthWithOptionsWithContext(ctx, "approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		c.t.Fatalf("vaulttest: enable approle: %v", err)
	}
}

// NewAppRole creates the AppRole role under auth/approle whose tokens have
// the policy and live ttl, and returns its role id and a new secret id.
func (c *Conn) NewAppRole(role, policy string, ttl time.Duration) (roleID, secretID string) {
	c.t.Helper()
	base := "auth/approle/role/" + role
	c.mustWrite(base, map[string]any{"token_policies": policy, "token_ttl": int(ttl / time.Second)})
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	rid, err := c.c.Logical().ReadWithContext(ctx, base+"/role-id")
	if err != nil || rid == nil {
		c.t.Fatalf("vaulttest: read %s/role-id: %v (found: %t)", base, err, rid != nil)
	}
	sid := c.mustWrite(base+"/secret-id", nil)
	if sid == nil {
		c.t.Fatalf("vaulttest: AppRole %q: Vault made no secret id", role)
	}
	roleID, ok1 := rid.Data["role_id"].(string)
	secretID, ok2 := sid.Data["secret_id"].(string)
	if !ok1 || !ok2 || roleID == "" || secretID == "" {
		c.t.Fatalf("vaulttest: AppRole %q: no role id or secret id in Vault's answers", role)
	}
	return roleID, secretID
}

// AppRoleLogin logs in with AppRole and returns a Conn with the token it
// got.
func (c *Conn) AppRoleLogin(roleID, secretID string) *Conn {
	c.t.Helper()
	login := c.mustWrite("auth/approle/login", map[string]any{"role_id": roleID, "secret_id": secretID})
	if login == nil || login.Auth == nil || login.Auth.ClientToken == "" {
		c.t.Fatal("vaulttest: AppRole login: no token in Vault's answer")
	}
	return Connect(c.t, c.addr, login.Auth.ClientToken)
}

// Write writes data at path and returns Vault's error, for checks that a
// token may not.
func (c *Conn) Write(path string, data map[string]any) error {
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	_, err := c.c.Logical().WriteWithContext(ctx, path, data)
	return err
}

// Read reads path and returns Vault's error (none for a path that does
// not exist), for checks that a token may not.
func (c *Conn) Read(path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	_, err := c.c.Logical().ReadWithContext(ctx, path)
	return err
}

// Delete deletes path and returns Vault's error, for checks that a token
// may not.
func (c *Conn) Delete(path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	_, err := c.c.Logical().DeleteWithContext(ctx, path)
	return err
}

// List lists path and returns the names there, or Vault's error. Nothing
// at path is an error too.
func (c *Conn) List(path string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	s, err := c.c.Logical().ListWithContext(ctx, path)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("vaulttest: nothing to list at %s", path)
	}
	raw, ok := s.Data["keys"].([]any)
	if !ok {
		return nil, fmt.Errorf("vaulttest: list %s: keys is %T, want a list", path, s.Data["keys"])
	}
	names := make([]string, len(raw))
	for i, n := range raw {
		if names[i], ok = n.(string); !ok {
			return nil, fmt.Errorf("vaulttest: list %s: key %d is %T, want a string", path, i, n)
		}
	}
	return names, nil
}

// mustWrite writes data at path and returns Vault's answer (nil if it
// answered with no body), failing the test on an error.
func (c *Conn) mustWrite(path string, data map[string]any) *api.Secret {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connTimeout)
	defer cancel()
	s, err := c.c.Logical().WriteWithContext(ctx, path, data)
	if err != nil {
		c.t.Fatalf("vaulttest: write %s: %v", path, err)
	}
	return s
}
