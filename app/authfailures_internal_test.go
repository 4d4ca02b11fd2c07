package app

import (
	"testing"
	"time"
)

// TestAuthFailureIntervals: per kind and address, the first rejection of
// an interval is an event at once, the others of the interval one
// aggregate event with their count once the interval is over — with the
// next rejection of that address, or of any other.
func TestAuthFailureIntervals(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	a := NewAuthFailures(nil)
	a.now = func() time.Time { return now }
	type want struct {
		firsts, aggregates, count int
	}
	check := func(step string, n int, kind, remote string, w want) {
		t.Helper()
		var got want
		for range n {
			for _, e := range a.note(kind, remote, "/v1/certificates", nil) {
				if e.Details["aggregated"] == true {
					got.aggregates++
					got.count += e.Details["count"].(int)
				} else {
					got.firsts++
				}
			}
		}
		if got != w {
			t.Errorf("%s: events %+v, want %+v", step, got, w)
		}
	}
	check("first minute, one address", 50, "admin", "192.0.2.1", want{firsts: 1})
	check("first minute, another kind", 3, "client", "192.0.2.1", want{firsts: 1})
	now = now.Add(30 * time.Second)
	check("same minute", 10, "admin", "192.0.2.1", want{})
	now = now.Add(31 * time.Second)
	// The admin interval is over: its 59 further rejections are one
	// aggregate, the client kind's 2 another (the sweep), and this
	// rejection opens a new interval.
	check("next minute", 1, "admin", "192.0.2.1", want{firsts: 1, aggregates: 2, count: 59 + 2})
	now = now.Add(61 * time.Second)
	check("a minute later, another address", 1, "admin", "198.51.100.4", want{firsts: 1})
	if len(a.aggs) != 1 {
		t.Errorf("%d intervals tracked, want 1 (the others were over and had nothing to record)", len(a.aggs))
	}
}
