package pades_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/hostilepdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// Bounds every Sign of a hostile document must keep. The heap is sampled
// every 5 ms and counts garbage the collector has not reclaimed yet, which
// lags on a loaded machine: the largest case (50,000 fields, 2 MB) peaks at
// 260-330 MiB for some 440 MiB allocated in all, so the heap bound is
// 512 MiB; the allocation bound, which does not depend on timing, is what
// catches an allocation sized by a number in the file.
const (
	hostileTimeout = 10 * time.Second
	hostileHeap    = 512 << 20 // peak heap growth
	hostileAlloc   = 1 << 30   // bytes allocated in all
)

// TestHostileInput signs damaged and hostile PDFs: each must be refused
// (ErrInvalid or ErrUnsupported) without a panic, within hostileTimeout
// and without growing the heap by more than hostileHeap. digitorus/pdf
// v0.2.0 looped forever, overflowed the stack or exhausted memory on many
// of them; kyso builds a patched copy (third_party/digitorus-pdf).
func TestHostileInput(t *testing.T) {
	p := getPKI(t)
	s := pades.New(nil, nil)
	opts := pades.Options{Rect: [4]float64{10, 10, 100, 50}}

	// The documents the cases are built like must sign, so that each
	// case fails for its damage.
	for _, c := range hostilepdf.Controls() {
		t.Run("control "+c.Name, func(t *testing.T) {
			if _, err := signBounded(t, s, p.ec, c.PDF, opts); err != nil {
				t.Fatalf("Sign of a good document: %v", err)
			}
		})
	}

	for _, c := range hostilepdf.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			_, err := signBounded(t, s, p.ec, c.PDF, opts)
			if c.AnyOutcome {
				t.Logf("Sign: %v", err)
				return
			}
			if !errors.Is(err, pades.ErrInvalid) && !errors.Is(err, pades.ErrUnsupported) {
				t.Fatalf("Sign = %v, want ErrInvalid or ErrUnsupported", err)
			}
		})
	}
}

// signBounded signs in with cred, failing the test if Sign panics, does
// not return within hostileTimeout, grows the heap by more than
// hostileHeap at any time it is sampled, or writes output with an error.
func signBounded(t *testing.T, s *pades.Signer, cred model.Key, in []byte, opts pades.Options) ([]byte, error) {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, allocBase := ms.HeapAlloc, ms.TotalAlloc

	type result struct {
		out []byte
		err error
		pan any
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		var res result
		defer func() {
			res.pan = recover()
			done <- res
		}()
		var out bytes.Buffer
		_, res.err = s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, cred, opts)
		res.out = out.Bytes()
	}()

	var peak uint64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(hostileTimeout)
	defer deadline.Stop()
	for {
		select {
		case res := <-done:
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			t.Logf("%d bytes in: %v, heap peak +%d MiB, allocated %d MiB", len(in), time.Since(start).Round(time.Millisecond),
				int64(peak-min(peak, base))>>20, (ms.TotalAlloc-allocBase)>>20)
			if res.pan != nil {
				t.Fatalf("Sign panicked: %v", res.pan)
			}
			if peak > base && peak-base > hostileHeap {
				t.Fatalf("heap grew by %d MiB, limit %d MiB", (peak-base)>>20, hostileHeap>>20)
			}
			if a := ms.TotalAlloc - allocBase; a > hostileAlloc {
				t.Fatalf("allocated %d MiB, limit %d MiB", a>>20, hostileAlloc>>20)
			}
			if res.err != nil && len(res.out) != 0 {
				t.Fatalf("Sign failed (%v) but wrote %d bytes", res.err, len(res.out))
			}
			return res.out, res.err
		case <-tick.C:
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		case <-deadline.C:
			// The goroutine cannot be stopped; the test binary ends
			// with the failure.
			t.Fatalf("Sign did not return within %v (%d bytes in)", hostileTimeout, len(in))
		}
	}
}
