package csc

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
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

// Tokens issues and checks the short-lived bearer tokens of the CSC API.
//
// A token is kyso_csc_ followed by base64url(client ID "|" expiry "|"
// 128-bit nonce) "." base64url(HMAC-SHA256). The HMAC key is the client's
// stored API-key hash (SHA-256 of the key): a token is bound to the client
// and to its current key, so rotating the key ends every token at once.
// Check reads the client from the database on every request, so that a
// disabled, deleted or expired client's token fails at once on every node.
//
// The limit of this design: whoever can read the clients table can mint a
// token for a client (the key hash is the HMAC key). They cannot use a
// citizen's credential with it — that takes a SAD, i.e. the citizen's PIN
// and TOTP code — but they could use an agency's seal through CSC. A
// server-side key (Vault Transit HMAC) closes that; it is not wired yet.
type Tokens struct {
	clients Clients
	ttl     time.Duration
	now     func() time.Time
}

// Issue returns a new access token for c, valid for the configured time.
func (t *Tokens) Issue(c *model.Client) (string, time.Duration, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", 0, fmt.Errorf("csc: random: %w", err)
	}
	exp := t.now().Add(t.ttl).Unix()
	payload := c.ID + "|" + strconv.FormatInt(exp, 10) + "|" + base64.RawURLEncoding.EncodeToString(nonce)
	b := base64.RawURLEncoding
	return tokenPrefix + b.EncodeToString([]byte(payload)) + "." + b.EncodeToString(tokenMAC(c.KeyHash, payload)), t.ttl, nil
}

// Check returns the client an access token was issued to, read again from
// the database, or an invalid_token error.
func (t *Tokens) Check(ctx context.Context, token string) (*model.Client, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(token) > 512 {
		return nil, errBadToken
	}
	p64, m64, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, errBadToken
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
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
	if !hmac.Equal(mac, tokenMAC(c.KeyHash, string(payload))) || c.Disabled || c.Expired(t.now()) {
		return nil, errBadToken
	}
	return c, nil
}

func tokenMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, append([]byte("kyso csc access token v1\x00"), key...))
	m.Write([]byte(payload))
	return m.Sum(nil)
}
