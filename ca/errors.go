package ca

import (
	"errors"
	"fmt"
)

// Error kinds. The api package maps them to HTTP statuses with errors.Is.
var (
	// ErrInvalid reports a request that fails validation; the error text is
	// safe to show to the caller.
	ErrInvalid = errors.New("ca: invalid request")
	// ErrNotFound reports an unknown certificate, credential or issuer.
	ErrNotFound = errors.New("ca: not found")
	// ErrConflict reports an operation the current state does not allow,
	// such as revoking a revoked certificate.
	ErrConflict = errors.New("ca: conflict")
	// ErrLint reports that a certificate failed linting; nothing was
	// signed or stored.
	ErrLint = errors.New("ca: certificate failed lint")
	// ErrVaultUnavailable reports that Vault is sealed, unreachable or too
	// slow; the caller may retry later.
	ErrVaultUnavailable = errors.New("ca: vault unavailable")
	// ErrStoreUnavailable reports that the database is unreachable or
	// locked; the caller may retry later.
	ErrStoreUnavailable = errors.New("ca: database unavailable")
	// ErrNotReady reports that the CA has no active issuing CA yet (for
	// example, an external chain has not been imported).
	ErrNotReady = errors.New("ca: no active issuing CA")
	// ErrCredentialRetired reports that the credential an Issue was asked
	// to finish (Request.CredentialID) was retired before it got a
	// certificate; the request must start again with a new credential ID.
	// It matches ErrConflict too.
	ErrCredentialRetired = fmt.Errorf("%w: credential retired before its first certificate", ErrConflict)
	// ErrClientCert reports a TLS client certificate kyso does not accept
	// as a client system's identity: not issued by kyso's tls-client
	// profile, revoked, expired, or without a client ID. The error text
	// says which and is safe to show to the certificate's holder.
	ErrClientCert = errors.New("ca: client certificate not accepted")
)

// FieldError is a validation failure of one request field. It matches
// ErrInvalid with errors.Is.
type FieldError struct {
	Field   string // JSON name of the field, e.g. "subject.cccd"
	Message string // human-readable, safe to return to the caller
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// Is reports whether target is ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}
