package model

import "time"

// Client is a system allowed to call the sign API: an e-office system or a
// public-service portal. Only the SHA-256 hash of its API key is stored.
type Client struct {
	ID   string
	Name string
	// Organizations are the organisation names (NFC, trimmed; as package
	// auth writes them) whose credentials the client may sign with. Nil
	// when empty.
	Organizations []string
	KeyHash       []byte // SHA-256 of the API key
	CreatedAt     time.Time
	Disabled      bool
	// ExpiresAt is when the API key stops working; zero: never.
	ExpiresAt time.Time
}

// Expired reports whether the client's API key has expired at now.
func (c *Client) Expired(now time.Time) bool {
	return !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt)
}
