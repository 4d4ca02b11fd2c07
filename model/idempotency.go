package model

import (
	"errors"
	"time"
)

// IdempotencyState is the state of an Idempotency-Key record.
type IdempotencyState string

// Idempotency-Key states: pending while a request holds the key, done once
// it succeeded and its answer is kept.
const (
	IdempotencyPending IdempotencyState = "pending"
	IdempotencyDone    IdempotencyState = "done"
)

// IdempotencyRecord is what kyso keeps of a request sent with an
// Idempotency-Key header, so that a retry is answered with the first
// request's result instead of doing the work twice.
type IdempotencyRecord struct {
	Actor string // who sent it: "admin:<id>" or "client:<id>"; keys are per actor
	Key   string // the Idempotency-Key header
	// Fingerprint identifies the request (a hash over what it asks for);
	// the same key with another fingerprint is a different request.
	Fingerprint []byte
	// Token names the request that holds a pending record.
	Token string
	State IdempotencyState
	// Resource is what the request is creating (a credential ID), set
	// before it is created.
	Resource string
	// The answer of a done record. Body is nil when the answer was too
	// large to keep; BodySize is its size in any case.
	Status   int
	Header   string // JSON object of the answer's headers worth replaying
	Body     []byte
	BodySize int64
	// Evicted is set on a done record whose answer was dropped to keep
	// its actor's answers within their quota: the request was done, its
	// answer is gone.
	Evicted bool

	CreatedAt   time.Time
	LockedUntil time.Time // a pending record whose holder is gone may be taken over after this
	ExpiresAt   time.Time // the record is forgotten after this
}

// ErrIdempotencyNotHeld is the store's answer to releasing, unlocking or
// completing an Idempotency-Key record with a token that no longer holds
// it: another request took the key over. It is not a failure to retry.
var ErrIdempotencyNotHeld = errors.New("the Idempotency-Key is no longer held by this request")
