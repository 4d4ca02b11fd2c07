package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ----- audit log -----

const auditCols = `seq, at, actor, action, target, details, prev_hash, hash`

// The statements of an append.
const (
	auditLastSQL   = `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`
	auditInsertSQL = `INSERT INTO audit_log (` + auditCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
)

// AppendAudit appends rec to the audit log; see Store.AppendAudit.
//
// Appenders must take turns from reading the last record to inserting the
// next, or two would chain onto the same record. On SQLite the write
// transaction already excludes every other writer (one connection in this
// process, BEGIN IMMEDIATE against other processes). On PostgreSQL the
// transaction first takes a transaction-scoped advisory lock
// (auditLockKey), released at commit or rollback; at READ COMMITTED the
// following SELECT then sees the record the previous holder committed. The
// primary key on seq is the backstop: a second record with the same seq is
// ErrConflict, never a fork.
func (s *sqlDB) AppendAudit(ctx context.Context, rec *AuditRecord, chain func(prev []byte, rec *AuditRecord) []byte) error {
	return s.appendAudit(ctx, "append audit record", []*AuditRecord{rec}, chain)
}

// AppendAudits appends recs, in order, in one transaction; see
// Store.AppendAudits.
func (s *sqlDB) AppendAudits(ctx context.Context, recs []*AuditRecord, chain func(prev []byte, rec *AuditRecord) []byte) error {
	return s.appendAudit(ctx, "append audit records", recs, chain)
}

func (s *sqlDB) appendAudit(ctx context.Context, op string, recs []*AuditRecord, chain func(prev []byte, rec *AuditRecord) []byte) error {
	if chain == nil {
		return s.fail(op, errors.New("nil chain function"))
	}
	if len(recs) == 0 {
		return nil
	}
	out := make([]AuditRecord, len(recs))
	// Prepared once, before the transaction (writeStmt): parsing these
	// again was a third of an append's CPU.
	lastStmt, insStmt := s.writeStmt(ctx, auditLastSQL), s.writeStmt(ctx, auditInsertSQL)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.auditLock != "" {
			if _, err := tx.ExecContext(ctx, s.auditLock); err != nil {
				return fmt.Errorf("lock audit log: %w", err)
			}
		}
		var last int64
		var prev []byte
		sel, err := txStmt(ctx, tx, lastStmt, auditLastSQL)
		if err != nil {
			return err
		}
		err = sel.QueryRowContext(ctx).Scan(&last, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read last record: %w", err)
		}
		ins, err := txStmt(ctx, tx, insStmt, auditInsertSQL)
		if err != nil {
			return err
		}
		defer ins.Close()
		for i, rec := range recs {
			o := &out[i]
			*o = *rec
			o.Seq = last + 1
			o.PrevHash = prev
			if len(o.PrevHash) == 0 {
				o.PrevHash = nil
			}
			o.At = s.stamp(o.At).UTC()
			o.Hash = chain(o.PrevHash, o)
			if len(o.Hash) == 0 {
				return errors.New("chain returned an empty hash")
			}
			if _, err := ins.ExecContext(ctx, o.Seq, dbTime(o.At), o.Actor, o.Action, o.Target, o.Details,
				nonNilBytes(o.PrevHash), o.Hash); err != nil {
				return err
			}
			last, prev = o.Seq, o.Hash
		}
		return nil
	})
	if err != nil {
		return s.fail(op, err)
	}
	for i, rec := range recs {
		*rec = out[i]
	}
	return nil
}

// ListAudit returns up to limit audit records with Seq > afterSeq, in Seq
// order. limit is DefaultListLimit if not positive and at most
// MaxListLimit. An empty PrevHash comes back nil.
func (s *sqlDB) ListAudit(ctx context.Context, afterSeq int64, limit int) ([]*AuditRecord, error) {
	const op = "list audit records"
	switch {
	case limit <= 0:
		limit = DefaultListLimit
	case limit > MaxListLimit:
		limit = MaxListLimit
	}
	rows, err := s.query(ctx, `SELECT `+auditCols+` FROM audit_log
		WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limit)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []*AuditRecord
	for rows.Next() {
		var r AuditRecord
		if err := rows.Scan(&r.Seq, timeScan{&r.At}, &r.Actor, &r.Action, &r.Target, &r.Details,
			&r.PrevHash, &r.Hash); err != nil {
			return nil, s.fail(op, err)
		}
		if len(r.PrevHash) == 0 {
			r.PrevHash = nil
		}
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// nonNilBytes returns b, or an empty slice for nil: the drivers write a nil
// []byte as NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
