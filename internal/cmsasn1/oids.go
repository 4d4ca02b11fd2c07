package cmsasn1

import (
	"crypto"
	"encoding/asn1"
)

// Content types (RFC 5652, 4 and 5; RFC 3161, 2.4.2).
var (
	// OIDData is id-data.
	OIDData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	// OIDSignedData is id-signedData.
	OIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	// OIDTSTInfo is id-ct-TSTInfo, the content of a time-stamp token.
	OIDTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
)

// Attribute types.
var (
	// OIDAttrContentType is id-contentType (RFC 5652, 11.1).
	OIDAttrContentType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	// OIDAttrMessageDigest is id-messageDigest (RFC 5652, 11.2).
	OIDAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	// OIDAttrSigningTime is id-signingTime (RFC 5652, 11.3).
	OIDAttrSigningTime = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	// OIDAttrSigningCertificate is id-aa-signingCertificate (RFC 2634, 5.4).
	OIDAttrSigningCertificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	// OIDAttrSigningCertificateV2 is id-aa-signingCertificateV2 (RFC 5035, 3).
	OIDAttrSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	// OIDAttrTimeStampToken is id-aa-signatureTimeStampToken (RFC 3161,
	// Appendix A), the unsigned attribute that carries the time-stamp token
	// over the signature value.
	OIDAttrTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	// OIDAttrRevInfoArchival is Adobe's adbe-revocationInfoArchival (ISO
	// 32000-1, 12.8.3.3.2): revocation data as a signed attribute.
	OIDAttrRevInfoArchival = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
	// OIDRIOCSPResponse is id-ri-ocsp-response (RFC 5940, 4.1), the
	// OtherRevocationInfoFormat of an OCSP response in the crls field.
	OIDRIOCSPResponse = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
	// OIDEmailAddress is the PKCS #9 emailAddress attribute of a
	// distinguished name (RFC 5280, 4.1.2.6, legacy use).
	OIDEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)

// Digest algorithms (RFC 1321, RFC 3370, RFC 5754, NIST CSOR).
var (
	OIDMD5        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	OIDSHA1       = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA224     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	OIDSHA256     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	OIDSHA512_256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 6}
	OIDSHA3_256   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 8}
	OIDSHA3_384   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 9}
	OIDSHA3_512   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 10}
)

// Signature algorithms (RFC 8017, RFC 4055, RFC 5758, RFC 8410, RFC 5480).
var (
	// OIDRSAEncryption is rsaEncryption, the PKCS #1 v1.5 signature
	// algorithm of CMS (RFC 3370, 3.2).
	OIDRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDMD5WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	OIDSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	OIDSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	OIDSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	OIDSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	OIDSHA224WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	// OIDSHA1WithRSAOIW is the OIW sha1WithRSASignature some old writers
	// use.
	OIDSHA1WithRSAOIW = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 29}
	// OIDRSASSAPSS is id-RSASSA-PSS (RFC 4055, 3.1).
	OIDRSASSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	// OIDMGF1 is id-mgf1 (RFC 4055, 2.2).
	OIDMGF1 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}

	OIDECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	OIDECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	OIDECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	OIDECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	OIDECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	OIDECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	OIDEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// SignHashes are the digest algorithms kyso signs with, strongest last.
var SignHashes = []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}

// DigestOID returns the object identifier of h, one of SignHashes, or nil.
func DigestOID(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA256:
		return OIDSHA256
	case crypto.SHA384:
		return OIDSHA384
	case crypto.SHA512:
		return OIDSHA512
	}
	return nil
}

// ECDSAOID returns ecdsa-with-h (RFC 5758, 3.2) for h one of SignHashes,
// or nil.
func ECDSAOID(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA256:
		return OIDECDSAWithSHA256
	case crypto.SHA384:
		return OIDECDSAWithSHA384
	case crypto.SHA512:
		return OIDECDSAWithSHA512
	}
	return nil
}

// SignHashForOID returns the hash of SignHashes named by oid, or 0.
func SignHashForOID(oid asn1.ObjectIdentifier) crypto.Hash {
	for _, h := range SignHashes {
		if oid.Equal(DigestOID(h)) {
			return h
		}
	}
	return 0
}
