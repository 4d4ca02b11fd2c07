package xmldsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"math/big"

	"github.com/kyso-vn/kyso/internal/xmlsig"
)

// digestURIs are the DigestMethods Sign writes.
var digestURIs = map[crypto.Hash]string{
	crypto.SHA256: xmlsig.DigestSHA256,
	crypto.SHA384: xmlsig.DigestSHA384,
	crypto.SHA512: xmlsig.DigestSHA512,
}

// methodFor returns the signature algorithm for a key, hash and padding.
func methodFor(pub crypto.PublicKey, h crypto.Hash, pss bool) (xmlsig.Method, error) {
	var key xmlsig.KeyType
	switch pub.(type) {
	case *rsa.PublicKey:
		key = xmlsig.KeyRSA
	case *ecdsa.PublicKey:
		key = xmlsig.KeyECDSA
	default:
		return xmlsig.Method{}, ErrInvalid.Errorf("unsupported %T key", pub)
	}
	if pss && key != xmlsig.KeyRSA {
		return xmlsig.Method{}, ErrInvalid.Errorf("PSS asked for with an ECDSA key")
	}
	if m, ok := xmlsig.MethodFor(key, h, pss); ok {
		return m, nil
	}
	return xmlsig.Method{}, ErrInvalid.Errorf("no signature algorithm for %v", h)
}

// signerOpts returns the options a crypto.Signer is asked to sign with.
func signerOpts(m xmlsig.Method) crypto.SignerOpts {
	if m.PSS {
		return &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: m.Hash}
	}
	return m.Hash
}

// encodeValue turns a crypto.Signer's answer into a SignatureValue: ECDSA
// signatures are r and s, each as long as the curve's order, concatenated
// (XML-Signature 1.1, 6.4.3; RFC 4050, 3.3), not the ASN.1 SEQUENCE a
// crypto.Signer returns.
func encodeValue(pub crypto.PublicKey, sig []byte) ([]byte, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return sig, nil
	}
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(sig, &rs)
	if err != nil || len(rest) > 0 || rs.R == nil || rs.S == nil || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
		return nil, ErrIntegrity.Errorf("the signer's ECDSA signature is not an ASN.1 (r, s)")
	}
	n := (k.Curve.Params().N.BitLen() + 7) / 8
	if rs.R.BitLen() > 8*n || rs.S.BitLen() > 8*n {
		return nil, ErrIntegrity.Errorf("the signer's ECDSA signature is too long for the curve")
	}
	out := make([]byte, 2*n)
	rs.R.FillBytes(out[:n])
	rs.S.FillBytes(out[n:])
	return out, nil
}
