package keys

import (
	"context"
	"crypto"
	"crypto/rsa"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Coalescing: with Config.Coalesce, concurrent SignContext calls for the
// same key version share Transit requests. A call signs at once, alone,
// while fewer than coalesceInFlight requests for its key are at Vault;
// otherwise it queues, and the next request to finish takes the whole
// queue (up to coalesceMax digests, grouped by signature options) to Vault
// as one batch_input call. Under light load nothing waits and nothing
// changes; under a burst, N concurrent signatures cost a few Vault round
// trips instead of N, which spares Vault its per-request work (token and
// policy checks, HTTP, JSON) and kyso its connections.
const (
	// coalesceInFlight bounds the Transit sign requests per key version
	// at Vault at once (Vault signs one batch's items one after another;
	// a few requests in parallel use its cores).
	coalesceInFlight = 4
	// coalesceMax bounds the digests of one coalesced request.
	coalesceMax = 64
)

// SignCalls counts the Transit sign requests a Manager made.
type SignCalls struct {
	Single, Batch int64 // requests
	Digests       int64 // digests signed by batch requests
}

type signCounters struct{ single, batch, digests atomic.Int64 }

// SignCalls returns how many Transit sign requests the Manager made: for
// metrics and for tests of coalescing.
func (m *Manager) SignCalls() SignCalls {
	return SignCalls{Single: m.calls.single.Load(), Batch: m.calls.batch.Load(), Digests: m.calls.digests.Load()}
}

// batcher is the coalescing queue of one key version.
type batcher struct {
	s *Signer

	mu       sync.Mutex
	inFlight int
	queue    []*queued
}

type queued struct {
	ctx context.Context
	// deadline is when the Manager's timeout, counted from joining the
	// queue, runs out: a queued signature never waits longer for Vault
	// than one sent alone would.
	deadline time.Time
	digest   []byte
	opts     crypto.SignerOpts
	check    bool // verify the signature (Signer.Unchecked's do not)
	sig      []byte
	err      error
	done     chan struct{}
}

func (m *Manager) batcherFor(s *Signer) *batcher {
	k := s.name + "@" + strconv.Itoa(s.version)
	if b, ok := m.batchers.Load(k); ok {
		return b.(*batcher)
	}
	b, _ := m.batchers.LoadOrStore(k, &batcher{s: s})
	return b.(*batcher)
}

// sign signs digest, alone or in a coalesced batch, verifying the
// signature if check.
func (b *batcher) sign(ctx context.Context, digest []byte, opts crypto.SignerOpts, check bool) ([]byte, error) {
	b.mu.Lock()
	if b.inFlight < coalesceInFlight {
		b.inFlight++
		b.mu.Unlock()
		sig, err := b.s.signOne(ctx, digest, opts, check)
		b.next()
		return sig, err
	}
	q := &queued{ctx: ctx, deadline: time.Now().Add(b.s.m.timeout), digest: digest, opts: opts, check: check, done: make(chan struct{})}
	b.queue = append(b.queue, q)
	b.mu.Unlock()
	timer := time.NewTimer(time.Until(q.deadline))
	defer timer.Stop()
	select {
	case <-q.done:
		return q.sig, q.err
	case <-ctx.Done():
		// The batch may still sign it; the signature is dropped. A
		// deadline is Vault not answering in the caller's time, as for a
		// signature sent alone (classify); a cancellation stays one.
		return nil, b.s.errorf("%w", classify(ctx, ctx.Err()))
	case <-timer.C:
		// Vault has not answered the requests ahead within the timeout.
		return nil, b.s.errorf("%w", &vaultError{ErrUnavailable, context.DeadlineExceeded})
	}
}

// next is called when a request of this key finishes: it sends the queue
// as the next batch, or frees the slot.
func (b *batcher) next() {
	b.mu.Lock()
	if len(b.queue) == 0 {
		b.inFlight--
		b.mu.Unlock()
		return
	}
	round := b.queue[:min(len(b.queue), coalesceMax)]
	b.queue = b.queue[len(round):]
	b.mu.Unlock()
	// The slot passes to the batch; the caller returns at once.
	go func() {
		b.signRound(round)
		b.next()
	}()
}

// signRound signs a round, one batch request per distinct signature
// options. The request runs without the callers' cancellation (one caller
// giving up must not fail the others) until the earliest deadline of its
// members, so no queued signature waits beyond the Manager's timeout.
func (b *batcher) signRound(round []*queued) {
	for len(round) > 0 {
		var same, rest []*queued
		for _, q := range round {
			if sameSignerOpts(q.opts, round[0].opts) {
				same = append(same, q)
			} else {
				rest = append(rest, q)
			}
		}
		round = rest
		var live []*queued
		var deadline time.Time
		for _, q := range same {
			if q.ctx.Err() != nil || !time.Now().Before(q.deadline) {
				// Its caller has gone or stopped waiting.
				q.err = context.DeadlineExceeded
				close(q.done)
				continue
			}
			if deadline.IsZero() || q.deadline.Before(deadline) {
				deadline = q.deadline
			}
			live = append(live, q)
		}
		if len(live) == 0 {
			continue
		}
		// The request gets what is left of its most hurried member's time.
		ctx, cancel := context.WithDeadline(context.WithoutCancel(live[0].ctx), deadline)
		digests := make([][]byte, len(live))
		check := make([]bool, len(live))
		for i, q := range live {
			digests[i], check[i] = q.digest, q.check
		}
		var sigs [][]byte
		var err error
		if len(live) == 1 {
			var sig []byte
			sig, err = b.s.signOne(ctx, live[0].digest, live[0].opts, live[0].check)
			sigs = [][]byte{sig}
		} else {
			sigs, err = b.s.signBatch(ctx, digests, live[0].opts, check)
		}
		cancel()
		for i, q := range live {
			if err != nil {
				q.err = err
			} else {
				q.sig = sigs[i]
			}
			close(q.done)
		}
	}
}

// sameSignerOpts reports whether two requests can share one Transit call:
// same hash, same scheme, same PSS salt length.
func sameSignerOpts(a, b crypto.SignerOpts) bool {
	if a.HashFunc() != b.HashFunc() {
		return false
	}
	pa, aPSS := a.(*rsa.PSSOptions)
	pb, bPSS := b.(*rsa.PSSOptions)
	return aPSS == bPSS && (!aPSS || pa.SaltLength == pb.SaltLength)
}
