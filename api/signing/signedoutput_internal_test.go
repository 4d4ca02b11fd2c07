package signing

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// TestSignedOutput: an in-memory signed output gives back exactly what
// was written, whether it starts with its input (kept once), diverges
// from it midway, or is shorter than it.
func TestSignedOutput(t *testing.T) {
	input := bytes.Repeat([]byte("%PDF-1.7 object "), 1000)
	changed := bytes.Clone(input)
	changed[5000] = 'X'
	whole := wholeBytes
	chunked := func(b []byte) *memBytes { // chunks of 1000 bytes, the last partly used
		m := &memBytes{chunkSize: 1000, size: int64(len(b))}
		for i := 0; i < len(b); i += 1000 {
			c := make([]byte, 1000)
			copy(c, b[i:])
			m.chunks = append(m.chunks, &c)
		}
		return m
	}
	var tests []struct {
		name   string
		prefix func([]byte) *memBytes
		writes [][]byte
	}
	for _, tt := range []struct {
		name   string
		writes [][]byte
	}{
		{"input then revision", [][]byte{input[:4096], input[4096:], []byte("revision")}},
		{"input and revision in one write", [][]byte{append(bytes.Clone(input), "revision"...)}},
		{"diverges midway", [][]byte{changed[:4096], changed[4096:], []byte("revision")}},
		{"diverges at once", [][]byte{[]byte("other"), input}},
		{"shorter than the input", [][]byte{input[:100]}},
		{"nothing", nil},
	} {
		tests = append(tests, struct {
			name   string
			prefix func([]byte) *memBytes
			writes [][]byte
		}{tt.name + ", one buffer", whole, tt.writes}, struct {
			name   string
			prefix func([]byte) *memBytes
			writes [][]byte
		}{tt.name + ", chunks", chunked, tt.writes})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &signedOutput{buf: &bytes.Buffer{}, prefix: tt.prefix(input)}
			var want []byte
			for _, w := range tt.writes {
				if n, err := o.Write(w); n != len(w) || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", len(w), n, err)
				}
				want = append(want, w...)
			}
			r, size, err := o.contents()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			if !bytes.Equal(got, want) || size != int64(len(want)) {
				t.Errorf("contents() = %d bytes (size %d), want the %d bytes written", len(got), size, len(want))
			}
			checkReadBack(t, o, want)
		})
	}
}

// checkReadBack: ReadBack gives what was written, at every offset
// around the end of the input kept as a prefix and the ends of the
// output, with io.EOF for a read past the end.
func checkReadBack(t *testing.T, o *signedOutput, want []byte) {
	t.Helper()
	ra, size, err := o.ReadBack()
	if err != nil || size != int64(len(want)) {
		t.Fatalf("ReadBack() = size %d, %v; want %d", size, err, len(want))
	}
	got, err := io.ReadAll(io.NewSectionReader(ra, 0, size))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadBack(): %d bytes, %v; want the %d bytes written", len(got), err, len(want))
	}
	for _, off := range []int64{0, o.matched - 3, o.matched, o.matched + 1, size - 5, size - 1} {
		if off < 0 || off >= size {
			continue
		}
		b := make([]byte, min(8, size-off))
		if n, err := ra.ReadAt(b, off); n != len(b) || err != nil || !bytes.Equal(b, want[off:off+int64(len(b))]) {
			t.Errorf("ReadAt(%d bytes at %d) = %d, %v, %q; want %q", len(b), off, n, err, b[:n], want[off:off+int64(len(b))])
		}
	}
	b := make([]byte, 4)
	if n, err := ra.ReadAt(b, size-2); size >= 2 && (n != 2 || err != io.EOF) {
		t.Errorf("ReadAt past the end = %d, %v; want 2, io.EOF", n, err)
	}
}

// TestSignedOutputFileReadBack: an output in a temporary file reads back
// what was written.
func TestSignedOutputFileReadBack(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "kyso-signed-*")
	if err != nil {
		t.Fatal(err)
	}
	o := &signedOutput{f: f}
	defer o.Close()
	want := bytes.Repeat([]byte("%PDF-1.7 revision "), 5000)
	for i := 0; i < len(want); i += 4096 {
		if _, err := o.Write(want[i:min(i+4096, len(want))]); err != nil {
			t.Fatal(err)
		}
	}
	checkReadBack(t, o, want)
}
