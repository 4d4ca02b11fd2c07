package keys_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
)

// deadAddr returns the address of a port that was just closed: nothing
// listens there, so a connection is refused.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	l.Close()
	return addr
}

// TestOpenFailover: with the first Vault address dead (a closed port) and
// the second a real Vault, Open logs in, keys are created and sign, and the
// readiness probe passes; the addresses come from addr (comma-separated)
// and addrs alike.
func TestOpenFailover(t *testing.T) {
	ctx := context.Background()
	root := vaulttest.Client(t)
	mount := vaulttest.NewMount(t)
	for _, tc := range []struct {
		name string
		sec  keys.Section
	}{
		{"addr list", keys.Section{Addr: deadAddr(t) + ", " + root.Address(), Mount: mount}},
		{"addrs", keys.Section{Addrs: []string{deadAddr(t), root.Address()}, Mount: mount}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec := tc.sec
			sec.Defaults()
			if err := sec.Validate(); err != nil {
				t.Fatal(err)
			}
			m, _, err := keys.Open(ctx, sec, root.Token(), nil)
			if err != nil {
				t.Fatalf("Open with the first address dead = %v", err)
			}
			if !strings.HasSuffix(m.Addr(), ","+root.Address()) {
				t.Errorf("Addr() = %q, want both addresses", m.Addr())
			}
			name := "failover-" + strings.ReplaceAll(tc.name, " ", "-")
			if err := m.Create(ctx, name, keys.ECDSAP256); err != nil {
				t.Fatal(err)
			}
			s, err := m.Signer(ctx, name, 1)
			if err != nil {
				t.Fatal(err)
			}
			d := sha256.Sum256([]byte("kyso"))
			sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
			if err != nil {
				t.Fatalf("Sign = %v", err)
			}
			if !ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), d[:], sig) {
				t.Error("signature made through the second address does not verify")
			}
			if err := m.NewProbe().Check(ctx); err != nil {
				t.Errorf("probe = %v, want nil", err)
			}
		})
	}

	all := keys.Section{Addrs: []string{deadAddr(t), deadAddr(t)}, Mount: mount, Timeout: config.Duration(2 * time.Second)}
	all.Defaults()
	if _, _, err := keys.Open(ctx, all, root.Token(), nil); !errors.Is(err, keys.ErrUnavailable) {
		t.Errorf("Open with every address dead = %v, want ErrUnavailable", err)
	}
}

// TestFailoverRedirect: a standby that redirects (307 to the active node)
// instead of forwarding moves kyso to the node it names, and kyso stays
// there. The standby is a stand-in: making a real one redirect needs a
// Raft cluster with request forwarding off.
func TestFailoverRedirect(t *testing.T) {
	ctx := context.Background()
	root := vaulttest.Client(t)
	var hits atomic.Int32
	standby := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, root.Address()+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(standby.Close)
	sec := keys.Section{Addrs: []string{standby.URL, root.Address()}, Mount: vaulttest.NewMount(t)}
	sec.Defaults()
	m, _, err := keys.Open(ctx, sec, root.Token(), nil)
	if err != nil {
		t.Fatalf("Open behind a redirecting standby = %v", err)
	}
	first := hits.Load()
	if first == 0 {
		t.Fatal("the first address was never tried")
	}
	if err := m.Create(ctx, "redirected", keys.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	s, err := m.Signer(ctx, "redirected", 1)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("kyso"))
	if _, err := s.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
		t.Fatalf("Sign = %v", err)
	}
	if n := hits.Load(); n != first {
		t.Errorf("the standby got %d more requests after it redirected, want none", n-first)
	}
}

// TestProbe: the probe passes on a working Vault with a working token,
// and fails as ErrForbidden once the token is revoked.
func TestProbe(t *testing.T) {
	ctx := context.Background()
	root := vaulttest.Client(t)
	tok, err := root.Auth().Token().Create(nil)
	if err != nil {
		t.Fatal(err)
	}
	sec := keys.Section{Addr: root.Address(), Mount: vaulttest.NewMount(t)}
	sec.Defaults()
	m, _, err := keys.Open(ctx, sec, tok.Auth.ClientToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.NewProbe()
	if err := p.Check(ctx); err != nil {
		t.Fatalf("probe = %v, want nil", err)
	}
	if err := root.Auth().Token().RevokeTree(tok.Auth.ClientToken); err != nil {
		t.Fatal(err)
	}
	// A new probe: p keeps its success for 1.5 s.
	if err := m.NewProbe().Check(ctx); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("probe with a revoked token = %v, want ErrForbidden", err)
	}
}

// TestSectionAddresses: addr and addrs give one list, in order, without
// blanks or repeats; a malformed address is refused.
func TestSectionAddresses(t *testing.T) {
	s := keys.Section{Addr: "http://a:8200, http://b:8200/,,", Addrs: []string{"https://c:8200", "http://a:8200"}}
	want := []string{"https://c:8200", "http://a:8200", "http://b:8200"}
	if got := s.Addresses(); !slices.Equal(got, want) {
		t.Errorf("Addresses() = %q, want %q", got, want)
	}
	for _, bad := range []string{"vault:8200", "http://", "unix:///run/vault.sock,http://b:8200"} {
		s := keys.Section{Auth: "token", Addr: bad}
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "vault address") {
			t.Errorf("Validate(addr %q) = %v, want a vault address error", bad, err)
		}
	}
	if err := (keys.Section{Auth: "token", Addr: "unix:///run/vault.sock"}).Validate(); err != nil {
		t.Errorf("Validate(one unix socket) = %v, want nil", err)
	}
}
