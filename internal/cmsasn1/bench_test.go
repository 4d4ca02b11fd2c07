package cmsasn1

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpki"
)

// rsaChain returns a signer's certificate, its issuing CA's and the root's
// (internal/testpki), RSA-2048 each, with the names of a Vietnamese signing
// chain; the signer's has the extensions of a qualified certificate and a
// 20-byte serial with its high bit set, as CAs issue them (RFC 5280,
// 4.1.2.2), which needs a leading zero octet. It also returns the signer's
// key.
func rsaChain(tb testing.TB) ([]*x509.Certificate, *rsa.PrivateKey) {
	tb.Helper()
	var keys [3]*rsa.PrivateKey
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			tb.Fatal(err)
		}
		keys[i] = k
	}
	root, err := testpki.NewRoot(keys[0], pkix.Name{CommonName: "Kyso Root CA G2", Organization: []string{"Công ty Cổ phần Kyso"}, Country: []string{"VN"}})
	if err != nil {
		tb.Fatal(err)
	}
	ca, err := root.NewCA(keys[1], pkix.Name{CommonName: "Kyso Qualified Signing CA", Organization: []string{"Công ty Cổ phần Kyso"},
		OrganizationalUnit: []string{"Dịch vụ chứng thực chữ ký số"}, Locality: []string{"Hà Nội"}, Country: []string{"VN"}})
	if err != nil {
		tb.Fatal(err)
	}
	serial := make([]byte, 20)
	if _, err := rand.Read(serial); err != nil {
		tb.Fatal(err)
	}
	serial[0] |= 0x80
	leaf, err := ca.Issue(&x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(serial),
		Subject: pkix.Name{CommonName: "Nguyễn Thị Minh Khai", Organization: []string{"Ủy ban nhân dân thành phố Hồ Chí Minh"},
			OrganizationalUnit: []string{"Văn phòng"}, Locality: []string{"Thành phố Hồ Chí Minh"}, Country: []string{"VN"}, SerialNumber: "CCCD:079190001234"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		CRLDistributionPoints: []string{"http://crl.kyso.example/ca.crl"},
		OCSPServer:            []string{"http://ocsp.kyso.example"},
		IssuingCertificateURL: []string{"http://pki.kyso.example/ca.crt"},
		PolicyIdentifiers:     []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 59999, 1, 2}},
	}, &keys[2].PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	return []*x509.Certificate{leaf, ca.Cert, root.Cert}, keys[2]
}

// benchDetached is the SignedData of a PAdES B-B signature by chain[0]
// with RSA PKCS #1 v1.5: the chain, content-type, message-digest,
// signing-certificate-v2 and signing-time, a 256-byte signature.
func benchDetached(tb testing.TB, chain []*x509.Certificate) *Detached {
	tb.Helper()
	sum := sha256.Sum256([]byte("%PDF-1.7"))
	var attrs [][]byte
	for _, a := range []struct {
		typ asn1.ObjectIdentifier
		v   any
	}{{OIDAttrContentType, OIDData}, {OIDAttrMessageDigest, sum[:]}, {OIDAttrSigningTime, time.Now()}} {
		v, err := asn1.Marshal(a.v)
		if err != nil {
			tb.Fatal(err)
		}
		der, err := MarshalAttribute(a.typ, v)
		if err != nil {
			tb.Fatal(err)
		}
		attrs = append(attrs, der)
	}
	ess, err := MarshalSigningCertificateV2(chain[0])
	if err != nil {
		tb.Fatal(err)
	}
	essAttr, err := MarshalAttribute(OIDAttrSigningCertificateV2, ess)
	if err != nil {
		tb.Fatal(err)
	}
	var certs []byte
	for _, c := range chain {
		certs = append(certs, c.Raw...)
	}
	sig := make([]byte, 256)
	if _, err := rand.Read(sig); err != nil {
		tb.Fatal(err)
	}
	return &Detached{
		Cert:               chain[0],
		Certificates:       certs,
		DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: OIDSHA256},
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: OIDRSAEncryption, Parameters: asn1.NullRawValue},
		SignedAttrs:        MarshalSet(append(attrs, essAttr)),
		Signature:          sig,
	}
}

// BenchmarkDetachedMarshal writes the SignedData of a PAdES signature with
// a three-certificate RSA-2048 chain: B-B, and B-T with a 6 KB time-stamp
// token as unsigned attribute.
func BenchmarkDetachedMarshal(b *testing.B) {
	chain, _ := rsaChain(b)
	d := benchDetached(b, chain)
	token, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: make([]byte, 6000)})
	if err != nil {
		b.Fatal(err)
	}
	tst, err := MarshalAttribute(OIDAttrTimeStampToken, token)
	if err != nil {
		b.Fatal(err)
	}
	withToken := *d
	withToken.UnsignedAttrs = [][]byte{tst}
	for _, c := range []struct {
		name string
		d    *Detached
	}{{"B-B", d}, {"B-T", &withToken}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.d.Marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMarshalAttribute writes the message-digest attribute, the one
// encoded for every signature.
func BenchmarkMarshalAttribute(b *testing.B) {
	sum := sha256.Sum256([]byte("%PDF-1.7"))
	md, err := asn1.Marshal(sum[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalAttribute(OIDAttrMessageDigest, md); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshalSigningCertificateV2 writes the ESS attribute value for
// a signer's certificate of the chain above.
func BenchmarkMarshalSigningCertificateV2(b *testing.B) {
	chain, _ := rsaChain(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalSigningCertificateV2(chain[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshalSet writes the four signed attributes of a PAdES B-B
// signature as the SET OF that is signed.
func BenchmarkMarshalSet(b *testing.B) {
	chain, _ := rsaChain(b)
	set := benchDetached(b, chain).SignedAttrs
	// The attributes, back out of the SET OF.
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(set, &raw); err != nil {
		b.Fatal(err)
	}
	var attrs [][]byte
	for rest := raw.Bytes; len(rest) > 0; {
		var a asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			b.Fatal(err)
		}
		attrs = append(attrs, a.FullBytes)
	}
	if len(attrs) != 4 {
		b.Fatalf("%d attributes, want 4", len(attrs))
	}
	b.ReportAllocs()
	for b.Loop() {
		MarshalSet(attrs)
	}
}
