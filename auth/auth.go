// Package auth manages who may do what in kyso: admin bearer tokens and
// client systems' API keys (stored only as SHA-256 hashes), which
// organisations' credentials a client may sign with, and the two factors
// by which a citizen consents to each authorisation (Factors): a PIN,
// stored only as an argon2id hash, and a one-time code, with attempt
// limits per client. It must not import api, ca, signer or keys.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/store"
)

// ErrUnauthorized reports a missing, malformed or unknown token.
var ErrUnauthorized = errkind.Wrap(errkind.Unauthorized, errors.New("auth: invalid token"),
	"a valid admin token is required: Authorization: Bearer <token>")

// tokenPrefix marks kyso admin tokens so secret scanners can find them.
const tokenPrefix = "kyso_adm_"

var enc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Store is the slice of store.Store that auth uses.
type Store interface {
	CreateAdminToken(ctx context.Context, t *store.AdminToken) error
	FindAdminToken(ctx context.Context, hash []byte) (*store.AdminToken, error)
	CountAdminTokens(ctx context.Context) (int, error)
	ListAdminTokens(ctx context.Context) ([]*store.AdminToken, error)
	DeleteAdminToken(ctx context.Context, id string) error
	SetAdminTokenHash(ctx context.Context, id string, hash []byte, expiresAt time.Time) error
}

// ErrInvalidToken reports an admin token Create or Rotate refuses: an
// expiry that is not in the future.
var ErrInvalidToken = errkind.New(errkind.Invalid, "auth: invalid admin token request")

// Admins checks, creates, lists, rotates and revokes admin tokens. Every
// check reads the database: a token revoked or rotated through one kyso
// node is refused by every node on its next request.
type Admins struct {
	store Store
	now   func() time.Time
}

// NewAdmins returns an Admins backed by s.
func NewAdmins(s Store) *Admins { return &Admins{store: s, now: time.Now} }

// Hash returns the stored form of a token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Create makes a new admin token with 256 bits of entropy, stores its hash
// and returns the token. The token is shown once and never stored.
func (a *Admins) Create(ctx context.Context, name string) (string, error) {
	tok, _, err := a.CreateExpiring(ctx, name, time.Time{})
	return tok, err
}

// CreateExpiring is Create for a token that stops working at expiresAt
// (zero: never), which must be in the future; it also returns the stored
// token (without the secret).
func (a *Admins) CreateExpiring(ctx context.Context, name string, expiresAt time.Time) (string, *store.AdminToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, ErrInvalidToken.Errorf("empty name")
	}
	if err := a.checkExpiry(expiresAt); err != nil {
		return "", nil, err
	}
	tok, err := newAdminToken()
	if err != nil {
		return "", nil, err
	}
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return "", nil, fmt.Errorf("auth: random id: %w", err)
	}
	t := &store.AdminToken{
		ID: "adm_" + enc.EncodeToString(id), Name: name, Hash: Hash(tok), CreatedAt: a.now().UTC(), ExpiresAt: expiresAt.UTC(),
	}
	if err := a.store.CreateAdminToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("auth: store token: %w", err)
	}
	return tok, t, nil
}

// List returns every admin token (never the secret), oldest first.
func (a *Admins) List(ctx context.Context) ([]*store.AdminToken, error) {
	ts, err := a.store.ListAdminTokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: list admin tokens: %w", err)
	}
	return ts, nil
}

// Revoke deletes the admin token with the given ID: it stops working at
// once.
func (a *Admins) Revoke(ctx context.Context, id string) error {
	if err := a.store.DeleteAdminToken(ctx, id); err != nil {
		return fmt.Errorf("auth: revoke admin token %q: %w", id, err)
	}
	return nil
}

// Rotate gives the admin token with the given ID a new secret, expiring
// at expiresAt (zero: never; else in the future), and returns it; the old
// secret stops working at once. The token keeps its ID and name, so the
// audit log's actor stays the same.
func (a *Admins) Rotate(ctx context.Context, id string, expiresAt time.Time) (string, *store.AdminToken, error) {
	if err := a.checkExpiry(expiresAt); err != nil {
		return "", nil, err
	}
	tok, err := newAdminToken()
	if err != nil {
		return "", nil, err
	}
	if err := a.store.SetAdminTokenHash(ctx, id, Hash(tok), expiresAt.UTC()); err != nil {
		return "", nil, fmt.Errorf("auth: rotate admin token %q: %w", id, err)
	}
	t, err := a.store.FindAdminToken(ctx, Hash(tok))
	if err != nil {
		return "", nil, fmt.Errorf("auth: rotate admin token %q: %w", id, err)
	}
	return tok, t, nil
}

func (a *Admins) checkExpiry(expiresAt time.Time) error {
	if !expiresAt.IsZero() && !expiresAt.After(a.now()) {
		return ErrInvalidToken.Fieldf("expires_at", "%s is not in the future", expiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// newAdminToken returns a new admin token: "kyso_adm_" and 256 random bits
// in base32.
func newAdminToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random token: %w", err)
	}
	return tokenPrefix + enc.EncodeToString(b), nil
}

// Count returns the number of admin tokens.
func (a *Admins) Count(ctx context.Context) (int, error) { return a.store.CountAdminTokens(ctx) }

// CheckAdmin returns nil if token is a known admin token that has not
// expired. The lookup is by
// SHA-256 hash, so the database index never sees the secret, and the hash
// found is compared again in constant time.
func (a *Admins) CheckAdmin(ctx context.Context, token string) error {
	_, err := a.AdminID(ctx, token)
	return err
}

// AdminID is CheckAdmin that also returns the token's ID, which the audit
// log records as the actor (never the token).
func (a *Admins) AdminID(ctx context.Context, token string) (string, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 128 {
		return "", ErrUnauthorized
	}
	h := Hash(token)
	t, err := a.store.FindAdminToken(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrUnauthorized
	}
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	if subtle.ConstantTimeCompare(t.Hash, h) != 1 || t.Expired(a.now()) {
		return "", ErrUnauthorized
	}
	return t.ID, nil
}
