package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"syscall"

	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/ca"
	// keys is imported for its ErrUnavailable sentinel only: a signature
	// made with a Vault key can fail with it below any domain package.
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/store"
)

// Error codes are stable: clients switch on them. docs/errors.md lists them.
const (
	CodeInvalidRequest   = "invalid_request"
	CodeMalformedJSON    = "malformed_json"
	CodeBodyTooLarge     = "body_too_large"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeUnauthorized     = "unauthorized"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeLintFailed       = "lint_failed"
	CodeVaultUnavailable = "vault_unavailable"
	CodeDBUnavailable    = "database_unavailable"
	CodeStorageFull      = "storage_full"
	CodeCANotReady       = "ca_not_ready"
	CodeRevocation       = "revocation_unavailable"
	CodeNotReady         = "not_ready"
	CodeInternal         = "internal_error"
)

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// apiError is an error with a status and code decided by a handler.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.message }

func badRequest(code, msg string) error { return &apiError{http.StatusBadRequest, code, msg} }

// renderError is the one error renderer. Client errors carry their message;
// server errors are logged with the request id and answered with a generic
// message that leaks nothing internal.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.classify(err)
	body.RequestID = requestID(r.Context())
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", body.RequestID,
			"method", r.Method, "path", r.URL.Path, "status", status, "code", body.Code, "err", err)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, errorBody{Error: body})
}

func (s *Server) classify(err error) (int, errorDetail) {
	var ae *apiError
	var fe *ca.FieldError
	switch {
	case errors.As(err, &ae):
		return ae.status, errorDetail{Code: ae.code, Message: ae.message}
	case errors.As(err, &fe):
		return http.StatusBadRequest, errorDetail{Code: CodeInvalidRequest, Message: fe.Error(), Field: fe.Field}
	case errors.Is(err, signer.ErrInvalid), errors.Is(err, auth.ErrInvalidClient), errors.Is(err, auth.ErrInvalidPIN):
		return http.StatusBadRequest, errorDetail{Code: CodeInvalidRequest, Message: userMessage(err, signer.ErrInvalid)}
	case errors.Is(err, keys.ErrUnavailable):
		// A Vault failure deep in a signature (the signer is a Vault key).
		return http.StatusServiceUnavailable, errorDetail{Code: CodeVaultUnavailable, Message: "the key vault is unavailable (sealed or unreachable); try again later"}
	case errors.Is(err, auth.ErrLocked):
		return http.StatusForbidden, errorDetail{Code: CodeLocked, Message: "the credential is locked after too many wrong PINs; an administrator must unlock it (tài khoản bị khóa do nhập sai PIN quá nhiều lần)"}
	case errors.Is(err, signer.ErrConsent):
		return http.StatusForbidden, errorDetail{Code: CodeConsentFailed, Message: consentMessage(err)}
	case errors.Is(err, signer.ErrForbidden):
		return http.StatusForbidden, errorDetail{Code: CodeForbidden, Message: userMessage(err, signer.ErrForbidden)}
	case errors.Is(err, signer.ErrDocument):
		return http.StatusUnprocessableEntity, errorDetail{Code: CodeInvalidDoc, Message: userMessage(err, signer.ErrDocument)}
	case errors.Is(err, signer.ErrCredential):
		return http.StatusConflict, errorDetail{Code: CodeCredentialBusy, Message: userMessage(err, signer.ErrCredential)}
	case errors.Is(err, ca.ErrInvalid):
		return http.StatusBadRequest, errorDetail{Code: CodeInvalidRequest, Message: err.Error()}
	case errors.Is(err, auth.ErrUnauthorized):
		return http.StatusUnauthorized, errorDetail{Code: CodeUnauthorized, Message: "a valid admin token is required: Authorization: Bearer <token>"}
	case errors.Is(err, ca.ErrNotFound):
		return http.StatusNotFound, errorDetail{Code: CodeNotFound, Message: userMessage(err, ca.ErrNotFound)}
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, errorDetail{Code: CodeNotFound, Message: "no such credential or record"}
	case errors.Is(err, ca.ErrConflict):
		return http.StatusConflict, errorDetail{Code: CodeConflict, Message: userMessage(err, ca.ErrConflict)}
	case errors.Is(err, ca.ErrLint):
		return http.StatusUnprocessableEntity, errorDetail{Code: CodeLintFailed, Message: userMessage(err, ca.ErrLint)}
	case errors.Is(err, ca.ErrVaultUnavailable):
		return http.StatusServiceUnavailable, errorDetail{Code: CodeVaultUnavailable, Message: "the key vault is unavailable (sealed or unreachable); try again later"}
	case errors.Is(err, store.ErrFull), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		// The database cannot grow, or a temporary file for a document
		// cannot be written: nothing was stored. Before the database
		// case, which store.ErrFull also matches.
		return http.StatusInsufficientStorage, errorDetail{Code: CodeStorageFull, Message: "the server is out of storage space; try again after its operators have freed some"}
	case errors.Is(err, ca.ErrStoreUnavailable), errors.Is(err, store.ErrUnavailable):
		return http.StatusServiceUnavailable, errorDetail{Code: CodeDBUnavailable, Message: "the database is unavailable; try again later"}
	case errors.Is(err, ca.ErrRevocationUnavailable):
		return http.StatusServiceUnavailable, errorDetail{Code: CodeRevocation, Message: userMessage(err, ca.ErrRevocationUnavailable)}
	case errors.Is(err, ca.ErrNotReady):
		return http.StatusServiceUnavailable, errorDetail{Code: CodeCANotReady, Message: "the CA has no active issuing CA yet (import the external chain or bootstrap the CA)"}
	default:
		return http.StatusInternalServerError, errorDetail{Code: CodeInternal, Message: "internal error; quote the request id when reporting it"}
	}
}

// consentMessage says why holder consent failed without revealing anything
// about the PIN beyond the attempts left.
func consentMessage(err error) string {
	var pe *auth.PINError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("wrong PIN (sai mã PIN); %d attempts left", auth.MaxPINFailures-pe.Failures)
	case errors.Is(err, auth.ErrNoPIN):
		return "the credential has no PIN yet; an administrator sets it (POST /v1/credentials/{id}/pin)"
	}
	return userMessage(err, signer.ErrConsent)
}

// internalPrefixes are the error-kind texts that wrap client errors on
// their way up; they mean nothing to a caller and are removed.
var internalPrefixes = []string{
	"ca: invalid request: ", "ca: conflict: ", "ca: not found: ", "ca: certificate failed lint: ",
	"signer: invalid request: ", "signer: forbidden: ", "signer: holder consent failed: ",
	"signer: document rejected: ", "signer: credential cannot sign: ",
	"pades: sign: ", "pades: invalid request: ", "pades: document does not allow this signature: ",
	"pades: unsupported document or key: ", "pades: certificate revoked: ",
	"ca: revocation data unavailable: ",
	"cms: invalid request: ", "auth: invalid client: ", "auth: PIN does not meet the rules: ",
	"appearance: ",
}

// userMessage is the text of a client error without the internal
// error-kind prefixes ("ca: conflict: ", "pades: sign: ", ...).
func userMessage(err, sentinel error) string {
	msg := err.Error()
	for changed := true; changed; {
		changed = false
		for _, p := range append([]string{sentinel.Error() + ": "}, internalPrefixes...) {
			if i := strings.Index(msg, p); i >= 0 {
				msg = msg[:i] + msg[i+len(p):]
				changed = true
			}
		}
	}
	return msg
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// discardLogger is used when Config.Logger is nil.
var discardLogger = slog.New(slog.DiscardHandler)
