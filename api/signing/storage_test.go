//go:build linux

package signing

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/errkind"
)

// TestTempFileErrorKinds: a full disk (a real ENOSPC: a write to
// /dev/full) or quota under a document's temporary file is errkind.Full
// (package api answers 507 storage_full: its TestStorageErrors), an upload
// that breaks off is Invalid, one over the limit TooLarge.
func TestTempFileErrorKinds(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, enospc := f.Write([]byte("%PDF-1.7"))
	f.Close()
	if !errors.Is(enospc, syscall.ENOSPC) {
		t.Fatalf("write to /dev/full = %v, want ENOSPC", enospc)
	}
	s := New(Config{MaxDocumentBytes: 1 << 20}, Deps{}, kit.Kit{})
	for _, tc := range []struct {
		name string
		err  error
		want errkind.Kind
	}{
		{"spool write", s.readError(fmt.Errorf("copy: %w", enospc)), errkind.Full},
		{"create temporary file", tempFileError(&os.PathError{Op: "open", Path: "/tmp/kyso-doc-1", Err: syscall.ENOSPC}), errkind.Full},
		{"quota", tempFileError(&os.PathError{Op: "write", Path: "/tmp/kyso-signed-1", Err: syscall.EDQUOT}), errkind.Full},
		{"unreadable upload", s.readError(errors.New("unexpected EOF")), errkind.Invalid},
		{"too large", s.readError(&http.MaxBytesError{Limit: 1 << 20}), errkind.TooLarge},
	} {
		if got := errkind.KindOf(tc.err); got != tc.want {
			t.Errorf("%s: kind of %v = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
