package tsa_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/signer/tsa"
)

// tsaOverHTTP serves f's Authority at a URL as /pki/tsa does; answer, if
// not nil, may replace the Authority's response to a request.
func tsaOverHTTP(t *testing.T, f *fixture, answer func(req, resp []byte) []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != tsa.ContentTypeQuery {
			http.Error(w, "not a time-stamp query", http.StatusUnsupportedMediaType)
			return
		}
		req, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := f.auth.Respond(r.Context(), req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if answer != nil {
			resp = answer(req, resp)
		}
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRemote(t *testing.T) {
	f := newFixture(t, tsa.Config{})
	ctx := context.Background()
	digest := sha256.Sum256([]byte("kyso"))

	token, err := tsa.Remote{URL: tsaOverHTTP(t, f, nil)}.Timestamp(ctx, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatalf("Timestamp = %v", err)
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		t.Fatalf("the token does not parse (signature checked against the TSA certificate): %v", err)
	}
	if !bytes.Equal(ts.HashedMessage, digest[:]) || ts.HashAlgorithm != crypto.SHA256 || ts.Nonce == nil {
		t.Errorf("token over %x (%v), nonce %v; want the digest asked, SHA-256 and a nonce", ts.HashedMessage, ts.HashAlgorithm, ts.Nonce)
	}
	if len(ts.Certificates) == 0 {
		t.Error("the token carries no TSA certificate, though Remote asks for it")
	}

	// A TSA that answers the first request again, to every request: the
	// same imprint, an old nonce (a replay) — and then another imprint.
	var mu sync.Mutex
	var first []byte
	replay := tsaOverHTTP(t, f, func(_, resp []byte) []byte {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = resp
		}
		return first
	})
	if _, err := (tsa.Remote{URL: replay}).Timestamp(ctx, digest[:], crypto.SHA256); err != nil {
		t.Fatalf("Timestamp (first answer) = %v", err)
	}
	other := sha256.Sum256([]byte("other"))
	for _, d := range [][]byte{digest[:], other[:]} {
		if _, err := (tsa.Remote{URL: replay}).Timestamp(ctx, d, crypto.SHA256); err == nil || !strings.Contains(err.Error(), "not over what was asked") {
			t.Errorf("Timestamp(%x) with a replayed answer = %v, want it refused", d[:4], err)
		}
	}
}

func TestRemoteFailures(t *testing.T) {
	f := newFixture(t, tsa.Config{})
	ctx := context.Background()
	digest := sha256.Sum256([]byte("kyso"))
	server := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	for _, tc := range []struct {
		name, url, want string
		hash            crypto.Hash
	}{
		{"HTTP error", server(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }), "HTTP 503", crypto.SHA256},
		{"not DER", server(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>login</html>")) }), "time-stamp authority", crypto.SHA256},
		{"too large", server(func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, tsa.MaxResponseSize+1)) }), "more than", crypto.SHA256},
		// kyso's TSA refuses SHA-1 with a rejection, which is no token.
		{"rejected", tsaOverHTTP(t, f, nil), "time-stamp authority", crypto.SHA1},
		{"unreachable", "http://127.0.0.1:1/pki/tsa", "time-stamp authority", crypto.SHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := digest[:tc.hash.Size()]
			token, err := tsa.Remote{URL: tc.url}.Timestamp(ctx, d, tc.hash)
			if err == nil || token != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Timestamp = %d bytes, %v; want no token and an error with %q", len(token), err, tc.want)
			}
		})
	}
}
