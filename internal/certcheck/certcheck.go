// Package certcheck remembers which certificate signatures have been
// checked. kyso signs thousands of documents a day with the same few
// credentials; checking, for every signature, that each certificate of the
// signer's chain was issued by the next one cost about a sixth of the CPU of
// the sign path (an RSA verification and the precomputation of the public
// key, per certificate, per document). Whether parent's key signed child
// is a function of their bytes alone, so a successful check is remembered
// by the SHA-256 of both certificates; failures are not remembered.
package certcheck

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
)

// maxEntries bounds the memory held: about 100 bytes per entry. When full,
// the table is emptied and refilled by use.
const maxEntries = 10_000

type key [2][sha256.Size]byte

var (
	mu   sync.RWMutex
	seen = map[key]struct{}{}
)

// CheckSignatureFrom is child.CheckSignatureFrom(parent), remembered when it
// succeeds.
func CheckSignatureFrom(child, parent *x509.Certificate) error {
	k := key{sha256.Sum256(child.Raw), sha256.Sum256(parent.Raw)}
	mu.RLock()
	_, ok := seen[k]
	mu.RUnlock()
	if ok {
		return nil
	}
	if err := child.CheckSignatureFrom(parent); err != nil {
		return err
	}
	mu.Lock()
	if len(seen) >= maxEntries {
		clear(seen)
	}
	seen[k] = struct{}{}
	mu.Unlock()
	return nil
}
