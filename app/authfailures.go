package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/audit"
)

// The audit log records rejected credentials, but not one hash-chained row
// each: a client that sends thousands of bad keys would otherwise grow the
// log (and its verification) by thousands of rows a minute. The first
// rejection of a kind (admin, client, client-certificate) from an address
// in an interval is recorded at once, as before; the further ones in that
// interval are counted and recorded as one row when the interval is over
// (details: count, first and last time, aggregated: true). Metrics and the
// access log still see every one.

// authFailureInterval is the interval of aggregation.
const authFailureInterval = time.Minute

// maxAuthFailureKeys bounds the addresses tracked at once; beyond it the
// failures of new addresses are counted together (remote "various").
const maxAuthFailureKeys = 10_000

type authFailureKey struct {
	kind, remote string
}

type authFailureAgg struct {
	start, last time.Time
	count       int // rejections after the first of the interval, not yet recorded
	path        string
}

// AuthFailures records rejected credentials in the audit log, aggregated
// per kind and address as above.
type AuthFailures struct {
	audit    Auditor // nil: nothing is recorded
	now      func() time.Time
	interval time.Duration

	mu    sync.Mutex
	aggs  map[authFailureKey]*authFailureAgg
	swept time.Time // last sweep: at most one a second, the table may be large
}

// NewAuthFailures records rejected credentials in a; nil a records none.
func NewAuthFailures(a Auditor) *AuthFailures {
	return &AuthFailures{audit: a, now: time.Now, interval: authFailureInterval, aggs: map[authFailureKey]*authFailureAgg{}}
}

// note counts a rejection. It returns the events to record now: the
// rejection itself if it is the first of its interval, and the aggregates
// of intervals that are over.
func (a *AuthFailures) note(kind, remote, path string, extra map[string]any) []AuditEvent {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []AuditEvent
	if now.Sub(a.swept) >= time.Second {
		out = a.sweep(now, false)
	}
	k := authFailureKey{kind, remote}
	if _, ok := a.aggs[k]; !ok && len(a.aggs) >= maxAuthFailureKeys {
		k.remote = "various"
	}
	if g, ok := a.aggs[k]; ok {
		if now.Sub(g.start) < a.interval {
			g.count++
			g.last, g.path = now, path
			return out
		}
		// Its interval is over (and not swept yet): close it first.
		delete(a.aggs, k)
		if g.count > 0 {
			out = append(out, aggregateEvent(k, g))
		}
	}
	a.aggs[k] = &authFailureAgg{start: now, last: now}
	d := map[string]any{"path": path, "remote": remote}
	for key, v := range extra {
		d[key] = v
	}
	return append(out, AuditEvent{Actor: "anonymous", Action: audit.ActionAuthFailure, Target: kind, Details: d})
}

// sweep removes the intervals that are over (all of them with force) and
// returns the aggregates to record. a.mu is held.
func (a *AuthFailures) sweep(now time.Time, force bool) []AuditEvent {
	a.swept = now
	var out []AuditEvent
	for k, g := range a.aggs {
		if !force && now.Sub(g.start) < a.interval {
			continue
		}
		delete(a.aggs, k)
		if g.count > 0 {
			out = append(out, aggregateEvent(k, g))
		}
	}
	return out
}

// aggregateEvent is the audit record of the rejections counted in g.
func aggregateEvent(k authFailureKey, g *authFailureAgg) AuditEvent {
	return AuditEvent{Actor: "anonymous", Action: audit.ActionAuthFailure, Target: k.kind,
		Details: map[string]any{"remote": k.remote, "path": g.path, "aggregated": true, "count": g.count,
			"first": g.start.UTC().Format(time.RFC3339Nano), "last": g.last.UTC().Format(time.RFC3339Nano)}}
}

// Record notes a credential of kind (admin, client, client-certificate)
// rejected from remote on path, with extra details, and records what is
// due. The credential itself is never recorded. An error is a record that
// failed; the others are still written.
func (a *AuthFailures) Record(ctx context.Context, kind, remote, path string, extra map[string]any) error {
	if a.audit == nil {
		return nil
	}
	var errs []error
	for _, e := range a.note(kind, remote, path, extra) {
		if err := a.audit.Record(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Flush records the counts of rejected credentials not yet in the audit
// log, whatever their interval. kyso calls it on shutdown; the counts of
// intervals that are over are also recorded with the next rejection.
func (a *AuthFailures) Flush(ctx context.Context) error {
	if a.audit == nil {
		return nil
	}
	a.mu.Lock()
	events := a.sweep(a.now(), true)
	a.mu.Unlock()
	for _, e := range events {
		if err := a.audit.Record(ctx, e); err != nil {
			return err
		}
	}
	return nil
}
