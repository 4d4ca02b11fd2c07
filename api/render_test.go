package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/errkind"
)

// TestRenderEveryKind walks every errkind.Kind through the renderer: each
// has its status and stable code, so a new kind without a mapping, or a
// changed code, fails here. docs/errors.md documents the codes.
func TestRenderEveryKind(t *testing.T) {
	want := map[errkind.Kind]struct {
		status int
		code   string
	}{
		errkind.Internal:              {500, "internal_error"},
		errkind.Invalid:               {400, "invalid_request"},
		errkind.Malformed:             {400, "malformed_json"},
		errkind.IdempotencyKeyInvalid: {400, "idempotency_key_invalid"},
		errkind.Unauthorized:          {401, "unauthorized"},
		errkind.Forbidden:             {403, "forbidden"},
		errkind.Consent:               {403, "consent_failed"},
		errkind.Locked:                {403, "credential_locked"},
		errkind.NotFound:              {404, "not_found"},
		errkind.MethodNotAllowed:      {405, "method_not_allowed"},
		errkind.Conflict:              {409, "conflict"},
		errkind.CredentialUnusable:    {409, "credential_unusable"},
		errkind.IdempotencyInProgress: {409, "idempotency_in_progress"},
		errkind.IdempotencyNotKept:    {409, "idempotency_answer_not_kept"},
		errkind.TooLarge:              {413, "body_too_large"},
		errkind.UnsupportedMedia:      {415, "unsupported_media_type"},
		errkind.LintFailed:            {422, "lint_failed"},
		errkind.InvalidDocument:       {422, "invalid_document"},
		errkind.Unreadable:            {422, "unreadable_document"},
		errkind.IdempotencyKeyReused:  {422, "idempotency_key_reused"},
		errkind.RateLimited:           {429, "rate_limited"},
		errkind.TooMany:               {429, "too_many_requests_in_progress"},
		errkind.Busy:                  {503, "busy"},
		errkind.Unavailable:           {503, "vault_unavailable"},
		errkind.DBUnavailable:         {503, "database_unavailable"},
		errkind.Full:                  {507, "storage_full"},
		errkind.CANotReady:            {503, "ca_not_ready"},
		errkind.RevocationUnavailable: {503, "revocation_unavailable"},
		errkind.NotConfigured:         {503, "not_configured"},
		errkind.NotReady:              {503, "not_ready"},
		errkind.HolderHasCertificate:  {409, "holder_has_certificate"},
		errkind.IdempotencyEvicted:    {410, "idempotency_answer_evicted"},
	}
	s := New(Config{}, Deps{})
	codes := map[string]errkind.Kind{}
	for _, k := range errkind.Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			w, ok := want[k]
			if !ok {
				t.Fatalf("kind %v has no row in this test: give it a status and code in api/errors.go and docs/errors.md", k)
			}
			if _, ok := answers[k]; !ok {
				t.Fatalf("kind %v has no answer in api/errors.go", k)
			}
			if other, dup := codes[w.code]; dup {
				t.Errorf("kinds %v and %v share code %s", k, other, w.code)
			}
			codes[w.code] = k
			// A cause with internal text, under a message for the client.
			err := fmt.Errorf("handler: %w", errkind.Wrap(k, errors.New("sqlite: /var/lib/kyso/secret.db"), "what the client may read"))
			rec := httptest.NewRecorder()
			s.renderError(rec, httptest.NewRequest(http.MethodPost, "/v1/x", nil), err)
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != w.status || body.Error.Code != w.code {
				t.Errorf("renderError(kind %v) = %d %s, want %d %s", k, rec.Code, body.Error.Code, w.status, w.code)
			}
			if body.Error.Message == "" {
				t.Errorf("renderError(kind %v): no message", k)
			}
			if strings.Contains(rec.Body.String(), "sqlite") || strings.Contains(rec.Body.String(), "secret.db") {
				t.Errorf("renderError(kind %v) leaks the cause: %s", k, rec.Body)
			}
			if got := rec.Header().Get("Retry-After") != ""; got != (w.status == http.StatusServiceUnavailable) {
				t.Errorf("renderError(kind %v): Retry-After %q", k, rec.Header().Get("Retry-After"))
			}
		})
	}
}

// TestRenderMessage: the client reads the Msg (and Field) of the error of
// the deciding kind, never the log text; the internal kinds show a fixed
// message.
func TestRenderMessage(t *testing.T) {
	sentinel := errkind.New(errkind.Conflict, "ca: conflict")
	tests := []struct {
		name      string
		err       error
		wantMsg   string
		wantField string
	}{
		{"derived", fmt.Errorf("ca: revoke: %w", sentinel.Errorf("certificate %s is already revoked", "crt_x")),
			"certificate crt_x is already revoked", ""},
		{"field", errkind.InvalidField("subject.cccd", "must be exactly 12 digits"),
			"subject.cccd: must be exactly 12 digits", "subject.cccd"},
		{"sentinel alone", sentinel, "ca: conflict", ""},
		{"plain error", errors.New("pq: relation does not exist"), msgInternal, ""},
		{"internal kind", errkind.New(errkind.Internal, "keys: vault response failed integrity check"), msgInternal, ""},
		{"vault", errkind.New(errkind.Unavailable, "keys: vault unavailable (vault: HTTP 503)"),
			"the key vault is unavailable (sealed or unreachable); try again later", ""},
		{"out of time", fmt.Errorf("store: activate certificate crt_x: %w", context.DeadlineExceeded), msgOutOfTime, ""},
		{"canceled", fmt.Errorf("store: activate certificate crt_x: %w", context.Canceled), msgInternal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, d := classify(tt.err)
			if wantBusy := tt.wantMsg == msgOutOfTime; wantBusy != (status == http.StatusServiceUnavailable && d.Code == CodeBusy) {
				t.Errorf("classify(%v) = %d %s", tt.err, status, d.Code)
			}
			if d.Message != tt.wantMsg || d.Field != tt.wantField {
				t.Errorf("classify(%v) = message %q field %q, want %q %q", tt.err, d.Message, d.Field, tt.wantMsg, tt.wantField)
			}
		})
	}
}
