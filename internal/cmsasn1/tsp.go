package cmsasn1

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"
)

// The structures below follow RFC 3161 (time-stamp protocol) as
// encoding/asn1 reads and writes them.

// TimeStampReqHead is the start of a TimeStampReq (RFC 3161, 2.4.1).
// encoding/asn1 ignores the elements after it, so it decodes even when the
// whole request does not, which tells badAlg from badDataFormat.
type TimeStampReqHead struct {
	Version        int
	MessageImprint asn1.RawValue
}

// MessageImprint is MessageImprint (RFC 3161, 2.4.1).
type MessageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

// TSTInfoFields is a TSTInfo (RFC 3161, 2.4.2) as written. ordering
// (DEFAULT FALSE) and extensions are never sent.
type TSTInfoFields struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint asn1.RawValue // the request's, byte for byte
	SerialNumber   *big.Int
	GenTime        asn1.RawValue // GeneralizedTime, see GeneralizedTime
	Accuracy       Accuracy      `asn1:"optional"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional"` // [0] GeneralName, see TSAName
}

// Accuracy is Accuracy (RFC 3161, 2.4.2); zero fields are omitted.
type Accuracy struct {
	Seconds int64 `asn1:"optional"`
	Millis  int64 `asn1:"tag:0,optional"`
	Micros  int64 `asn1:"tag:1,optional"`
}

// NewAccuracy states d, rounded up to a whole microsecond so that a TSA
// never claims better accuracy than it has.
func NewAccuracy(d time.Duration) Accuracy {
	us := (d + time.Microsecond - 1) / time.Microsecond
	return Accuracy{
		Seconds: int64(us / 1e6),
		Millis:  int64(us / 1e3 % 1e3),
		Micros:  int64(us % 1e3),
	}
}

// Duration is the time.Duration a stated accuracy stands for.
func (a Accuracy) Duration() time.Duration {
	return time.Duration(a.Seconds)*time.Second + time.Duration(a.Millis)*time.Millisecond + time.Duration(a.Micros)*time.Microsecond
}

// GeneralizedTime returns t in UTC truncated to precision, and its
// encoding as a GeneralizedTime with fractional seconds when they are not
// zero and no trailing zeros (RFC 3161, 2.4.2). encoding/asn1 cannot write
// fractional seconds.
func GeneralizedTime(t time.Time, precision time.Duration) (time.Time, asn1.RawValue) {
	t = t.UTC().Truncate(precision)
	return t, asn1.RawValue{Tag: asn1.TagGeneralizedTime, Bytes: []byte(t.Format("20060102150405.999999Z"))}
}

// TSAName is the tsa field of a TSTInfo: [0] EXPLICIT GeneralName holding
// the directoryName [4] EXPLICIT of cert's subject.
func TSAName(cert *x509.Certificate) (asn1.RawValue, error) {
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

// TimeStampResp is TimeStampResp (RFC 3161, 2.4.2).
type TimeStampResp struct {
	Status         PKIStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

// PKIStatusInfo is PKIStatusInfo (RFC 3161, 2.4.2; RFC 4210, 5.2.3).
type PKIStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional,omitempty"` // PKIFreeText: UTF8String
	FailInfo     asn1.BitString  `asn1:"optional"`
}
