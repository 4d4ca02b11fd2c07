package keys_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"strings"
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
