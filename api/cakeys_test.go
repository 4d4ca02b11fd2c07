package api_test

import (
	"context"
	"crypto"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/keys"
)

// caKeys hands the CA a keys.Manager (Vault Transit) as ca.Keys, as
// cmd/kyso's wiring does: ca itself does not import keys.
func caKeys(m *keys.Manager) ca.Keys { return managerKeys{m} }

type managerKeys struct{ m *keys.Manager }

func (k managerKeys) CreateKey(ctx context.Context, name, keyType string) error {
	kt, err := keys.ParseKeyType(keyType)
	if err != nil {
		return err
	}
	return k.m.Create(ctx, name, kt)
}

func (k managerKeys) RotateKey(ctx context.Context, name string) (int, error) {
	return k.m.Rotate(ctx, name)
}

func (k managerKeys) KeySigner(ctx context.Context, name string, version int) (crypto.Signer, error) {
	s, err := k.m.Signer(ctx, name, version)
	if err != nil {
		return nil, err
	}
	return s, nil
}
