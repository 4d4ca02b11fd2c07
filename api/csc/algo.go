package csc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"strings"
)

// Algorithm identifiers of the CSC requests and answers.
const (
	oidSHA256 = "2.16.840.1.101.3.4.2.1"
	oidSHA384 = "2.16.840.1.101.3.4.2.2"
	oidSHA512 = "2.16.840.1.101.3.4.2.3"

	oidRSA         = "1.2.840.113549.1.1.1"  // rsaEncryption (RFC 8017, A.1)
	oidRSAPSS      = "1.2.840.113549.1.1.10" // RSASSA-PSS (RFC 8017, A.2.3)
	oidSHA256RSA   = "1.2.840.113549.1.1.11"
	oidSHA384RSA   = "1.2.840.113549.1.1.12"
	oidSHA512RSA   = "1.2.840.113549.1.1.13"
	oidMGF1        = "1.2.840.113549.1.1.8"
	oidECPublicKey = "1.2.840.10045.2.1"
	oidECDSASHA256 = "1.2.840.10045.4.3.2"
	oidECDSASHA384 = "1.2.840.10045.4.3.3"
	oidECDSASHA512 = "1.2.840.10045.4.3.4"
	oidCurveP256   = "1.2.840.10045.3.1.7"
	oidCurveP384   = "1.3.132.0.34"
	oidSHA1        = "1.3.14.3.2.26"
	oidSHA1RSA     = "1.2.840.113549.1.1.5"
	oidECDSASHA1   = "1.2.840.10045.4.1"
)

var hashByOID = map[string]crypto.Hash{oidSHA256: crypto.SHA256, oidSHA384: crypto.SHA384, oidSHA512: crypto.SHA512}

var oidByHash = map[crypto.Hash]string{crypto.SHA256: oidSHA256, crypto.SHA384: oidSHA384, crypto.SHA512: oidSHA512}

// hashOfOID returns the digest algorithm an OID names; SHA-1 and unknown
// OIDs are refused (Circular 15/2025 and ETSI TS 119 312: SHA-2 only).
func hashOfOID(field, oid string) (crypto.Hash, error) {
	if h, ok := hashByOID[oid]; ok {
		return h, nil
	}
	if oid == oidSHA1 {
		return 0, badRequest(field + ": SHA-1 (" + oidSHA1 + ") is not accepted; use SHA-256, SHA-384 or SHA-512")
	}
	return 0, badRequest(fmt.Sprintf("%s: unknown or unsupported digest algorithm %q (use %s, %s or %s)", field, oid, oidSHA256, oidSHA384, oidSHA512))
}

// keyAlgos describes a certificate's key for credentials/info: the OIDs of
// the signature algorithms it signs with (the key's own algorithm first),
// its length in bits and, for EC, the curve's OID.
func keyAlgos(cert *x509.Certificate) (algos []string, bits int, curve string) {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return []string{oidRSA, oidSHA256RSA, oidSHA384RSA, oidSHA512RSA, oidRSAPSS}, k.N.BitLen(), ""
	case *ecdsa.PublicKey:
		curve := ""
		switch k.Curve.Params().Name {
		case "P-256":
			curve = oidCurveP256
		case "P-384":
			curve = oidCurveP384
		}
		return []string{oidECPublicKey, oidECDSASHA256, oidECDSASHA384, oidECDSASHA512}, k.Curve.Params().BitSize, curve
	}
	return nil, 0, ""
}

// signScheme is what a signHash request asks for: the digest algorithm and
// the options handed to the credential's crypto.Signer.
type signScheme struct {
	hash crypto.Hash
	opts crypto.SignerOpts
}

// pssParams is RSASSA-PSS-params (RFC 8017, A.2.3).
type pssParams struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"explicit,tag:0,optional"`
	MGF          pkix.AlgorithmIdentifier `asn1:"explicit,tag:1,optional"`
	SaltLength   int                      `asn1:"explicit,tag:2,optional,default:20"`
	TrailerField int                      `asn1:"explicit,tag:3,optional,default:1"`
}

// scheme reads signAlgo, signAlgoParams (base64 DER) and the digest
// algorithm (hashOID, "" when the request names none) against the key of
// the credential's certificate. The digest algorithm is that of signAlgo
// when it names one, and must then agree with hashOID.
func scheme(pub crypto.PublicKey, signAlgo, params64, hashOID string) (signScheme, error) {
	implied := crypto.Hash(0)
	rsaKey, ecKey := false, false
	switch pub.(type) {
	case *rsa.PublicKey:
		rsaKey = true
	case *ecdsa.PublicKey:
		ecKey = true
	}
	pss := false
	switch signAlgo {
	case "":
		return signScheme{}, badRequest("signAlgo is required (an OID, e.g. " + oidRSA + " or " + oidRSAPSS + ")")
	case oidRSA:
	case oidSHA256RSA, oidSHA384RSA, oidSHA512RSA:
		implied = map[string]crypto.Hash{oidSHA256RSA: crypto.SHA256, oidSHA384RSA: crypto.SHA384, oidSHA512RSA: crypto.SHA512}[signAlgo]
	case oidRSAPSS:
		pss = true
	case oidECPublicKey:
	case oidECDSASHA256, oidECDSASHA384, oidECDSASHA512:
		implied = map[string]crypto.Hash{oidECDSASHA256: crypto.SHA256, oidECDSASHA384: crypto.SHA384, oidECDSASHA512: crypto.SHA512}[signAlgo]
	case oidSHA1RSA, oidECDSASHA1:
		return signScheme{}, badRequest("signAlgo: SHA-1 signatures are not accepted")
	default:
		return signScheme{}, badRequest(fmt.Sprintf("signAlgo: unknown or unsupported signature algorithm %q", signAlgo))
	}
	isRSA := strings.HasPrefix(signAlgo, "1.2.840.113549.1.1.")
	if isRSA && !rsaKey || !isRSA && !ecKey {
		return signScheme{}, badRequest("signAlgo: " + signAlgo + " does not match the credential's key (see key.algo in credentials/info)")
	}
	var h crypto.Hash
	if hashOID != "" {
		var err error
		if h, err = hashOfOID("hashAlgo", hashOID); err != nil {
			return signScheme{}, err
		}
	}
	if pss {
		ph, err := pssHash(params64)
		if err != nil {
			return signScheme{}, err
		}
		if h != 0 && h != ph {
			return signScheme{}, badRequest("signAlgoParams: the PSS digest algorithm differs from hashAlgo")
		}
		return signScheme{hash: ph, opts: &rsa.PSSOptions{SaltLength: ph.Size(), Hash: ph}}, nil
	}
	if params64 != "" {
		return signScheme{}, badRequest("signAlgoParams: only RSASSA-PSS (" + oidRSAPSS + ") takes parameters")
	}
	switch {
	case implied != 0 && h != 0 && implied != h:
		return signScheme{}, badRequest("hashAlgo differs from the digest algorithm signAlgo names")
	case implied != 0:
		h = implied
	case h == 0:
		return signScheme{}, badRequest("hashAlgo (v1) or hashAlgorithmOID (v2) is required with signAlgo " + signAlgo)
	}
	return signScheme{hash: h, opts: h}, nil
}

// pssHash reads RSASSA-PSS-params and returns their digest algorithm. kyso
// signs PSS as ETSI TS 119 312 and RFC 4055 recommend: MGF1 with the same
// digest, a salt as long as the digest, trailer field 1; other parameters
// are refused rather than signed differently from what was asked.
func pssHash(params64 string) (crypto.Hash, error) {
	if params64 == "" {
		return 0, badRequest("signAlgoParams is required with RSASSA-PSS: base64 of the DER RSASSA-PSS-params (RFC 8017, A.2.3)")
	}
	der, err := base64.StdEncoding.DecodeString(params64)
	if err != nil {
		return 0, badRequest("signAlgoParams: not base64")
	}
	var p pssParams
	rest, err := asn1.Unmarshal(der, &p)
	if err != nil || len(rest) != 0 {
		return 0, badRequest("signAlgoParams: not a DER RSASSA-PSS-params")
	}
	h, ok := hashByOID[p.Hash.Algorithm.String()]
	if !ok {
		return 0, badRequest("signAlgoParams: the digest algorithm must be SHA-256, SHA-384 or SHA-512")
	}
	var mgfHash pkix.AlgorithmIdentifier
	if p.MGF.Algorithm.String() != oidMGF1 {
		return 0, badRequest("signAlgoParams: the mask generation function must be MGF1")
	}
	if rest, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mgfHash); err != nil || len(rest) != 0 || hashByOID[mgfHash.Algorithm.String()] != h {
		return 0, badRequest("signAlgoParams: MGF1 must use the same digest algorithm as the signature")
	}
	if p.SaltLength != h.Size() || p.TrailerField != 1 {
		return 0, badRequest(fmt.Sprintf("signAlgoParams: the salt must be %d bytes (the digest's length) and the trailer field 1", h.Size()))
	}
	return h, nil
}
