package cluster

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// observation is one /readyz answer or one probe signature of a node.
type observation struct {
	start, end time.Time
	sign       bool // a signature; else a /readyz
	ok         bool // 200
	down       bool // no answer at all (the process is gone)
	what       string
}

// watcher polls a node's /readyz and, after each, signs a document on that
// node, every interval, and keeps what it saw.
type watcher struct {
	node *kysoNode
	mu   sync.Mutex
	obs  []observation
}

func (e *env) watch(ctx context.Context, s signer, interval time.Duration) []*watcher {
	var ws []*watcher
	client := &http.Client{Timeout: 6 * time.Second}
	for _, n := range e.nodes {
		w := &watcher{node: n}
		ws = append(ws, w)
		go func() {
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				t0 := time.Now()
				code := n.readyz(client)
				w.add(observation{start: t0, end: time.Now(), ok: code == http.StatusOK, down: code == 0, what: fmt.Sprint(code)})
				t1 := time.Now()
				a := e.sign(ctx, n, s, document(1_000_000+i), "")
				if ctx.Err() != nil {
					return
				}
				w.add(observation{start: t1, end: time.Now(), sign: true, ok: a.status == http.StatusOK, down: a.err != nil, what: a.String()})
			}
		}()
	}
	return ws
}

func (w *watcher) add(o observation) {
	w.mu.Lock()
	w.obs = append(w.obs, o)
	w.mu.Unlock()
}

// counts returns how many /readyz answers were not 200 and how many probe
// signatures failed, to show that the faults were seen.
func (w *watcher) counts() (unready, failed int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, o := range w.obs {
		switch {
		case o.ok:
		case o.sign:
			failed++
		default:
			unready++
		}
	}
	return unready, failed
}

// violations returns where the node's readiness did not say whether it
// could sign: within a run of failed signatures, a 200 from /readyz asked
// more than window after the first failure and answered before the last
// one started ("ready, but cannot sign"); within a run of successful
// signatures, a 503 asked more than window after the first success and
// answered before the last one started ("not ready, but signs"). It also
// returns how many readiness answers and signatures it judged.
func (w *watcher) violations(window time.Duration) (out []string, readyz, signs int) {
	w.mu.Lock()
	obs := append([]observation{}, w.obs...)
	w.mu.Unlock()
	var runStart int = -1 // index of the first signature of the current run
	check := func(first, last int) {
		okRun := obs[first].ok
		from := obs[first].end.Add(window)
		until := obs[last].start
		for _, o := range obs[first:last] {
			if o.sign || o.down || o.start.Before(from) || o.end.After(until) {
				continue
			}
			if okRun && !o.ok {
				out = append(out, fmt.Sprintf("%s: /readyz %s at %s, although it signed from %s to %s",
					w.node.name, o.what, o.start.Format("15:04:05.000"), obs[first].end.Format("15:04:05.000"), obs[last].end.Format("15:04:05.000")))
			}
			if !okRun && o.ok {
				out = append(out, fmt.Sprintf("%s: /readyz 200 at %s, although its signatures failed from %s to %s (%s … %s)",
					w.node.name, o.start.Format("15:04:05.000"), obs[first].end.Format("15:04:05.000"), obs[last].end.Format("15:04:05.000"),
					obs[first].what, obs[last].what))
			}
		}
	}
	last := -1
	for i, o := range obs {
		if !o.sign {
			readyz++
			continue
		}
		signs++
		if runStart >= 0 && obs[runStart].ok != o.ok {
			check(runStart, last)
			runStart = -1
		}
		if runStart < 0 {
			runStart = i
		}
		last = i
	}
	if runStart >= 0 {
		check(runStart, last)
	}
	return out, readyz, signs
}

// TestReadinessJudge feeds watcher.violations timelines whose readiness
// does and does not follow the node's signing.
func TestReadinessJudge(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	ready := func(sec float64, ok bool) observation {
		return observation{start: at(sec), end: at(sec + 0.01), ok: ok, what: map[bool]string{true: "200", false: "503"}[ok]}
	}
	sign := func(sec float64, ok bool) observation {
		return observation{start: at(sec), end: at(sec + 0.1), sign: true, ok: ok}
	}
	down := observation{start: at(5), end: at(5.01), down: true, what: "0"}
	tests := []struct {
		name string
		obs  []observation
		want int
	}{
		{"ready and signing", []observation{ready(0, true), sign(0.1, true), ready(5, true), sign(5.1, true)}, 0},
		{"unready within the window of a failure", []observation{sign(0, false), ready(1, true), sign(1.1, false), ready(2, false), sign(2.1, false)}, 0},
		{"ready long after signatures began to fail", []observation{sign(0, false), ready(1, false), sign(1.1, false), ready(4, true), sign(4.1, false)}, 1},
		{"ready again once it signs", []observation{sign(0, false), ready(1, false), sign(1.1, false), ready(4, true), sign(4.1, true)}, 0},
		{"unready long after it signs", []observation{sign(0, true), ready(4, false), sign(4.1, true)}, 1},
		{"down is not a readiness answer", []observation{sign(0, false), down, sign(5.1, false)}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &watcher{node: &kysoNode{name: "kyso-1"}, obs: tt.obs}
			if got, _, _ := w.violations(3 * time.Second); len(got) != tt.want {
				t.Errorf("violations = %q, want %d", got, tt.want)
			}
		})
	}
}
