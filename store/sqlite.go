package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
)

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

// SQLiteBusyTimeout is how long a write waits for its turn among this
// process's writers, and then how long it waits for another process's
// write lock, before it fails with ErrUnavailable.
const SQLiteBusyTimeout = 5 * time.Second

// SQLite is the embedded Store: one database file, opened with
// modernc.org/sqlite (pure Go).
//
// Writes and transactions go through a single connection, so writers in
// this process queue in Go instead of polling SQLite's lock; reads use a
// separate read-only pool and, thanks to WAL, never wait for the writer.
// A write waits at most SQLiteBusyTimeout for its turn, then at most
// SQLiteBusyTimeout for another process writing the same file; after
// that it fails with ErrUnavailable. A database or disk that is full
// fails a write with ErrFull. Either way SQLite rolls the write's
// transaction back whole.
type SQLite struct {
	sqlDB
}

var _ Store = (*SQLite)(nil)

// SQLite result codes (https://sqlite.org/rescode.html) that classify maps.
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteIOErr                = 10
	sqliteFull                 = 13
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// OpenSQLite opens (creating if needed) the SQLite database at path and
// brings its schema up to date. The parent directory is created with mode
// 0700 and a new database file with mode 0600. A database whose schema is
// newer than this build knows is refused with ErrSchemaTooNew.
//
// Every connection runs with WAL journaling, synchronous=FULL (a committed
// certificate record survives power loss, not only a crash), foreign keys
// enforced and a busy timeout of SQLiteBusyTimeout.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	return openSQLite(ctx, path, SQLiteBusyTimeout)
}

func openSQLite(ctx context.Context, path string, busyTimeout time.Duration) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("store: open sqlite: empty path")
	}
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, fmt.Errorf("store: open sqlite: path %q must be a plain file name", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	// Create the file ourselves so that it is private; SQLite gives the
	// -wal and -shm files the same permissions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}

	w, err := sql.Open("sqlite", sqliteDSN(path, busyTimeout, false))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)

	r, err := sql.Open("sqlite", sqliteDSN(path, busyTimeout, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)

	s := &SQLite{sqlDB{r: r, w: newWriteTurns(w, busyTimeout), classify: classifySQLite, now: time.Now}}
	if err := s.open(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *SQLite) open(ctx context.Context) error {
	ms, err := loadMigrations(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	// The first write connection turns on WAL (persistent in the file) before
	// any reader connects.
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return s.fail("open sqlite", err)
	}
	defer conn.Close()
	if err := migrate(ctx, conn, ms); err != nil {
		return s.fail("open sqlite", err)
	}
	return nil
}

// sqliteDSN returns the modernc.org/sqlite DSN for path. The _pragma
// parameters run on every new connection of the pool, busy_timeout first.
// Write transactions begin IMMEDIATE: they take the write lock at BEGIN,
// where the busy timeout applies, instead of failing with SQLITE_BUSY when
// a read turns into a write after another process committed.
func sqliteDSN(path string, busyTimeout time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// classifySQLite maps SQLite result codes to the store's error kinds. The
// driver reports extended result codes.
func classifySQLite(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch code := se.Code(); {
	case code == sqliteConstraintUnique, code == sqliteConstraintPrimaryKey:
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case code == sqliteConstraintForeignKey:
		return fmt.Errorf("%w: a referenced record does not exist: %w", ErrNotFound, err)
	case code&0xff == sqliteBusy, code&0xff == sqliteLocked:
		return fmt.Errorf("%w: database is locked: %w", ErrUnavailable, err)
	case code&0xff == sqliteFull:
		// SQLite reports a write that fails with ENOSPC as SQLITE_FULL,
		// like a database at its max_page_count.
		return fmt.Errorf("%w: database or disk is full: %w", ErrFull, err)
	case code&0xff == sqliteIOErr:
		// Any other failed read, write or sync of the database files; the
		// statement's transaction is rolled back.
		return fmt.Errorf("%w: disk I/O error: %w", ErrUnavailable, err)
	}
	return err
}
