package signing

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"testing/iotest"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/errkind"
)

func spoolServer(t *testing.T, memory, maxDoc int64) *Handler {
	t.Helper()
	return New(Config{MemoryBytes: memory, MaxDocumentBytes: maxDoc, TempDir: t.TempDir()}, Deps{}, kit.Kit{})
}

func readAll(t *testing.T, d *document) []byte {
	t.Helper()
	b := make([]byte, d.size)
	if _, err := d.r.ReadAt(b, 0); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return b
}

// TestSpool: small documents stay in memory within the budget, large ones
// and those beyond the budget go to temporary files, and closing returns
// the budget and removes the files.
func TestSpool(t *testing.T) {
	s := spoolServer(t, 1<<20, 8<<20)
	small := bytes.Repeat([]byte("a"), 300<<10)
	var docs []*document
	for i := range 4 { // 4 × 300 KB: the fourth does not fit in 1 MiB
		d, err := s.spool(iotest.HalfReader(bytes.NewReader(small)), int64(len(small)))
		if err != nil {
			t.Fatal(err)
		}
		if inMemory := d.f == nil; inMemory != (i < 3) {
			t.Errorf("document %d in memory = %v", i, inMemory)
		}
		if !bytes.Equal(readAll(t, d), small) {
			t.Errorf("document %d read back differs", i)
		}
		docs = append(docs, d)
	}
	big := bytes.Repeat([]byte("b"), 5<<20)
	d, err := s.spool(bytes.NewReader(big), int64(len(big)))
	if err != nil {
		t.Fatal(err)
	}
	if d.f == nil || !bytes.Equal(readAll(t, d), big) {
		t.Errorf("a 5 MiB document: in a file = %v, content intact = %v", d.f != nil, bytes.Equal(readAll(t, d), big))
	}
	docs = append(docs, d)
	for _, d := range docs {
		d.Close()
	}
	if s.mem.left != 1<<20 {
		t.Errorf("budget after closing everything = %d, want %d", s.mem.left, 1<<20)
	}
	if entries, _ := os.ReadDir(s.cfg.TempDir); len(entries) != 0 {
		t.Errorf("%d temporary files left", len(entries))
	}
}

func TestSpoolLimits(t *testing.T) {
	s := spoolServer(t, 64<<20, 6<<20)
	for _, size := range []int{1 << 20, 6 << 20} {
		if d, err := s.spool(bytes.NewReader(make([]byte, size)), -1); err != nil || d.size != int64(size) {
			t.Errorf("%d bytes: %v", size, err)
		} else {
			d.Close()
		}
	}
	for _, size := range []int{6<<20 + 1, 9 << 20} {
		_, err := s.spool(bytes.NewReader(make([]byte, size)), -1)
		if errkind.KindOf(err) != errkind.TooLarge {
			t.Errorf("%d bytes = %v, want TooLarge (413)", size, err)
		}
	}
	if _, err := s.spool(bytes.NewReader(nil), 0); err == nil {
		t.Error("an empty document was accepted")
	}
	if _, err := s.spool(iotest.ErrReader(errors.New("connection reset")), -1); err == nil {
		t.Error("a failing reader was accepted")
	}
	// Cut off in the middle of a body announced at 3 MiB, which is hashed
	// as it arrives.
	cut := io.MultiReader(bytes.NewReader(make([]byte, 1<<20+7)), iotest.ErrReader(errors.New("connection reset")))
	if _, err := s.spool(cut, 3<<20); err == nil {
		t.Error("a body cut short by a failing reader was accepted")
	}
	if s.mem.left != 64<<20 {
		t.Errorf("budget after refusals = %d, want it whole", s.mem.left)
	}
	if entries, _ := os.ReadDir(s.cfg.TempDir); len(entries) != 0 {
		t.Errorf("%d temporary files left", len(entries))
	}
}

// TestSpoolUnsized: a document of unknown size (a multipart part) is read
// in chunks of 16 KiB, one of known size (a Content-Length) in chunks of
// 64 KiB: intact whatever its size against the chunk and the memory
// limit, in memory within the budget and up to an eighth of it (at
// least 4 MiB), in a file beyond, refused above the document limit; the
// budget comes back whole.
func TestSpoolUnsized(t *testing.T) {
	for _, sized := range []bool{false, true} {
		t.Run(fmt.Sprintf("sized=%v", sized), func(t *testing.T) { testSpoolChunked(t, sized) })
	}
}

func testSpoolChunked(t *testing.T, sized bool) {
	for _, tc := range []struct {
		name           string
		memory, maxDoc int64
		size           int
		inMemory       bool
		tooLarge       bool
	}{
		{"one byte", 1 << 20, 8 << 20, 1, true, false},
		{"a chunk less one", 1 << 20, 8 << 20, spoolChunk - 1, true, false},
		{"a chunk", 1 << 20, 8 << 20, spoolChunk, true, false},
		{"a chunk and one", 1 << 20, 8 << 20, spoolChunk + 1, true, false},
		{"a sized chunk less one", 1 << 20, 8 << 20, sizedChunk - 1, true, false},
		{"a sized chunk", 1 << 20, 8 << 20, sizedChunk, true, false},
		{"a sized chunk and one", 1 << 20, 8 << 20, sizedChunk + 1, true, false},
		{"200 KB", 1 << 20, 8 << 20, 200 << 10, true, false},
		{"beyond the budget", 1 << 20, 8 << 20, 1<<20 + 1, false, false},
		// The in-memory bound of a document: an eighth of the budget,
		// at least 4 MiB.
		{"4 MiB under a small budget", 8 << 20, 8 << 20, 4 << 20, true, false},
		{"4 MiB and one under a small budget", 8 << 20, 8 << 20, 4<<20 + 1, false, false},
		// Sized from 1 MiB on, hashed as it arrives: whole chunks only,
		// or a last one partly filled.
		{"hashed ahead less one", 64 << 20, 16 << 20, hashAheadBytes - 1, true, false},
		{"hashed ahead", 64 << 20, 16 << 20, hashAheadBytes, true, false},
		{"hashed ahead and one", 64 << 20, 16 << 20, hashAheadBytes + 1, true, false},
		{"hashed ahead, odd", 64 << 20, 16 << 20, 3<<20 + 12345, true, false},
		{"an eighth of the budget", 64 << 20, 16 << 20, 8 << 20, true, false},
		{"an eighth of the budget and one", 64 << 20, 16 << 20, 8<<20 + 1, false, false},
		{"at the document limit", 64 << 20, 100 << 10, 100 << 10, true, false},
		{"over the document limit", 64 << 20, 100 << 10, 100<<10 + 1, false, true},
		{"far over the document limit", 64 << 20, 100 << 10, 1 << 20, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spoolServer(t, tc.memory, tc.maxDoc)
			data := make([]byte, tc.size)
			for i := range data {
				data[i] = byte(i * 7)
			}
			hint, chunk := int64(-1), int64(spoolChunk)
			if sized {
				hint, chunk = int64(tc.size), sizedChunk
			}
			d, err := s.spool(iotest.HalfReader(bytes.NewReader(data)), hint)
			if tc.tooLarge {
				if err == nil || errkind.KindOf(err) != errkind.TooLarge {
					t.Errorf("spool(%d bytes) = %v, want TooLarge (413)", tc.size, err)
				}
			} else {
				if err != nil {
					t.Fatalf("spool(%d bytes) = %v", tc.size, err)
				}
				if d.size != int64(tc.size) || !bytes.Equal(readAll(t, d), data) {
					t.Errorf("spool(%d bytes): size %d, content intact %v", tc.size, d.size, bytes.Equal(readAll(t, d), data))
				}
				if inMemory := d.f == nil; inMemory != tc.inMemory {
					t.Errorf("spool(%d bytes) in memory = %v, want %v", tc.size, inMemory, tc.inMemory)
				}
				checkPrehashed(t, d, data, sized && tc.size >= hashAheadBytes)
				checkWriteRange(t, d, data, chunk)
				// An in-memory document holds the budget of its chunks.
				if chunks := (int64(tc.size) + chunk - 1) / chunk; d.f == nil && s.mem.left != tc.memory-chunks*chunk {
					t.Errorf("budget while held = %d, want %d", s.mem.left, tc.memory-chunks*chunk)
				}
				d.Close()
			}
			if s.mem.left != tc.memory {
				t.Errorf("budget after closing = %d, want %d", s.mem.left, tc.memory)
			}
			if entries, _ := os.ReadDir(s.cfg.TempDir); len(entries) != 0 {
				t.Errorf("%d temporary files left", len(entries))
			}
		})
	}
}

// checkWriteRange: an in-memory document writes any of its ranges by
// WriteRange (pades.RangeWriter), across its chunks, and a range past its
// end as far as it goes, with io.ErrUnexpectedEOF; one in a file does not
// claim to.
func checkWriteRange(t *testing.T, d *document, data []byte, chunk int64) {
	t.Helper()
	rw, ok := d.r.(interface {
		WriteRange(w io.Writer, off, n int64) (int64, error)
	})
	if ok != (d.f == nil) {
		t.Fatalf("a document in memory %v is a RangeWriter %v (%T)", d.f == nil, ok, d.r)
	}
	if !ok {
		return
	}
	size := int64(len(data))
	edge := min(chunk, size) - 1 // the last byte of the first chunk
	for _, r := range [][2]int64{
		{0, size}, {0, 0}, {size, 0}, {0, min(size, chunk)}, {size - 1, 1},
		{edge, min(2, size-edge)}, {size / 3, size / 2},
	} {
		var out bytes.Buffer
		n, err := rw.WriteRange(&out, r[0], r[1])
		if err != nil || n != r[1] || !bytes.Equal(out.Bytes(), data[r[0]:r[0]+r[1]]) {
			t.Errorf("WriteRange(%d, %d) = %d, %v; the bytes there: %v", r[0], r[1], n, err, bytes.Equal(out.Bytes(), data[r[0]:r[0]+r[1]]))
		}
	}
	var out bytes.Buffer
	if n, err := rw.WriteRange(&out, size-1, 2); err != io.ErrUnexpectedEOF || n != 1 || out.Len() != 1 {
		t.Errorf("WriteRange past the end = %d, %v (%d bytes); want 1, io.ErrUnexpectedEOF", n, err, out.Len())
	}
}

// checkPrehashed: a document spooled to a file, or hashed ahead in memory,
// hands pades the SHA-256 state of exactly its bytes
// (pades.PrehashedInput), one that resumes to the digest of what it holds;
// another one in memory hands none.
func checkPrehashed(t *testing.T, d *document, data []byte, hashedAhead bool) {
	t.Helper()
	p, ok := d.r.(interface {
		SHA256State() ([]byte, int64, bool)
	})
	// A document of announced size from hashAheadBytes on was hashed as
	// it arrived, in memory too; a smaller one in memory was not.
	if d.f == nil && !hashedAhead {
		if ok {
			t.Errorf("an in-memory document of %d bytes claims a SHA-256 state", len(data))
		}
		return
	}
	if !ok {
		t.Fatalf("a spooled document (%T, in memory %v) has no SHA-256 state", d.r, d.f == nil)
	}
	state, n, ok := p.SHA256State()
	if !ok || n != int64(len(data)) {
		t.Fatalf("SHA256State() = %d bytes of state, n %d, ok %v; want one of %d bytes", len(state), n, ok, len(data))
	}
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Errorf("the spooled document's SHA-256 state resumes to %x, want %x", h.Sum(nil), want)
	}
	if got, err := documentDigest(d); err != nil || !bytes.Equal(got, h.Sum(nil)) {
		t.Errorf("documentDigest = %x, %v; want %x", got, err, h.Sum(nil))
	}
}

// TestCopyHashed: whatever the sizes of the head and the rest against the
// copy buffers, the file holds head then the body and the hash is of
// exactly those bytes; a body that fails to read fails the copy.
func TestCopyHashed(t *testing.T) {
	const b = 256 << 10
	for _, tc := range []struct{ head, body int }{
		{0, 0}, {0, 1}, {0, b}, {0, b + 1}, {0, 3*b - 1}, {5, 0}, {5, 2 * b}, {b + 3, b - 3},
	} {
		data := make([]byte, tc.head+tc.body)
		for i := range data {
			data[i] = byte(i*31 + i>>9)
		}
		f, err := os.CreateTemp(t.TempDir(), "copy-*")
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := copyHashed(f, h, data[:tc.head], iotest.HalfReader(bytes.NewReader(data[tc.head:])))
		if err != nil || n != int64(len(data)) {
			t.Fatalf("copyHashed(head %d, body %d) = %d, %v", tc.head, tc.body, n, err)
		}
		got, err := os.ReadFile(f.Name())
		f.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("head %d, body %d: the file differs from what was sent", tc.head, tc.body)
		}
		if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) {
			t.Errorf("head %d, body %d: hash %x, want %x", tc.head, tc.body, h.Sum(nil), want)
		}
	}
	f, err := os.CreateTemp(t.TempDir(), "copy-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	broken := io.MultiReader(bytes.NewReader(make([]byte, b+7)), iotest.ErrReader(errors.New("connection reset")))
	if _, err := copyHashed(f, sha256.New(), nil, broken); err == nil || err.Error() != "connection reset" {
		t.Errorf("copyHashed of a body that fails = %v, want its error", err)
	}
}
