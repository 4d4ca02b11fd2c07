package keys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/hashicorp/vault/api"

	"github.com/kyso-vn/kyso/errkind"
)

// Error kinds. Errors returned by this package wrap at most one of them;
// test with errors.Is. They are errkind errors: ErrUnavailable of kind
// errkind.Unavailable (an HTTP API answers 503), the others
// errkind.Internal, since what they mean to a client depends on the caller
// (ca turns a missing key into its own error).
var (
	// ErrUnavailable means Vault could not serve the request: it is sealed,
	// unreachable, timed out, rate-limited or answered with a 5xx status.
	// The request may succeed later; an HTTP API maps it to 503.
	ErrUnavailable = errkind.New(errkind.Unavailable, "keys: vault unavailable")
	// ErrNotFound means the key, or the requested version of it, does not
	// exist.
	ErrNotFound = errkind.New(errkind.Internal, "keys: key not found")
	// ErrInvalid means the request was rejected as malformed: a bad key
	// name, key type, version, digest length or unsupported signer options.
	ErrInvalid = errkind.New(errkind.Internal, "keys: invalid request")
	// ErrForbidden means Vault denied the request (HTTP 403), or rejected
	// the credentials given to Login.
	ErrForbidden = errkind.New(errkind.Internal, "keys: permission denied")
	// ErrConflict means Create found a key of the same name that differs
	// from the one requested (type, or exportability).
	ErrConflict = errkind.New(errkind.Internal, "keys: key exists with different type")
	// ErrIntegrity means Vault's answer could not be trusted: a signature
	// made with another key version than the pinned one, a signature that
	// does not verify against the pinned public key, or a malformed
	// response. It is never the caller's fault.
	ErrIntegrity = errkind.New(errkind.Internal, "keys: vault response failed integrity check")
)

// vaultError is a failure reported by Vault or by the transport to it,
// classified into one of the package's error kinds. It unwraps to both the
// kind and the original error (for example an *api.ResponseError).
type vaultError struct {
	kind error
	err  error
}

func (e *vaultError) Error() string { return e.kind.Error() + " (" + describe(e.err) + ")" }

func (e *vaultError) Unwrap() []error { return []error{e.kind, e.err} }

// describe summarises err on one line; Vault's ResponseError text spans
// several.
func describe(err error) string {
	var re *api.ResponseError
	if errors.As(err, &re) {
		if len(re.Errors) == 0 {
			return fmt.Sprintf("vault: HTTP %d", re.StatusCode)
		}
		msgs := make([]string, len(re.Errors))
		for i, m := range re.Errors {
			msgs[i] = strings.Join(strings.Fields(m), " ")
		}
		return fmt.Sprintf("vault: HTTP %d: %s", re.StatusCode, strings.Join(msgs, "; "))
	}
	return err.Error()
}

// classify wraps err, returned by a Vault call made under callCtx, with the
// error kind it belongs to. Errors of no known kind, and the caller's own
// cancellation, are returned unchanged.
func classify(callCtx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(callCtx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return &vaultError{ErrUnavailable, err}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var re *api.ResponseError
	if errors.As(err, &re) {
		if kind := responseKind(re); kind != nil {
			return &vaultError{kind, err}
		}
		return err
	}
	if isTransportError(err) {
		return &vaultError{ErrUnavailable, err}
	}
	return err
}

// responseKind maps a Vault error response to an error kind, or nil.
func responseKind(re *api.ResponseError) error {
	switch {
	case re.StatusCode == 404:
		return ErrNotFound
	case re.StatusCode == 403:
		return ErrForbidden
	case re.StatusCode == 429 || re.StatusCode >= 500:
		return ErrUnavailable
	case re.StatusCode == 400:
		// Transit answers 400, not 404, when signing with or rotating a
		// missing key ("signing key not found", "key not found"). There is
		// no structured code to test, so the message is checked.
		for _, msg := range re.Errors {
			if strings.Contains(msg, "key not found") || strings.Contains(msg, "no existing key named") {
				return ErrNotFound
			}
		}
		return ErrInvalid
	}
	for _, msg := range re.Errors {
		if strings.Contains(msg, "Vault is sealed") {
			return ErrUnavailable
		}
	}
	return nil
}

// isTransportError reports whether err means Vault could not be reached or
// the connection broke: refused, reset, DNS, closed mid-response.
func isTransportError(err error) bool {
	var (
		urlErr *url.Error
		opErr  *net.OpError
	)
	return errors.As(err, &urlErr) ||
		errors.As(err, &opErr) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}

// invalidf returns an error of kind ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// integrityf returns an error of kind ErrIntegrity.
func integrityf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIntegrity, fmt.Sprintf(format, args...))
}
