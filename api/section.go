package api

import (
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
)

// The defaults of the http section: New takes them for a zero Config
// field, so that a zero (or absent) value in the config file means the
// default.
const (
	DefaultMaxBodyBytes              = 1 << 20
	DefaultMaxDocumentBytes          = 50 << 20
	DefaultMaxBatchBytes             = 256 << 20
	DefaultMemoryBytes               = 256 << 20
	DefaultRequestTimeout            = 30 * time.Second
	DefaultClientConcurrency         = 32
	DefaultIdempotencyTTL            = 24 * time.Hour
	DefaultIdempotencyMaxAnswerBytes = 16 << 20
	DefaultCSCTokenTTL               = 10 * time.Minute
	// MaxCSCTokenTTL bounds http.csc_token_ttl.
	MaxCSCTokenTTL = time.Hour
)

// Section is the "http" section of kyso's config file (see
// docs/configuration.md): the bounds of requests, documents and the
// answers kept for Idempotency-Key, which cmd/kyso hands to New (and
// idempotency_quota_bytes to the store). A zero value means the default
// (the Default… constants above, which New applies).
type Section struct {
	// RequestTimeout bounds one request (default 30s).
	RequestTimeout config.Duration `json:"request_timeout"`
	// MaxBodyBytes bounds JSON bodies (default 1 MiB).
	MaxBodyBytes int64 `json:"max_body_bytes"`
	// MaxDocumentBytes bounds a document to sign (default 50 MiB).
	MaxDocumentBytes int64 `json:"max_document_bytes"`
	// MaxBatchBytes bounds all documents of one batch (default 256 MiB).
	MaxBatchBytes int64 `json:"max_batch_bytes"`
	// MemoryBytes bounds the documents held in memory at once while they
	// are signed (default 256 MiB); others go to temporary files.
	MemoryBytes int64 `json:"memory_bytes"`
	// ClientConcurrency bounds the signing requests one client system
	// may have in progress at once (default 32; -1: no bound).
	ClientConcurrency int `json:"client_concurrency"`
	// IdempotencyTTL is how long the answer to a request sent with an
	// Idempotency-Key is kept for its retries (default 24h).
	IdempotencyTTL config.Duration `json:"idempotency_ttl"`
	// IdempotencyMaxAnswerBytes bounds a kept answer (default 16 MiB).
	IdempotencyMaxAnswerBytes int64 `json:"idempotency_max_answer_bytes"`
	// IdempotencyQuotaBytes bounds the kept answers of one client or
	// admin token (0: the store's default, 256 MiB; -1: no bound):
	// keeping a new answer evicts the caller's oldest
	// (docs/operations.md).
	IdempotencyQuotaBytes int64 `json:"idempotency_quota_bytes"`
	// CSCTokenTTL is how long an access token of the CSC API is valid
	// (default 10m; at most 1h).
	CSCTokenTTL config.Duration `json:"csc_token_ttl"`
}

// Validate checks the section, so that kyso refuses a bad bound at start.
func (s Section) Validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"http.max_body_bytes", s.MaxBodyBytes}, {"http.max_document_bytes", s.MaxDocumentBytes}, {"http.max_batch_bytes", s.MaxBatchBytes},
		{"http.memory_bytes", s.MemoryBytes}, {"http.idempotency_max_answer_bytes", s.IdempotencyMaxAnswerBytes},
	} {
		if f.v < 0 {
			return fmt.Errorf("config: %s must not be negative (0 means the default)", f.name)
		}
	}
	if s.IdempotencyQuotaBytes < -1 {
		return errors.New("config: http.idempotency_quota_bytes must be -1 (no bound), 0 (the default) or a number of bytes")
	}
	if s.RequestTimeout < 0 {
		return errors.New("config: http.request_timeout must not be negative")
	}
	if s.IdempotencyTTL < 0 {
		return errors.New("config: http.idempotency_ttl must not be negative (0 means the default, 24h)")
	}
	if s.CSCTokenTTL < 0 || time.Duration(s.CSCTokenTTL) > MaxCSCTokenTTL {
		return errors.New("config: http.csc_token_ttl must be between 0 (the default, 10m) and 1h")
	}
	if s.ClientConcurrency < -1 {
		return errors.New("config: http.client_concurrency must be -1 (no bound), 0 (the default, 32) or more")
	}
	return nil
}
