package cmsasn1

import (
	"crypto"
	"encoding/asn1"
)

// HashOID pairs an algorithm identifier with the hash it names or uses.
type HashOID struct {
	OID  asn1.ObjectIdentifier
	Hash crypto.Hash
}

// DigestAlgorithms are the digest algorithms read, weak ones included:
// judging them is the reader's caller's business.
var DigestAlgorithms = []HashOID{
	{OIDMD5, crypto.MD5}, {OIDSHA1, crypto.SHA1}, {OIDSHA224, crypto.SHA224},
	{OIDSHA256, crypto.SHA256}, {OIDSHA384, crypto.SHA384}, {OIDSHA512, crypto.SHA512},
	{OIDSHA512_256, crypto.SHA512_256}, {OIDSHA3_256, crypto.SHA3_256},
	{OIDSHA3_384, crypto.SHA3_384}, {OIDSHA3_512, crypto.SHA3_512},
}

// RSASignatureAlgorithms are the PKCS #1 v1.5 signature algorithms that
// name their hash.
var RSASignatureAlgorithms = []HashOID{
	{OIDMD5WithRSA, crypto.MD5}, {OIDSHA1WithRSA, crypto.SHA1}, {OIDSHA1WithRSAOIW, crypto.SHA1},
	{OIDSHA224WithRSA, crypto.SHA224}, {OIDSHA256WithRSA, crypto.SHA256},
	{OIDSHA384WithRSA, crypto.SHA384}, {OIDSHA512WithRSA, crypto.SHA512},
}

// ECDSASignatureAlgorithms are ecdsa-with-SHA* (RFC 5758, 3.2; RFC 5480).
var ECDSASignatureAlgorithms = []HashOID{
	{OIDECDSAWithSHA1, crypto.SHA1}, {OIDECDSAWithSHA224, crypto.SHA224},
	{OIDECDSAWithSHA256, crypto.SHA256}, {OIDECDSAWithSHA384, crypto.SHA384},
	{OIDECDSAWithSHA512, crypto.SHA512},
}

// HashForDigestOID returns the hash a digestAlgorithm names. Some signers
// put a signature algorithm there (sha256WithRSAEncryption); its hash is
// accepted and loose reports it.
func HashForDigestOID(oid asn1.ObjectIdentifier) (h crypto.Hash, loose bool, ok bool) {
	for _, d := range DigestAlgorithms {
		if d.OID.Equal(oid) {
			return d.Hash, false, true
		}
	}
	for _, d := range RSASignatureAlgorithms {
		if d.OID.Equal(oid) {
			return d.Hash, true, true
		}
	}
	for _, d := range ECDSASignatureAlgorithms {
		if d.OID.Equal(oid) {
			return d.Hash, true, true
		}
	}
	return 0, false, false
}
