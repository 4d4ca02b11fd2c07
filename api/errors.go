package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/errkind"
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
	// CodeHolderHasCertificate: the citizen already holds an active
	// certificate (one per CCCD).
	CodeHolderHasCertificate = "holder_has_certificate"
	CodeLintFailed           = "lint_failed"
	CodeVaultUnavailable     = "vault_unavailable"
	CodeDBUnavailable        = "database_unavailable"
	CodeStorageFull          = "storage_full"
	CodeCANotReady           = "ca_not_ready"
	CodeRevocation           = "revocation_unavailable"
	CodeNotReady             = "not_ready"
	CodeInternal             = "internal_error"
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

// answer is how the API answers one kind of error: its HTTP status, its
// stable code and, for the kinds whose details are never the client's
// business, the one message shown whatever the error says.
type answer struct {
	status int
	code   string
	msg    string
}

// msgInternal is the message of every unexpected failure.
const msgInternal = "internal error; quote the request id when reporting it"

// answers maps every errkind.Kind to its answer; TestRenderEveryKind fails
// when a kind is missing. docs/errors.md explains each code.
var answers = map[errkind.Kind]answer{
	errkind.Internal:              {http.StatusInternalServerError, CodeInternal, msgInternal},
	errkind.Invalid:               {http.StatusBadRequest, CodeInvalidRequest, ""},
	errkind.Malformed:             {http.StatusBadRequest, CodeMalformedJSON, ""},
	errkind.IdempotencyKeyInvalid: {http.StatusBadRequest, CodeIdempotencyKeyInvalid, ""},
	errkind.Unauthorized:          {http.StatusUnauthorized, CodeUnauthorized, ""},
	errkind.Forbidden:             {http.StatusForbidden, CodeForbidden, ""},
	errkind.Consent:               {http.StatusForbidden, CodeConsentFailed, ""},
	// The message says until when this client is locked out (auth.Factors).
	errkind.Locked:                {http.StatusForbidden, CodeLocked, ""},
	errkind.NotFound:              {http.StatusNotFound, CodeNotFound, ""},
	errkind.MethodNotAllowed:      {http.StatusMethodNotAllowed, CodeMethodNotAllowed, ""},
	errkind.Conflict:              {http.StatusConflict, CodeConflict, ""},
	errkind.CredentialUnusable:    {http.StatusConflict, CodeCredentialBusy, ""},
	errkind.IdempotencyInProgress: {http.StatusConflict, CodeIdempotencyInProgress, ""},
	errkind.IdempotencyNotKept:    {http.StatusConflict, CodeIdempotencyNotKept, ""},
	errkind.HolderHasCertificate:  {http.StatusConflict, CodeHolderHasCertificate, ""},
	errkind.TooLarge:              {http.StatusRequestEntityTooLarge, CodeBodyTooLarge, ""},
	errkind.UnsupportedMedia:      {http.StatusUnsupportedMediaType, CodeUnsupportedMedia, ""},
	errkind.LintFailed:            {http.StatusUnprocessableEntity, CodeLintFailed, ""},
	errkind.InvalidDocument:       {http.StatusUnprocessableEntity, CodeInvalidDoc, ""},
	errkind.Unreadable:            {http.StatusUnprocessableEntity, CodeUnreadable, ""},
	errkind.IdempotencyKeyReused:  {http.StatusUnprocessableEntity, CodeIdempotencyKeyReused, ""},
	errkind.RateLimited:           {http.StatusTooManyRequests, CodeRateLimited, ""},
	errkind.TooMany:               {http.StatusTooManyRequests, CodeTooManyInFlight, ""},
	errkind.Busy:                  {http.StatusServiceUnavailable, CodeBusy, ""},
	errkind.Unavailable: {http.StatusServiceUnavailable, CodeVaultUnavailable,
		"the key vault is unavailable (sealed or unreachable); try again later"},
	errkind.DBUnavailable: {http.StatusServiceUnavailable, CodeDBUnavailable,
		"the database is unavailable; try again later"},
	// The database cannot grow, or a temporary file for a document cannot
	// be written: nothing was stored.
	errkind.Full: {http.StatusInsufficientStorage, CodeStorageFull,
		"the server is out of storage space; try again after its operators have freed some"},
	errkind.CANotReady: {http.StatusServiceUnavailable, CodeCANotReady,
		"the CA has no active issuing CA yet (import the external chain or bootstrap the CA)"},
	// The message names the certificate and the sources tried: the
	// operators' to-do list, nothing secret.
	errkind.RevocationUnavailable: {http.StatusServiceUnavailable, CodeRevocation, ""},
	errkind.NotConfigured:         {http.StatusServiceUnavailable, CodeNotConfigured, ""},
	errkind.NotReady:              {http.StatusServiceUnavailable, CodeNotReady, ""},
	errkind.IdempotencyEvicted:    {http.StatusGone, CodeIdempotencyEvicted, ""},
}

// msgOutOfTime answers a request that ran out of its time.
const msgOutOfTime = "the request took longer than this server allows; try again shortly (hệ thống đang bận, vui lòng thử lại)"

// renderError is the one error renderer. Client errors carry their message;
// server errors are logged with the request id and answered with a generic
// message that leaks nothing internal.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := classify(err)
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

// classify answers err by its kind (errkind.Find): the status and code of
// the kind, the error's Msg and Field. An error of no kind is internal.
//
// An error of no kind that is the request running out of its time
// (context.DeadlineExceeded: http.request_timeout passed while the server
// waited on the database or another backend) is Busy, 503 with
// Retry-After: the server was too slow, not wrong, and a retry (with the
// same Idempotency-Key) is safe.
func classify(err error) (int, errorDetail) {
	e := errkind.Find(err)
	switch {
	case e == nil && errors.Is(err, context.DeadlineExceeded):
		e = &errkind.Error{Kind: errkind.Busy, Msg: msgOutOfTime}
	case e == nil:
		e = &errkind.Error{Kind: errkind.Internal}
	}
	a, ok := answers[e.Kind]
	if !ok {
		a = answers[errkind.Internal]
	}
	d := errorDetail{Code: a.code, Message: a.msg}
	if d.Message == "" {
		d.Message, d.Field = e.Msg, e.Field
	}
	if d.Message == "" {
		d.Message = msgInternal
	}
	return a.status, d
}

// classifyDetail is classify as kit.Kit lends it.
func classifyDetail(err error) (int, any) { return classify(err) }

func writeJSON(w http.ResponseWriter, status int, v any) { kit.WriteJSON(w, status, v) }

// discardLogger is used when Config.Logger is nil.
var discardLogger = slog.New(slog.DiscardHandler)
