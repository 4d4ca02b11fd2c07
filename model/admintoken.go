package model

import "time"

// AdminToken is an API credential for administrators; only its SHA-256
// hash is stored.
type AdminToken struct {
	ID        string
	Name      string
	Hash      []byte // SHA-256 of the token
	CreatedAt time.Time
	// ExpiresAt is when the token stops working; zero: never.
	ExpiresAt time.Time
}

// Expired reports whether the token has expired at now.
func (t *AdminToken) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}
