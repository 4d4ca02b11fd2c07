package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/store"
)

// devProc is `kyso dev` run as a separate process, so that it can be
// killed with SIGKILL.
type devProc struct {
	cmd  *exec.Cmd
	done chan error
	env  map[string]string
}

func startDevProc(t *testing.T, bin, vaultBin, dir string, extra ...string) *devProc {
	t.Helper()
	envPath := filepath.Join(dir, "dev.env")
	_ = os.Remove(envPath)
	log, err := os.OpenFile(filepath.Join(dir+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		log.Close()
		if t.Failed() { // the errors kyso logged say why
			b, _ := os.ReadFile(dir + ".log")
			for line := range strings.SplitSeq(string(b), "\n") {
				if strings.Contains(line, "level=ERROR") || strings.Contains(line, `"level":"ERROR"`) {
					t.Logf("kyso: %s", line)
				}
			}
		}
	})
	args := append([]string{"dev", "--data", dir, "--listen", "127.0.0.1:0", "--vault-listen", freePort(t),
		"--vault-bin", vaultBin, "--verify-per-minute", "-1"}, extra...)
	p := &devProc{cmd: exec.Command(bin, args...), done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(30 * time.Second):
				_ = p.cmd.Process.Kill()
			}
		}
	})
	ok := waitUntil(2*time.Minute, func() bool {
		select {
		case err := <-p.done:
			p.done <- err
			return true
		default:
		}
		p.env = devReady(envPath)
		return p.env != nil
	})
	if !ok || p.env == nil {
		t.Fatalf("kyso dev did not become ready (log %s.log)", dir)
	}
	return p
}

// buildKyso builds the kyso binary into dir, for tests that run it as a
// process of its own.
func buildKyso(ctx context.Context, t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "kyso")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// vaultPIDs lists the Vault servers running on dir's dev Vault.
func vaultPIDs(dir string) []int {
	want := "-config=" + filepath.Join(dir, "vault", "vault.hcl")
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, d := range ents {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) >= 3 && args[1] == "server" && args[len(args)-1] == want {
			pids = append(pids, pid)
		}
	}
	return pids
}

// crashCall is one request of the crash test and what came of it.
type crashCall struct {
	key    string // Idempotency-Key
	body   []byte
	ctype  string
	path   string
	status int    // 0: no answer (the process died)
	answer []byte // the answer body
}

func (c *crashCall) send(client *http.Client, base, auth string) error {
	req, _ := http.NewRequest(http.MethodPost, base+c.path, bytes.NewReader(c.body))
	req.Header.Set("Content-Type", c.ctype)
	req.Header.Set("Authorization", "Bearer "+auth)
	req.Header.Set("Idempotency-Key", c.key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	c.status, c.answer = resp.StatusCode, b
	return nil
}

// retry sends c again until it is no longer 409 idempotency_in_progress
// (the crashed holder's lock runs out request timeout + 15 s after it took
// the key) nor 503 and returns status, the Idempotent-Replayed header and
// body.
func (c *crashCall) retry(t *testing.T, base, auth string) (int, string, []byte) {
	t.Helper()
	var status int
	var replayed string
	var body []byte
	ok := waitUntil(time.Minute, func() bool {
		req, _ := http.NewRequest(http.MethodPost, base+c.path, bytes.NewReader(c.body))
		req.Header.Set("Content-Type", c.ctype)
		req.Header.Set("Authorization", "Bearer "+auth)
		req.Header.Set("Idempotency-Key", c.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("retry %s: %v", c.key, err)
		}
		defer resp.Body.Close()
		body, _ = io.ReadAll(resp.Body)
		status, replayed = resp.StatusCode, resp.Header.Get("Idempotent-Replayed")
		// In progress (the crashed holder's lock), or busy (503: the
		// restarted server on a loaded machine ran out of its 5 s): a
		// client tries again, with the same key.
		inProgress := status == http.StatusConflict && errorCode(body) == "idempotency_in_progress"
		return !inProgress && status != http.StatusServiceUnavailable
	})
	if !ok {
		t.Fatalf("retry %s: still in progress after a minute", c.key)
	}
	return status, replayed, body
}

func runDoctor(t *testing.T, dir, vaultBin string, args ...string) (doctorResult, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), &out, append([]string{"doctor", "--data", dir, "--vault-bin", vaultBin, "--json"}, args...))
	var res doctorResult
	if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil {
		t.Fatalf("kyso doctor %v: %v (%v)\n%s", args, jerr, err, out.Bytes())
	}
	return res, err
}

// TestKill9DuringIssuanceAndSigning kills `kyso dev` with SIGKILL while
// three workers issue citizen certificates and three sign PDFs, every
// request with its own Idempotency-Key. Then: kyso doctor lists what the
// crash left (pending certificates, credentials without certificate) and
// repairs it; after a restart every request is retried with its key — the
// answered ones are replayed, the cut-short ones are done once — and each
// issuance request has exactly one certificate; the audit chain verifies;
// doctor finds nothing.
func TestKill9DuringIssuanceAndSigning(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	vaultBin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bin := buildKyso(ctx, t, work)
	dir := filepath.Join(work, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := startDevProc(t, bin, vaultBin, dir, "--request-timeout", "5s")
	admin := p.env["KYSO_ADMIN_TOKEN"]
	dr := &devRun{env: p.env, stopped: true}
	code, out := dr.call(t, "POST", "/v1/clients", map[string]any{"name": "e-office Hà Nội", "organizations": []string{hanoi}})
	if code != 201 {
		t.Fatalf("create client = %d %v", code, out)
	}
	clientKey := out["api_key"].(string)
	code, out = dr.call(t, "POST", "/v1/certificates", map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "locality": "Hà Nội"}})
	if code != 201 {
		t.Fatalf("issue seal = %d %v", code, out)
	}
	seal := out["credential_id"].(string)

	// The requests: issuances with distinct CCCDs, signings of distinct
	// documents.
	var issues, signs []*crashCall
	for i := range 400 {
		body, _ := json.Marshal(map[string]any{"profile": "citizen", "subject": map[string]string{
			"name": "Công Dân " + strconv.Itoa(i), "cccd": fmt.Sprintf("0010990%05d", i), "locality": "Hà Nội"}})
		issues = append(issues, &crashCall{key: fmt.Sprintf("issue-%03d", i), body: body, ctype: "application/json", path: "/v1/certificates"})
		var mb bytes.Buffer
		mw := multipart.NewWriter(&mb)
		fw, _ := mw.CreateFormFile("file", "doc.pdf")
		fw.Write(testpdf.Make(1, i))
		ow, _ := mw.CreateFormField("options")
		json.NewEncoder(ow).Encode(map[string]any{"credential_id": seal, "reason": "Đóng dấu"})
		mw.Close()
		signs = append(signs, &crashCall{key: fmt.Sprintf("sign-%03d", i), body: mb.Bytes(), ctype: mw.FormDataContentType(), path: "/v1/sign/pdf"})
	}

	// Three issuing and three signing workers until the kill.
	var mu sync.Mutex
	issued, signed := 0, 0
	enough := make(chan struct{})
	var once sync.Once
	client := &http.Client{Timeout: time.Minute}
	var wg sync.WaitGroup
	worker := func(calls []*crashCall, auth string, want int, count *int) {
		defer wg.Done()
		for _, c := range calls {
			if err := c.send(client, p.env["KYSO_URL"], auth); err != nil {
				return // the process is gone: c stays unanswered
			}
			if c.status != want {
				t.Errorf("%s = %d %s", c.key, c.status, c.answer)
				continue
			}
			mu.Lock()
			*count++
			if issued >= 6 && signed >= 12 {
				once.Do(func() { close(enough) })
			}
			mu.Unlock()
		}
	}
	for w := range 3 {
		wg.Add(2)
		go worker(issues[w*100:(w+1)*100], admin, http.StatusCreated, &issued)
		go worker(signs[w*100:(w+1)*100], clientKey, http.StatusOK, &signed)
	}
	select {
	case <-enough:
	case <-ctx.Done():
		t.Fatal("the workers did not get going")
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	wg.Wait()
	// answered are the requests that got an answer; lost are, for each
	// worker, the one in flight when kyso died and the next one.
	count := func(calls []*crashCall) (answered, lost []*crashCall) {
		for w := range 3 {
			n := 0
			for _, c := range calls[w*100 : (w+1)*100] {
				switch {
				case c.status != 0:
					answered = append(answered, c)
				case n < 2:
					lost = append(lost, c)
					n++
				}
			}
		}
		return
	}
	issuedOK, issuedLost := count(issues)
	signedOK, signedLost := count(signs)
	t.Logf("SIGKILL after %d issuances and %d signatures answered", len(issuedOK), len(signedOK))
	if !waitUntil(30*time.Second, func() bool { return len(vaultPIDs(dir)) == 0 }) {
		t.Fatalf("the dev Vault outlived kyso dev by 30 s: %v", vaultPIDs(dir))
	}

	// kyso doctor sees what the crash left, and repairs it.
	res, err := runDoctor(t, dir, vaultBin, "--grace", "0s")
	for _, f := range res.Findings {
		t.Logf("doctor after the crash: %s %s %s", f.Severity, f.Kind, f.Detail)
	}
	if !res.Audit.OK {
		t.Errorf("audit chain after SIGKILL: broken at %d: %s", res.Audit.FirstBroken, res.Audit.Reason)
	}
	for _, f := range res.Findings {
		if f.Kind != "pending_certificate" && f.Kind != "abandoned_credential" {
			t.Errorf("doctor after a crash found %s (%s), which a crash cannot leave", f.Kind, f.Detail)
		}
	}
	if (res.Problems == 0) != (err == nil) {
		t.Errorf("kyso doctor exit = %v with %d problems", err, res.Problems)
	}
	if res.Problems > 0 {
		if res, err = runDoctor(t, dir, vaultBin, "--grace", "0s", "--repair"); err != nil || res.Problems != 0 {
			t.Fatalf("kyso doctor --repair = %v, %d problems left", err, res.Problems)
		}
		t.Logf("doctor --repair repaired %d findings", len(res.Findings))
	}
	if res, err := runDoctor(t, dir, vaultBin, "--grace", "0s"); err != nil || len(res.Findings) != 0 {
		t.Fatalf("kyso doctor after repair = %v, findings %+v", err, res.Findings)
	}

	// Restart; retry every request with its key.
	p = startDevProc(t, bin, vaultBin, dir, "--request-timeout", "5s")
	base := p.env["KYSO_URL"]
	admin = p.env["KYSO_ADMIN_TOKEN"]
	for _, c := range issuedOK {
		status, replayed, body := c.retry(t, base, admin)
		if status != http.StatusCreated || replayed != "true" || !bytes.Equal(body, c.answer) {
			t.Errorf("retry of answered %s = %d replayed %q, same body %v", c.key, status, replayed, bytes.Equal(body, c.answer))
		}
	}
	recovered := 0
	for _, c := range issuedLost {
		status, _, body := c.retry(t, base, admin)
		if status != http.StatusCreated {
			t.Errorf("retry of cut-short %s = %d %s", c.key, status, body)
		}
		c.status, c.answer = status, body
		recovered++
	}
	for _, c := range signedOK {
		status, replayed, body := c.retry(t, base, clientKey)
		if status != http.StatusOK || replayed != "true" || !bytes.Equal(body, c.answer) {
			t.Errorf("retry of answered %s = %d replayed %q, same PDF %v", c.key, status, replayed, bytes.Equal(body, c.answer))
		}
	}
	// A key is bound to its request: another document under it is refused.
	reuse := &crashCall{key: signedOK[0].key, body: signs[len(signs)-1].body, ctype: signs[len(signs)-1].ctype, path: "/v1/sign/pdf"}
	if status, _, body := reuse.retry(t, base, clientKey); status != http.StatusUnprocessableEntity || errorCode(body) != "idempotency_key_reused" {
		t.Errorf("%s with another document = %d %s; want 422 idempotency_key_reused", reuse.key, status, body)
	}
	for _, c := range signedLost {
		if status, _, body := c.retry(t, base, clientKey); status != http.StatusOK || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Errorf("retry of cut-short %s = %d", c.key, status)
		}
	}
	t.Logf("after restart: %d answered issuances and %d signatures replayed, %d cut-short issuances and %d signatures retried",
		len(issuedOK), len(signedOK), recovered, len(signedLost))

	// Each issuance request made exactly one active certificate.
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	perCCCD := map[string]int{}
	for after := ""; ; {
		page, err := st.ListCertificates(context.Background(), store.CertFilter{Status: store.CertActive, Profile: "citizen", After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			perCCCD[c.Subject]++
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	for _, c := range issues {
		if c.status != http.StatusCreated {
			continue
		}
		var got struct{ Subject string }
		_ = json.Unmarshal(c.answer, &got)
		if n := perCCCD[got.Subject]; n != 1 {
			t.Errorf("%s (%s): %d active certificates, want 1", c.key, got.Subject, n)
		}
	}
	if len(perCCCD) != len(issuedOK)+recovered {
		t.Errorf("%d citizens have certificates; %d issuances were answered or retried", len(perCCCD), len(issuedOK)+recovered)
	}

	var av bytes.Buffer
	if err := run(context.Background(), &av, []string{"audit", "verify", "--data", dir}); err != nil {
		t.Errorf("kyso audit verify after the crash: %v\n%s", err, av.String())
	}
	if res, err := runDoctor(t, dir, vaultBin); err != nil || res.Problems != 0 {
		t.Errorf("kyso doctor at the end = %v, %+v", err, res.Findings)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-p.done; err != nil && !errors.Is(err, context.Canceled) {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Errorf("kyso dev stopped with %v", err)
		}
	}
}

// TestExpiredIdempotencyRecordsPurged: kyso deletes Idempotency-Key records
// whose time is up (their answers may be signed documents) when it starts
// and every maintenance round after.
func TestExpiredIdempotencyRecordsPurged(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	path := filepath.Join(dir, "kyso.db")
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for key, expires := range map[string]time.Time{"old": now.Add(-time.Minute), "fresh": now.Add(time.Hour)} {
		rec := &store.IdempotencyRecord{Actor: "client:c", Key: key, Token: key, Fingerprint: []byte("fp"),
			LockedUntil: now, ExpiresAt: expires}
		if _, err := st.ClaimIdempotencyKey(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.Status, rec.Body = 200, []byte("%PDF-1.7 signed")
		if err := st.CompleteIdempotencyKey(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	d := startDev(t, dir)
	defer d.stop(t)
	// Read the table itself: the store has no read that leaves an
	// expired record alone (a claim would take it over).
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	has := func(key string) bool {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM idempotency_keys WHERE idem_key = $1`, key).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if !waitUntil(30*time.Second, func() bool { return !has("old") }) {
		t.Error("an expired Idempotency-Key record is still there 30 s after kyso started")
	}
	if !has("fresh") {
		t.Error("kyso purged an Idempotency-Key record that has not expired")
	}
}
