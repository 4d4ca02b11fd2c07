package keys_test

import (
	"context"
	"crypto"
	"errors"
	"sync"
	"testing"

	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
)

// TestObserve: Config.Observe names each call to Vault by its operation,
// counts the digests of sign requests, and reports errors as the package
// classifies them; the readiness probe's "not found" is a success.
func TestObserve(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var calls []keys.Call
	m, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t), Observe: func(c keys.Call) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, c)
	}})
	if err != nil {
		t.Fatal(err)
	}
	take := func() []keys.Call {
		mu.Lock()
		defer mu.Unlock()
		out := calls
		calls = nil
		return out
	}
	want := func(what string, got []keys.Call, op string, digests int, errIs error) {
		t.Helper()
		if len(got) != 1 {
			t.Fatalf("%s: observed %+v, want one call", what, got)
		}
		c := got[0]
		if c.Op != op || c.Digests != digests || c.Duration <= 0 || (errIs == nil) != (c.Err == nil) || (errIs != nil && !errors.Is(c.Err, errIs)) {
			t.Errorf("%s: observed %+v, want op %s, %d digests, a duration and error %v", what, c, op, digests, errIs)
		}
	}

	if err := m.Create(ctx, "obs", keys.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	got := take()
	if len(got) == 0 || got[0].Op != "create_key" || got[0].Err != nil {
		t.Errorf("Create: observed %+v, want create_key first", got)
	}
	s, err := m.Signer(ctx, "obs", 1)
	if err != nil {
		t.Fatal(err)
	}
	want("Signer", take(), "read_key", 0, nil)
	d := digestOf(crypto.SHA256, "observe")
	if _, err := s.Sign(nil, d, crypto.SHA256); err != nil {
		t.Fatal(err)
	}
	want("Sign", take(), "sign", 1, nil)
	if _, err := s.SignBatch(ctx, [][]byte{d, d, d}, crypto.SHA256); err != nil {
		t.Fatal(err)
	}
	want("SignBatch", take(), "sign_batch", 3, nil)
	if _, err := m.Rotate(ctx, "obs"); err != nil {
		t.Fatal(err)
	}
	want("Rotate", take(), "rotate_key", 0, nil)
	if _, err := m.Info(ctx, "no-such-key"); !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("Info(no-such-key) = %v, want ErrNotFound", err)
	}
	// Vault answers a read of a missing key with 404 and no error: the
	// call succeeded, the caller's ErrNotFound is its own reading of it.
	want("Info of a missing key", take(), "read_key", 0, nil)
	if err := m.NewProbe().Check(ctx); err != nil {
		t.Fatal(err)
	}
	want("Probe", take(), "health", 0, nil)
	if err := m.Health(ctx); err != nil {
		t.Fatal(err)
	}
	want("Health", take(), "health", 0, nil)
	if _, err := m.List(ctx); err != nil {
		t.Fatal(err)
	}
	want("List", take(), "list_keys", 0, nil)

	bad, err := vaulttest.Client(t).Clone()
	if err != nil {
		t.Fatal(err)
	}
	bad.SetToken("not-a-token")
	mb, err := keys.New(bad, keys.Config{Mount: vaulttest.NewMount(t), Observe: func(c keys.Call) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, c)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Info(ctx, "obs"); !errors.Is(err, keys.ErrForbidden) {
		t.Fatalf("Info with a bad token = %v, want ErrForbidden", err)
	}
	want("Info with a bad token", take(), "read_key", 0, keys.ErrForbidden)
}
