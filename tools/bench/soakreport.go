package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// soakSection is the soak's section of docs/soak.md.
var soakSection = mdSection{begin: "<!-- soak:begin -->", end: "<!-- soak:end -->", intro: "# Soak test\n\n" +
	"`make soak` runs kyso dev under a mixed signing and verification load at about half of its\n" +
	"measured capacity for 10 minutes (SOAK_DURATION) and judges errors, memory and goroutines;\n" +
	"tools/bench/soak.go says how. Text outside the markers below is kept when the soak rewrites its\n" +
	"section.\n\n"}

// soakLimits are the pass criteria's thresholds.
type soakLimits struct {
	rssGrowth  float64 // fraction
	rssSlope   float64 // MB/min
	heapGrowth float64 // MB
	goroutines int
}

// soakCapacity is the closed-loop measurement of the mix.
type soakCapacity struct {
	measured bool
	rate     float64
	ops      int
	errs     map[string]int
	lat      latencyStats
	elapsed  time.Duration
}

// soakAudit is what the audit log says after the soak.
type soakAudit struct {
	records                 int64
	chainOK                 bool
	broken                  string
	err                     error
	soakSigned, soakCounted map[string]int // by audit action
	capSigned, capCounted   map[string]int
}

// soakReport is a soak's figures and verdicts.
type soakReport struct {
	cfg                   soakConfig
	machine               machine
	idle                  sample // right after kyso started
	capacity              soakCapacity
	rate                  float64 // offered, operations per second
	restBefore, restAfter rest
	samples               []sample
	ops                   []soakOp
	byOp                  []opTotals
	logProblems           map[string]int
	audit                 soakAudit
	elapsed               time.Duration

	mem      memoryFigures
	criteria []criterion
}

// criterion is one pass criterion and its verdict.
type criterion struct {
	name, text, measured string
	pass                 bool
}

// memoryFigures are the figures the memory and goroutine criteria judge.
type memoryFigures struct {
	rssWarm, rssEnd, rssSlope float64 // MB, MB, MB/min
}

// Values of a sample, in the report's units.
var (
	rssMB      = func(s sample) float64 { return mb(s.kysoRSS) }
	heapMB     = func(s sample) float64 { return mbBytes(s.heapLive) }
	goHeldMB   = func(s sample) float64 { return mbBytes(s.goHeld) }
	goroutines = func(s sample) float64 { return float64(s.goroutines) }
	threads    = func(s sample) float64 { return float64(s.threads) }
	fds        = func(s sample) float64 { return float64(s.fds) }
	vaultMB    = func(s sample) float64 { return mb(s.vaultRSS) }
)

// around is the median of value over the k samples nearest to t: a level
// at t that one sample taken during a burst does not decide.
func around(samples []sample, t time.Duration, k int, value func(sample) float64) float64 {
	s := slices.Clone(samples)
	slices.SortStableFunc(s, func(a, b sample) int {
		da, db := (a.at - t).Abs(), (b.at - t).Abs()
		return int(da - db)
	})
	var v []float64
	for _, x := range s[:min(k, len(s))] {
		v = append(v, value(x))
	}
	return median(v)
}

// median of v; NaN for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// slopeFrom is the least-squares slope, per minute, of value over the
// samples taken at from or later; NaN for fewer than 3 samples.
func slopeFrom(samples []sample, from time.Duration, value func(sample) float64) float64 {
	var x, y []float64
	for _, s := range samples {
		if s.at >= from {
			x = append(x, s.at.Minutes())
			y = append(y, value(s))
		}
	}
	if len(x) < 3 {
		return math.NaN()
	}
	return leastSquaresSlope(x, y)
}

// leastSquaresSlope is the slope of the least-squares line through
// (x[i], y[i]); NaN when the x are all equal.
func leastSquaresSlope(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}

// atMost reports v ≤ limit; NaN fails.
func atMost(v, limit float64) bool { return !math.IsNaN(v) && v <= limit }

// failedOps is the soak's and the capacity measurement's failed
// operations.
func (rep *soakReport) failedOps() (failed, total int) {
	for _, t := range rep.byOp {
		failed += t.failed()
		total += t.ok + t.failed()
	}
	failed += sumCounts(rep.capacity.errs)
	return failed, total + rep.capacity.ops
}

// judge computes the memory figures and the verdicts.
func (rep *soakReport) judge() {
	c, lim := rep.cfg, rep.cfg.limits
	tail := c.duration / 3 // the last 2/3 start here
	rep.mem = memoryFigures{
		rssWarm:  around(rep.samples, c.warmup, 3, rssMB),
		rssSlope: slopeFrom(rep.samples, tail, rssMB),
	}
	if n := len(rep.samples); n > 0 {
		rep.mem.rssEnd = around(rep.samples, rep.samples[n-1].at, 3, rssMB)
	}
	v := func(name, text, measured string, pass bool) {
		rep.criteria = append(rep.criteria, criterion{name, text, measured, pass})
	}

	failed, total := rep.failedOps()
	v("errors", "no failed operation, in the capacity measurement or the soak; every answer checked",
		fmt.Sprintf("%d failed of %d", failed, total), failed == 0)

	logErrors := 0
	for line, n := range rep.logProblems {
		if strings.Contains(line, "level=ERROR") {
			logErrors += n
		}
	}
	v("kyso's log", "no level=ERROR line", fmt.Sprintf("%d ERROR lines", logErrors), logErrors == 0)

	a := rep.audit
	auditOK := a.err == nil && a.chainOK && mapsEqual(a.soakSigned, a.soakCounted) && mapsEqual(a.capSigned, a.capCounted)
	measured := ""
	switch {
	case a.err != nil:
		measured = a.err.Error()
	default:
		chain := "chain intact"
		if !a.chainOK {
			chain = "chain " + a.broken
		}
		measured = fmt.Sprintf("%d records, %s; soak client: %s records for %s signatures returned; capacity client: %s for %s",
			a.records, chain, countsText(a.soakCounted), countsText(a.soakSigned), countsText(a.capCounted), countsText(a.capSigned))
	}
	v("audit", "`kyso audit verify` passes, and each client system's sign.* records equal the signatures kyso returned to it", measured, auditOK)

	v("RSS growth", fmt.Sprintf("kyso's RSS at the end ≤ %.0f%% above its RSS at the end of the warm-up (%s)", 100*lim.rssGrowth, c.warmup),
		fmt.Sprintf("%.1f → %.1f MB (%+.1f%%)", rep.mem.rssWarm, rep.mem.rssEnd, 100*(rep.mem.rssEnd/rep.mem.rssWarm-1)),
		atMost(rep.mem.rssEnd, rep.mem.rssWarm*(1+lim.rssGrowth)))
	v("RSS slope", fmt.Sprintf("least-squares slope of kyso's RSS over the last 2/3 of the soak ≤ %.1f MB/min", lim.rssSlope),
		fmt.Sprintf("%+.2f MB/min", rep.mem.rssSlope), atMost(rep.mem.rssSlope, lim.rssSlope))
	b, a2 := rep.restBefore, rep.restAfter
	v("heap at rest", fmt.Sprintf("kyso's live Go heap at rest after the soak ≤ at rest before it + %.0f MB (each right after a GC)", lim.heapGrowth),
		fmt.Sprintf("%.2f → %.2f MB", mbBytes(b.heapLive), mbBytes(a2.heapLive)), mbBytes(a2.heapLive) <= mbBytes(b.heapLive)+lim.heapGrowth)
	v("goroutines", fmt.Sprintf("kyso's goroutines at rest, less those of connections, after the soak ≤ before it + %d", lim.goroutines),
		fmt.Sprintf("%d → %d (all: %d → %d)", b.goroutines-b.connGoroutines, a2.goroutines-a2.connGoroutines, b.goroutines, a2.goroutines),
		a2.goroutines-a2.connGoroutines <= b.goroutines-b.connGoroutines+lim.goroutines)
	v("open files", fmt.Sprintf("kyso's open files at rest after the soak ≤ at rest before it + %d", lim.goroutines),
		fmt.Sprintf("%d → %d", b.files, a2.files), a2.files <= b.files+lim.goroutines)
}

// failed lists the criteria that failed.
func (rep *soakReport) failed() []string {
	var out []string
	for _, v := range rep.criteria {
		if !v.pass {
			out = append(out, v.name+": "+v.measured)
		}
	}
	return out
}

// classChanges lists the memory classes that changed by at least min
// bytes from before to after, largest change first.
func classChanges(before, after map[string]uint64, min float64) string {
	type change struct {
		name          string
		before, after uint64
	}
	var ch []change
	for name, a := range after {
		b := before[name]
		if name != "total" && name != "heap/released" && math.Abs(float64(a)-float64(b)) >= min {
			ch = append(ch, change{name, b, a})
		}
	}
	slices.SortFunc(ch, func(x, y change) int {
		dx, dy := math.Abs(float64(x.after)-float64(x.before)), math.Abs(float64(y.after)-float64(y.before))
		if dx != dy {
			return cmp.Compare(dy, dx)
		}
		return strings.Compare(x.name, y.name)
	})
	var parts []string
	for _, c := range ch {
		parts = append(parts, fmt.Sprintf("%s %.2f → %.2f MB", c.name, mbBytes(c.before), mbBytes(c.after)))
	}
	return strings.Join(parts, ", ")
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func mapsEqual(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// countsText is "sign.cms 12, sign.pdf 40" or "none".
func countsText(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// block is a part of the report: a title, lines, and a table.
type block struct {
	title    string
	lines    []string
	numbered bool // lines are a numbered list
	header   []string
	rows     [][]string
}

// blocks is the whole report.
func (rep *soakReport) blocks() []block {
	m, c := rep.machine, rep.cfg
	args := strings.Join(c.args, " ")
	if args == "" {
		args = "(none)"
	}
	offered := fmt.Sprintf("%.1f operations/s (-rate)", rep.rate)
	if rep.capacity.measured {
		offered = fmt.Sprintf("%.1f operations/s = %.0f%% of the measured capacity", rep.rate, 100*c.load)
	}
	failed, total := rep.failedOps()
	soakOps := total - rep.capacity.ops
	var soakDur time.Duration
	if n := len(rep.samples); n > 0 {
		soakDur = rep.samples[n-1].at
	}
	status := passFail(len(rep.failed()) == 0)
	head := block{lines: []string{
		fmt.Sprintf("Result: **%s**: %d operations in %s, %.1f/s achieved, %d failed", status, soakOps, soakDur.Round(time.Second), float64(soakOps)/soakDur.Seconds(), failed),
		fmt.Sprintf("Machine: %d CPUs (nproc), %s, %s RAM, %s", m.cpus, m.cpuModel, m.memory, m.kernel),
		fmt.Sprintf("Software: %s; %s; kyso %s (GOGC 200, kyso's default)", m.goVersion, m.vault, orUnknown(m.commit)),
		fmt.Sprintf("Run: %s, %s in all; flags: %s; load average before: %s", m.date.Format("2006-01-02 15:04 MST"), rep.elapsed.Round(time.Second), args, m.loadStart),
		fmt.Sprintf("Settings: soak %s, warm-up %s, a sample every %s; offered %s", c.duration, c.warmup, c.sample, offered),
	}}
	if rep.capacity.measured {
		cp := rep.capacity
		head.lines = append(head.lines, fmt.Sprintf("Capacity: %.1f operations/s, closed loop, %d clients, %s (%d operations, p50 %s ms, p99 %s ms, %d failed)",
			cp.rate, c.concurrency, cp.elapsed.Round(time.Second), cp.ops, ms(cp.lat.p50), ms(cp.lat.p99), sumCounts(cp.errs)))
	}

	crit := block{title: "Criteria", header: []string{"criterion", "threshold", "measured", "verdict"}}
	for _, v := range rep.criteria {
		crit.rows = append(crit.rows, []string{v.name, v.text, v.measured, passFail(v.pass)})
	}

	ops := block{title: "Operations (soak)", header: []string{"operation", "share", "done", "failed", "mean ms", "p50 ms", "p95 ms", "p99 ms", "max ms"}}
	var all opTotals
	for i, o := range rep.ops {
		t := rep.byOp[i]
		ops.rows = append(ops.rows, opRow(o.name, fmt.Sprintf("%d%%", o.weight), t))
		all.ok += t.ok
		all.lat = append(all.lat, t.lat...)
		for k, n := range t.errs {
			if all.errs == nil {
				all.errs = map[string]int{}
			}
			all.errs[k] += n
		}
	}
	ops.rows = append(ops.rows, opRow("all", "100%", all))

	mem := block{title: "Memory and goroutines", header: []string{"figure", "kyso idle", "soak start", "warm-up end", "end", "max", "slope /min, last 2/3"}}
	tail := c.duration / 3
	for _, f := range []struct {
		name  string
		value func(sample) float64
		unit  string
	}{
		{"kyso RSS MB", rssMB, "%.1f"},
		{"kyso live Go heap MB", heapMB, "%.1f"},
		{"kyso Go runtime's memory MB", goHeldMB, "%.1f"},
		{"kyso goroutines, under load", goroutines, "%.0f"},
		{"kyso threads", threads, "%.0f"},
		{"kyso open files", fds, "%.0f"},
		{"Vault RSS MB", vaultMB, "%.1f"},
	} {
		if len(rep.samples) == 0 {
			break
		}
		last := rep.samples[len(rep.samples)-1].at
		maxV := math.Inf(-1)
		for _, s := range rep.samples {
			maxV = max(maxV, f.value(s))
		}
		mem.rows = append(mem.rows, []string{f.name, fmt.Sprintf(f.unit, f.value(rep.idle)), fmt.Sprintf(f.unit, f.value(rep.samples[0])),
			fmt.Sprintf(f.unit, around(rep.samples, c.warmup, 3, f.value)), fmt.Sprintf(f.unit, around(rep.samples, last, 3, f.value)),
			fmt.Sprintf(f.unit, maxV), fmt.Sprintf("%+.2f", slopeFrom(rep.samples, tail, f.value))})
	}
	mem.rows = append(mem.rows,
		[]string{"kyso goroutines, at rest", "", fmt.Sprintf("%d", rep.restBefore.goroutines), "", fmt.Sprintf("%d", rep.restAfter.goroutines), "", ""},
		[]string{"– of which of connections", "", fmt.Sprintf("%d", rep.restBefore.connGoroutines), "", fmt.Sprintf("%d", rep.restAfter.connGoroutines), "", ""},
		[]string{"kyso open files, at rest", "", fmt.Sprintf("%d", rep.restBefore.files), "", fmt.Sprintf("%d", rep.restAfter.files), "", ""},
		[]string{"kyso live Go heap MB, at rest after a GC", "", fmt.Sprintf("%.2f", mbBytes(rep.restBefore.heapLive)), "", fmt.Sprintf("%.2f", mbBytes(rep.restAfter.heapLive)), "", ""},
	)
	for _, f := range []struct {
		name  string
		value func(rest) float64
	}{
		{"kyso RSS MB, at rest after a GC", func(r rest) float64 { return mb(r.rss) }},
		{"– of which held by the Go runtime", func(r rest) float64 { return mbBytes(r.goHeld) }},
		{"– of which other anonymous memory (≈ RssAnon less the Go runtime's: SQLite's C heap, …)", func(r rest) float64 { return mb(r.rssAnon) - mbBytes(r.goHeld) }},
		{"– of which mapped files (RssFile: kyso's binary, SQLite's -shm)", func(r rest) float64 { return mb(r.rssFile) }},
	} {
		mem.rows = append(mem.rows, []string{f.name, "", fmt.Sprintf("%.1f", f.value(rep.restBefore)), "", fmt.Sprintf("%.1f", f.value(rep.restAfter)), "", ""})
	}

	return []block{head, crit, ops, mem, rep.timeSeries(), rep.notes()}
}

func opRow(name, share string, t opTotals) []string {
	st := stats(t.lat)
	maxLat := time.Duration(0)
	for _, d := range t.lat {
		maxLat = max(maxLat, d)
	}
	failed := fmt.Sprintf("%d", t.failed())
	if t.failed() > 0 {
		failed += " (" + summarizeErrors(t.errs) + ")"
	}
	return []string{name, share, fmt.Sprintf("%d", t.ok+t.failed()), failed, ms(st.mean), ms(st.p50), ms(st.p95), ms(st.p99), ms(maxLat)}
}

// rowEvery is how many samples a row of the time series covers: at most
// about 12 rows, at a round number of samples.
func rowEvery(samples int) int {
	want := (samples + 11) / 12
	for _, k := range []int{1, 2, 3, 6, 12, 18, 30, 60, 120} {
		if k >= want {
			return k
		}
	}
	return want
}

// timeSeries is the samples, a row every rowEvery of them; the window
// columns cover the operations since the previous row.
func (rep *soakReport) timeSeries() block {
	b := block{title: "Time series", header: []string{"t s", "ops/s", "failed", "p50 ms", "p99 ms", "kyso CPU %", "Vault CPU %",
		"kyso RSS MB", "heap MB", "Go MB", "goroutines", "threads", "files", "Vault RSS MB", "load avg"}}
	if len(rep.samples) == 0 {
		return b
	}
	k := rowEvery(len(rep.samples) - 1)
	prev := 0
	for i := range rep.samples {
		if i != 0 && i%k != 0 && i != len(rep.samples)-1 {
			continue
		}
		s := rep.samples[i]
		cells := []string{fmt.Sprintf("%.0f", s.at.Seconds())}
		if i == 0 {
			cells = append(cells, "", "", "", "", "", "")
		} else {
			var ws []window
			for _, x := range rep.samples[prev+1 : i+1] {
				ws = append(ws, x.window)
			}
			w := mergeWindows(ws)
			st := w.stats()
			p := rep.samples[prev]
			wall := s.wall.Sub(p.wall).Seconds()
			cells = append(cells, rate(w.rate()), fmt.Sprintf("%d", w.failed), ms(st.p50), ms(st.p99),
				fmt.Sprintf("%.0f", 100*(s.kysoCPU-p.kysoCPU).Seconds()/wall), fmt.Sprintf("%.0f", 100*(s.vaultCPU-p.vaultCPU).Seconds()/wall))
		}
		cells = append(cells, fmt.Sprintf("%.1f", rssMB(s)), fmt.Sprintf("%.1f", heapMB(s)), fmt.Sprintf("%.1f", goHeldMB(s)),
			fmt.Sprintf("%d", s.goroutines), fmt.Sprintf("%d", s.threads), fmt.Sprintf("%d", s.fds), fmt.Sprintf("%.1f", vaultMB(s)), s.loadAvg)
		b.rows = append(b.rows, cells)
		prev = i
	}
	return b
}

func (rep *soakReport) notes() block {
	c := rep.cfg
	var n []string
	add := func(format string, args ...any) { n = append(n, fmt.Sprintf(format, args...)) }
	var mix []string
	for _, o := range rep.ops {
		mix = append(mix, fmt.Sprintf("%s %d%%", o.name, o.weight))
	}
	add("Mix: %s; a fixed shuffled schedule of these 100, repeated. PDFs are internal/testpdf documents (1, 10 and 40 pages); PDF and CMS signing send the raw body with Kyso-Options, seal credential RSA-2048; B-T and CMS time-stamps come from kyso's TSA, B-LT also embeds kyso's OCSP and CRL answers. Verification posts PDFs (B-B, B-T, B-LT) and detached CMS (without and with a time-stamp) that kyso signed before the load; kyso dev runs with --verify-per-minute -1.", strings.Join(mix, ", "))
	add("Checks: HTTP 200 and, for a signed PDF, the document sent followed by an update with /ByteRange ending in %%%%EOF; for CMS, one DER ContentInfo of a SignedData; for a verification, a valid report with one signature, TOTAL_PASSED. A failed check counts as a failed operation, by kind of error.")
	add("Load: open loop, an operation every 1/rate s whatever the earlier ones are doing (at most %d in flight), latency from the time it was due. The capacity is the same mix closed loop, %d clients, after a warm-up; the capacity measurement and the soak use two client systems, so that the audit log's records of each can be counted.", maxOpen, c.concurrency)
	add("Samples every %s: RSS (VmRSS) and CPU (utime+stime) of kyso and its Vault from /proc, threads and open files of kyso from /proc, goroutines (runtime.NumGoroutine), live Go heap (/gc/heap/live:bytes, what the last GC marked) and the Go runtime's memory (/memory/classes/total:bytes less heap/released: what it holds from the OS) from kyso dev's loopback-only debug listener (--debug-listen; cmd/kyso/debug.go). In the time series, window columns (ops/s to Vault CPU) cover the time since the previous row; the bench's own client runs on the same cores.", c.sample)
	add("Memory criteria: warm-up end and end are each the median of the 3 samples nearest to that time, so that one sample during a burst of 2 MB documents does not decide; the slope is the least-squares line through the samples of the last 2/3 of the soak (after %s). A leak of the RSS slope's limit would be %.1f GB a day.", (c.duration / 3).Round(time.Second), c.limits.rssSlope*60*24/1000)
	add("At-rest criteria (goroutines, open files, live heap): under load all three move with connections and requests in flight (the live heap holds the spooled uploads and the signed documents of the requests in flight, and more of them when latency rises), so they are judged at rest: before and after the soak the bench closes its idle connections, reads the goroutine count every 100 ms until it has not changed for a second, reads kyso's goroutine profile and counts apart the goroutines of connections (net/http's persistConn, two for each keep-alive connection to Vault, whose pool follows the concurrency of the last 90 s, and conn.serve), counts /proc/PID/fd, and reads the live heap, what the Go runtime holds from the OS (/memory/classes/total less heap/released) and the RSS right after a GC that returns the freed memory to the OS (GET /debug/runtime?gc=1, debug.FreeOSMemory): what kyso holds, not what the Go runtime kept from a burst. The RSS at rest and the Go runtime's part of it are reported, not judged: besides the live heap the Go runtime holds stacks, GC metadata and profiling buckets that follow the peak of the run, and the rest of the RSS is modernc SQLite's C heap, whose page caches (2 MB a connection by default, 5 connections) fill as the database grows, and mapped pages of kyso's binary; the under-load RSS criteria cover all of it. The soak-start column is the first sample under load (the capacity measurement has just ended); the at-rest rows' are before the first operation and after the last. kyso's goroutine and heap profiles at both times are kept with -keep.")
	if ch := classChanges(rep.restBefore.classes, rep.restAfter.classes, 256<<10); ch != "" {
		add("The Go runtime's memory at rest, by class of runtime/metrics /memory/classes/ that changed by 0.25 MB or more (heap/released excluded): %s.", ch)
	}
	add("Audit: after the soak kyso is stopped, `kyso audit verify --data DIR` checks the hash chain of the whole log, and the bench counts the records (store.ListAudit) whose actor is each client system.")
	if len(rep.logProblems) > 0 {
		add("kyso's log had warnings or errors: %s.", summarizeErrors(topN(rep.logProblems, 8)))
	} else {
		add("kyso's log had no warning or error besides kyso dev's own.")
	}
	return block{title: "Notes", lines: n, numbered: true}
}

// text is the report for a terminal.
func (rep *soakReport) text() string {
	var sb strings.Builder
	for _, b := range rep.blocks() {
		if b.title != "" {
			sb.WriteString(b.title + ":\n")
		}
		for i, l := range b.lines {
			if b.numbered {
				fmt.Fprintf(&sb, "%d. ", i+1)
			}
			sb.WriteString(strings.ReplaceAll(l, "**", "") + "\n")
		}
		if len(b.header) > 0 {
			tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, strings.Join(b.header, "\t"))
			for _, r := range b.rows {
				fmt.Fprintln(tw, strings.Join(dashEmpty(r), "\t"))
			}
			tw.Flush()
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// markdown is the generated section of docs/soak.md.
func (rep *soakReport) markdown() string {
	var sb strings.Builder
	sb.WriteString("_Generated by `make soak` (tools/bench/soak.go); do not edit between the markers._\n\n")
	for _, b := range rep.blocks() {
		if b.title != "" {
			sb.WriteString("### " + b.title + "\n\n")
		}
		for i, l := range b.lines {
			if b.numbered {
				fmt.Fprintf(&sb, "%d. %s\n", i+1, mdEscape(l))
			} else {
				sb.WriteString("- " + mdEscape(l) + "\n")
			}
		}
		if len(b.header) > 0 {
			row := func(cells []string) {
				out := make([]string, len(cells))
				for i, c := range cells {
					out[i] = mdEscape(c)
				}
				sb.WriteString("| " + strings.Join(out, " | ") + " |\n")
			}
			row(b.header)
			row(slices.Repeat([]string{"---"}, len(b.header)))
			for _, r := range b.rows {
				row(r)
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}
