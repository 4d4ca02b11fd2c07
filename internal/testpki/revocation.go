package testpki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"

	"golang.org/x/crypto/ocsp"
)

// GoodOCSP is an OCSP response saying the certificate of serial ca
// issued is good, signed by ca itself, produced a minute ago and current
// for an hour.
func (ca *CA) GoodOCSP(serial *big.Int) ([]byte, error) {
	now := time.Now()
	return ocsp.CreateResponse(ca.Cert, ca.Cert, ocsp.Response{
		Status: ocsp.Good, SerialNumber: serial, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour),
	}, ca.Key)
}

// EmptyCRL is a CRL of ca revoking nothing, issued a minute ago and
// current for an hour.
func (ca *CA) EmptyCRL() ([]byte, error) {
	now := time.Now()
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(now.UnixNano()), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour),
	}, ca.Cert, ca.Key)
}

// IssueTSA issues a time-stamping certificate for pub (RFC 3161, 2.3:
// digitalSignature, and id-kp-timeStamping as the only, critical,
// extended key usage).
func (ca *CA) IssueTSA(subject pkix.Name, pub crypto.PublicKey) (*x509.Certificate, error) {
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		return nil, err
	}
	return ca.Issue(&x509.Certificate{
		Subject:         subject,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}, pub)
}
