package signer

import (
	"context"
	"crypto"
	"errors"
	"io"
	"runtime"
	"slices"
	"testing"

	"github.com/kyso-vn/kyso/signer/cms"
)

// TestSlotsLowestIndexFirst: with every slot taken, released slots go to
// the waiting documents lowest index first, whatever order they began
// waiting in, and never to more documents than there are slots.
func TestSlotsLowestIndexFirst(t *testing.T) {
	s := newSlots(2)
	s.acquire(0)
	s.acquire(1)
	got := make(chan int)
	waiters := []int{7, 3, 9, 5}
	for _, i := range waiters {
		go func() {
			s.acquire(i)
			got <- i
		}()
		// Wait until it is queued, so the queue order is the one above.
		for !s.isWaiting(i) {
			runtime.Gosched()
		}
	}
	var order []int
	for range waiters {
		s.release()
		order = append(order, <-got)
	}
	if want := []int{3, 5, 7, 9}; !slices.Equal(order, want) {
		t.Errorf("slots went to documents %v, want %v", order, want)
	}
	// Two slots were taken and four handed over: both are still taken.
	s.mu.Lock()
	free := s.free
	s.mu.Unlock()
	if free != 0 {
		t.Errorf("free slots = %d, want 0", free)
	}
	s.release()
	s.release()
	if s.free != 2 {
		t.Errorf("free slots after releasing all = %d, want 2", s.free)
	}
}

// isWaiting reports whether document index waits for a slot.
func (s *slots) isWaiting(index int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.waiting {
		if w.index == index {
			return true
		}
	}
	return false
}

// promisingBatch is a batch signer that claims to verify its signatures.
type promisingBatch struct{ promise bool }

func (promisingBatch) SignBatch(context.Context, [][]byte, crypto.SignerOpts) ([][]byte, error) {
	return nil, nil
}
func (p promisingBatch) VerifiesOwnSignatures() bool { return p.promise }

// TestDocSignerPassesOnThePromise: a batch document's signer promises
// cms that its signatures are verified exactly when the batch signer
// behind the coalescer does.
func TestDocSignerPassesOnThePromise(t *testing.T) {
	for _, tc := range []struct {
		bs   cms.BatchSigner
		want bool
	}{{promisingBatch{true}, true}, {promisingBatch{false}, false}, {noPromiseBatch{}, false}} {
		d := &docSigner{co: newCoalescer(nil, tc.bs, 1), slots: newSlots(1)}
		if got := d.VerifiesOwnSignatures(); got != tc.want {
			t.Errorf("docSigner over %T%+v: VerifiesOwnSignatures = %t, want %t", tc.bs, tc.bs, got, tc.want)
		}
	}
}

// noPromiseBatch makes no promise at all.
type noPromiseBatch struct{}

func (noPromiseBatch) SignBatch(context.Context, [][]byte, crypto.SignerOpts) ([][]byte, error) {
	return nil, nil
}

// countingBatch signs nothing, counts its calls, and has an Unchecked view
// (as keys.Signer has) that counts its own.
type countingBatch struct {
	promisingBatch
	checked, unchecked *int
}

func (b countingBatch) SignBatch(_ context.Context, digests [][]byte, _ crypto.SignerOpts) ([][]byte, error) {
	*b.checked++
	return make([][]byte, len(digests)), nil
}

func (b countingBatch) Unchecked() crypto.Signer { return uncheckedBatch(b) }

type uncheckedBatch countingBatch

func (uncheckedBatch) Public() crypto.PublicKey { return nil }
func (uncheckedBatch) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("not a single signer")
}
func (b uncheckedBatch) SignBatch(_ context.Context, digests [][]byte, _ crypto.SignerOpts) ([][]byte, error) {
	*b.unchecked++
	return make([][]byte, len(digests)), nil
}

// TestDocSignerUnchecked: a round whose every document asked through
// docSigner.Unchecked (pades, which verifies each signature itself, does
// through signer/cms) goes to the batch signer's Unchecked view; a round
// with one document that did not goes to the batch signer itself. The
// Unchecked view makes no promise to cms.
func TestDocSignerUnchecked(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		unchecked                  []bool
		wantChecked, wantUnchecked int
	}{
		{"all unchecked", []bool{true, true, true}, 0, 1},
		{"one checked", []bool{true, false, true}, 1, 0},
		{"all checked", []bool{false, false}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs := countingBatch{promisingBatch{true}, new(int), new(int)}
			co := newCoalescer(nil, bs, len(tc.unchecked))
			sl := newSlots(len(tc.unchecked))
			errs := make(chan error, len(tc.unchecked))
			for i, u := range tc.unchecked {
				sl.acquire(i)
				var s crypto.Signer = &docSigner{co: co, slots: sl, index: i}
				if u {
					s = s.(*docSigner).Unchecked()
					if s.(*docSigner).VerifiesOwnSignatures() {
						t.Error("docSigner.Unchecked() promises to verify its signatures")
					}
				}
				go func() {
					_, err := s.(*docSigner).SignContext(context.Background(), make([]byte, 32), crypto.SHA256)
					errs <- err
				}()
			}
			for range tc.unchecked {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if *bs.checked != tc.wantChecked || *bs.unchecked != tc.wantUnchecked {
				t.Errorf("batch signer called %d times, its Unchecked view %d; want %d and %d", *bs.checked, *bs.unchecked, tc.wantChecked, tc.wantUnchecked)
			}
		})
	}
}
