package ca

import (
	"errors"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/store"
)

// Error kinds, as errkind errors; test with errors.Is. The api package
// renders them by their errkind.Kind. Vault being sealed, unreachable or
// too slow is not one of them: it is the key custody's error, of kind
// errkind.Unavailable, passed on as it is (see MayPass).
var (
	// ErrInvalid reports a request that fails validation; the error text is
	// safe to show to the caller.
	ErrInvalid = errkind.New(errkind.Invalid, "ca: invalid request")
	// ErrNotFound reports an unknown certificate, credential or issuer.
	ErrNotFound = errkind.New(errkind.NotFound, "ca: not found")
	// ErrConflict reports an operation the current state does not allow,
	// such as revoking a revoked certificate.
	ErrConflict = errkind.New(errkind.Conflict, "ca: conflict")
	// ErrLint reports that a certificate failed linting; nothing was
	// signed or stored.
	ErrLint = errkind.New(errkind.LintFailed, "ca: certificate failed lint")
	// ErrStoreUnavailable reports that the database is unreachable, locked
	// or full; the caller may retry later. It is store.ErrUnavailable
	// (store.ErrFull matches it too).
	ErrStoreUnavailable = store.ErrUnavailable
	// ErrNotReady reports that the CA has no active issuing CA yet (for
	// example, an external chain has not been imported).
	ErrNotReady = errkind.New(errkind.CANotReady, "ca: no active issuing CA")
	// ErrCredentialRetired reports that the credential an Issue was asked
	// to finish (Request.CredentialID) was retired before it got a
	// certificate; the request must start again with a new credential ID.
	// It matches ErrConflict too.
	ErrCredentialRetired = ErrConflict.Errorf("credential retired before its first certificate")
	// ErrHolderHasCertificate reports an issuance for a holder that
	// already has an active credential: one citizen (CCCD) holds one
	// active citizen certificate; the old one must be revoked first, or
	// rotated or renewed instead (issue #14).
	ErrHolderHasCertificate = errkind.New(errkind.HolderHasCertificate, "ca: holder already has an active certificate")
	// ErrClientCert reports a TLS client certificate kyso does not accept
	// as a client system's identity: not issued by kyso's tls-client
	// profile, revoked, expired, or without a client ID. The error text
	// says which and is safe to show to the certificate's holder.
	ErrClientCert = errkind.New(errkind.Unauthorized, "ca: client certificate not accepted")
)

// invalid returns a validation failure of one request field: an
// *errkind.Error whose Field is the field's JSON name (e.g.
// "subject.cccd"), matching ErrInvalid.
func invalid(field, format string, args ...any) error {
	return ErrInvalid.Fieldf(field, format, args...)
}

// MayPass reports whether err is a failure a retry may overcome: Vault
// (errkind.Unavailable) or the database (ErrStoreUnavailable) unavailable
// or too slow.
func MayPass(err error) bool {
	return errkind.KindOf(err) == errkind.Unavailable || errors.Is(err, ErrStoreUnavailable)
}
