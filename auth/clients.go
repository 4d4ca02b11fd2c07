package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/store"
)

// clientKeyPrefix marks kyso client API keys so secret scanners can find
// them.
const clientKeyPrefix = "kyso_cli_"

// maxKeyLen bounds what Authenticate and CheckAdmin hash: real keys are 61
// characters.
const maxKeyLen = 128

// ErrInvalidClient reports a client Create refuses: no name, or no usable
// organisation.
var ErrInvalidClient = errkind.New(errkind.Invalid, "auth: invalid client")

// ClientStore is the slice of store.Store that Clients uses.
type ClientStore interface {
	CreateClient(ctx context.Context, c *store.Client) error
	FindClientByKeyHash(ctx context.Context, hash []byte) (*store.Client, error)
	SetClientDisabled(ctx context.Context, id string, disabled bool) error
}

// Clients registers and authenticates the systems that call the sign API:
// e-office systems and public-service portals. Each may sign only with
// the credentials of the organisations it was registered for (MayUse).
type Clients struct{ store ClientStore }

// NewClients returns a Clients backed by s.
func NewClients(s ClientStore) *Clients { return &Clients{store: s} }

// Create registers a client system named name that may use the
// credentials of orgs, and returns its API key — "kyso_cli_" and 256
// random bits in base32 — with the stored client. Only the key's SHA-256
// is stored: the key is shown once, here. Organisation names are
// normalised (NormalizeOrganization), de-duplicated and must not be
// empty; there must be at least one.
func (c *Clients) Create(ctx context.Context, name string, orgs []string) (apiKey string, cl *store.Client, err error) {
	name = strings.TrimSpace(norm.NFC.String(name))
	if name == "" {
		return "", nil, ErrInvalidClient.Errorf("empty name")
	}
	var clean []string
	for _, o := range orgs {
		o = NormalizeOrganization(o)
		if o == "" {
			return "", nil, ErrInvalidClient.Errorf("empty organisation name")
		}
		if !slices.Contains(clean, o) {
			clean = append(clean, o)
		}
	}
	if len(clean) == 0 {
		return "", nil, ErrInvalidClient.Errorf("no organisation: the client could use no credential")
	}
	key, err := randomString(32)
	if err != nil {
		return "", nil, err
	}
	key = clientKeyPrefix + key
	id, err := randomString(8)
	if err != nil {
		return "", nil, err
	}
	cl = &store.Client{
		ID:            "cli_" + id,
		Name:          name,
		Organizations: clean,
		KeyHash:       Hash(key),
		CreatedAt:     time.Now().UTC(),
	}
	if err := c.store.CreateClient(ctx, cl); err != nil {
		return "", nil, fmt.Errorf("auth: store client: %w", err)
	}
	return key, cl, nil
}

// Authenticate returns the enabled client whose API key is key, or
// ErrUnauthorized. As for admin tokens, the lookup is by SHA-256, so the
// database never sees the key, and the hash found is compared again in
// constant time. A disabled client is refused with the same error as an
// unknown key.
func (c *Clients) Authenticate(ctx context.Context, key string) (*store.Client, error) {
	if !strings.HasPrefix(key, clientKeyPrefix) || len(key) > maxKeyLen {
		return nil, ErrUnauthorized
	}
	h := Hash(key)
	cl, err := c.store.FindClientByKeyHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if subtle.ConstantTimeCompare(cl.KeyHash, h) != 1 || cl.Disabled {
		return nil, ErrUnauthorized
	}
	return cl, nil
}

// Disable stops the client with the given ID from authenticating; its key
// cannot be re-enabled by anyone who holds it.
func (c *Clients) Disable(ctx context.Context, id string) error {
	if err := c.store.SetClientDisabled(ctx, id, true); err != nil {
		return fmt.Errorf("auth: disable client: %w", err)
	}
	return nil
}

// MayUse reports whether client c may sign with a credential of the
// organisation credentialOrganization (the O of the credential's subject):
// c is enabled and one of its organisations is exactly that name, after
// both are normalised (NormalizeOrganization). Case and inner spacing
// count: "UBND Quận Ba Đình" is not "UBND quận Ba Đình". An empty
// organisation matches nothing.
func MayUse(c *store.Client, credentialOrganization string) bool {
	if c == nil || c.Disabled {
		return false
	}
	want := NormalizeOrganization(credentialOrganization)
	if want == "" {
		return false
	}
	for _, o := range c.Organizations {
		if NormalizeOrganization(o) == want {
			return true
		}
	}
	return false
}

// NormalizeOrganization returns an organisation name in the form clients
// are registered with and compared in: Unicode NFC (Vietnamese text
// arrives both precomposed and decomposed, "ệ" as one code point or as
// "e" plus two combining marks) with surrounding white space trimmed.
func NormalizeOrganization(s string) string {
	return strings.TrimSpace(norm.NFC.String(s))
}

// randomString returns n random bytes in kyso's base32 alphabet.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random: %w", err)
	}
	return enc.EncodeToString(b), nil
}
