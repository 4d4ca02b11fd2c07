package main

import (
	"context"
	"crypto"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/keys"
)

// caKeys hands the CA the Vault Transit keys of m as ca.Keys: ca names key
// types as strings and takes any crypto.Signer, and does not import keys.
// Vault's errors pass through unchanged: an unavailable Vault stays of
// kind errkind.Unavailable, which ca and the API recognise.
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

// KeySigner returns the signer as a crypto.Signer, nil on error: a nil
// *keys.Signer must not become a non-nil interface value.
func (k managerKeys) KeySigner(ctx context.Context, name string, version int) (crypto.Signer, error) {
	s, err := k.m.Signer(ctx, name, version)
	if err != nil {
		return nil, err
	}
	return s, nil
}
