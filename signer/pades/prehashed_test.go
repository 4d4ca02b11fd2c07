package pades_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"io"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/signer/pades"
)

// prehashed is an input that says it hashed its bytes (pades.PrehashedInput).
type prehashed struct {
	*bytes.Reader
	state []byte
	n     int64
}

func (p prehashed) SHA256State() ([]byte, int64, bool) { return p.state, p.n, p.state != nil }

func sha256State(t *testing.T, b []byte) []byte {
	t.Helper()
	h := sha256.New()
	h.Write(b)
	st, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestPrehashedInput: an input's SHA-256 state of exactly its bytes is
// resumed in place of reading it to hash it, and the output is byte for
// byte the one made by hashing the input; a state
// that claims another length, or does not decode, is ignored.
func TestPrehashedInput(t *testing.T) {
	p := getPKI(t)
	s := pades.New(&testTSA{pki: p}, nil)
	in := makePDF(pdfSpec{})
	// One signing time for every signature, so that the outputs compare
	// byte for byte; within the test PKI's validity (it is made now).
	opts := pades.Options{SigningTime: time.Now().UTC().Truncate(time.Second)}
	want := sign(t, s, in, p.official, opts)

	good := sha256State(t, in)
	for _, tc := range []struct {
		name  string
		state []byte
		n     int64
	}{
		{"its own state", good, int64(len(in))},
		{"a state claiming more bytes", good, int64(len(in)) + 1},
		{"a state of a prefix", sha256State(t, in[:len(in)-1]), int64(len(in))},
		{"not a SHA-256 state", []byte("garbage state of at least eight bytes"), int64(len(in))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if _, err := s.Sign(context.Background(), prehashed{bytes.NewReader(in), tc.state, tc.n}, int64(len(in)), &out, p.official, opts); err != nil {
				t.Fatalf("Sign = %v", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("the output differs from the one made hashing the input")
			}
		})
	}

	// The state is taken as it is given: one of other bytes of the same
	// length gives another signature. (Whoever implements PrehashedInput
	// vouches for its state: the read-back check resumes it too.)
	other := bytes.Clone(in)
	other[len(other)/2] ^= 1
	var out bytes.Buffer
	if _, err := s.Sign(context.Background(), prehashed{bytes.NewReader(in), sha256State(t, other), int64(len(in))}, int64(len(in)), &out, p.official, opts); err != nil {
		t.Fatalf("Sign = %v", err)
	}
	if bytes.Equal(out.Bytes(), want) {
		t.Error("a state of other bytes gave the same output: the state is not used")
	}
}

// rangeWriter is an input that writes its ranges itself
// (pades.RangeWriter); flip changes the byte at that offset in what it
// writes, short stops a range one byte early.
type rangeWriter struct {
	*bytes.Reader
	b     []byte
	flip  int
	short bool
	calls *int
}

func (r rangeWriter) WriteRange(w io.Writer, off, n int64) (int64, error) {
	*r.calls++
	p := bytes.Clone(r.b[off : off+n])
	if r.flip >= int(off) && r.flip < int(off+n) {
		p[r.flip-int(off)] ^= 1
	}
	if r.short {
		p = p[:len(p)-1]
	}
	k, err := w.Write(p)
	return int64(k), err
}

// TestRangeWriterInput: an input that writes its own ranges is hashed and
// written out through them, to the same output as through ReadAt; what it
// writes is what goes out, and a range written short fails the signature
// with nothing written.
func TestRangeWriterInput(t *testing.T) {
	p := getPKI(t)
	s := pades.New(&testTSA{pki: p}, nil)
	in := makePDF(pdfSpec{})
	opts := pades.Options{SigningTime: time.Now().UTC().Truncate(time.Second)}
	want := sign(t, s, in, p.official, opts)

	signWith := func(rw rangeWriter) ([]byte, error) {
		var out bytes.Buffer
		_, err := s.Sign(context.Background(), rw, int64(len(in)), &out, p.official, opts)
		return out.Bytes(), err
	}
	calls := 0
	got, err := signWith(rangeWriter{Reader: bytes.NewReader(in), b: in, flip: -1, calls: &calls})
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("Sign through WriteRange = %v; output the same as through ReadAt: %v", err, bytes.Equal(got, want))
	}
	// The input is hashed once and written out once.
	if calls != 2 {
		t.Errorf("WriteRange called %d times, want 2 (the hash, the output)", calls)
	}

	// A byte of the input's text changed only in what WriteRange writes:
	// it goes out and is what the signature covers.
	flip := bytes.Index(in, []byte("endobj")) + 1
	got, err = signWith(rangeWriter{Reader: bytes.NewReader(in), b: in, flip: flip, calls: new(int)})
	if err != nil || bytes.Equal(got, want) || got[flip] == in[flip] {
		t.Errorf("Sign through a WriteRange that changes a byte = %v; the output has it: %v", err, err == nil && got[flip] != in[flip])
	}

	got, err = signWith(rangeWriter{Reader: bytes.NewReader(in), b: in, flip: -1, short: true, calls: new(int)})
	if err == nil || len(got) != 0 {
		t.Errorf("Sign through a WriteRange that writes short = %v, wrote %d bytes; want an error and nothing", err, len(got))
	}
}
