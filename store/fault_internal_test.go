package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// testChain is the audit chain of these tests: SHA-256 over the previous
// hash and the record's fields (the audit package's own hash would be an
// import cycle).
func testChain(prev []byte, r *AuditRecord) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%x|%d|%s|%s|%s|%s", prev, r.Seq, r.Actor, r.Action, r.Target, r.Details)
	return h.Sum(nil)
}

// checkAuditChain reads the whole audit log and checks that seq has no
// gaps and every record links to the one before; it returns the count.
func checkAuditChain(t *testing.T, s *SQLite) int {
	t.Helper()
	var prev []byte
	var after int64
	n := 0
	for {
		recs, err := s.ListAudit(t.Context(), after, MaxListLimit)
		if err != nil {
			t.Fatalf("ListAudit = %v", err)
		}
		if len(recs) == 0 {
			return n
		}
		for _, r := range recs {
			n++
			if r.Seq != int64(n) {
				t.Fatalf("audit record %d has seq %d", n, r.Seq)
			}
			if !bytes.Equal(r.PrevHash, prev) {
				t.Fatalf("audit record %d does not link to record %d", r.Seq, r.Seq-1)
			}
			if want := testChain(r.PrevHash, r); !bytes.Equal(r.Hash, want) {
				t.Fatalf("audit record %d: stored hash differs from its content's", r.Seq)
			}
			prev, after = r.Hash, r.Seq
		}
	}
}

// integrityCheck runs PRAGMA integrity_check on the read pool.
func integrityCheck(t *testing.T, s *SQLite) string {
	t.Helper()
	var res string
	if err := s.r.QueryRowContext(t.Context(), `PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatalf("PRAGMA integrity_check: %v", err)
	}
	return res
}

// countCertificates counts the certificates of issuer "is1".
func countCertificates(t *testing.T, s *SQLite) int {
	t.Helper()
	n, after := 0, ""
	for {
		cs, err := s.ListCertificates(t.Context(), CertFilter{IssuerID: "is1", After: after, Limit: MaxListLimit})
		if err != nil {
			t.Fatalf("ListCertificates = %v", err)
		}
		if len(cs) == 0 {
			return n
		}
		n += len(cs)
		after = cs[len(cs)-1].ID
	}
}

func faultIssuer(t *testing.T, s *SQLite) {
	t.Helper()
	err := s.CreateIssuer(t.Context(), &Issuer{ID: "is1", Name: "issuing-1", Kind: IssuerIssuing,
		Status: IssuerActive, KeyName: "k", KeyVersion: 1})
	if err != nil {
		t.Fatalf("CreateIssuer = %v", err)
	}
}

func faultCert(i int) *Certificate {
	return &Certificate{ID: fmt.Sprintf("crt_%06d", i), IssuerID: "is1", Serial: fmt.Sprintf("%032x", i),
		Profile: "citizen", Subject: "CN=Test", KeyName: "k", KeyVersion: 1, Status: CertActive,
		CertPEM: strings.Repeat("C", 1500)}
}

// TestSQLiteFull fills a real SQLite database that cannot grow (PRAGMA
// max_page_count on the write connection: portable, no root, no tmpfs; a
// write that hits ENOSPC on a full file system gets the same SQLITE_FULL,
// which was checked once by hand on a 512 KiB tmpfs) with audit records,
// certificates and credentials until a write fails. The failure is
// ErrFull (and ErrUnavailable), the failed write left nothing behind, the
// audit chain links, integrity_check says ok, and once the database may
// grow again writes succeed.
func TestSQLiteFull(t *testing.T) {
	ctx := t.Context()
	s, err := openSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"), SQLiteBusyTimeout)
	if err != nil {
		t.Fatalf("openSQLite = %v", err)
	}
	defer s.Close()
	faultIssuer(t, s)

	var pages int
	if err := s.w.db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The write pool is one connection that is never closed, so the limit
	// holds for every write below.
	limit := pages + 8
	if _, err := s.w.db.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, limit)); err != nil {
		t.Fatal(err)
	}
	t.Logf("database of %d pages limited to %d pages", pages, limit)

	details := fmt.Sprintf(`{"pad":%q}`, strings.Repeat("a", 900))
	audits, certs, creds := 0, 0, 0
	var failedCreds []string
	// Write until an audit record, a certificate and a credential in a row
	// have failed: a small write may still fit after a large one failed.
	for i, inARow := 0, 0; inARow < 3; i++ {
		if i == 10000 {
			t.Fatalf("10000 writes into a database limited to %d pages", limit)
		}
		var what string
		var err error
		switch i % 3 {
		case 0:
			what = "AppendAudit"
			rec := &AuditRecord{Actor: "test", Action: "test.fill", Target: fmt.Sprint(i), Details: details}
			if err = s.AppendAudit(ctx, rec, testChain); err == nil {
				audits++
			}
		case 1:
			what = "CreateCertificate"
			if err = s.CreateCertificate(ctx, faultCert(i)); err == nil {
				certs++
			}
		case 2:
			// Two inserts in one transaction.
			cr := &Credential{ID: fmt.Sprintf("cred_%06d", i), Profile: "citizen", SubjectJSON: details,
				KeyName: "k" + fmt.Sprint(i), KeyType: "ec-p256", Status: CredentialActive}
			first := faultCert(i)
			first.Status = CertPending
			what = "CreateCredential " + cr.ID
			if err = s.CreateCredential(ctx, cr, first); err == nil {
				creds++
				certs++
			} else {
				failedCreds = append(failedCreds, cr.ID)
			}
		}
		if err == nil {
			inARow = 0
			continue
		}
		inARow++
		t.Logf("write %d: %s failed after %d audit records, %d certificates, %d credentials: %v", i, what, audits, certs, creds, err)
		if !errors.Is(err, ErrFull) || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("%s into a full database = %v, want ErrFull (and ErrUnavailable)", what, err)
		}
		var se *sqlite.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqliteFull {
			t.Errorf("%s into a full database = %v, want SQLITE_FULL underneath", what, err)
		}
	}
	for _, id := range failedCreds {
		if _, err := s.GetCredential(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetCredential of the failed credential %s = %v, want ErrNotFound", id, err)
		}
	}

	// Nothing half-written.
	if n := checkAuditChain(t, s); n != audits {
		t.Errorf("audit log has %d records, want %d (the successful appends)", n, audits)
	}
	if n := countCertificates(t, s); n != certs {
		t.Errorf("%d certificates stored, want %d", n, certs)
	}
	if res := integrityCheck(t, s); res != "ok" {
		t.Errorf("integrity_check on the full database = %q, want ok", res)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping with the database full = %v, want nil (reads and the write lock work)", err)
	}

	// Room again: writes succeed and the chain goes on.
	if _, err := s.w.db.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := s.AppendAudit(ctx, &AuditRecord{Actor: "test", Action: "test.after", Details: details}, testChain); err != nil {
			t.Fatalf("AppendAudit %d after making room = %v", i, err)
		}
		if err := s.CreateCertificate(ctx, faultCert(20000+i)); err != nil {
			t.Fatalf("CreateCertificate %d after making room = %v", i, err)
		}
	}
	if n := checkAuditChain(t, s); n != audits+5 {
		t.Errorf("audit log has %d records after making room, want %d", n, audits+5)
	}
	if n := countCertificates(t, s); n != certs+5 {
		t.Errorf("%d certificates after making room, want %d", n, certs+5)
	}
	if res := integrityCheck(t, s); res != "ok" {
		t.Errorf("integrity_check after making room = %q, want ok", res)
	}
	t.Logf("after making room: 5 more audit records and certificates, chain of %d records links, integrity ok", audits+5)
}

// TestSQLiteLockedWriters: another connection holds BEGIN EXCLUSIVE on
// the database file. Eight concurrent writers of this store each fail
// with ErrUnavailable within the turn wait plus the busy timeout (not one
// busy timeout after another), reads go on, Ping fails; once the lock is
// released, writes succeed, and nothing of the failed writes is stored.
func TestSQLiteLockedWriters(t *testing.T) {
	const busy = 500 * time.Millisecond
	const writers = 8
	// Each write waits at most busy for its turn and busy for the lock;
	// the margin is for a loaded machine. Writers one after another
	// would take up to writers × busy (4 s).
	bound := 2*busy + 1500*time.Millisecond
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kyso.db")
	s, err := openSQLite(ctx, path, busy)
	if err != nil {
		t.Fatalf("openSQLite = %v", err)
	}
	defer s.Close()
	faultIssuer(t, s)
	for i := range 3 {
		if err := s.AppendAudit(ctx, &AuditRecord{Actor: "test", Action: "test.before", Details: "{}"}, testChain); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateCertificate(ctx, faultCert(i)); err != nil {
			t.Fatal(err)
		}
	}

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		t.Fatalf("BEGIN EXCLUSIVE: %v", err)
	}
	locked := true
	defer func() {
		if locked {
			_, _ = lock.ExecContext(context.Background(), `ROLLBACK`)
		}
	}()
	t.Logf("another connection holds BEGIN EXCLUSIVE; busy timeout %v", busy)

	type result struct {
		what string
		d    time.Duration
		err  error
	}
	results := make([]result, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			var what string
			var err error
			switch i % 4 {
			case 0:
				what, err = "AppendAudit", s.AppendAudit(ctx, &AuditRecord{Actor: "test", Action: "test.locked", Details: "{}"}, testChain)
			case 1:
				what, err = "CreateCertificate", s.CreateCertificate(ctx, faultCert(100+i))
			case 2:
				what = "CreateCredential"
				err = s.CreateCredential(ctx, &Credential{ID: fmt.Sprintf("cred_%d", i), Profile: "citizen",
					SubjectJSON: "{}", KeyName: "k", KeyType: "ec-p256", Status: CredentialActive}, faultCert(100+i))
			case 3:
				what = "CountConsentAttempt"
				_, err = s.CountConsentAttempt(ctx, "cred_none", "cli_none")
			}
			results[i] = result{what, time.Since(start), err}
		}()
	}
	// Reads are not blocked by the lock (WAL).
	if _, err := s.GetCertificate(ctx, faultCert(0).ID); err != nil {
		t.Errorf("GetCertificate while locked = %v", err)
	}
	if n := checkAuditChain(t, s); n != 3 {
		t.Errorf("audit log while locked has %d records, want 3", n)
	}
	wg.Wait()
	var slowest time.Duration
	for i, r := range results {
		if !errors.Is(r.err, ErrUnavailable) || errors.Is(r.err, ErrFull) {
			t.Errorf("writer %d (%s) while locked = %v, want ErrUnavailable", i, r.what, r.err)
		}
		if r.d > bound {
			t.Errorf("writer %d (%s) failed after %v, want within %v", i, r.what, r.d.Round(time.Millisecond), bound)
		}
		slowest = max(slowest, r.d)
	}
	t.Logf("%d concurrent writers while locked: all ErrUnavailable, slowest after %v (bound %v); e.g. %v",
		writers, slowest.Round(time.Millisecond), bound, results[0].err)
	start := time.Now()
	if err := s.Ping(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ping while locked = %v, want ErrUnavailable", err)
	}
	t.Logf("Ping while locked answered after %v", time.Since(start).Round(time.Millisecond))

	if _, err := lock.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatalf("ROLLBACK: %v", err)
	}
	locked = false
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after release = %v", err)
	}
	if err := s.AppendAudit(ctx, &AuditRecord{Actor: "test", Action: "test.after", Details: "{}"}, testChain); err != nil {
		t.Errorf("AppendAudit after release = %v", err)
	}
	if err := s.CreateCertificate(ctx, faultCert(200)); err != nil {
		t.Errorf("CreateCertificate after release = %v", err)
	}
	if n := checkAuditChain(t, s); n != 4 {
		t.Errorf("audit log after release has %d records, want 4 (3 before, none while locked, 1 after)", n)
	}
	if n := countCertificates(t, s); n != 4 {
		t.Errorf("%d certificates after release, want 4 (3 before, none while locked, 1 after)", n)
	}
	if res := integrityCheck(t, s); res != "ok" {
		t.Errorf("integrity_check after release = %q, want ok", res)
	}
	t.Log("after release: writes succeed, nothing of the failed writes stored, integrity ok")
}

// TestClassifyPostgres pins the mapping of PostgreSQL's disk-full and
// lock-timeout errors (a real server cannot be made to show them cheaply;
// store/postgres_test.go runs the rest against one).
func TestClassifyPostgres(t *testing.T) {
	tests := []struct {
		code              string
		full, unavailable bool
	}{
		{"53100", true, true},  // disk_full
		{"53200", false, true}, // out_of_memory
		{"53300", false, true}, // too_many_connections
		{"55P03", false, true}, // lock_not_available (lock_timeout)
		{"57014", false, true}, // query_canceled (statement_timeout)
		{"40P01", false, true}, // deadlock_detected
		{"23505", false, false},
		{"42P01", false, false}, // undefined_table
	}
	for _, tt := range tests {
		err := classifyPostgres(&pgconn.PgError{Code: tt.code, Message: "m"})
		if errors.Is(err, ErrFull) != tt.full || errors.Is(err, ErrUnavailable) != tt.unavailable {
			t.Errorf("classifyPostgres(%s) = %v: ErrFull %t, ErrUnavailable %t; want %t, %t",
				tt.code, err, errors.Is(err, ErrFull), errors.Is(err, ErrUnavailable), tt.full, tt.unavailable)
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			t.Errorf("classifyPostgres(%s) = %v, lost the PgError", tt.code, err)
		}
	}
}
