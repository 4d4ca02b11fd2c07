package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
)

func newClient(id string, b byte, orgs ...string) *store.Client {
	return &store.Client{
		ID:            id,
		Name:          "client " + id,
		Organizations: orgs,
		KeyHash:       bytes.Repeat([]byte{b}, 32),
		CreatedAt:     t0,
	}
}

func testClients(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)

	list, err := s.ListClients(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("ListClients() on an empty store = %v, %v; want none", list, err)
	}

	a := newClient("cl1", 1, "Sở Tư pháp Hà Nội", "UBND phường Hàng Bạc")
	b := newClient("cl2", 2) // no organisation: may use no credential
	b.CreatedAt = t0.Add(-time.Hour)
	b.Disabled = true
	c := newClient("cl0", 3, "Văn phòng UBND")
	c.CreatedAt = t0 // same time as a: ordered by ID
	for _, cl := range []*store.Client{a, b, c} {
		if err := s.CreateClient(ctx, cl); err != nil {
			t.Fatalf("CreateClient(%q) = %v", cl.ID, err)
		}
	}
	for _, want := range []*store.Client{a, b, c} {
		got, err := s.GetClient(ctx, want.ID)
		if err != nil {
			t.Fatalf("GetClient(%q) = %v", want.ID, err)
		}
		same(t, fmt.Sprintf("GetClient(%q)", want.ID), got, want)
		got, err = s.FindClientByKeyHash(ctx, want.KeyHash)
		if err != nil {
			t.Fatalf("FindClientByKeyHash(%x) = %v", want.KeyHash, err)
		}
		// The authorisation version comes with it (testAuthEpoch).
		if got.AuthEpoch <= 0 {
			t.Errorf("FindClientByKeyHash(%x): AuthEpoch = %d, want > 0", want.KeyHash, got.AuthEpoch)
		}
		withEpoch := *want
		withEpoch.AuthEpoch = got.AuthEpoch
		same(t, fmt.Sprintf("FindClientByKeyHash(%x)", want.KeyHash), got, &withEpoch)
	}
	list, err = s.ListClients(ctx)
	if err != nil {
		t.Fatalf("ListClients() = %v", err)
	}
	same(t, "ListClients()", list, []*store.Client{b, c, a})

	if err := s.SetClientDisabled(ctx, "cl1", true); err != nil {
		t.Fatalf("SetClientDisabled(cl1, true) = %v", err)
	}
	if err := s.SetClientDisabled(ctx, "cl2", false); err != nil {
		t.Fatalf("SetClientDisabled(cl2, false) = %v", err)
	}
	for id, want := range map[string]bool{"cl1": true, "cl2": false, "cl0": false} {
		got, err := s.GetClient(ctx, id)
		if err != nil {
			t.Fatalf("GetClient(%q) = %v", id, err)
		}
		if got.Disabled != want {
			t.Errorf("GetClient(%q).Disabled = %t, want %t", id, got.Disabled, want)
		}
	}

	d := &store.Client{ID: "cl3", Name: "now", KeyHash: bytes.Repeat([]byte{4}, 32), Organizations: []string{}}
	if err := s.CreateClient(ctx, d); err != nil {
		t.Fatalf("CreateClient(cl3) = %v", err)
	}
	if d.CreatedAt.IsZero() {
		t.Errorf("CreateClient left CreatedAt zero")
	}
	if got, err := s.GetClient(ctx, "cl3"); err != nil || got.Organizations != nil {
		t.Errorf("GetClient(cl3) = %+v, %v; want nil Organizations", got, err)
	}
}

func testClientErrors(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	if err := s.CreateClient(ctx, newClient("cl1", 1, "A")); err != nil {
		t.Fatalf("CreateClient(cl1) = %v", err)
	}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"duplicate ID", func() error { return s.CreateClient(ctx, newClient("cl1", 2, "A")) }, store.ErrConflict},
		{"duplicate key hash", func() error { return s.CreateClient(ctx, newClient("cl2", 1, "A")) }, store.ErrConflict},
		{"empty key hash", func() error {
			c := newClient("cl3", 3, "A")
			c.KeyHash = nil
			return s.CreateClient(ctx, c)
		}, nil},
		{"empty ID", func() error { return s.CreateClient(ctx, newClient("", 4, "A")) }, nil},
		{"get unknown", func() error { _, err := s.GetClient(ctx, "nope"); return err }, store.ErrNotFound},
		{"find unknown hash", func() error {
			_, err := s.FindClientByKeyHash(ctx, bytes.Repeat([]byte{9}, 32))
			return err
		}, store.ErrNotFound},
		{"find hash prefix", func() error {
			_, err := s.FindClientByKeyHash(ctx, bytes.Repeat([]byte{1}, 31))
			return err
		}, store.ErrNotFound},
		{"disable unknown", func() error { return s.SetClientDisabled(ctx, "nope", true) }, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.want == nil {
				if err == nil {
					t.Fatalf("%s succeeded, want an error", tt.name)
				}
				return
			}
			wantErr(t, tt.name, err, tt.want)
		})
	}
	list, err := s.ListClients(ctx)
	if err != nil || len(list) != 1 {
		t.Errorf("ListClients() after failed creates = %d clients, %v; want 1", len(list), err)
	}
}

func wantPIN(t *testing.T, s store.Store, id, hash string) {
	t.Helper()
	h, err := s.GetCredentialPIN(ctxOf(t), id)
	if err != nil || h != hash {
		t.Errorf("GetCredentialPIN(%q) = %q, %v; want %q, nil", id, h, err, hash)
	}
}

func testCredentialPIN(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	mustIssuer(t, s, "i1")
	cr := mustCredential(t, s, "cr1", nil)
	mustCredential(t, s, "cr2", nil)
	const h1, h2 = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdDI$aGFzaDI"

	wantPIN(t, s, "cr1", "") // no PIN yet
	if err := s.SetCredentialPIN(ctx, "cr1", h1); err != nil {
		t.Fatalf("SetCredentialPIN(cr1) = %v", err)
	}
	wantPIN(t, s, "cr1", h1)
	if err := s.SetCredentialPIN(ctx, "cr1", h2); err != nil {
		t.Fatalf("SetCredentialPIN(cr1) again = %v", err)
	}
	wantPIN(t, s, "cr1", h2)
	// Unlocking a credential that is not locked is not an error, and
	// leaves the PIN.
	for range 2 {
		if err := s.UnlockCredential(ctx, "cr1"); err != nil {
			t.Fatalf("UnlockCredential(cr1) = %v", err)
		}
	}
	wantPIN(t, s, "cr1", h2)

	// The other credential is untouched, and so are the credential's own
	// fields.
	wantPIN(t, s, "cr2", "")
	got := getCredential(t, s, "cr1")
	same(t, "GetCredential(cr1) after PIN changes", got, cr)

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"set unknown", func() error { return s.SetCredentialPIN(ctx, "nope", h1) }, store.ErrNotFound},
		{"get unknown", func() error { _, err := s.GetCredentialPIN(ctx, "nope"); return err }, store.ErrNotFound},
		{"unlock unknown", func() error { return s.UnlockCredential(ctx, "nope") }, store.ErrNotFound},
		{"set empty hash", func() error { return s.SetCredentialPIN(ctx, "cr2", "") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.want == nil {
				if err == nil {
					t.Fatalf("%s succeeded, want an error", tt.name)
				}
				return
			}
			wantErr(t, tt.name, err, tt.want)
		})
	}
	wantPIN(t, s, "cr2", "")
}
