package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Markers of the generated section of -out.
const (
	beginMarker = "<!-- bench:begin -->"
	endMarker   = "<!-- bench:end -->"
)

// Targets of issues 5 and 12.
const (
	targetSingle   = 0.7  // kyso single / pdfsign in process, 200 KB (issue 12; 0.6 in issue 5)
	targetKysoCPU  = 1.0  // ms of kyso's own CPU per 200 KB document, single requests (issue 12)
	targetBatch    = 0.85 // kyso batch / pdfsign in process, 200 KB
	targetBatchVs  = 1.3  // kyso batch / kyso single, 200 KB (issue 12)
	targetCLI      = 10.0 // kyso single / pdfsign command line, 200 KB
	targetSHAs     = 3.0  // t(20 MB) ≤ t(200 KB) + 3 × SHA-256(20 MB)
	targetP99      = 50 * time.Millisecond
	targetRSSBase  = 150.0 // MB, plus 3 × document size × requests in flight
	targetRSSPer   = 3.0
	targetVerify   = 3.0 // kyso verify / pdfsig, kyso's B-T output
	targetVerifyRW = 1.0 // kyso's API / pdfsig, the real-world corpus
	realworldLabel = "real-world"
)

// machine describes where the bench ran.
type machine struct {
	cpus      int
	cpuModel  string
	memory    string
	kernel    string
	goVersion string
	vault     string
	commit    string
	date      time.Time
	loadStart string
}

func describeMachine(ctx context.Context, cfg config) machine {
	m := machine{
		cpus:      runtime.NumCPU(),
		cpuModel:  "?",
		memory:    "?",
		goVersion: runtime.Version(),
		date:      time.Now().UTC(),
		loadStart: loadAverage(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpuModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if kb, err := meminfoKB("MemTotal"); err == nil {
		m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if out, err := exec.CommandContext(ctx, cfg.vaultBin, "version").Output(); err == nil {
		m.vault = strings.TrimSpace(string(out))
	} else {
		m.vault = "? (" + err.Error() + ")"
	}
	if out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty").Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
	}
	return m
}

func meminfoKB(field string) (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == field {
			var n int64
			_, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &n)
			return n, err
		}
	}
	return 0, fmt.Errorf("/proc/meminfo: no %s", field)
}

// summary is the median of a measurement's rounds.
type summary struct {
	figure
	spread float64 // (max − min) / 2 / median of the rate
	rounds int
	ok     bool
}

func (b *bench) median(k string) summary {
	fs := b.results[k]
	if len(fs) == 0 {
		return summary{}
	}
	med := func(get func(figure) float64) float64 {
		v := make([]float64, len(fs))
		for i, f := range fs {
			v[i] = get(f)
		}
		slices.Sort(v)
		if n := len(v); n%2 == 1 {
			return v[n/2]
		} else {
			return (v[n/2-1] + v[n/2]) / 2
		}
	}
	dur := func(get func(figure) time.Duration) time.Duration {
		return time.Duration(med(func(f figure) float64 { return float64(get(f)) }))
	}
	s := summary{ok: true, rounds: len(fs)}
	s.rate = med(func(f figure) float64 { return f.rate })
	s.lat.mean = dur(func(f figure) time.Duration { return f.lat.mean })
	s.lat.p50 = dur(func(f figure) time.Duration { return f.lat.p50 })
	s.lat.p95 = dur(func(f figure) time.Duration { return f.lat.p95 })
	s.lat.p99 = dur(func(f figure) time.Duration { return f.lat.p99 })
	s.cpu = dur(func(f figure) time.Duration { return f.cpu })
	s.vaultCPU = dur(func(f figure) time.Duration { return f.vaultCPU })
	s.clientCPU = dur(func(f figure) time.Duration { return f.clientCPU })
	s.rssKB = int64(med(func(f figure) float64 { return float64(f.rssKB) }))
	s.offered = med(func(f figure) float64 { return f.offered })
	lo, hi := fs[0].rate, fs[0].rate
	for _, f := range fs {
		s.ops += f.ops
		s.failed += f.failed
		lo, hi = min(lo, f.rate), max(hi, f.rate)
	}
	if s.rate > 0 {
		s.spread = (hi - lo) / 2 / s.rate
	}
	return s
}

// row is a line of the table; a row with only a title is a section.
type row struct {
	what, size                    string
	rate, spread                  string
	mean, p50, p95, p99, cpu, rss string
	peers, target                 string
	section                       bool
}

var header = row{what: "measurement", size: "size", rate: "docs/s", spread: "±", mean: "mean ms", p50: "p50 ms", p95: "p95 ms", p99: "p99 ms", cpu: "CPU ms/doc", rss: "RSS MB", peers: "vs peers", target: "target"}

func (r row) cells() []string {
	return []string{r.what, r.size, r.rate, r.spread, r.mean, r.p50, r.p95, r.p99, r.cpu, r.rss, r.peers, r.target}
}

// figureRow fills the measured cells of a row.
func figureRow(what, size string, s summary) row {
	r := row{what: what, size: size}
	if !s.ok {
		r.rate = "n/a"
		return r
	}
	r.rate = rate(s.rate)
	if s.rounds > 1 {
		r.spread = fmt.Sprintf("%.0f%%", 100*s.spread)
	}
	if s.lat.mean > 0 {
		r.mean = ms(s.lat.mean)
	}
	if s.lat.p50 > 0 && s.ops > 0 {
		r.p50, r.p95, r.p99 = ms(s.lat.p50), ms(s.lat.p95), ms(s.lat.p99)
	}
	switch {
	case s.vaultCPU > 0:
		r.cpu = ms(s.cpu-s.vaultCPU) + " + " + ms(s.vaultCPU)
	case s.cpu > 0:
		r.cpu = ms(s.cpu)
	}
	if s.rssKB > 0 {
		r.rss = fmt.Sprintf("%.0f", mb(s.rssKB))
	}
	if s.failed > 0 {
		r.target = fmt.Sprintf("%d of %d FAILED", s.failed, s.ops)
	}
	return r
}

// report is the bench's results: one table, the real-world files in
// detail, and notes.
type report struct {
	machine  machine
	cfg      config
	elapsed  time.Duration
	rows     []row
	detail   [][]string
	notes    []string
	verdicts []string
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "n/a"
	}
	r := a / b
	switch {
	case r >= 10:
		return fmt.Sprintf("%.0f×", r)
	case r >= 1:
		return fmt.Sprintf("%.1f×", r)
	default:
		return fmt.Sprintf("%.2f×", r)
	}
}

func (b *bench) report() *report {
	rep := &report{machine: b.machine, cfg: b.cfg, elapsed: b.elapsed}
	add := func(r row) { rep.rows = append(rep.rows, r) }
	target := func(r *row, text string, ok bool) {
		if r.rate == "n/a" {
			return // not measured in this run (-sign-only, -xml-only): no verdict
		}
		t := fmt.Sprintf("%s: %s", text, verdict(ok))
		if r.target != "" {
			r.target += "; "
		}
		r.target += t
		rep.verdicts = append(rep.verdicts, t+" ("+r.what+", "+r.size+")")
	}
	conc := b.cfg.concurrency
	small, large := b.docs[0], b.docs[len(b.docs)-1]
	rsaT := b.median(key(kRSA, noDoc))

	add(row{what: "Signing: PAdES B-B, RSA-2048", section: true})
	for _, d := range b.docs {
		single := b.median(key(kSign16, d.key))
		one := b.median(key(kSign1, d.key))
		batch := b.median(key(kBatch, d.key))
		inproc := b.median(key(kInproc, d.key))
		cli := b.median(key(kCLI, d.key))
		sha := b.median(key(kSHA, d.key))

		r := figureRow(fmt.Sprintf("kyso HTTP ×%d", conc), d.label, single)
		r.peers = fmt.Sprintf("%s pdfsign in-process; %s pdfsign CLI", ratio(single.rate, inproc.rate), ratio(single.rate, cli.rate))
		if d == small {
			target(&r, fmt.Sprintf("≥ %.1f× in-process", targetSingle), single.rate >= targetSingle*inproc.rate)
			target(&r, fmt.Sprintf("≥ %.0f× CLI", targetCLI), single.rate >= targetCLI*cli.rate)
			kysoCPU := single.cpu - single.vaultCPU
			target(&r, fmt.Sprintf("kyso CPU ≤ %.1f ms", targetKysoCPU), single.cpu > 0 && kysoCPU.Seconds()*1000 <= targetKysoCPU)
		}
		limit := targetRSSBase + targetRSSPer*float64(len(d.data))*float64(conc)/1e6
		target(&r, fmt.Sprintf("RSS ≤ %.0f MB", limit), mb(single.rssKB) <= limit)
		add(r)

		r = figureRow("kyso HTTP ×1", d.label, one)
		if d == large {
			allowed := b.median(key(kSign1, small.key)).lat.mean + time.Duration(targetSHAs*float64(sha.lat.mean))
			r.peers = fmt.Sprintf("allowed %s ms = t(%s) %s + 3 × SHA-256 %s", ms(allowed), small.label, ms(allowed-3*sha.lat.mean), ms(sha.lat.mean))
			target(&r, fmt.Sprintf("t(%s) ≤ t(%s) + 3×SHA-256", d.label, small.label), one.lat.mean <= allowed)
		}
		add(r)

		r = figureRow(fmt.Sprintf("kyso batch, %d/request ×%d", d.perBatch, b.cfg.batchConc), d.label, batch)
		r.peers = fmt.Sprintf("%s pdfsign in-process; %s kyso HTTP", ratio(batch.rate, inproc.rate), ratio(batch.rate, single.rate))
		if d == small {
			target(&r, fmt.Sprintf("≥ %.2f× in-process", targetBatch), batch.rate >= targetBatch*inproc.rate)
			target(&r, fmt.Sprintf("≥ %.1f× kyso HTTP", targetBatchVs), batch.rate >= targetBatchVs*single.rate)
		}
		limit = targetRSSBase + targetRSSPer*float64(len(d.data)*d.perBatch)*float64(b.cfg.batchConc)/1e6
		target(&r, fmt.Sprintf("RSS ≤ %.0f MB", limit), mb(batch.rssKB) <= limit)
		add(r)

		r = figureRow(fmt.Sprintf("pdfsign in-process ×%d", conc), d.label, inproc)
		r.peers = "ceiling: no HTTP, no Vault"
		add(r)
		r = figureRow(fmt.Sprintf("pdfsign CLI, a process a document ×%d", conc), d.label, cli)
		add(r)
		r = figureRow("SHA-256 of the document", d.label, sha)
		add(r)
		if sha.ok && rsaT.ok {
			bound := float64(cores()) / (sha.lat.mean + rsaT.lat.mean).Seconds()
			add(row{what: fmt.Sprintf("physics: %d cores / (SHA-256 + RSA sign)", cores()), size: d.label, rate: rate(bound),
				mean: ms(sha.lat.mean + rsaT.lat.mean), peers: fmt.Sprintf("kyso HTTP at %.1f%% of it", 100*single.rate/bound)})
		}
	}

	add(row{what: "Keys: RSA-2048 PKCS#1 v1.5 of a SHA-256 digest", section: true})
	r := figureRow("RSA sign in process, 1 core", "", rsaT)
	add(r)
	inprocRSA := float64(cores()) * rsaT.rate
	v1 := b.median(key(kVault1, noDoc))
	r = figureRow(fmt.Sprintf("Vault Transit, 1 digest/request ×%d", conc), "", v1)
	r.peers = fmt.Sprintf("%s in-process RSA on %d cores", ratio(v1.rate, inprocRSA), cores())
	add(r)
	vn := b.median(key(kVaultN, noDoc))
	r = figureRow(fmt.Sprintf("Vault Transit, batch_input %d ×%d", vaultN, conc), "", vn)
	r.peers = fmt.Sprintf("%s in-process RSA on %d cores", ratio(vn.rate, inprocRSA), cores())
	add(r)

	add(row{what: "Latency at half the peak", section: true})
	half := b.median(key(kHalf, small.key))
	r = figureRow(fmt.Sprintf("kyso HTTP, open loop at %.0f/s", half.offered), small.label, half)
	r.peers = fmt.Sprintf("½ of kyso HTTP ×%d", conc)
	target(&r, fmt.Sprintf("p99 ≤ %d ms", targetP99.Milliseconds()), half.ok && half.lat.p99 <= targetP99)
	add(r)

	add(row{what: "Verification", section: true})
	for _, on := range []struct{ k, label string }{{btKey, "kyso B-T " + small.label}, {allFiles, fmt.Sprintf("%s (%d files)", realworldLabel, len(b.realworld))}} {
		api := b.median(key(kVerAPI, on.k))
		cli := b.median(key(kVerCLI, on.k))
		sig := b.median(key(kVerSig, on.k))
		r := figureRow(fmt.Sprintf("kyso POST /v1/verify/pdf ×%d", conc), on.label, api)
		r.peers = ratio(api.rate, sig.rate) + " pdfsig"
		if on.k == btKey {
			target(&r, fmt.Sprintf("≥ %.0f× pdfsig", targetVerify), api.rate >= targetVerify*sig.rate)
		} else {
			target(&r, fmt.Sprintf("≥ %.0f× pdfsig", targetVerifyRW), api.rate >= targetVerifyRW*sig.rate)
		}
		add(r)
		r = figureRow(fmt.Sprintf("kyso verify CLI, a process a document ×%d", conc), on.label, cli)
		r.peers = ratio(cli.rate, sig.rate) + " pdfsig"
		add(r)
		if on.k == btKey {
			many := b.median(key(kVerMany, on.k))
			r = figureRow(fmt.Sprintf("kyso verify CLI, %d documents a process ×%d", cliBatch, conc), on.label, many)
			r.peers = ratio(many.rate, sig.rate) + " pdfsig"
			target(&r, fmt.Sprintf("≥ %.0f× pdfsig", targetVerify), many.rate >= targetVerify*sig.rate)
			add(r)
		}
		add(figureRow(fmt.Sprintf("pdfsig, a process a document ×%d", conc), on.label, sig))
	}

	b.xmlRows(add, target)

	rwConc := min(conc, b.cfg.verifyOps)
	for _, f := range b.realworld {
		api := b.median(key(kVerAPI, rwPrefix+f.key))
		cli := b.median(key(kVerCLI, rwPrefix+f.key))
		sig := b.median(key(kVerSig, rwPrefix+f.key))
		failed := api.failed + cli.failed + sig.failed
		status := "ok"
		if failed > 0 {
			status = fmt.Sprintf("%d failed", failed)
		}
		rep.detail = append(rep.detail, []string{f.key, fmt.Sprintf("%d", len(f.data)), rate(api.rate), rate(cli.rate), rate(sig.rate),
			ratio(api.rate, sig.rate), ratio(cli.rate, sig.rate), status})
	}

	// Notes.
	n := func(format string, args ...any) { rep.notes = append(rep.notes, fmt.Sprintf(format, args...)) }
	var sizes []string
	for _, d := range b.docs {
		sizes = append(sizes, fmt.Sprintf("%s = %d bytes, %d pages", d.label, len(d.data), d.pages))
	}
	n("Documents: internal/testpdf.Make; %s. Every figure is the median of %d round(s); ± is half the range of docs/s over the rounds, relative to the median. All rounds of one size run before the next size, small to large; the measurements that do not depend on the size run with 200 KB.", strings.Join(sizes, "; "), b.cfg.rounds)
	var client []string
	for _, d := range b.docs {
		client = append(client, fmt.Sprintf("%s ms at %s", ms(b.median(key(kSign16, d.key)).clientCPU), d.label))
	}
	n("The clients run in the bench's process on the same %d cores as kyso and Vault and take CPU from them (the bench's own CPU per document in kyso HTTP ×%d: %s); other work on the machine adds noise (load average before the bench: %s).", cores(), conc, strings.Join(client, ", "), b.machine.loadStart)
	n("kyso HTTP: POST /v1/sign/pdf with the PDF as the body and Kyso-Options {\"credential_id\",\"level\":\"B-B\"}, %d keep-alive clients on one transport; latency is per request. CPU ms/doc is kyso's + Vault's (utime+stime from /proc/PID/stat) over the documents signed or verified. RSS MB is kyso's peak during the phase (rows with a target only): the larger of VmHWM (reset through /proc/PID/clear_refs before the phase) and VmRSS sampled every 100 ms. Go returns freed heap to the system only after later collections, so before each of these phases the bench restarts kyso dev (same data directory) if it holds more than %.0f MB from earlier phases; it did %d times. The RSS target allows 150 MB + 3 × document size × requests in flight (for batches: the batch's bytes × concurrent batches).", conc, b.rssLimitMB, b.restarts)
	n("kyso batch: POST /v1/sign/pdf/batch, multipart/form-data in, multipart/mixed out (Accept: multipart/mixed: the signed PDFs as binary parts), %d concurrent requests (-batch-concurrency) of %d documents (%s: %d, what fits in http.max_batch_bytes = 256 MiB); latency is per batch request. 16 concurrent batches (the other rows' concurrency) would each take longer than kyso's 30 s request budget on 2 cores (8 took about 21 s a batch at 2 MB); 2 left a core idle.", b.cfg.batchConc, b.cfg.batchDocs, large.label, large.perBatch)
	n("pdfsign in-process: github.com/digitorus/pdfsign v1.0.0-rc2, Format(PAdES_B) (ETSI.CAdES.detached), approval signature, in-memory RSA-2048 key under a self-made root (a 2-certificate chain), output discarded; CPU ms/doc is the bench process's. pdfsign CLI: bench/pdfsign-cli (upstream's main over pdfsign's cli package) `sign -tsa \"\" -certType ApprovalSignature`, one process per document, %d at a time; it has no PAdES option and signs adbe.pkcs7.detached (pdfsign's default format, with a signing-time attribute); CPU ms/doc is the processes' own.", conc)
	n("physics: SHA-256 (Go crypto/sha256) of the document plus one RSA-2048 PKCS#1 v1.5 signature (Go crypto/rsa), each timed on one core; the bound is %d cores divided by their sum.", cores())
	n("Vault Transit: key %s (rsa-2048) on kyso dev's Vault, transit/sign with prehashed=true, hash_algorithm sha2-256, signature_algorithm pkcs1v15, through github.com/hashicorp/vault/api; docs/s are signatures/s, CPU is Vault's.", rawKeyName)
	n("Half the peak: requests start at a fixed rate (half this round's kyso HTTP ×%d at %s) for max(-duration, 1 s) whatever the earlier ones are doing; latency counts from the time each request was due.", conc, small.label)
	btState := "valid (TOTAL_PASSED)"
	if !b.btValid {
		btState = "NOT valid by kyso's own verifier"
	}
	n("Verification: kyso's B-T output is the %s document signed once at \"level\":\"B-T\"; kyso's API reports it %s. POST /v1/verify/pdf runs at most verify.concurrency = 4 verifications at once (the others wait); kyso dev runs with --verify-per-minute -1. `kyso verify --no-kyso --trust DIR` trusts kyso's root only (exit 0–2 are verdicts); pdfsig is poppler's (NSS, its default trust). Real-world files: each PDF under %s, %d verifications per file per verifier per round, %d at a time; the aggregate is all verifications over their total time.", small.label, btState, b.cfg.realworld, b.cfg.verifyOps, rwConc)
	n("%s", b.xmlNote())
	var names []string
	for name := range b.problems {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		n("Errors in %s: %s.", name, summarizeErrors(b.problems[name]))
	}
	if len(b.logProblems) > 0 {
		n("kyso's log had warnings or errors: %s.", summarizeErrors(topN(b.logProblems, 8)))
	}
	return rep
}

// topN keeps the n most frequent entries.
func topN(m map[string]int, n int) map[string]int {
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range m {
		l = append(l, kv{k, v})
	}
	slices.SortFunc(l, func(a, b kv) int { return b.v - a.v })
	out := map[string]int{}
	for i, x := range l {
		if i == n {
			break
		}
		out[x.k] = x.v
	}
	return out
}

func (rep *report) context() []string {
	m := rep.machine
	flags := strings.Join(rep.cfg.flagsAsPassed, " ")
	if flags == "" {
		flags = "(none)"
	}
	return []string{
		fmt.Sprintf("Machine: %d CPUs (nproc), %s, %s RAM, %s", m.cpus, m.cpuModel, m.memory, m.kernel),
		fmt.Sprintf("Software: %s; %s; pdfsig %s; kyso %s", m.goVersion, m.vault, pdfsigVersion(rep.cfg.pdfsig), orUnknown(m.commit)),
		fmt.Sprintf("Run: %s, %s; flags: %s (rounds %d, duration %s, concurrency %d, batch concurrency %d, batch documents %d, verify ops %d)",
			m.date.Format("2006-01-02 15:04 MST"), rep.elapsed.Round(time.Second), flags,
			rep.cfg.rounds, rep.cfg.duration, rep.cfg.concurrency, rep.cfg.batchConc, rep.cfg.batchDocs, rep.cfg.verifyOps),
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// pdfsigVersion returns pdfsig's version line.
func pdfsigVersion(path string) string {
	out, _ := exec.Command(path, "-v").CombinedOutput()
	line := firstLine(string(out))
	return strings.TrimPrefix(line, "pdfsig version ")
}

// text is the report for a terminal.
func (rep *report) text() string {
	var sb strings.Builder
	for _, c := range rep.context() {
		sb.WriteString(c + "\n")
	}
	sb.WriteString("\n")
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	writeRow := func(cells []string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }
	writeRow(header.cells())
	for _, r := range rep.rows {
		if r.section {
			writeRow([]string{"— " + r.what + " —"})
			continue
		}
		writeRow(dashEmpty(r.cells()))
	}
	tw.Flush()
	sb.WriteString("\nReal-world files (detail of the verification rows):\n")
	tw = tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	writeRow(detailHeader)
	for _, d := range rep.detail {
		writeRow(d)
	}
	tw.Flush()
	sb.WriteString("\nTargets:\n")
	for _, v := range rep.verdicts {
		sb.WriteString("  " + v + "\n")
	}
	sb.WriteString("\nNotes:\n")
	for i, n := range rep.notes {
		fmt.Fprintf(&sb, "%d. %s\n", i+1, n)
	}
	return sb.String()
}

var detailHeader = []string{"file", "bytes", "API docs/s", "CLI docs/s", "pdfsig docs/s", "API/pdfsig", "CLI/pdfsig", "status"}

func dashEmpty(cells []string) []string {
	out := slices.Clone(cells)
	for i, c := range out {
		if c == "" {
			out[i] = "-"
		}
	}
	return out
}

// markdown is the generated section of docs/benchmarks.md.
func (rep *report) markdown() string {
	var sb strings.Builder
	sb.WriteString("_Generated by `make bench` (tools/bench/main.go); do not edit between the markers._\n\n")
	for _, c := range rep.context() {
		sb.WriteString("- " + mdEscape(c) + "\n")
	}
	sb.WriteString("\n")
	mdRow := func(cells []string) {
		for i := range cells {
			cells[i] = mdEscape(cells[i])
		}
		sb.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	mdRow(header.cells())
	mdRow(slices.Repeat([]string{"---"}, len(header.cells())))
	for _, r := range rep.rows {
		if r.section {
			cells := make([]string, len(header.cells()))
			cells[0] = "**" + r.what + "**"
			sb.WriteString("| " + strings.Join(cells, " | ") + " |\n")
			continue
		}
		mdRow(r.cells())
	}
	sb.WriteString("\nReal-world files (detail of the verification rows):\n\n")
	mdRow(slices.Clone(detailHeader))
	mdRow(slices.Repeat([]string{"---"}, len(detailHeader)))
	for _, d := range rep.detail {
		mdRow(slices.Clone(d))
	}
	sb.WriteString("\nTargets:\n\n")
	for _, v := range rep.verdicts {
		sb.WriteString("- " + mdEscape(v) + "\n")
	}
	sb.WriteString("\nNotes:\n\n")
	for i, n := range rep.notes {
		fmt.Fprintf(&sb, "%d. %s\n", i+1, mdEscape(n))
	}
	return sb.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// mdSection is a generated section of a markdown file: its markers, and
// the text that opens the file when there is no file yet.
type mdSection struct {
	begin, end, intro string
}

// benchSection is the bench's section of docs/benchmarks.md.
var benchSection = mdSection{begin: beginMarker, end: endMarker, intro: "# Benchmarks\n\n" +
	"`make bench` measures kyso's PDF signing and verification on the machine it runs on, against\n" +
	"in-process pdfsign (the ceiling), pdfsign's command line, raw Vault Transit and poppler's\n" +
	"pdfsig; tools/bench/main.go says how. Text outside the markers below is kept when the bench\n" +
	"rewrites its section.\n\n"}

// writeMarkdown rewrites the generated section sec of path, keeping the
// text around it; a missing file is created with sec's introduction.
func writeMarkdown(path string, sec mdSection, section string) error {
	gen := sec.begin + "\n" + section + sec.end + "\n"
	old, err := os.ReadFile(path)
	var out string
	switch {
	case errors.Is(err, fs.ErrNotExist):
		out = sec.intro + gen
	case err != nil:
		return err
	default:
		s := string(old)
		i, j := strings.Index(s, sec.begin), strings.Index(s, sec.end)
		switch {
		case i >= 0 && j > i:
			rest := s[j+len(sec.end):]
			rest = strings.TrimPrefix(rest, "\n")
			out = s[:i] + gen + rest
		case i < 0 && j < 0:
			out = strings.TrimRight(s, "\n") + "\n\n" + gen
		default:
			return fmt.Errorf("%s: unbalanced %s / %s markers; fix them by hand", path, sec.begin, sec.end)
		}
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// readFileLimit reads at most the last max bytes of a file.
func readFileLimit(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		if _, err := f.Seek(-max, io.SeekEnd); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(f)
}

// logNoise matches the fields of a kyso log line that differ between
// otherwise equal lines.
var logNoise = regexp.MustCompile(`\b(time|request_id|remote|duration|elapsed|took|bytes|id)=("[^"]*"|\S+)\s*`)

func stripLogNoise(line string) string {
	s := strings.TrimSpace(logNoise.ReplaceAllString(line, ""))
	if len(s) > 240 {
		s = s[:240] + "…"
	}
	return s
}

// rate formats a rate with three significant digits or so.
func rate(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	case r >= 10:
		return fmt.Sprintf("%.1f", r)
	default:
		return fmt.Sprintf("%.2f", r)
	}
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// mb converts /proc's kB (KiB) to MB.
func mb(kb int64) float64 { return float64(kb) * 1024 / 1e6 }
