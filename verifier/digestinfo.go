package verifier

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// labelMismatch is an RSA PKCS #1 v1.5 signature value that decodes, with
// the signer's key, to a DigestInfo of another hash than the one its
// algorithm label names (the signatureAlgorithm, or the digestAlgorithm
// for rsaEncryption): the key did sign, but not what the label says. It is
// still a signature that does not verify — validators check a signature
// with the algorithm it names (RFC 5652, 5.6), as OpenSSL does — but the
// reason is not a wrong key.
type labelMismatch struct {
	label  crypto.Hash // the hash the SignerInfo names
	inside crypto.Hash // the hash the DigestInfo names
	// matches reports that the DigestInfo's digest is that of what was
	// to be signed, computed with inside.
	matches bool
}

func (m *labelMismatch) Error() string {
	s := fmt.Sprintf("the SignerInfo says RSA with %s, but the signature value, opened with the signer's key, holds a %s digest, so it is not a valid %s signature", hashName(m.label), hashName(m.inside), hashName(m.label))
	if m.matches {
		return s + "; that " + hashName(m.inside) + " digest is the signed data's: the signing software mislabelled the algorithm"
	}
	return s + "; that " + hashName(m.inside) + " digest is not the signed data's either"
}

// explainRSA says why the PKCS #1 v1.5 signature sig by pub did not verify
// as a signature over data with hash h (sum computes the digest of the
// signed data with a hash): a label mismatch when the value decodes to
// another hash's DigestInfo, else nil.
func explainRSA(pub *rsa.PublicKey, h crypto.Hash, sig []byte, sum func(crypto.Hash) ([]byte, error)) error {
	inside, d, ok := rsaDigestInfo(pub, sig)
	if !ok || inside == h {
		return nil
	}
	m := &labelMismatch{label: h, inside: inside}
	if want, err := sum(inside); err == nil {
		m.matches = bytes.Equal(want, d)
	}
	return m
}

// rsaDigestInfo opens the PKCS #1 v1.5 signature sig with pub (RFC 8017,
// 8.2.2 and 9.2: EM = 0x00 || 0x01 || PS || 0x00 || DigestInfo, PS at
// least eight 0xFF) and returns the hash and digest of its DigestInfo.
// It is used only to explain a signature that did not verify; it never
// accepts one.
func rsaDigestInfo(pub *rsa.PublicKey, sig []byte) (crypto.Hash, []byte, bool) {
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) != k || pub.E < 2 {
		return 0, nil, false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return 0, nil, false
	}
	em := s.Exp(s, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, k))
	if em[0] != 0 || em[1] != 1 {
		return 0, nil, false
	}
	i := 2
	for i < len(em) && em[i] == 0xff {
		i++
	}
	if i-2 < 8 || i >= len(em) || em[i] != 0 {
		return 0, nil, false
	}
	t := cryptobyte.String(em[i+1:])
	var di, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	var d []byte
	if !t.ReadASN1(&di, cbasn1.SEQUENCE) || !t.Empty() || !di.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) || !di.ReadASN1Bytes(&d, cbasn1.OCTET_STRING) || !di.Empty() {
		return 0, nil, false
	}
	h, loose, ok := cmsasn1.HashForDigestOID(oid)
	if !ok || loose || newHash(h) == nil || len(d) != h.Size() {
		return 0, nil, false
	}
	return h, d, true
}
