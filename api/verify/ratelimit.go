package verify

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter is a token bucket per client address for the public endpoints.
// IPv6 clients are limited per /64, the block one subscriber normally
// holds. Buckets idle for longer than it takes to refill are forgotten, so
// the table stays as small as the set of recently active clients.
type ipLimiter struct {
	every rate.Limit // tokens per second; rate.Inf disables the limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
	swept   time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

// maxBuckets bounds the table; beyond it the oldest half is dropped at once
// (a flood from many addresses resets their buckets rather than growing
// memory).
const maxBuckets = 100_000

func newIPLimiter(perMinute float64, burst int) *ipLimiter {
	l := &ipLimiter{burst: burst, now: time.Now, buckets: map[netip.Addr]*bucket{}}
	if perMinute <= 0 {
		l.every = rate.Inf
	} else {
		l.every = rate.Limit(perMinute / 60)
	}
	if l.burst < 1 {
		l.burst = 1
	}
	return l
}

// limitKey is the key of addr in per-client tables: the address, or its
// /64 for IPv6.
func limitKey(addr netip.Addr) netip.Addr {
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			addr = p.Addr()
		}
	}
	return addr
}

// allow takes a token for addr; when none is left it returns false and the
// seconds after which one will be.
func (l *ipLimiter) allow(addr netip.Addr) (bool, int) {
	if l.every == rate.Inf {
		return true, 0
	}
	addr = limitKey(addr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[addr]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(l.every, l.burst)}
		l.buckets[addr] = b
	}
	b.seen = now
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, int(math.Ceil(d.Seconds()))
	}
	return true, 0
}

// sweep forgets buckets that have refilled completely.
func (l *ipLimiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
	if len(l.buckets) < maxBuckets && now.Sub(l.swept) < full {
		return
	}
	l.swept = now
	for a, b := range l.buckets {
		if now.Sub(b.seen) >= full {
			delete(l.buckets, a)
		}
	}
	if len(l.buckets) >= maxBuckets {
		cut := l.oldestHalfCutoff()
		for a, b := range l.buckets {
			if !b.seen.After(cut) {
				delete(l.buckets, a)
			}
		}
	}
}

func (l *ipLimiter) oldestHalfCutoff() time.Time {
	var lo, hi time.Time
	for _, b := range l.buckets {
		if lo.IsZero() || b.seen.Before(lo) {
			lo = b.seen
		}
		if b.seen.After(hi) {
			hi = b.seen
		}
	}
	return lo.Add(hi.Sub(lo) / 2)
}
