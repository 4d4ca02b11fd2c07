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
	// MaxPINFailures is the number of consecutive wrong PINs that locks a
	// credential until an officer unlocks it.
	MaxPINFailures = 5
)

// Argon2id parameters of HashPIN: OWASP's minimum recommendation (19 MiB,
// 2 passes, 1 lane; Password Storage Cheat Sheet), which takes about
// 30-50 ms on one core of a small server. CheckPIN runs at most GOMAXPROCS
// of them at once, so a burst of signing requests cannot take more than
// GOMAXPROCS × 19 MiB.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on the parameters CheckPIN accepts from a stored hash, so that an
// edited database row cannot make it allocate gigabytes or spin.
const (
	maxArgonMemory = 256 * 1024 // KiB
	maxArgonTime   = 16
)

// PIN errors. A wrong PIN is an errkind error of kind Consent (Locked when
// that attempt locked the credential) around a *PINError, which matches
// ErrBadPIN and, when that attempt locked the credential, ErrLocked too.
var (
	ErrBadPIN = errkind.New(errkind.Consent, "auth: wrong PIN")
	ErrLocked = errkind.New(errkind.Locked, "auth: credential locked after too many wrong PINs")
	ErrNoPIN  = errkind.Wrap(errkind.Consent, errors.New("auth: credential has no PIN"),
		"the credential has no PIN yet; an administrator sets it (POST /v1/credentials/{id}/pin)")
	ErrInvalidPIN = errkind.New(errkind.Invalid, "auth: PIN does not meet the rules")
)

// PINError reports a wrong PIN. It never holds the PIN.
type PINError struct {
	// Failures is the number of consecutive failed attempts, this one
	// included (1 to MaxPINFailures).
	Failures int
	// Locked is true when this attempt locked the credential.
	Locked bool
}

// Error says the PIN was wrong and how many attempts are left.
func (e *PINError) Error() string {
	if e.Locked {
		return fmt.Sprintf("%v; credential locked after %d wrong PINs in a row", ErrBadPIN, e.Failures)
	}
	return fmt.Sprintf("%v; %d attempts left", ErrBadPIN, MaxPINFailures-e.Failures)
}

// Is makes errors.Is match ErrBadPIN, and ErrLocked when Locked.
func (e *PINError) Is(target error) bool {
	return target == ErrBadPIN || (e.Locked && target == ErrLocked)
}

// PINStore is the slice of store.Store that PINs uses.
type PINStore interface {
	SetCredentialPIN(ctx context.Context, credID, hash string) error
	GetCredentialPIN(ctx context.Context, credID string) (hash string, failures int, locked bool, err error)
	RecordPINFailure(ctx context.Context, credID string, max int) (failures int, locked bool, err error)
	ResetPINFailures(ctx context.Context, credID string) error
	UnlockCredential(ctx context.Context, credID string) error
	GetCredential(ctx context.Context, id string) (*store.Credential, error)
}

// PINs holds credential holders' consent: a signature with a citizen's
// credential needs the citizen's PIN. The PIN is never stored, logged or
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
// gets MaxPINFailures tries, 1 in 200,000 rather than 1 in 2,000, and a
// stolen hash costs 100 times more to brute-force. The error never
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

// SetPIN sets the PIN of a credential (checked against the PIN rules) and
// resets its failure count. A locked credential stays locked: unlocking is
// Unlock, an officer's decision after checking the holder's identity.
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

// CheckPIN checks the holder's PIN for a signature with credential credID.
// It returns nil for the right PIN, a *PINError (ErrBadPIN; also ErrLocked
// if that attempt locked the credential) for a wrong one, ErrLocked for a
// locked credential, whatever the PIN, ErrNoPIN if none was set, and
// store.ErrNotFound (wrapped) for an unknown credential.
//
// Every attempt is counted before the PIN is compared: RecordPINFailure
// hands each attempt its number, and only attempts numbered up to
// MaxPINFailures are compared at all. So guesses sent in parallel get no
// more tries than guesses sent one by one. The attempt numbered
// MaxPINFailures locks the credential; if it turns out right, it takes the
// lock back (UnlockCredential: nobody else can have locked it, since every
// later attempt was refused uncompared). A right PIN sets the count back to
// zero; a wrong one leaves it counted.
func (p *PINs) CheckPIN(ctx context.Context, credID, pin string) error {
	hash, _, locked, err := p.store.GetCredentialPIN(ctx, credID)
	if err != nil {
		return fmt.Errorf("auth: check PIN: %w", err)
	}
	if locked {
		return ErrLocked
	}
	if hash == "" {
		return ErrNoPIN
	}
	n, locked, err := p.store.RecordPINFailure(ctx, credID, MaxPINFailures)
	if err != nil {
		return fmt.Errorf("auth: check PIN: %w", err)
	}
	if n > MaxPINFailures {
		return ErrLocked // another attempt used the last try
	}
	ok, err := p.matches(ctx, hash, pin)
	if err != nil {
		return err // the attempt stays counted
	}
	if !ok {
		pe := &PINError{Failures: n, Locked: locked}
		if locked {
			return errkind.Wrap(errkind.Locked, pe, "wrong PIN (sai mã PIN); the credential is now locked")
		}
		return errkind.Wrap(errkind.Consent, pe, fmt.Sprintf("wrong PIN (sai mã PIN); %d attempts left", MaxPINFailures-n))
	}
	if n == MaxPINFailures {
		err = p.store.UnlockCredential(ctx, credID)
	} else {
		err = p.store.ResetPINFailures(ctx, credID)
	}
	if err != nil {
		return fmt.Errorf("auth: check PIN: %w", err)
	}
	return nil
}

// Unlock lets a locked credential be used again and clears its failure
// count. Unlocking one that is not locked is not an error.
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
