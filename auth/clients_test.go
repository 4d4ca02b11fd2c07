package auth

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

func TestClientKeyRoundTrip(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := t.Context()
	clients := NewClients(db.Store)

	key, cl, err := clients.Create(ctx, "  Hệ thống QLVB Hà Nội ", []string{"Sở Tư pháp Hà Nội", " Sở Tư pháp Hà Nội", "UBND phường Hàng Bạc"})
	if err != nil {
		t.Fatalf("Create = %v", err)
	}
	if !strings.HasPrefix(key, "kyso_cli_") || len(key) != len("kyso_cli_")+52 {
		t.Errorf("Create key = %q, want kyso_cli_ and 52 base32 characters (256 bits)", key)
	}
	if cl.Name != "Hệ thống QLVB Hà Nội" {
		t.Errorf("Create name = %q, want it trimmed", cl.Name)
	}
	if want := []string{"Sở Tư pháp Hà Nội", "UBND phường Hàng Bạc"}; strings.Join(cl.Organizations, "|") != strings.Join(want, "|") {
		t.Errorf("Create organizations = %q, want %q", cl.Organizations, want)
	}
	stored, err := db.Store.GetClient(ctx, cl.ID)
	if err != nil {
		t.Fatalf("GetClient = %v", err)
	}
	if !bytes.Equal(stored.KeyHash, Hash(key)) {
		t.Errorf("stored key hash = %x, want SHA-256 of the key", stored.KeyHash)
	}
	if bytes.Contains(stored.KeyHash, []byte(key)) || strings.Contains(stored.Name, key) {
		t.Error("the key itself is stored")
	}

	got, err := clients.Authenticate(ctx, key)
	if err != nil {
		t.Fatalf("Authenticate(key) = %v", err)
	}
	if got.ID != cl.ID {
		t.Errorf("Authenticate(key) = client %q, want %q", got.ID, cl.ID)
	}

	key2, _, err := clients.Create(ctx, "Cổng DVC", []string{"Công an TP Hà Nội"})
	if err != nil {
		t.Fatalf("Create(second) = %v", err)
	}
	if key2 == key {
		t.Fatal("two clients got the same key")
	}
	adminTok, err := NewAdmins(db.Store).Create(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	flip := []byte(key)
	flip[len(flip)-1] ^= 1
	for _, bad := range []string{
		"",
		"kyso_cli_",
		string(flip),
		key[:len(key)-1],
		key + "a",
		strings.ToUpper(key),
		strings.TrimPrefix(key, "kyso_cli_"),
		"kyso_adm_" + strings.TrimPrefix(key, "kyso_cli_"),
		adminTok, // an admin token is not a client key
		"kyso_cli_" + strings.Repeat("a", 200),
	} {
		if c, err := clients.Authenticate(ctx, bad); !errors.Is(err, ErrUnauthorized) || c != nil {
			t.Errorf("Authenticate(%q) = %v, %v; want ErrUnauthorized", bad, c, err)
		}
	}

	if err := clients.Disable(ctx, cl.ID); err != nil {
		t.Fatalf("Disable = %v", err)
	}
	if c, err := clients.Authenticate(ctx, key); !errors.Is(err, ErrUnauthorized) || c != nil {
		t.Errorf("Authenticate(disabled client's key) = %v, %v; want ErrUnauthorized", c, err)
	}
	if _, err := clients.Authenticate(ctx, key2); err != nil {
		t.Errorf("Authenticate(other client) after Disable = %v", err)
	}
	if err := clients.Disable(ctx, "cli_nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Disable(unknown) = %v, want ErrNotFound", err)
	}
}

func TestCreateClientErrors(t *testing.T) {
	db := storetest.OpenSQLite(t)
	clients := NewClients(db.Store)
	tests := []struct {
		name string
		orgs []string
	}{
		{"", []string{"A"}},
		{"  ", []string{"A"}},
		{"x", nil},
		{"x", []string{}},
		{"x", []string{"A", " "}},
	}
	for _, tt := range tests {
		if key, _, err := clients.Create(t.Context(), tt.name, tt.orgs); !errors.Is(err, ErrInvalidClient) || key != "" {
			t.Errorf("Create(%q, %q) = %q, %v; want ErrInvalidClient", tt.name, tt.orgs, key, err)
		}
	}
	if list, _ := db.Store.ListClients(t.Context()); len(list) != 0 {
		t.Errorf("%d clients stored after refused creates", len(list))
	}
}

func TestMayUse(t *testing.T) {
	const org = "Sở Tư pháp thành phố Hà Nội"
	nfd := norm.NFD.String(org)
	if nfd == org {
		t.Fatal("test data: NFD form equals NFC form")
	}
	db := storetest.OpenSQLite(t)
	// Registered with the decomposed form, as some e-office systems send it.
	_, cl, err := NewClients(db.Store).Create(t.Context(), "QLVB", []string{" " + nfd + "\t", "UBND quận Ba Đình"})
	if err != nil {
		t.Fatal(err)
	}
	if cl.Organizations[0] != org {
		t.Errorf("stored organisation = %q, want NFC %q", cl.Organizations[0], org)
	}
	disabled := *cl
	disabled.Disabled = true
	legacy := &store.Client{ID: "old", Organizations: []string{nfd}} // stored before normalisation

	tests := []struct {
		name   string
		client *store.Client
		org    string
		want   bool
	}{
		{"precomposed", cl, org, true},
		{"decomposed", cl, nfd, true},
		{"surrounding space", cl, "  " + org + "\n", true},
		{"second organisation", cl, "UBND quận Ba Đình", true},
		{"stored decomposed", legacy, org, true},
		{"other organisation", cl, "Sở Tư pháp thành phố Hồ Chí Minh", false},
		{"case differs", cl, "UBND Quận Ba Đình", false},
		{"without diacritics", cl, "So Tu phap thanh pho Ha Noi", false},
		{"prefix", cl, "Sở Tư pháp", false},
		{"inner spacing differs", cl, "Sở Tư  pháp thành phố Hà Nội", false},
		{"empty", cl, "", false},
		{"blank", cl, "  ", false},
		{"disabled client", &disabled, org, false},
		{"nil client", nil, org, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MayUse(tt.client, tt.org); got != tt.want {
				t.Errorf("MayUse(%q) = %t, want %t", tt.org, got, tt.want)
			}
		})
	}
}
