package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Certificate list limits (CertFilter.Limit).
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// sqlDB implements Store on database/sql for both SQLite and PostgreSQL.
//
// Queries use $N placeholders, which both drivers accept, and only SQL both
// dialects run the same way. State changes are conditional UPDATEs (UPDATE
// ... WHERE status = 'pending'), never read-then-write: they are atomic
// under SQLite's single writer and under PostgreSQL's READ COMMITTED, where
// the WHERE clause is re-checked after waiting for a concurrent writer's row
// lock. When such an UPDATE matches nothing, a second query tells "missing"
// (ErrNotFound) from "wrong state" (ErrConflict).
type sqlDB struct {
	r *sql.DB    // reads outside transactions
	w *writePool // writes and transactions; its pool may be r
	// classify maps a driver error to ErrConflict, ErrNotFound, ErrFull or
	// ErrUnavailable (wrapping both), or returns it unchanged.
	classify func(error) error
	now      func() time.Time
	// auditLock is run first in AppendAudit's transaction to exclude other
	// appenders, on any node; empty where the write transaction already
	// does (SQLite's single writer).
	auditLock string
	stmts     stmtCache // prepared statements of reads outside transactions
	wstmts    stmtCache // prepared statements of the write pool (writeStmt)
	// observer is told of every call (observe.go); nil: none.
	observer func(op string, d time.Duration, err error)
	// answers says how kept Idempotency-Key answers are stored
	// (idempotency_seal.go).
	answers AnswerConfig
}

// Ping checks that the database is reachable and, for SQLite, that a
// write could take the write lock now: a database locked by another
// process beyond the busy timeout fails it with ErrUnavailable.
func (s *sqlDB) Ping(ctx context.Context) (err error) {
	defer func(start time.Time) { s.observe(OpPing, start, err) }(time.Now())
	if err := s.r.PingContext(ctx); err != nil {
		return s.fail("ping", err)
	}
	if s.w.db != s.r {
		if err := s.w.PingContext(ctx); err != nil {
			return s.fail("ping", err)
		}
	}
	return nil
}

// Close closes the database. Calls in progress finish first.
func (s *sqlDB) Close() error {
	s.closeStmts()
	err := s.r.Close()
	if s.w.db != s.r {
		err = errors.Join(err, s.w.Close())
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// fail wraps err from operation op: sql.ErrNoRows becomes ErrNotFound, the
// store's own sentinels pass through and driver errors are classified.
func (s *sqlDB) fail(op string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = ErrNotFound
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict), errors.Is(err, ErrUnavailable):
	default:
		err = s.classify(err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// inTx runs fn in a write transaction and commits if fn returns nil.
func (s *sqlDB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	defer func(start time.Time) { s.observe(OpTransaction, start, err) }(time.Now())
	tx, release, err := s.w.begin(ctx)
	if err != nil {
		return err
	}
	defer release()
	defer func() {
		if err != nil {
			_ = tx.Rollback() // the error that made us roll back is the one to report
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// stamp returns t, or the store's current time if t is zero.
func (s *sqlDB) stamp(t time.Time) time.Time {
	if t.IsZero() {
		return s.now().UTC()
	}
	return t
}

// execer is what *writePool and *sql.Tx have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	execer
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// mustAffect returns ErrNotFound if res changed no row.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func requireID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("%s has an empty ID", kind)
	}
	return nil
}

// ----- value encoding -----

// timeLayout is how timestamps are stored: RFC 3339 in UTC with exactly nine
// fractional digits, so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// dbTime encodes a time.Time as a timeLayout string, or NULL when zero.
type dbTime time.Time

// Value implements driver.Valuer.
func (t dbTime) Value() (driver.Value, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return nil, nil
	}
	tt = tt.UTC()
	if y := tt.Year(); y < 1 || y > 9999 {
		return nil, fmt.Errorf("time %s is outside years 0001-9999", tt)
	}
	return tt.Format(timeLayout), nil
}

// timeScan decodes a timeLayout string (or NULL, as the zero time) into *t.
type timeScan struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s timeScan) Scan(v any) error {
	var str string
	switch v := v.(type) {
	case nil:
		*s.t = time.Time{}
		return nil
	case string:
		str = v
	case []byte:
		str = string(v)
	default:
		return fmt.Errorf("cannot scan %T into a time", v)
	}
	t, err := time.Parse(time.RFC3339Nano, str)
	if err != nil {
		return fmt.Errorf("bad stored time %q: %w", str, err)
	}
	*s.t = t.UTC()
	return nil
}

// nullString encodes "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// stringScan decodes NULL as "".
type stringScan struct{ s *string }

// Scan implements sql.Scanner.
func (s stringScan) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.s = ""
	case string:
		*s.s = v
	case []byte:
		*s.s = string(v)
	default:
		return fmt.Errorf("cannot scan %T into a string", v)
	}
	return nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ----- issuers -----

const issuerCols = `id, name, kind, status, external, key_name, key_version,
	cert_pem, chain_pem, csr_pem, ocsp_key_name, ocsp_key_version, ocsp_cert_pem,
	not_before, not_after, created_at`

func scanIssuer(row interface{ Scan(...any) error }) (*Issuer, error) {
	var is Issuer
	var external int64
	err := row.Scan(&is.ID, &is.Name, &is.Kind, &is.Status, &external, &is.KeyName, &is.KeyVersion,
		&is.CertPEM, &is.ChainPEM, &is.CSRPEM, &is.OCSPKeyName, &is.OCSPKeyVersion, &is.OCSPCertPEM,
		timeScan{&is.NotBefore}, timeScan{&is.NotAfter}, timeScan{&is.CreatedAt})
	if err != nil {
		return nil, err
	}
	is.External = external != 0
	return &is, nil
}

// CreateIssuer inserts is. A zero CreatedAt is set to the current time. A
// duplicate ID or Name is ErrConflict.
func (s *sqlDB) CreateIssuer(ctx context.Context, is *Issuer) error {
	op := fmt.Sprintf("create issuer %q", is.ID)
	if err := requireID("issuer", is.ID); err != nil {
		return s.fail(op, err)
	}
	created := s.stamp(is.CreatedAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO issuers (`+issuerCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		is.ID, is.Name, string(is.Kind), string(is.Status), boolInt(is.External), is.KeyName, is.KeyVersion,
		is.CertPEM, is.ChainPEM, is.CSRPEM, is.OCSPKeyName, is.OCSPKeyVersion, is.OCSPCertPEM,
		dbTime(is.NotBefore), dbTime(is.NotAfter), dbTime(created))
	if err != nil {
		return s.fail(op, err)
	}
	is.CreatedAt = created
	return nil
}

// UpdateIssuer replaces the mutable fields of the issuer with is.ID.
func (s *sqlDB) UpdateIssuer(ctx context.Context, is *Issuer) error {
	err := mustAffect(s.w.ExecContext(ctx, `UPDATE issuers SET
		status = $2, key_version = $3, cert_pem = $4, chain_pem = $5, csr_pem = $6,
		ocsp_key_name = $7, ocsp_key_version = $8, ocsp_cert_pem = $9,
		not_before = $10, not_after = $11
		WHERE id = $1`,
		is.ID, string(is.Status), is.KeyVersion, is.CertPEM, is.ChainPEM, is.CSRPEM,
		is.OCSPKeyName, is.OCSPKeyVersion, is.OCSPCertPEM,
		dbTime(is.NotBefore), dbTime(is.NotAfter)))
	if err != nil {
		return s.fail(fmt.Sprintf("update issuer %q", is.ID), err)
	}
	return nil
}

// GetIssuer returns the issuer with the given ID.
func (s *sqlDB) GetIssuer(ctx context.Context, id string) (*Issuer, error) {
	is, err := scanIssuer(s.queryRow(ctx, `SELECT `+issuerCols+` FROM issuers WHERE id = $1`, id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("get issuer %q", id), err)
	}
	return is, nil
}

// GetIssuerByName returns the issuer with the given name.
func (s *sqlDB) GetIssuerByName(ctx context.Context, name string) (*Issuer, error) {
	is, err := scanIssuer(s.queryRow(ctx, `SELECT `+issuerCols+` FROM issuers WHERE name = $1`, name))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("get issuer by name %q", name), err)
	}
	return is, nil
}

// ListIssuers returns all issuers, oldest first (ties by ID).
func (s *sqlDB) ListIssuers(ctx context.Context) ([]*Issuer, error) {
	const op = "list issuers"
	rows, err := s.query(ctx, `SELECT `+issuerCols+` FROM issuers ORDER BY created_at, id`)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []*Issuer
	for rows.Next() {
		is, err := scanIssuer(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, is)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// ----- credentials -----

const credentialCols = `id, profile, subject_json, key_name, key_type, current_cert_id,
	status, created_at, updated_at, holder`

func scanCredential(row interface{ Scan(...any) error }) (*Credential, error) {
	var cr Credential
	if err := row.Scan(credentialDests(&cr)...); err != nil {
		return nil, err
	}
	return &cr, nil
}

// credentialDests are the scan destinations of credentialCols.
func credentialDests(cr *Credential) []any {
	return []any{&cr.ID, &cr.Profile, &cr.SubjectJSON, &cr.KeyName, &cr.KeyType,
		stringScan{&cr.CurrentCertID}, &cr.Status, timeScan{&cr.CreatedAt}, timeScan{&cr.UpdatedAt},
		stringScan{&cr.Holder}}
}

// CreateCredential inserts cr and, if first is not nil, first, in one
// transaction. An empty first.CredentialID is set to cr.ID. The credential
// is inserted without a current certificate; a non-empty cr.CurrentCertID is
// set after the certificates are in (normally it is left empty and
// ActivateCertificate sets it). Zero timestamps are set to the current time.
func (s *sqlDB) CreateCredential(ctx context.Context, cr *Credential, first *Certificate) error {
	op := fmt.Sprintf("create credential %q", cr.ID)
	if err := requireID("credential", cr.ID); err != nil {
		return s.fail(op, err)
	}
	var fc Certificate
	if first != nil {
		fc = *first
		if fc.CredentialID == "" {
			fc.CredentialID = cr.ID
		}
		if fc.CredentialID != cr.ID {
			return s.fail(op, fmt.Errorf("first certificate %q belongs to credential %q", fc.ID, fc.CredentialID))
		}
		fc.CreatedAt = s.stamp(fc.CreatedAt)
	}
	created := s.stamp(cr.CreatedAt)
	updated := cr.UpdatedAt
	if updated.IsZero() {
		updated = created
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO credentials (`+credentialCols+`)
			VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9)`,
			cr.ID, cr.Profile, cr.SubjectJSON, cr.KeyName, cr.KeyType, string(cr.Status),
			dbTime(created), dbTime(updated), nullString(cr.Holder))
		if err != nil {
			return err
		}
		if first != nil {
			if err := insertCertificate(ctx, tx, &fc); err != nil {
				return err
			}
		}
		if cr.CurrentCertID != "" {
			_, err = tx.ExecContext(ctx, `UPDATE credentials SET current_cert_id = $2 WHERE id = $1`,
				cr.ID, cr.CurrentCertID)
		}
		return err
	})
	if err != nil {
		err = s.fail(op, err)
		if errors.Is(err, ErrConflict) && cr.Holder != "" && cr.Status == CredentialActive {
			// The unique index on active holders, or a duplicate ID: tell
			// the first apart, it is the one a caller can act on. The
			// index, not this look-up, is what keeps concurrent
			// issuances for one holder to one credential.
			var other string
			qerr := s.queryRow(ctx, `SELECT id FROM credentials
				WHERE holder = $1 AND status = 'active' AND id <> $2`, cr.Holder, cr.ID).Scan(&other)
			if qerr == nil {
				err = fmt.Errorf("store: %s: %w (credential %s)", op, ErrHolderTaken, other)
			}
		}
		return err
	}
	cr.CreatedAt, cr.UpdatedAt = created, updated
	if first != nil {
		first.CredentialID, first.CreatedAt = fc.CredentialID, fc.CreatedAt
	}
	return nil
}

// GetCredential returns the credential with the given ID.
func (s *sqlDB) GetCredential(ctx context.Context, id string) (*Credential, error) {
	cr, err := scanCredential(s.queryRow(ctx,
		`SELECT `+credentialCols+` FROM credentials WHERE id = $1`, id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("get credential %q", id), err)
	}
	return cr, nil
}

// UpdateCredential replaces Profile, SubjectJSON, CurrentCertID, Status and
// UpdatedAt (the current time if zero) of the credential with cr.ID.
func (s *sqlDB) UpdateCredential(ctx context.Context, cr *Credential) error {
	updated := s.stamp(cr.UpdatedAt)
	err := mustAffect(s.w.ExecContext(ctx, `UPDATE credentials SET
		profile = $2, subject_json = $3, current_cert_id = $4, status = $5, updated_at = $6
		WHERE id = $1`,
		cr.ID, cr.Profile, cr.SubjectJSON, nullString(cr.CurrentCertID), string(cr.Status), dbTime(updated)))
	if err != nil {
		return s.fail(fmt.Sprintf("update credential %q", cr.ID), err)
	}
	cr.UpdatedAt = updated
	return nil
}

// ----- certificates -----

const certCols = `id, credential_id, issuer_id, serial, profile, subject, key_name, key_version,
	status, not_before, not_after, cert_pem, created_at, revoked_at, revocation_reason, superseded_by`

func scanCertificate(row interface{ Scan(...any) error }) (*Certificate, error) {
	var r certRow
	if err := row.Scan(r.dests()...); err != nil {
		return nil, err
	}
	return r.cert(), nil
}

// certRow is a certificate row being scanned.
type certRow struct {
	c         Certificate
	revokedAt time.Time
}

// dests are the scan destinations of certCols.
func (r *certRow) dests() []any {
	c := &r.c
	return []any{&c.ID, stringScan{&c.CredentialID}, &c.IssuerID, &c.Serial, &c.Profile, &c.Subject,
		&c.KeyName, &c.KeyVersion, &c.Status, timeScan{&c.NotBefore}, timeScan{&c.NotAfter}, &c.CertPEM,
		timeScan{&c.CreatedAt}, timeScan{&r.revokedAt}, &c.RevocationReason, stringScan{&c.SupersededBy}}
}

// cert returns the scanned certificate.
func (r *certRow) cert() *Certificate {
	if !r.revokedAt.IsZero() {
		t := r.revokedAt
		r.c.RevokedAt = &t
	}
	return &r.c
}

func scanCertificates(rows *sql.Rows) ([]*Certificate, error) {
	defer rows.Close()
	var out []*Certificate
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// insertCertificate inserts c, whose CreatedAt the caller has already set.
func insertCertificate(ctx context.Context, q execer, c *Certificate) error {
	if err := requireID("certificate", c.ID); err != nil {
		return err
	}
	var revokedAt any
	if c.RevokedAt != nil {
		revokedAt = dbTime(*c.RevokedAt)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO certificates (`+certCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		c.ID, nullString(c.CredentialID), c.IssuerID, c.Serial, c.Profile, c.Subject, c.KeyName, c.KeyVersion,
		string(c.Status), dbTime(c.NotBefore), dbTime(c.NotAfter), c.CertPEM, dbTime(c.CreatedAt),
		revokedAt, c.RevocationReason, nullString(c.SupersededBy))
	return err
}

// certStateError explains why a conditional UPDATE of certificate id matched
// no row: ErrNotFound if it does not exist, else ErrConflict naming its
// status.
func certStateError(ctx context.Context, q querier, id, want string) error {
	var status string
	err := q.QueryRowContext(ctx, `SELECT status FROM certificates WHERE id = $1`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("certificate %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: certificate %q is %s, not %s", ErrConflict, id, status, want)
}

// CreateCertificate inserts c. A zero CreatedAt is set to the current time.
// A duplicate ID or issuer and serial is ErrConflict; an unknown issuer or
// credential is ErrNotFound.
func (s *sqlDB) CreateCertificate(ctx context.Context, c *Certificate) error {
	created := s.stamp(c.CreatedAt)
	cc := *c
	cc.CreatedAt = created
	if err := insertCertificate(ctx, s.w, &cc); err != nil {
		return s.fail(fmt.Sprintf("create certificate %q", c.ID), err)
	}
	c.CreatedAt = created
	return nil
}

// ActivateCertificate stores the signed certificate c (CertPEM, NotBefore,
// NotAfter, Serial, Subject, KeyVersion), marks it active, makes it its
// credential's current certificate and, if supersede is not empty, marks
// that certificate superseded by c.ID, all in one transaction.
//
// The certificate must be pending (else ErrConflict; ErrNotFound if
// missing). The superseded certificate must exist (ErrNotFound), be active
// and belong to the same credential (ErrConflict). On any error nothing is
// changed. On success c.Status is CertActive.
func (s *sqlDB) ActivateCertificate(ctx context.Context, c *Certificate, supersede string) error {
	op := fmt.Sprintf("activate certificate %q", c.ID)
	if supersede == c.ID {
		return s.fail(op, fmt.Errorf("%w: certificate cannot supersede itself", ErrConflict))
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var credID string
		err := tx.QueryRowContext(ctx, `UPDATE certificates SET
			status = 'active', cert_pem = $2, not_before = $3, not_after = $4,
			serial = $5, subject = $6, key_version = $7
			WHERE id = $1 AND status = 'pending'
			RETURNING credential_id`,
			c.ID, c.CertPEM, dbTime(c.NotBefore), dbTime(c.NotAfter), c.Serial, c.Subject, c.KeyVersion,
		).Scan(stringScan{&credID})
		if errors.Is(err, sql.ErrNoRows) {
			return certStateError(ctx, tx, c.ID, string(CertPending))
		}
		if err != nil {
			return err
		}
		if credID != "" {
			err := mustAffect(tx.ExecContext(ctx,
				`UPDATE credentials SET current_cert_id = $2, updated_at = $3 WHERE id = $1`,
				credID, c.ID, dbTime(s.now())))
			if err != nil {
				return fmt.Errorf("credential %q: %w", credID, err)
			}
		}
		if supersede == "" {
			return nil
		}
		var oldCred string
		err = tx.QueryRowContext(ctx, `SELECT credential_id FROM certificates WHERE id = $1`, supersede).
			Scan(stringScan{&oldCred})
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("superseded certificate %q: %w", supersede, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if oldCred != credID {
			return fmt.Errorf("%w: superseded certificate %q belongs to credential %q, not %q",
				ErrConflict, supersede, oldCred, credID)
		}
		res, err := tx.ExecContext(ctx, `UPDATE certificates SET status = 'superseded', superseded_by = $2
			WHERE id = $1 AND status = 'active'`, supersede, c.ID)
		if err := mustAffect(res, err); errors.Is(err, ErrNotFound) {
			return certStateError(ctx, tx, supersede, string(CertActive))
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return s.fail(op, err)
	}
	c.Status = CertActive
	return nil
}

// FailCertificate marks a pending certificate failed: ErrNotFound if it
// does not exist, ErrConflict if it is not pending.
func (s *sqlDB) FailCertificate(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE certificates SET status = 'failed'
		WHERE id = $1 AND status = 'pending'`, id)
	if err = mustAffect(res, err); errors.Is(err, ErrNotFound) {
		err = certStateError(ctx, s.r, id, string(CertPending))
	}
	if err != nil {
		return s.fail(fmt.Sprintf("fail certificate %q", id), err)
	}
	return nil
}

// GetCertificate returns the certificate with the given ID.
func (s *sqlDB) GetCertificate(ctx context.Context, id string) (*Certificate, error) {
	c, err := scanCertificate(s.queryRow(ctx,
		`SELECT `+certCols+` FROM certificates WHERE id = $1`, id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("get certificate %q", id), err)
	}
	return c, nil
}

// credentialCertSQL reads a credential, its current certificate and the
// authorisation version in one statement.
var credentialCertSQL = `SELECT ` + qualify("cr.", credentialCols) + `, ` + qualify("c.", certCols) + `, ` + authEpochSQL + `
	FROM credentials cr JOIN certificates c ON c.id = cr.current_cert_id WHERE cr.id = $1`

// qualify prefixes each column of cols with prefix.
func qualify(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// GetCredentialCertificate returns the credential with id and its current
// certificate, read in one statement (so of one moment): what every
// signature looks up. A credential without a current certificate comes
// back with a nil certificate. epoch is the authorisation version read in
// the same statement (0 for a credential without a current certificate,
// read by a second statement): both rows are as they were at that
// version.
func (s *sqlDB) GetCredentialCertificate(ctx context.Context, id string) (cred *Credential, cert *Certificate, epoch int64, err error) {
	var cr Credential
	var c certRow
	err = s.queryRow(ctx, credentialCertSQL, id).Scan(append(append(credentialDests(&cr), c.dests()...), &epoch)...)
	if errors.Is(err, sql.ErrNoRows) {
		// No such credential, or one without a current certificate.
		cr, err := s.GetCredential(ctx, id)
		return cr, nil, 0, err
	}
	if err != nil {
		return nil, nil, 0, s.fail(fmt.Sprintf("get credential %q and its certificate", id), err)
	}
	return &cr, c.cert(), epoch, nil
}

// usableCredentialsSQL lists the active credentials of a profile whose
// current certificate is active (credentials_profile_status_idx).
var usableCredentialsSQL = `SELECT ` + qualify("cr.", credentialCols) + `
	FROM credentials cr JOIN certificates c ON c.id = cr.current_cert_id
	WHERE cr.profile = $1 AND cr.status = 'active' AND c.status = 'active' AND cr.id > $2
	ORDER BY cr.id LIMIT $3`

// ListUsableCredentials lists active credentials of profile with an
// active current certificate; see Store.ListUsableCredentials. Limit is
// DefaultListLimit if not positive and at most MaxListLimit.
func (s *sqlDB) ListUsableCredentials(ctx context.Context, profile, after string, limit int) ([]*Credential, error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	op := fmt.Sprintf("list usable %s credentials", profile)
	rows, err := s.query(ctx, usableCredentialsSQL, profile, after, limit)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []*Credential
	for rows.Next() {
		cr, err := scanCredential(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, cr)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// GetCertificateBySerial returns the certificate issuerID issued with
// serial.
func (s *sqlDB) GetCertificateBySerial(ctx context.Context, issuerID, serial string) (*Certificate, error) {
	c, err := scanCertificate(s.queryRow(ctx,
		`SELECT `+certCols+` FROM certificates WHERE issuer_id = $1 AND serial = $2`, issuerID, serial))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("get certificate by serial %q/%q", issuerID, serial), err)
	}
	return c, nil
}

// ListCertificates returns the certificates matching f, ordered by ID.
// Limit is DefaultListLimit if not positive and at most MaxListLimit.
func (s *sqlDB) ListCertificates(ctx context.Context, f CertFilter) ([]*Certificate, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if f.IssuerID != "" {
		add("issuer_id = $%d", f.IssuerID)
	}
	if f.CredentialID != "" {
		add("credential_id = $%d", f.CredentialID)
	}
	if f.Profile != "" {
		add("profile = $%d", f.Profile)
	}
	if !f.ExpiringUntil.IsZero() {
		add("not_after <= $%d", dbTime(f.ExpiringUntil)) // NULL (unknown) never matches
	}
	if f.After != "" {
		add("id > $%d", f.After)
	}
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = DefaultListLimit
	case limit > MaxListLimit:
		limit = MaxListLimit
	}
	q := `SELECT ` + certCols + ` FROM certificates`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY id LIMIT $%d`, len(args))

	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.fail("list certificates", err)
	}
	out, err := scanCertificates(rows)
	if err != nil {
		return nil, s.fail("list certificates", err)
	}
	return out, nil
}

// RevokeCertificate marks an active or superseded certificate revoked at
// the given time (the current time if zero) with an RFC 5280 5.3.1 reason
// code. A missing certificate is ErrNotFound; one in any other state,
// including already revoked, is ErrConflict.
func (s *sqlDB) RevokeCertificate(ctx context.Context, id string, at time.Time, reason int) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE certificates SET
			status = 'revoked', revoked_at = $2, revocation_reason = $3
			WHERE id = $1 AND status IN ('active', 'superseded')`,
			id, dbTime(s.stamp(at)), reason)
		if err = mustAffect(res, err); err != nil {
			return err
		}
		// A credential whose current certificate is revoked no longer
		// holds its holder's claim: the citizen may be issued another.
		_, err = tx.ExecContext(ctx, `UPDATE credentials SET holder = NULL
			WHERE current_cert_id = $1 AND holder IS NOT NULL`, id)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		err = certStateError(ctx, s.r, id, "active or superseded")
	}
	if err != nil {
		return s.fail(fmt.Sprintf("revoke certificate %q", id), err)
	}
	return nil
}

// ListRevoked returns the revoked certificates of issuerID whose NotAfter is
// not before now, ordered by ID. A revoked certificate without a NotAfter is
// always listed.
func (s *sqlDB) ListRevoked(ctx context.Context, issuerID string, now time.Time) ([]*Certificate, error) {
	op := fmt.Sprintf("list revoked of issuer %q", issuerID)
	rows, err := s.query(ctx, `SELECT `+certCols+` FROM certificates
		WHERE issuer_id = $1 AND status = 'revoked' AND (not_after IS NULL OR not_after >= $2)
		ORDER BY id`, issuerID, dbTime(now))
	if err != nil {
		return nil, s.fail(op, err)
	}
	out, err := scanCertificates(rows)
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// ----- CRLs -----

// SaveCRL stores crl as its issuer's latest CRL if crl.Number is greater
// than the stored one's, else returns ErrConflict. Only the latest CRL of
// each issuer is kept. An unknown issuer is ErrNotFound.
func (s *sqlDB) SaveCRL(ctx context.Context, crl *CRL) error {
	op := fmt.Sprintf("save CRL %d of issuer %q", crl.Number, crl.IssuerID)
	der := crl.DER
	if der == nil {
		der = []byte{}
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO crls (issuer_id, number, this_update, next_update, der)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (issuer_id) DO UPDATE SET
			number = excluded.number, this_update = excluded.this_update,
			next_update = excluded.next_update, der = excluded.der
		WHERE excluded.number > crls.number`,
		crl.IssuerID, crl.Number, dbTime(crl.ThisUpdate), dbTime(crl.NextUpdate), der)
	if err = mustAffect(res, err); errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("%w: CRL number %d is not greater than the stored one", ErrConflict, crl.Number)
	}
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// LatestCRL returns the latest CRL of issuerID, or ErrNotFound.
func (s *sqlDB) LatestCRL(ctx context.Context, issuerID string) (*CRL, error) {
	var crl CRL
	err := s.queryRow(ctx, `SELECT issuer_id, number, this_update, next_update, der
		FROM crls WHERE issuer_id = $1`, issuerID).
		Scan(&crl.IssuerID, &crl.Number, timeScan{&crl.ThisUpdate}, timeScan{&crl.NextUpdate}, &crl.DER)
	if err != nil {
		return nil, s.fail(fmt.Sprintf("latest CRL of issuer %q", issuerID), err)
	}
	return &crl, nil
}

// ----- admin tokens -----

// CreateAdminToken inserts t. A zero CreatedAt is set to the current time.
// A duplicate ID or hash is ErrConflict.
func (s *sqlDB) CreateAdminToken(ctx context.Context, t *AdminToken) error {
	op := fmt.Sprintf("create admin token %q", t.ID)
	if err := requireID("admin token", t.ID); err != nil {
		return s.fail(op, err)
	}
	if len(t.Hash) == 0 {
		return s.fail(op, errors.New("empty hash"))
	}
	created := s.stamp(t.CreatedAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO admin_tokens (`+adminTokenCols+`)
		VALUES ($1, $2, $3, $4, $5)`, t.ID, t.Name, t.Hash, dbTime(created), dbTime(t.ExpiresAt))
	if err != nil {
		return s.fail(op, err)
	}
	t.CreatedAt = created
	return nil
}

const adminTokenCols = `id, name, hash, created_at, expires_at`

func scanAdminToken(row interface{ Scan(...any) error }) (*AdminToken, error) {
	var t AdminToken
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, timeScan{&t.CreatedAt}, timeScan{&t.ExpiresAt}); err != nil {
		return nil, err
	}
	return &t, nil
}

// FindAdminToken returns the token whose hash equals hash, or ErrNotFound.
// Expired tokens are returned too; refusing them is the caller's decision.
func (s *sqlDB) FindAdminToken(ctx context.Context, hash []byte) (*AdminToken, error) {
	t, err := scanAdminToken(s.queryRow(ctx, `SELECT `+adminTokenCols+` FROM admin_tokens WHERE hash = $1`, hash))
	if err != nil {
		return nil, s.fail("find admin token", err)
	}
	return t, nil
}

// ListAdminTokens returns all admin tokens, oldest first (ties by ID).
func (s *sqlDB) ListAdminTokens(ctx context.Context) ([]*AdminToken, error) {
	const op = "list admin tokens"
	rows, err := s.query(ctx, `SELECT `+adminTokenCols+` FROM admin_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []*AdminToken
	for rows.Next() {
		t, err := scanAdminToken(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// DeleteAdminToken deletes the token with the given ID; ErrNotFound if
// there is none.
func (s *sqlDB) DeleteAdminToken(ctx context.Context, id string) error {
	if err := mustAffect(s.w.ExecContext(ctx, `DELETE FROM admin_tokens WHERE id = $1`, id)); err != nil {
		return s.fail(fmt.Sprintf("delete admin token %q", id), err)
	}
	return nil
}

// SetAdminTokenHash replaces the token's hash and expiry (zero: never);
// ErrNotFound if there is none, ErrConflict if another token has that
// hash, and an empty hash is refused.
func (s *sqlDB) SetAdminTokenHash(ctx context.Context, id string, hash []byte, expiresAt time.Time) error {
	op := fmt.Sprintf("set hash of admin token %q", id)
	if len(hash) == 0 {
		return s.fail(op, errors.New("empty hash"))
	}
	err := mustAffect(s.w.ExecContext(ctx, `UPDATE admin_tokens SET hash = $2, expires_at = $3 WHERE id = $1`,
		id, hash, dbTime(expiresAt)))
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// CountAdminTokens returns the number of admin tokens.
func (s *sqlDB) CountAdminTokens(ctx context.Context) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM admin_tokens`).Scan(&n); err != nil {
		return 0, s.fail("count admin tokens", err)
	}
	return n, nil
}
