package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Operations of the database reported to an observer (SetObserver).
const (
	OpRead        = "read"        // a query outside a transaction
	OpWrite       = "write"       // one statement in its own write turn
	OpTransaction = "transaction" // a write transaction, from its turn to its commit or rollback
	OpPing        = "ping"        // the readiness check
)

// SetObserver sets the function told of every call to the database: its
// operation (OpRead, OpWrite, OpTransaction, OpPing), how long it took
// and its error, nil or classified as the store's errors are (ErrNotFound,
// ErrConflict, ErrFull, ErrUnavailable; a canceled or expired context as
// it is). A read that finds no row is not an error here. f must be cheap
// and safe for concurrent use (cmd/kyso's metrics). It is for wiring,
// before the store is used: it is not synchronised with calls.
func (s *sqlDB) SetObserver(f func(op string, d time.Duration, err error)) {
	s.observer = f
	s.w.observe = s.observe
}

// observe reports a call that started at start and ended with err.
func (s *sqlDB) observe(op string, start time.Time, err error) {
	if s.observer == nil {
		return
	}
	switch {
	case err == nil, errors.Is(err, sql.ErrNoRows):
		err = nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict), errors.Is(err, ErrUnavailable):
	default:
		err = s.classify(err)
	}
	s.observer(op, time.Since(start), err)
}
