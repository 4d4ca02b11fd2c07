//go:build linux

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/store"
)

// dbBound is how long a request may take while the database is locked: a
// write waits at most store.SQLiteBusyTimeout for its turn among kyso's
// writers and as long again for the lock, plus slack for the rest of the
// request (an issuance creates a Vault key first) — below the request
// timeout (30 s). A sign request that passed one database step before the
// lock was taken can wait out a third busy timeout (seen: 15.1 s, where
// the bound was 2 busy timeouts + 5 s), so the bound allows three.
const dbBound = 3*store.SQLiteBusyTimeout + 5*time.Second

// readyzChecks returns the status and the checks of GET /readyz.
func readyzChecks(client *http.Client, base string) (int, map[string]string, time.Duration, error) {
	start := time.Now()
	resp, err := client.Get(base + "/readyz")
	if err != nil {
		return 0, nil, time.Since(start), err
	}
	defer resp.Body.Close()
	var body struct{ Checks map[string]string }
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		err = json.Unmarshal(b, &body)
	}
	return resp.StatusCode, body.Checks, time.Since(start), err
}

// issueCitizen asks for a new citizen credential as the admin and returns
// the status, the error code (if any) and the Retry-After header.
func issueCitizen(client *http.Client, e *signEnv, cccd string) (status int, code, retryAfter string, d time.Duration, err error) {
	body, _ := json.Marshal(map[string]any{"profile": "citizen", "subject": map[string]string{
		"name": "Phạm Thị Lan", "cccd": cccd, "locality": "Hà Nội"}})
	req, _ := http.NewRequest(http.MethodPost, e.env["KYSO_URL"]+"/v1/certificates", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.env["KYSO_ADMIN_TOKEN"])
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", "", time.Since(start), err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	d = time.Since(start)
	var x struct{ Error struct{ Code string } }
	_ = json.Unmarshal(b, &x)
	return resp.StatusCode, x.Error.Code, resp.Header.Get("Retry-After"), d, err
}

// certsByStatus counts the certificates in dir's database by status.
func certsByStatus(t *testing.T, dir string) map[store.CertStatus]int {
	t.Helper()
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, filepath.Join(dir, "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := map[store.CertStatus]int{}
	after := ""
	for {
		cs, err := s.ListCertificates(ctx, store.CertFilter{After: after, Limit: store.MaxListLimit})
		if err != nil {
			t.Fatalf("ListCertificates: %v", err)
		}
		if len(cs) == 0 {
			return out
		}
		for _, c := range cs {
			out[c.Status]++
		}
		after = cs[len(cs)-1].ID
	}
}

// TestDBLocked signs with eight concurrent clients on a real kyso dev (real
// Vault, SQLite in a temporary data directory) while the test itself holds
// BEGIN EXCLUSIVE on kyso's database file through a connection of its own,
// as a backup tool or a sqlite3 shell would. Every answer is a 200 with a
// PDF or a 503 database_unavailable with Retry-After, within dbBound (no
// 500, no hang); an admin's issuance is 503 database_unavailable too;
// /readyz is 503 with the database check failing (its check takes the
// write lock, and a kyso that cannot write can neither sign nor issue).
// After the lock is released kyso recovers without a restart: /readyz 200,
// signing and issuance succeed. Nothing is half-written: one sign.pdf
// audit record per 200, the chain verifies (kyso audit verify), no pending
// or failed certificate, one certificate more than before (the issuance
// after the release), and PRAGMA integrity_check is ok.
//
// Disk full is not run here: filling a file system needs a mount (tmpfs),
// which CI may not allow, and SQLite's max_page_count cannot be set on
// kyso's own connection from outside. It is tested on a real SQLite
// database in store.TestSQLiteFull (the same SQLITE_FULL an ENOSPC gives)
// and with a real ENOSPC (/dev/full) in signing.TestTempFileErrorKinds.
func TestDBLocked(t *testing.T) {
	e := newSignEnv(t)
	base := e.env["KYSO_URL"]
	client := &http.Client{Timeout: faultClientTimeout}
	doc := testpdf.Make(1, 20<<10)
	dbPath := filepath.Join(e.dir, "kyso.db")
	before := certsByStatus(t, e.dir)

	load := startSignLoad(e, client, doc)
	defer load.stop()
	if !waitUntil(30*time.Second, func() bool {
		return load.count(func(a signAnswer) bool { return a.status == http.StatusOK }) >= 2*faultWorkers
	}) {
		t.Fatal("no signing succeeded before the fault")
	}

	// The lock: a connection of the test's own on kyso's file. Its busy
	// timeout lets BEGIN EXCLUSIVE wait for kyso's write in progress.
	other, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(context.Background(), `BEGIN EXCLUSIVE`); err != nil {
		t.Fatalf("BEGIN EXCLUSIVE on %s: %v", dbPath, err)
	}
	lockedAt := time.Now()
	released := false
	release := func() {
		if !released {
			released = true
			if _, err := lock.ExecContext(context.Background(), `ROLLBACK`); err != nil {
				t.Errorf("ROLLBACK: %v", err)
			}
		}
	}
	defer release()
	t.Logf("locked: BEGIN EXCLUSIVE held on %s", dbPath)

	code, checks, d, err := readyzChecks(client, base)
	if err != nil || code != http.StatusServiceUnavailable || checks["database"] != "fail" {
		t.Errorf("/readyz while locked = %d %v, %v; want 503 with the database check failing", code, checks, err)
	}
	t.Logf("locked: /readyz answered %d %v in %v", code, checks, d.Round(time.Millisecond))

	status, ecode, retry, d, err := issueCitizen(client, e, "001190000777")
	if err != nil || status != http.StatusServiceUnavailable || ecode != "database_unavailable" || retry == "" || d > dbBound {
		t.Errorf("issue while locked = %d %q Retry-After %q after %v (%v), want 503 database_unavailable with Retry-After within %v",
			status, ecode, retry, d.Round(time.Millisecond), err, dbBound)
	}
	t.Logf("locked: issuance answered %d %s in %v", status, ecode, d.Round(time.Millisecond))

	// Every worker has at least one request wholly inside the lock.
	if !waitUntil(2*dbBound, func() bool {
		return load.count(func(a signAnswer) bool { return !a.start.Before(lockedAt) }) >= 2*faultWorkers
	}) {
		t.Errorf("fewer than %d sign requests started after the lock answered within %v", 2*faultWorkers, 2*dbBound)
	}

	releaseAt := time.Now()
	release()
	t.Logf("released after %v", releaseAt.Sub(lockedAt).Round(time.Millisecond))
	var ready time.Time
	if !waitUntil(30*time.Second, func() bool {
		code, _, _, err := readyzChecks(client, base)
		ready = time.Now()
		return err == nil && code == http.StatusOK
	}) {
		t.Fatal("/readyz not 200 within 30 s after the lock was released")
	}
	t.Logf("released: /readyz 200 again after %v", ready.Sub(releaseAt).Round(time.Millisecond))
	if !waitUntil(30*time.Second, func() bool {
		return load.count(func(a signAnswer) bool { return !a.start.Before(ready) && a.status == http.StatusOK }) >= 2*faultWorkers
	}) {
		t.Fatal("signing did not answer 200 again within 30 s after /readyz did")
	}
	answers := load.stop()

	ok, n503 := checkAnswers(t, "locked", answers, dbBound, "database_unavailable")
	in := checkWindow(t, "locked", answers, lockedAt, releaseAt, "database_unavailable")
	t.Logf("%d sign requests: %d × 200, %d × 503 database_unavailable; %d wholly while locked (%v), all 503; slowest answer %v, slowest while locked %v",
		len(answers), ok, n503, in, releaseAt.Sub(lockedAt).Round(time.Millisecond),
		maxDur(answers, func(signAnswer) bool { return true }).Round(time.Millisecond),
		maxDur(answers, func(a signAnswer) bool { return a.within(lockedAt, releaseAt) }).Round(time.Millisecond))

	// Issuance works again, without a restart.
	status, ecode, _, d, err = issueCitizen(client, e, "001190000778")
	if err != nil || status != http.StatusCreated {
		t.Fatalf("issue after release = %d %q (%v), want 201", status, ecode, err)
	}
	t.Logf("released: issuance answered %d in %v", status, d.Round(time.Millisecond))

	// Nothing half-written.
	after := certsByStatus(t, e.dir)
	if after[store.CertPending] != 0 || after[store.CertFailed] != 0 {
		t.Errorf("certificates after the lock: %d pending, %d failed; want none", after[store.CertPending], after[store.CertFailed])
	}
	if after[store.CertActive] != before[store.CertActive]+1 {
		t.Errorf("%d active certificates, want %d (those before and the one issued after the release)", after[store.CertActive], before[store.CertActive]+1)
	}
	t.Logf("certificates before %v, after %v", before, after)
	if n := auditSignPDF(t, e.dir); n != ok {
		t.Errorf("audit log has %d sign.pdf records, want %d (one per 200 answer)", n, ok)
	}
	var out bytes.Buffer
	err = run(context.Background(), &out, []string{"audit", "verify", "--data", e.dir, "--json"})
	var rep audit.Report
	if jerr := json.Unmarshal(out.Bytes(), &rep); err != nil || jerr != nil || !rep.OK {
		t.Errorf("kyso audit verify = %v (decoding: %v): %s", err, jerr, out.String())
	}
	var integrity string
	if err := other.QueryRowContext(context.Background(), `PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v; want ok", integrity, err)
	}
	t.Logf("audit: %d records, chain OK %t; %d sign.pdf records for %d × 200; integrity_check %s", rep.Records, rep.OK, ok, ok, integrity)
}
