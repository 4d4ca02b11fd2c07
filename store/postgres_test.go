package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/internal/pgtest"
	"github.com/kyso-vn/kyso/store/storetest"
)

// TestMain provides the PostgreSQL database of the PostgreSQL tests:
// KYSO_TEST_POSTGRES_DSN if set, else a server of their own (see pgtest).
// Without PostgreSQL's server binaries the package's tests fail.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var schemaSeq atomic.Int64

// newSchema creates an empty schema, dropped when t ends, and returns dsn
// with its search_path set to it.
func newSchema(t *testing.T, dsn string) string {
	t.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("kyso_test_%d_%d", os.Getpid(), schemaSeq.Add(1))
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

func TestPostgres(t *testing.T) {
	dsn := pgtest.DSN()
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.OpenPostgres(t.Context(), newSchema(t, dsn))
		if err != nil {
			t.Fatalf("OpenPostgres = %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
		})
		return s
	})
}

func TestPostgresMigrations(t *testing.T) {
	ctx := t.Context()
	dsn := newSchema(t, pgtest.DSN())
	versions := func() string {
		t.Helper()
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v string
		if err := db.QueryRowContext(ctx, `SELECT string_agg(version || ' ' || applied_at, ',' ORDER BY version)
			FROM schema_migrations`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	// Nodes starting at once: all open, the schema is migrated once.
	const nodes = 4
	errs := make(chan error, nodes)
	for range nodes {
		go func() {
			s, err := store.OpenPostgres(ctx, dsn)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent OpenPostgres = %v", err)
		}
	}
	first := versions()
	if n := len(strings.Split(first, ",")); n != migrationFiles(t, "postgres") {
		t.Fatalf("schema_migrations = %q, want one row per migration", first)
	}

	s, err := store.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatalf("OpenPostgres again = %v", err)
	}
	s.Close()
	if again := versions(); again != first {
		t.Errorf("schema_migrations after reopen = %q, want %q", again, first)
	}

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (9999, 'from_the_future', '2030-01-01T00:00:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	s, err = store.OpenPostgres(ctx, dsn)
	if err == nil {
		s.Close()
		t.Fatalf("OpenPostgres of a database at schema version 9999 succeeded, want ErrSchemaTooNew")
	}
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("OpenPostgres = %v, want ErrSchemaTooNew", err)
	}
}

func TestPostgresUnreachable(t *testing.T) {
	// Port 1 on localhost: nothing listens there.
	s, err := store.OpenPostgres(t.Context(), "postgres://kyso@127.0.0.1:1/kyso?sslmode=disable&connect_timeout=2")
	if err == nil {
		s.Close()
		t.Fatal("OpenPostgres of an unreachable server succeeded")
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("OpenPostgres of an unreachable server = %v, want ErrUnavailable", err)
	}
}
