package keys

import (
	"context"
	"crypto"
)

// Named is a Manager for packages that name key types as strings and
// take any crypto.Signer, and so need not import keys: package ca's Keys
// has its shape, and cmd/kyso hands ca a Named. Vault's errors pass
// through unchanged: an unavailable Vault stays of kind
// errkind.Unavailable.
type Named struct{ M *Manager }

// CreateKey is Create of the key type keyType names (ParseKeyType).
func (k Named) CreateKey(ctx context.Context, name, keyType string) error {
	kt, err := ParseKeyType(keyType)
	if err != nil {
		return err
	}
	return k.M.Create(ctx, name, kt)
}

// RotateKey is Rotate.
func (k Named) RotateKey(ctx context.Context, name string) (int, error) {
	return k.M.Rotate(ctx, name)
}

// KeySigner is Signer, as a crypto.Signer that is nil on error (a nil
// *Signer must not become a non-nil interface value).
func (k Named) KeySigner(ctx context.Context, name string, version int) (crypto.Signer, error) {
	s, err := k.M.Signer(ctx, name, version)
	if err != nil {
		return nil, err
	}
	return s, nil
}
