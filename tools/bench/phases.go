package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Result keys: a measurement and what it ran on.
const (
	kSign16  = "sign16"  // kyso POST /v1/sign/pdf, -concurrency clients
	kSign1   = "sign1"   // the same, one client
	kBatch   = "batch"   // kyso POST /v1/sign/pdf/batch
	kInproc  = "inproc"  // pdfsign in process
	kCLI     = "cli"     // pdfsign's command line, a process a document
	kSHA     = "sha"     // SHA-256 of the document
	kRSA     = "rsa"     // one RSA-2048 signature
	kVault1  = "vault1"  // Transit, one digest a request
	kVaultN  = "vaultN"  // Transit, batch_input of 100
	kHalf    = "half"    // kyso at half its peak, open loop
	kVerAPI  = "verapi"  // POST /v1/verify/pdf
	kVerCLI  = "vercli"  // kyso verify, a process a document
	kVerMany = "vermany" // kyso verify, cliBatch documents a process
	kVerSig  = "pdfsig"  // pdfsig
	allFiles = "all"     // the real-world corpus as a whole
	vaultN   = 100       // digests per Transit batch
	noDoc    = "-"       // a measurement on no document
	btKey    = "bt"      // kyso's B-T output
	rwPrefix = "rw:"     // a real-world file
	maxOpen  = 512       // the open loop's most requests in flight
	minOpen  = time.Second
)

func key(m, on string) string { return m + "/" + on }

// measureAll runs every measurement -rounds times. Document sizes go from
// small to large, all rounds of one size before the next, so that memory
// kyso keeps after large documents (Go returns freed heap to the system
// gradually) does not count in the peak RSS of smaller ones. The
// measurements that do not depend on the size (raw Vault, the open loop at
// 200 KB, verification) run with the smallest size.
func (b *bench) measureAll(ctx context.Context) error {
	if b.cfg.xmlOnly {
		for r := range b.cfg.rounds {
			logf("XML, round %d of %d", r+1, b.cfg.rounds)
			if err := b.xmlRound(ctx, r == 0); err != nil {
				return err
			}
		}
		return nil
	}
	for i, d := range b.docs {
		for r := range b.cfg.rounds {
			logf("%s, round %d of %d", d.label, r+1, b.cfg.rounds)
			warm := r == 0
			if err := b.signRound(ctx, d, warm); err != nil {
				return err
			}
			if i > 0 || b.cfg.signOnly {
				continue
			}
			if err := b.halfPeak(ctx); err != nil {
				return err
			}
			if err := b.verifyRound(ctx, warm); err != nil {
				return err
			}
			rsaTime, err := timeRSASign(b.peer.key)
			if err != nil {
				return fmt.Errorf("RSA-2048 signature: %w", err)
			}
			b.record(key(kRSA, noDoc), figure{rate: 1 / rsaTime.Seconds(), lat: latencyStats{mean: rsaTime}})
			if err := b.vaultRound(ctx, warm); err != nil {
				return err
			}
			if err := b.xmlRound(ctx, warm); err != nil {
				return err
			}
		}
	}
	return nil
}

// phase is one timed measurement.
type phase struct {
	key, name string
	conc      int
	dur       time.Duration // how long; 0: count ops
	count     int
	warm      bool // first warm up (see warmUp)
	rss       bool // measure kyso's peak RSS, from a kyso that holds no memory of earlier phases
}

// warmUp runs a phase's op unrecorded for a second (half of -duration if
// shorter), so that connections, caches and each process's Go runtime
// settle before the measurement.
func (b *bench) warmUp(ctx context.Context, p phase, f op) error {
	_, err := closedLoop(ctx, p.conc, min(time.Second, b.cfg.duration/2), 0, f)
	return err
}

// timed is a phase of -duration.
func (b *bench) timed(k, name string, conc int, warm bool) phase {
	return phase{key: k, name: name, conc: conc, dur: b.cfg.duration, warm: warm}
}

// signRound measures signing one document size: kyso single at
// -concurrency and at 1, kyso batch, pdfsign in process and per process,
// and SHA-256 of the document.
func (b *bench) signRound(ctx context.Context, d *document, warm bool) error {
	conc := b.cfg.concurrency
	sign := func(ctx context.Context) (int, error) {
		_, err := b.signPDF(ctx, d.data, "B-B", io.Discard)
		return 1, err
	}
	p := b.timed(key(kSign16, d.key), fmt.Sprintf("kyso sign %s ×%d", d.label, conc), conc, warm)
	p.rss = true
	if err := b.kysoPhase(ctx, p, sign); err != nil {
		return err
	}
	if err := b.kysoPhase(ctx, b.timed(key(kSign1, d.key), fmt.Sprintf("kyso sign %s ×1", d.label), 1, warm), sign); err != nil {
		return err
	}

	if err := b.batchPhase(ctx, d, warm); err != nil {
		return err
	}

	inproc := func(context.Context) (int, error) { return 1, b.peer.signInProcess(d.data, io.Discard) }
	if err := b.selfPhase(ctx, b.timed(key(kInproc, d.key), fmt.Sprintf("pdfsign in process %s ×%d", d.label, conc), conc, warm), inproc); err != nil {
		return err
	}

	t := timeSHA256(d.data)
	b.record(key(kSHA, d.key), figure{rate: 1 / t.Seconds(), lat: latencyStats{mean: t}})
	if b.cfg.signOnly {
		return nil
	}

	var cpu atomic.Int64
	cli := func(ctx context.Context) (int, error) {
		out := filepath.Join(b.tmp, "cli-out", fmt.Sprintf("%d.pdf", b.cliSeq.Add(1)))
		defer os.Remove(out)
		return 1, b.cliSign(ctx, d.path, out, &cpu)
	}
	if err := b.childPhase(ctx, b.timed(key(kCLI, d.key), fmt.Sprintf("pdfsign command line %s ×%d", d.label, conc), conc, warm), &cpu, cli); err != nil {
		return err
	}
	return nil
}

// batchPhase measures kyso's batch signing. The request body (up to
// 256 MiB) is garbage once it returns.
func (b *bench) batchPhase(ctx context.Context, d *document, warm bool) error {
	body, ct, err := b.batchBody(d)
	if err != nil {
		return err
	}
	batch := func(ctx context.Context) (int, error) { return b.signBatch(ctx, body, ct, d.perBatch) }
	p := b.timed(key(kBatch, d.key), fmt.Sprintf("kyso batch %s (%d a request) ×%d", d.label, d.perBatch, b.cfg.batchConc), b.cfg.batchConc, warm)
	p.rss = true
	return b.kysoPhase(ctx, p, batch)
}

// vaultRound measures raw Transit signing: one digest a request, and
// batch_input of 100 digests a request.
func (b *bench) vaultRound(ctx context.Context, warm bool) error {
	conc := b.cfg.concurrency
	digest := func() []byte {
		d := make([]byte, 32)
		_, _ = rand.Read(d)
		return d
	}
	one := func(ctx context.Context) (int, error) { return b.transitSign(ctx, [][]byte{digest()}) }
	if err := b.vaultPhase(ctx, b.timed(key(kVault1, noDoc), fmt.Sprintf("Vault Transit sign ×%d", conc), conc, warm), one); err != nil {
		return err
	}
	many := func(ctx context.Context) (int, error) {
		ds := make([][]byte, vaultN)
		for i := range ds {
			ds[i] = digest()
		}
		return b.transitSign(ctx, ds)
	}
	return b.vaultPhase(ctx, b.timed(key(kVaultN, noDoc), fmt.Sprintf("Vault Transit batch_input %d ×%d", vaultN, conc), conc, warm), many)
}

// halfPeak offers kyso half of this round's measured peak of 200 KB
// documents, at a fixed rate, and measures the latency.
func (b *bench) halfPeak(ctx context.Context) error {
	d := b.docs[0]
	rs := b.results[key(kSign16, d.key)]
	rate := rs[len(rs)-1].rate / 2
	sign := func(ctx context.Context) (int, error) {
		_, err := b.signPDF(ctx, d.data, "B-B", io.Discard)
		return 1, err
	}
	dur := max(b.cfg.duration, minOpen)
	m, err := b.measureKyso(false, func() (run, error) { return openLoop(ctx, rate, dur, maxOpen, sign) })
	if err != nil {
		return err
	}
	m.offered = rate
	return b.recordRun(key(kHalf, d.key), fmt.Sprintf("kyso sign %s at %.0f/s (half the peak), open loop", d.label, rate), m)
}

// verifyRound measures the three verifiers on kyso's B-T document for
// -duration each, and on each real-world file for -verify-ops runs each.
func (b *bench) verifyRound(ctx context.Context, warm bool) error {
	conc := b.cfg.concurrency
	type verifier struct {
		key, name string
		run       func(p phase, f verifyFile) error
	}
	vs := []verifier{
		{kVerAPI, "kyso verify API", func(p phase, f verifyFile) error {
			op := func(ctx context.Context) (int, error) { _, err := b.verifyAPI(ctx, f.data); return 1, err }
			return b.kysoPhase(ctx, p, op)
		}},
		{kVerCLI, "kyso verify CLI", func(p phase, f verifyFile) error {
			var cpu atomic.Int64
			op := func(ctx context.Context) (int, error) { return 1, b.verifyCLI(ctx, f.path, &cpu, 1) }
			return b.childPhase(ctx, p, &cpu, op)
		}},
		{kVerMany, fmt.Sprintf("kyso verify CLI, %d documents a process", cliBatch), func(p phase, f verifyFile) error {
			var cpu atomic.Int64
			op := func(ctx context.Context) (int, error) { return cliBatch, b.verifyCLI(ctx, f.path, &cpu, cliBatch) }
			return b.childPhase(ctx, p, &cpu, op)
		}},
		{kVerSig, "pdfsig", func(p phase, f verifyFile) error {
			var cpu atomic.Int64
			op := func(ctx context.Context) (int, error) { return 1, b.pdfsigOnce(ctx, f.path, &cpu) }
			return b.childPhase(ctx, p, &cpu, op)
		}},
	}
	for _, v := range vs {
		p := b.timed(key(v.key, btKey), fmt.Sprintf("%s, kyso B-T %s ×%d", v.name, b.docs[0].label, conc), conc, warm)
		if err := v.run(p, b.bt); err != nil {
			return err
		}
	}
	rwConc := min(conc, b.cfg.verifyOps)
	for _, v := range vs {
		if v.key == kVerMany {
			continue // a process a document is the per-file comparison
		}
		var ops, failed int
		var elapsed, cpu time.Duration
		for _, f := range b.realworld {
			// No warm-up: the B-T runs above warmed each verifier.
			p := phase{key: key(v.key, rwPrefix+f.key), name: fmt.Sprintf("%s, %s ×%d", v.name, f.key, rwConc), conc: rwConc, count: b.cfg.verifyOps}
			if err := v.run(p, f); err != nil {
				return err
			}
			rs := b.results[p.key]
			last := rs[len(rs)-1]
			done := last.ops - last.failed
			ops += last.ops
			failed += last.failed
			elapsed += time.Duration(float64(done) / last.rate * float64(time.Second))
			cpu += last.cpu * time.Duration(done)
		}
		done := ops - failed
		if done == 0 {
			return fmt.Errorf("%s: every verification of the real-world files failed", v.name)
		}
		b.record(key(v.key, allFiles), figure{rate: float64(done) / elapsed.Seconds(), cpu: cpu / time.Duration(done), ops: ops, failed: failed})
	}
	return nil
}

// kysoPhase runs a closed-loop measurement against kyso, with kyso's and
// Vault's CPU and, if p.rss, kyso's peak RSS.
func (b *bench) kysoPhase(ctx context.Context, p phase, f op) error {
	if p.rss {
		restarted, err := b.freshKyso(ctx)
		if err != nil {
			return err
		}
		p.warm = p.warm || restarted
	}
	if p.warm {
		if err := b.warmUp(ctx, p, f); err != nil {
			return err
		}
	}
	var prof *profiler
	if p.dur > 0 {
		var err error
		if prof, err = b.startProfiles(ctx, fmt.Sprintf("%s round %d", p.name, len(b.results[p.key])+1), p.dur); err != nil {
			return err
		}
	}
	m, err := b.measureKyso(p.rss, func() (run, error) { return closedLoop(ctx, p.conc, p.dur, p.count, f) })
	if perr := prof.wait(); err == nil && perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	return b.recordRun(p.key, p.name, m)
}

// measureKyso runs a load and adds kyso's and Vault's CPU per document and,
// if rss, kyso's peak RSS: the larger of VmHWM (reset before the load) and
// VmRSS sampled every 100 ms.
func (b *bench) measureKyso(rss bool, load func() (run, error)) (measured, error) {
	pid, vpid := b.kyso.pid, b.kyso.vaultPID
	var s *rssSampler
	hwmReset := false
	if rss {
		hwmReset = resetPeakRSS(pid) == nil
		s = sampleRSS(pid)
	}
	k0, err1 := cpuTime(pid)
	v0, err2 := cpuTime(vpid)
	c0 := selfCPU()
	r, err := load()
	c1 := selfCPU()
	k1, err3 := cpuTime(pid)
	v1, err4 := cpuTime(vpid)
	var peak int64
	if s != nil {
		peak = s.finish()
	}
	if err != nil {
		return measured{}, err
	}
	if err := b.kyso.exitedErr(); err != nil {
		return measured{}, err
	}
	for _, e := range []error{err1, err2, err3, err4} {
		if e != nil {
			return measured{}, fmt.Errorf("CPU time of kyso or its Vault: %w", e)
		}
	}
	if hwmReset {
		if hwm, err := statusKB(pid, "VmHWM"); err == nil {
			peak = max(peak, hwm)
		}
	}
	m := measured{r: r, rssKB: peak}
	if n := time.Duration(r.docs); n > 0 {
		m.cpu = ((k1 - k0) + (v1 - v0)) / n
		m.vaultCPU = (v1 - v0) / n
		m.clientCPU = (c1 - c0) / n
	}
	return m, nil
}

// measured is a run with the resources it used.
type measured struct {
	r         run
	cpu       time.Duration // per document
	vaultCPU  time.Duration // Vault's part of cpu, for measurements of kyso
	clientCPU time.Duration // the bench's own CPU per document, ditto
	rssKB     int64
	offered   float64 // the open loop's rate
}

// selfPhase is a closed-loop measurement of work in the bench's own process
// (pdfsign in process), with the process's CPU per document.
func (b *bench) selfPhase(ctx context.Context, p phase, f op) error {
	if p.warm {
		if err := b.warmUp(ctx, p, f); err != nil {
			return err
		}
	}
	c0 := selfCPU()
	r, err := closedLoop(ctx, p.conc, p.dur, p.count, f)
	if err != nil {
		return err
	}
	m := measured{r: r}
	if r.docs > 0 {
		m.cpu = (selfCPU() - c0) / time.Duration(r.docs)
	}
	return b.recordRun(p.key, p.name, m)
}

// childPhase is a closed-loop measurement of a process per document; the
// ops add the processes' CPU time to cpu.
func (b *bench) childPhase(ctx context.Context, p phase, cpu *atomic.Int64, f op) error {
	if p.warm {
		if err := b.warmUp(ctx, p, f); err != nil {
			return err
		}
	}
	cpu.Store(0)
	r, err := closedLoop(ctx, p.conc, p.dur, p.count, f)
	if err != nil {
		return err
	}
	m := measured{r: r}
	if r.docs > 0 {
		m.cpu = time.Duration(cpu.Load()) / time.Duration(r.docs)
	}
	return b.recordRun(p.key, p.name, m)
}

// vaultPhase is a closed-loop measurement of Transit with Vault's CPU per
// signature.
func (b *bench) vaultPhase(ctx context.Context, p phase, f op) error {
	if p.warm {
		if err := b.warmUp(ctx, p, f); err != nil {
			return err
		}
	}
	v0, err := cpuTime(b.kyso.vaultPID)
	if err != nil {
		return fmt.Errorf("cpu time of vault: %w", err)
	}
	r, err := closedLoop(ctx, p.conc, p.dur, p.count, f)
	if err != nil {
		return err
	}
	v1, err := cpuTime(b.kyso.vaultPID)
	if err != nil {
		return fmt.Errorf("cpu time of vault: %w", err)
	}
	m := measured{r: r}
	if r.docs > 0 {
		m.cpu = (v1 - v0) / time.Duration(r.docs)
	}
	return b.recordRun(p.key, p.name, m)
}

// recordRun turns a run into a figure, keeps its errors, and fails when
// nothing succeeded.
func (b *bench) recordRun(k, name string, m measured) error {
	r := m.r
	if len(r.errs) > 0 {
		if b.problems[name] == nil {
			b.problems[name] = map[string]int{}
		}
		for e, n := range r.errs {
			b.problems[name][e] += n
		}
	}
	if r.docs == 0 {
		return fmt.Errorf("%s: nothing succeeded in %d attempts: %s", name, r.ops, summarizeErrors(r.errs))
	}
	fig := figure{
		rate:      float64(r.docs) / r.elapsed.Seconds(),
		lat:       stats(r.lat),
		cpu:       m.cpu,
		vaultCPU:  m.vaultCPU,
		clientCPU: m.clientCPU,
		rssKB:     m.rssKB,
		ops:       r.ops,
		failed:    r.failed(),
		offered:   m.offered,
	}
	b.record(k, fig)
	msg := fmt.Sprintf("%s: %.1f/s, p50 %s, p99 %s", name, fig.rate, ms(fig.lat.p50), ms(fig.lat.p99))
	if fig.cpu > 0 {
		msg += ", CPU " + ms(fig.cpu) + " ms/doc"
	}
	if fig.rssKB > 0 {
		msg += fmt.Sprintf(", RSS %.0f MB", mb(fig.rssKB))
	}
	if fig.failed > 0 {
		msg += fmt.Sprintf(", %d FAILED: %s", fig.failed, summarizeErrors(r.errs))
	}
	logf("%s", msg)
	return nil
}

func (b *bench) record(k string, f figure) {
	b.results[k] = append(b.results[k], f)
}

// summarizeErrors lists errors by count, most frequent first.
func summarizeErrors(errs map[string]int) string {
	type kv struct {
		e string
		n int
	}
	var l []kv
	for e, n := range errs {
		l = append(l, kv{e, n})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].n > l[j].n || l[i].n == l[j].n && l[i].e < l[j].e })
	var parts []string
	for _, x := range l {
		parts = append(parts, fmt.Sprintf("%d× %s", x.n, x.e))
	}
	return strings.Join(parts, "; ")
}

// problemsFromLog collects kyso's WARN and ERROR log lines, without their
// time, by count.
func (b *bench) problemsFromLog(path string) {
	data, err := readFileLimit(path, 64<<20)
	if err != nil {
		return
	}
	b.logProblems = map[string]int{}
	for _, line := range bytes.Split(data, []byte("\n")) {
		s := string(line)
		if !strings.Contains(s, "level=ERROR") && !strings.Contains(s, "level=WARN") {
			continue
		}
		if strings.Contains(s, "development mode") {
			continue // kyso dev's own warning
		}
		b.logProblems[stripLogNoise(s)]++
	}
}
