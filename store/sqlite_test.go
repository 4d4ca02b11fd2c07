package store_test

import (
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	s, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatalf("OpenSQLite = %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, openSQLite)
}

// migrationRows reads schema_migrations with a connection of its own.
func migrationRows(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v, name, at string
		if err := rows.Scan(&v, &name, &at); err != nil {
			t.Fatal(err)
		}
		out = append(out, v+" "+name+" "+at)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func migrationFiles(t *testing.T, dialect string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no migration files: %v", err)
	}
	return len(m)
}

func TestSQLiteReopen(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "data", "db")
	path := filepath.Join(dir, "kyso.db")

	s, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatalf("OpenSQLite(%q) = %v", path, err)
	}
	is := &store.Issuer{ID: "i1", Name: "root", Kind: store.IssuerRoot, Status: store.IssuerActive,
		KeyName: "root", KeyVersion: 1, CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := s.CreateIssuer(ctx, is); err != nil {
		t.Fatalf("CreateIssuer = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	for name, want := range map[string]fs.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %v, want %v", name, got, want)
		}
	}

	first := migrationRows(t, path)
	if len(first) != migrationFiles(t, "sqlite") {
		t.Fatalf("schema_migrations = %q, want one row per migration file", first)
	}

	for range 2 {
		s, err = store.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatalf("OpenSQLite(%q) again = %v", path, err)
		}
		got, err := s.GetIssuer(ctx, "i1")
		if err != nil {
			t.Fatalf("GetIssuer after reopen = %v", err)
		}
		if got.Name != "root" || !got.CreatedAt.Equal(is.CreatedAt) {
			t.Errorf("GetIssuer after reopen = %+v, want %+v", got, is)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
		if again := migrationRows(t, path); strings.Join(again, "\n") != strings.Join(first, "\n") {
			t.Errorf("schema_migrations after reopen = %q, want unchanged %q", again, first)
		}
	}
}

func TestSQLiteFutureSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kyso.db")
	s, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatalf("OpenSQLite = %v", err)
	}
	s.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (9999, 'from_the_future', '2030-01-01T00:00:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := migrationRows(t, path)

	s, err = store.OpenSQLite(ctx, path)
	if err == nil {
		s.Close()
		t.Fatalf("OpenSQLite of a database at schema version 9999 succeeded, want ErrSchemaTooNew")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
		t.Errorf("OpenSQLite = %v, want ErrSchemaTooNew naming version 9999", err)
	}
	if after := migrationRows(t, path); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("schema_migrations after refused open = %q, want %q", after, before)
	}
}

func TestOpenSQLiteBadPath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"",
		":memory:",
		"file:kyso.db",
		filepath.Join(dir, "kyso.db?mode=ro"),
		filepath.Join(blocker, "kyso.db"), // parent is a file
	} {
		if s, err := store.OpenSQLite(t.Context(), path); err == nil {
			s.Close()
			t.Errorf("OpenSQLite(%q) succeeded, want an error", path)
		}
	}
}
