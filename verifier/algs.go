package verifier

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
)

func newHash(h crypto.Hash) hash.Hash {
	switch h {
	case crypto.MD5:
		return md5.New()
	case crypto.SHA1:
		return sha1.New()
	case crypto.SHA224:
		return sha256.New224()
	case crypto.SHA256:
		return sha256.New()
	case crypto.SHA384:
		return sha512.New384()
	case crypto.SHA512:
		return sha512.New()
	case crypto.SHA512_256:
		return sha512.New512_256()
	case crypto.SHA3_256:
		return sha3.New256()
	case crypto.SHA3_384:
		return sha3.New384()
	case crypto.SHA3_512:
		return sha3.New512()
	}
	return nil
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.MD5:
		return "MD5"
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA224:
		return "SHA-224"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	case crypto.SHA512_256:
		return "SHA-512/256"
	case crypto.SHA3_256:
		return "SHA3-256"
	case crypto.SHA3_384:
		return "SHA3-384"
	case crypto.SHA3_512:
		return "SHA3-512"
	}
	return fmt.Sprintf("hash %d", int(h))
}

func digest(h crypto.Hash, data []byte) []byte {
	d := newHash(h)
	d.Write(data)
	return d.Sum(nil)
}

// errAlgorithm marks an algorithm the verifier does not handle, so that the
// signature is reported as FORMAT_FAILURE rather than SIG_CRYPTO_FAILURE.
var errAlgorithm = cmsasn1.ErrAlgorithm

// errKeyMismatch marks a certificate whose key is not of the signature
// algorithm's type: the signature cannot be this certificate's.
var errKeyMismatch = errors.New("the certificate's key does not fit the signature algorithm")

// errWeakKey marks a key too small to be verified at all.
var errWeakKey = errors.New("key too small")

type pssParams struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"explicit,tag:0,optional"`
	MGF          pkix.AlgorithmIdentifier `asn1:"explicit,tag:1,optional"`
	SaltLength   int                      `asn1:"explicit,tag:2,optional,default:20"`
	TrailerField int                      `asn1:"explicit,tag:3,optional,default:1"`
}

// sigInfo describes the algorithm of a verified signature.
type sigInfo struct {
	name string      // e.g. "RSA PKCS#1 v1.5 with SHA-256"
	hash crypto.Hash // the hash the signature is over
}

// verifySig verifies sig over msg with pub under the CMS signatureAlgorithm
// alg; digestHash is the SignerInfo's digestAlgorithm, used when alg does
// not name a hash (rsaEncryption, id-ecPublicKey). When msg is nil, pre is
// its digest with digestHash (a SignerInfo without signed attributes,
// whose signature is over the content's digest).
func verifySig(pub crypto.PublicKey, alg pkix.AlgorithmIdentifier, digestHash crypto.Hash, msg, pre, sig []byte) (sigInfo, error) {
	oid := alg.Algorithm
	sum := func(h crypto.Hash) ([]byte, error) {
		if msg != nil {
			return digest(h, msg), nil
		}
		if h != digestHash {
			return nil, fmt.Errorf("%w: signature hash %s differs from the digest algorithm %s", errAlgorithm, hashName(h), hashName(digestHash))
		}
		return pre, nil
	}
	switch {
	case oid.Equal(cmsasn1.OIDRSASSAPSS):
		rpub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return sigInfo{}, fmt.Errorf("%w: RSASSA-PSS with a %T key", errKeyMismatch, pub)
		}
		p := pssParams{SaltLength: 20, TrailerField: 1}
		if len(alg.Parameters.FullBytes) > 0 {
			rest, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p)
			if err != nil || len(rest) > 0 {
				return sigInfo{}, fmt.Errorf("%w: RSASSA-PSS parameters do not parse", errAlgorithm)
			}
		}
		h := crypto.SHA1
		if len(p.Hash.Algorithm) > 0 {
			var ok bool
			if h, _, ok = cmsasn1.HashForDigestOID(p.Hash.Algorithm); !ok {
				return sigInfo{}, fmt.Errorf("%w: RSASSA-PSS hash %v", errAlgorithm, p.Hash.Algorithm)
			}
		}
		mgfHash := crypto.SHA1
		if len(p.MGF.Algorithm) > 0 {
			if !p.MGF.Algorithm.Equal(cmsasn1.OIDMGF1) {
				return sigInfo{}, fmt.Errorf("%w: RSASSA-PSS mask generation %v", errAlgorithm, p.MGF.Algorithm)
			}
			var mh pkix.AlgorithmIdentifier
			if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mh); err != nil {
				return sigInfo{}, fmt.Errorf("%w: MGF1 parameters do not parse", errAlgorithm)
			}
			var ok bool
			if mgfHash, _, ok = cmsasn1.HashForDigestOID(mh.Algorithm); !ok {
				return sigInfo{}, fmt.Errorf("%w: MGF1 hash %v", errAlgorithm, mh.Algorithm)
			}
		}
		if mgfHash != h || p.TrailerField != 1 || p.SaltLength < 0 {
			return sigInfo{}, fmt.Errorf("%w: RSASSA-PSS with MGF1 %s, hash %s, trailer %d", errAlgorithm, hashName(mgfHash), hashName(h), p.TrailerField)
		}
		if err := checkRSASize(rpub); err != nil {
			return sigInfo{}, err
		}
		if newHash(h) == nil {
			return sigInfo{}, fmt.Errorf("%w: hash %v", errAlgorithm, h)
		}
		info := sigInfo{name: "RSASSA-PSS with " + hashName(h), hash: h}
		d, err := sum(h)
		if err != nil {
			return info, err
		}
		return info, rsa.VerifyPSS(rpub, h, d, sig, &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h})
	case oid.Equal(cmsasn1.OIDEd25519):
		epub, ok := pub.(ed25519.PublicKey)
		if !ok {
			return sigInfo{}, fmt.Errorf("%w: Ed25519 with a %T key", errKeyMismatch, pub)
		}
		info := sigInfo{name: "Ed25519", hash: crypto.SHA512}
		if msg == nil {
			return info, fmt.Errorf("%w: Ed25519 without signed attributes", errAlgorithm)
		}
		if !ed25519.Verify(epub, msg, sig) {
			return info, errors.New("ed25519: verification error")
		}
		return info, nil
	}
	h := crypto.Hash(0)
	kind := ""
	if oid.Equal(cmsasn1.OIDRSAEncryption) {
		h, kind = digestHash, "rsa"
	} else if oid.Equal(cmsasn1.OIDECPublicKey) {
		h, kind = digestHash, "ecdsa"
	}
	for _, d := range cmsasn1.RSASignatureAlgorithms {
		if d.OID.Equal(oid) {
			h, kind = d.Hash, "rsa"
		}
	}
	for _, d := range cmsasn1.ECDSASignatureAlgorithms {
		if d.OID.Equal(oid) {
			h, kind = d.Hash, "ecdsa"
		}
	}
	if kind == "" || h == 0 || newHash(h) == nil {
		return sigInfo{}, fmt.Errorf("%w: signature algorithm %v", errAlgorithm, oid)
	}
	switch kind {
	case "rsa":
		rpub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return sigInfo{}, fmt.Errorf("%w: RSA signature with a %T key", errKeyMismatch, pub)
		}
		if err := checkRSASize(rpub); err != nil {
			return sigInfo{}, err
		}
		info := sigInfo{name: "RSA PKCS#1 v1.5 with " + hashName(h), hash: h}
		d, err := sum(h)
		if err != nil {
			return info, err
		}
		if err := rsa.VerifyPKCS1v15(rpub, h, d, sig); err != nil {
			if m := explainRSA(rpub, h, sig, sum); m != nil {
				return info, m
			}
			return info, err
		}
		return info, nil
	default:
		epub, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return sigInfo{}, fmt.Errorf("%w: ECDSA signature with a %T key", errKeyMismatch, pub)
		}
		info := sigInfo{name: "ECDSA with " + hashName(h), hash: h}
		d, err := sum(h)
		if err != nil {
			return info, err
		}
		if !ecdsa.VerifyASN1(epub, d, sig) {
			return info, errors.New("ecdsa: verification error")
		}
		return info, nil
	}
}

func checkRSASize(pub *rsa.PublicKey) error {
	if pub.N == nil || pub.N.BitLen() < 1024 {
		return fmt.Errorf("%w: RSA key of %d bits", errWeakKey, pub.N.BitLen())
	}
	return nil
}

// checkCertSignature checks that parent's key signed child. Unlike
// x509.Certificate.CheckSignatureFrom it does not look at parent's CA
// constraints (chains are built by x509.Verify, which does) and it accepts
// SHA-1, which crypto/x509 refuses, for self-signatures of old roots and
// for OCSP responder certificates. A signature found valid is remembered
// (certSigs): the same certificates come with document after document.
func checkCertSignature(child, parent *x509.Certificate) error {
	if certSigs.verified(parent.RawSubjectPublicKeyInfo, child.Raw) {
		return nil
	}
	err := verifyCertSignature(child, parent)
	if err == nil {
		certSigs.add(parent.RawSubjectPublicKeyInfo, child.Raw)
	}
	return err
}

// verifyCertSignature is checkCertSignature without its memory.
func verifyCertSignature(child, parent *x509.Certificate) error {
	err := parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
	var insecure x509.InsecureAlgorithmError
	if !errors.As(err, &insecure) {
		return err
	}
	switch child.SignatureAlgorithm {
	case x509.SHA1WithRSA:
		pub, ok := parent.PublicKey.(*rsa.PublicKey)
		if !ok {
			return err
		}
		return rsa.VerifyPKCS1v15(pub, crypto.SHA1, digest(crypto.SHA1, child.RawTBSCertificate), child.Signature)
	case x509.ECDSAWithSHA1:
		pub, ok := parent.PublicKey.(*ecdsa.PublicKey)
		if !ok || !ecdsa.VerifyASN1(pub, digest(crypto.SHA1, child.RawTBSCertificate), child.Signature) {
			return err
		}
		return nil
	}
	return err
}
