//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/store"
)

const (
	// faultWorkers is the number of goroutines signing in a loop.
	faultWorkers = 8
	// faultClientTimeout bounds one request: a little above kyso's
	// http.request_timeout (30 s), so a hang shows as a client error.
	faultClientTimeout = 35 * time.Second
	// faultVaultTimeout is kyso dev's vault.timeout (the default).
	faultVaultTimeout = 10 * time.Second
	// faultBound is how long a signing may take while Vault is sealed or
	// hung: vault.timeout bounds each Vault call, plus a little slack for
	// the rest of the request — far below the request timeout.
	faultBound = faultVaultTimeout + 3*time.Second
)

// signAnswer is one POST /v1/sign/pdf as the load saw it.
type signAnswer struct {
	start, end time.Time
	status     int    // 0 if the request failed (err)
	code       string // the JSON error code of a non-200
	retryAfter string
	bodyOK     bool // a 200 whose body is a PDF of the announced length
	err        error
}

func (a signAnswer) dur() time.Duration { return a.end.Sub(a.start) }

// within reports whether a started and ended inside [from, to].
func (a signAnswer) within(from, to time.Time) bool {
	return !a.start.Before(from) && !a.end.After(to)
}

// signLoad is faultWorkers goroutines signing the same document in a loop
// until stop.
type signLoad struct {
	mu      sync.Mutex
	answers []signAnswer
	quit    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

func startSignLoad(e *signEnv, client *http.Client, doc []byte) *signLoad {
	l := &signLoad{quit: make(chan struct{})}
	opts, _ := json.Marshal(map[string]any{"credential_id": e.seal, "level": "B-B", "reason": "Đóng dấu"})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "doc.pdf")
	fw.Write(doc)
	ow, _ := mw.CreateFormField("options")
	ow.Write(opts)
	mw.Close()
	payload, ctype := body.Bytes(), mw.FormDataContentType()
	url, key := e.env["KYSO_URL"]+"/v1/sign/pdf", e.clientHN
	for i := 0; i < faultWorkers; i++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.quit:
					return
				default:
				}
				a := signOnce(client, url, key, ctype, payload)
				l.mu.Lock()
				l.answers = append(l.answers, a)
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func signOnce(client *http.Client, url, key, ctype string, payload []byte) signAnswer {
	a := signAnswer{start: time.Now()}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		a.err = err
		a.end = time.Now()
		return a
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		a.err = err
		a.end = time.Now()
		return a
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a.end = time.Now()
	a.status, a.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	if err != nil {
		a.err = fmt.Errorf("reading the %d answer: %w", resp.StatusCode, err)
		return a
	}
	if resp.StatusCode == http.StatusOK {
		a.bodyOK = bytes.HasPrefix(b, []byte("%PDF-")) && int64(len(b)) == resp.ContentLength
		return a
	}
	var x struct{ Error struct{ Code string } }
	_ = json.Unmarshal(b, &x)
	a.code = x.Error.Code
	return a
}

// snapshot returns a copy of the answers so far.
func (l *signLoad) snapshot() []signAnswer {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]signAnswer(nil), l.answers...)
}

// count returns how many answers so far satisfy f.
func (l *signLoad) count(f func(signAnswer) bool) int {
	n := 0
	for _, a := range l.snapshot() {
		if f(a) {
			n++
		}
	}
	return n
}

// stop ends the loop and waits for the requests in flight (each bounded by
// the client's timeout).
func (l *signLoad) stop() []signAnswer {
	l.once.Do(func() { close(l.quit) })
	l.wg.Wait()
	return l.snapshot()
}

// waitUntil polls cond every 50 ms until it holds or timeout passes.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readyz returns the status of GET /readyz and how long it took.
func readyz(client *http.Client, base string) (int, time.Duration, error) {
	start := time.Now()
	resp, err := client.Get(base + "/readyz")
	if err != nil {
		return 0, time.Since(start), err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

// checkAnswers fails the test for every answer that is neither a 200 with
// a PDF nor a 503 with code and Retry-After, answered within bound, and
// returns the number of 200 and 503 answers.
func checkAnswers(t *testing.T, phase string, answers []signAnswer, bound time.Duration, code string) (ok, unavailable int) {
	t.Helper()
	bad := 0
	for _, a := range answers {
		var problem string
		switch {
		case a.err != nil:
			problem = fmt.Sprintf("error after %v: %v", a.dur(), a.err)
		case a.status == http.StatusOK && !a.bodyOK:
			problem = "200 without a complete PDF"
		case a.status == http.StatusOK:
			ok++
		case a.status == http.StatusServiceUnavailable && a.code == code && a.retryAfter != "":
			unavailable++
		default:
			problem = fmt.Sprintf("%d %q Retry-After %q", a.status, a.code, a.retryAfter)
		}
		if problem != "" {
			problem += ", want 200 or 503 " + code + " with Retry-After"
		} else if a.dur() > bound {
			problem = fmt.Sprintf("%d %q after %v, want an answer within %v", a.status, a.code, a.dur().Round(time.Millisecond), bound)
		}
		if problem != "" {
			if bad++; bad <= 10 {
				t.Errorf("%s: sign request started %s: %s", phase, a.start.Format("15:04:05.000"), problem)
			}
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d bad answers in all (first 10 shown)", phase, bad)
	}
	return ok, unavailable
}

// checkWindow fails the test for every answer that lay wholly inside the
// fault [from, to] and is not a 503 with code and Retry-After, and for no
// answer there at all; it returns how many lay there.
func checkWindow(t *testing.T, phase string, answers []signAnswer, from, to time.Time, code string) int {
	t.Helper()
	in := 0
	for _, a := range answers {
		if !a.within(from, to) {
			continue
		}
		in++
		if a.status != http.StatusServiceUnavailable || a.code != code || a.retryAfter == "" {
			t.Errorf("%s: sign request wholly inside the fault = %d %q Retry-After %q (%v), want 503 %s",
				phase, a.status, a.code, a.retryAfter, a.err, code)
		}
	}
	if in == 0 {
		t.Errorf("%s: no sign request lay wholly inside the fault", phase)
	}
	return in
}

// maxDur returns the longest answer time among answers satisfying f.
func maxDur(answers []signAnswer, f func(signAnswer) bool) time.Duration {
	var m time.Duration
	for _, a := range answers {
		if f(a) && a.dur() > m {
			m = a.dur()
		}
	}
	return m
}

// vaultPID finds the Vault server kyso dev started for dir through /proc.
func vaultPID(t *testing.T, dir string) int {
	t.Helper()
	pids := vaultPIDs(dir)
	if len(pids) != 1 {
		t.Fatalf("Vault processes of %s: %v, want exactly one", dir, pids)
	}
	return pids[0]
}

// auditSignPDF counts the sign.pdf records of dir's audit log.
func auditSignPDF(t *testing.T, dir string) int {
	t.Helper()
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, filepath.Join(dir, "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	var after int64
	for {
		recs, err := s.ListAudit(ctx, after, 500)
		if err != nil {
			t.Fatalf("ListAudit: %v", err)
		}
		if len(recs) == 0 {
			return n
		}
		for _, r := range recs {
			if r.Action == audit.ActionSignPDF {
				n++
			}
			after = r.Seq
		}
	}
}

// TestSignDuringVaultFaults signs with eight concurrent clients while Vault
// is sealed, then hung (SIGSTOP), then killed and started again, on a real
// kyso dev and its real Vault.
// Every answer is a 200 with a PDF or a 503 vault_unavailable with
// Retry-After, well before the request timeout; /readyz says 503 during the
// fault; kyso recovers by itself once Vault is back; every 200 has exactly
// one sign.pdf audit record and the chain verifies.
func TestSignDuringVaultFaults(t *testing.T) {
	e := newSignEnv(t)
	base := e.env["KYSO_URL"]
	client := &http.Client{Timeout: faultClientTimeout}
	doc := testpdf.Make(1, 20<<10)

	dv, err := devvault.Attach(filepath.Join(e.dir, "vault"), e.env["VAULT_ADDR"])
	if err != nil {
		t.Fatal(err)
	}
	// Whatever fails below, leave Vault running and unsealed for e.stop.
	vpid := vaultPID(t, e.dir)
	t.Cleanup(func() {
		_ = syscall.Kill(vpid, syscall.SIGCONT)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = dv.Unseal(ctx) // a no-op unless Vault is sealed
	})

	total200 := 0
	// recoverAfter waits for /readyz 200 after the fault ended at from, then
	// for signing to answer 200 again, and returns when readyz came back.
	recoverAfter := func(t *testing.T, phase string, load *signLoad, from time.Time) {
		t.Helper()
		var ready time.Time
		if !waitUntil(30*time.Second, func() bool {
			code, _, err := readyz(client, base)
			ready = time.Now()
			return err == nil && code == http.StatusOK
		}) {
			t.Fatalf("%s: /readyz not 200 within 30 s after Vault came back", phase)
		}
		t.Logf("%s: /readyz 200 again %v after Vault came back", phase, ready.Sub(from).Round(time.Millisecond))
		if !waitUntil(30*time.Second, func() bool {
			return load.count(func(a signAnswer) bool { return !a.start.Before(ready) && a.status == http.StatusOK }) >= 2*faultWorkers
		}) {
			t.Fatalf("%s: signing did not answer 200 again within 30 s after /readyz did", phase)
		}
	}

	// Phase 1: seal Vault through its API under load.
	t.Run("sealed", func(t *testing.T) {
		load := startSignLoad(e, client, doc)
		defer load.stop()
		if !waitUntil(30*time.Second, func() bool {
			return load.count(func(a signAnswer) bool { return a.status == http.StatusOK }) >= 2*faultWorkers
		}) {
			t.Fatal("no signing succeeded before the fault")
		}
		if err := dv.Seal(context.Background()); err != nil {
			t.Fatalf("sys/seal: %v", err)
		}
		sealed := time.Now()
		readyzTurns503(t, "sealed", client, base, sealed)
		// Enough requests start and end inside the sealed window.
		if !waitUntil(30*time.Second, func() bool {
			return load.count(func(a signAnswer) bool { return !a.start.Before(sealed) }) >= 2*faultWorkers
		}) {
			t.Fatal("fewer than 16 sign requests answered within 30 s of the seal")
		}
		unsealAt := time.Now()
		if err := dv.Unseal(context.Background()); err != nil {
			t.Fatalf("sys/unseal: %v", err)
		}
		recoverAfter(t, "sealed", load, unsealAt)
		answers := load.stop()
		ok, n503 := checkAnswers(t, "sealed", answers, faultBound, "vault_unavailable")
		total200 += ok
		in := checkWindow(t, "sealed", answers, sealed, unsealAt, "vault_unavailable")
		t.Logf("sealed: %d requests: %d × 200, %d × 503 vault_unavailable; %d wholly while sealed (%v), all 503; slowest answer %v, slowest while sealed %v",
			len(answers), ok, n503, in, unsealAt.Sub(sealed).Round(time.Millisecond),
			maxDur(answers, func(signAnswer) bool { return true }).Round(time.Millisecond),
			maxDur(answers, func(a signAnswer) bool { return a.within(sealed, unsealAt) }).Round(time.Millisecond))
	})
	if t.Failed() {
		return
	}

	// Phase 2: a hung Vault (SIGSTOP): the listener still accepts
	// connections but nothing answers.
	t.Run("hung", func(t *testing.T) {
		load := startSignLoad(e, client, doc)
		defer load.stop()
		if !waitUntil(30*time.Second, func() bool {
			return load.count(func(a signAnswer) bool { return a.status == http.StatusOK }) >= 2*faultWorkers
		}) {
			t.Fatal("no signing succeeded before the fault")
		}
		if err := syscall.Kill(vpid, syscall.SIGSTOP); err != nil {
			t.Fatalf("SIGSTOP vault (pid %d): %v", vpid, err)
		}
		// The signal takes effect thread by thread: wait until every
		// thread of Vault is stopped, else a request may still be served.
		if !waitUntil(5*time.Second, func() bool { return devvault.AllThreadsStopped(vpid) }) {
			t.Fatalf("vault (pid %d) did not stop within 5 s of SIGSTOP", vpid)
		}
		stopped := time.Now()
		if d := readyzTurns503(t, "hung", client, base, stopped); d > faultBound {
			t.Errorf("/readyz with Vault hung took %v, want at most %v", d, faultBound)
		}
		// Every worker has one request wholly inside the hung window.
		if !waitUntil(faultBound+faultVaultTimeout+5*time.Second, func() bool {
			return load.count(func(a signAnswer) bool { return !a.start.Before(stopped) }) >= faultWorkers
		}) {
			t.Errorf("fewer than %d sign requests started after SIGSTOP answered within %v", faultWorkers, faultBound+faultVaultTimeout+5*time.Second)
		}
		contAt := time.Now()
		if err := syscall.Kill(vpid, syscall.SIGCONT); err != nil {
			t.Fatalf("SIGCONT vault (pid %d): %v", vpid, err)
		}
		recoverAfter(t, "hung", load, contAt)
		answers := load.stop()
		ok, n503 := checkAnswers(t, "hung", answers, faultBound, "vault_unavailable")
		total200 += ok
		in := checkWindow(t, "hung", answers, stopped, contAt, "vault_unavailable")
		t.Logf("hung: %d requests: %d × 200, %d × 503 vault_unavailable; %d wholly while hung (%v), all 503; slowest answer %v, slowest while hung %v",
			len(answers), ok, n503, in, contAt.Sub(stopped).Round(time.Millisecond),
			maxDur(answers, func(signAnswer) bool { return true }).Round(time.Millisecond),
			maxDur(answers, func(a signAnswer) bool { return a.within(stopped, contAt) }).Round(time.Millisecond))
	})

	if t.Failed() {
		return
	}

	// Phase 3: Vault killed (SIGKILL) and started again on its storage,
	// as a supervisor would: connections are refused until it is back.
	t.Run("killed", func(t *testing.T) {
		load := startSignLoad(e, client, doc)
		defer load.stop()
		if !waitUntil(30*time.Second, func() bool {
			return load.count(func(a signAnswer) bool { return a.status == http.StatusOK }) >= 2*faultWorkers
		}) {
			t.Fatal("no signing succeeded before the fault")
		}
		if err := syscall.Kill(vpid, syscall.SIGKILL); err != nil {
			t.Fatalf("SIGKILL vault (pid %d): %v", vpid, err)
		}
		if !waitUntil(10*time.Second, func() bool { return len(vaultPIDs(e.dir)) == 0 }) {
			t.Fatalf("vault (pid %d) still running 10 s after SIGKILL", vpid)
		}
		killed := time.Now()
		readyzTurns503(t, "killed", client, base, killed)
		if !waitUntil(30*time.Second, func() bool {
			return load.count(func(a signAnswer) bool { return !a.start.Before(killed) }) >= 2*faultWorkers
		}) {
			t.Fatal("fewer than 16 sign requests answered within 30 s of the kill")
		}
		bin, err := vaulttest.Bin()
		if err != nil {
			t.Fatal(err)
		}
		restartAt := time.Now()
		v, err := devvault.Start(context.Background(), devvault.Config{Bin: bin, Dir: filepath.Join(e.dir, "vault"),
			Listen: strings.TrimPrefix(e.env["VAULT_ADDR"], "http://")})
		if err != nil {
			t.Fatalf("restart vault: %v", err)
		}
		t.Cleanup(func() { _ = v.Stop() })
		recoverAfter(t, "killed", load, restartAt)
		answers := load.stop()
		ok, n503 := checkAnswers(t, "killed", answers, faultBound, "vault_unavailable")
		total200 += ok
		in := checkWindow(t, "killed", answers, killed, restartAt, "vault_unavailable")
		t.Logf("killed: %d requests: %d × 200, %d × 503 vault_unavailable; %d wholly while Vault was down (%v), all 503; slowest answer %v",
			len(answers), ok, n503, in, restartAt.Sub(killed).Round(time.Millisecond),
			maxDur(answers, func(signAnswer) bool { return true }).Round(time.Millisecond))
	})

	// Nothing half-written: one sign.pdf record per 200, and the chain
	// verifies.
	n := auditSignPDF(t, e.dir)
	if n != total200 {
		t.Errorf("audit log has %d sign.pdf records, want %d (one per 200 answer)", n, total200)
	}
	var out bytes.Buffer
	err = run(context.Background(), &out, []string{"audit", "verify", "--data", e.dir, "--json"})
	var rep audit.Report
	if jerr := json.Unmarshal(out.Bytes(), &rep); err != nil || jerr != nil || !rep.OK {
		t.Errorf("kyso audit verify = %v (decoding: %v): %s", err, jerr, out.String())
	}
	t.Logf("audit: %d records, chain OK %t; %d sign.pdf records, %d × 200 answers", rep.Records, rep.OK, n, total200)
}

// readyzTurns503 waits for /readyz to answer 503 after a fault at since:
// readiness keeps its Transit probe's answer 1.5 s (docs/operations.md),
// so it must turn within that (5 s allowed here). It returns how long the
// last /readyz took to answer.
func readyzTurns503(t *testing.T, what string, client *http.Client, base string, since time.Time) time.Duration {
	t.Helper()
	var (
		code int
		d    time.Duration
		err  error
	)
	if !waitUntil(5*time.Second, func() bool {
		code, d, err = readyz(client, base)
		return err == nil && code == http.StatusServiceUnavailable
	}) {
		t.Errorf("/readyz with Vault %s = %d, %v, want 503 within the probe's 1.5 s", what, code, err)
	}
	t.Logf("%s: /readyz 503 %v after the fault (last answer in %v)", what, time.Since(since).Round(time.Millisecond), d.Round(time.Millisecond))
	return d
}
