package keys_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/kyso-vn/kyso/keys"
)

// TestNamed: keys.Named is a Manager with key types named as strings, the
// shape package ca takes its keys in: a key created under a type's name
// signs through KeySigner, a rotation adds a version, an unknown type
// name is refused before Vault is asked, and a key that does not exist
// gives a nil crypto.Signer (not a nil *keys.Signer in an interface)
// with keys.ErrNotFound.
func TestNamed(t *testing.T) {
	ctx := t.Context()
	k := keys.Named{M: newManager(t)}
	if err := k.CreateKey(ctx, "named-ec", "ecdsa-p256"); err != nil {
		t.Fatalf("CreateKey(ecdsa-p256) = %v", err)
	}
	s, err := k.KeySigner(ctx, "named-ec", 1)
	if err != nil {
		t.Fatalf("KeySigner = %v", err)
	}
	digest := sha256.Sum256([]byte("named"))
	if _, err := s.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
		t.Errorf("Sign through KeySigner = %v", err)
	}
	if v, err := k.RotateKey(ctx, "named-ec"); err != nil || v != 2 {
		t.Errorf("RotateKey = %d, %v; want 2", v, err)
	}
	if err := k.CreateKey(ctx, "named-bad", "dsa-1024"); err == nil {
		t.Error("CreateKey(dsa-1024) succeeded")
	}
	s, err = k.KeySigner(ctx, "named-missing", 1)
	if s != nil || !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("KeySigner(missing) = %v (nil: %t), %v; want a nil signer and keys.ErrNotFound", s, s == nil, err)
	}
}
