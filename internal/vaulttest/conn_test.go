package vaulttest

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestConnTransitKey: TransitKeys lists a mount's keys and TransitKey
// reads a key's configuration as Vault has it.
func TestConnTransitKey(t *testing.T) {
	mount := NewMount(t)
	root := Root(t, Server())
	if err := root.Write(mount+"/keys/plain", map[string]any{"type": "ecdsa-p256"}); err != nil {
		t.Fatal(err)
	}
	if err := root.Write(mount+"/keys/loose", map[string]any{"type": "rsa-2048", "exportable": true, "allow_plaintext_backup": true}); err != nil {
		t.Fatal(err)
	}
	if err := root.Write(mount+"/keys/loose/config", map[string]any{"deletion_allowed": true}); err != nil {
		t.Fatal(err)
	}
	if err := root.Write(mount+"/keys/loose/rotate", nil); err != nil {
		t.Fatal(err)
	}
	names := root.TransitKeys(mount)
	slices.Sort(names)
	if !slices.Equal(names, []string{"loose", "plain"}) {
		t.Errorf("TransitKeys(%q) = %q, want [loose plain]", mount, names)
	}
	for name, want := range map[string]TransitKey{
		"plain": {Type: "ecdsa-p256", LatestVersion: 1},
		"loose": {Type: "rsa-2048", Exportable: true, AllowPlaintextBackup: true, DeletionAllowed: true, LatestVersion: 2},
	} {
		if got := root.TransitKey(mount, name); got != want {
			t.Errorf("TransitKey(%q, %q) = %+v, want %+v", mount, name, got, want)
		}
	}
	if _, err := root.List(mount + "-none/keys"); err == nil {
		t.Errorf("List of a mount that does not exist = nil error")
	}
}

// TestConnAppRole: a token from an AppRole login has its policy and
// nothing more.
func TestConnAppRole(t *testing.T) {
	mount, other := NewMount(t), NewMount(t)
	root := Root(t, Server())
	if err := root.Write(mount+"/keys/k", map[string]any{"type": "ecdsa-p256"}); err != nil {
		t.Fatal(err)
	}
	root.EnableAppRole()
	root.PutPolicy("lister", `path "`+mount+`/keys" { capabilities = ["list"] }`)
	roleID, secretID := root.NewAppRole("lister", "lister", time.Hour)
	c := root.AppRoleLogin(roleID, secretID)
	if c.c.Token() == "" || c.c.Token() == root.c.Token() {
		t.Fatalf("AppRoleLogin gave no token of its own")
	}
	if names, err := c.List(mount + "/keys"); err != nil || !slices.Equal(names, []string{"k"}) {
		t.Errorf("List under the policy = %q, %v, want [k]", names, err)
	}
	for what, err := range map[string]error{
		"create a key on another mount": c.Write(other+"/keys/intruder", map[string]any{"type": "ecdsa-p256"}),
		"read the key":                  c.Read(mount + "/keys/k"),
		"delete the key":                c.Delete(mount + "/keys/k"),
	} {
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s under the policy = %v, want permission denied", what, err)
		}
	}
}

// TestClientThrough: a client from ClientThrough sends its requests
// through the wrapping RoundTripper.
func TestClientThrough(t *testing.T) {
	var n atomic.Int32
	c := ClientThrough(t, func(base http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return base.RoundTrip(r)
		})
	})
	if _, err := c.Sys().ListMounts(); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 1 {
		t.Errorf("requests through the wrapper = %d, want 1", n.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestClientAt: a client from ClientAt reaches the shared server through
// the proxy at the address it was given.
func TestClientAt(t *testing.T) {
	mount := NewMount(t)
	p := NewSlowTransit(t, Server().Addr)
	c := ClientAt(t, p.URL)
	if c.Address() != p.URL {
		t.Errorf("ClientAt(%q).Address() = %q", p.URL, c.Address())
	}
	if _, err := c.Logical().Write(mount+"/keys/k", map[string]any{"type": "ecdsa-p256"}); err != nil {
		t.Fatal(err)
	}
	if got := p.Creations(); len(got) != 1 || got[0].Key != "k" || got[0].Status != http.StatusOK {
		t.Errorf("creations through the proxy = %+v, want one of k, answered 200", got)
	}
	if names := Root(t, Server()).TransitKeys(mount); !slices.Equal(names, []string{"k"}) {
		t.Errorf("keys on %s = %q, want [k]", mount, names)
	}
}
