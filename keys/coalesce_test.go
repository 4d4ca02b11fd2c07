package keys_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
)

// TestCoalesce signs 96 digests at once, with three kinds of options, on
// a Manager that coalesces: every signature verifies for its own digest,
// and they took fewer Transit requests than signatures. A bad digest is
// refused on its own without failing the others.
func TestCoalesce(t *testing.T) {
	c := vaulttest.Client(t)
	m, err := keys.New(c, keys.Config{Mount: vaulttest.NewMount(t), Coalesce: true})
	if err != nil {
		t.Fatal(err)
	}
	s := newSigner(t, m, "coalesced", keys.RSA2048)
	options := []crypto.SignerOpts{
		crypto.SHA256,
		crypto.SHA384,
		&rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash},
	}
	const n = 96
	type result struct {
		sig  []byte
		err  error
		opts crypto.SignerOpts
		dig  []byte
	}
	results := make([]result, n+1)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n + 1 {
		opts := options[i%len(options)]
		d := digestOf(opts.HashFunc(), fmt.Sprintf("quyết định số %d", i))
		if i == n {
			d = d[:7] // the bad one
		}
		results[i].opts, results[i].dig = opts, d
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i].sig, results[i].err = s.SignContext(context.Background(), d, opts)
		}()
	}
	close(start)
	wg.Wait()
	for i, r := range results[:n] {
		if r.err != nil {
			t.Errorf("signature %d: %v", i, r.err)
			continue
		}
		if err := verify(s.Public(), r.dig, r.sig, r.opts); err != nil {
			t.Errorf("signature %d does not verify for its digest: %v", i, err)
		}
	}
	if err := results[n].err; !errors.Is(err, keys.ErrInvalid) {
		t.Errorf("short digest = %v, want ErrInvalid", err)
	}
	calls := m.SignCalls()
	t.Logf("%d signatures in %d single and %d batch requests (%d digests)", n, calls.Single, calls.Batch, calls.Digests)
	if calls.Single+calls.Batch >= n || calls.Batch == 0 {
		t.Errorf("%d single + %d batch Transit requests for %d concurrent signatures, want batches and fewer requests", calls.Single, calls.Batch, n)
	}
	if calls.Single+calls.Digests != n {
		t.Errorf("%d signed alone + %d in batches, want %d", calls.Single, calls.Digests, n)
	}
}

// TestCoalesceUnchecked: signatures of a Signer and of its Unchecked view
// share coalesced Transit requests, and every one of them is good.
func TestCoalesceUnchecked(t *testing.T) {
	m, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t), Coalesce: true})
	if err != nil {
		t.Fatal(err)
	}
	s := newSigner(t, m, "coalesced", keys.RSA2048)
	u := s.Unchecked().(interface {
		SignContext(context.Context, []byte, crypto.SignerOpts) ([]byte, error)
	})
	const n = 48
	sigs, errs, digests := make([][]byte, n), make([]error, n), make([][]byte, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		digests[i] = digestOf(crypto.SHA256, fmt.Sprintf("văn bản %d", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%2 == 0 {
				sigs[i], errs[i] = s.SignContext(context.Background(), digests[i], crypto.SHA256)
			} else {
				sigs[i], errs[i] = u.SignContext(context.Background(), digests[i], crypto.SHA256)
			}
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("signature %d: %v", i, errs[i])
		} else if err := verify(s.Public(), digests[i], sigs[i], crypto.SHA256); err != nil {
			t.Errorf("signature %d does not verify: %v", i, err)
		}
	}
	if calls := m.SignCalls(); calls.Batch == 0 {
		t.Errorf("%d concurrent signatures in %d single requests and no batch", n, calls.Single)
	}
}

// TestCoalesceCanceled: a caller that gives up while queued gets its
// context's error; the others are signed.
func TestCoalesceCanceled(t *testing.T) {
	m, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t), Coalesce: true})
	if err != nil {
		t.Fatal(err)
	}
	s := newSigner(t, m, "coalesced", keys.ECDSAP256)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.SignContext(ctx, digestOf(crypto.SHA256, "x"), crypto.SHA256); err == nil {
		t.Error("a canceled context signed")
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.SignContext(context.Background(), digestOf(crypto.SHA256, fmt.Sprint(i)), crypto.SHA256)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("signature %d: %v", i, err)
		}
	}
}
