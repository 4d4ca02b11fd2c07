package csc

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/kyso-vn/kyso/errkind"
)

// CSC error names (CSC API v2.0.0.2, 11.1 and the RFC 6749 names it
// takes). A client switches on them; docs/remote-signing.md lists them.
const (
	ErrInvalidRequest = "invalid_request"
	ErrInvalidClient  = "invalid_client"
	ErrInvalidGrant   = "invalid_grant"
	ErrUnsupported    = "unsupported_grant_type"
	ErrInvalidToken   = "invalid_token"
	ErrAccessDenied   = "access_denied"
	ErrLocked         = "credential_locked"
	ErrExpired        = "expired_transaction"
	ErrTooLarge       = "request_too_large"
	ErrUnavailable    = "temporarily_unavailable"
	ErrServer         = "server_error"
)

// Error is an answer in CSC's error form.
type Error struct {
	Status      int    `json:"-"`
	Name        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *Error) Error() string { return "csc: " + e.Name + ": " + e.Description }

func cscError(status int, name, desc string) *Error {
	return &Error{Status: status, Name: name, Description: desc}
}

func badRequest(desc string) *Error { return cscError(http.StatusBadRequest, ErrInvalidRequest, desc) }

// kindAnswers maps kyso's error kinds to CSC's names. A kind missing here
// is a server_error (500) whose text is logged, never shown.
var kindAnswers = map[errkind.Kind]struct {
	status int
	name   string
}{
	errkind.Invalid:               {http.StatusBadRequest, ErrInvalidRequest},
	errkind.Malformed:             {http.StatusBadRequest, ErrInvalidRequest},
	errkind.Unauthorized:          {http.StatusUnauthorized, ErrInvalidToken},
	errkind.Forbidden:             {http.StatusForbidden, ErrAccessDenied},
	errkind.Consent:               {http.StatusBadRequest, ErrInvalidGrant},
	errkind.Locked:                {http.StatusForbidden, ErrLocked},
	errkind.NotFound:              {http.StatusBadRequest, ErrInvalidRequest},
	errkind.Conflict:              {http.StatusBadRequest, ErrInvalidRequest},
	errkind.CredentialUnusable:    {http.StatusBadRequest, ErrInvalidRequest},
	errkind.TooLarge:              {http.StatusRequestEntityTooLarge, ErrTooLarge},
	errkind.UnsupportedMedia:      {http.StatusUnsupportedMediaType, ErrInvalidRequest},
	errkind.InvalidDocument:       {http.StatusBadRequest, ErrInvalidRequest},
	errkind.Unreadable:            {http.StatusBadRequest, ErrInvalidRequest},
	errkind.RateLimited:           {http.StatusTooManyRequests, ErrUnavailable},
	errkind.TooMany:               {http.StatusTooManyRequests, ErrUnavailable},
	errkind.Busy:                  {http.StatusServiceUnavailable, ErrUnavailable},
	errkind.Unavailable:           {http.StatusServiceUnavailable, ErrUnavailable},
	errkind.DBUnavailable:         {http.StatusServiceUnavailable, ErrUnavailable},
	errkind.NotConfigured:         {http.StatusServiceUnavailable, ErrUnavailable},
	errkind.Full:                  {http.StatusServiceUnavailable, ErrUnavailable},
	errkind.CANotReady:            {http.StatusServiceUnavailable, ErrUnavailable},
	errkind.RevocationUnavailable: {http.StatusServiceUnavailable, ErrUnavailable},
	errkind.NotReady:              {http.StatusServiceUnavailable, ErrUnavailable},
	errkind.HolderHasCertificate:  {http.StatusBadRequest, ErrInvalidRequest},
}

// classify turns any error into its CSC answer: an *Error as it is, a kyso
// error by its kind (with its client message), anything else a
// server_error that shows nothing of it.
func classify(err error) *Error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	k := errkind.KindOf(err)
	if a, ok := kindAnswers[k]; ok {
		return cscError(a.status, a.name, errkind.Message(err))
	}
	return cscError(http.StatusInternalServerError, ErrServer, "internal error; quote the X-Request-Id header when reporting it")
}

// render writes err in CSC's error form; a 5xx is logged with its cause.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, err error) {
	e := classify(err)
	if e.Status >= 500 {
		h.log.Log(r.Context(), slog.LevelError, "csc request failed", "request_id", w.Header().Get("X-Request-Id"),
			"path", r.URL.Path, "status", e.Status, "error", e.Name, "err", err)
	}
	if e.Status == http.StatusServiceUnavailable || e.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "5")
	}
	if e.Name == ErrInvalidToken || e.Name == ErrInvalidClient {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kyso-csc", error="invalid_token"`)
	}
	writeJSON(w, e.Status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
