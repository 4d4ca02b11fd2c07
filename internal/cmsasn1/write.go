package cmsasn1

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"time"
)

// The structures below follow RFC 5652 (CMS) as encoding/asn1 writes them;
// asn1.RawValue fields carry pieces that are already DER.

// contentInfo is ContentInfo (RFC 5652, 3). Content is the whole [0]
// EXPLICIT element: encoding/asn1 writes a RawValue as it stands, ignoring
// the field's tag parameters.
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

// signedData is SignedData (RFC 5652, 5.1) as written: no CRLs.
type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapsulatedContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

// encapsulatedContentInfo is EncapsulatedContentInfo (RFC 5652, 5.2)
// without eContent: the signatures written here are detached.
type encapsulatedContentInfo struct {
	EContentType asn1.ObjectIdentifier
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

// attribute is Attribute (RFC 5652, 5.3) with one value, the only form
// written here.
type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

// Detached is a detached CMS SignedData of id-data content with one
// signer, the form kyso's CMS and PAdES signatures take.
type Detached struct {
	// Cert is the signer's certificate: the sid is its issuer and serial
	// number (SignerInfo version 1).
	Cert *x509.Certificate
	// Certificates is the content of the certificates field: the DER
	// certificates, concatenated.
	Certificates []byte
	// DigestAlgorithm names the hash of the content and the signed
	// attributes; it is also the one digestAlgorithms entry.
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignatureAlgorithm pkix.AlgorithmIdentifier
	// SignedAttrs is the DER SET OF Attribute the signature is over, as
	// MarshalSet returns it (RFC 5652, 5.4). It is written with the [0]
	// IMPLICIT tag.
	SignedAttrs []byte
	Signature   []byte
	// UnsignedAttrs are encoded Attributes (MarshalAttribute), written as a
	// DER SET OF with the [1] IMPLICIT tag when there are any.
	UnsignedAttrs [][]byte
}

// Marshal encodes d as a ContentInfo holding the SignedData (RFC 5652, 3
// and 5.1; version 1: id-data, no attribute certificates, v1 SignerInfo).
func (d *Detached) Marshal() ([]byte, error) {
	if d.Cert == nil || len(d.SignedAttrs) == 0 {
		return nil, errors.New("cmsasn1: detached SignedData without certificate or signed attributes")
	}
	si := signerInfo{
		Version:            1,
		SID:                issuerAndSerialNumber{Issuer: asn1.RawValue{FullBytes: d.Cert.RawIssuer}, SerialNumber: d.Cert.SerialNumber},
		DigestAlgorithm:    d.DigestAlgorithm,
		SignedAttrs:        asn1.RawValue{FullBytes: retag(d.SignedAttrs, asn1.ClassContextSpecific, 0)},
		SignatureAlgorithm: d.SignatureAlgorithm,
		Signature:          d.Signature,
	}
	if len(d.UnsignedAttrs) > 0 {
		si.UnsignedAttrs = asn1.RawValue{FullBytes: retag(MarshalSet(d.UnsignedAttrs), asn1.ClassContextSpecific, 1)}
	}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{d.DigestAlgorithm},
		EncapContentInfo: encapsulatedContentInfo{EContentType: OIDData},
		SignerInfos:      []signerInfo{si},
	}
	if len(d.Certificates) > 0 {
		sd.Certificates = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: d.Certificates}
	}
	body, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfo{
		ContentType: OIDSignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: body},
	})
}

// MarshalAttribute encodes an Attribute of type typ with the single value
// der.
func MarshalAttribute(typ asn1.ObjectIdentifier, der []byte) ([]byte, error) {
	return asn1.Marshal(attribute{Type: typ, Values: []asn1.RawValue{{FullBytes: der}}})
}

// MarshalAttributeValue encodes v with encoding/asn1 (an asn1.RawValue with
// FullBytes passes as it stands) and checks that it is one DER element.
func MarshalAttributeValue(v any) ([]byte, error) {
	der, err := asn1.Marshal(v)
	if err != nil {
		return nil, err
	}
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &raw); err != nil || len(rest) != 0 {
		return nil, errors.New("value is not one DER element")
	}
	return der, nil
}

// MarshalSet encodes encoded elements as a DER SET OF: sorted by their
// encodings (X.690, 11.6), under the universal SET tag. RFC 5652, 5.4: a
// signature is over this encoding of the signed attributes, while
// SignerInfo carries it with the [0] IMPLICIT tag instead.
func MarshalSet(elems [][]byte) []byte {
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

// signingCertificateV2 is SigningCertificateV2 (RFC 5035, 3; RFC 5816)
// without policies.
type signingCertificateV2 struct {
	Certs []essCertIDv2
}

// essCertIDv2 is ESSCertIDv2 (RFC 5035, 4) with the default hash
// algorithm, SHA-256, which DER leaves out.
type essCertIDv2 struct {
	CertHash     []byte
	IssuerSerial issuerSerial
}

// issuerSerial is IssuerSerial (RFC 5035, 4): issuer is GeneralNames
// holding one directoryName ([4] EXPLICIT Name).
type issuerSerial struct {
	Issuer       []asn1.RawValue
	SerialNumber *big.Int
}

// MarshalSigningCertificateV2 encodes the SigningCertificateV2 value naming
// cert: its SHA-256 hash and its issuer and serial number (RFC 5035, 4).
func MarshalSigningCertificateV2(cert *x509.Certificate) ([]byte, error) {
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

// MarshalSigningTime encodes t as the signing-time value: UTCTime for
// years 1950 to 2049 and GeneralizedTime otherwise, in UTC, to the second
// (RFC 5652, 11.3). encoding/asn1 applies that rule to time.Time.
func MarshalSigningTime(t time.Time) ([]byte, error) {
	return asn1.Marshal(t.UTC().Truncate(time.Second))
}

// PSSParameters is RSASSA-PSS-params (RFC 4055, 3.1). The trailer field is
// always 1, its DEFAULT, which DER leaves out.
type PSSParameters struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
	MGF          pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
	SaltLength   int                      `asn1:"explicit,tag:2"`
	TrailerField int                      `asn1:"optional,explicit,tag:3,default:1"`
}

// PSSAlgorithm returns the RSASSA-PSS AlgorithmIdentifier for h, one of
// SignHashes: hash h, MGF1 with h, salt length the size of h, trailer field
// 1 (RFC 4056, 2). The hash identifiers inside carry NULL parameters, as
// RFC 4055, 2.1 specifies for sha256Identifier and its siblings.
func PSSAlgorithm(h crypto.Hash) (pkix.AlgorithmIdentifier, error) {
	oid := DigestOID(h)
	if oid == nil {
		return pkix.AlgorithmIdentifier{}, errors.New("cmsasn1: PSS with an unsupported hash")
	}
	hashID := pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
	mgfParams, err := asn1.Marshal(hashID)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, err
	}
	params, err := asn1.Marshal(PSSParameters{
		Hash:         hashID,
		MGF:          pkix.AlgorithmIdentifier{Algorithm: OIDMGF1, Parameters: asn1.RawValue{FullBytes: mgfParams}},
		SaltLength:   h.Size(),
		TrailerField: 1,
	})
	if err != nil {
		return pkix.AlgorithmIdentifier{}, err
	}
	return pkix.AlgorithmIdentifier{Algorithm: OIDRSASSAPSS, Parameters: asn1.RawValue{FullBytes: params}}, nil
}
