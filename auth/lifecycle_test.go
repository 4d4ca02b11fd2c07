package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

func TestClientRotateDisableDelete(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := t.Context()
	clients := NewClients(db.Store)
	key, cl, err := clients.Create(ctx, "QLVB", []string{"Sở Tư pháp Hà Nội"})
	if err != nil {
		t.Fatal(err)
	}

	if err := clients.SetDisabled(ctx, cl.ID, true); err != nil {
		t.Fatalf("SetDisabled(true) = %v", err)
	}
	if _, err := clients.Authenticate(ctx, key); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Authenticate(disabled client's key) = %v, want ErrUnauthorized", err)
	}
	if err := clients.SetDisabled(ctx, cl.ID, false); err != nil {
		t.Fatalf("SetDisabled(false) = %v", err)
	}
	if _, err := clients.Authenticate(ctx, key); err != nil {
		t.Errorf("Authenticate(re-enabled client's key) = %v", err)
	}

	newKey, rotated, err := clients.Rotate(ctx, cl.ID, time.Time{})
	if err != nil {
		t.Fatalf("Rotate = %v", err)
	}
	if newKey == key || !strings.HasPrefix(newKey, clientKeyPrefix) || rotated.ID != cl.ID {
		t.Fatalf("Rotate = %q, %+v; want a new key for %s", newKey, rotated, cl.ID)
	}
	if _, err := clients.Authenticate(ctx, key); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Authenticate(old key after rotation) = %v, want ErrUnauthorized", err)
	}
	if got, err := clients.Authenticate(ctx, newKey); err != nil || got.ID != cl.ID {
		t.Errorf("Authenticate(new key) = %v, %v; want %s", got, err, cl.ID)
	}

	if err := clients.Delete(ctx, cl.ID); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if _, err := clients.Authenticate(ctx, newKey); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Authenticate(deleted client's key) = %v, want ErrUnauthorized", err)
	}
	if err := clients.Delete(ctx, cl.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete(again) = %v, want ErrNotFound", err)
	}
	if _, _, err := clients.Rotate(ctx, cl.ID, time.Time{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Rotate(deleted) = %v, want ErrNotFound", err)
	}
}

func TestClientKeyExpires(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := t.Context()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	clients := NewClients(db.Store)
	clients.now = func() time.Time { return now }

	if _, _, err := clients.CreateExpiring(ctx, "QLVB", []string{"A"}, now); !errors.Is(err, ErrInvalidClient) {
		t.Errorf("CreateExpiring(expiry now) = %v, want ErrInvalidClient or ErrInvalidToken", err)
	}
	key, cl, err := clients.CreateExpiring(ctx, "QLVB", []string{"A"}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !cl.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("CreateExpiring: ExpiresAt = %s, want %s", cl.ExpiresAt, now.Add(time.Hour))
	}
	if _, err := clients.Authenticate(ctx, key); err != nil {
		t.Fatalf("Authenticate before expiry = %v", err)
	}
	now = now.Add(time.Hour)
	if _, err := clients.Authenticate(ctx, key); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Authenticate at expiry = %v, want ErrUnauthorized", err)
	}
	// Rotation gives an expired client a working key again.
	key2, _, err := clients.Rotate(ctx, cl.ID, now.Add(24*time.Hour))
	if err != nil {
		t.Fatalf("Rotate = %v", err)
	}
	if _, err := clients.Authenticate(ctx, key2); err != nil {
		t.Errorf("Authenticate(rotated key) = %v", err)
	}
	if _, _, err := clients.Rotate(ctx, cl.ID, now.Add(-time.Second)); !errors.Is(err, ErrInvalidClient) {
		t.Errorf("Rotate(expiry in the past) = %v, want ErrInvalidClient or ErrInvalidToken", err)
	}
	if _, err := clients.Authenticate(ctx, key2); err != nil {
		t.Errorf("Authenticate after a refused rotation = %v; the key must still work", err)
	}
}

func TestAdminTokenLifecycle(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := t.Context()
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	admins := NewAdmins(db.Store)
	admins.now = func() time.Time { return now }

	tok, rec, err := admins.CreateExpiring(ctx, "ops", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other, err := admins.Create(ctx, "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	list, err := admins.List(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %v, %v; want 2 tokens", list, err)
	}
	if id, err := admins.AdminID(ctx, tok); err != nil || id != rec.ID {
		t.Fatalf("AdminID = %q, %v; want %s", id, err, rec.ID)
	}
	now = now.Add(time.Hour)
	if _, err := admins.AdminID(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("AdminID(expired token) = %v, want ErrUnauthorized", err)
	}

	tok2, rotated, err := admins.Rotate(ctx, rec.ID, time.Time{})
	if err != nil {
		t.Fatalf("Rotate = %v", err)
	}
	if rotated.ID != rec.ID || rotated.Name != "ops" || !rotated.ExpiresAt.IsZero() {
		t.Errorf("Rotate = %+v; want the same ID and name, no expiry", rotated)
	}
	if id, err := admins.AdminID(ctx, tok2); err != nil || id != rec.ID {
		t.Errorf("AdminID(rotated token) = %q, %v; want %s", id, err, rec.ID)
	}
	if _, err := admins.AdminID(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("AdminID(old token after rotation) = %v, want ErrUnauthorized", err)
	}

	if err := admins.Revoke(ctx, rec.ID); err != nil {
		t.Fatalf("Revoke = %v", err)
	}
	if _, err := admins.AdminID(ctx, tok2); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("AdminID(revoked token) = %v, want ErrUnauthorized", err)
	}
	if _, err := admins.AdminID(ctx, other); err != nil {
		t.Errorf("AdminID(other token) after revoking one = %v", err)
	}
	if err := admins.Revoke(ctx, rec.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Revoke(again) = %v, want ErrNotFound", err)
	}
	if _, _, err := admins.CreateExpiring(ctx, "x", now.Add(-time.Minute)); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("CreateExpiring(past) = %v, want ErrInvalidClient or ErrInvalidToken", err)
	}
}
