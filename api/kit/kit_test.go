package kit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/errkind"
)

func TestPathID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"abc-123", true},
		{strings.Repeat("a", MaxIDLen), true},
		{strings.Repeat("a", MaxIDLen+1), false},
		{"", false},
		{"a%2Fb", false},
		{"a/b", false},
	} {
		r := mux.SetURLVars(httptest.NewRequest(http.MethodGet, "/x", nil), map[string]string{"id": tc.id})
		got, err := PathID(r, "client")
		switch {
		case tc.want && (err != nil || got != tc.id):
			t.Errorf("PathID(%q) = %q, %v, want %q", tc.id, got, err, tc.id)
		case !tc.want && (errkind.KindOf(err) != errkind.NotFound || errkind.Message(err) != "no such client"):
			t.Errorf("PathID(%q) = %q, %v, want NotFound \"no such client\"", tc.id, got, err)
		}
	}
}

func TestContext(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	if RequestID(r.Context()) != "" || Actor(r) != "" {
		t.Fatalf("a bare request has request id %q, actor %q, want none", RequestID(r.Context()), Actor(r))
	}
	ctx := WithActor(WithRequestID(context.Background(), "0123"), "admin:t1")
	r = r.WithContext(ctx)
	if got := RequestID(r.Context()); got != "0123" {
		t.Errorf("RequestID = %q, want 0123", got)
	}
	if got := Actor(r); got != "admin:t1" {
		t.Errorf("Actor = %q, want admin:t1", got)
	}
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	WriteJSON(w, http.StatusCreated, map[string]string{"a": "<b>&"})
	if w.Code != http.StatusCreated || w.Header().Get("Content-Type") != "application/json; charset=utf-8" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("WriteJSON answered %d %v", w.Code, w.Header())
	}
	if got, want := w.Body.String(), "{\"a\":\"<b>&\"}\n"; got != want {
		t.Errorf("WriteJSON body = %q, want %q (HTML not escaped)", got, want)
	}
}
