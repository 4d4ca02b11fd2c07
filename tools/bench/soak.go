package main

// `bench soak` (make soak) is issue 6's load test: a long run of mixed
// signing and verification at about half of kyso's measured capacity,
// against `kyso dev` (real Vault, SQLite), that must end with zero errors,
// flat memory and no goroutine growth.
//
// It starts kyso dev with its debug listener (--debug-listen, loopback
// only; cmd/kyso/debug.go) and the verification rate limit off, registers
// three client systems ("soak-setup", "soak-capacity", "soak"), one per
// phase, and an RSA-2048 seal, and prepares the documents to verify. Unless -rate is given it measures
// the mix's capacity closed-loop (-concurrency clients for
// -capacity-duration, after a short warm-up) and offers -load of it. The
// soak itself is open loop (paced, as the bench's half-peak run): an
// operation starts every 1/rate s whatever the earlier ones are doing,
// drawn from a fixed shuffled schedule of the mix (soakMix), and its
// latency counts from the time it was due.
//
// Every answer is checked: the HTTP status, a signed PDF is the document
// sent plus an incremental update with a /ByteRange ending in %%EOF, a CMS
// signature is one DER SignedData, and a verification report is valid
// with every signature TOTAL_PASSED. Every -sample it records kyso's and
// Vault's RSS and CPU (/proc), kyso's goroutines and Go memory (the debug
// listener), threads and open file descriptors. Before and after the soak
// it reads the same at rest (atRest). At the end it stops kyso, runs
// `kyso audit verify` on its database and counts the signing records of
// each client system, which must equal the signatures kyso returned to
// it. The criteria are in soakReport.judge (docs/soak.md explains them);
// the report is printed and written between the markers of -out.

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/store"
)

// soakConfig is the soak's settings, from its flags.
type soakConfig struct {
	duration    time.Duration
	warmup      time.Duration
	sample      time.Duration
	capacityDur time.Duration
	rate        float64 // operations per second; 0: -load of the measured capacity
	load        float64
	concurrency int
	kysoBin     string
	vaultBin    string
	out         string
	keep        bool
	limits      soakLimits
	args        []string
}

func parseSoakFlags(args []string) (soakConfig, error) {
	var c soakConfig
	fs := flag.NewFlagSet("bench soak", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: bin/bench soak [flags]   (from the repository root; make soak builds it from tools/bench)\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.DurationVar(&c.duration, "duration", 10*time.Minute, "length of the soak (the open-loop load)")
	fs.DurationVar(&c.warmup, "warmup", time.Minute, "warm-up at the start of the soak: memory and goroutines are judged against its end (at most a third of -duration)")
	fs.DurationVar(&c.sample, "sample", 10*time.Second, "time between samples of memory, goroutines and latency")
	fs.DurationVar(&c.capacityDur, "capacity-duration", 20*time.Second, "length of the closed-loop capacity measurement (without -rate)")
	fs.Float64Var(&c.rate, "rate", 0, "operations per second to offer; 0: -load times the measured capacity")
	fs.Float64Var(&c.load, "load", 0.5, "fraction of the measured capacity to offer (without -rate)")
	fs.IntVar(&c.concurrency, "concurrency", 16, "clients of the capacity measurement")
	fs.StringVar(&c.kysoBin, "kyso", "bin/kyso", "kyso binary")
	fs.StringVar(&c.vaultBin, "vault", "bin/vault", "vault binary")
	fs.StringVar(&c.out, "out", "docs/soak.md", "markdown file whose generated section is rewritten (empty: none)")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directory (kyso's data and log, its goroutine and heap profiles at rest before and after the soak)")
	fs.Float64Var(&c.limits.rssGrowth, "max-rss-growth", 0.10, "criterion: kyso's RSS at the end at most this fraction above its RSS at the end of the warm-up")
	fs.Float64Var(&c.limits.rssSlope, "max-rss-slope", 1, "criterion: least-squares slope of kyso's RSS over the last 2/3 of the soak, MB/min")
	fs.Float64Var(&c.limits.heapGrowth, "max-heap-growth", 2, "criterion: kyso's live Go heap at rest after the soak at most this many MB above at rest before it (each right after a garbage collection)")
	fs.IntVar(&c.limits.goroutines, "max-goroutine-growth", 5, "criterion: kyso's goroutines not of connections, and its open files, at rest after the soak at most this many more than at rest before it")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case c.duration < 30*time.Second:
		return c, errors.New("-duration must be at least 30s")
	case c.sample < time.Second || c.sample > c.duration/3:
		return c, errors.New("-sample must be between 1s and a third of -duration")
	case c.rate < 0 || c.load <= 0 || c.load > 1:
		return c, errors.New("-rate must be positive (or 0) and -load in (0, 1]")
	case c.rate == 0 && c.capacityDur < 5*time.Second:
		return c, errors.New("-capacity-duration must be at least 5s")
	case c.concurrency < 1:
		return c, errors.New("-concurrency must be at least 1")
	}
	c.warmup = min(c.warmup, c.duration/3)
	c.args = args
	return c, nil
}

// soakOp is one kind of operation of the mix.
type soakOp struct {
	name   string
	weight int    // in soakMix's schedule of 100
	action string // the audit action of each signature it makes; "" for none
	// do runs it once and returns how many signatures kyso returned (and
	// so must have recorded), also when a later check fails.
	do func(ctx context.Context, i int) (signed int, err error)
}

// soak holds the state of one soak run.
type soak struct {
	cfg  soakConfig
	b    *bench // kyso, its HTTP client, the client system and the seal
	ops  []soakOp
	plan []int // the mix as a shuffled schedule of op indexes

	doc20K, doc200K, doc2M []byte
	batch                  []byte // a multipart body of batchDocs documents
	batchType              string
	cmsData                []byte
	toVerify               []verifyInput // prepared signed documents

	debug *http.Client
	rec   *recorder
	// signatures kyso returned, by audit action, to the capacity
	// measurement's client system and to the soak's.
	capSigned, soakSigned signedCount
}

// signedCount counts signatures by audit action.
type signedCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *signedCount) add(action string, n int) {
	if n == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[action] += n
}

// doOp runs the i-th operation of the schedule, counts the signatures it
// made in signed, and returns the operation's index in s.ops.
func (s *soak) doOp(ctx context.Context, i int, signed *signedCount) (int, error) {
	o := s.plan[i%len(s.plan)]
	n, err := s.ops[o].do(ctx, i)
	signed.add(s.ops[o].action, n)
	return o, err
}

// verifyInput is a prepared request to a verification endpoint.
type verifyInput struct {
	name, path, contentType string
	body                    []byte
}

// batchDocs is the number of documents of the mix's batch requests.
const batchDocs = 5

// soakMix is the soak's mix, by weight out of 100: mostly PAdES B-B of
// three sizes, some B-T (kyso's TSA) and B-LT (kyso's OCSP and CRL), a
// batch now and then, detached CMS with and without a time-stamp, and
// verification of PDFs and of CMS.
func (s *soak) soakMix() []soakOp {
	pdf := func(doc []byte, level string) func(context.Context, int) (int, error) {
		return func(ctx context.Context, _ int) (int, error) {
			var out bytes.Buffer
			if _, err := s.b.signPDF(ctx, doc, level, &out); err != nil {
				var he *httpError
				if errors.As(err, &he) || out.Len() == 0 {
					return 0, err
				}
				return 1, err // signed, then short or unreadable
			}
			return 1, checkSignedPDF(doc, out.Bytes())
		}
	}
	cms := func(timestamp bool) func(context.Context, int) (int, error) {
		return func(ctx context.Context, _ int) (int, error) {
			sig, err := s.signCMS(ctx, s.cmsData, timestamp)
			if err != nil {
				return 0, err
			}
			return 1, checkCMS(sig)
		}
	}
	verify := func(inputs []verifyInput) func(context.Context, int) (int, error) {
		return func(ctx context.Context, i int) (int, error) {
			in := inputs[i%len(inputs)]
			rep, err := s.b.verify(ctx, in.path, in.contentType, in.body)
			if err != nil {
				return 0, err
			}
			return 0, checkReport(rep, 1)
		}
	}
	var pdfs, cmss []verifyInput
	for _, v := range s.toVerify {
		if v.path == "/v1/verify/cms" {
			cmss = append(cmss, v)
		} else {
			pdfs = append(pdfs, v)
		}
	}
	return []soakOp{
		{name: "sign PDF B-B 20 KB", weight: 15, action: "sign.pdf", do: pdf(s.doc20K, "B-B")},
		{name: "sign PDF B-B 200 KB", weight: 28, action: "sign.pdf", do: pdf(s.doc200K, "B-B")},
		{name: "sign PDF B-B 2 MB", weight: 4, action: "sign.pdf", do: pdf(s.doc2M, "B-B")},
		{name: "sign PDF B-T 200 KB", weight: 5, action: "sign.pdf", do: pdf(s.doc200K, "B-T")},
		{name: "sign PDF B-LT 200 KB", weight: 2, action: "sign.pdf", do: pdf(s.doc200K, "B-LT")},
		{name: fmt.Sprintf("sign PDF batch %d × 200 KB", batchDocs), weight: 1, action: "sign.pdf", do: func(ctx context.Context, _ int) (int, error) {
			return s.b.signBatch(ctx, s.batch, s.batchType, batchDocs)
		}},
		{name: "sign CMS 200 KB", weight: 12, action: "sign.cms", do: cms(false)},
		{name: "sign CMS 200 KB + time-stamp", weight: 3, action: "sign.cms", do: cms(true)},
		{name: fmt.Sprintf("verify PDF (%d documents)", len(pdfs)), weight: 22, do: verify(pdfs)},
		{name: fmt.Sprintf("verify CMS (%d signatures)", len(cmss)), weight: 8, do: verify(cmss)},
	}
}

// schedule returns the op indexes of ops, each as often as its weight, in
// an order shuffled with a fixed seed (the same mix in every run and in
// every part of a run).
func schedule(ops []soakOp) []int {
	var plan []int
	for i, o := range ops {
		for range o.weight {
			plan = append(plan, i)
		}
	}
	r := rand.New(rand.NewPCG(6, 6))
	r.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	return plan
}

// runSoak is the whole soak; every exit path stops kyso and removes the
// temporary directory.
func runSoak(ctx context.Context, cfg soakConfig) (err error) {
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root (make soak): go.mod not found")
	}
	if err := absBinaries(&cfg.kysoBin, &cfg.vaultBin); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "kyso-soak-")
	if err != nil {
		return err
	}
	if cfg.keep {
		defer fmt.Fprintln(os.Stderr, "soak: kept", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	b := &bench{cfg: config{kysoBin: cfg.kysoBin, vaultBin: cfg.vaultBin, concurrency: cfg.concurrency}, tmp: tmp}
	s := &soak{cfg: cfg, b: b, debug: &http.Client{Timeout: 10 * time.Second}}
	rep := &soakReport{cfg: cfg, machine: describeMachine(ctx, b.cfg)}
	start := time.Now()

	logf("starting kyso dev")
	b.dataDir = filepath.Join(tmp, "data")
	if b.kyso, err = startKyso(ctx, cfg.kysoBin, cfg.vaultBin, b.dataDir, "--debug-listen", "127.0.0.1:0"); err != nil {
		return err
	}
	defer func() {
		if serr := b.kyso.stop(); serr != nil {
			logf("stopping kyso: %v", serr)
		}
		if err != nil && ctx.Err() == nil {
			logf("kyso's log ends:\n%s", tail(b.kyso.logPath, 15))
		}
	}()
	if b.kyso.env["KYSO_DEBUG_URL"] == "" {
		return errors.New("kyso dev wrote no KYSO_DEBUG_URL to dev.env: is bin/kyso older than --debug-listen? (make kyso)")
	}
	b.http = newHTTPClient(cfg.concurrency)
	if rep.idle, err = s.takeSample(0); err != nil {
		return err
	}
	if err := s.prepare(ctx); err != nil {
		return err
	}

	capClient := ""
	if b.apiKey, capClient, err = b.registerClient(ctx, "soak-capacity"); err != nil {
		return err
	}
	rate := cfg.rate
	if rate == 0 {
		logf("measuring the mix's capacity: %d clients, %s", cfg.concurrency, cfg.capacityDur)
		if rep.capacity, err = s.capacity(ctx); err != nil {
			return err
		}
		rate = cfg.load * rep.capacity.rate
		logf("capacity %.1f operations/s; the soak offers %.1f/s", rep.capacity.rate, rate)
	}
	rep.rate = rate

	soakClient := ""
	if b.apiKey, soakClient, err = b.registerClient(ctx, "soak"); err != nil {
		return err
	}
	if rep.restBefore, err = s.atRest(ctx); err != nil {
		return err
	}
	if err := s.saveProfiles("before"); err != nil {
		return err
	}
	logf("soak: %s at %.1f operations/s (at rest: %s)", cfg.duration, rate, rep.restBefore)
	s.rec = newRecorder(len(s.ops))
	if rep.samples, err = s.load(ctx, rate); err != nil {
		return err
	}
	rep.ops, rep.byOp = s.ops, s.rec.byOp
	if rep.restAfter, err = s.atRest(ctx); err != nil {
		return err
	}
	logf("at rest after the soak: %s", rep.restAfter)
	if err := s.saveProfiles("after"); err != nil {
		return err
	}
	if err := b.kyso.stop(); err != nil {
		logf("stopping kyso: %v", err)
	}
	b.problemsFromLog(b.kyso.logPath)
	rep.logProblems = b.logProblems
	rep.audit = s.checkAudit(ctx, soakClient, capClient)
	rep.capacity.measured = cfg.rate == 0
	rep.elapsed = time.Since(start)

	rep.judge()
	fmt.Println()
	fmt.Print(rep.text())
	if cfg.out != "" {
		if err := writeMarkdown(cfg.out, soakSection, rep.markdown()); err != nil {
			return err
		}
		logf("wrote %s", cfg.out)
	}
	if failed := rep.failed(); len(failed) > 0 {
		return fmt.Errorf("soak FAILED: %s", strings.Join(failed, "; "))
	}
	return nil
}

// prepare makes the documents, issues the seal, and signs the documents
// the verification operations check: B-B, B-T and B-LT PDFs of 200 KB and
// detached CMS without and with a time-stamp. Each must verify as valid.
func (s *soak) prepare(ctx context.Context) error {
	b := s.b
	s.doc20K = testpdf.Make(1, 20<<10)
	s.doc200K = testpdf.Make(10, 200<<10)
	s.doc2M = testpdf.Make(40, 2<<20)
	s.cmsData = make([]byte, 200<<10)
	_, _ = rand.NewChaCha8([32]byte{6}).Read(s.cmsData) // never fails

	var err error
	if b.apiKey, _, err = b.registerClient(ctx, "soak-setup"); err != nil {
		return err
	}
	if b.credID, err = b.issueSeal(ctx); err != nil {
		return err
	}
	if s.batch, s.batchType, err = b.batchBody(&document{data: s.doc200K, perBatch: batchDocs}); err != nil {
		return err
	}
	for _, level := range []string{"B-B", "B-T", "B-LT"} {
		var out bytes.Buffer
		if _, err := b.signPDF(ctx, s.doc200K, level, &out); err != nil {
			return fmt.Errorf("sign the %s document to verify: %w", level, err)
		}
		s.toVerify = append(s.toVerify, verifyInput{name: "PDF " + level, path: "/v1/verify/pdf", contentType: "application/pdf", body: out.Bytes()})
	}
	for _, ts := range []bool{false, true} {
		sig, err := s.signCMS(ctx, s.cmsData, ts)
		if err != nil {
			return fmt.Errorf("sign the CMS to verify: %w", err)
		}
		body, ct, err := cmsVerifyBody(s.cmsData, sig)
		if err != nil {
			return err
		}
		s.toVerify = append(s.toVerify, verifyInput{name: fmt.Sprintf("CMS (time-stamp %v)", ts), path: "/v1/verify/cms", contentType: ct, body: body})
	}
	for _, v := range s.toVerify {
		rep, err := b.verify(ctx, v.path, v.contentType, v.body)
		if err == nil {
			err = checkReport(rep, 1)
		}
		if err != nil {
			return fmt.Errorf("kyso does not verify its own %s: %w", v.name, err)
		}
	}
	s.ops = s.soakMix()
	s.plan = schedule(s.ops)
	return nil
}

// capacity measures the mix closed-loop: a warm-up of a quarter of
// -capacity-duration (at most 5 s), then -capacity-duration.
func (s *soak) capacity(ctx context.Context) (soakCapacity, error) {
	var next sync.Mutex
	n := 0
	f := func(ctx context.Context) (int, error) {
		next.Lock()
		i := n
		n++
		next.Unlock()
		_, err := s.doOp(ctx, i, &s.capSigned)
		return 1, err
	}
	if _, err := closedLoop(ctx, s.cfg.concurrency, min(5*time.Second, s.cfg.capacityDur/4), 0, f); err != nil {
		return soakCapacity{}, err
	}
	r, err := closedLoop(ctx, s.cfg.concurrency, s.cfg.capacityDur, 0, f)
	if err != nil {
		return soakCapacity{}, err
	}
	c := soakCapacity{rate: float64(r.docs) / r.elapsed.Seconds(), ops: r.ops, errs: r.errs, lat: stats(r.lat), elapsed: r.elapsed}
	if c.rate <= 0 {
		return c, fmt.Errorf("capacity: no operation succeeded (%s)", summarizeErrors(r.errs))
	}
	return c, nil
}

// load is the soak proper: the mix, paced at rate for -duration, sampled
// every -sample (and once before the first operation).
func (s *soak) load(ctx context.Context, rate float64) ([]sample, error) {
	var samples []sample
	first, err := s.takeSample(0)
	if err != nil {
		return nil, err
	}
	samples = append(samples, first)
	start := time.Now()
	stop := make(chan struct{})
	sampled := make(chan error, 1)
	// A failed sample (kyso exited, its debug listener stopped answering)
	// ends the load.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(s.cfg.sample)
		defer t.Stop()
		for {
			select {
			case <-stop:
				sampled <- nil
				return
			case <-t.C:
			}
			if time.Since(start) > s.cfg.duration-s.cfg.sample/2 {
				continue // the last sample is taken when the load has ended
			}
			smp, err := s.takeSample(time.Since(start))
			if err != nil {
				sampled <- err
				cancel()
				return
			}
			samples = append(samples, smp)
			last := smp
			logf("%4.0fs: %5.1f ops/s, %d errors, p99 %s ms; kyso RSS %.0f MB, heap %.1f MB, %d goroutines; Vault RSS %.0f MB",
				last.at.Seconds(), last.window.rate(), last.window.failed, ms(last.window.stats().p99), mb(last.kysoRSS), mbBytes(last.heapLive), last.goroutines, mb(last.vaultRSS))
		}
	}()
	_, lerr := paced(ctx, rate, s.cfg.duration, maxOpen, func(ctx context.Context, i int, due time.Time) {
		o, err := s.doOp(ctx, i, &s.soakSigned)
		lat := time.Since(due)
		if ctx.Err() != nil {
			return
		}
		s.rec.add(o, lat, err)
	})
	close(stop)
	if err := <-sampled; err != nil {
		return samples, err
	}
	if lerr != nil {
		return samples, lerr
	}
	last, err := s.takeSample(time.Since(start))
	if err != nil {
		return samples, err
	}
	return append(samples, last), nil
}

// rest is kyso at rest: no request in flight, no connection of the bench
// open.
type rest struct {
	goroutines, files int
	// connGoroutines are the goroutines of connections: kyso's
	// keep-alive connections to Vault (net/http.persistConn, two each)
	// and connections to kyso not yet closed (net/http.conn.serve).
	connGoroutines int
	// heapLive (bytes) and rss (kB) right after a garbage collection that
	// returned the freed memory to the OS.
	heapLive uint64
	rss      int64
	// rssAnon and rssFile (kB) split rss: the process's own memory, and
	// the pages of files it maps (its binary, SQLite's -shm).
	rssAnon, rssFile int64
	// goHeld (bytes) is what the Go runtime holds from the OS: its total
	// less what it has released. rssAnon beyond it is memory the Go
	// runtime does not manage (modernc SQLite's C heap, for one).
	goHeld uint64
	// classes is the Go runtime's memory by class (bytes).
	classes map[string]uint64
}

func (r rest) String() string {
	return fmt.Sprintf("%d goroutines (%d of connections), %d open files, live heap %.2f MB, RSS %.1f MB = anonymous %.1f (Go holds %.1f) + files %.1f",
		r.goroutines, r.connGoroutines, r.files, mbBytes(r.heapLive), mb(r.rss), mb(r.rssAnon), mbBytes(r.goHeld), mb(r.rssFile))
}

// atRest closes the bench's idle connections to kyso and reads kyso's
// goroutines every 100 ms until the count has not changed for a second
// (at most 30 s), then its open files, then its live heap and RSS after a
// garbage collection that returns the freed memory to the OS. Connections are what makes both
// move under load (a goroutine and a socket each on the server, two
// goroutines for each of kyso's own connections to Vault); at rest, a
// count that grew is goroutines that should have ended, or files (spooled
// uploads, sockets) that should have been closed.
func (s *soak) atRest(ctx context.Context) (rest, error) {
	s.b.http.CloseIdleConnections()
	deadline := time.Now().Add(30 * time.Second)
	last, since := -1, time.Now()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		rt, err := s.runtimeFigures()
		if err != nil {
			return rest{}, err
		}
		if rt.Goroutines != last {
			last, since = rt.Goroutines, time.Now()
		}
		if time.Since(since) >= time.Second || time.Now().After(deadline) {
			fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.b.kyso.pid))
			if err != nil {
				return rest{}, err
			}
			gc, err := s.runtimeFiguresGC(true)
			if err != nil {
				return rest{}, err
			}
			r := rest{files: len(fds), heapLive: gc.HeapLive, goHeld: gc.GoTotal - gc.HeapReleased, classes: gc.Classes}
			if r.goroutines, r.connGoroutines, err = s.goroutineProfile(); err != nil {
				return rest{}, err
			}
			var errs [3]error
			r.rss, errs[0] = statusKB(s.b.kyso.pid, "VmRSS")
			r.rssAnon, errs[1] = statusKB(s.b.kyso.pid, "RssAnon")
			r.rssFile, errs[2] = statusKB(s.b.kyso.pid, "RssFile")
			return r, errors.Join(errs[:]...)
		}
		select {
		case <-ctx.Done():
			return rest{}, ctx.Err()
		case <-t.C:
		}
	}
}

// goroutineProfile reads kyso's goroutine profile: the goroutines, and
// how many of them belong to connections.
func (s *soak) goroutineProfile() (total, conn int, err error) {
	resp, err := s.debug.Get(s.b.kyso.env["KYSO_DEBUG_URL"] + "/debug/goroutines")
	if err != nil {
		return 0, 0, fmt.Errorf("kyso's debug listener: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("kyso's debug listener: /debug/goroutines: %w", err)
	}
	return countGoroutines(string(data))
}

// connectionFuncs are the functions whose goroutines belong to a network
// connection that a pool keeps or that is about to close.
var connectionFuncs = []string{"net/http.(*persistConn).", "net/http.(*conn).serve"}

// countGoroutines reads a goroutine profile in the text form of
// runtime/pprof's debug=1 ("goroutine profile: total N", then records
// "COUNT @ PCS" each followed by "#	PC	FUNC+OFF	FILE:LINE" frames) and
// returns the total and the goroutines with a frame in connectionFuncs.
func countGoroutines(profile string) (total, conn int, err error) {
	lines := strings.Split(profile, "\n")
	if _, err := fmt.Sscanf(lines[0], "goroutine profile: total %d", &total); err != nil {
		return 0, 0, fmt.Errorf("goroutine profile: %q: %w", lines[0], err)
	}
	count, isConn := 0, false
	flush := func() {
		if isConn {
			conn += count
		}
		count, isConn = 0, false
	}
	for _, line := range lines[1:] {
		switch {
		case strings.Contains(line, " @ "):
			flush()
			if _, err := fmt.Sscanf(line, "%d @", &count); err != nil {
				return 0, 0, fmt.Errorf("goroutine profile: %q: %w", line, err)
			}
		case strings.HasPrefix(line, "#"):
			f := strings.Fields(line)
			if len(f) >= 3 {
				for _, c := range connectionFuncs {
					isConn = isConn || strings.HasPrefix(f[2], c)
				}
			}
		}
	}
	flush()
	return total, conn, nil
}

// saveProfiles writes kyso's goroutine and heap profiles to the temporary
// directory as WHEN-goroutines.txt and WHEN-heap.pb.gz (kept with -keep;
// compare them with `go tool pprof -base`).
func (s *soak) saveProfiles(when string) error {
	for _, p := range []struct{ path, file string }{
		{"/debug/goroutines", when + "-goroutines.txt"},
		{"/debug/heap", when + "-heap.pb.gz"},
	} {
		resp, err := s.debug.Get(s.b.kyso.env["KYSO_DEBUG_URL"] + p.path)
		if err != nil {
			return fmt.Errorf("kyso's debug listener: %w", err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		if err != nil {
			return fmt.Errorf("kyso's debug listener: %s: %w", p.path, err)
		}
		if err := os.WriteFile(filepath.Join(s.b.tmp, p.file), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// runtimeFigures is kyso's GET /debug/runtime.
type runtimeFigures struct {
	Goroutines   int    `json:"goroutines"`
	HeapLive     uint64 `json:"heap_live_bytes"`
	HeapObjects  uint64 `json:"heap_objects_bytes"`
	HeapReleased uint64 `json:"heap_released_bytes"`
	GoTotal      uint64 `json:"go_total_bytes"`
	GCCycles     uint64 `json:"gc_cycles"`
	// Classes is /memory/classes/ of runtime/metrics, by name without
	// prefix and unit ("heap/objects", "os-stacks", …).
	Classes map[string]uint64 `json:"memory_classes"`
}

func (s *soak) runtimeFigures() (runtimeFigures, error) { return s.runtimeFiguresGC(false) }

// runtimeFiguresGC is GET /debug/runtime, after a garbage collection in
// kyso if gc.
func (s *soak) runtimeFiguresGC(gc bool) (runtimeFigures, error) {
	var rt runtimeFigures
	url := s.b.kyso.env["KYSO_DEBUG_URL"] + "/debug/runtime"
	if gc {
		url += "?gc=1"
	}
	resp, err := s.debug.Get(url)
	if err != nil {
		return rt, fmt.Errorf("kyso's debug listener: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return rt, fmt.Errorf("kyso's debug listener: HTTP %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&rt); err != nil {
		return rt, fmt.Errorf("kyso's debug listener: %w", err)
	}
	return rt, nil
}

// sample is what the soak saw at one time.
type sample struct {
	at                time.Duration // since the soak's start
	wall              time.Time
	kysoRSS, vaultRSS int64 // kB
	kysoCPU, vaultCPU time.Duration
	heapLive, goHeld  uint64 // bytes; goHeld: what the Go runtime holds from the OS
	goroutines        int
	threads, fds      int
	window            window // operations that ended since the last sample
	gcCycles          uint64
	loadAvg           string
}

// takeSample reads kyso's and Vault's figures and, when the load runs,
// takes the window of operations since the last sample.
func (s *soak) takeSample(at time.Duration) (sample, error) {
	k := s.b.kyso
	if err := k.exitedErr(); err != nil {
		return sample{}, err
	}
	smp := sample{at: at, wall: time.Now(), loadAvg: loadAverage()}
	var errs []error
	var err error
	smp.kysoRSS, err = statusKB(k.pid, "VmRSS")
	errs = append(errs, err)
	smp.vaultRSS, err = statusKB(k.vaultPID, "VmRSS")
	errs = append(errs, err)
	smp.kysoCPU, err = cpuTime(k.pid)
	errs = append(errs, err)
	smp.vaultCPU, err = cpuTime(k.vaultPID)
	errs = append(errs, err)
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", k.pid))
	errs = append(errs, err)
	smp.threads = len(tasks)
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", k.pid))
	errs = append(errs, err)
	smp.fds = len(fds)
	rt, err := s.runtimeFigures()
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return smp, fmt.Errorf("sample: %w", err)
	}
	smp.heapLive, smp.goHeld, smp.goroutines = rt.HeapLive, rt.GoTotal-rt.HeapReleased, rt.Goroutines
	smp.gcCycles = rt.GCCycles
	if s.rec != nil {
		smp.window = s.rec.takeWindow()
	}
	return smp, nil
}

// checkAudit runs `kyso audit verify` on the database of the stopped
// kyso, then counts the signing records of the capacity measurement's and
// the soak's client systems.
func (s *soak) checkAudit(ctx context.Context, soakClient, capClient string) soakAudit {
	a := soakAudit{soakSigned: s.soakSigned.n, capSigned: s.capSigned.n, soakCounted: map[string]int{}, capCounted: map[string]int{}}
	out, err := exec.CommandContext(ctx, s.cfg.kysoBin, "audit", "verify", "--data", s.b.dataDir, "--json").Output()
	var r struct {
		Records     int64  `json:"records"`
		OK          bool   `json:"ok"`
		FirstBroken int64  `json:"first_broken"`
		Reason      string `json:"reason"`
	}
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		a.err = fmt.Errorf("kyso audit verify: %v %v: %s", err, jerr, bytes.TrimSpace(out))
		return a
	}
	a.records, a.chainOK = r.Records, r.OK
	if !r.OK {
		a.broken = fmt.Sprintf("broken at seq %d: %s", r.FirstBroken, r.Reason)
	}

	st, err := store.OpenSQLite(ctx, filepath.Join(s.b.dataDir, "kyso.db"))
	if err != nil {
		a.err = err
		return a
	}
	defer st.Close()
	for after := int64(0); ; {
		recs, err := st.ListAudit(ctx, after, 1000)
		if err != nil {
			a.err = err
			return a
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			switch r.Actor {
			case soakClient:
				a.soakCounted[r.Action]++
			case capClient:
				a.capCounted[r.Action]++
			}
			after = r.Seq
		}
	}
	return a
}

// signCMS is one POST /v1/sign/cms with the raw body; it returns the
// detached CMS signature.
func (s *soak) signCMS(ctx context.Context, data []byte, timestamp bool) ([]byte, error) {
	b := s.b
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.kyso.env["KYSO_URL"]+"/v1/sign/cms", bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+b.apiKey)
	req.Header.Set("Kyso-Options", fmt.Sprintf(`{"credential_id":%q,"timestamp":%v}`, b.credID, timestamp))
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errorFrom(resp)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/pkcs7-signature" {
		return nil, fmt.Errorf("check: CMS answer of type %q", ct)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// cmsVerifyBody is the multipart body of POST /v1/verify/cms.
func cmsVerifyBody(data, sig []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range []struct {
		name string
		data []byte
	}{{"data", data}, {"signature", sig}} {
		if err := filePart(mw, p.name, p.name+".bin", "application/octet-stream", p.data); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// checkSignedPDF checks that out is in signed: an incremental update
// (RFC-less but ISO 32000-1, 7.5.6) that adds a signature dictionary.
func checkSignedPDF(in, out []byte) error {
	switch {
	case !bytes.HasPrefix(out, in):
		return errors.New("check: the signed PDF does not begin with the document sent")
	case !bytes.Contains(out[len(in):], []byte("/ByteRange")):
		return errors.New("check: the signed PDF's update has no /ByteRange")
	case !bytes.HasSuffix(bytes.TrimRight(out, "\r\n"), []byte("%%EOF")):
		return errors.New("check: the signed PDF does not end with %%EOF")
	}
	return nil
}

// oidSignedData is the CMS content type of a SignedData (RFC 5652, 5.1).
var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// checkCMS checks that sig is one DER ContentInfo of a SignedData (RFC
// 5652, 3) with nothing after it.
func checkCMS(sig []byte) error {
	var ci struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	rest, err := asn1.Unmarshal(sig, &ci)
	switch {
	case err != nil:
		return fmt.Errorf("check: the CMS signature is not DER: %w", err)
	case len(rest) > 0:
		return fmt.Errorf("check: %d bytes after the CMS signature", len(rest))
	case !ci.Type.Equal(oidSignedData):
		return fmt.Errorf("check: the CMS signature's content type is %v, not SignedData", ci.Type)
	}
	return nil
}

// checkReport checks that a verification report is valid with n
// signatures, each TOTAL_PASSED.
func checkReport(rep *verifyReport, n int) error {
	if len(rep.Signatures) != n {
		return fmt.Errorf("check: the report has %d signatures, want %d", len(rep.Signatures), n)
	}
	for _, sig := range rep.Signatures {
		if sig.Indication != "TOTAL_PASSED" {
			return fmt.Errorf("check: a signature is %s %s", sig.Indication, sig.SubIndication)
		}
	}
	if !*rep.Valid {
		return errors.New("check: the report says not valid")
	}
	return nil
}

// recorder collects the soak's operations: by kind for the whole soak, and
// all kinds together since the last sample.
type recorder struct {
	mu     sync.Mutex
	byOp   []opTotals
	window window
	since  time.Time
}

// opTotals is one kind of operation over the soak.
type opTotals struct {
	ok   int
	errs map[string]int
	lat  []time.Duration
}

func (t *opTotals) failed() int {
	n := 0
	for _, v := range t.errs {
		n += v
	}
	return n
}

// window is the operations that ended between two samples.
type window struct {
	ok, failed int
	lat        []time.Duration
	dur        time.Duration
}

func (w window) rate() float64 {
	if w.dur <= 0 {
		return 0
	}
	return float64(w.ok+w.failed) / w.dur.Seconds()
}

func (w window) stats() latencyStats { return stats(w.lat) }

func newRecorder(kinds int) *recorder {
	return &recorder{byOp: make([]opTotals, kinds), since: time.Now()}
}

func (r *recorder) add(kind int, lat time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &r.byOp[kind]
	if err != nil {
		if t.errs == nil {
			t.errs = map[string]int{}
		}
		t.errs[err.Error()]++
		r.window.failed++
		return
	}
	t.ok++
	t.lat = append(t.lat, lat)
	r.window.ok++
	r.window.lat = append(r.window.lat, lat)
}

// takeWindow returns the operations since the last call and starts a new
// window.
func (r *recorder) takeWindow() window {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.window
	now := time.Now()
	w.dur = now.Sub(r.since)
	r.window, r.since = window{}, now
	return w
}

// mergeWindows joins consecutive windows.
func mergeWindows(ws []window) window {
	var m window
	for _, w := range ws {
		m.ok += w.ok
		m.failed += w.failed
		m.lat = append(m.lat, w.lat...)
		m.dur += w.dur
	}
	slices.Sort(m.lat)
	return m
}

// mbBytes converts bytes to MB.
func mbBytes(b uint64) float64 { return float64(b) / 1e6 }
