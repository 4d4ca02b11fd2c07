package pades_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
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
