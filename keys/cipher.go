package keys

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/vault/api"
)

// cipherKeyType is the Transit type of every Cipher key: AES-256 in GCM
// mode with a 96-bit nonce, an AEAD that takes associated data.
const cipherKeyType = "aes256-gcm96"

// Cipher encrypts and decrypts small secrets (a TOTP seed, an idempotency
// record) with one Transit key of type aes256-gcm96. The key never leaves
// Vault: the plaintext goes to Transit and back over the Vault session. It
// is safe for concurrent use.
type Cipher struct {
	m    *Manager
	name string
}

// Cipher returns a Cipher on the Transit key named name, creating it
// (aes256-gcm96, neither exportable nor backed up in plain text) if it is
// missing. The caller names the key, under its configured key prefix. A
// key of that name of another type, or one that could leave Vault, is an
// ErrConflict error.
func (m *Manager) Cipher(ctx context.Context, name string) (*Cipher, error) {
	if err := m.serviceKey(ctx, "cipher", name, map[string]any{"type": cipherKeyType}); err != nil {
		return nil, err
	}
	return &Cipher{m: m, name: name}, nil
}

// serviceKey makes sure the Transit key name exists with the type in
// params (created so, neither exportable nor backed up in plain text, if
// it is missing). what names its use in errors. A key of that name of
// another type, or one that could leave Vault, is an ErrConflict error.
func (m *Manager) serviceKey(ctx context.Context, what, name string, params map[string]any) error {
	if err := checkName(name); err != nil {
		return err
	}
	typ := params["type"].(string)
	data := map[string]any{"exportable": false, "allow_plaintext_backup": false}
	for k, v := range params {
		data[k] = v
	}
	_, err := m.call(ctx, m.create, func(ctx context.Context) (*api.Secret, error) {
		return m.logical.WriteWithContext(ctx, m.path("keys", name), data)
	})
	if err != nil && (!errors.Is(err, ErrUnavailable) || ctx.Err() != nil) {
		return fmt.Errorf("create %s key %q: %w", what, name, err)
	}
	// Whether the write succeeded, or its outcome is unknown, the key
	// Vault has now is the one to check.
	info, rerr := m.Info(ctx, name)
	if rerr != nil {
		if err != nil {
			return fmt.Errorf("create %s key %q: %w", what, name, err)
		}
		return fmt.Errorf("%s key %q: %w", what, name, rerr)
	}
	switch {
	case string(info.Type) != typ:
		return fmt.Errorf("%s key %q: %w: it has type %s, want %s", what, name, ErrConflict, info.Type, typ)
	case info.Exportable || info.AllowPlaintextBackup:
		return fmt.Errorf("%s key %q: %w: the existing key is exportable (%t) or allows plaintext backup (%t)",
			what, name, ErrConflict, info.Exportable, info.AllowPlaintextBackup)
	}
	return nil
}

// Encrypt encrypts plaintext, binding it to associated (Transit's
// associated_data: authenticated, not stored), and returns Transit's
// ciphertext, "vault:v<version>:<base64>", as bytes. Decrypting it needs the
// same associated data.
func (c *Cipher) Encrypt(ctx context.Context, plaintext, associated []byte) ([]byte, error) {
	data := map[string]any{"plaintext": base64.StdEncoding.EncodeToString(plaintext)}
	if len(associated) > 0 {
		data["associated_data"] = base64.StdEncoding.EncodeToString(associated)
	}
	s, err := c.m.write(ctx, c.m.path("encrypt", c.name), data)
	if err != nil {
		return nil, fmt.Errorf("encrypt with %q: %w", c.name, err)
	}
	ct, _ := dataString(s, "ciphertext")
	if !strings.HasPrefix(ct, "vault:v") {
		return nil, fmt.Errorf("encrypt with %q: %w", c.name, integrityf("no vault:v<version>: ciphertext in vault's answer"))
	}
	return []byte(ct), nil
}

// Decrypt decrypts a ciphertext made by Encrypt with the same associated
// data. A ciphertext that was altered, or is presented with other
// associated data, fails Transit's authentication: an ErrInvalid error.
func (c *Cipher) Decrypt(ctx context.Context, ciphertext, associated []byte) ([]byte, error) {
	if !strings.HasPrefix(string(ciphertext), "vault:v") {
		return nil, fmt.Errorf("decrypt with %q: %w", c.name, invalidf("ciphertext lacks the vault:v<version>: prefix"))
	}
	data := map[string]any{"ciphertext": string(ciphertext)}
	if len(associated) > 0 {
		data["associated_data"] = base64.StdEncoding.EncodeToString(associated)
	}
	s, err := c.m.write(ctx, c.m.path("decrypt", c.name), data)
	if err != nil {
		return nil, fmt.Errorf("decrypt with %q: %w", c.name, err)
	}
	p, ok := dataString(s, "plaintext")
	if !ok {
		return nil, fmt.Errorf("decrypt with %q: %w", c.name, integrityf("no plaintext in vault's answer"))
	}
	out, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, fmt.Errorf("decrypt with %q: %w", c.name, integrityf("plaintext is not base64: %v", err))
	}
	return out, nil
}

// dataString returns the string field key of a Vault answer.
func dataString(s *api.Secret, key string) (string, bool) {
	if s == nil || s.Data == nil {
		return "", false
	}
	v, ok := s.Data[key].(string)
	return v, ok
}
