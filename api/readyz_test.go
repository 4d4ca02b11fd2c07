package api_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kyso-vn/kyso/api"
)

// TestReadyzLogsTransitions: /readyz answers each check's state, and a
// failing check is logged as a warning when it starts failing and once
// more when it passes again, not on every probe of a load balancer.
func TestReadyzLogsTransitions(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var down atomic.Bool
	h := api.New(api.Config{Logger: log, Ready: []api.Check{
		{Name: "vault", Fn: func(context.Context) error {
			if down.Load() {
				return errors.New("vault transit probe: sealed")
			}
			return nil
		}},
		{Name: "database", Fn: func(context.Context) error { return nil }},
	}}, api.Deps{})
	probe := func() (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return w.Code, w.Body.String()
	}
	count := func(msg string) int { return strings.Count(logs.String(), msg) }

	if code, body := probe(); code != http.StatusOK || !strings.Contains(body, `"vault":"ok"`) {
		t.Fatalf("ready = %d %s", code, body)
	}
	down.Store(true)
	for range 3 {
		if code, body := probe(); code != http.StatusServiceUnavailable || !strings.Contains(body, `"vault":"fail"`) ||
			!strings.Contains(body, `"database":"ok"`) || strings.Contains(body, "sealed") {
			t.Fatalf("not ready = %d %s, want 503 with vault fail, database ok and no reason", code, body)
		}
	}
	if n := count("readiness check failed"); n != 1 {
		t.Errorf("3 failing probes logged %d failures, want 1:\n%s", n, logs.String())
	}
	down.Store(false)
	probe()
	probe()
	if n := count("readiness check passes again"); n != 1 {
		t.Errorf("recovery logged %d times, want 1:\n%s", n, logs.String())
	}
	down.Store(true)
	probe()
	if n := count("readiness check failed"); n != 2 {
		t.Errorf("a second outage: %d failures logged in all, want 2:\n%s", n, logs.String())
	}
}
