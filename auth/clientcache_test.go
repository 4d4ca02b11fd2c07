package auth

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

// countingClients counts the reads Authenticate makes.
type countingClients struct {
	ClientStore
	rows, epochs atomic.Int64
}

func (s *countingClients) FindClientByKeyHash(ctx context.Context, hash []byte) (*store.Client, error) {
	s.rows.Add(1)
	return s.ClientStore.FindClientByKeyHash(ctx, hash)
}

func (s *countingClients) AuthEpoch(ctx context.Context) (int64, error) {
	s.epochs.Add(1)
	return s.ClientStore.AuthEpoch(ctx)
}

// TestAuthenticateRemembers: a node reads a client's row once and then
// only the authorisation version while it does not change; a change made
// through another node (disable, enable, rotate, delete) is seen on the
// very next request; expiry and the other checks still run on the row it
// holds, and what Authenticate returns cannot change what it holds.
func TestAuthenticateRemembers(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := t.Context()
	counting := &countingClients{ClientStore: db.Store}
	node := NewClients(counting)
	other := NewClients(db.Store) // another kyso node on the same database
	now := time.Now()
	node.now = func() time.Time { return now }

	key, cl, err := other.CreateExpiring(ctx, "Hệ thống QLVB", []string{"Sở Tư pháp Hà Nội"}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	reads := func(rows, epochs int64) {
		t.Helper()
		if r, e := counting.rows.Load(), counting.epochs.Load(); r != rows || e != epochs {
			t.Errorf("reads: %d rows and %d versions, want %d and %d", r, e, rows, epochs)
		}
	}
	accepted := func(key string) *store.Client {
		t.Helper()
		got, err := node.Authenticate(ctx, key)
		if err != nil || got.ID != cl.ID {
			t.Fatalf("Authenticate = %v, %v; want client %s", got, err, cl.ID)
		}
		if got.AuthEpoch <= 0 {
			t.Errorf("Authenticate: AuthEpoch = %d, want > 0", got.AuthEpoch)
		}
		return got
	}
	refused := func(key, why string) {
		t.Helper()
		if got, err := node.Authenticate(ctx, key); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("Authenticate %s = %v, %v; want ErrUnauthorized", why, got, err)
		}
	}

	first := accepted(key)
	reads(1, 0)
	first.Organizations[0] = "changed by the caller"
	second := accepted(key)
	reads(1, 1)
	if second.Organizations[0] != "Sở Tư pháp Hà Nội" || second.AuthEpoch != first.AuthEpoch {
		t.Errorf("second Authenticate = %q at %d, want the stored organisation at %d", second.Organizations, second.AuthEpoch, first.AuthEpoch)
	}

	if err := other.Disable(ctx, cl.ID); err != nil {
		t.Fatal(err)
	}
	refused(key, "after another node disabled the client")
	reads(2, 2)
	refused(key, "again")
	reads(2, 3)
	if err := other.SetDisabled(ctx, cl.ID, false); err != nil {
		t.Fatal(err)
	}
	accepted(key)
	reads(3, 4)

	// Expiry is checked on the row held, at every request.
	now = now.Add(2 * time.Hour)
	refused(key, "past the key's expiry")
	reads(3, 5)
	now = now.Add(-2 * time.Hour)

	newKey, _, err := other.Rotate(ctx, cl.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	refused(key, "with the key rotated away")
	accepted(newKey)
	if err := other.Delete(ctx, cl.ID); err != nil {
		t.Fatal(err)
	}
	refused(newKey, "after another node deleted the client")
}
