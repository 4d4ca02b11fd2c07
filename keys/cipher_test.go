package keys_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/keys"
)

func TestCipherRoundTrip(t *testing.T) {
	ctx := context.Background()
	m := newManager(t)
	c, err := m.Cipher(ctx, "kyso-totp")
	if err != nil {
		t.Fatalf("Cipher = %v", err)
	}
	secret := []byte("JBSWY3DPEHPK3PXP seed bytes \x00\xff")
	ad := []byte("credential:cred-1")
	ct, err := c.Encrypt(ctx, secret, ad)
	if err != nil {
		t.Fatalf("Encrypt = %v", err)
	}
	if !strings.HasPrefix(string(ct), "vault:v1:") || bytes.Contains(ct, secret) {
		t.Fatalf("Encrypt = %q, want a vault:v1: ciphertext without the plaintext", ct)
	}
	got, err := c.Decrypt(ctx, ct, ad)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Decrypt = %q, %v, want %q", got, err, secret)
	}
	// A second Cipher on the same name reuses the key.
	c2, err := m.Cipher(ctx, "kyso-totp")
	if err != nil {
		t.Fatalf("Cipher again = %v", err)
	}
	if got, err := c2.Decrypt(ctx, ct, ad); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Decrypt with a second Cipher = %q, %v", got, err)
	}
	info, err := m.Info(ctx, "kyso-totp")
	if err != nil || info.Exportable || info.AllowPlaintextBackup || info.Type != "aes256-gcm96" {
		t.Fatalf("Info = %+v, %v, want a non-exportable aes256-gcm96 key", info, err)
	}
}

func TestCipherRefusesTampering(t *testing.T) {
	ctx := context.Background()
	m := newManager(t)
	c, err := m.Cipher(ctx, "kyso-secrets")
	if err != nil {
		t.Fatalf("Cipher = %v", err)
	}
	ct, err := c.Encrypt(ctx, []byte("secret"), []byte("row-1"))
	if err != nil {
		t.Fatalf("Encrypt = %v", err)
	}
	// Change one base64 character well inside the payload (the last ones
	// may carry only padding bits, which a lenient decoder ignores).
	flipped := bytes.Clone(ct)
	i := len("vault:v1:") + 8
	if flipped[i] == 'A' {
		flipped[i] = 'B'
	} else {
		flipped[i] = 'A'
	}
	tests := []struct {
		name   string
		ct, ad []byte
	}{
		{"other associated data", ct, []byte("row-2")},
		{"no associated data", ct, nil},
		{"altered ciphertext", flipped, []byte("row-1")},
		{"not a vault ciphertext", []byte("c2VjcmV0"), []byte("row-1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Decrypt(ctx, tt.ct, tt.ad)
			if err == nil {
				t.Fatalf("Decrypt = %q, nil, want an error", got)
			}
			if !errors.Is(err, keys.ErrInvalid) {
				t.Errorf("Decrypt = %v, want keys.ErrInvalid", err)
			}
		})
	}
}

func TestCipherRefusesSigningKey(t *testing.T) {
	ctx := context.Background()
	m := newManager(t)
	if err := m.Create(ctx, "kyso-signing", keys.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Cipher(ctx, "kyso-signing"); !errors.Is(err, keys.ErrConflict) {
		t.Fatalf("Cipher on an ECDSA key = %v, want keys.ErrConflict", err)
	}
	if _, err := m.Cipher(ctx, "../sys"); !errors.Is(err, keys.ErrInvalid) {
		t.Fatalf("Cipher(\"../sys\") = %v, want keys.ErrInvalid", err)
	}
}
