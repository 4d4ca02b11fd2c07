package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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
	AuthEpoch(ctx context.Context) (int64, error)
	SetClientDisabled(ctx context.Context, id string, disabled bool) error
	GetClient(ctx context.Context, id string) (*store.Client, error)
	ListClients(ctx context.Context) ([]*store.Client, error)
	SetClientKeyHash(ctx context.Context, id string, hash []byte, expiresAt time.Time) error
	DeleteClient(ctx context.Context, id string) error
}

// Clients registers and authenticates the systems that call the sign API:
// e-office systems and public-service portals. Each may sign only with
// the credentials of the organisations it was registered for (MayUse).
// Every Authenticate reads the database: a client disabled, deleted or
// rotated through one kyso node is refused by every node on its next
// request. What it reads is the authorisation version (the store's
// auth_epoch, which every change to a client, credential or certificate
// raises in its own transaction) when this node already holds the
// client's row read at that version, and the row otherwise.
type Clients struct {
	store ClientStore
	now   func() time.Time
	known clientCache
}

// NewClients returns a Clients backed by s.
func NewClients(s ClientStore) *Clients { return &Clients{store: s, now: time.Now} }

// Create registers a client system named name that may use the
// credentials of orgs, and returns its API key — "kyso_cli_" and 256
// random bits in base32 — with the stored client. Only the key's SHA-256
// is stored: the key is shown once, here. Organisation names are
// normalised (NormalizeOrganization), de-duplicated and must not be
// empty; there must be at least one.
func (c *Clients) Create(ctx context.Context, name string, orgs []string) (apiKey string, cl *store.Client, err error) {
	return c.CreateExpiring(ctx, name, orgs, time.Time{})
}

// CreateExpiring is Create for a key that stops working at expiresAt
// (zero: never), which must be in the future.
func (c *Clients) CreateExpiring(ctx context.Context, name string, orgs []string, expiresAt time.Time) (apiKey string, cl *store.Client, err error) {
	if err := c.checkExpiry(expiresAt); err != nil {
		return "", nil, err
	}
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
	key, err := newClientKey()
	if err != nil {
		return "", nil, err
	}
	id, err := randomString(8)
	if err != nil {
		return "", nil, err
	}
	cl = &store.Client{
		ID:            "cli_" + id,
		Name:          name,
		Organizations: clean,
		KeyHash:       Hash(key),
		CreatedAt:     c.now().UTC(),
		ExpiresAt:     expiresAt.UTC(),
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
// unknown key, and so is an expired one.
func (c *Clients) Authenticate(ctx context.Context, key string) (*store.Client, error) {
	if !strings.HasPrefix(key, clientKeyPrefix) || len(key) > maxKeyLen {
		return nil, ErrUnauthorized
	}
	h := Hash(key)
	cl, err := c.lookup(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if subtle.ConstantTimeCompare(cl.KeyHash, h) != 1 || cl.Disabled || cl.Expired(c.now()) {
		return nil, ErrUnauthorized
	}
	return cl, nil
}

// Disable stops the client with the given ID from authenticating; its key
// cannot be re-enabled by anyone who holds it.
func (c *Clients) Disable(ctx context.Context, id string) error {
	return c.SetDisabled(ctx, id, true)
}

// SetDisabled disables or re-enables the client with the given ID.
func (c *Clients) SetDisabled(ctx context.Context, id string, disabled bool) error {
	if err := c.store.SetClientDisabled(ctx, id, disabled); err != nil {
		return fmt.Errorf("auth: set client %q disabled=%t: %w", id, disabled, err)
	}
	return nil
}

// Get returns the client with the given ID.
func (c *Clients) Get(ctx context.Context, id string) (*store.Client, error) {
	cl, err := c.store.GetClient(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("auth: get client %q: %w", id, err)
	}
	return cl, nil
}

// List returns every client, oldest first.
func (c *Clients) List(ctx context.Context) ([]*store.Client, error) {
	cls, err := c.store.ListClients(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: list clients: %w", err)
	}
	return cls, nil
}

// Delete deletes the client with the given ID: its key stops working at
// once and its ID is not reused.
func (c *Clients) Delete(ctx context.Context, id string) error {
	if err := c.store.DeleteClient(ctx, id); err != nil {
		return fmt.Errorf("auth: delete client %q: %w", id, err)
	}
	return nil
}

// Rotate gives the client with the given ID a new API key, expiring at
// expiresAt (zero: never; else in the future), and returns it with the
// client. The old key stops working at once. Only the new key's hash is
// stored: the key is shown once, here.
func (c *Clients) Rotate(ctx context.Context, id string, expiresAt time.Time) (apiKey string, cl *store.Client, err error) {
	if err := c.checkExpiry(expiresAt); err != nil {
		return "", nil, err
	}
	key, err := newClientKey()
	if err != nil {
		return "", nil, err
	}
	if err := c.store.SetClientKeyHash(ctx, id, Hash(key), expiresAt.UTC()); err != nil {
		return "", nil, fmt.Errorf("auth: rotate client %q: %w", id, err)
	}
	cl, err = c.Get(ctx, id)
	if err != nil {
		return "", nil, err
	}
	return key, cl, nil
}

// checkExpiry refuses an expiry that is not in the future.
func (c *Clients) checkExpiry(expiresAt time.Time) error {
	if !expiresAt.IsZero() && !expiresAt.After(c.now()) {
		return ErrInvalidClient.Fieldf("expires_at", "%s is not in the future", expiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// newClientKey returns a new client API key: "kyso_cli_" and 256 random
// bits in base32.
func newClientKey() (string, error) {
	key, err := randomString(32)
	if err != nil {
		return "", err
	}
	return clientKeyPrefix + key, nil
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

// lookup returns the client whose key hash is h: the row this node read
// at the current authorisation version if it holds one (a read of the
// version alone), else the row from the store, with the version read in
// the same statement, which it then remembers. Either way the client is as
// the database has it at the moment of the read; the caller still checks
// its hash, whether it is disabled and its expiry.
func (c *Clients) lookup(ctx context.Context, h []byte) (*store.Client, error) {
	if held := c.known.get(h); held != nil {
		epoch, err := c.store.AuthEpoch(ctx)
		if err != nil {
			return nil, err
		}
		if held.AuthEpoch == epoch {
			return copyClient(held), nil
		}
	}
	cl, err := c.store.FindClientByKeyHash(ctx, h)
	if err != nil {
		return nil, err
	}
	c.known.put(h, cl)
	return cl, nil
}

// clientCache keeps client rows by key hash with the authorisation
// version they were read at (store.Client.AuthEpoch). A row is used only
// at exactly that version: no client, credential or certificate has
// changed since it was read. Unknown keys are not remembered.
type clientCache struct {
	mu sync.Mutex
	m  map[string]*store.Client
}

// clientCacheMax bounds the clients remembered (client systems are few);
// past it the cache starts afresh.
const clientCacheMax = 1024

// get returns the row held for h (with the version it was read at, a
// positive AuthEpoch), or nil. Held rows are never changed: callers get
// copies (copyClient).
func (k *clientCache) get(h []byte) *store.Client {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.m[string(h)]
}

// put holds a copy of cl, read at cl.AuthEpoch, unless a newer read is
// held.
func (k *clientCache) put(h []byte, cl *store.Client) {
	if cl.AuthEpoch <= 0 {
		return
	}
	cp := copyClient(cl)
	k.mu.Lock()
	defer k.mu.Unlock()
	if old, ok := k.m[string(h)]; ok && old.AuthEpoch > cl.AuthEpoch {
		return
	}
	if k.m == nil || len(k.m) >= clientCacheMax {
		k.m = map[string]*store.Client{}
	}
	k.m[string(h)] = cp
}

// copyClient copies cl with its slices, so that a held row and the
// caller's copy share nothing.
func copyClient(cl *store.Client) *store.Client {
	cp := *cl
	cp.Organizations = slices.Clone(cl.Organizations)
	cp.KeyHash = slices.Clone(cl.KeyHash)
	return &cp
}
