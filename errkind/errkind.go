// Package errkind is kyso's one vocabulary of error kinds. A package that
// returns an error a caller must act on makes it an *Error of a Kind; the
// HTTP API maps each Kind to one status and one stable code, and shows the
// error's Msg, which is written for the client (and never holds internal
// detail). The wrapped cause, Err, is for logs.
//
// Packages keep their exported sentinels (ca.ErrNotFound, keys.ErrUnavailable,
// ...) as *Error values and derive detailed errors from them with
// (*Error).Errorf, so that errors.Is(err, ca.ErrNotFound) keeps working and
// the client's message is the detail alone, with no package prefix to strip.
//
// errkind imports only the standard library: every package may use it.
package errkind

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what kind of failure an error is, from the caller's point of
// view. The zero Kind is Internal.
type Kind int

// The kinds. Each is answered with one HTTP status and code (api/errors.go,
// docs/errors.md); a new kind needs a mapping there, which a test checks.
const (
	// Internal is a failure that is not the caller's to act on: a bug, an
	// integrity check that failed, an unclassified error. The API answers
	// 500 and shows nothing of it.
	Internal Kind = iota
	// Invalid: a field or parameter fails validation (400).
	Invalid
	// Malformed: the body, or the options part, is not the expected JSON (400).
	Malformed
	// IdempotencyKeyInvalid: an unacceptable Idempotency-Key header (400).
	IdempotencyKeyInvalid
	// Unauthorized: a missing or unknown admin token, API key or client
	// certificate (401).
	Unauthorized
	// Forbidden: the caller may not use this credential (403).
	Forbidden
	// Consent: the holder's consent (PIN) is missing or wrong (403).
	Consent
	// Locked: too many wrong PINs locked the credential (403).
	Locked
	// NotFound: no such record, certificate, credential, issuer or route (404).
	NotFound
	// MethodNotAllowed: the path exists, the method does not (405).
	MethodNotAllowed
	// Conflict: the current state forbids the operation (409).
	Conflict
	// CredentialUnusable: the credential cannot sign now, e.g. a certificate
	// of its chain is revoked (409).
	CredentialUnusable
	// IdempotencyInProgress: a request with the same Idempotency-Key is
	// still being done (409).
	IdempotencyInProgress
	// IdempotencyNotKept: the request with this Idempotency-Key succeeded,
	// but its answer was too large to keep (409).
	IdempotencyNotKept
	// HolderHasCertificate: the holder (a citizen's CCCD) already has an
	// active certificate; it must be revoked, or rotated or renewed,
	// rather than a second one issued (409).
	HolderHasCertificate
	// TooLarge: the body or a document exceeds a limit (413).
	TooLarge
	// UnsupportedMedia: the wrong media type (415).
	UnsupportedMedia
	// LintFailed: a certificate would break a standard; nothing was signed (422).
	LintFailed
	// InvalidDocument: the document does not allow the signature asked for (422).
	InvalidDocument
	// Unreadable: the upload is not a signed document kyso can read (422).
	Unreadable
	// IdempotencyKeyReused: an Idempotency-Key was used for another request (422).
	IdempotencyKeyReused
	// RateLimited: too many requests from this address (429).
	RateLimited
	// TooMany: too many requests of this client in progress (429).
	TooMany
	// Busy: every worker stayed taken, or the work took too long (503).
	Busy
	// Unavailable: the key vault is sealed, unreachable or too slow (503).
	Unavailable
	// DBUnavailable: the database is unreachable or locked (503).
	DBUnavailable
	// Full: the disk under the database or the temporary files is full (507).
	Full
	// CANotReady: there is no active issuing CA yet (503).
	CANotReady
	// RevocationUnavailable: no current revocation data for kyso's issuing
	// CA from the external CA (503).
	RevocationUnavailable
	// NotConfigured: this kyso has no service for the operation (503).
	NotConfigured
	// NotReady: a readiness check failed (503).
	NotReady
	// IdempotencyEvicted: the request with this Idempotency-Key succeeded,
	// but its answer was dropped to keep the caller's kept answers within
	// their quota (410).
	IdempotencyEvicted

	numKinds // keep last
)

var kindNames = [...]string{
	Internal: "internal", Invalid: "invalid", Malformed: "malformed",
	IdempotencyKeyInvalid: "idempotency key invalid", Unauthorized: "unauthorized",
	Forbidden: "forbidden", Consent: "consent", Locked: "locked", NotFound: "not found",
	MethodNotAllowed: "method not allowed", Conflict: "conflict",
	CredentialUnusable: "credential unusable", IdempotencyInProgress: "idempotency in progress",
	IdempotencyNotKept: "idempotency answer not kept", HolderHasCertificate: "holder has a certificate",
	TooLarge:         "too large",
	UnsupportedMedia: "unsupported media type", LintFailed: "lint failed",
	InvalidDocument: "invalid document", Unreadable: "unreadable",
	IdempotencyKeyReused: "idempotency key reused", RateLimited: "rate limited",
	TooMany: "too many in progress", Busy: "busy", Unavailable: "vault unavailable",
	DBUnavailable: "database unavailable", Full: "storage full", CANotReady: "CA not ready",
	RevocationUnavailable: "revocation unavailable", NotConfigured: "not configured",
	NotReady: "not ready", IdempotencyEvicted: "idempotency answer evicted",
}

// String names the kind, for logs and test messages.
func (k Kind) String() string {
	if k >= 0 && k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Kinds returns every kind, Internal first.
func Kinds() []Kind {
	ks := make([]Kind, numKinds)
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}

// Error is an error of a Kind.
type Error struct {
	Kind Kind
	// Field is the JSON name of the request field at fault (dotted for a
	// nested one, "subject.cccd"), or "".
	Field string
	// Msg is the text the client is shown: what is wrong, with no package
	// prefix and nothing internal.
	Msg string
	// Err is the cause, for logs and errors.Is/As; nil for a sentinel.
	Err error
}

// Error is the text for logs: the cause's text when there is one, else Msg.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k whose text, for the client and for logs,
// is msg. Packages declare their sentinels with it.
func New(k Kind, msg string) *Error { return &Error{Kind: k, Msg: msg} }

// Wrap returns an error of kind k that shows msg to the client and keeps
// err as its cause (and its log text).
func Wrap(k Kind, err error, msg string) *Error { return &Error{Kind: k, Msg: msg, Err: err} }

// InvalidField returns an Invalid error about one request field; the
// client is shown "field: msg".
func InvalidField(field, msg string) *Error {
	return &Error{Kind: Invalid, Field: field, Msg: field + ": " + msg}
}

// Errorf returns an error of e's kind that matches e with errors.Is. Its
// log text is what fmt.Errorf("%w: "+format, e, args...) gives; its Msg is
// the formatted detail alone, in which each error operand (%w or %v)
// contributes its own client message (see Message), not its log text.
func (e *Error) Errorf(format string, args ...any) *Error {
	return e.derive("", format, args)
}

// Fieldf is Errorf for an error about one request field: the client is
// shown "field: detail", and Field is set.
func (e *Error) Fieldf(field, format string, args ...any) *Error {
	return e.derive(field, format, args)
}

func (e *Error) derive(field, format string, args []any) *Error {
	user := make([]any, len(args))
	for i, a := range args {
		if err, ok := a.(error); ok {
			a = message{err}
		}
		user[i] = a
	}
	msg := fmt.Sprintf(strings.ReplaceAll(format, "%w", "%v"), user...)
	var cause error
	if field != "" {
		msg = field + ": " + msg
		cause = fmt.Errorf("%w: %s: "+format, append([]any{e, field}, args...)...)
	} else {
		cause = fmt.Errorf("%w: "+format, append([]any{e}, args...)...)
	}
	return &Error{Kind: e.Kind, Field: field, Msg: msg, Err: cause}
}

// message formats an error as its client message.
type message struct{ err error }

func (m message) String() string { return Message(m.err) }

// Message returns the client's text of err: the Msg of the outermost
// *Error in its chain, or else err's own text.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}

// Find returns the *Error that decides err's kind: the outermost *Error in
// its chain (in errors.As order) whose Kind is not Internal, or else the
// outermost *Error; nil when there is none. An Internal error that wraps
// a cause with a kind (an integrity failure around a Vault that went
// away) is of the cause's kind: the caller can act on that.
func Find(err error) *Error {
	var first *Error
	var walk func(error) *Error
	walk = func(err error) *Error {
		for err != nil {
			if e, ok := err.(*Error); ok {
				if e.Kind != Internal {
					return e
				}
				if first == nil {
					first = e
				}
			}
			switch u := err.(type) {
			case interface{ Unwrap() []error }:
				for _, inner := range u.Unwrap() {
					if e := walk(inner); e != nil {
						return e
					}
				}
				return nil
			case interface{ Unwrap() error }:
				err = u.Unwrap()
			default:
				return nil
			}
		}
		return nil
	}
	if e := walk(err); e != nil {
		return e
	}
	return first
}

// KindOf returns the kind of err (see Find); Internal when err has none.
func KindOf(err error) Kind {
	if e := Find(err); e != nil {
		return e.Kind
	}
	return Internal
}
