package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// observable is the store's SetObserver, which cmd/kyso wires to its
// metrics.
type observable interface {
	SetObserver(func(op string, d time.Duration, err error))
}

type observed struct {
	op  string
	d   time.Duration
	err error
}

// testObserver: every call to the database is reported with its
// operation, a duration and its error classified as the store's errors
// (a read that finds nothing is not an error).
func testObserver(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	o, ok := s.(observable)
	if !ok {
		t.Fatalf("%T has no SetObserver", s)
	}
	var mu sync.Mutex
	var calls []observed
	o.SetObserver(func(op string, d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, observed{op, d, err})
	})
	take := func() []observed {
		mu.Lock()
		defer mu.Unlock()
		out := calls
		calls = nil
		return out
	}
	want := func(what string, op string, errIs error) {
		t.Helper()
		got := take()
		if len(got) != 1 {
			t.Fatalf("%s: observed %+v, want one call", what, got)
		}
		c := got[0]
		if c.op != op || c.d <= 0 || (errIs == nil) != (c.err == nil) || (errIs != nil && !errors.Is(c.err, errIs)) {
			t.Errorf("%s: observed %+v, want %s with error %v", what, c, op, errIs)
		}
	}
	ctx := ctxOf(t)
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	want("Ping", store.OpPing, nil)
	if err := s.CreateIssuer(ctx, newIssuer("obs")); err != nil {
		t.Fatal(err)
	}
	want("CreateIssuer", store.OpWrite, nil)
	if err := s.CreateIssuer(ctx, newIssuer("obs")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateIssuer twice = %v, want ErrConflict", err)
	}
	want("CreateIssuer twice", store.OpWrite, store.ErrConflict)
	if _, err := s.GetIssuer(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetIssuer(missing) = %v, want ErrNotFound", err)
	}
	want("GetIssuer(missing)", store.OpRead, nil)
	if _, err := s.ListIssuers(ctx); err != nil {
		t.Fatal(err)
	}
	want("ListIssuers", store.OpRead, nil)
	now := time.Now()
	claim(t, s, "client:a", "k", "t", "fp", now.Add(time.Minute), now.Add(time.Hour))
	want("ClaimIdempotencyKey", store.OpTransaction, nil)
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.ListIssuers(canceled); err == nil {
		t.Fatal("ListIssuers with a canceled context succeeded")
	}
	want("ListIssuers canceled", store.OpRead, context.Canceled)
}
