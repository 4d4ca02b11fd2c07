package tsa

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

var (
	// oidTSTInfo is id-ct-TSTInfo (RFC 3161, 2.4.2).
	oidTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	// oidSigningCertificateV2 is id-aa-signingCertificateV2 (RFC 5035, 3).
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}

	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// hashOID returns the OID of an accepted imprint hash, or nil.
func hashOID(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA256:
		return oidSHA256
	case crypto.SHA384:
		return oidSHA384
	case crypto.SHA512:
		return oidSHA512
	}
	return nil
}

// hashForOID returns the accepted imprint hash named by oid, or 0. SHA-1 is
// not accepted: its collisions make an imprint worthless as evidence.
func hashForOID(oid asn1.ObjectIdentifier) crypto.Hash {
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		if oid.Equal(hashOID(h)) {
			return h
		}
	}
	return 0
}

// signingHash is the digest algorithm of a token over an imprint hashed
// with h: SHA-256, or the imprint's own SHA-2 hash when it is stronger.
func signingHash(h crypto.Hash) crypto.Hash {
	if h == crypto.SHA384 || h == crypto.SHA512 {
		return h
	}
	return crypto.SHA256
}

// requestHead is the start of a TimeStampReq (RFC 3161, 2.4.1). encoding/asn1
// ignores the elements after it, so it decodes even when the whole request
// does not, which tells badAlg from badDataFormat.
type requestHead struct {
	Version        int
	MessageImprint asn1.RawValue
}

// messageImprint is MessageImprint (RFC 3161, 2.4.1).
type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

// tstInfo is TSTInfo (RFC 3161, 2.4.2). ordering (DEFAULT FALSE) and
// extensions are never sent.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint asn1.RawValue // the request's, byte for byte
	SerialNumber   *big.Int
	GenTime        asn1.RawValue // GeneralizedTime, see genTime
	Accuracy       accuracy      `asn1:"optional"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional"` // [0] GeneralName, precomputed
}

// accuracy is Accuracy (RFC 3161, 2.4.2); zero fields are omitted.
type accuracy struct {
	Seconds int64 `asn1:"optional"`
	Millis  int64 `asn1:"tag:0,optional"`
	Micros  int64 `asn1:"tag:1,optional"`
}

// newAccuracy states d, rounded up to a whole microsecond so the TSA never
// claims better accuracy than configured.
func newAccuracy(d time.Duration) accuracy {
	us := (d + time.Microsecond - 1) / time.Microsecond
	return accuracy{
		Seconds: int64(us / 1e6),
		Millis:  int64(us / 1e3 % 1e3),
		Micros:  int64(us % 1e3),
	}
}

// duration is the time.Duration a stated accuracy stands for.
func (a accuracy) duration() time.Duration {
	return time.Duration(a.Seconds)*time.Second + time.Duration(a.Millis)*time.Millisecond + time.Duration(a.Micros)*time.Microsecond
}

// genTime encodes t as a GeneralizedTime in UTC truncated to precision,
// with fractional seconds when they are not zero and no trailing zeros
// (RFC 3161, 2.4.2). encoding/asn1 cannot write fractional seconds.
func genTime(t time.Time, precision time.Duration) (time.Time, asn1.RawValue) {
	t = t.UTC().Truncate(precision)
	return t, asn1.RawValue{Tag: asn1.TagGeneralizedTime, Bytes: []byte(t.Format("20060102150405.999999Z"))}
}

// tsaName is the tsa field of TSTInfo: [0] EXPLICIT GeneralName holding the
// directoryName [4] EXPLICIT of the certificate's subject.
func tsaName(cert *x509.Certificate) (asn1.RawValue, error) {
	dn, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawSubject})
	if err != nil {
		return asn1.RawValue{}, err
	}
	full, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: dn})
	if err != nil {
		return asn1.RawValue{}, err
	}
	return asn1.RawValue{FullBytes: full}, nil
}

// signingCertificateV2 is SigningCertificateV2 (RFC 5035, 3; RFC 5816).
type signingCertificateV2 struct {
	Certs []essCertIDv2
}

// essCertIDv2 omits hashAlgorithm: it is DEFAULT id-sha256, which DER
// leaves out.
type essCertIDv2 struct {
	CertHash     []byte
	IssuerSerial issuerSerial
}

type issuerSerial struct {
	Issuer []asn1.RawValue // GeneralNames: one directoryName
	Serial *big.Int
}

// signingCertAttribute is the ESS signing-certificate-v2 signed attribute
// naming cert by its SHA-256 hash and its issuer and serial number.
func signingCertAttribute(cert *x509.Certificate) (pkcs7.Attribute, error) {
	sum := sha256.Sum256(cert.Raw)
	der, err := asn1.Marshal(signingCertificateV2{Certs: []essCertIDv2{{
		CertHash: sum[:],
		IssuerSerial: issuerSerial{
			Issuer: []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer}},
			Serial: cert.SerialNumber,
		},
	}}})
	if err != nil {
		return pkcs7.Attribute{}, err
	}
	return pkcs7.Attribute{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: der}}, nil
}

// timeStampResp is TimeStampResp (RFC 3161, 2.4.2).
type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

// pkiStatusInfo is PKIStatusInfo (RFC 3161, 2.4.2; RFC 4210, 5.2.3).
type pkiStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional,omitempty"` // PKIFreeText: UTF8String
	FailInfo     asn1.BitString  `asn1:"optional"`
}

// granted marshals a TimeStampResp with status granted and token.
func granted(token []byte) ([]byte, error) {
	return asn1.Marshal(timeStampResp{
		Status:         pkiStatusInfo{Status: int(timestamp.Granted)},
		TimeStampToken: asn1.RawValue{FullBytes: token},
	})
}

// rejection is a refused request: one failInfo bit and a statusString.
type rejection struct {
	info timestamp.FailureInfo
	text string
}

func reject(info timestamp.FailureInfo, text string) *rejection {
	return &rejection{info: info, text: text}
}

// marshal returns the TimeStampResp with status rejection. failInfo is a
// named BIT STRING, so DER drops trailing zero bits (X.690, 11.2.2): the
// set bit is the last one.
func (r *rejection) marshal() ([]byte, error) {
	n := int(r.info)
	bits := make([]byte, n/8+1)
	bits[n/8] = 0x80 >> (n % 8)
	return asn1.Marshal(timeStampResp{Status: pkiStatusInfo{
		Status:       int(timestamp.Rejection),
		StatusString: []asn1.RawValue{{Tag: asn1.TagUTF8String, Bytes: []byte(r.text)}},
		FailInfo:     asn1.BitString{Bytes: bits, BitLength: n + 1},
	}})
}

// pkixAlgorithm is an AlgorithmIdentifier with NULL parameters, as hash
// algorithms are conventionally sent.
func pkixAlgorithm(oid asn1.ObjectIdentifier) pkix.AlgorithmIdentifier {
	return pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
}
