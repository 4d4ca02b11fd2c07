package main

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLeastSquaresSlope(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []float64
		want float64
	}{
		{"line", []float64{0, 1, 2, 3}, []float64{1, 4, 7, 10}, 3},
		{"flat", []float64{0, 1, 2}, []float64{5, 5, 5}, 0},
		{"falling", []float64{1, 2, 3}, []float64{3, 2, 1}, -1},
		{"noise around a line", []float64{0, 1, 2, 3}, []float64{0, 2, 2, 4}, 1.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := leastSquaresSlope(tc.x, tc.y); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("leastSquaresSlope(%v, %v) = %v, want %v", tc.x, tc.y, got, tc.want)
			}
		})
	}
	if got := leastSquaresSlope([]float64{2, 2}, []float64{1, 3}); !math.IsNaN(got) {
		t.Errorf("leastSquaresSlope of equal x = %v, want NaN", got)
	}
}

// series makes a sample every 10 s for dur with kyso's RSS (MB) and live
// heap (MB) given by functions of the time in minutes.
func series(dur time.Duration, rss, heap func(min float64) float64) []sample {
	var out []sample
	for at := time.Duration(0); at <= dur; at += 10 * time.Second {
		m := at.Minutes()
		out = append(out, sample{at: at, kysoRSS: int64(rss(m) * 1e6 / 1024), heapLive: uint64(heap(m) * 1e6)})
	}
	return out
}

func TestSlopeFromAndAround(t *testing.T) {
	// A high start (the capacity measurement's memory, given back) and
	// then 0.5 MB/min: only the last 2/3 count.
	s := series(9*time.Minute, func(m float64) float64 {
		if m < 2 {
			return 200
		}
		return 100 + 0.5*m
	}, func(float64) float64 { return 5 })
	if got := slopeFrom(s, 3*time.Minute, rssMB); math.Abs(got-0.5) > 0.01 {
		t.Errorf("slopeFrom(last 2/3) = %.3f MB/min, want 0.5", got)
	}
	if got := slopeFrom(s[:2], 0, rssMB); !math.IsNaN(got) {
		t.Errorf("slopeFrom(2 samples) = %v, want NaN", got)
	}

	// One sample in a burst does not move the level around it.
	s = series(2*time.Minute, func(float64) float64 { return 100 }, func(float64) float64 { return 5 })
	s[6].kysoRSS *= 3 // at 60 s
	if got := around(s, time.Minute, 3, rssMB); math.Abs(got-100) > 0.01 {
		t.Errorf("around(60 s) with a spike at 60 s = %.2f MB, want 100", got)
	}
	if got := around(s, 2*time.Minute, 3, rssMB); math.Abs(got-100) > 0.01 {
		t.Errorf("around(end) = %.2f MB, want 100", got)
	}
}

func TestJudge(t *testing.T) {
	flat := func(float64) float64 { return 100 }
	const dur = 10 * time.Minute
	good := func() *soakReport {
		return &soakReport{
			cfg:        soakConfig{duration: dur, warmup: time.Minute, limits: soakLimits{rssGrowth: 0.10, rssSlope: 1, heapGrowth: 2, goroutines: 5}},
			samples:    series(dur, flat, func(float64) float64 { return 5 }),
			byOp:       []opTotals{{ok: 1000}},
			restBefore: rest{goroutines: 40, files: 30, heapLive: 3e6, goHeld: 14e6},
			restAfter:  rest{goroutines: 42, files: 31, heapLive: 4.5e6, goHeld: 15e6},
			audit: soakAudit{chainOK: true, records: 1500,
				soakSigned: map[string]int{"sign.pdf": 900}, soakCounted: map[string]int{"sign.pdf": 900},
				capSigned: map[string]int{"sign.cms": 5}, capCounted: map[string]int{"sign.cms": 5}},
		}
	}
	for _, tc := range []struct {
		name   string
		change func(r *soakReport)
		fail   []string // the criteria that fail
	}{
		{"flat", func(*soakReport) {}, nil},
		{"noisy but flat", func(r *soakReport) {
			for i := range r.samples {
				r.samples[i].kysoRSS += int64(i%3) * 4000 // ±4 MB
			}
		}, nil},
		{"an error", func(r *soakReport) { r.byOp[0].errs = map[string]int{"HTTP 500": 1} }, []string{"errors"}},
		{"an error in the capacity measurement", func(r *soakReport) { r.capacity.errs = map[string]int{"EOF": 1} }, []string{"errors"}},
		{"an ERROR line", func(r *soakReport) { r.logProblems = map[string]int{"level=ERROR msg=x": 1, "level=WARN msg=y": 3} }, []string{"kyso's log"}},
		{"a warning only", func(r *soakReport) { r.logProblems = map[string]int{"level=WARN msg=y": 3} }, nil},
		{"a signature not audited", func(r *soakReport) { r.audit.soakCounted["sign.pdf"]-- }, []string{"audit"}},
		{"an audit record too many", func(r *soakReport) { r.audit.capCounted["sign.pdf"] = 1 }, []string{"audit"}},
		{"a broken chain", func(r *soakReport) { r.audit.chainOK = false }, []string{"audit"}},
		// 2 MB/min: +18 MB (18%) from the warm-up's end.
		{"RSS leak", func(r *soakReport) {
			r.samples = series(dur, func(m float64) float64 { return 100 + 2*m }, func(float64) float64 { return 5 })
		}, []string{"RSS growth", "RSS slope"}},
		// 1.5 MB/min but only +9% by the end: the slope catches it.
		{"slow RSS leak", func(r *soakReport) {
			r.samples = series(dur, func(m float64) float64 { return 150 + 1.5*m }, func(float64) float64 { return 5 })
		}, []string{"RSS slope"}},
		{"heap leak", func(r *soakReport) { r.restAfter.heapLive = 5.1e6 }, []string{"heap at rest"}},
		{"heap at rest smaller", func(r *soakReport) { r.restAfter.heapLive = 1e6 }, nil},
		// A burst at the end: RSS under load is up, at rest it is not.
		{"burst at the end", func(r *soakReport) {
			for i := len(r.samples) - 3; i < len(r.samples); i++ {
				r.samples[i].kysoRSS *= 2
			}
		}, []string{"RSS growth", "RSS slope"}},
		{"goroutine leak", func(r *soakReport) { r.restAfter.goroutines = 46 }, []string{"goroutines"}},
		{"more connections", func(r *soakReport) { r.restAfter.goroutines, r.restAfter.connGoroutines = 60, 20 }, nil},
		{"fewer connections, a leak", func(r *soakReport) {
			r.restBefore.connGoroutines = 10
			r.restAfter.goroutines = 44
		}, []string{"goroutines"}},
		{"file leak", func(r *soakReport) { r.restAfter.files = 36 }, []string{"open files"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.change(r)
			r.judge()
			var failed []string
			for _, c := range r.criteria {
				if !c.pass {
					failed = append(failed, c.name)
				}
			}
			if !slices.Equal(failed, tc.fail) {
				t.Errorf("failed criteria = %q, want %q\n%v", failed, tc.fail, r.criteria)
			}
			if got := len(r.failed()) > 0; got != (len(tc.fail) > 0) {
				t.Errorf("failed() = %q, want failures %v", r.failed(), len(tc.fail) > 0)
			}
		})
	}
}

func TestCountGoroutines(t *testing.T) {
	profile := "goroutine profile: total 6\n" +
		"2 @ 0x48d1aa 0x44d617\n" +
		"#\t0x48c3a4\tinternal/poll.runtime_pollWait+0x84\t\t/go/src/runtime/netpoll.go:351\n" +
		"#\t0x6ed4e3\tnet/http.(*persistConn).Read+0x46\t\t/go/src/net/http/transport.go:2100\n" +
		"\n" +
		"2 @ 0x48d1aa\n" +
		"#\t0x6ed612\tnet/http.(*persistConn).writeLoop+0xe5\t\t/go/src/net/http/transport.go:2600\n" +
		"\n" +
		"1 @ 0x48d1aa\n" +
		"#\t0x6ed612\tmain.(*app).maintain+0xe4\t\t/kyso/cmd/kyso/serve.go:226\n" +
		"\n" +
		"1 @ 0x48d1aa\n" +
		"#\t0x6ed612\tnet/http.(*conn).serve+0x2f\t\t/go/src/net/http/server.go:2100\n"
	total, conn, err := countGoroutines(profile)
	if err != nil || total != 6 || conn != 5 {
		t.Errorf("countGoroutines = %d, %d, %v; want 6, 5, nil", total, conn, err)
	}
	if _, _, err := countGoroutines("<html>"); err == nil {
		t.Error("countGoroutines(not a profile) succeeded")
	}
}

func TestClassChanges(t *testing.T) {
	before := map[string]uint64{"heap/objects": 2e6, "os-stacks": 1e6, "metadata/other": 5e6, "heap/released": 1e6, "total": 9e6}
	after := map[string]uint64{"heap/objects": 2.1e6, "os-stacks": 3e6, "metadata/other": 4e6, "heap/released": 9e6, "total": 18e6, "new": 0.5e6}
	want := "os-stacks 1.00 → 3.00 MB, metadata/other 5.00 → 4.00 MB, new 0.00 → 0.50 MB"
	if got := classChanges(before, after, 256<<10); got != want {
		t.Errorf("classChanges = %q, want %q", got, want)
	}
}

func TestRowEvery(t *testing.T) {
	for _, tc := range []struct{ samples, want int }{{6, 1}, {12, 1}, {13, 2}, {60, 6}, {61, 6}, {72, 6}, {73, 12}} {
		if got := rowEvery(tc.samples); got != tc.want {
			t.Errorf("rowEvery(%d) = %d, want %d", tc.samples, got, tc.want)
		}
	}
}

func TestSchedule(t *testing.T) {
	ops := []soakOp{{name: "a", weight: 70}, {name: "b", weight: 25}, {name: "c", weight: 5}}
	plan := schedule(ops)
	count := make([]int, len(ops))
	for _, i := range plan {
		count[i]++
	}
	if !slices.Equal(count, []int{70, 25, 5}) {
		t.Errorf("schedule counts = %v, want the weights", count)
	}
	if again := schedule(ops); !slices.Equal(plan, again) {
		t.Error("schedule is not the same twice")
	}
	if slices.IsSorted(plan) {
		t.Error("schedule is not shuffled")
	}
}

func TestChecks(t *testing.T) {
	in := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	update := []byte("2 0 obj\n<</Type/Sig/ByteRange[0 10 20 30]>>\nendobj\n%%EOF\n")
	for _, tc := range []struct {
		name string
		out  []byte
		ok   bool
	}{
		{"signed", append(slices.Clone(in), update...), true},
		{"rewritten", append([]byte("%PDF-1.4\n"), update...), false},
		{"no signature", append(slices.Clone(in), []byte("3 0 obj\n<<>>\nendobj\n%%EOF\n")...), false},
		{"cut short", append(slices.Clone(in), update[:30]...), false},
	} {
		t.Run("PDF "+tc.name, func(t *testing.T) {
			if err := checkSignedPDF(in, tc.out); (err == nil) != tc.ok {
				t.Errorf("checkSignedPDF = %v, want ok %v", err, tc.ok)
			}
		})
	}

	// ContentInfo { contentType, [0] EXPLICIT content }, by hand.
	signedData := []byte{0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x02, 0x30, 0x00}
	data := slices.Clone(signedData)
	data[12] = 0x01 // id-data
	for _, tc := range []struct {
		name string
		sig  []byte
		ok   bool
	}{
		{"SignedData", signedData, true},
		{"trailing bytes", append(slices.Clone(signedData), 0), false},
		{"Data", data, false},
		{"not DER", []byte("-----BEGIN PKCS7-----"), false},
	} {
		t.Run("CMS "+tc.name, func(t *testing.T) {
			if err := checkCMS(tc.sig); (err == nil) != tc.ok {
				t.Errorf("checkCMS = %v, want ok %v", err, tc.ok)
			}
		})
	}

	valid, invalid := true, false
	type sig = struct {
		Indication    string `json:"indication"`
		SubIndication string `json:"sub_indication"`
	}
	for _, tc := range []struct {
		name string
		rep  verifyReport
		err  string // "" for none
	}{
		{"passed", verifyReport{Valid: &valid, Signatures: []sig{{Indication: "TOTAL_PASSED"}}}, ""},
		{"indeterminate", verifyReport{Valid: &invalid, Signatures: []sig{{"INDETERMINATE", "NO_POE"}}}, "INDETERMINATE NO_POE"},
		{"two signatures", verifyReport{Valid: &valid, Signatures: []sig{{Indication: "TOTAL_PASSED"}, {Indication: "TOTAL_PASSED"}}}, "2 signatures"},
		{"not valid", verifyReport{Valid: &invalid, Signatures: []sig{{Indication: "TOTAL_PASSED"}}}, "not valid"},
	} {
		t.Run("report "+tc.name, func(t *testing.T) {
			err := checkReport(&tc.rep, 1)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("checkReport = %v, want %q", err, tc.err)
			}
		})
	}
}
