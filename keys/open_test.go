package keys_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
)

// TestOpen: a Manager opened from a vault section signs with a key it
// created on the section's mount; a wrong token is refused at Open, an
// unreachable Vault is ErrUnavailable.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	root := vaulttest.Client(t)
	sec := keys.Section{Addr: root.Address(), Mount: vaulttest.NewMount(t)}
	sec.Defaults()
	m, sess, err := keys.Open(ctx, sec, root.Token(), nil)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	if sess == nil || m.Addr() != root.Address() {
		t.Errorf("Open: session %v, Addr() = %q, want %q", sess, m.Addr(), root.Address())
	}
	if err := m.Create(ctx, "open-rsa", keys.RSA2048); err != nil {
		t.Fatal(err)
	}
	s, err := m.Signer(ctx, "open-rsa", 1)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("kyso"))
	sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		t.Fatalf("Sign = %v", err)
	}
	if err := rsa.VerifyPKCS1v15(s.Public().(*rsa.PublicKey), crypto.SHA256, d[:], sig); err != nil {
		t.Errorf("signature of the opened Manager: %v", err)
	}

	if _, _, err := keys.Open(ctx, sec, "not-a-token", nil); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Open with a wrong token = %v, want ErrForbidden", err)
	}
	gone := sec
	gone.Addr = "http://127.0.0.1:1"
	gone.Timeout = config.Duration(2 * time.Second)
	if _, _, err := keys.Open(ctx, gone, root.Token(), nil); !errors.Is(err, keys.ErrUnavailable) {
		t.Errorf("Open of an unreachable Vault = %v, want ErrUnavailable", err)
	}
}

// TestSection: the vault section's defaults and checks.
func TestSection(t *testing.T) {
	var s keys.Section
	s.Defaults()
	if s.Mount != "transit" || s.Auth != "token" || s.AppRoleMount != "approle" ||
		time.Duration(s.Timeout) != keys.DefaultTimeout || time.Duration(s.CreateTimeout) != keys.DefaultCreateTimeout ||
		s.ClientTimeout() != keys.DefaultCreateTimeout || !s.CoalesceOn() {
		t.Errorf("Defaults() = %+v", s)
	}
	off := false
	tests := []struct {
		s    keys.Section
		want string // in the error; "" for none
	}{
		{keys.Section{Auth: "token"}, ""},
		{keys.Section{Auth: "approle", RoleID: "kyso"}, ""},
		{keys.Section{Auth: "approle"}, "vault.role_id"},
		{keys.Section{Auth: "kerberos"}, "vault.auth"},
		{keys.Section{Auth: "token", Timeout: -1}, "must not be negative"},
		{keys.Section{Auth: "token", Coalesce: &off}, ""},
	}
	for _, tc := range tests {
		err := tc.s.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.s, err, tc.want)
		}
	}
}

// countingProxy forwards TCP connections to target and counts those it
// accepted: how many connections the client opened.
func countingProxy(t *testing.T, target string) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { io.Copy(up, c); up.Close() }()
				io.Copy(c, up)
			}()
		}
	}()
	return "http://" + ln.Addr().String(), accepted
}

// TestOpenKeepsConnections: the client Open builds keeps as many idle
// connections to Vault as kyso sends it requests at once, so a steady
// load of concurrent signatures reuses them instead of opening (and
// leaving in TIME_WAIT) a new connection for most requests. The Vault
// client's default keeps GOMAXPROCS+1.
func TestOpenKeepsConnections(t *testing.T) {
	ctx := context.Background()
	root := vaulttest.Client(t)
	u, err := url.Parse(root.Address())
	if err != nil {
		t.Fatal(err)
	}
	addr, accepted := countingProxy(t, u.Host)
	sec := keys.Section{Addr: addr, Mount: vaulttest.NewMount(t)}
	sec.Defaults()
	m, _, err := keys.Open(ctx, sec, root.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Four keys: coalescing lets four requests a key version be at
	// Vault at once, so up to 16 requests are in flight.
	const nKeys, perKey, rounds = 4, 4, 10
	var signers []*keys.Signer
	for i := range nKeys {
		name := fmt.Sprintf("conn-%d", i)
		if err := m.Create(ctx, name, keys.RSA2048); err != nil {
			t.Fatal(err)
		}
		s, err := m.Signer(ctx, name, 1)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
	}
	before := accepted.Load()
	d := sha256.Sum256([]byte("kyso"))
	for range rounds {
		var wg sync.WaitGroup
		errs := make(chan error, nKeys*perKey)
		for _, s := range signers {
			for range perKey {
				wg.Go(func() {
					if _, err := s.SignContext(ctx, d[:], crypto.SHA256); err != nil {
						errs <- err
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("sign: %v", err)
		}
	}
	opened := accepted.Load() - before
	t.Logf("%d rounds of %d concurrent signatures opened %d connections", rounds, nKeys*perKey, opened)
	if opened > nKeys*perKey {
		t.Errorf("%d rounds of %d concurrent signatures opened %d connections to Vault, want at most %d (one a request in flight)",
			rounds, nKeys*perKey, opened, nKeys*perKey)
	}
}
