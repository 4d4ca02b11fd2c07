package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

// Postgres is the scale-out Store: a PostgreSQL database shared by any
// number of kyso nodes, through github.com/jackc/pgx/v5.
//
// Transactions run at READ COMMITTED; every state change is a conditional
// UPDATE, which PostgreSQL re-checks after waiting for a concurrent
// writer's row lock, so two nodes cannot both activate or revoke the same
// certificate.
type Postgres struct {
	sqlDB
}

var _ Store = (*Postgres)(nil)

// Pool limits of OpenPostgres, per kyso node.
const (
	postgresMaxOpenConns = 20
	postgresMaxIdleConns = 10
	postgresConnMaxIdle  = 5 * time.Minute
)

// migrationLockKey is the PostgreSQL advisory lock held while migrating, so
// that nodes starting at once migrate one after the other. ("kyso" in ASCII.)
const migrationLockKey = 0x6b79736f

// auditLockKey is the PostgreSQL advisory lock AppendAudit holds for its
// transaction, so that appenders on all nodes take turns reading the last
// record and inserting the next. ("kysoaudt" in ASCII.)
const auditLockKey = 0x6b79736f61756474

// OpenPostgres connects to the PostgreSQL database dsn (a pgx connection
// string or URL) and brings its schema up to date. A database whose schema
// is newer than this build knows is refused with ErrSchemaTooNew.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(postgresMaxOpenConns)
	db.SetMaxIdleConns(postgresMaxIdleConns)
	db.SetConnMaxIdleTime(postgresConnMaxIdle)

	s := &Postgres{sqlDB{r: db, w: newWritePool(db), classify: classifyPostgres, now: time.Now,
		auditLock: `SELECT pg_advisory_xact_lock(` + strconv.FormatInt(auditLockKey, 10) + `)`}}
	if err := s.open(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Postgres) open(ctx context.Context) (err error) {
	ms, err := loadMigrations(postgresMigrations, "migrations/postgres")
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return s.fail("open postgres", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return s.fail("open postgres: lock migrations", err)
	}
	defer func() {
		// A session lock outlives transactions; release it before the
		// connection goes back to the pool.
		_, uerr := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
		if uerr != nil {
			err = errors.Join(err, s.fail("open postgres: unlock migrations", uerr))
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // discard the connection
		}
	}()
	if err := migrate(ctx, conn, ms); err != nil {
		return s.fail("open postgres", err)
	}
	return nil
}

// classifyPostgres maps PostgreSQL error codes
// (https://www.postgresql.org/docs/current/errcodes-appendix.html) and
// connection failures to the store's error kinds.
func classifyPostgres(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return fmt.Errorf("%w: %w", ErrConflict, err)
		case pe.Code == "23503": // foreign_key_violation
			return fmt.Errorf("%w: a referenced record does not exist: %w", ErrNotFound, err)
		case pe.Code == "53100": // disk_full
			return fmt.Errorf("%w: %w", ErrFull, err)
		case pe.Code == "40001", pe.Code == "40P01", pe.Code == "55P03", // serialization, deadlock, lock_not_available (lock_timeout)
			pe.Code == "57014": // query_canceled (statement_timeout)
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),  // insufficient resources (out of memory, too many connections)
			strings.HasPrefix(pe.Code, "57P"): // server shutting down or not yet up
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
