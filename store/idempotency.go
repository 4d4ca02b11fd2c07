package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/model"
)

// IdempotencyRecord and its states are kyso's domain types (package
// model).
type (
	IdempotencyRecord = model.IdempotencyRecord
	IdempotencyState  = model.IdempotencyState
)

// Idempotency-Key states (package model).
const (
	IdempotencyPending = model.IdempotencyPending
	IdempotencyDone    = model.IdempotencyDone
)

// QuarantinedKey is a Transit key that no record refers to, set aside by
// kyso doctor.
type QuarantinedKey struct {
	Name    string
	Reason  string
	FoundAt time.Time
}

const idempotencyCols = `actor, idem_key, fingerprint, token, state, resource, status, header_json,
	body, body_size, created_at, locked_until, expires_at`

// idempotencyRow is a row of idempotency_keys: the record, and whether its
// body is sealed.
type idempotencyRow struct {
	rec    *IdempotencyRecord
	sealed bool
}

func scanIdempotency(row interface{ Scan(...any) error }) (*idempotencyRow, error) {
	var r IdempotencyRecord
	var sealed int
	var evicted *string
	err := row.Scan(&r.Actor, &r.Key, &r.Fingerprint, &r.Token, &r.State, stringScan{&r.Resource}, &r.Status,
		&r.Header, &r.Body, &r.BodySize, timeScan{&r.CreatedAt}, timeScan{&r.LockedUntil}, timeScan{&r.ExpiresAt},
		&sealed, &evicted)
	if err != nil {
		return nil, err
	}
	r.Evicted = evicted != nil
	return &idempotencyRow{rec: &r, sealed: sealed != 0}, nil
}

// ClaimIdempotencyKey records rec (Actor, Key, Fingerprint, Token,
// LockedUntil, ExpiresAt; a zero CreatedAt is set to now) as pending, and
// returns the record as stored after the call. The caller holds the key
// when the returned Token equals rec.Token.
//
// An existing record is replaced when it has expired, or when it is
// pending, its holder's lock has run out (the holder crashed) and the
// fingerprint is the same; in that last case the returned record keeps
// the old Resource, so the new holder can finish what the old one
// started. Any other existing record is returned unchanged.
func (s *sqlDB) ClaimIdempotencyKey(ctx context.Context, rec *IdempotencyRecord) (*IdempotencyRecord, error) {
	op := fmt.Sprintf("claim idempotency key of %q", rec.Actor)
	if rec.Actor == "" || rec.Key == "" || rec.Token == "" || len(rec.Fingerprint) == 0 {
		return nil, s.fail(op, errors.New("actor, key, token and fingerprint are required"))
	}
	if rec.LockedUntil.IsZero() || rec.ExpiresAt.IsZero() {
		return nil, s.fail(op, errors.New("locked_until and expires_at are required"))
	}
	created := s.stamp(rec.CreatedAt)
	now := dbTime(s.now().UTC())
	var got *idempotencyRow
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (`+idempotencyCols+`)
			VALUES ($1, $2, $3, $4, 'pending', NULL, 0, '{}', NULL, 0, $5, $6, $7)
			ON CONFLICT (actor, idem_key) DO UPDATE SET
				fingerprint = excluded.fingerprint, token = excluded.token, state = 'pending',
				resource = CASE WHEN idempotency_keys.expires_at <= $8 THEN NULL ELSE idempotency_keys.resource END,
				status = 0, header_json = '{}', body = NULL, body_size = 0,
				created_at = excluded.created_at, locked_until = excluded.locked_until,
				expires_at = excluded.expires_at, sealed = 0, stored_bytes = 0, evicted_at = NULL
			WHERE idempotency_keys.expires_at <= $8
				OR (idempotency_keys.state = 'pending' AND idempotency_keys.locked_until <= $8
					AND idempotency_keys.fingerprint = excluded.fingerprint)`,
			rec.Actor, rec.Key, rec.Fingerprint, rec.Token, dbTime(created), dbTime(rec.LockedUntil),
			dbTime(rec.ExpiresAt), now)
		if err != nil {
			return err
		}
		got, err = scanIdempotency(tx.QueryRowContext(ctx, `SELECT `+idempotencyCols+`, sealed, evicted_at
			FROM idempotency_keys WHERE actor = $1 AND idem_key = $2`, rec.Actor, rec.Key))
		return err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	if got.rec.Token == rec.Token {
		rec.CreatedAt = created
	}
	if got.sealed && got.rec.Body != nil {
		// A replay: open the kept answer, outside the transaction (a
		// Transit call).
		got.rec.Header, got.rec.Body, err = open(ctx, s.answers.Cipher, got.rec.Actor, got.rec.Key, got.rec.Status, got.rec.Body)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", op, err)
		}
	}
	return got.rec, nil
}

// SetIdempotencyResource records what the holder of a pending key is about
// to create; ErrConflict if token no longer holds the key.
func (s *sqlDB) SetIdempotencyResource(ctx context.Context, actor, key, token, resource string) error {
	err := s.heldUpdate(ctx, `UPDATE idempotency_keys SET resource = $4
		WHERE actor = $1 AND idem_key = $2 AND token = $3 AND state = 'pending'`, actor, key, token, resource)
	if err != nil {
		return s.fail(fmt.Sprintf("set resource of idempotency key of %q", actor), err)
	}
	return nil
}

// CompleteIdempotencyKey stores the answer (Status, Header, Body, BodySize)
// of the pending record rec.Actor/rec.Key held by rec.Token and marks it
// done; ErrConflict if the token no longer holds it.
//
// With a cipher (SetAnswerConfig) the header and body are sealed before
// they reach the database. The actor's kept answers stay within the quota:
// keeping this one evicts the actor's oldest kept answers (their records
// stay, done and Evicted) until the rest fits; an answer larger than the
// quota is not kept (Body nil, as for one too large to capture). Under
// concurrent completions of one actor the quota may be exceeded by the
// answers being completed at that moment, until the next completion.
//
// An answer the cipher fails to seal (Vault away at that moment) is not
// kept, never kept in clear: the record is marked done without it, so a
// retry is told the answer was not kept rather than doing the work again,
// and the sealing error is returned (wrapping ErrAnswerNotSealed) once the
// record is written, for the caller to log.
func (s *sqlDB) CompleteIdempotencyKey(ctx context.Context, rec *IdempotencyRecord) error {
	op := fmt.Sprintf("complete idempotency key of %q", rec.Actor)
	header := rec.Header
	if header == "" {
		header = "{}"
	}
	quota := s.answerQuota()
	body, sealed := rec.Body, false
	if body != nil && quota > 0 && int64(len(body)) > quota {
		body = nil
	}
	var sealErr error
	if body != nil && s.answers.Cipher != nil {
		b, err := seal(ctx, s.answers.Cipher, rec.Actor, rec.Key, rec.Status, header, body)
		if err != nil {
			sealErr = fmt.Errorf("%w: %w", ErrAnswerNotSealed, err)
			b = nil
		}
		body, header, sealed = b, "{}", b != nil
	}
	stored := int64(len(body))
	if body == nil {
		stored = 0
	}
	now := dbTime(s.now().UTC())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET state = 'done', status = $4, header_json = $5,
			body = $6, body_size = $7, sealed = $8, stored_bytes = $9
			WHERE actor = $1 AND idem_key = $2 AND token = $3 AND state = 'pending'`,
			rec.Actor, rec.Key, rec.Token, rec.Status, header, body, rec.BodySize, boolInt(sealed), stored)
		if err := mustAffect(res, err); errors.Is(err, ErrNotFound) {
			return fmt.Errorf("%w: %w", ErrConflict, model.ErrIdempotencyNotHeld)
		} else if err != nil {
			return err
		}
		if stored == 0 || quota <= 0 {
			return nil
		}
		return evictAnswers(ctx, tx, rec.Actor, rec.Key, quota, now)
	})
	if err != nil {
		return s.fail(op, err)
	}
	rec.State = IdempotencyDone
	if sealErr != nil {
		return fmt.Errorf("store: %s: %w", op, sealErr)
	}
	return nil
}

// evictAnswers drops the oldest kept answers of actor, but that of key,
// until the rest fits in quota bytes. Expired records do not count: they
// are as good as purged.
func evictAnswers(ctx context.Context, tx *sql.Tx, actor, key string, quota int64, now dbTime) error {
	var total int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(stored_bytes), 0) FROM idempotency_keys
		WHERE actor = $1 AND stored_bytes > 0 AND expires_at > $2`, actor, now).Scan(&total); err != nil {
		return err
	}
	if total <= quota {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT idem_key, stored_bytes FROM idempotency_keys
		WHERE actor = $1 AND stored_bytes > 0 AND expires_at > $2 AND idem_key <> $3
		ORDER BY created_at, idem_key`, actor, now, key)
	if err != nil {
		return err
	}
	var evict []string
	for total > quota && rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return err
		}
		evict = append(evict, k)
		total -= n
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, k := range evict {
		if _, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET body = NULL, header_json = '{}', stored_bytes = 0,
			sealed = 0, evicted_at = $3 WHERE actor = $1 AND idem_key = $2`, actor, k, now); err != nil {
			return err
		}
	}
	return nil
}

// ReleaseIdempotencyKey forgets a pending record held by token (its
// request failed: a retry may do the work); ErrConflict if token does not
// hold it.
func (s *sqlDB) ReleaseIdempotencyKey(ctx context.Context, actor, key, token string) error {
	err := s.heldUpdate(ctx, `DELETE FROM idempotency_keys
		WHERE actor = $1 AND idem_key = $2 AND token = $3 AND state = 'pending'`, actor, key, token)
	if err != nil {
		return s.fail(fmt.Sprintf("release idempotency key of %q", actor), err)
	}
	return nil
}

// UnlockIdempotencyKey ends the lock of a pending record held by token but
// keeps it (and its Resource): its request failed after creating what it
// names, so the retry must take it over and finish, not start again.
// ErrConflict if token does not hold it.
func (s *sqlDB) UnlockIdempotencyKey(ctx context.Context, actor, key, token string) error {
	err := s.heldUpdate(ctx, `UPDATE idempotency_keys SET locked_until = $4
		WHERE actor = $1 AND idem_key = $2 AND token = $3 AND state = 'pending'`, actor, key, token, dbTime(s.now().UTC()))
	if err != nil {
		return s.fail(fmt.Sprintf("unlock idempotency key of %q", actor), err)
	}
	return nil
}

// heldUpdate runs a statement that must change exactly the record a token
// holds: no row changed is ErrConflict (another request took the key over,
// or it expired and was purged).
func (s *sqlDB) heldUpdate(ctx context.Context, query string, args ...any) error {
	err := mustAffect(s.w.ExecContext(ctx, query, args...))
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrConflict, model.ErrIdempotencyNotHeld)
	}
	return err
}

// PurgeIdempotencyKeys deletes the records that expired at or before
// before, and returns how many.
func (s *sqlDB) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= $1`, dbTime(before.UTC()))
	if err != nil {
		return 0, s.fail("purge idempotency keys", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail("purge idempotency keys", err)
	}
	return n, nil
}

// QuarantineKey records a Transit key as quarantined; ErrConflict if it
// already is. A zero k.FoundAt is set to now.
func (s *sqlDB) QuarantineKey(ctx context.Context, k *QuarantinedKey) error {
	op := fmt.Sprintf("quarantine key %q", k.Name)
	if err := requireID("quarantined key", k.Name); err != nil {
		return s.fail(op, err)
	}
	found := s.stamp(k.FoundAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO quarantined_keys (key_name, reason, found_at) VALUES ($1, $2, $3)`,
		k.Name, k.Reason, dbTime(found))
	if err != nil {
		return s.fail(op, err)
	}
	k.FoundAt = found
	return nil
}

// ListQuarantinedKeys returns the quarantined keys ordered by name.
func (s *sqlDB) ListQuarantinedKeys(ctx context.Context) ([]*QuarantinedKey, error) {
	rows, err := s.query(ctx, `SELECT key_name, reason, found_at FROM quarantined_keys ORDER BY key_name`)
	if err != nil {
		return nil, s.fail("list quarantined keys", err)
	}
	defer rows.Close()
	var out []*QuarantinedKey
	for rows.Next() {
		var k QuarantinedKey
		if err := rows.Scan(&k.Name, &k.Reason, timeScan{&k.FoundAt}); err != nil {
			return nil, s.fail("list quarantined keys", err)
		}
		out = append(out, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list quarantined keys", err)
	}
	return out, nil
}

// ListCredentials returns up to limit credentials (DefaultListLimit if
// limit <= 0, at most MaxListLimit) with IDs after after, ordered by ID.
func (s *sqlDB) ListCredentials(ctx context.Context, after string, limit int) ([]*Credential, error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	rows, err := s.query(ctx, `SELECT `+credentialCols+` FROM credentials WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, s.fail("list credentials", err)
	}
	defer rows.Close()
	var out []*Credential
	for rows.Next() {
		cr, err := scanCredential(rows)
		if err != nil {
			return nil, s.fail("list credentials", err)
		}
		out = append(out, cr)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list credentials", err)
	}
	return out, nil
}
