package cmsasn1

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Bounds of one CMS structure.
const (
	// MaxCertificates bounds the certificates taken from one SignedData.
	MaxCertificates = 1000
	// MaxRevocation bounds the CRLs and OCSP responses taken from one
	// SignedData's crls field; those beyond it are dropped.
	MaxRevocation = 500

	maxAttrs       = 64
	maxAttrValues  = 64
	maxSignerInfos = 16
	maxDigestAlgs  = 16
)

// SignedData is a parsed CMS SignedData (RFC 5652, 5.1): what
// ParseSignedData returns. Slices of bytes point into DER.
type SignedData struct {
	DER              []byte // the ContentInfo, DER
	BER              bool   // it was BER and has been re-encoded
	DigestAlgorithms []asn1.ObjectIdentifier
	EContentType     asn1.ObjectIdentifier
	EContent         []byte // nil when detached
	HasEContent      bool
	Certs            []*x509.Certificate
	BadCerts         int
	CRLs             [][]byte // CertificateList DER
	OCSPs            [][]byte // OCSPResponse DER from the crls field (RFC 5940)
	Signers          []*SignerInfo
}

// SignerInfo is a parsed SignerInfo (RFC 5652, 5.3). The sid is either
// SIDIssuer and SIDSerial (issuerAndSerialNumber) or SIDKeyID
// (subjectKeyIdentifier).
type SignerInfo struct {
	SIDIssuer          []byte // DER Name of issuerAndSerialNumber
	SIDSerial          *big.Int
	SIDKeyID           []byte // subjectKeyIdentifier
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        []byte // DER SET OF Attribute as signed, nil if absent
	Attrs              []Attribute
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	Unsigned           []Attribute
}

// Attribute is a parsed Attribute (RFC 5652, 5.3).
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte // DER of each AttributeValue
}

// ErrMalformed marks input that is not the CMS, ESS or TSTInfo structure
// asked for, or exceeds one of the bounds of this package.
var ErrMalformed = errors.New("malformed CMS")

// ErrAlgorithm marks an algorithm that is not handled: here a hash object
// identifier HashForDigestOID does not know.
var ErrAlgorithm = errors.New("unsupported algorithm")

func cmsErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// ParseSignedData parses a ContentInfo holding a SignedData. Zero bytes
// after it (the padding of a PDF's /Contents) are ignored; anything else
// after it is an error. BER is accepted by re-encoding it.
func ParseSignedData(b []byte) (*SignedData, error) {
	return parseSignedData(b, true)
}

// ParseSignedDataSkipCerts is ParseSignedData without parsing the
// certificates (Certs and BadCerts stay empty): for a signer reading back
// its own output, which knows the certificates it put there and need not
// spend an X.509 parse on each.
func ParseSignedDataSkipCerts(b []byte) (*SignedData, error) {
	return parseSignedData(b, false)
}

func parseSignedData(b []byte, parseCerts bool) (*SignedData, error) {
	if len(b) == 0 {
		return nil, cmsErr("empty")
	}
	s := cryptobyte.String(b)
	var elem cryptobyte.String
	if s.ReadASN1Element(&elem, cbasn1.SEQUENCE) {
		if len(bytes.TrimRight(s, "\x00")) != 0 {
			return nil, cmsErr("%d bytes of data after the CMS", len(bytes.TrimRight(s, "\x00")))
		}
		if sd, err := parseContentInfo(elem, parseCerts); err == nil {
			sd.DER = elem
			return sd, nil
		}
	}
	der, rest, err := BERToDER(b)
	if err != nil {
		return nil, cmsErr("not DER or BER: %v", err)
	}
	if len(bytes.TrimRight(rest, "\x00")) != 0 {
		return nil, cmsErr("%d bytes of data after the CMS", len(bytes.TrimRight(rest, "\x00")))
	}
	sd, err := parseContentInfo(der, parseCerts)
	if err != nil {
		return nil, err
	}
	sd.DER, sd.BER = der, true
	return sd, nil
}

var (
	tagC0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagC1 = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagP0 = cbasn1.Tag(0).ContextSpecific()
)

func parseContentInfo(der []byte, parseCerts bool) (*SignedData, error) {
	s := cryptobyte.String(der)
	var ci, content, sd cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, cmsErr("not a ContentInfo")
	}
	if !ct.Equal(OIDSignedData) {
		return nil, cmsErr("content type %v is not SignedData", ct)
	}
	if !ci.ReadASN1(&content, tagC0) || !content.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, cmsErr("no SignedData")
	}
	out := &SignedData{}
	var version int64
	var algs, eci cryptobyte.String
	if !sd.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || !sd.ReadASN1(&algs, cbasn1.SET) {
		return nil, cmsErr("SignedData version or digestAlgorithms")
	}
	for !algs.Empty() {
		var alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !algs.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
			return nil, cmsErr("digestAlgorithms")
		}
		if len(out.DigestAlgorithms) >= maxDigestAlgs {
			return nil, cmsErr("more than %d digest algorithms", maxDigestAlgs)
		}
		out.DigestAlgorithms = append(out.DigestAlgorithms, oid)
	}
	if !sd.ReadASN1(&eci, cbasn1.SEQUENCE) || !eci.ReadASN1ObjectIdentifier(&out.EContentType) {
		return nil, cmsErr("encapContentInfo")
	}
	if eci.PeekASN1Tag(tagC0) {
		var ec, oct cryptobyte.String
		if !eci.ReadASN1(&ec, tagC0) || !ec.ReadASN1(&oct, cbasn1.OCTET_STRING) {
			return nil, cmsErr("eContent")
		}
		out.EContent, out.HasEContent = oct, true
	}
	if !eci.Empty() {
		return nil, cmsErr("data after eContent")
	}
	if sd.PeekASN1Tag(tagC0) {
		var certs cryptobyte.String
		if !sd.ReadASN1(&certs, tagC0) {
			return nil, cmsErr("certificates")
		}
		for parseCerts && !certs.Empty() {
			var el cryptobyte.String
			var tag cbasn1.Tag
			if !certs.ReadAnyASN1Element(&el, &tag) {
				return nil, cmsErr("certificates")
			}
			if tag != cbasn1.SEQUENCE {
				continue // attribute certificates and other formats
			}
			if len(out.Certs)+out.BadCerts >= MaxCertificates {
				return nil, cmsErr("more than %d certificates", MaxCertificates)
			}
			c, err := x509.ParseCertificate(el)
			if err != nil {
				out.BadCerts++
				continue
			}
			out.Certs = append(out.Certs, c)
		}
	}
	if sd.PeekASN1Tag(tagC1) {
		var crls cryptobyte.String
		if !sd.ReadASN1(&crls, tagC1) {
			return nil, cmsErr("crls")
		}
		for !crls.Empty() {
			var el cryptobyte.String
			var tag cbasn1.Tag
			if !crls.ReadAnyASN1Element(&el, &tag) {
				return nil, cmsErr("crls")
			}
			if len(out.CRLs)+len(out.OCSPs) >= MaxRevocation {
				break
			}
			switch tag {
			case cbasn1.SEQUENCE:
				out.CRLs = append(out.CRLs, el)
			case tagC1: // OtherRevocationInfoFormat (RFC 5652, 10.2.1)
				var other cryptobyte.String
				var format asn1.ObjectIdentifier
				var val cryptobyte.String
				if el.ReadASN1(&other, tagC1) && other.ReadASN1ObjectIdentifier(&format) && format.Equal(OIDRIOCSPResponse) && other.ReadASN1Element(&val, cbasn1.SEQUENCE) {
					out.OCSPs = append(out.OCSPs, val)
				}
			}
		}
	}
	var infos cryptobyte.String
	if !sd.ReadASN1(&infos, cbasn1.SET) || !sd.Empty() {
		return nil, cmsErr("signerInfos")
	}
	for !infos.Empty() {
		var si cryptobyte.String
		if !infos.ReadASN1(&si, cbasn1.SEQUENCE) {
			return nil, cmsErr("signerInfo")
		}
		if len(out.Signers) >= maxSignerInfos {
			return nil, cmsErr("more than %d signers", maxSignerInfos)
		}
		info, err := parseSignerInfo(si)
		if err != nil {
			return nil, err
		}
		out.Signers = append(out.Signers, info)
	}
	return out, nil
}

func parseSignerInfo(s cryptobyte.String) (*SignerInfo, error) {
	si := &SignerInfo{}
	var version int64
	if !s.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) {
		return nil, cmsErr("signerInfo version")
	}
	switch {
	case s.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, name cryptobyte.String
		si.SIDSerial = new(big.Int)
		if !s.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&name, cbasn1.SEQUENCE) || !ias.ReadASN1Integer(si.SIDSerial) || !ias.Empty() {
			return nil, cmsErr("issuerAndSerialNumber")
		}
		si.SIDIssuer = name
	case s.PeekASN1Tag(tagP0):
		var ski cryptobyte.String
		if !s.ReadASN1(&ski, tagP0) {
			return nil, cmsErr("subjectKeyIdentifier")
		}
		si.SIDKeyID = ski
	default:
		return nil, cmsErr("signer identifier")
	}
	var err error
	if si.DigestAlgorithm, err = ReadAlgorithm(&s); err != nil {
		return nil, cmsErr("digestAlgorithm: %v", err)
	}
	if s.PeekASN1Tag(tagC0) {
		var el cryptobyte.String
		if !s.ReadASN1Element(&el, tagC0) {
			return nil, cmsErr("signedAttrs")
		}
		// The signature is over the DER of the attributes with the SET OF
		// tag (RFC 5652, 5.4), not the [0] IMPLICIT they are stored with.
		si.SignedAttrs = bytes.Clone(el)
		si.SignedAttrs[0] = 0x31
		var body cryptobyte.String
		if !el.ReadASN1(&body, tagC0) {
			return nil, cmsErr("signedAttrs")
		}
		if si.Attrs, err = parseAttributes(body); err != nil {
			return nil, err
		}
	}
	if si.SignatureAlgorithm, err = ReadAlgorithm(&s); err != nil {
		return nil, cmsErr("signatureAlgorithm: %v", err)
	}
	var sig cryptobyte.String
	if !s.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return nil, cmsErr("signature")
	}
	si.Signature = sig
	if s.PeekASN1Tag(tagC1) {
		var body cryptobyte.String
		if !s.ReadASN1(&body, tagC1) {
			return nil, cmsErr("unsignedAttrs")
		}
		if si.Unsigned, err = parseAttributes(body); err != nil {
			return nil, err
		}
	}
	if !s.Empty() {
		return nil, cmsErr("data after signerInfo")
	}
	return si, nil
}

// ReadAlgorithm reads an AlgorithmIdentifier from s.
func ReadAlgorithm(s *cryptobyte.String) (pkix.AlgorithmIdentifier, error) {
	var el cryptobyte.String
	if !s.ReadASN1Element(&el, cbasn1.SEQUENCE) {
		return pkix.AlgorithmIdentifier{}, errors.New("not an AlgorithmIdentifier")
	}
	var alg pkix.AlgorithmIdentifier
	rest, err := asn1.Unmarshal(el, &alg)
	if err != nil || len(rest) > 0 {
		return pkix.AlgorithmIdentifier{}, errors.New("not an AlgorithmIdentifier")
	}
	return alg, nil
}

func parseAttributes(s cryptobyte.String) ([]Attribute, error) {
	var out []Attribute
	for !s.Empty() {
		var a, vals cryptobyte.String
		var at Attribute
		if !s.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&at.Type) || !a.ReadASN1(&vals, cbasn1.SET) || !a.Empty() {
			return nil, cmsErr("attribute")
		}
		for !vals.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !vals.ReadAnyASN1Element(&v, &tag) {
				return nil, cmsErr("attribute value")
			}
			if len(at.Values) >= maxAttrValues {
				return nil, cmsErr("more than %d values of attribute %v", maxAttrValues, at.Type)
			}
			at.Values = append(at.Values, v)
		}
		if len(out) >= maxAttrs {
			return nil, cmsErr("more than %d attributes", maxAttrs)
		}
		out = append(out, at)
	}
	return out, nil
}

// FindAttrs returns the attributes of type oid.
func FindAttrs(attrs []Attribute, oid asn1.ObjectIdentifier) []Attribute {
	var out []Attribute
	for _, a := range attrs {
		if a.Type.Equal(oid) {
			out = append(out, a)
		}
	}
	return out
}

// SingleAttr returns the only value of the only attribute oid, nil if there
// is none, and an error if there are several attributes or values (RFC
// 5652, 5.3 and 11: content-type, message-digest and signing-time are
// single-valued and appear at most once; RFC 5035 likewise for the
// signing-certificate attributes).
func SingleAttr(attrs []Attribute, oid asn1.ObjectIdentifier, name string) ([]byte, error) {
	found := FindAttrs(attrs, oid)
	switch {
	case len(found) == 0:
		return nil, nil
	case len(found) > 1:
		return nil, cmsErr("%d %s attributes", len(found), name)
	case len(found[0].Values) != 1:
		return nil, cmsErr("%s attribute with %d values", name, len(found[0].Values))
	}
	return found[0].Values[0], nil
}

// ESSCertID is an ESSCertID or ESSCertIDv2 (RFC 2634, 5.4.1; RFC 5035, 3).
type ESSCertID struct {
	Hash   crypto.Hash
	Sum    []byte
	Serial *big.Int // from issuerSerial, if present
	Issuer []byte   // DER Name from issuerSerial's directoryName, if present
}

// ParseSigningCert parses a SigningCertificate (v2 if v2) value and
// returns its first ESSCertID, which identifies the signer's certificate.
func ParseSigningCert(der []byte, v2 bool) (ESSCertID, error) {
	s := cryptobyte.String(der)
	var sc, ids, id cryptobyte.String
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !s.Empty() || !sc.ReadASN1(&ids, cbasn1.SEQUENCE) || !ids.ReadASN1(&id, cbasn1.SEQUENCE) {
		return ESSCertID{}, cmsErr("signing-certificate attribute")
	}
	out := ESSCertID{Hash: crypto.SHA1}
	if v2 {
		out.Hash = crypto.SHA256
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			alg, err := ReadAlgorithm(&id)
			if err != nil {
				return ESSCertID{}, cmsErr("signing-certificate-v2 hash algorithm")
			}
			h, _, ok := HashForDigestOID(alg.Algorithm)
			if !ok {
				return ESSCertID{}, fmt.Errorf("%w: signing-certificate-v2 hash %v", ErrAlgorithm, alg.Algorithm)
			}
			out.Hash = h
		}
	}
	var sum cryptobyte.String
	if !id.ReadASN1(&sum, cbasn1.OCTET_STRING) {
		return ESSCertID{}, cmsErr("signing-certificate hash")
	}
	out.Sum = sum
	if id.PeekASN1Tag(cbasn1.SEQUENCE) {
		// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }
		var is, names cryptobyte.String
		out.Serial = new(big.Int)
		if !id.ReadASN1(&is, cbasn1.SEQUENCE) || !is.ReadASN1(&names, cbasn1.SEQUENCE) || !is.ReadASN1Integer(out.Serial) {
			return ESSCertID{}, cmsErr("signing-certificate issuerSerial")
		}
		for !names.Empty() {
			var gn cryptobyte.String
			var tag cbasn1.Tag
			if !names.ReadAnyASN1Element(&gn, &tag) {
				return ESSCertID{}, cmsErr("signing-certificate issuer")
			}
			// directoryName [4] EXPLICIT Name
			if tag == cbasn1.Tag(4).ContextSpecific().Constructed() {
				var inner, name cryptobyte.String
				if gn.ReadASN1(&inner, tag) && inner.ReadASN1Element(&name, cbasn1.SEQUENCE) {
					out.Issuer = name
				}
			}
		}
	}
	return out, nil
}

// ParseTime parses an ASN.1 UTCTime or GeneralizedTime (with optional
// fractional seconds, which encoding/asn1 refuses) in DER.
func ParseTime(der []byte) (time.Time, error) {
	s := cryptobyte.String(der)
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		if !s.ReadASN1UTCTime(&t) {
			return t, errors.New("bad UTCTime")
		}
		return t, nil
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		var v cryptobyte.String
		if !s.ReadASN1(&v, cbasn1.GeneralizedTime) {
			return t, errors.New("bad GeneralizedTime")
		}
		return parseGeneralizedTime(string(v))
	}
	return t, errors.New("not a time")
}

// parseGeneralizedTime parses YYYYMMDDHHMMSS[.fff]Z (RFC 5280, 4.1.2.5.2;
// RFC 3161, 2.4.2 allows fractions).
func parseGeneralizedTime(s string) (time.Time, error) {
	t, err := time.Parse("20060102150405Z0700", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad GeneralizedTime %q", truncate(s, 32))
	}
	return t, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// TSTInfo is the part of a TSTInfo (RFC 3161, 2.4.2) a verifier uses.
type TSTInfo struct {
	Hash    crypto.Hash
	Imprint []byte
	Serial  *big.Int
	GenTime time.Time
}

// ParseTSTInfo parses a TSTInfo up to its genTime; the fields after it
// are not read. The imprint's hash must be one HashForDigestOID knows.
func ParseTSTInfo(der []byte) (TSTInfo, error) {
	var t TSTInfo
	s := cryptobyte.String(der)
	var info, mi, hashed cryptobyte.String
	var version int64
	if !s.ReadASN1(&info, cbasn1.SEQUENCE) || !info.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!info.SkipASN1(cbasn1.OBJECT_IDENTIFIER) || !info.ReadASN1(&mi, cbasn1.SEQUENCE) {
		return t, cmsErr("TSTInfo")
	}
	alg, err := ReadAlgorithm(&mi)
	if err != nil || !mi.ReadASN1(&hashed, cbasn1.OCTET_STRING) {
		return t, cmsErr("TSTInfo messageImprint")
	}
	h, _, ok := HashForDigestOID(alg.Algorithm)
	if !ok {
		return t, fmt.Errorf("%w: time-stamp imprint hash %v", ErrAlgorithm, alg.Algorithm)
	}
	t.Hash, t.Imprint = h, hashed
	t.Serial = new(big.Int)
	var gt cryptobyte.String
	if !info.ReadASN1Integer(t.Serial) || !info.ReadASN1(&gt, cbasn1.GeneralizedTime) {
		return t, cmsErr("TSTInfo serialNumber or genTime")
	}
	if t.GenTime, err = parseGeneralizedTime(string(gt)); err != nil {
		return t, cmsErr("TSTInfo genTime: %v", err)
	}
	return t, nil
}
