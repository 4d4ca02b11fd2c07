// Package auth manages who may do what in kyso: admin bearer tokens and
// client systems' API keys (stored only as SHA-256 hashes), which
// organisations' credentials a client may sign with, and the PIN by which
// a credential's holder consents to each signature (stored only as an
// argon2id hash, with a lock after MaxPINFailures wrong PINs). It must not
// import api, ca, signer or keys.
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
}

// Admins checks and creates admin tokens.
type Admins struct{ store Store }

// NewAdmins returns an Admins backed by s.
func NewAdmins(s Store) *Admins { return &Admins{store: s} }

// Hash returns the stored form of a token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Create makes a new admin token with 256 bits of entropy, stores its hash
// and returns the token. The token is shown once and never stored.
func (a *Admins) Create(ctx context.Context, name string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random token: %w", err)
	}
	tok := tokenPrefix + enc.EncodeToString(b)
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return "", fmt.Errorf("auth: random id: %w", err)
	}
	err := a.store.CreateAdminToken(ctx, &store.AdminToken{
		ID: "adm_" + enc.EncodeToString(id), Name: name, Hash: Hash(tok), CreatedAt: time.Now().UTC(),
	})
	if err != nil {
		return "", fmt.Errorf("auth: store token: %w", err)
	}
	return tok, nil
}

// Count returns the number of admin tokens.
func (a *Admins) Count(ctx context.Context) (int, error) { return a.store.CountAdminTokens(ctx) }

// CheckAdmin returns nil if token is a known admin token. The lookup is by
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
	if subtle.ConstantTimeCompare(t.Hash, h) != 1 {
		return "", ErrUnauthorized
	}
	return t.ID, nil
}
