// Package cmsasn1 is kyso's one reader and writer of the ASN.1 of CMS (RFC
// 5652), ESS signing-certificate attributes (RFC 2634, RFC 5035), RFC 3161
// time-stamp tokens and responses, and RSASSA-PSS parameters (RFC 4055),
// and the one place their object identifiers are declared (oids.go).
//
// The reader (ParseSignedData and its helpers) is the verifier's: strict
// DER through cryptobyte, BER accepted by re-encoding it (BERToDER), every
// list bounded, the raw bytes a verifier needs (the signed attributes as
// signed, each certificate, each revocation value) kept. It judges nothing:
// which algorithms, names and certificates are acceptable is the caller's
// decision. The writer (Detached, the Marshal helpers, and the
// encoding/asn1 structures of the time-stamp protocol and of
// RSASSA-PSS-params) is what signer/cms and signer/tsa encode with; the
// SignedData, its attributes and SigningCertificateV2 are built with
// cryptobyte, in the bytes encoding/asn1 writes for them.
//
// It imports only the standard library and golang.org/x/crypto/cryptobyte;
// nothing of kyso.
package cmsasn1
