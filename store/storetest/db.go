package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/internal/pgtest"
)

// DB is a fresh store for a test of another package, with a direct
// connection to the same database, for tests that tamper with it the way
// someone with database access could.
type DB struct {
	Store store.Store
	// SQL is a connection pool of its own to the store's database.
	SQL *sql.DB
	// Dialect is "sqlite" or "postgres".
	Dialect string
	// Path is the SQLite file; empty for PostgreSQL.
	Path string
}

// PostgresMain provides the PostgreSQL database of OpenPostgres (see
// package store/internal/pgtest: KYSO_TEST_POSTGRES_DSN, or a server
// started for the test binary) and runs the tests. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.PostgresMain(m)) }
func PostgresMain(m *testing.M) int { return pgtest.Main(m) }

// OpenSQLite opens a new SQLite store in t.TempDir(); it and SQL are closed
// when t ends.
func OpenSQLite(t *testing.T) *DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kyso.db")
	s, err := store.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatalf("OpenSQLite = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &DB{Store: s, SQL: db, Dialect: "sqlite", Path: path}
}

var schemaSeq atomic.Int64

// OpenPostgres opens a new PostgreSQL store on an empty schema of the
// database PostgresMain provides; the schema is dropped when t ends. The
// test binary's TestMain must call PostgresMain.
func OpenPostgres(t *testing.T) *DB {
	t.Helper()
	dsn := pgtest.DSN()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("kyso_storetest_%d_%d", os.Getpid(), schemaSeq.Add(1))
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
		dsn = u.String()
	} else {
		dsn += " search_path=" + schema
	}
	s, err := store.OpenPostgres(t.Context(), dsn)
	if err != nil {
		t.Fatalf("OpenPostgres = %v", err)
	}
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &DB{Store: s, SQL: db, Dialect: "postgres"}
}

// TamperAudit runs query (an UPDATE or DELETE of audit_log, say) with the
// log's append-only triggers out of the way, in one transaction that puts
// them back, as a database owner covering their tracks would.
func (d *DB) TamperAudit(t *testing.T, query string, args ...any) {
	t.Helper()
	ctx := t.Context()
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	switch d.Dialect {
	case "sqlite":
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
			WHERE type = 'trigger' AND tbl_name = 'audit_log'`)
		if err != nil {
			t.Fatal(err)
		}
		triggers := map[string]string{}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				t.Fatal(err)
			}
			triggers[name] = def
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		for name := range triggers {
			exec(`DROP TRIGGER ` + name)
		}
		exec(query, args...)
		for _, def := range triggers {
			exec(def)
		}
	case "postgres":
		exec(`ALTER TABLE audit_log DISABLE TRIGGER USER`)
		exec(query, args...)
		exec(`ALTER TABLE audit_log ENABLE TRIGGER USER`)
	default:
		t.Fatalf("unknown dialect %q", d.Dialect)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
