package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestErrorShapes: every error is JSON with a stable code and a message,
// and nothing internal leaks.
func TestErrorShapes(t *testing.T) {
	s := newStack(t, stackOpts{})
	big := `{"profile":"citizen","subject":{"name":"` + strings.Repeat("a", 2<<20) + `"}}`
	tests := []struct {
		name       string
		method     string
		path       string
		ct         string
		body       any
		token      string
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"no token", "POST", "/v1/certificates", "application/json", citizenReq, "-", 401, "unauthorized", ""},
		{"wrong token", "GET", "/v1/certificates", "", nil, "kyso_adm_wrong", 401, "unauthorized", ""},
		{"not a kyso token", "GET", "/v1/certificates", "", nil, "hunter2", 401, "unauthorized", ""},
		{"malformed JSON", "POST", "/v1/certificates", "application/json", `{"profile":`, "", 400, "malformed_json", ""},
		{"unknown field", "POST", "/v1/certificates", "application/json", `{"profile":"citizen","admin":true}`, "", 400, "malformed_json", ""},
		{"trailing data", "POST", "/v1/certificates", "application/json", `{"profile":"citizen"} {}`, "", 400, "malformed_json", ""},
		{"wrong type", "POST", "/v1/certificates", "application/json", `{"profile":7}`, "", 400, "malformed_json", ""},
		{"empty body", "POST", "/v1/certificates", "application/json", ``, "", 400, "malformed_json", ""},
		{"not JSON media type", "POST", "/v1/certificates", "text/xml", `<x/>`, "", 415, "unsupported_media_type", ""},
		{"body too large", "POST", "/v1/certificates", "application/json", big, "", 413, "body_too_large", ""},
		{"missing profile", "POST", "/v1/certificates", "application/json", `{"subject":{}}`, "", 400, "invalid_request", "profile"},
		{"bad cccd", "POST", "/v1/certificates", "application/json", map[string]any{"profile": "citizen", "subject": map[string]string{"name": "A", "cccd": "123", "locality": "HN"}}, "", 400, "invalid_request", "subject.cccd"},
		{"unknown certificate", "GET", "/v1/certificates/crt_nope", "", nil, "", 404, "not_found", ""},
		{"revoke unknown", "POST", "/v1/certificates/crt_nope/revoke", "application/json", `{"reason":"keyCompromise"}`, "", 404, "not_found", ""},
		{"bad reason", "POST", "/v1/certificates/crt_nope/revoke", "application/json", `{"reason":"certificateHold"}`, "", 400, "invalid_request", "reason"},
		{"bad expiring_within", "GET", "/v1/certificates?expiring_within=soon", "", nil, "", 400, "invalid_request", "expiring_within"},
		{"bad status", "GET", "/v1/certificates?status=weird", "", nil, "", 400, "invalid_request", "status"},
		{"no route", "GET", "/v1/nothing", "", nil, "", 404, "not_found", ""},
		{"wrong method", "DELETE", "/pki/root.crt", "", nil, "", 405, "method_not_allowed", ""},
		{"unknown issuer", "GET", "/pki/issuers/nope.crt", "", nil, "", 404, "not_found", ""},
		{"unknown CRL", "GET", "/pki/crl/nope.crl", "", nil, "", 404, "not_found", ""},
		{"wrong method under /v1", "DELETE", "/v1/certificates", "", nil, "", 405, "method_not_allowed", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := s.token
			switch tc.token {
			case "-":
				tok = ""
			case "":
			default:
				tok = tc.token
			}
			code, body := s.raw(tc.method, tc.path, tc.ct, tc.body, tok)
			if code != tc.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, code, body, tc.wantStatus)
			}
			var e struct {
				Error struct {
					Code, Message, Field string
					RequestID            string `json:"request_id"`
				}
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body is not JSON: %v: %s", err, body)
			}
			if e.Error.Code != tc.wantCode || e.Error.Message == "" || e.Error.RequestID == "" {
				t.Errorf("error = %+v, want code %s with a message and request id", e.Error, tc.wantCode)
			}
			if e.Error.Field != tc.wantField {
				t.Errorf("field = %q, want %q", e.Error.Field, tc.wantField)
			}
			if strings.Contains(string(body), "vault:") || strings.Contains(string(body), "sqlite") {
				t.Errorf("error leaks internals: %s", body)
			}
		})
	}
}

// TestListAndExpiring checks listing with filters and the cursor.
func TestListAndExpiring(t *testing.T) {
	s := newStack(t, stackOpts{})
	a := s.issue(citizenReq)
	b := s.issue(citizenNo(1))
	code, body := s.call("GET", "/v1/certificates?expiring_within=800d", nil)
	if code != 200 {
		t.Fatalf("list = %d %s", code, body)
	}
	var out struct {
		Certificates []certResp `json:"certificates"`
	}
	_ = json.Unmarshal(body, &out)
	ids := map[string]bool{}
	for _, c := range out.Certificates {
		ids[c.ID] = true
	}
	if !ids[a.ID] || !ids[b.ID] {
		t.Errorf("expiring within 800d = %v, want both %s and %s", ids, a.ID, b.ID)
	}
	code, body = s.call("GET", "/v1/certificates?expiring_within=1h", nil)
	out.Certificates = nil
	_ = json.Unmarshal(body, &out)
	if code != 200 || len(out.Certificates) != 0 {
		t.Errorf("expiring within 1h = %d, %d certificates; want none", code, len(out.Certificates))
	}
	code, body = s.call("GET", "/v1/certificates?limit=1&status=active", nil)
	var page struct {
		Certificates []certResp `json:"certificates"`
		Next         string     `json:"next"`
	}
	_ = json.Unmarshal(body, &page)
	if code != 200 || len(page.Certificates) != 1 || page.Next == "" {
		t.Fatalf("page 1 = %d %s", code, body)
	}
	code, body = s.call("GET", "/v1/certificates?limit=1&status=active&after="+page.Next, nil)
	var page2 struct {
		Certificates []certResp `json:"certificates"`
	}
	_ = json.Unmarshal(body, &page2)
	if code != 200 || len(page2.Certificates) != 1 || page2.Certificates[0].ID == page.Certificates[0].ID {
		t.Errorf("page 2 = %d %s", code, body)
	}
	// get returns the same certificate and its chain
	code, body = s.call("GET", "/v1/certificates/"+a.ID, nil)
	var got certResp
	_ = json.Unmarshal(body, &got)
	if code != 200 || got.Certificate != a.Certificate || got.Chain != a.Chain {
		t.Errorf("get = %d, certificate/chain differ", code)
	}
	// rotate over the API keeps the credential and bumps the key version
	code, body = s.call("POST", "/v1/certificates/"+a.ID+"/rotate", nil)
	var rot certResp
	_ = json.Unmarshal(body, &rot)
	if code != http.StatusCreated || rot.CredentialID != a.CredentialID || rot.KeyVersion != 2 {
		t.Errorf("rotate = %d %s", code, body)
	}
}
