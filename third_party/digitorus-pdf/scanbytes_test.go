package pdf

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// sameScan compares what two Scans found.
func sameScan(t *testing.T, name string, a, b *Scan, errA, errB error) {
	t.Helper()
	if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
		t.Fatalf("%s: ScanObjects error %v, ScanBytes error %v", name, errA, errB)
	}
	if errA != nil {
		return
	}
	if !reflect.DeepEqual(a.defs, b.defs) || !reflect.DeepEqual(a.trailers, b.trailers) ||
		!reflect.DeepEqual(a.hidden, b.hidden) || !reflect.DeepEqual(a.hiddenTrailers, b.hiddenTrailers) {
		t.Errorf("%s: ScanBytes found %d definitions, %d trailers, hidden %v and trailers %v; ScanObjects %d, %d, %v and %v",
			name, len(b.defs), len(b.trailers), b.hidden, b.hiddenTrailers, len(a.defs), len(a.trailers), a.hidden, a.hiddenTrailers)
	}
}

// TestScanBytes (kyso patch 46): ScanBytes finds what ScanObjects finds in
// the same bytes.
func TestScanBytes(t *testing.T) {
	found := 0
	for name, in := range scanFiles() {
		a, errA := ScanObjects(bytes.NewReader(in), int64(len(in)), NewCache())
		b, errB := ScanBytes(in, NewCache())
		sameScan(t, name, a, b, errA, errB)
		if errA == nil {
			found += len(a.hidden) + len(a.hiddenTrailers)
		}
	}
	if found < 10 {
		t.Errorf("%d hidden definitions and trailers found in all files: the files do not test the search", found)
	}
}

// FuzzScanBytes compares ScanBytes with ScanObjects on arbitrary bytes.
func FuzzScanBytes(f *testing.F) {
	for name, in := range scanFiles() {
		if !strings.HasPrefix(name, "several blocks") {
			f.Add(in)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		a, errA := ScanObjects(bytes.NewReader(in), int64(len(in)), NewCache())
		b, errB := ScanBytes(in, NewCache())
		sameScan(t, "input", a, b, errA, errB)
	})
}
