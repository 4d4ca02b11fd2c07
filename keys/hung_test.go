package keys_test

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
)

// TestCoalesceQueuedVaultHung: with Vault hung (SIGSTOP: it accepts
// connections and answers nothing), a signature waiting in the coalescing
// queue whose request runs out of time gets ErrUnavailable, as one sent
// alone does, not the bare context error that the API would render as an
// internal error. Once Vault runs again, the signatures that were out
// complete.
func TestCoalesceQueuedVaultHung(t *testing.T) {
	bin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	v, err := devvault.Start(context.Background(), devvault.Config{Bin: bin, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Stop() })
	c, err := v.Client()
	if err != nil {
		t.Fatal(err)
	}
	m, err := keys.New(c, keys.Config{Mount: v.Mount, Coalesce: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	s := newSigner(t, m, "hung", keys.ECDSAP256)

	pid := v.PID()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	waitFor(t, 5*time.Second, "every thread of Vault stopped", func() bool { return devvault.AllThreadsStopped(pid) })

	// Fill the in-flight slots with requests that wait for Vault, until
	// one is queued behind them.
	var wg sync.WaitGroup
	outErrs := make([]error, 0, 8)
	var mu sync.Mutex
	for i := 0; m.Queued(s) == 0; i++ {
		if i >= 64 {
			t.Fatal("no signature was queued: coalescing is off?")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.SignContext(context.Background(), digestOf(crypto.SHA256, fmt.Sprint(i)), crypto.SHA256)
			mu.Lock()
			outErrs = append(outErrs, err)
			mu.Unlock()
		}()
		waitFor(t, 5*time.Second, "the request sent or queued", func() bool { return m.InFlight(s)+m.Queued(s) == i+1 })
	}
	// One more, queued, whose caller gives up first.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = s.SignContext(ctx, digestOf(crypto.SHA256, "queued"), crypto.SHA256)
	if !errors.Is(err, keys.ErrUnavailable) {
		t.Errorf("a queued signature whose request ran out of time with Vault hung = %v, want ErrUnavailable", err)
	}

	resume()
	wg.Wait()
	for i, err := range outErrs {
		if err != nil {
			t.Errorf("signature %d, waiting when Vault resumed: %v", i, err)
		}
	}
}

// waitFor waits until cond holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
