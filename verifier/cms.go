package verifier

import (
	"bytes"
	"crypto"
	"crypto/sha1"
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

// CMS object identifiers (RFC 5652, RFC 5035, RFC 3161, ETSI).
var (
	oidData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidAttrContentType    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCert    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidAttrSigningCertV2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidAttrTimeStamp      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidAttrRevInfoArchive = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
	oidRIOCSPResponse     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
)

// Bounds of one CMS structure.
const (
	maxAttrs       = 64
	maxAttrValues  = 64
	maxSignerInfos = 16
	maxDigestAlgs  = 16
)

// signedData is a parsed CMS SignedData (RFC 5652, 5.1).
type signedData struct {
	der          []byte // the ContentInfo, DER
	ber          bool   // it was BER and has been re-encoded
	digestAlgs   []asn1.ObjectIdentifier
	eContentType asn1.ObjectIdentifier
	eContent     []byte // nil when detached
	hasEContent  bool
	certs        []*x509.Certificate
	badCerts     int
	crls         [][]byte // CertificateList DER
	ocsps        [][]byte // OCSPResponse DER from the crls field (RFC 5940)
	signers      []*signerInfo
}

// signerInfo is a parsed SignerInfo (RFC 5652, 5.3).
type signerInfo struct {
	sidIssuer   []byte // DER Name of issuerAndSerialNumber
	sidSerial   *big.Int
	sidSKI      []byte // subjectKeyIdentifier
	digestAlg   pkix.AlgorithmIdentifier
	signedAttrs []byte // DER SET OF Attribute as signed, nil if absent
	attrs       []attribute
	sigAlg      pkix.AlgorithmIdentifier
	signature   []byte
	unsigned    []attribute
}

type attribute struct {
	oid    asn1.ObjectIdentifier
	values [][]byte // DER of each AttributeValue
}

var errCMS = errors.New("malformed CMS")

func cmsErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errCMS, fmt.Sprintf(format, args...))
}

// parseSignedData parses a ContentInfo holding a SignedData. Zero bytes
// after it (the padding of a PDF's /Contents) are ignored; anything else
// after it is an error. BER is accepted by re-encoding it.
func parseSignedData(b []byte) (*signedData, error) {
	if len(b) == 0 {
		return nil, cmsErr("empty")
	}
	s := cryptobyte.String(b)
	var elem cryptobyte.String
	if s.ReadASN1Element(&elem, cbasn1.SEQUENCE) {
		if len(bytes.TrimRight(s, "\x00")) != 0 {
			return nil, cmsErr("%d bytes of data after the CMS", len(bytes.TrimRight(s, "\x00")))
		}
		if sd, err := parseContentInfo(elem); err == nil {
			sd.der = elem
			return sd, nil
		}
	}
	der, rest, err := berToDER(b)
	if err != nil {
		return nil, cmsErr("not DER or BER: %v", err)
	}
	if len(bytes.TrimRight(rest, "\x00")) != 0 {
		return nil, cmsErr("%d bytes of data after the CMS", len(bytes.TrimRight(rest, "\x00")))
	}
	sd, err := parseContentInfo(der)
	if err != nil {
		return nil, err
	}
	sd.der, sd.ber = der, true
	return sd, nil
}

var (
	tagC0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagC1 = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagP0 = cbasn1.Tag(0).ContextSpecific()
)

func parseContentInfo(der []byte) (*signedData, error) {
	s := cryptobyte.String(der)
	var ci, content, sd cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, cmsErr("not a ContentInfo")
	}
	if !ct.Equal(oidSignedData) {
		return nil, cmsErr("content type %v is not SignedData", ct)
	}
	if !ci.ReadASN1(&content, tagC0) || !content.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, cmsErr("no SignedData")
	}
	out := &signedData{}
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
		if len(out.digestAlgs) >= maxDigestAlgs {
			return nil, cmsErr("more than %d digest algorithms", maxDigestAlgs)
		}
		out.digestAlgs = append(out.digestAlgs, oid)
	}
	if !sd.ReadASN1(&eci, cbasn1.SEQUENCE) || !eci.ReadASN1ObjectIdentifier(&out.eContentType) {
		return nil, cmsErr("encapContentInfo")
	}
	if eci.PeekASN1Tag(tagC0) {
		var ec, oct cryptobyte.String
		if !eci.ReadASN1(&ec, tagC0) || !ec.ReadASN1(&oct, cbasn1.OCTET_STRING) {
			return nil, cmsErr("eContent")
		}
		out.eContent, out.hasEContent = oct, true
	}
	if !eci.Empty() {
		return nil, cmsErr("data after eContent")
	}
	if sd.PeekASN1Tag(tagC0) {
		var certs cryptobyte.String
		if !sd.ReadASN1(&certs, tagC0) {
			return nil, cmsErr("certificates")
		}
		for !certs.Empty() {
			var el cryptobyte.String
			var tag cbasn1.Tag
			if !certs.ReadAnyASN1Element(&el, &tag) {
				return nil, cmsErr("certificates")
			}
			if tag != cbasn1.SEQUENCE {
				continue // attribute certificates and other formats
			}
			if len(out.certs)+out.badCerts >= maxCerts {
				return nil, cmsErr("more than %d certificates", maxCerts)
			}
			c, err := x509.ParseCertificate(el)
			if err != nil {
				out.badCerts++
				continue
			}
			out.certs = append(out.certs, c)
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
			if len(out.crls)+len(out.ocsps) >= maxRevocation {
				break
			}
			switch tag {
			case cbasn1.SEQUENCE:
				out.crls = append(out.crls, el)
			case tagC1: // OtherRevocationInfoFormat (RFC 5652, 10.2.1)
				var other cryptobyte.String
				var format asn1.ObjectIdentifier
				var val cryptobyte.String
				if el.ReadASN1(&other, tagC1) && other.ReadASN1ObjectIdentifier(&format) && format.Equal(oidRIOCSPResponse) && other.ReadASN1Element(&val, cbasn1.SEQUENCE) {
					out.ocsps = append(out.ocsps, val)
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
		if len(out.signers) >= maxSignerInfos {
			return nil, cmsErr("more than %d signers", maxSignerInfos)
		}
		info, err := parseSignerInfo(si)
		if err != nil {
			return nil, err
		}
		out.signers = append(out.signers, info)
	}
	return out, nil
}

func parseSignerInfo(s cryptobyte.String) (*signerInfo, error) {
	si := &signerInfo{}
	var version int64
	if !s.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) {
		return nil, cmsErr("signerInfo version")
	}
	switch {
	case s.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, name cryptobyte.String
		si.sidSerial = new(big.Int)
		if !s.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&name, cbasn1.SEQUENCE) || !ias.ReadASN1Integer(si.sidSerial) || !ias.Empty() {
			return nil, cmsErr("issuerAndSerialNumber")
		}
		si.sidIssuer = name
	case s.PeekASN1Tag(tagP0):
		var ski cryptobyte.String
		if !s.ReadASN1(&ski, tagP0) {
			return nil, cmsErr("subjectKeyIdentifier")
		}
		si.sidSKI = ski
	default:
		return nil, cmsErr("signer identifier")
	}
	var err error
	if si.digestAlg, err = readAlgorithm(&s); err != nil {
		return nil, cmsErr("digestAlgorithm: %v", err)
	}
	if s.PeekASN1Tag(tagC0) {
		var el cryptobyte.String
		if !s.ReadASN1Element(&el, tagC0) {
			return nil, cmsErr("signedAttrs")
		}
		// The signature is over the DER of the attributes with the SET OF
		// tag (RFC 5652, 5.4), not the [0] IMPLICIT they are stored with.
		si.signedAttrs = bytes.Clone(el)
		si.signedAttrs[0] = 0x31
		var body cryptobyte.String
		if !el.ReadASN1(&body, tagC0) {
			return nil, cmsErr("signedAttrs")
		}
		if si.attrs, err = parseAttributes(body); err != nil {
			return nil, err
		}
	}
	if si.sigAlg, err = readAlgorithm(&s); err != nil {
		return nil, cmsErr("signatureAlgorithm: %v", err)
	}
	var sig cryptobyte.String
	if !s.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return nil, cmsErr("signature")
	}
	si.signature = sig
	if s.PeekASN1Tag(tagC1) {
		var body cryptobyte.String
		if !s.ReadASN1(&body, tagC1) {
			return nil, cmsErr("unsignedAttrs")
		}
		if si.unsigned, err = parseAttributes(body); err != nil {
			return nil, err
		}
	}
	if !s.Empty() {
		return nil, cmsErr("data after signerInfo")
	}
	return si, nil
}

func readAlgorithm(s *cryptobyte.String) (pkix.AlgorithmIdentifier, error) {
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

func parseAttributes(s cryptobyte.String) ([]attribute, error) {
	var out []attribute
	for !s.Empty() {
		var a, vals cryptobyte.String
		var at attribute
		if !s.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&at.oid) || !a.ReadASN1(&vals, cbasn1.SET) || !a.Empty() {
			return nil, cmsErr("attribute")
		}
		for !vals.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !vals.ReadAnyASN1Element(&v, &tag) {
				return nil, cmsErr("attribute value")
			}
			if len(at.values) >= maxAttrValues {
				return nil, cmsErr("more than %d values of attribute %v", maxAttrValues, at.oid)
			}
			at.values = append(at.values, v)
		}
		if len(out) >= maxAttrs {
			return nil, cmsErr("more than %d attributes", maxAttrs)
		}
		out = append(out, at)
	}
	return out, nil
}

// find returns the attributes of type oid.
func findAttrs(attrs []attribute, oid asn1.ObjectIdentifier) []attribute {
	var out []attribute
	for _, a := range attrs {
		if a.oid.Equal(oid) {
			out = append(out, a)
		}
	}
	return out
}

// singleAttr returns the only value of the only attribute oid, nil if there
// is none, and an error if there are several attributes or values (RFC
// 5652, 5.3 and 11: content-type, message-digest and signing-time are
// single-valued and appear at most once; RFC 5035 likewise for the
// signing-certificate attributes).
func singleAttr(attrs []attribute, oid asn1.ObjectIdentifier, name string) ([]byte, error) {
	found := findAttrs(attrs, oid)
	switch {
	case len(found) == 0:
		return nil, nil
	case len(found) > 1:
		return nil, cmsErr("%d %s attributes", len(found), name)
	case len(found[0].values) != 1:
		return nil, cmsErr("%s attribute with %d values", name, len(found[0].values))
	}
	return found[0].values[0], nil
}

// sidMatches reports whether cert is the one si's sid identifies.
func (si *signerInfo) sidMatches(cert *x509.Certificate) bool {
	if si.sidSKI != nil {
		if len(cert.SubjectKeyId) > 0 {
			return bytes.Equal(cert.SubjectKeyId, si.sidSKI)
		}
		return bytes.Equal(keyID(cert), si.sidSKI)
	}
	return cert.SerialNumber != nil && cert.SerialNumber.Cmp(si.sidSerial) == 0 && sameName(cert.RawIssuer, si.sidIssuer)
}

// keyID is RFC 5280, 4.2.1.2 method (1): the SHA-1 of the subject public
// key's bits, for certificates without a subjectKeyIdentifier extension.
func keyID(cert *x509.Certificate) []byte {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:]
}

// sameName compares two DER Names: byte for byte, or else as parsed
// sequences of attribute type and value (an encoder may have chosen another
// string type).
func sameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var na, nb pkix.RDNSequence
	if rest, err := asn1.Unmarshal(a, &na); err != nil || len(rest) > 0 {
		return false
	}
	if rest, err := asn1.Unmarshal(b, &nb); err != nil || len(rest) > 0 {
		return false
	}
	if len(na) != len(nb) {
		return false
	}
	for i := range na {
		if len(na[i]) != len(nb[i]) {
			return false
		}
		for j := range na[i] {
			x, y := na[i][j], nb[i][j]
			if !x.Type.Equal(y.Type) || fmt.Sprint(x.Value) != fmt.Sprint(y.Value) {
				return false
			}
		}
	}
	return true
}

// essCertID is an ESSCertID or ESSCertIDv2 (RFC 2634, 5.4.1; RFC 5035, 3).
type essCertID struct {
	hash   crypto.Hash
	sum    []byte
	serial *big.Int // from issuerSerial, if present
	issuer []byte   // DER Name from issuerSerial's directoryName, if present
}

// parseSigningCert parses a SigningCertificate (v2 if v2) value and
// returns its first ESSCertID, which identifies the signer's certificate.
func parseSigningCert(der []byte, v2 bool) (essCertID, error) {
	s := cryptobyte.String(der)
	var sc, ids, id cryptobyte.String
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !s.Empty() || !sc.ReadASN1(&ids, cbasn1.SEQUENCE) || !ids.ReadASN1(&id, cbasn1.SEQUENCE) {
		return essCertID{}, cmsErr("signing-certificate attribute")
	}
	out := essCertID{hash: crypto.SHA1}
	if v2 {
		out.hash = crypto.SHA256
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			alg, err := readAlgorithm(&id)
			if err != nil {
				return essCertID{}, cmsErr("signing-certificate-v2 hash algorithm")
			}
			h, _, ok := hashForDigestOID(alg.Algorithm)
			if !ok {
				return essCertID{}, fmt.Errorf("%w: signing-certificate-v2 hash %v", errAlgorithm, alg.Algorithm)
			}
			out.hash = h
		}
	}
	var sum cryptobyte.String
	if !id.ReadASN1(&sum, cbasn1.OCTET_STRING) {
		return essCertID{}, cmsErr("signing-certificate hash")
	}
	out.sum = sum
	if id.PeekASN1Tag(cbasn1.SEQUENCE) {
		// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }
		var is, names cryptobyte.String
		out.serial = new(big.Int)
		if !id.ReadASN1(&is, cbasn1.SEQUENCE) || !is.ReadASN1(&names, cbasn1.SEQUENCE) || !is.ReadASN1Integer(out.serial) {
			return essCertID{}, cmsErr("signing-certificate issuerSerial")
		}
		for !names.Empty() {
			var gn cryptobyte.String
			var tag cbasn1.Tag
			if !names.ReadAnyASN1Element(&gn, &tag) {
				return essCertID{}, cmsErr("signing-certificate issuer")
			}
			// directoryName [4] EXPLICIT Name
			if tag == cbasn1.Tag(4).ContextSpecific().Constructed() {
				var inner, name cryptobyte.String
				if gn.ReadASN1(&inner, tag) && inner.ReadASN1Element(&name, cbasn1.SEQUENCE) {
					out.issuer = name
				}
			}
		}
	}
	return out, nil
}

// matches reports whether the ESSCertID identifies cert.
func (e essCertID) matches(cert *x509.Certificate) error {
	if newHash(e.hash) == nil {
		return fmt.Errorf("%w: hash %v", errAlgorithm, e.hash)
	}
	if !bytes.Equal(digest(e.hash, cert.Raw), e.sum) {
		return errors.New("its certificate hash is not the signer certificate's")
	}
	if e.serial != nil && cert.SerialNumber.Cmp(e.serial) != 0 {
		return errors.New("its serial number is not the signer certificate's")
	}
	if e.issuer != nil && !sameName(e.issuer, cert.RawIssuer) {
		return errors.New("its issuer is not the signer certificate's")
	}
	return nil
}

// parseTime parses an ASN.1 UTCTime or GeneralizedTime (with optional
// fractional seconds, which encoding/asn1 refuses) in DER.
func parseTime(der []byte) (time.Time, error) {
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
