package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// lineWriter hands each log line to a channel: a test waits for the line
// of a request without sleeping (the line is written once the handler
// returns, which may be after the client has read the answer).
type lineWriter chan []byte

func (w lineWriter) Write(p []byte) (int, error) {
	w <- bytes.Clone(p)
	return len(p), nil
}

// accessLine waits for the access log line of the request with id.
func accessLine(t *testing.T, lines lineWriter, id string) map[string]any {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case b := <-lines:
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("log line %q is not JSON: %v", b, err)
			}
			if m["msg"] == "request" && m["request_id"] == id {
				m["_raw"] = string(b)
				return m
			}
		case <-timeout:
			t.Fatalf("no access log line for request %s", id)
		}
	}
}

// TestAccessLog: each request, a 401 and a 404 included, writes one line
// with the method, route template, status, error code, bytes in and out,
// duration, actor and request id — and no token, subject field or
// path or query the client chose.
func TestAccessLog(t *testing.T) {
	lines := make(lineWriter, 1024)
	s := newStack(t, stackOpts{log: slog.New(slog.NewJSONHandler(lines, nil))})
	const (
		taxCode  = "0103410294"
		badToken = "kyso_admin_not-a-real-token-7431"
		oddPath  = "/v1/certificates/../../etc/passwd-9"
	)
	issue, _ := json.Marshal(map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": "Ủy ban nhân dân Thành phố Hà Nội", "tax_code": taxCode, "locality": "Hà Nội"}})
	for _, c := range []struct {
		name, method, path, token string
		body                      []byte
		read                      int // bytes of the body kyso read
		status                    int
		route, code, actor        string
	}{
		{"issue", "POST", "/v1/certificates", s.token, issue, len(issue), 201, "/v1/certificates", "", "admin:"},
		// A refused request's body is not read.
		{"bad token", "POST", "/v1/certificates", badToken, issue, 0, 401, "/v1/certificates", "unauthorized", ""},
		{"no token", "GET", "/v1/certificates?status=active", "", nil, 0, 401, "/v1/certificates", "unauthorized", ""},
		{"no route", "GET", oddPath + "?token=" + badToken, "", nil, 0, 404, "unmatched", "not_found", ""},
		{"healthz", "GET", "/healthz", "", nil, 0, 200, "/healthz", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, s.srv.URL+c.path, bytes.NewReader(c.body))
			if c.body == nil {
				req.Body = http.NoBody
			}
			req.Header.Set("Content-Type", "application/json")
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Fatalf("%s %s = %d %s, want %d", c.method, c.path, resp.StatusCode, out, c.status)
			}
			m := accessLine(t, lines, resp.Header.Get("X-Request-Id"))
			raw := m["_raw"].(string)
			for k, want := range map[string]any{"method": c.method, "route": c.route, "status": float64(c.status),
				"bytes_in": float64(c.read), "bytes_out": float64(len(out)), "remote": "127.0.0.1", "level": "INFO"} {
				if m[k] != want {
					t.Errorf("access log %s = %v, want %v (%s)", k, m[k], want, raw)
				}
			}
			if code, _ := m["code"].(string); code != c.code {
				t.Errorf("access log code = %q, want %q (%s)", code, c.code, raw)
			}
			if actor, _ := m["actor"].(string); !strings.HasPrefix(actor, c.actor) || (c.actor == "") != (actor == "") {
				t.Errorf("access log actor = %q, want %q… (%s)", actor, c.actor, raw)
			}
			if d, ok := m["duration_ms"].(float64); !ok || d < 0 {
				t.Errorf("access log duration_ms = %v (%s)", m["duration_ms"], raw)
			}
			for _, secret := range []string{taxCode, badToken, s.token, "Bearer", "passwd", "status=active", "Authorization"} {
				if strings.Contains(raw, secret) {
					t.Errorf("access log line names %q: %s", secret, raw)
				}
			}
		})
	}
}
