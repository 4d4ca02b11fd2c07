package csc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// tokenPrefix marks kyso's CSC access tokens (as kyso_cli_ marks API keys)
// so that secret scanners find them.
const tokenPrefix = "kyso_csc_"

// errBadToken is every refused access token: unknown, forged, expired, or
// of a client that is disabled, deleted, expired or was given a new key.
var errBadToken = cscError(401, ErrInvalidToken, "the access token is invalid or expired; get a new one (oauth2/token or auth/login)")

// TokenKey makes and checks the tags of access tokens with a key kyso
// cannot read: keys.MAC, a Vault Transit HMAC key (<key_prefix>csc-tokens).
type TokenKey interface {
	// Sum returns msg's tag.
	Sum(ctx context.Context, msg []byte) (string, error)
	// Verify reports whether tag is msg's tag.
	Verify(ctx context.Context, msg []byte, tag string) (bool, error)
}

// errNoTokenKey answers oauth2/token and auth/login when no TokenKey is
// wired: access tokens cannot be issued (a client's API key still works
// as its bearer token).
var errNoTokenKey = cscError(503, ErrUnavailable, "access tokens are not configured on this server; use the client's API key as the bearer token")

// Tokens issues and checks the short-lived bearer tokens of the CSC API.
//
// A token is kyso_csc_ followed by base64url(client ID "|" expiry "|"
// 128-bit nonce) "." base64url(tag). The tag is an HMAC-SHA-256 made in
// Vault (TokenKey) over the payload and the client's stored API-key hash:
// a token is bound to the client and to its current key, so rotating the
// key ends every token at once, and whoever reads kyso's database (or
// memory) cannot mint one — the HMAC key never leaves Vault. Rotating the
// Transit key keeps older tokens valid until they expire (the tag names
// its key version). Check reads the client from the database on every
// request, so that a disabled, deleted or expired client's token fails at
// once on every node.
type Tokens struct {
	clients Clients
	key     TokenKey
	ttl     time.Duration
	now     func() time.Time
}

// Issue returns a new access token for c, valid for the configured time.
func (t *Tokens) Issue(ctx context.Context, c *model.Client) (string, time.Duration, error) {
	if t.key == nil {
		return "", 0, errNoTokenKey
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", 0, fmt.Errorf("csc: random: %w", err)
	}
	exp := t.now().Add(t.ttl).Unix()
	payload := c.ID + "|" + strconv.FormatInt(exp, 10) + "|" + base64.RawURLEncoding.EncodeToString(nonce)
	tag, err := t.key.Sum(ctx, tokenMessage(c.KeyHash, payload))
	if err != nil {
		return "", 0, fmt.Errorf("csc: tag the access token: %w", err)
	}
	b := base64.RawURLEncoding
	return tokenPrefix + b.EncodeToString([]byte(payload)) + "." + b.EncodeToString([]byte(tag)), t.ttl, nil
}

// Check returns the client an access token was issued to, read again from
// the database, or an invalid_token error.
func (t *Tokens) Check(ctx context.Context, token string) (*model.Client, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(token) > 512 || t.key == nil {
		return nil, errBadToken
	}
	p64, t64, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, errBadToken
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	tag, err2 := base64.RawURLEncoding.DecodeString(t64)
	if err1 != nil || err2 != nil {
		return nil, errBadToken
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 {
		return nil, errBadToken
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || !t.now().Before(time.Unix(exp, 0)) {
		return nil, errBadToken
	}
	c, err := t.clients.Client(ctx, parts[0])
	if errkind.KindOf(err) == errkind.NotFound {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	if c.Disabled || c.Expired(t.now()) {
		return nil, errBadToken
	}
	ok, err = t.key.Verify(ctx, tokenMessage(c.KeyHash, string(payload)), string(tag))
	if err != nil {
		return nil, fmt.Errorf("csc: check the access token: %w", err)
	}
	if !ok {
		return nil, errBadToken
	}
	return c, nil
}

// tokenMessage is what a token's tag covers: its payload and the client's
// current API-key hash, under a label of this use and version.
func tokenMessage(keyHash []byte, payload string) []byte {
	m := make([]byte, 0, 32+len(payload)+len(keyHash))
	m = append(m, "kyso csc access token v2\x00"...)
	m = append(m, payload...)
	m = append(m, 0)
	return append(m, keyHash...)
}
