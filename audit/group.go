package audit

import (
	"context"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// Group commit: records appended while another append is at the store
// wait for it to finish and then go to the store together, in one
// transaction (store.AppendAudits). Under light load a record is appended
// alone at once; under a burst of signatures, N records cost a few
// commits instead of N, each commit being a synchronous write of the
// database's journal. Every caller still returns only after its own record
// is committed, with that commit's error.

// groupMax bounds the records of one group commit.
const groupMax = 256

// groupWait bounds how long a queued record waits for the append ahead of
// it when its caller's context has no deadline of its own.
const groupWait = 30 * time.Second

type appender struct {
	mu    sync.Mutex
	busy  bool // an append is at the store
	queue []*queuedRecord
}

type queuedRecord struct {
	ctx  context.Context
	rec  *store.AuditRecord
	err  error
	done chan struct{}
}

// append appends rec, alone or with the records queued meanwhile.
func (l *Log) append(ctx context.Context, rec *store.AuditRecord) error {
	a := &l.appender
	a.mu.Lock()
	if !a.busy {
		a.busy = true
		a.mu.Unlock()
		err := l.store.AppendAudit(ctx, rec, Hash)
		l.next()
		return err
	}
	q := &queuedRecord{ctx: ctx, rec: rec, done: make(chan struct{})}
	a.queue = append(a.queue, q)
	a.mu.Unlock()
	select {
	case <-q.done:
		return q.err
	case <-ctx.Done():
		// The group may still commit it: the record is then in the log
		// although its caller reports a failure, which is what an audit
		// log may show (an attempt), never the reverse.
		return ctx.Err()
	}
}

// next is called when an append finishes: it sends the queue to the store
// as the next group, or marks the appender idle.
func (l *Log) next() {
	a := &l.appender
	a.mu.Lock()
	if len(a.queue) == 0 {
		a.busy = false
		a.mu.Unlock()
		return
	}
	group := a.queue[:min(len(a.queue), groupMax)]
	a.queue = a.queue[len(group):]
	a.mu.Unlock()
	// The turn passes to the group; the caller returns at once.
	go func() {
		l.appendGroup(group)
		l.next()
	}()
}

// appendGroup commits the records of group whose callers still wait, in
// queue order, in one transaction. It runs without the callers'
// cancellation (one caller giving up must not fail the others) until the
// earliest deadline among them.
func (l *Log) appendGroup(group []*queuedRecord) {
	var live []*queuedRecord
	var deadline time.Time
	for _, q := range group {
		if err := q.ctx.Err(); err != nil {
			q.err = err
			close(q.done)
			continue
		}
		d, ok := q.ctx.Deadline()
		if !ok {
			d = time.Now().Add(groupWait)
		}
		if deadline.IsZero() || d.Before(deadline) {
			deadline = d
		}
		live = append(live, q)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithDeadline(context.WithoutCancel(live[0].ctx), deadline)
	defer cancel()
	var err error
	if len(live) == 1 {
		err = l.store.AppendAudit(ctx, live[0].rec, Hash)
	} else {
		recs := make([]*store.AuditRecord, len(live))
		for i, q := range live {
			recs[i] = q.rec
		}
		err = l.store.AppendAudits(ctx, recs, Hash)
	}
	for _, q := range live {
		q.err = err
		close(q.done)
	}
}
