package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// testClientLifecycle checks what revoking and rotating a client's API key
// rest on: the expiry is kept, a new key hash replaces the old one at
// once, and a deleted client is gone.
func testClientLifecycle(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	a := newClient("cl1", 1, "A")
	a.ExpiresAt = t0.Add(24 * time.Hour)
	b := newClient("cl2", 2, "B")
	for _, c := range []*store.Client{a, b} {
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatalf("CreateClient(%q) = %v", c.ID, err)
		}
	}
	got, err := s.GetClient(ctx, "cl1")
	if err != nil {
		t.Fatalf("GetClient(cl1) = %v", err)
	}
	same(t, "GetClient(cl1) with an expiry", got, a)

	newHash := bytes.Repeat([]byte{7}, 32)
	exp := t0.Add(48 * time.Hour)
	if err := s.SetClientKeyHash(ctx, "cl1", newHash, exp); err != nil {
		t.Fatalf("SetClientKeyHash(cl1) = %v", err)
	}
	_, err = s.FindClientByKeyHash(ctx, a.KeyHash)
	wantErr(t, "FindClientByKeyHash(old hash) after rotation", err, store.ErrNotFound)
	got, err = s.FindClientByKeyHash(ctx, newHash)
	if err != nil || got.ID != "cl1" || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("FindClientByKeyHash(new hash) = %+v, %v; want cl1 expiring at %s", got, err, exp)
	}
	// Rotation without an expiry clears it.
	if err := s.SetClientKeyHash(ctx, "cl1", bytes.Repeat([]byte{8}, 32), time.Time{}); err != nil {
		t.Fatalf("SetClientKeyHash(cl1, no expiry) = %v", err)
	}
	if got, err = s.GetClient(ctx, "cl1"); err != nil || !got.ExpiresAt.IsZero() {
		t.Errorf("GetClient(cl1) after rotation without expiry = %+v, %v; want no expiry", got, err)
	}

	wantErr(t, "SetClientKeyHash to another client's hash",
		s.SetClientKeyHash(ctx, "cl1", b.KeyHash, time.Time{}), store.ErrConflict)
	wantErr(t, "SetClientKeyHash(unknown)",
		s.SetClientKeyHash(ctx, "nope", bytes.Repeat([]byte{9}, 32), time.Time{}), store.ErrNotFound)
	if err := s.SetClientKeyHash(ctx, "cl1", nil, time.Time{}); err == nil {
		t.Errorf("SetClientKeyHash(empty hash) succeeded, want an error")
	}

	if err := s.DeleteClient(ctx, "cl2"); err != nil {
		t.Fatalf("DeleteClient(cl2) = %v", err)
	}
	_, err = s.GetClient(ctx, "cl2")
	wantErr(t, "GetClient(cl2) after delete", err, store.ErrNotFound)
	_, err = s.FindClientByKeyHash(ctx, b.KeyHash)
	wantErr(t, "FindClientByKeyHash(cl2's hash) after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteClient(cl2) again", s.DeleteClient(ctx, "cl2"), store.ErrNotFound)
	if list, err := s.ListClients(ctx); err != nil || len(list) != 1 || list[0].ID != "cl1" {
		t.Errorf("ListClients() after delete = %v, %v; want cl1 only", list, err)
	}
}

// testAdminTokenLifecycle is testClientLifecycle for admin tokens.
func testAdminTokenLifecycle(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	hash := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	if list, err := s.ListAdminTokens(ctx); err != nil || len(list) != 0 {
		t.Fatalf("ListAdminTokens() on an empty store = %v, %v; want none", list, err)
	}
	a := &store.AdminToken{ID: "t1", Name: "ops", Hash: hash(1), CreatedAt: t0.Add(time.Hour),
		ExpiresAt: t0.Add(90 * 24 * time.Hour)}
	b := &store.AdminToken{ID: "t2", Name: "bootstrap", Hash: hash(2), CreatedAt: t0}
	for _, tok := range []*store.AdminToken{a, b} {
		if err := s.CreateAdminToken(ctx, tok); err != nil {
			t.Fatalf("CreateAdminToken(%q) = %v", tok.ID, err)
		}
	}
	list, err := s.ListAdminTokens(ctx)
	if err != nil {
		t.Fatalf("ListAdminTokens() = %v", err)
	}
	same(t, "ListAdminTokens()", list, []*store.AdminToken{b, a})

	exp := t0.Add(time.Hour)
	if err := s.SetAdminTokenHash(ctx, "t1", hash(3), exp); err != nil {
		t.Fatalf("SetAdminTokenHash(t1) = %v", err)
	}
	_, err = s.FindAdminToken(ctx, hash(1))
	wantErr(t, "FindAdminToken(old hash) after rotation", err, store.ErrNotFound)
	got, err := s.FindAdminToken(ctx, hash(3))
	if err != nil || got.ID != "t1" || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("FindAdminToken(new hash) = %+v, %v; want t1 expiring at %s", got, err, exp)
	}
	wantErr(t, "SetAdminTokenHash to another token's hash",
		s.SetAdminTokenHash(ctx, "t1", hash(2), time.Time{}), store.ErrConflict)
	wantErr(t, "SetAdminTokenHash(unknown)", s.SetAdminTokenHash(ctx, "nope", hash(4), time.Time{}), store.ErrNotFound)
	if err := s.SetAdminTokenHash(ctx, "t1", nil, time.Time{}); err == nil {
		t.Errorf("SetAdminTokenHash(empty hash) succeeded, want an error")
	}

	if err := s.DeleteAdminToken(ctx, "t2"); err != nil {
		t.Fatalf("DeleteAdminToken(t2) = %v", err)
	}
	_, err = s.FindAdminToken(ctx, hash(2))
	wantErr(t, "FindAdminToken(t2's hash) after delete", err, store.ErrNotFound)
	wantErr(t, "DeleteAdminToken(t2) again", s.DeleteAdminToken(ctx, "t2"), store.ErrNotFound)
	if n, err := s.CountAdminTokens(ctx); err != nil || n != 1 {
		t.Errorf("CountAdminTokens() after delete = %d, %v; want 1", n, err)
	}
}
