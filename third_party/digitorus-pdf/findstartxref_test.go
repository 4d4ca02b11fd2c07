package pdf

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFindStartxrefSameAsScan: findStartxref's short look at the end finds
// what the chunked backward scan finds, on tails built to put markers,
// white space and digits on either side of the short window and of the
// scan's 64 KiB chunks: several markers, markers without a number, runs of
// white space longer than the scan's look-ahead, markers cut by the end.
func TestFindStartxrefSameAsScan(t *testing.T) {
	pieces := []string{"startxref", "startxref\n", "startxref 1", "startxref\r\n123\n%%EOF\n",
		"startxref" + strings.Repeat(" ", 40) + "7", "startxre", "tartxref 5", "%%EOF", "\n", " ", "9", "x",
		strings.Repeat(" ", 31), strings.Repeat("\n", 33)}
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(name string, data []byte) {
		t.Helper()
		got, gotOK := findStartxref(bytes.NewReader(data), int64(len(data)))
		want, wantOK := scanStartxref(bytes.NewReader(data), int64(len(data)))
		if got != want || gotOK != wantOK {
			t.Fatalf("%s (%d bytes): findStartxref = %d, %v; scanStartxref = %d, %v", name, len(data), got, gotOK, want, wantOK)
		}
	}
	for _, base := range []int{0, 100, startxrefWindow - 60, startxrefWindow - 9, startxrefWindow, startxrefWindow + 5, 64<<10 - 20, 64 << 10, 64<<10 + 30, 200 << 10} {
		for range 300 {
			var b bytes.Buffer
			b.Write(bytes.Repeat([]byte("a"), base))
			for range rng.IntN(12) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
				if rng.IntN(4) == 0 {
					b.Write(bytes.Repeat([]byte("b"), rng.IntN(2*startxrefWindow)))
				}
			}
			check("generated", b.Bytes())
		}
	}
	// A valid marker just before the window, the window holding only an
	// invalid one: the scan's answer, found by the fallback.
	data := []byte("%PDF-1.7\nstartxref\n42\n" + strings.Repeat("z", startxrefWindow-12) + "startxref\n%%EOF")
	check("fallback", data)
	if got, ok := findStartxref(bytes.NewReader(data), int64(len(data))); !ok || got != 9 {
		t.Errorf("fallback: findStartxref = %d, %v; want 9, true", got, ok)
	}
}
