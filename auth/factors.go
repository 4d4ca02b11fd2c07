package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// Attempt limits of Factors.Check.
const (
	// MaxFactorFailures is the number of wrong attempts in a row (PIN or
	// code) after which a client is locked out of a credential.
	MaxFactorFailures = 5
	// FactorLockout is the first lockout; each further lockout of the same
	// client doubles it, up to MaxFactorLockout.
	FactorLockout    = time.Minute
	MaxFactorLockout = 24 * time.Hour
)

// Factor errors, of kind Consent (wrong) and Locked (this client is
// locked out of this credential for now).
var (
	ErrBadFactors   = errkind.New(errkind.Consent, "auth: wrong PIN or one-time code")
	ErrClientLocked = errkind.New(errkind.Locked, "auth: this client is locked out of the credential after too many wrong attempts")
)

// AttemptStore is the slice of store.Consent that Factors uses for its
// attempt limits.
type AttemptStore interface {
	GetConsentAttempts(ctx context.Context, credID, clientID string) (*model.ConsentAttempts, error)
	CountConsentAttempt(ctx context.Context, credID, clientID string) (int, error)
	LockConsent(ctx context.Context, credID, clientID string, until time.Time) (int, error)
	ResetConsentFailures(ctx context.Context, credID, clientID string) error
	ClearConsentLocks(ctx context.Context, credID string) error
}

// Factors checks a citizen's two factors for one authorisation: the PIN
// (knowledge) and a one-time code (possession), with attempt limits per
// (credential, client): a client that sends wrong ones locks itself out of
// that credential, for a time that doubles with each lockout, and never
// the citizen's other clients.
type Factors struct {
	pins     *PINs
	totp     *TOTP
	attempts AttemptStore
	now      func() time.Time
}

// NewFactors returns a Factors; now is the clock (nil: time.Now).
func NewFactors(pins *PINs, t *TOTP, a AttemptStore, now func() time.Time) *Factors {
	if now == nil {
		now = time.Now
	}
	return &Factors{pins: pins, totp: t, attempts: a, now: now}
}

// Check checks pin and code for credential credID, sent by client
// clientID. It returns nil when both are right (and the code's time step
// is then used: the same code is refused next time), an ErrBadFactors
// error when either is wrong (not saying which), an ErrClientLocked error
// when this client is locked out, ErrNoPIN or ErrNoTOTP when a factor was
// never enrolled.
//
// Every attempt is counted before it is compared, so guesses sent in
// parallel get no more tries than guesses sent one by one.
func (f *Factors) Check(ctx context.Context, credID, clientID, pin, code string) error {
	now := f.now()
	a, err := f.attempts.GetConsentAttempts(ctx, credID, clientID)
	if err != nil {
		return fmt.Errorf("auth: consent attempts: %w", err)
	}
	if now.Before(a.LockedUntil) {
		return lockedError(a.LockedUntil)
	}
	hash, err := f.pins.store.GetCredentialPIN(ctx, credID)
	if err != nil {
		return fmt.Errorf("auth: check factors: %w", err)
	}
	if hash == "" {
		return ErrNoPIN
	}
	n, err := f.attempts.CountConsentAttempt(ctx, credID, clientID)
	if err != nil {
		return fmt.Errorf("auth: check factors: %w", err)
	}
	if n > MaxFactorFailures {
		return lockedError(time.Time{}) // another attempt used the last try
	}
	pinOK, err := f.pins.matches(ctx, hash, pin)
	if err != nil {
		return err
	}
	step, codeOK, err := f.totp.match(ctx, credID, code)
	if err != nil {
		return err
	}
	if pinOK && codeOK {
		if codeOK, err = f.totp.use(ctx, credID, step); err != nil {
			return err
		}
	}
	if !pinOK || !codeOK {
		if n < MaxFactorFailures {
			return ErrBadFactors.Errorf("wrong PIN or one-time code, or a code already used (sai mã PIN hoặc mã OTP); %d attempts left for this client",
				MaxFactorFailures-n)
		}
		d := FactorLockout << min(a.Lockouts, 20)
		until := now.Add(min(d, MaxFactorLockout))
		if _, err := f.attempts.LockConsent(ctx, credID, clientID, until); err != nil {
			return fmt.Errorf("auth: lock client out: %w", err)
		}
		return lockedError(until)
	}
	if err := f.attempts.ResetConsentFailures(ctx, credID, clientID); err != nil {
		return fmt.Errorf("auth: check factors: %w", err)
	}
	return nil
}

func lockedError(until time.Time) error {
	if until.IsZero() {
		return ErrClientLocked.Errorf("too many wrong attempts from this client; try again later")
	}
	return ErrClientLocked.Errorf("too many wrong PINs or codes from this client (khóa tạm thời): try again after %s, "+
		"or have an officer unlock the credential with identity proofing", until.UTC().Format(time.RFC3339))
}

// ClearLocks forgets every client's wrong attempts and lockouts on a
// credential: an enrolment event (unlock, new PIN) the caller records.
func (f *Factors) ClearLocks(ctx context.Context, credID string) error {
	if err := f.attempts.ClearConsentLocks(ctx, credID); err != nil {
		return fmt.Errorf("auth: clear locks: %w", err)
	}
	return nil
}
