package tsa

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"github.com/kyso-vn/kyso/internal/cmsasn1"
)

// signingHash is the digest algorithm of a token over an imprint hashed
// with h: SHA-256, or the imprint's own SHA-2 hash when it is stronger.
func signingHash(h crypto.Hash) crypto.Hash {
	if h == crypto.SHA384 || h == crypto.SHA512 {
		return h
	}
	return crypto.SHA256
}

// signingCertAttribute is the ESS signing-certificate-v2 signed attribute
// naming cert by its SHA-256 hash and its issuer and serial number.
func signingCertAttribute(cert *x509.Certificate) (pkcs7.Attribute, error) {
	der, err := cmsasn1.MarshalSigningCertificateV2(cert)
	if err != nil {
		return pkcs7.Attribute{}, err
	}
	return pkcs7.Attribute{Type: cmsasn1.OIDAttrSigningCertificateV2, Value: asn1.RawValue{FullBytes: der}}, nil
}

// granted marshals a TimeStampResp with status granted and token.
func granted(token []byte) ([]byte, error) {
	return asn1.Marshal(cmsasn1.TimeStampResp{
		Status:         cmsasn1.PKIStatusInfo{Status: int(timestamp.Granted)},
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
	return asn1.Marshal(cmsasn1.TimeStampResp{Status: cmsasn1.PKIStatusInfo{
		Status:       int(timestamp.Rejection),
		StatusString: []asn1.RawValue{{Tag: asn1.TagUTF8String, Bytes: []byte(r.text)}},
		FailInfo:     asn1.BitString{Bytes: bits, BitLength: n + 1},
	}})
}
