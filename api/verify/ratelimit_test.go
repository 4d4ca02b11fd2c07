package verify

import (
	"net/netip"
	"testing"
	"time"
)

func TestIPLimiter(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	l := newIPLimiter(60, 2) // one per second, bursts of 2
	l.now = func() time.Time { return now }
	a := netip.MustParseAddr("203.0.113.7")
	for i := range 2 {
		if ok, _ := l.allow(a); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	if ok, retry := l.allow(a); ok || retry != 1 {
		t.Fatalf("third request = %v, retry %d; want refused, retry 1", ok, retry)
	}
	// A refused request does not consume a token: after one second one
	// request passes again.
	now = now.Add(time.Second)
	if ok, _ := l.allow(a); !ok {
		t.Fatal("refused after the refill time")
	}

	// IPv6 clients share a bucket per /64; another /64 has its own.
	v6a, v6b, v6c := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9"), netip.MustParseAddr("2001:db8:1:3::1")
	l.allow(v6a)
	l.allow(v6b)
	if ok, _ := l.allow(v6a); ok {
		t.Error("a third request from the same /64 passed")
	}
	if ok, _ := l.allow(v6c); !ok {
		t.Error("another /64 was limited")
	}
	// An IPv4-mapped IPv6 address is the IPv4 client.
	if ok, _ := l.allow(netip.MustParseAddr("::ffff:203.0.113.7")); ok {
		t.Error("the IPv4-mapped form escaped the IPv4 client's bucket")
	}

	// Idle buckets are forgotten once they would be full again.
	now = now.Add(time.Hour)
	l.allow(netip.MustParseAddr("192.0.2.1"))
	if n := len(l.buckets); n != 1 {
		t.Errorf("%d buckets after an hour, want 1", n)
	}
}

func TestIPLimiterBounded(t *testing.T) {
	l := newIPLimiter(1, 1)
	base := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	step := 0
	l.now = func() time.Time { return base.Add(time.Duration(step) * time.Millisecond) }
	for step = 0; step < maxBuckets+10; step++ {
		var b [4]byte
		b[0], b[1], b[2], b[3] = 10, byte(step>>16), byte(step>>8), byte(step)
		l.allow(netip.AddrFrom4(b))
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("%d buckets, want at most %d", n, maxBuckets)
	}
}

func TestIPLimiterDisabled(t *testing.T) {
	l := newIPLimiter(-1, 0)
	for range 1000 {
		if ok, _ := l.allow(netip.MustParseAddr("192.0.2.1")); !ok {
			t.Fatal("a disabled limiter refused a request")
		}
	}
}
