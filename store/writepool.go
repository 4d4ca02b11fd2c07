package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// writePool is the pool that writes and transactions go through.
//
// For SQLite it is one connection taken in turns: a write waits at most
// wait for its turn in this process, then at most SQLite's busy timeout
// for another process's lock. Without the bounded turn, writers queued in
// database/sql behind a connection that waits out the busy timeout would
// each wait a whole busy timeout in their turn: with the file locked by
// another process, the tenth writer would fail only after ten busy
// timeouts, long after its request's deadline. With it, every write fails
// with ErrUnavailable within wait plus the busy timeout.
//
// For PostgreSQL (turn nil) it is the shared pool, used as it is.
//
// Only whole statements and transactions take a turn: there is no
// QueryContext, whose rows would hold the connection after the turn ends;
// a write that returns rows (UPDATE ... RETURNING) runs in a transaction.
type writePool struct {
	db   *sql.DB
	turn chan struct{} // capacity 1: held by the write in progress; nil: no turns
	wait time.Duration
	// observe is told of each ExecContext (sqlDB.SetObserver); nil: none.
	observe func(op string, start time.Time, err error)
}

func newWritePool(db *sql.DB) *writePool { return &writePool{db: db} }

// newWriteTurns returns a pool of db's only connection, taken in turns
// waited for at most wait.
func newWriteTurns(db *sql.DB, wait time.Duration) *writePool {
	return &writePool{db: db, turn: make(chan struct{}, 1), wait: wait}
}

// acquire waits for the write turn and returns the function that ends it.
func (p *writePool) acquire(ctx context.Context) (release func(), err error) {
	if p.turn == nil {
		return func() {}, nil
	}
	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case p.turn <- struct{}{}:
		return func() { <-p.turn }, nil
	case <-t.C:
		return nil, fmt.Errorf("%w: database is busy: no write turn within %v", ErrUnavailable, p.wait)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ExecContext runs one statement in its own write turn.
func (p *writePool) ExecContext(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	if p.observe != nil {
		defer func(start time.Time) { p.observe(OpWrite, start, err) }(time.Now())
	}
	release, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return p.db.ExecContext(ctx, query, args...)
}

// begin starts a transaction in a write turn; the caller ends the turn
// with release after Commit or Rollback.
func (p *writePool) begin(ctx context.Context) (tx *sql.Tx, release func(), err error) {
	release, err = p.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	tx, err = p.db.BeginTx(ctx, nil)
	if err != nil {
		release()
		return nil, nil, err
	}
	return tx, release, nil
}

// PingContext checks that a write could proceed. With turns (SQLite) it
// takes a turn and the database's write lock (BEGIN IMMEDIATE, then
// ROLLBACK: nothing is written), so a database locked by another process
// fails the check as writes would.
func (p *writePool) PingContext(ctx context.Context) error {
	if p.turn == nil {
		return p.db.PingContext(ctx)
	}
	tx, release, err := p.begin(ctx)
	if err != nil {
		return err
	}
	defer release()
	return tx.Rollback()
}

// Conn returns the pool's connection outside the turns: only for opening
// the store, before it is shared.
func (p *writePool) Conn(ctx context.Context) (*sql.Conn, error) { return p.db.Conn(ctx) }

// Close closes the pool.
func (p *writePool) Close() error { return p.db.Close() }
