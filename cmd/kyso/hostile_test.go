package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/hostilepdf"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/verifier"
)

// Bounds of TestHostileDocumentsAPI.
const (
	// hostileAnswer bounds each answer: below the server's own request
	// timeout (30 s), so a hostile file that holds a worker until the
	// deadline fails the test, with room for a loaded machine (15 s
	// failed once at 16.3 s with parallel builds beside it).
	hostileAnswer = 25 * time.Second
	// hostilePeakRSS bounds the test process's peak resident set (kyso
	// runs in process; Vault does not), the generated cases (about 60 MB,
	// held for the whole loop) included. Measured on three runs: 47–48 MiB
	// before the first case, 392 to 498 MiB after the last (five runs).
	// 768 MiB is about 1.5 times the largest: room for the garbage
	// collector's timing, not for a document held many times over.
	hostilePeakRSS = 768 << 20
)

// vmHWM returns the peak resident set size of this process (VmHWM of
// /proc/self/status) in bytes.
func vmHWM(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// errorCode returns the code of a JSON error body, or "" if b is not one.
func errorCode(b []byte) string {
	var x struct{ Error struct{ Code string } }
	if json.Unmarshal(b, &x) != nil {
		return ""
	}
	return x.Error.Code
}

// TestHostileDocumentsAPI posts every document of package hostilepdf to
// one kyso dev: to /v1/sign/pdf (Hanoi's seal, B-B) and to
// /v1/verify/pdf. Signing must answer a stable 4xx error (422
// invalid_document or 400 invalid_request; 200 too for the cases that may
// be signed), verification a 200 report that is not valid or 422
// unreadable_document; never a 5xx, each within hostileAnswer. Afterwards
// kyso is still healthy and signs a normal document, and the process's
// peak RSS stayed under hostilePeakRSS.
func TestHostileDocumentsAPI(t *testing.T) {
	e := newSignEnv(t)
	base := e.env["KYSO_URL"]
	client := &http.Client{Timeout: hostileAnswer + 5*time.Second}
	signOpts := map[string]any{"credential_id": e.seal, "level": "B-B"}

	type row struct {
		name          string
		size          int
		sign, verify  string
		signMS, verMS int64
		signOK, verOK bool
	}
	var rows []row
	hwm0 := vmHWM(t)
	start := time.Now()
	for _, c := range hostilepdf.Cases() {
		r := row{name: c.Name, size: len(c.PDF)}
		t.Run(c.Name, func(t *testing.T) {
			// signErr and verErr fail the case and mark the table.
			signErr := func(format string, args ...any) {
				t.Helper()
				r.signOK = false
				t.Errorf(format, args...)
			}
			verErr := func(format string, args ...any) {
				t.Helper()
				r.verOK = false
				t.Errorf(format, args...)
			}
			r.signOK, r.verOK = true, true
			t0 := time.Now()
			code, body, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, c.PDF, signOpts)
			d := time.Since(t0)
			r.signMS = d.Milliseconds()
			ec := errorCode(body)
			r.sign = fmt.Sprintf("%d %s", code, ec)
			switch {
			case code == 200 && c.AnyOutcome:
				r.sign = "200 signed"
			case code == 422 && ec == "invalid_document", code == 400 && ec == "invalid_request":
			default:
				signErr("POST /v1/sign/pdf = %d %q, want 422 invalid_document or 400 invalid_request", code, body[:min(len(body), 300)])
			}
			if d > hostileAnswer {
				signErr("POST /v1/sign/pdf answered in %v, want at most %v", d, hostileAnswer)
			}

			t0 = time.Now()
			resp, err := client.Post(base+"/v1/verify/pdf", "application/pdf", bytes.NewReader(c.PDF))
			if err != nil {
				r.verify = "no answer"
				r.verMS = time.Since(t0).Milliseconds()
				verErr("POST /v1/verify/pdf: %v", err)
				return
			}
			vb, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			d = time.Since(t0)
			r.verMS = d.Milliseconds()
			switch code := resp.StatusCode; code {
			case 200:
				var rep verifier.Report
				if err := json.Unmarshal(vb, &rep); err != nil {
					verErr("POST /v1/verify/pdf = 200, report: %v", err)
				}
				r.verify = fmt.Sprintf("200 %d sigs", rep.SignatureCount)
				if len(rep.Signatures) > 0 {
					s := rep.Signatures[0]
					r.verify += fmt.Sprintf(" %s/%s", s.Indication, s.SubIndication)
				}
				if rep.Valid {
					verErr("POST /v1/verify/pdf = valid report for a hostile document: %+v", rep.Signatures)
				}
			default:
				ec := errorCode(vb)
				r.verify = fmt.Sprintf("%d %s", code, ec)
				// An empty body is an invalid request, as for signing.
				emptyOK := len(c.PDF) == 0 && code == 400 && ec == "invalid_request"
				if !emptyOK && (code != 422 || ec != "unreadable_document") {
					verErr("POST /v1/verify/pdf = %d %q, want 200 or 422 unreadable_document (400 invalid_request when empty)", code, vb[:min(len(vb), 300)])
				}
			}
			if d > hostileAnswer {
				verErr("POST /v1/verify/pdf answered in %v, want at most %v", d, hostileAnswer)
			}
		})
		rows = append(rows, r)
	}
	elapsed := time.Since(start)

	var tab strings.Builder
	fmt.Fprintf(&tab, "%-40s %10s  %-28s %6s  %-44s %6s\n", "case", "bytes", "sign", "ms", "verify", "ms")
	for _, r := range rows {
		mark := func(ok bool) string {
			if ok {
				return " "
			}
			return "!"
		}
		fmt.Fprintf(&tab, "%-40s %10d %s%-28s %6d %s%-44s %6d\n", r.name, r.size, mark(r.signOK), r.sign, r.signMS, mark(r.verOK), r.verify, r.verMS)
	}
	t.Logf("%d cases in %v:\n%s", len(rows), elapsed.Round(time.Millisecond), tab.String())

	// kyso is still up and signs.
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz after the cases: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /healthz after the cases = %d, want 200", resp.StatusCode)
	}
	doc := testpdf.Make(2, 10<<10)
	out := e.sign(t, e.seal, doc, map[string]any{"level": "B-B"})
	if rep := e.verifyAPI(t, out); !rep.Valid {
		t.Errorf("verify of a normal document signed after the cases = %+v", rep.Signatures)
	}

	hwm := vmHWM(t)
	t.Logf("peak RSS (VmHWM): %d MiB before the cases, %d MiB after; bound %d MiB", hwm0>>20, hwm>>20, hostilePeakRSS>>20)
	if hwm > hostilePeakRSS {
		t.Errorf("peak RSS = %d MiB, want at most %d MiB", hwm>>20, hostilePeakRSS>>20)
	}
}
