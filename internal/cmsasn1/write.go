package cmsasn1

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The writer builds the structures of RFC 5652 (CMS) and RFC 5035 (ESS)
// below with cryptobyte, byte for byte as encoding/asn1 writes them when
// they are declared as Go structs with asn1.RawValue fields for the pieces
// that are already DER (write_test.go declares them so and compares). Those
// pieces go in as they stand, unchecked, as encoding/asn1 writes a
// RawValue's FullBytes; an empty one becomes what encoding/asn1 writes for
// the zero RawValue, 00 00. The one difference: an object identifier with
// a negative arc, which encoding/asn1 writes without that arc, is an error.

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

// errNoSerial is a certificate without a serial number: a *big.Int that
// cannot be written.
var errNoSerial = errors.New("cmsasn1: certificate without a serial number")

// errNoCert is MarshalSigningCertificateV2 given no certificate.
var errNoCert = errors.New("cmsasn1: no certificate to name")

// Marshal encodes d as a ContentInfo holding the SignedData (RFC 5652, 3
// and 5.1; version 1: id-data, no attribute certificates, v1 SignerInfo).
func (d *Detached) Marshal() ([]byte, error) {
	if d.Cert == nil || len(d.SignedAttrs) == 0 {
		return nil, errors.New("cmsasn1: detached SignedData without certificate or signed attributes")
	}
	if d.Cert.SerialNumber == nil {
		return nil, errNoSerial
	}
	// Room for the pieces and the tags and lengths around them, so that
	// the output is allocated once.
	size := 256 + len(d.Certificates) + len(d.SignedAttrs) + len(d.Signature) + len(d.Cert.RawIssuer) +
		2*algorithmSize(d.DigestAlgorithm) + algorithmSize(d.SignatureAlgorithm)
	for _, a := range d.UnsignedAttrs {
		size += len(a)
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, size))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(tagC0, func(b *cryptobyte.Builder) { // content [0] EXPLICIT
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { // digestAlgorithms
					addAlgorithm(b, d.DigestAlgorithm)
				})
				// EncapsulatedContentInfo (RFC 5652, 5.2) without eContent:
				// the signature is detached.
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(OIDData)
				})
				if len(d.Certificates) > 0 {
					b.AddASN1(tagC0, func(b *cryptobyte.Builder) { // certificates [0] IMPLICIT
						b.AddBytes(d.Certificates)
					})
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { // signerInfos
					d.addSignerInfo(b)
				})
			})
		})
	})
	return b.Bytes()
}

// addSignerInfo writes d's SignerInfo (RFC 5652, 5.3), version 1: the sid
// is issuerAndSerialNumber (RFC 5652, 10.2.4).
func (d *Detached) addSignerInfo(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addRaw(b, d.Cert.RawIssuer)
			b.AddASN1BigInt(d.Cert.SerialNumber)
		})
		addAlgorithm(b, d.DigestAlgorithm)
		// signedAttrs: the SET OF that was signed with its identifier
		// octet replaced by [0] IMPLICIT (RFC 5652, 5.4).
		b.AddUint8(uint8(tagC0))
		b.AddBytes(d.SignedAttrs[1:])
		addAlgorithm(b, d.SignatureAlgorithm)
		b.AddASN1OctetString(d.Signature)
		if len(d.UnsignedAttrs) > 0 {
			b.AddASN1(tagC1, func(b *cryptobyte.Builder) { // unsignedAttrs [1] IMPLICIT SET OF
				for _, a := range sortedSet(d.UnsignedAttrs) {
					b.AddBytes(a)
				}
			})
		}
	})
}

// MarshalAttribute encodes an Attribute (RFC 5652, 5.3) of type typ with
// the single value der.
func MarshalAttribute(typ asn1.ObjectIdentifier, der []byte) ([]byte, error) {
	b := cryptobyte.NewBuilder(make([]byte, 0, 16+2*len(typ)+len(der)))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(typ)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			addRaw(b, der)
		})
	})
	return b.Bytes()
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
	sorted := sortedSet(elems)
	n := 0
	for _, e := range sorted {
		n += len(e)
	}
	out := appendTagLength(make([]byte, 0, 6+n), asn1.ClassUniversal, asn1.TagSet, true, n)
	for _, e := range sorted {
		out = append(out, e...)
	}
	return out
}

// sortedSet returns the elements of a SET OF in DER order, leaving elems
// as it is.
func sortedSet(elems [][]byte) [][]byte {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	return sorted
}

// MarshalSigningCertificateV2 encodes the SigningCertificateV2 value naming
// cert: its SHA-256 hash and its issuer and serial number (RFC 5035, 3 and
// 4), without policies.
func MarshalSigningCertificateV2(cert *x509.Certificate) ([]byte, error) {
	if cert == nil {
		return nil, errNoCert
	}
	if cert.SerialNumber == nil {
		return nil, errNoSerial
	}
	certHash := sha256.Sum256(cert.Raw)
	b := cryptobyte.NewBuilder(make([]byte, 0, 96+len(cert.RawIssuer)+len(cert.SerialNumber.Bits())*8))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			// ESSCertIDv2 with the default hash algorithm, SHA-256, which
			// DER leaves out.
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(certHash[:])
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					// issuer is GeneralNames holding one directoryName
					// ([4] EXPLICIT Name).
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
						})
					})
					b.AddASN1BigInt(cert.SerialNumber)
				})
			})
		})
	})
	return b.Bytes()
}

// addAlgorithm writes alg as encoding/asn1 writes a
// pkix.AlgorithmIdentifier. Its parameters are OPTIONAL: the zero
// RawValue leaves them out (ecdsa-with-SHA256, RFC 5758, 3.2),
// asn1.NullRawValue is NULL (rsaEncryption, RFC 3370, 3.2), FullBytes go
// in as they stand (RSASSA-PSS-params, PSSAlgorithm).
func addAlgorithm(b *cryptobyte.Builder, alg pkix.AlgorithmIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(alg.Algorithm)
		p := alg.Parameters
		// encoding/asn1 leaves out an OPTIONAL field equal to its zero
		// value, by reflect.DeepEqual: an empty but non-nil slice is not.
		if p.Class == 0 && p.Tag == 0 && !p.IsCompound && p.Bytes == nil && p.FullBytes == nil {
			return
		}
		addRawValue(b, p)
	})
}

// algorithmSize is about the size of alg's encoding.
func algorithmSize(alg pkix.AlgorithmIdentifier) int {
	return 16 + 2*len(alg.Algorithm) + len(alg.Parameters.FullBytes) + len(alg.Parameters.Bytes)
}

// addRaw writes der as encoding/asn1 writes asn1.RawValue{FullBytes: der}.
func addRaw(b *cryptobyte.Builder, der []byte) {
	addRawValue(b, asn1.RawValue{FullBytes: der})
}

// addRawValue writes v as encoding/asn1 writes an asn1.RawValue: its
// FullBytes as they stand if there are any, else an identifier and length
// made of Class, Tag, IsCompound and the length of Bytes, then Bytes.
func addRawValue(b *cryptobyte.Builder, v asn1.RawValue) {
	if len(v.FullBytes) > 0 {
		b.AddBytes(v.FullBytes)
		return
	}
	var hdr [24]byte
	b.AddBytes(appendTagLength(hdr[:0], v.Class, v.Tag, v.IsCompound, len(v.Bytes)))
	b.AddBytes(v.Bytes)
}

// appendTagLength appends the identifier and length octets of an element
// (X.690, 8.1.2 and 8.1.3) as encoding/asn1 writes them: the low two bits
// of class, the tag in one octet below 31 (a negative tag is not checked
// and lands in that octet too) and in base 128 from 31 on, the length in
// its shortest form, whatever its size (appendHeader of ber.go stops at
// four length octets).
func appendTagLength(dst []byte, class, tag int, compound bool, length int) []byte {
	id := byte(class) << 6
	if compound {
		id |= 0x20
	}
	if tag < 31 {
		dst = append(dst, id|byte(tag))
	} else {
		dst = append(dst, id|0x1f)
		n := 1
		for t := tag >> 7; t > 0; t >>= 7 {
			n++
		}
		for i := n - 1; i >= 0; i-- {
			o := byte(tag>>(7*i)) & 0x7f
			if i > 0 {
				o |= 0x80
			}
			dst = append(dst, o)
		}
	}
	if length < 0x80 {
		return append(dst, byte(length))
	}
	n := 0
	for l := length; l > 0; l >>= 8 {
		n++
	}
	dst = append(dst, 0x80|byte(n))
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(length>>(8*i)))
	}
	return dst
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
