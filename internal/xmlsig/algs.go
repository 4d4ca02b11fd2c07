package xmlsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"math/big"

	// The hashes XML-Signature names.
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"

	"github.com/kyso-vn/kyso/errkind"
)

// Digest algorithms (XML-Signature 1.1, 6.2; RFC 9231, 2.1).
const (
	DigestSHA1   = "http://www.w3.org/2000/09/xmldsig#sha1"
	DigestSHA224 = "http://www.w3.org/2001/04/xmldsig-more#sha224"
	DigestSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
	DigestSHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	DigestSHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
)

// Signature algorithms (XML-Signature 1.1, 6.4; RFC 9231, 2.2 and 2.3).
const (
	RSASHA1     = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	RSASHA256   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	RSASHA384   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
	RSASHA512   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
	ECDSASHA1   = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
	ECDSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	ECDSASHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
	ECDSASHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"
	// RSASSA-PSS with MGF1 of the same hash, salt as long as the hash and
	// trailer field 1 (RFC 9231, 2.3.10): the defaults without
	// RSAPSSParams.
	RSAPSSSHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
	RSAPSSSHA384 = "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
	RSAPSSSHA512 = "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"
	Ed25519      = "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519"
)

// Transforms.
const (
	TransformEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	TransformBase64    = "http://www.w3.org/2000/09/xmldsig#base64"
	TransformXPath     = "http://www.w3.org/TR/1999/REC-xpath-19991116"
	TransformXPath2    = "http://www.w3.org/2002/06/xmldsig-filter2"
)

var digestHashes = map[string]crypto.Hash{
	DigestSHA1:   crypto.SHA1,
	DigestSHA224: crypto.SHA224,
	DigestSHA256: crypto.SHA256,
	DigestSHA384: crypto.SHA384,
	DigestSHA512: crypto.SHA512,
}

// DigestHash returns the hash a DigestMethod algorithm names.
func DigestHash(uri string) (crypto.Hash, bool) {
	h, ok := digestHashes[uri]
	return h, ok
}

// KeyType is the kind of key a signature algorithm uses.
type KeyType int

// Key types.
const (
	KeyRSA KeyType = iota + 1
	KeyECDSA
	KeyEd25519
)

// Method describes a signature algorithm.
type Method struct {
	URI  string
	Key  KeyType
	Hash crypto.Hash // 0 for Ed25519
	PSS  bool
}

var methods = map[string]Method{}

func init() {
	for _, m := range []Method{
		{RSASHA1, KeyRSA, crypto.SHA1, false},
		{RSASHA256, KeyRSA, crypto.SHA256, false},
		{RSASHA384, KeyRSA, crypto.SHA384, false},
		{RSASHA512, KeyRSA, crypto.SHA512, false},
		{ECDSASHA1, KeyECDSA, crypto.SHA1, false},
		{ECDSASHA256, KeyECDSA, crypto.SHA256, false},
		{ECDSASHA384, KeyECDSA, crypto.SHA384, false},
		{ECDSASHA512, KeyECDSA, crypto.SHA512, false},
		{RSAPSSSHA256, KeyRSA, crypto.SHA256, true},
		{RSAPSSSHA384, KeyRSA, crypto.SHA384, true},
		{RSAPSSSHA512, KeyRSA, crypto.SHA512, true},
		{Ed25519, KeyEd25519, 0, false},
	} {
		methods[m.URI] = m
	}
}

// SignatureMethod returns the signature algorithm uri names.
func SignatureMethod(uri string) (Method, bool) {
	m, ok := methods[uri]
	return m, ok
}

// MethodFor returns the signature algorithm for a key type, hash and
// padding; false if there is none.
func MethodFor(key KeyType, h crypto.Hash, pss bool) (Method, bool) {
	for _, m := range methods {
		if m.Key == key && m.Hash == h && m.PSS == pss {
			return m, true
		}
	}
	return Method{}, false
}

// ErrBadSignature means a signature value does not verify.
var ErrBadSignature = errkind.New(errkind.Internal, "xmldsig: signature value does not verify")

// VerifyValue checks value, a SignatureValue made with the algorithm m,
// over signed (the canonical SignedInfo) against pub.
func VerifyValue(pub crypto.PublicKey, m Method, signed, value []byte) error {
	var digest []byte
	if m.Hash != 0 {
		if !m.Hash.Available() {
			return ErrUnsupported.Errorf("hash %v", m.Hash)
		}
		h := m.Hash.New()
		h.Write(signed)
		digest = h.Sum(nil)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if m.Key != KeyRSA {
			return ErrBadSignature.Errorf("an RSA key for %s", m.URI)
		}
		var err error
		if m.PSS {
			err = rsa.VerifyPSS(k, m.Hash, digest, value, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: m.Hash})
		} else {
			err = rsa.VerifyPKCS1v15(k, m.Hash, digest, value)
		}
		if err != nil {
			return ErrBadSignature
		}
		return nil
	case *ecdsa.PublicKey:
		if m.Key != KeyECDSA {
			return ErrBadSignature.Errorf("an ECDSA key for %s", m.URI)
		}
		n := (k.Curve.Params().N.BitLen() + 7) / 8
		if len(value) != 2*n {
			return ErrBadSignature.Errorf("ECDSA value of %d bytes, want %d (r and s)", len(value), 2*n)
		}
		r := new(big.Int).SetBytes(value[:n])
		s := new(big.Int).SetBytes(value[n:])
		if !ecdsa.Verify(k, digest, r, s) {
			return ErrBadSignature
		}
		return nil
	case ed25519.PublicKey:
		if m.Key != KeyEd25519 || !ed25519.Verify(k, signed, value) {
			return ErrBadSignature
		}
		return nil
	}
	return ErrUnsupported.Errorf("%T key", pub)
}
