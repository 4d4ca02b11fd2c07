//go:build linux

package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/store"
)

// TestStorageErrors: a full disk under a document's temporary file or
// under the database is 507 storage_full, a locked database 503
// database_unavailable with Retry-After; neither body says more than the
// code's message.
//
// The temporary-file case uses a real ENOSPC: a write to /dev/full. A
// real full file system under Config.TempDir needs a mount, which CI may
// not allow; the store's own tests fill a real database
// (store.TestSQLiteFull) and lock one (store.TestSQLiteLockedWriters),
// and cmd/kyso's TestDBLocked runs a locked database under a live kyso.
func TestStorageErrors(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, enospc := f.Write([]byte("%PDF-1.7"))
	f.Close()
	if !errors.Is(enospc, syscall.ENOSPC) {
		t.Fatalf("write to /dev/full = %v, want ENOSPC", enospc)
	}
	t.Logf("a real write to /dev/full: %v", enospc)

	s := New(Config{}, Deps{})
	full := fmt.Errorf("store: create credential %q: %w: database or disk is full", "cred_x", store.ErrFull)
	locked := fmt.Errorf("store: append audit record: %w: database is locked", store.ErrUnavailable)
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		retryAfter bool
	}{
		// spool's io.Copy into the temporary file failed: the error
		// api/signing makes of it (its TestTempFileErrorKinds).
		{"spool write", fmt.Errorf("api: spool the document: %w", errkind.Wrap(errkind.Full, fmt.Errorf("copy: %w", enospc), "")), http.StatusInsufficientStorage, CodeStorageFull, false},
		{"quota", errkind.Wrap(errkind.Full, &os.PathError{Op: "write", Path: "/tmp/kyso-signed-1", Err: syscall.EDQUOT}, ""), http.StatusInsufficientStorage, CodeStorageFull, false},
		{"database full at issuance", fmt.Errorf("ca: record credential: %w", full), http.StatusInsufficientStorage, CodeStorageFull, false},
		{"database full at signing", fmt.Errorf("signer: audit: audit: record sign.pdf: %w", full), http.StatusInsufficientStorage, CodeStorageFull, false},
		{"database locked at issuance", fmt.Errorf("ca: record credential: %w", locked), http.StatusServiceUnavailable, CodeDBUnavailable, true},
		{"database locked at signing", fmt.Errorf("signer: audit: audit: record sign.pdf: %w", locked), http.StatusServiceUnavailable, CodeDBUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.renderError(w, httptest.NewRequest(http.MethodPost, "/v1/sign/pdf", nil), tt.err)
			var body errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if w.Code != tt.status || body.Error.Code != tt.code {
				t.Errorf("renderError(%v) = %d %q, want %d %q", tt.err, w.Code, body.Error.Code, tt.status, tt.code)
			}
			if got := w.Header().Get("Retry-After") != ""; got != tt.retryAfter {
				t.Errorf("renderError(%v): Retry-After %q, want one: %t", tt.err, w.Header().Get("Retry-After"), tt.retryAfter)
			}
			for _, leak := range []string{"/dev/full", "/tmp", "no space", "quota", "sqlite", "store:", "locked", "cred_x"} {
				if tt.status >= 500 && strings.Contains(w.Body.String(), leak) {
					t.Errorf("renderError(%v) body leaks %q: %s", tt.err, leak, w.Body)
				}
			}
			t.Logf("%s: %d %s", tt.name, w.Code, strings.TrimSpace(w.Body.String()))
		})
	}
}
