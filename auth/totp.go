package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/store"
)

// TOTP parameters: what every phone authenticator accepts (RFC 6238 with
// HMAC-SHA1, 6 digits, 30-second steps; Google Authenticator ignores
// anything else).
const (
	totpIssuer = "kyso"
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	// totpSkew is how many steps before and after now a code is accepted
	// in (RFC 6238, 5.2: one step of clock drift or transmission delay).
	totpSkew = 1
)

// ErrNoTOTP: the credential has no second factor enrolled.
var ErrNoTOTP = errkind.New(errkind.Consent,
	"the credential has no one-time-code factor; it is enrolled at issuance (or by an officer re-enrolling the holder)")

// Cipher encrypts small secrets, bound to associated data (keys.Cipher,
// Vault Transit; cmd wires it).
type Cipher interface {
	Encrypt(ctx context.Context, plaintext, associated []byte) ([]byte, error)
	Decrypt(ctx context.Context, ciphertext, associated []byte) ([]byte, error)
}

// TOTPStore is the slice of store.Consent that TOTP uses.
type TOTPStore interface {
	SetTOTP(ctx context.Context, credID string, ciphertext []byte) error
	GetTOTP(ctx context.Context, credID string) (ciphertext []byte, lastStep int64, err error)
	UseTOTPStep(ctx context.Context, credID string, step int64) error
}

// TOTP is a citizen's possession factor: a time-based one-time code
// (RFC 6238) from the authenticator app the holder enrolled at issuance.
// The seed is stored only encrypted by Vault Transit, bound to the
// credential's ID (associated data); it is shown once, at enrolment.
type TOTP struct {
	store  TOTPStore
	cipher Cipher
	now    func() time.Time
}

// NewTOTP returns a TOTP on s, encrypting seeds with c; now is the clock
// (nil: time.Now).
func NewTOTP(s TOTPStore, c Cipher, now func() time.Time) *TOTP {
	if now == nil {
		now = time.Now
	}
	return &TOTP{store: s, cipher: c, now: now}
}

// TOTPEnrolment is what the holder's authenticator app needs: the
// otpauth:// URI and the same as a QR code (PNG). It is handed out once.
type TOTPEnrolment struct {
	URI   string
	QRPNG []byte
}

// associated binds a stored seed to its credential: a ciphertext moved to
// another row does not decrypt.
func totpAssociated(credID string) []byte { return []byte("kyso-totp:" + credID) }

// Enroll creates a new TOTP seed for a credential (replacing any earlier
// one) and returns it for the holder's app, labelled with account.
func (t *TOTP) Enroll(ctx context.Context, credID, account string) (*TOTPEnrolment, error) {
	if account == "" {
		account = credID
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: account, Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, SecretSize: 20})
	if err != nil {
		return nil, fmt.Errorf("auth: generate TOTP seed: %w", err)
	}
	ct, err := t.cipher.Encrypt(ctx, []byte(key.Secret()), totpAssociated(credID))
	if err != nil {
		return nil, fmt.Errorf("auth: encrypt TOTP seed: %w", err)
	}
	if err := t.store.SetTOTP(ctx, credID, ct); err != nil {
		return nil, fmt.Errorf("auth: store TOTP seed: %w", err)
	}
	png, err := qrcode.Encode(key.URL(), qrcode.Medium, 256)
	if err != nil {
		return nil, fmt.Errorf("auth: TOTP QR code: %w", err)
	}
	return &TOTPEnrolment{URI: key.URL(), QRPNG: png}, nil
}

// match returns the time step in which code is the credential's code, at
// most totpSkew steps from now, and whether there is one. It uses no
// step: Use does, once the whole attempt is known to be right.
func (t *TOTP) match(ctx context.Context, credID, code string) (step int64, ok bool, err error) {
	ct, _, err := t.store.GetTOTP(ctx, credID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, ErrNoTOTP
	}
	if err != nil {
		return 0, false, fmt.Errorf("auth: TOTP: %w", err)
	}
	seed, err := t.cipher.Decrypt(ctx, ct, totpAssociated(credID))
	if err != nil {
		return 0, false, fmt.Errorf("auth: decrypt TOTP seed: %w", err)
	}
	if len(code) != totpDigits.Length() {
		return 0, false, nil
	}
	now := t.now().Unix() / totpPeriod
	for _, s := range []int64{now, now - totpSkew, now + totpSkew} {
		want, err := hotp.GenerateCodeCustom(string(seed), uint64(s), hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false, fmt.Errorf("auth: TOTP code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true, nil
		}
	}
	return 0, false, nil
}

// use records that a code of step was accepted; false if a code of that
// step (or a later one) was accepted before: a replay.
func (t *TOTP) use(ctx context.Context, credID string, step int64) (bool, error) {
	err := t.store.UseTOTPStep(ctx, credID, step)
	switch {
	case errors.Is(err, store.ErrConflict):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("auth: TOTP: %w", err)
	}
	return true, nil
}

// Code returns the code of a seed at time at; for tests and the
// documentation's examples, which play the holder's phone.
func Code(seed string, at time.Time) (string, error) {
	return totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
}
