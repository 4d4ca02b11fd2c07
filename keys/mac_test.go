package keys_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/keys"
)

func TestMAC(t *testing.T) {
	ctx := context.Background()
	m := newManager(t)
	k, err := m.MAC(ctx, "kyso-csc-tokens")
	if err != nil {
		t.Fatalf("MAC = %v", err)
	}
	msg := []byte("client-1|1796600000|nonce")
	tag, err := k.Sum(ctx, msg)
	if err != nil || !strings.HasPrefix(tag, "vault:v1:") {
		t.Fatalf("Sum = %q, %v, want a vault:v1: tag", tag, err)
	}
	if ok, err := k.Verify(ctx, msg, tag); !ok || err != nil {
		t.Fatalf("Verify(own tag) = %t, %v, want true", ok, err)
	}
	info, err := m.Info(ctx, "kyso-csc-tokens")
	if err != nil || info.Exportable || info.AllowPlaintextBackup || info.Type != "hmac" {
		t.Fatalf("Info = %+v, %v, want a non-exportable hmac key", info, err)
	}

	// After a rotation new tags name version 2 and the older tag still
	// checks: a token outlives a rotation of the key.
	if _, err := m.Rotate(ctx, "kyso-csc-tokens"); err != nil {
		t.Fatal(err)
	}
	tag2, err := k.Sum(ctx, msg)
	if err != nil || !strings.HasPrefix(tag2, "vault:v2:") {
		t.Fatalf("Sum after rotation = %q, %v, want a vault:v2: tag", tag2, err)
	}
	if ok, err := k.Verify(ctx, msg, tag); !ok || err != nil {
		t.Fatalf("Verify(version 1 tag) after rotation = %t, %v, want true", ok, err)
	}

	flipped := []byte(tag)
	i := strings.LastIndexByte(tag, ':') + 5
	if flipped[i] == 'A' {
		flipped[i] = 'B'
	} else {
		flipped[i] = 'A'
	}
	for name, bad := range map[string]struct {
		msg []byte
		tag string
	}{
		"other message":     {[]byte("client-2|1796600000|nonce"), tag},
		"altered tag":       {msg, string(flipped)},
		"version 1 as 2":    {msg, strings.Replace(tag, "vault:v1:", "vault:v2:", 1)},
		"unknown version":   {msg, strings.Replace(tag, "vault:v1:", "vault:v9:", 1)},
		"version 0":         {msg, strings.Replace(tag, "vault:v1:", "vault:v0:", 1)},
		"leading zero":      {msg, strings.Replace(tag, "vault:v1:", "vault:v01:", 1)},
		"not a vault tag":   {msg, strings.TrimPrefix(tag, "vault:v1:")},
		"empty":             {msg, ""},
		"another key's tag": {msg, "vault:v1:" + strings.Repeat("A", 44)},
	} {
		if ok, err := k.Verify(ctx, bad.msg, bad.tag); ok || err != nil {
			t.Errorf("Verify(%s) = %t, %v, want false, nil", name, ok, err)
		}
	}
}

func TestMACRefusesOtherKeys(t *testing.T) {
	ctx := context.Background()
	m := newManager(t)
	if _, err := m.Cipher(ctx, "kyso-secrets"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.MAC(ctx, "kyso-secrets"); !errors.Is(err, keys.ErrConflict) {
		t.Fatalf("MAC on an aes256-gcm96 key = %v, want keys.ErrConflict", err)
	}
	if _, err := m.MAC(ctx, "../sys"); !errors.Is(err, keys.ErrInvalid) {
		t.Fatalf("MAC(\"../sys\") = %v, want keys.ErrInvalid", err)
	}
}
