package verifier

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// maxCertSigs bounds the certificate signatures remembered: about 2 KB
// each.
const maxCertSigs = 1024

// certSigs remembers the certificate signatures checkCertSignature found
// valid, for every verification of the process.
var certSigs = &sigCache{max: maxCertSigs}

// sigCache remembers valid certificate signatures by exactly what decides
// them: the issuer's SubjectPublicKeyInfo (its key and algorithm) and the
// certificate's DER (its TBSCertificate, signature algorithm and
// signature). Nothing else about the certificates is remembered — not
// their validity periods, revocation, constraints or whether they are
// trusted, which each verification still decides — and an invalid
// signature is never remembered. It is safe for concurrent use; when full,
// an entry is dropped to make room.
type sigCache struct {
	mu  sync.Mutex
	max int
	m   map[[sha256.Size]byte]sigPair
}

// sigPair is a remembered pair, kept whole (copied, so that the document
// it came from is not kept): a hit must be the same bytes, not only the
// same digest.
type sigPair struct{ spki, cert []byte }

func sigKey(spki, cert []byte) [sha256.Size]byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(spki)))
	h.Write(n[:])
	h.Write(spki)
	h.Write(cert)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// verified reports whether the issuer key spki was found to have signed
// the certificate cert.
func (c *sigCache) verified(spki, cert []byte) bool {
	k := sigKey(spki, cert)
	c.mu.Lock()
	p, ok := c.m[k]
	c.mu.Unlock()
	return ok && bytes.Equal(p.spki, spki) && bytes.Equal(p.cert, cert)
}

// add remembers that the issuer key spki signed cert; the caller has
// checked the signature.
func (c *sigCache) add(spki, cert []byte) {
	k := sigKey(spki, cert)
	p := sigPair{bytes.Clone(spki), bytes.Clone(cert)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[[sha256.Size]byte]sigPair{}
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = p
}

// len returns the number of signatures remembered.
func (c *sigCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
