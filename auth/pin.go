package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/store"
)

// PIN rules and limits.
const (
	// MinPINLength and MaxPINLength bound a PIN's number of digits.
	MinPINLength = 6
	MaxPINLength = 12
)

// Argon2id parameters of HashPIN: OWASP's minimum recommendation (19 MiB,
// 2 passes, 1 lane; Password Storage Cheat Sheet), which takes about
// 30-50 ms on one core of a small server. A PINs runs at most GOMAXPROCS
// of them at once, so a burst of authorisations cannot take more than
// GOMAXPROCS × 19 MiB.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on the parameters parsePHC accepts from a stored hash, so that an
// edited database row cannot make it allocate gigabytes or spin.
const (
	maxArgonMemory = 256 * 1024 // KiB
	maxArgonTime   = 16
)

// PIN errors: a credential without a PIN (what Factors.Check answers), and
// a PIN that breaks the rules (SetPIN).
var (
	ErrNoPIN = errkind.Wrap(errkind.Consent, errors.New("auth: credential has no PIN"),
		"the credential has no PIN yet; an administrator sets it (POST /v1/credentials/{id}/pin)")
	ErrInvalidPIN = errkind.New(errkind.Invalid, "auth: PIN does not meet the rules")
)

// PINStore is the slice of store.Store that PINs uses.
type PINStore interface {
	SetCredentialPIN(ctx context.Context, credID, hash string) error
	GetCredentialPIN(ctx context.Context, credID string) (hash string, err error)
	UnlockCredential(ctx context.Context, credID string) error
	GetCredential(ctx context.Context, id string) (*store.Credential, error)
}

// PINs keeps citizens' PINs, the knowledge factor Factors checks with a
// one-time code at each authorisation. The PIN is never stored, logged or
// returned; only its argon2id hash is stored.
type PINs struct {
	store PINStore
	// sem bounds concurrent argon2id computations (memory).
	sem chan struct{}
}

// NewPINs returns a PINs backed by s.
func NewPINs(s PINStore) *PINs {
	return &PINs{store: s, sem: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// ValidatePIN checks kyso's PIN rules: MinPINLength to MaxPINLength ASCII
// digits, not all the same digit, and not a run going up or down by one
// ("123456", "987654"). Six digits rather than four: an online guesser
// gets MaxFactorFailures tries per lockout, 1 in 200,000 rather than 1 in
// 2,000, and a stolen hash costs 100 times more to brute-force. The error never
// contains the PIN.
func ValidatePIN(pin string) error {
	if len(pin) < MinPINLength || len(pin) > MaxPINLength {
		return ErrInvalidPIN.Errorf("it must be %d to %d digits", MinPINLength, MaxPINLength)
	}
	same, up, down := true, true, true
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return ErrInvalidPIN.Errorf("it must be digits 0-9 only")
		}
		if i > 0 {
			same = same && pin[i] == pin[i-1]
			up = up && pin[i] == pin[i-1]+1
			down = down && pin[i] == pin[i-1]-1
		}
	}
	if same || up || down {
		return ErrInvalidPIN.Errorf("it must not be one digit repeated or consecutive digits up or down")
	}
	return nil
}

// HashPIN checks pin against the PIN rules (ValidatePIN) and returns its
// argon2id hash as a PHC string:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with a random 16-byte salt and a 32-byte hash, both in unpadded standard
// base64, the format of the reference implementation.
func HashPIN(pin string) (string, error) {
	if err := ValidatePIN(pin); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: random salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// phc is a parsed argon2id PHC string.
type phc struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// parsePHC parses an argon2id PHC string strictly, within the parameter
// bounds. Errors never contain the string.
func parsePHC(s string) (*phc, error) {
	bad := errors.New("auth: stored PIN hash is not an argon2id PHC string kyso accepts")
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, bad
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return nil, bad
	}
	var p phc
	for i, want := range []string{"m", "t", "p"} {
		name, val, _ := strings.Cut(params[i], "=")
		n, err := strconv.ParseUint(val, 10, 32)
		if name != want || err != nil {
			return nil, bad
		}
		switch name {
		case "m":
			p.memory = uint32(n)
		case "t":
			p.time = uint32(n)
		case "p":
			p.threads = uint8(min(n, 255))
		}
	}
	var err1, err2 error
	p.salt, err1 = b64.DecodeString(parts[4])
	p.key, err2 = b64.DecodeString(parts[5])
	switch {
	case err1 != nil || err2 != nil,
		p.time < 1 || p.time > maxArgonTime,
		p.threads < 1 || p.threads > 16,
		p.memory < 8*uint32(p.threads) || p.memory > maxArgonMemory,
		len(p.salt) < 8 || len(p.salt) > 64,
		len(p.key) < 16 || len(p.key) > 64:
		return nil, bad
	}
	return &p, nil
}

// matches reports in constant time whether pin hashes to the stored hash.
// It waits for a free slot among the concurrent hash computations.
func (p *PINs) matches(ctx context.Context, stored, pin string) (bool, error) {
	h, err := parsePHC(stored)
	if err != nil {
		return false, err
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return false, fmt.Errorf("auth: check PIN: %w", ctx.Err())
	}
	defer func() { <-p.sem }()
	key := argon2.IDKey([]byte(pin), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// SetPIN sets the PIN of a citizen credential (checked against the PIN
// rules). Clients' wrong attempts and lockouts are Factors' to forget
// (Factors.ClearLocks); the store also sets to zero the failure count of
// the PIN check before SCAL 2 (see Unlock), and leaves that check's lock.
func (p *PINs) SetPIN(ctx context.Context, credID, pin string) error {
	h, err := HashPIN(pin)
	if err != nil {
		return err
	}
	// Only a citizen consents with a PIN; officials and agency seals sign
	// through their agency's client system. A PIN on them would be
	// checked by nobody.
	cred, err := p.store.GetCredential(ctx, credID)
	if err != nil {
		return fmt.Errorf("auth: set PIN: %w", err)
	}
	if cred.Profile != "citizen" {
		return ErrInvalidPIN.Errorf("only citizen credentials have a PIN; %s is a %s credential", credID, cred.Profile)
	}
	if err := p.store.SetCredentialPIN(ctx, credID, h); err != nil {
		return fmt.Errorf("auth: set PIN: %w", err)
	}
	return nil
}

// Unlock clears the credential-level lock and failure count of kyso's PIN
// check before SCAL 2, which locked a credential after 5 wrong PINs in a
// row until an officer unlocked it. Nothing sets that lock any more, nor
// refuses a credential for it; but a database written by an older version
// may hold one, and a node of that version, still serving during a rolling
// upgrade, refuses a credential it locked until it is cleared. The locks
// kyso enforces now are Factors' per client (Factors.ClearLocks). Unlocking
// a credential that is not locked is not an error.
func (p *PINs) Unlock(ctx context.Context, credID string) error {
	if err := p.store.UnlockCredential(ctx, credID); err != nil {
		return fmt.Errorf("auth: unlock credential: %w", err)
	}
	return nil
}

// store.Store has what PINs and Clients need.
var (
	_ PINStore    = (store.Store)(nil)
	_ ClientStore = (store.Store)(nil)
)
