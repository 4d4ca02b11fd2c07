package ca

import (
	"context"
	"crypto"
	"time"
)

// Keys is what the CA needs from key custody (Vault Transit, which
// cmd/kyso wires in). Keys never leave it: the CA receives crypto.Signer
// values bound to one key version. Key types are named as Transit names
// them ("rsa-3072", "ecdsa-p256"). A custody that cannot serve a request
// for now (sealed, unreachable, too slow) returns an error of kind
// errkind.Unavailable; the CA passes it on as such (see MayPass).
type Keys interface {
	// CreateKey creates a non-exportable key; creating an existing key of
	// the same type succeeds.
	CreateKey(ctx context.Context, name, keyType string) error
	// RotateKey adds a key version and returns it.
	RotateKey(ctx context.Context, name string) (int, error)
	// KeySigner returns a signer pinned to one key version.
	KeySigner(ctx context.Context, name string, version int) (crypto.Signer, error)
}

// KeyEvent reports the creation of one of the CA's own keys in Vault: the
// key of a new root, issuing CA or OCSP responder. Creating a key is the
// slowest thing the CA asks of Vault (an RSA-4096 key can take a loaded
// Vault minutes), so Config.Progress hears when it starts and ends.
type KeyEvent struct {
	// Role says what the key is for: "root", "issuing CA" or "OCSP responder".
	Role string
	// Key and Type are the Transit key's name and type ("rsa-4096").
	Key, Type string
	// Done is false when the creation starts, true when it ended; then
	// Took is how long it took and Err is nil if it succeeded.
	Done bool
	Took time.Duration
	Err  error
}

// createCAKey creates one of the CA's own keys, telling cfg.Progress when
// it starts and ends. The key's name is fixed by its role, so a creation
// cut short (Vault may still make the key) is finished by the next attempt,
// which finds the key Vault made and uses it.
func (a *Authority) createCAKey(ctx context.Context, role, name, keyType string) error {
	if a.cfg.Progress == nil {
		return a.keys.CreateKey(ctx, name, keyType)
	}
	a.cfg.Progress(KeyEvent{Role: role, Key: name, Type: keyType})
	start := time.Now()
	err := a.keys.CreateKey(ctx, name, keyType)
	a.cfg.Progress(KeyEvent{Role: role, Key: name, Type: keyType, Done: true, Took: time.Since(start), Err: err})
	return err
}
