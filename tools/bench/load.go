package main

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// op is one unit of work: a request, a process, a signature. It returns how
// many documents (or signatures) it completed.
type op func(ctx context.Context) (int, error)

// run is what a load run observed.
type run struct {
	ops     int
	docs    int
	lat     []time.Duration // one per successful op
	errs    map[string]int  // error text → count
	elapsed time.Duration
}

func (r *run) add(o run) {
	r.ops += o.ops
	r.docs += o.docs
	r.lat = append(r.lat, o.lat...)
	for k, v := range o.errs {
		if r.errs == nil {
			r.errs = map[string]int{}
		}
		r.errs[k] += v
	}
	r.elapsed += o.elapsed
}

func (r *run) record(n int, d time.Duration, err error) {
	r.ops++
	if err != nil {
		if r.errs == nil {
			r.errs = map[string]int{}
		}
		r.errs[err.Error()]++
		return
	}
	r.docs += n
	r.lat = append(r.lat, d)
}

func (r *run) failed() int {
	n := 0
	for _, v := range r.errs {
		n += v
	}
	return n
}

// closedLoop runs f in conc workers, each starting a new op as soon as its
// last one ends, until dur has passed or, when dur is 0, until count ops have
// started. The elapsed time runs until the last op ends.
func closedLoop(ctx context.Context, conc int, dur time.Duration, count int, f op) (run, error) {
	var (
		mu      sync.Mutex
		total   run
		wg      sync.WaitGroup
		started int
	)
	start := time.Now()
	deadline := start.Add(dur)
	next := func() bool {
		if ctx.Err() != nil {
			return false
		}
		if dur > 0 {
			return time.Now().Before(deadline)
		}
		mu.Lock()
		defer mu.Unlock()
		if started >= count {
			return false
		}
		started++
		return true
	}
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine run
			for next() {
				t0 := time.Now()
				n, err := f(ctx)
				if ctx.Err() != nil {
					break
				}
				mine.record(n, time.Since(t0), err)
			}
			mu.Lock()
			total.add(mine)
			mu.Unlock()
		}()
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return total, err
	}
	return total, nil
}

// openLoop starts f at a fixed rate (per second) for dur, whatever the
// previous ops are doing, with at most maxInFlight at once. Latency counts
// from the time each op was due, so a stalled server is not hidden by a
// client that waited for it (coordinated omission).
func openLoop(ctx context.Context, rate float64, dur time.Duration, maxInFlight int, f op) (run, error) {
	var (
		mu    sync.Mutex
		total run
	)
	elapsed, err := paced(ctx, rate, dur, maxInFlight, func(ctx context.Context, _ int, due time.Time) {
		n, err := f(ctx)
		d := time.Since(due)
		mu.Lock()
		total.record(n, d, err)
		mu.Unlock()
	})
	total.elapsed = elapsed
	return total, err
}

// paced calls f(ctx, i, due) for i = 0, 1, … at a fixed rate (per second),
// each in its own goroutine, the i-th at start + i/rate, for dur, with at
// most maxInFlight calls at once: when they are all busy the next call
// waits, late, and its due time says how late. It returns when the last
// call has returned: the time since start and ctx's error.
func paced(ctx context.Context, rate float64, dur time.Duration, maxInFlight int, f func(ctx context.Context, i int, due time.Time)) (time.Duration, error) {
	if rate <= 0 {
		return 0, errors.New("open loop: rate must be positive")
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxInFlight)
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
loop:
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= dur {
			break
		}
		timer.Reset(time.Until(due))
		select {
		case <-ctx.Done():
			break loop
		case <-timer.C:
		}
		select {
		case <-ctx.Done():
			break loop
		case slots <- struct{}{}:
		}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			defer func() { <-slots }()
			f(ctx, i, due)
		}(i, due)
	}
	wg.Wait()
	return time.Since(start), ctx.Err()
}

// latencyStats are the mean and percentiles of a run's latencies.
type latencyStats struct {
	mean, p50, p95, p99 time.Duration
}

func stats(lat []time.Duration) latencyStats {
	if len(lat) == 0 {
		return latencyStats{}
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return latencyStats{
		mean: sum / time.Duration(len(s)),
		p50:  percentile(s, 50),
		p95:  percentile(s, 95),
		p99:  percentile(s, 99),
	}
}

// percentile returns the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}
