package ca

import (
	"context"
	"crypto"

	"github.com/kyso-vn/kyso/keys"
)

// Keys is what the CA needs from key custody. Keys never leave it: the CA
// receives crypto.Signer values bound to one key version.
type Keys interface {
	// CreateKey creates a non-exportable key; creating an existing key of
	// the same type succeeds.
	CreateKey(ctx context.Context, name, keyType string) error
	// RotateKey adds a key version and returns it.
	RotateKey(ctx context.Context, name string) (int, error)
	// KeySigner returns a signer pinned to one key version.
	KeySigner(ctx context.Context, name string, version int) (crypto.Signer, error)
}

// VaultKeys adapts a keys.Manager (Vault Transit) to Keys.
func VaultKeys(m *keys.Manager) Keys { return vaultKeys{m} }

type vaultKeys struct{ m *keys.Manager }

func (v vaultKeys) CreateKey(ctx context.Context, name, keyType string) error {
	kt, err := keys.ParseKeyType(keyType)
	if err != nil {
		return err
	}
	return v.m.Create(ctx, name, kt)
}

func (v vaultKeys) RotateKey(ctx context.Context, name string) (int, error) {
	return v.m.Rotate(ctx, name)
}

func (v vaultKeys) KeySigner(ctx context.Context, name string, version int) (crypto.Signer, error) {
	s, err := v.m.Signer(ctx, name, version)
	if err != nil {
		return nil, err
	}
	return s, nil
}
