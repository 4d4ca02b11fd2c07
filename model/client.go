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
	// AuthEpoch is the version of the clients, credentials and
	// certificates (the store's auth_epoch) at which this client was read:
	// by the API-key lookup, or by auth from rows read at a version it has
	// just read again; 0 when unknown. A credential read at the same
	// version is unchanged since.
	AuthEpoch int64
}

// Expired reports whether the client's API key has expired at now.
func (c *Client) Expired(now time.Time) bool {
	return !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt)
}
