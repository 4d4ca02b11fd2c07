package store

import (
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestSQLitePragmas checks that every pooled connection, not only the first,
// runs with the configured pragmas.
func TestSQLitePragmas(t *testing.T) {
	s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatalf("OpenSQLite = %v", err)
	}
	defer s.Close()
	ctx := t.Context()

	check := func(pool string, db *sql.DB, conns int, want map[string]string) {
		t.Helper()
		// Hold several connections at once so that the pool must open new ones.
		var held []*sql.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for i := range conns {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatalf("%s conn %d: %v", pool, i, err)
			}
			held = append(held, c)
			for pragma, w := range want {
				var got string
				if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
					t.Fatalf("%s conn %d: PRAGMA %s: %v", pool, i, pragma, err)
				}
				if !strings.EqualFold(got, w) {
					t.Errorf("%s conn %d: PRAGMA %s = %q, want %q", pool, i, pragma, got, w)
				}
			}
		}
	}
	common := map[string]string{
		"foreign_keys": "1",
		"journal_mode": "wal",
		"busy_timeout": "5000",
		"synchronous":  "2", // FULL
	}
	check("writer", s.w.db, 1, common)
	readers := map[string]string{"query_only": "1"}
	for k, v := range common {
		readers[k] = v
	}
	check("reader", s.r, 3, readers)

	if _, err := s.r.ExecContext(ctx, `DELETE FROM issuers`); err == nil {
		t.Errorf("write through the read pool succeeded, want an error")
	}
}

// TestSQLiteLocked: a write lock held elsewhere beyond the busy timeout is
// ErrUnavailable; once it is released, writes work again.
func TestSQLiteLocked(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kyso.db")
	s, err := openSQLite(ctx, path, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("openSQLite = %v", err)
	}
	defer s.Close()

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO admin_tokens (id, name, hash, created_at)
		VALUES ('x', 'x', X'00', '2026-01-01T00:00:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}

	tok := &AdminToken{ID: "t1", Name: "ops", Hash: []byte{1}}
	err = s.CreateAdminToken(ctx, tok)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("CreateAdminToken while locked = %v, want ErrUnavailable", err)
	}
	// Readers are not blocked by the writer (WAL).
	if _, err := s.CountAdminTokens(ctx); err != nil {
		t.Errorf("CountAdminTokens while locked = %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAdminToken(ctx, tok); err != nil {
		t.Errorf("CreateAdminToken after unlock = %v", err)
	}
}

func TestLoadMigrations(t *testing.T) {
	ms, err := loadMigrations(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		t.Fatalf("loadMigrations(sqlite) = %v", err)
	}
	if ms[0].version != 1 || ms[0].name != "init" {
		t.Errorf("first migration = %d %q, want 1 init", ms[0].version, ms[0].name)
	}

	pg, err := loadMigrations(postgresMigrations, "migrations/postgres")
	if err != nil {
		t.Fatalf("loadMigrations(postgres) = %v", err)
	}
	if len(pg) != len(ms) {
		t.Fatalf("%d PostgreSQL migrations, %d SQLite ones; every schema change needs both", len(pg), len(ms))
	}
	for i := range ms {
		if pg[i].name != ms[i].name {
			t.Errorf("migration %d is %q for SQLite, %q for PostgreSQL", i+1, ms[i].name, pg[i].name)
		}
	}

	file := &fstest.MapFile{Data: []byte("SELECT 1;")}
	tests := []struct {
		name  string
		files []string
		ok    bool
	}{
		{"one", []string{"0001_a.sql"}, true},
		{"two", []string{"0001_a.sql", "0002_b_c.sql"}, true},
		{"none", nil, false},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, false},
		{"duplicate", []string{"0001_a.sql", "0001_b.sql"}, false},
		{"starts at 2", []string{"0002_a.sql"}, false},
		{"bad name", []string{"0001_a.sql", "2_b.sql"}, false},
		{"not sql", []string{"0001_a.sql", "README"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"m": &fstest.MapFile{Mode: fs.ModeDir | 0o755}}
			for _, f := range tt.files {
				fsys["m/"+f] = file
			}
			_, err := loadMigrations(fsys, "m")
			if (err == nil) != tt.ok {
				t.Errorf("loadMigrations(%q) = %v, want ok=%v", tt.files, err, tt.ok)
			}
		})
	}
}
