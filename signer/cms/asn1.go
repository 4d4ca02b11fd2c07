package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/digitorus/pkcs7"
)

// Object identifiers not exported by pkcs7.
var (
	// oidSigningCertificateV2 is id-aa-signingCertificateV2 (RFC 5035, 3).
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	// oidSigningCertificate is id-aa-signingCertificate (RFC 2634, 5.4); kyso
	// never emits it, and callers may not add it next to the v2 attribute.
	oidSigningCertificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	// OIDSignatureTimeStampToken is id-aa-signatureTimeStampToken (RFC 3161,
	// Appendix A), the unsigned attribute that carries the time-stamp token
	// over the signature value.
	OIDSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	// oidRSASSAPSS is id-RSASSA-PSS (RFC 4055, 3.1).
	oidRSASSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	// oidMGF1 is id-mgf1 (RFC 4055, 2.2).
	oidMGF1 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
)

// The structures below follow RFC 5652 (CMS). They are used both to encode
// what SignDetached and friends return and to parse it back for the
// self-check; asn1.RawValue fields carry pieces that are already DER.

// contentInfo is ContentInfo (RFC 5652, 3). Content is the whole [0]
// EXPLICIT element: encoding/asn1 writes a RawValue as it stands, ignoring
// the field's tag parameters, and reads the whole [0] element into it.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

// signedData is SignedData (RFC 5652, 5.1). CRLs are never written; the field
// is there so that parsing skips them.
type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapsulatedContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

// encapsulatedContentInfo is EncapsulatedContentInfo (RFC 5652, 5.2). The
// signatures made here are detached: eContent is absent.
type encapsulatedContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

// signerInfo is SignerInfo (RFC 5652, 5.3) with sid as
// issuerAndSerialNumber (version 1). SignedAttrs and UnsignedAttrs hold the
// full [0] and [1] IMPLICIT SET OF Attribute encodings.
type signerInfo struct {
	Version            int
	SID                issuerAndSerialNumber
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

// issuerAndSerialNumber is IssuerAndSerialNumber (RFC 5652, 10.2.4).
type issuerAndSerialNumber struct {
	Issuer       asn1.RawValue
	SerialNumber *big.Int
}

// attribute is Attribute (RFC 5652, 5.3) with one value, the only form this
// package writes.
type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

// signingCertificateV2 is SigningCertificateV2 (RFC 5035, 3) without
// policies.
type signingCertificateV2 struct {
	Certs []essCertIDv2
}

// essCertIDv2 is ESSCertIDv2 (RFC 5035, 4) with the default hash algorithm,
// SHA-256, which DER leaves out.
type essCertIDv2 struct {
	CertHash     []byte
	IssuerSerial issuerSerial
}

// issuerSerial is IssuerSerial (RFC 5035, 4): issuer is GeneralNames holding
// one directoryName ([4] EXPLICIT Name).
type issuerSerial struct {
	Issuer       []asn1.RawValue
	SerialNumber *big.Int
}

// pssParameters is RSASSA-PSS-params (RFC 4055, 3.1). The trailer field is
// always 1, its DEFAULT, so DER leaves it out.
type pssParameters struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
	MGF          pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
	SaltLength   int                      `asn1:"explicit,tag:2"`
	TrailerField int                      `asn1:"optional,explicit,tag:3,default:1"`
}

// tstInfo is the start of TSTInfo (RFC 3161, 2.4.2): enough to read the
// message imprint.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
}

// digestOIDs maps the hashes kyso signs with to their object identifiers.
var digestOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA256: pkcs7.OIDDigestAlgorithmSHA256,
	crypto.SHA384: pkcs7.OIDDigestAlgorithmSHA384,
	crypto.SHA512: pkcs7.OIDDigestAlgorithmSHA512,
}

// ecdsaOIDs maps hashes to ecdsa-with-SHA* (RFC 5758, 3.2).
var ecdsaOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA256: pkcs7.OIDDigestAlgorithmECDSASHA256,
	crypto.SHA384: pkcs7.OIDDigestAlgorithmECDSASHA384,
	crypto.SHA512: pkcs7.OIDDigestAlgorithmECDSASHA512,
}

// hashForOID is the inverse of digestOIDs.
func hashForOID(oid asn1.ObjectIdentifier) crypto.Hash {
	for h, o := range digestOIDs {
		if o.Equal(oid) {
			return h
		}
	}
	return 0
}

// pssAlgorithm returns the RSASSA-PSS AlgorithmIdentifier for h: hash h,
// MGF1 with h, salt length the size of h, trailer field 1 (RFC 4056, 2). The
// hash identifiers inside carry NULL parameters, as RFC 4055, 2.1 specifies
// for sha256Identifier and its siblings.
func pssAlgorithm(h crypto.Hash) (pkix.AlgorithmIdentifier, error) {
	hashID := pkix.AlgorithmIdentifier{Algorithm: digestOIDs[h], Parameters: asn1.NullRawValue}
	mgfParams, err := asn1.Marshal(hashID)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, err
	}
	params, err := asn1.Marshal(pssParameters{
		Hash:         hashID,
		MGF:          pkix.AlgorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: mgfParams}},
		SaltLength:   h.Size(),
		TrailerField: 1,
	})
	if err != nil {
		return pkix.AlgorithmIdentifier{}, err
	}
	return pkix.AlgorithmIdentifier{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: params}}, nil
}

// marshalAttribute encodes an attribute with the single value der.
func marshalAttribute(typ asn1.ObjectIdentifier, der []byte) ([]byte, error) {
	return asn1.Marshal(attribute{Type: typ, Values: []asn1.RawValue{{FullBytes: der}}})
}

// marshalAttributeValue encodes v, a value as pkcs7.Attribute holds it, and
// checks that it is one DER element.
func marshalAttributeValue(v any) ([]byte, error) {
	der, err := asn1.Marshal(v)
	if err != nil {
		return nil, err
	}
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &raw); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("value is not one DER element")
	}
	return der, nil
}

// marshalSet encodes encoded attributes as a DER SET OF: sorted by their
// encodings (X.690, 11.6), under the universal SET tag. RFC 5652, 5.4: the
// signature is over this encoding, while SignerInfo carries it with the
// [0] IMPLICIT tag instead.
func marshalSet(elems [][]byte) []byte {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	body := bytes.Join(sorted, nil)
	out, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: body})
	return out
}

// retag returns der, an encoding of a constructed element, with its
// identifier octet replaced by a constructed one of class and tag (all tags
// here are below 31, so one identifier octet).
func retag(der []byte, class, tag int) []byte {
	out := slices.Clone(der)
	out[0] = byte(class<<6) | 0x20 | byte(tag)
	return out
}

// marshalSigningCertificateV2 encodes the SigningCertificateV2 value naming
// cert: its SHA-256 hash and its issuer and serial number (RFC 5035, 4).
func marshalSigningCertificateV2(cert *x509.Certificate) ([]byte, error) {
	certHash := crypto.SHA256.New()
	certHash.Write(cert.Raw)
	return asn1.Marshal(signingCertificateV2{Certs: []essCertIDv2{{
		CertHash: certHash.Sum(nil),
		IssuerSerial: issuerSerial{
			Issuer:       []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer}},
			SerialNumber: cert.SerialNumber,
		},
	}}})
}

// marshalSigningTime encodes t as the signing-time value: UTCTime for years
// 1950 to 2049 and GeneralizedTime otherwise, in UTC, to the second (RFC
// 5652, 11.3). encoding/asn1 applies that rule to time.Time.
func marshalSigningTime(t time.Time) ([]byte, error) {
	return asn1.Marshal(t.UTC().Truncate(time.Second))
}
