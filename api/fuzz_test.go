package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
)

// FuzzDecodeJSON sends arbitrary bodies and Content-Types through
// decodeJSON into the issue request's body type. It must never panic; a
// refusal is an *errkind.Error for a client mistake (400 malformed_json, 413
// body_too_large, 415 unsupported_media_type); and what it accepts is one
// JSON value and nothing else, or, when allowEmpty, a body of JSON
// whitespace only.
func FuzzDecodeJSON(f *testing.F) {
	const maxBody = 4 << 10
	s := New(Config{MaxBodyBytes: maxBody}, Deps{})

	for _, seed := range []struct {
		ct         string
		body       string
		allowEmpty bool
	}{
		{"application/json", `{"profile":"citizen","subject":{"name":"Nguyễn Văn An","cccd":"001099012345","locality":"Hà Nội","province":"Hà Nội"},"pin":"123456"}`, false},
		{"application/json; charset=utf-8", `{"profile":"official","key_type":"ec-p256","subject":{"name":"Trần Thị B","title":"Chuyên viên","organization":"Sở Tư pháp","email":"b@example.vn"}}`, false},
		{"", `{"profile":"organization","subject":{"organization":"Công ty A","tax_code":"0101234567-001"}}`, false},
		{"application/json", `{}`, true},
		{"application/json", "", true},
		{"application/json", " \t\r\n", false},
		{"application/json", `{"profile":"citizen","extra":1}`, false},
		{"application/json", `{"profile":1}`, false},
		{"application/json", `{"subject":{"name":"x"}} {}`, false},
		{"application/json", `{"profile":"citizen"`, false},
		{"application/json", `[1,2,3]`, false},
		{"application/json", `null`, false},
		{"text/plain", `{}`, false},
		{"application/json; charset=", `{}`, false},
		{"application/json", `{"pin":"` + strings.Repeat("9", maxBody) + `"}`, false},
	} {
		f.Add(seed.ct, []byte(seed.body), seed.allowEmpty)
	}

	f.Fuzz(func(t *testing.T, ct string, body []byte, allowEmpty bool) {
		r := httptest.NewRequest(http.MethodPost, "/v1/certificates", strings.NewReader(string(body)))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		var req struct {
			ca.Request
			PIN string `json:"pin"`
		}
		err := s.decodeJSON(httptest.NewRecorder(), r, &req, allowEmpty)
		if err == nil {
			trimmed := strings.Trim(string(body), " \t\r\n")
			switch {
			case trimmed == "" && !allowEmpty:
				t.Fatalf("decodeJSON(%q) accepted an empty body", body)
			case trimmed != "" && !json.Valid(body):
				t.Fatalf("decodeJSON(%q) accepted a body that is not one JSON value", body)
			}
			return
		}
		var ae *errkind.Error
		if !errors.As(err, &ae) {
			t.Fatalf("decodeJSON(%q) = %T %v, want an *errkind.Error", body, err, err)
		}
		status, detail := classify(err)
		switch {
		case status == http.StatusBadRequest && detail.Code == CodeMalformedJSON:
		case status == http.StatusRequestEntityTooLarge && detail.Code == CodeBodyTooLarge:
			if len(body) <= maxBody {
				t.Fatalf("decodeJSON of %d bytes = 413, limit is %d", len(body), maxBody)
			}
		case status == http.StatusUnsupportedMediaType && detail.Code == CodeUnsupportedMedia:
			if ct == "" {
				t.Fatal("415 without a Content-Type")
			}
		default:
			t.Fatalf("decodeJSON(%q) = %d %s %q, want 400 %s, 413 %s or 415 %s",
				body, status, detail.Code, detail.Message, CodeMalformedJSON, CodeBodyTooLarge, CodeUnsupportedMedia)
		}
	})
}
