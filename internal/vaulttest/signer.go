package vaulttest

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kyso-vn/kyso/keys"
)

// SignCounter counts the Transit sign requests that reach Vault through
// it (a RoundTripper wrapping the client's own).
type SignCounter struct {
	base  http.RoundTripper
	Signs atomic.Int32
}

func (c *SignCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "/sign/") {
		c.Signs.Add(1)
	}
	return c.base.RoundTrip(r)
}

// CountedSigner creates a Transit key of type kt named name on a fresh
// mount of the shared server and returns a signer for its version 1,
// made through a client whose sign requests the SignCounter counts: for
// the signing formats' tests of how often they go to Vault.
func CountedSigner(t testing.TB, name string, kt keys.KeyType) (*keys.Signer, *SignCounter) {
	t.Helper()
	counter := &SignCounter{}
	client := ClientThrough(t, func(base http.RoundTripper) http.RoundTripper {
		counter.base = base
		return counter
	})
	m, err := keys.New(client, keys.Config{Mount: NewMount(t)})
	if err != nil {
		t.Fatalf("keys.New: %v", err)
	}
	ctx := context.Background()
	if err := m.Create(ctx, name, kt); err != nil {
		t.Fatalf("Create(%q, %s) = %v", name, kt, err)
	}
	s, err := m.Signer(ctx, name, 1)
	if err != nil {
		t.Fatalf("Signer(%q, 1) = %v", name, err)
	}
	return s, counter
}
