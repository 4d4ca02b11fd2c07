package tsa

import (
	"math/big"
	"testing"
	"time"
)

// TestSerialsNext checks the serial layout and its ordering guard: clock
// standing still, stepping back and the sequence running out.
func TestSerialsNext(t *testing.T) {
	base := time.Unix(1_800_000_000, 500)
	s := &serials{node: 0xdeadbeef}

	first := s.next(base)
	want := new(big.Int).Lsh(new(big.Int).SetInt64(base.UnixNano()), 48)
	want.Or(want, big.NewInt(0xdeadbeef<<16))
	if first.Cmp(want) != 0 {
		t.Fatalf("next(%v) = %x, want %x", base, first, want)
	}
	if first.BitLen() > serialBits || serialBits > 160 {
		t.Fatalf("serial of %d bits, limit %d (RFC 3161 allows 160)", first.BitLen(), serialBits)
	}

	prev := first
	check := func(step string, got *big.Int) {
		t.Helper()
		if got.Cmp(prev) <= 0 {
			t.Fatalf("%s: serial %x not above previous %x", step, got, prev)
		}
		if node := new(big.Int).Rsh(got, 16).Uint64() & 0xffffffff; node != 0xdeadbeef {
			t.Fatalf("%s: node component %x, want deadbeef", step, node)
		}
		prev = got
	}
	check("same instant", s.next(base))
	check("clock back", s.next(base.Add(-time.Hour)))
	for i := 0; i < maxSeq+5; i++ { // runs through the sequence
		check("clock stuck", s.next(base))
	}
	if s.t <= uint64(base.UnixNano()) {
		t.Errorf("time component %d did not move past %d when seq ran out", s.t, base.UnixNano())
	}
	check("clock forward", s.next(base.Add(time.Second)))
	if s.seq != 0 || s.t != uint64(base.Add(time.Second).UnixNano()) {
		t.Errorf("after the clock moved on: t=%d seq=%d, want t=clock, seq=0", s.t, s.seq)
	}
	if got := (&serials{}).next(time.Unix(-10, 0)); got.Sign() <= 0 {
		t.Errorf("next(before 1970) = %v, want positive", got)
	}
}
