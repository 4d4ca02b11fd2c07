package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// stmtCacheMax bounds the prepared statements kept per store: the store's
// queries are constants and a few filter combinations, so the bound is
// only a guard.
const stmtCacheMax = 128

// stmtCache keeps a pool's prepared statements by their SQL text.
// Without it every query is parsed and planned again (database/sql
// prepares, runs and closes a statement per call): with SQLite, most of
// the cost of a short lookup by key.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns the read pool's prepared statement for q, or nil when it
// cannot be prepared or the cache is full (the caller then runs q
// unprepared, and reports its error).
func (s *sqlDB) stmt(ctx context.Context, q string) *sql.Stmt {
	return s.stmts.get(ctx, s.r, q)
}

// writeStmt returns q prepared on the write pool, for a transaction to
// bind with tx.StmtContext (database/sql reuses the statement on the
// connection it was prepared on: SQLite's one write connection). It must
// be called before the transaction begins: on SQLite, preparing while a
// transaction of this caller holds the one connection would wait for it
// forever. nil when it cannot be prepared (txStmt then prepares in the
// transaction, which reports the error).
func (s *sqlDB) writeStmt(ctx context.Context, q string) *sql.Stmt {
	return s.wstmts.get(ctx, s.w.db, q)
}

// txStmt returns q for tx: st (from writeStmt) bound to tx, or q prepared
// in tx if st is nil. The transaction closes it when it ends.
func txStmt(ctx context.Context, tx *sql.Tx, st *sql.Stmt, q string) (*sql.Stmt, error) {
	if st != nil {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, q)
}

// get returns db's prepared statement for q from c, preparing it once.
func (c *stmtCache) get(ctx context.Context, db *sql.DB, q string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.m[q]
	full := len(c.m) >= stmtCacheMax
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[q]; ok {
		st.Close()
		return old
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st
}

// queryRow is s.r.QueryRowContext through a prepared statement.
func (s *sqlDB) queryRow(ctx context.Context, q string, args ...any) (row *sql.Row) {
	defer func(start time.Time) { s.observe(OpRead, start, row.Err()) }(time.Now())
	if st := s.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.r.QueryRowContext(ctx, q, args...)
}

// query is s.r.QueryContext through a prepared statement.
func (s *sqlDB) query(ctx context.Context, q string, args ...any) (rows *sql.Rows, err error) {
	defer func(start time.Time) { s.observe(OpRead, start, err) }(time.Now())
	if st := s.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.r.QueryContext(ctx, q, args...)
}

// closeStmts closes the cached statements.
func (s *sqlDB) closeStmts() {
	s.stmts.close()
	s.wstmts.close()
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}
