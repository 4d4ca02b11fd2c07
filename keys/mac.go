package keys

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// macKeyType is the Transit type of every MAC key: a 256-bit HMAC key
// that serves Transit's hmac endpoint only.
const macKeyType = "hmac"

// MAC computes and checks HMAC-SHA-256 tags with one Transit key of type
// hmac (a bearer token's tag, say). The key never leaves Vault, so whoever
// reads kyso's database or memory cannot make a tag. Safe for concurrent
// use.
type MAC struct {
	m    *Manager
	name string
}

// MAC returns a MAC on the Transit key named name, creating it (type
// hmac, 32 bytes, neither exportable nor backed up in plain text) if it is
// missing. A key of that name of another type, or one that could leave
// Vault, is an ErrConflict error.
func (m *Manager) MAC(ctx context.Context, name string) (*MAC, error) {
	if err := m.serviceKey(ctx, "MAC", name, map[string]any{"type": macKeyType, "key_size": 32}); err != nil {
		return nil, err
	}
	return &MAC{m: m, name: name}, nil
}

// Sum returns msg's HMAC-SHA-256 tag under the key's latest version, as
// Transit gives it: "vault:v<version>:<base64>".
func (k *MAC) Sum(ctx context.Context, msg []byte) (string, error) {
	return k.sum(ctx, msg, 0)
}

// Verify reports whether tag is msg's tag, made by Sum under the key
// version it names (a rotated key keeps checking older tags). A tag that
// is not of Sum's form is false, not an error.
func (k *MAC) Verify(ctx context.Context, msg []byte, tag string) (bool, error) {
	rest, ok := strings.CutPrefix(tag, "vault:v")
	if !ok {
		return false, nil
	}
	v, _, ok := strings.Cut(rest, ":")
	version, err := strconv.Atoi(v)
	if !ok || err != nil || version < 1 || strconv.Itoa(version) != v {
		return false, nil
	}
	want, err := k.sum(ctx, msg, version)
	if errors.Is(err, ErrInvalid) { // a version the key does not have
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return hmac.Equal([]byte(want), []byte(tag)), nil
}

func (k *MAC) sum(ctx context.Context, msg []byte, version int) (string, error) {
	data := map[string]any{"input": base64.StdEncoding.EncodeToString(msg), "algorithm": "sha2-256"}
	if version > 0 {
		data["key_version"] = version
	}
	s, err := k.m.write(ctx, k.m.path("hmac", k.name), data)
	if err != nil {
		return "", fmt.Errorf("MAC with %q: %w", k.name, err)
	}
	tag, _ := dataString(s, "hmac")
	if !strings.HasPrefix(tag, "vault:v") {
		return "", fmt.Errorf("MAC with %q: %w", k.name, integrityf("no vault:v<version>: tag in vault's answer"))
	}
	return tag, nil
}
