package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/model"
)

// ----- SCAL2: TOTP seeds, client bindings, attempts, SADs, transactions -----

// SetTOTP stores (or replaces) the encrypted TOTP seed of a credential;
// a replaced seed starts again from step 0. ErrNotFound for an unknown
// credential.
func (s *sqlDB) SetTOTP(ctx context.Context, credID string, ciphertext []byte) error {
	op := fmt.Sprintf("set TOTP of credential %q", credID)
	_, err := s.w.ExecContext(ctx, `INSERT INTO credential_totp (credential_id, secret_ct, last_step, created_at)
		VALUES ($1, $2, 0, $3)
		ON CONFLICT (credential_id) DO UPDATE SET secret_ct = excluded.secret_ct, last_step = 0, created_at = excluded.created_at`,
		credID, string(ciphertext), dbTime(s.now()))
	if err != nil {
		return s.fail(op, err) // an unknown credential fails its foreign key: ErrNotFound
	}
	return nil
}

// GetTOTP returns the encrypted TOTP seed of a credential and the last
// step a code was accepted in; ErrNotFound if it has none.
func (s *sqlDB) GetTOTP(ctx context.Context, credID string) (ciphertext []byte, lastStep int64, err error) {
	var ct string
	err = s.queryRow(ctx, `SELECT secret_ct, last_step FROM credential_totp WHERE credential_id = $1`, credID).Scan(&ct, &lastStep)
	if err != nil {
		return nil, 0, s.fail(fmt.Sprintf("get TOTP of credential %q", credID), err)
	}
	return []byte(ct), lastStep, nil
}

// UseTOTPStep records that a code of time step step was accepted, if step
// is later than the last one: of two uses of one step (or an earlier
// one), however concurrent, only the first succeeds; the others get
// ErrConflict.
func (s *sqlDB) UseTOTPStep(ctx context.Context, credID string, step int64) error {
	err := mustAffect(s.w.ExecContext(ctx, `UPDATE credential_totp SET last_step = $2
		WHERE credential_id = $1 AND last_step < $2`, credID, step))
	if errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("%w: time step %d already used", ErrConflict, step)
	}
	if err != nil {
		return s.fail(fmt.Sprintf("use TOTP step of credential %q", credID), err)
	}
	return nil
}

// BindClient binds a credential to a client system; binding it again is
// not an error. ErrNotFound for an unknown credential.
func (s *sqlDB) BindClient(ctx context.Context, credID, clientID string) error {
	op := fmt.Sprintf("bind credential %q to client %q", credID, clientID)
	if err := requireID("client", clientID); err != nil {
		return s.fail(op, err)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO credential_clients (credential_id, client_id, created_at)
		VALUES ($1, $2, $3) ON CONFLICT (credential_id, client_id) DO NOTHING`, credID, clientID, dbTime(s.now()))
	if err != nil {
		return s.fail(op, err) // an unknown credential fails its foreign key: ErrNotFound
	}
	return nil
}

// ClientBound reports whether a credential is bound to a client.
func (s *sqlDB) ClientBound(ctx context.Context, credID, clientID string) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM credential_clients WHERE credential_id = $1 AND client_id = $2`,
		credID, clientID).Scan(&n)
	if err != nil {
		return false, s.fail(fmt.Sprintf("binding of credential %q to client %q", credID, clientID), err)
	}
	return n > 0, nil
}

// CredentialClients returns the IDs of the clients a credential is bound
// to, sorted.
func (s *sqlDB) CredentialClients(ctx context.Context, credID string) ([]string, error) {
	return s.ids(ctx, fmt.Sprintf("clients of credential %q", credID),
		`SELECT client_id FROM credential_clients WHERE credential_id = $1 ORDER BY client_id`, credID)
}

// ClientCredentials returns the IDs of the credentials bound to a client,
// sorted.
func (s *sqlDB) ClientCredentials(ctx context.Context, clientID string) ([]string, error) {
	return s.ids(ctx, fmt.Sprintf("credentials of client %q", clientID),
		`SELECT credential_id FROM credential_clients WHERE client_id = $1 ORDER BY credential_id`, clientID)
}

func (s *sqlDB) ids(ctx context.Context, op, q string, arg string) ([]string, error) {
	rows, err := s.query(ctx, q, arg)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// GetConsentAttempts returns one client's wrong attempts for a
// credential (zero if none).
func (s *sqlDB) GetConsentAttempts(ctx context.Context, credID, clientID string) (*model.ConsentAttempts, error) {
	var a model.ConsentAttempts
	err := s.queryRow(ctx, `SELECT failures, lockouts, locked_until FROM consent_attempts
		WHERE credential_id = $1 AND client_id = $2`, credID, clientID).Scan(&a.Failures, &a.Lockouts, timeScan{&a.LockedUntil})
	if errors.Is(err, sql.ErrNoRows) {
		return &a, nil
	}
	if err != nil {
		return nil, s.fail(fmt.Sprintf("consent attempts on credential %q by client %q", credID, clientID), err)
	}
	return &a, nil
}

// CountConsentAttempt adds one to a client's failure count for a
// credential, before the attempt is checked, and returns the new count:
// of concurrent attempts each gets its own number.
func (s *sqlDB) CountConsentAttempt(ctx context.Context, credID, clientID string) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO consent_attempts (credential_id, client_id, failures) VALUES ($1, $2, 1)
			ON CONFLICT (credential_id, client_id) DO UPDATE SET failures = consent_attempts.failures + 1
			RETURNING failures`, credID, clientID).Scan(&n)
	})
	if err != nil {
		return 0, s.fail(fmt.Sprintf("count consent attempt on credential %q by client %q", credID, clientID), err)
	}
	return n, nil
}

// LockConsent locks a client out of a credential until until, counts the
// lockout and starts the failure count again; it returns the number of
// lockouts so far, this one included.
func (s *sqlDB) LockConsent(ctx context.Context, credID, clientID string, until time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE consent_attempts SET failures = 0, lockouts = lockouts + 1, locked_until = $3
			WHERE credential_id = $1 AND client_id = $2 RETURNING lockouts`, credID, clientID, dbTime(until)).Scan(&n)
	})
	if err != nil {
		return 0, s.fail(fmt.Sprintf("lock client %q out of credential %q", clientID, credID), err)
	}
	return n, nil
}

// ResetConsentFailures sets a client's failure count for a credential to
// zero after a right PIN and code; earlier lockouts stay counted.
func (s *sqlDB) ResetConsentFailures(ctx context.Context, credID, clientID string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE consent_attempts SET failures = 0
		WHERE credential_id = $1 AND client_id = $2 AND failures <> 0`, credID, clientID)
	if err != nil {
		return s.fail(fmt.Sprintf("reset consent failures on credential %q by client %q", credID, clientID), err)
	}
	return nil
}

// ClearConsentLocks forgets every client's failures and lockouts for a
// credential (an enrolment event: unlock, new PIN).
func (s *sqlDB) ClearConsentLocks(ctx context.Context, credID string) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM consent_attempts WHERE credential_id = $1`, credID)
	if err != nil {
		return s.fail(fmt.Sprintf("clear consent locks of credential %q", credID), err)
	}
	return nil
}

const sadCols = `token_hash, credential_id, client_id, hash_algorithm, hashes, num_signatures, doc_id, mode, created_at, expires_at, used_at`

func scanSAD(row interface{ Scan(...any) error }) (*model.SAD, error) {
	var d model.SAD
	err := row.Scan(&d.TokenHash, &d.CredentialID, &d.ClientID, &d.HashAlgorithm, &d.Hashes, &d.NumSignatures, &d.DocID, &d.Mode,
		timeScan{&d.CreatedAt}, timeScan{&d.ExpiresAt}, timeScan{&d.UsedAt})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateSAD stores a SAD. A zero CreatedAt is set to now.
func (s *sqlDB) CreateSAD(ctx context.Context, d *model.SAD) error {
	created := s.stamp(d.CreatedAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO sads (`+sadCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)`,
		d.TokenHash, d.CredentialID, d.ClientID, d.HashAlgorithm, d.Hashes, d.NumSignatures, d.DocID, d.Mode,
		dbTime(created), dbTime(d.ExpiresAt))
	if err != nil {
		return s.fail(fmt.Sprintf("create SAD for credential %q", d.CredentialID), err)
	}
	d.CreatedAt = created
	return nil
}

// ConsumeSAD uses the SAD whose token hashes to tokenHash, in one
// conditional UPDATE: only if it is unused, unexpired at now, and for
// exactly this credential, client, hash algorithm and hashes. Of two
// concurrent uses (on any node) one gets it; every refusal is
// ErrNotFound, and leaves the SAD as it was.
func (s *sqlDB) ConsumeSAD(ctx context.Context, tokenHash []byte, credID, clientID, hashAlg, hashes string, now time.Time) (*model.SAD, error) {
	var d *model.SAD
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanSAD(tx.QueryRowContext(ctx, `UPDATE sads SET used_at = $6
			WHERE token_hash = $1 AND credential_id = $2 AND client_id = $3 AND hash_algorithm = $4 AND hashes = $5
			  AND used_at IS NULL AND expires_at > $6
			RETURNING `+sadCols, tokenHash, credID, clientID, hashAlg, hashes, dbTime(now)))
		return err
	})
	if err != nil {
		return nil, s.fail(fmt.Sprintf("consume SAD for credential %q", credID), err)
	}
	return d, nil
}

// ExtendSAD gives an unused, unexpired SAD of this credential and client a
// new token and expiry; the old token stops working. ErrNotFound if there
// is no such SAD.
func (s *sqlDB) ExtendSAD(ctx context.Context, oldHash, newHash []byte, credID, clientID string, now, expiresAt time.Time) error {
	err := mustAffect(s.w.ExecContext(ctx, `UPDATE sads SET token_hash = $2, expires_at = $5
		WHERE token_hash = $1 AND credential_id = $3 AND client_id = $4 AND used_at IS NULL AND expires_at > $6`,
		oldHash, newHash, credID, clientID, dbTime(expiresAt), dbTime(now)))
	if err != nil {
		return s.fail(fmt.Sprintf("extend SAD for credential %q", credID), err)
	}
	return nil
}

const txCols = `id, token_hash, credential_id, client_id, hash_algorithm, hashes, num_signatures, doc_id, doc_name, callback_url, state, created_at, expires_at, decided_at`

// CreateTransaction stores a signing transaction. A zero CreatedAt is set
// to now.
func (s *sqlDB) CreateTransaction(ctx context.Context, t *model.SigningTransaction) error {
	op := fmt.Sprintf("create signing transaction %q", t.ID)
	if err := requireID("signing transaction", t.ID); err != nil {
		return s.fail(op, err)
	}
	created := s.stamp(t.CreatedAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO signing_transactions (`+txCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		t.ID, t.TokenHash, t.CredentialID, t.ClientID, t.HashAlgorithm, t.Hashes, t.NumSignatures, t.DocID, t.DocName,
		t.CallbackURL, t.State, dbTime(created), dbTime(t.ExpiresAt), dbTime(t.DecidedAt))
	if err != nil {
		return s.fail(op, err)
	}
	t.CreatedAt = created
	return nil
}

// GetTransaction returns a signing transaction.
func (s *sqlDB) GetTransaction(ctx context.Context, id string) (*model.SigningTransaction, error) {
	var t model.SigningTransaction
	err := s.queryRow(ctx, `SELECT `+txCols+` FROM signing_transactions WHERE id = $1`, id).Scan(
		&t.ID, &t.TokenHash, &t.CredentialID, &t.ClientID, &t.HashAlgorithm, &t.Hashes, &t.NumSignatures, &t.DocID,
		&t.DocName, &t.CallbackURL, &t.State, timeScan{&t.CreatedAt}, timeScan{&t.ExpiresAt}, timeScan{&t.DecidedAt})
	if err != nil {
		return nil, s.fail(fmt.Sprintf("get signing transaction %q", id), err)
	}
	return &t, nil
}

// MoveTransaction changes a transaction's state from from to to, at at,
// if it is in state from (and, for a pending one, not expired at at), and
// reports whether it did: of concurrent moves one succeeds, the others get
// false. ErrNotFound for an unknown transaction.
func (s *sqlDB) MoveTransaction(ctx context.Context, id, from, to string, at time.Time) (bool, error) {
	op := fmt.Sprintf("move signing transaction %q to %s", id, to)
	res, err := s.w.ExecContext(ctx, `UPDATE signing_transactions SET state = $3, decided_at = $4
		WHERE id = $1 AND state = $2 AND ($2 <> 'pending' OR expires_at > $4)`, id, from, to, dbTime(at))
	if err != nil {
		return false, s.fail(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.fail(op, err)
	}
	if n == 0 {
		var one int
		if err := s.queryRow(ctx, `SELECT 1 FROM signing_transactions WHERE id = $1`, id).Scan(&one); err != nil {
			return false, s.fail(op, err)
		}
	}
	return n == 1, nil
}

var _ Consent = (*sqlDB)(nil)
