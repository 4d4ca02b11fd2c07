package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ----- clients -----

const clientCols = `id, name, organizations, key_hash, created_at, disabled, expires_at`

// parsedOrgs keeps the organizations of the stored texts seen, by text:
// every authenticated request reads its client, and clients are few, so
// the same short JSON text was parsed again on every request. Keyed by
// the text itself, an entry can never be stale.
var parsedOrgs struct {
	sync.Mutex
	m map[string][]string
}

// parsedOrgsMax bounds parsedOrgs; past it the cache starts over.
const parsedOrgsMax = 1024

// parseOrganizations returns the organizations of a stored JSON array
// (nil for an empty one), a copy the caller may change.
func parseOrganizations(text string) ([]string, error) {
	parsedOrgs.Lock()
	orgs, ok := parsedOrgs.m[text]
	parsedOrgs.Unlock()
	if !ok {
		if err := json.Unmarshal([]byte(text), &orgs); err != nil {
			return nil, err
		}
		if len(orgs) == 0 {
			orgs = nil
		}
		parsedOrgs.Lock()
		if parsedOrgs.m == nil || len(parsedOrgs.m) >= parsedOrgsMax {
			parsedOrgs.m = map[string][]string{}
		}
		parsedOrgs.m[text] = orgs
		parsedOrgs.Unlock()
	}
	return slices.Clone(orgs), nil
}

func scanClient(row interface{ Scan(...any) error }) (*Client, error) {
	var c Client
	var orgs string
	var disabled int64
	if err := row.Scan(&c.ID, &c.Name, &orgs, &c.KeyHash, timeScan{&c.CreatedAt}, &disabled, timeScan{&c.ExpiresAt}); err != nil {
		return nil, err
	}
	var err error
	if c.Organizations, err = parseOrganizations(orgs); err != nil {
		return nil, fmt.Errorf("client %q: bad stored organizations: %w", c.ID, err)
	}
	c.Disabled = disabled != 0
	return &c, nil
}

// CreateClient inserts c. A zero CreatedAt is set to the current time. A
// duplicate ID or key hash is ErrConflict; an empty key hash is refused.
func (s *sqlDB) CreateClient(ctx context.Context, c *Client) error {
	op := fmt.Sprintf("create client %q", c.ID)
	if err := requireID("client", c.ID); err != nil {
		return s.fail(op, err)
	}
	if len(c.KeyHash) == 0 {
		return s.fail(op, errors.New("empty key hash"))
	}
	orgs := c.Organizations
	if orgs == nil {
		orgs = []string{}
	}
	orgsJSON, err := json.Marshal(orgs)
	if err != nil {
		return s.fail(op, err)
	}
	created := s.stamp(c.CreatedAt)
	_, err = s.w.ExecContext(ctx, `INSERT INTO clients (`+clientCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.Name, string(orgsJSON), c.KeyHash, dbTime(created), boolInt(c.Disabled), dbTime(c.ExpiresAt))
	if err != nil {
		return s.fail(op, err)
	}
	c.CreatedAt = created
	return nil
}

// GetClient returns the client with the given ID.
func (s *sqlDB) GetClient(ctx context.Context, id string) (*Client, error) {
	c, err := scanClient(s.queryRow(ctx, `SELECT `+clientCols+` FROM clients WHERE id = $1`, id))
	if err != nil {
		return nil, s.fail(fmt.Sprintf("get client %q", id), err)
	}
	return c, nil
}

// FindClientByKeyHash returns the client whose key hash equals hash, or
// ErrNotFound. Disabled clients are returned too; refusing them is the
// caller's decision. The client's AuthEpoch is the authorisation
// version read in the same statement (authEpochSQL).
func (s *sqlDB) FindClientByKeyHash(ctx context.Context, hash []byte) (*Client, error) {
	var epoch int64
	c, err := scanClient(epochRow{s.queryRow(ctx, `SELECT `+clientCols+`, `+authEpochSQL+` FROM clients WHERE key_hash = $1`, hash), &epoch})
	if err != nil {
		return nil, s.fail("find client by key hash", err)
	}
	c.AuthEpoch = epoch
	return c, nil
}

// authEpochSQL is a column: the authorisation version, which every
// committed change to clients, credentials or certificates raises
// (migration 0011_auth_epoch). Read in the same statement as a row, it
// names the moment the row was read at.
const authEpochSQL = `(SELECT n FROM auth_epoch WHERE id = 1)`

// AuthEpoch returns the authorisation version: rows of clients,
// credentials and certificates read at the version it returns are as
// they are now.
func (s *sqlDB) AuthEpoch(ctx context.Context) (int64, error) {
	var n int64
	if err := s.queryRow(ctx, `SELECT `+authEpochSQL).Scan(&n); err != nil {
		return 0, s.fail("read the authorisation version", err)
	}
	return n, nil
}

// epochRow scans a row whose last column is authEpochSQL: the
// other columns into what its caller passes, that one into epoch.
type epochRow struct {
	row   interface{ Scan(...any) error }
	epoch *int64
}

func (r epochRow) Scan(dest ...any) error {
	return r.row.Scan(append(dest, r.epoch)...)
}

// ListClients returns all clients, oldest first (ties by ID). Clients are
// few (one per connected system), so the list is not paginated.
func (s *sqlDB) ListClients(ctx context.Context) ([]*Client, error) {
	const op = "list clients"
	rows, err := s.query(ctx, `SELECT `+clientCols+` FROM clients ORDER BY created_at, id`)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var out []*Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// SetClientDisabled disables (or re-enables) the client with the given ID;
// ErrNotFound if there is none.
func (s *sqlDB) SetClientDisabled(ctx context.Context, id string, disabled bool) error {
	err := mustAffect(s.w.ExecContext(ctx, `UPDATE clients SET disabled = $2 WHERE id = $1`, id, boolInt(disabled)))
	if err != nil {
		return s.fail(fmt.Sprintf("set client %q disabled=%t", id, disabled), err)
	}
	return nil
}

// SetClientKeyHash replaces the client's API key hash and expiry (zero:
// never); ErrNotFound if there is none, ErrConflict if another client has
// that hash, and an empty hash is refused.
func (s *sqlDB) SetClientKeyHash(ctx context.Context, id string, hash []byte, expiresAt time.Time) error {
	op := fmt.Sprintf("set key of client %q", id)
	if len(hash) == 0 {
		return s.fail(op, errors.New("empty key hash"))
	}
	err := mustAffect(s.w.ExecContext(ctx, `UPDATE clients SET key_hash = $2, expires_at = $3 WHERE id = $1`,
		id, hash, dbTime(expiresAt)))
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// DeleteClient deletes the client with the given ID; ErrNotFound if there
// is none.
func (s *sqlDB) DeleteClient(ctx context.Context, id string) error {
	if err := mustAffect(s.w.ExecContext(ctx, `DELETE FROM clients WHERE id = $1`, id)); err != nil {
		return s.fail(fmt.Sprintf("delete client %q", id), err)
	}
	return nil
}

// ----- credential PINs -----
//
// The PIN state lives in three columns of credentials that Credential does
// not carry: pin_hash, read and written here, and pin_failures and
// pin_locked_at, the failure count and lock of kyso's PIN check before
// SCAL 2. This version no longer reads those two, and writes them only as
// that check expects (a new PIN sets the count to zero; an unlock clears
// both), so that nodes of an older version, still serving during a
// rolling upgrade, keep working on the same rows. The columns stay for
// them; the attempt limits of today are per client (consent_attempts).

// SetCredentialPIN stores hash as the credential's PIN hash and sets the
// old failure counter to zero. The old lock, if any, stays. An empty hash
// is refused; an unknown credential is ErrNotFound.
func (s *sqlDB) SetCredentialPIN(ctx context.Context, credID, hash string) error {
	op := fmt.Sprintf("set PIN of credential %q", credID)
	if hash == "" {
		return s.fail(op, errors.New("empty PIN hash"))
	}
	err := mustAffect(s.w.ExecContext(ctx, `UPDATE credentials SET pin_hash = $2, pin_failures = 0
		WHERE id = $1`, credID, hash))
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// GetCredentialPIN returns the credential's PIN hash ("" if it has none).
func (s *sqlDB) GetCredentialPIN(ctx context.Context, credID string) (string, error) {
	var hash string
	err := s.queryRow(ctx, `SELECT pin_hash FROM credentials WHERE id = $1`, credID).Scan(stringScan{&hash})
	if err != nil {
		return "", s.fail(fmt.Sprintf("get PIN of credential %q", credID), err)
	}
	return hash, nil
}

// UnlockCredential clears the old lock and failure counter of the
// credential. Unlocking a credential that is not locked is not an error.
func (s *sqlDB) UnlockCredential(ctx context.Context, credID string) error {
	err := mustAffect(s.w.ExecContext(ctx, `UPDATE credentials SET pin_failures = 0, pin_locked_at = NULL
		WHERE id = $1`, credID))
	if err != nil {
		return s.fail(fmt.Sprintf("unlock credential %q", credID), err)
	}
	return nil
}
