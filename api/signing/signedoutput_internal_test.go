package signing

import (
	"bytes"
	"io"
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
		})
	}
}
