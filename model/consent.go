package model

import "time"

// SAD is a stored Signature Activation Data: a citizen's single-use
// authorisation of signatures over exact hashes, for one credential and
// one client, until ExpiresAt. Only the SHA-256 of the token is kept.
type SAD struct {
	TokenHash     []byte
	CredentialID  string
	ClientID      string
	HashAlgorithm string // "sha-256", "sha-384", "sha-512"
	// Hashes is the authorised digests in lower-case hex, sorted,
	// comma-separated: the form the store matches a use against.
	Hashes        string
	NumSignatures int
	DocID         string
	Mode          string // "explicit" or "confirmation"
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        time.Time // zero while unused
}

// SigningTransaction is a signing transaction of the confirmation mode:
// a client asks, the citizen confirms or refuses on kyso's page.
type SigningTransaction struct {
	ID            string
	TokenHash     []byte // SHA-256 of the confirmation page's token
	CredentialID  string
	ClientID      string
	HashAlgorithm string
	Hashes        string // as in SAD
	NumSignatures int
	DocID         string
	DocName       string
	CallbackURL   string
	// State is "pending", "confirmed", "delivered" (confirmed, and the
	// client has its SAD) or "refused". An expired pending transaction
	// keeps its state; ExpiresAt tells.
	State     string
	CreatedAt time.Time
	ExpiresAt time.Time
	DecidedAt time.Time
}

// ConsentAttempts are the wrong PINs and codes one client sent for one
// credential.
type ConsentAttempts struct {
	Failures    int
	Lockouts    int
	LockedUntil time.Time // zero: not locked
}
