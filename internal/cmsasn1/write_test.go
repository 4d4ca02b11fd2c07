package cmsasn1

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"slices"
	"testing"
)

// The reference the writer is held to: the structures of RFC 5652 and RFC
// 5035 as Go structs, written by encoding/asn1. The writer builds the same
// bytes with cryptobyte.

type refContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type refSignedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo refEncapsulatedContentInfo
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	SignerInfos      []refSignerInfo `asn1:"set"`
}

type refEncapsulatedContentInfo struct {
	EContentType asn1.ObjectIdentifier
}

type refSignerInfo struct {
	Version            int
	SID                refIssuerAndSerialNumber
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type refIssuerAndSerialNumber struct {
	Issuer       asn1.RawValue
	SerialNumber *big.Int
}

type refAttribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

type refSigningCertificateV2 struct {
	Certs []refESSCertIDv2
}

type refESSCertIDv2 struct {
	CertHash     []byte
	IssuerSerial refIssuerSerial
}

type refIssuerSerial struct {
	Issuer       []asn1.RawValue
	SerialNumber *big.Int
}

func refRetag(der []byte, class, tag int) []byte {
	out := slices.Clone(der)
	out[0] = byte(class<<6) | 0x20 | byte(tag)
	return out
}

func refMarshal(d *Detached) ([]byte, error) {
	if d.Cert == nil || len(d.SignedAttrs) == 0 {
		return nil, asn1.StructuralError{Msg: "no certificate or signed attributes"}
	}
	si := refSignerInfo{
		Version:            1,
		SID:                refIssuerAndSerialNumber{Issuer: asn1.RawValue{FullBytes: d.Cert.RawIssuer}, SerialNumber: d.Cert.SerialNumber},
		DigestAlgorithm:    d.DigestAlgorithm,
		SignedAttrs:        asn1.RawValue{FullBytes: refRetag(d.SignedAttrs, asn1.ClassContextSpecific, 0)},
		SignatureAlgorithm: d.SignatureAlgorithm,
		Signature:          d.Signature,
	}
	if len(d.UnsignedAttrs) > 0 {
		si.UnsignedAttrs = asn1.RawValue{FullBytes: refRetag(refMarshalSet(d.UnsignedAttrs), asn1.ClassContextSpecific, 1)}
	}
	sd := refSignedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{d.DigestAlgorithm},
		EncapContentInfo: refEncapsulatedContentInfo{EContentType: OIDData},
		SignerInfos:      []refSignerInfo{si},
	}
	if len(d.Certificates) > 0 {
		sd.Certificates = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: d.Certificates}
	}
	body, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(refContentInfo{
		ContentType: OIDSignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: body},
	})
}

func refMarshalAttribute(typ asn1.ObjectIdentifier, der []byte) ([]byte, error) {
	return asn1.Marshal(refAttribute{Type: typ, Values: []asn1.RawValue{{FullBytes: der}}})
}

func refMarshalSet(elems [][]byte) []byte {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	out, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: bytes.Join(sorted, nil)})
	return out
}

func refMarshalSigningCertificateV2(cert *x509.Certificate) ([]byte, error) {
	h := crypto.SHA256.New()
	h.Write(cert.Raw)
	return asn1.Marshal(refSigningCertificateV2{Certs: []refESSCertIDv2{{
		CertHash: h.Sum(nil),
		IssuerSerial: refIssuerSerial{
			Issuer:       []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer}},
			SerialNumber: cert.SerialNumber,
		},
	}}})
}

// sameAsReference reports a difference between what the writer returned
// and what encoding/asn1 writes: other bytes, or an error on one side only.
func sameAsReference(t *testing.T, call string, got []byte, gotErr error, want []byte, wantErr error) {
	t.Helper()
	if (gotErr != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
		t.Errorf("%s = %x, %v; encoding/asn1 writes %x, %v", call, got, gotErr, want, wantErr)
	}
}

func randBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func bigHex(t testing.TB, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 0)
	if !ok {
		t.Fatalf("bad number %q", s)
	}
	return n
}

// writerFixture holds certificates and attributes the writer's cases are
// made of.
type writerFixture struct {
	chain    []*x509.Certificate // RSA-2048: signer, CA, root
	ec       *x509.Certificate
	certs    []byte // chain, concatenated
	signed   []byte // SET OF four signed attributes
	unsigned [][]byte
}

func newWriterFixture(t *testing.T) writerFixture {
	t.Helper()
	chain, _ := rsaChain(t)
	ec, _ := testCert(t)
	d := benchDetached(t, chain)
	var unsigned [][]byte
	for _, v := range [][]byte{
		{0x30, 0x03, 0x02, 0x01, 0x07},
		append([]byte{0x30, 0x83, 0x01, 0x11, 0x70, 0x04, 0x83, 0x01, 0x11, 0x6b}, randBytes(t, 69995)...), // a long token
		{0x0c, 0x02, 'v', 'i'},
	} {
		a, err := MarshalAttribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}, v)
		if err != nil {
			t.Fatal(err)
		}
		unsigned = append(unsigned, a)
	}
	unsigned = append(unsigned, unsigned[0]) // unsorted, with a repeat
	return writerFixture{chain: chain, ec: ec, certs: d.Certificates, signed: d.SignedAttrs, unsigned: unsigned}
}

// TestDetachedMarshalReference: Marshal writes what encoding/asn1 writes
// for the same SignedData, byte for byte, over the algorithms kyso signs
// with, serial numbers, issuers, certificates, attributes and lengths in
// every length form, and fails where encoding/asn1 fails.
func TestDetachedMarshalReference(t *testing.T) {
	fx := newWriterFixture(t)
	pss, err := PSSAlgorithm(crypto.SHA384)
	if err != nil {
		t.Fatal(err)
	}
	sha256ID := pkix.AlgorithmIdentifier{Algorithm: OIDSHA256}
	rsaPKCS1 := pkix.AlgorithmIdentifier{Algorithm: OIDRSAEncryption, Parameters: asn1.NullRawValue}
	ecdsa256 := pkix.AlgorithmIdentifier{Algorithm: OIDECDSAWithSHA256}
	base := func() *Detached {
		return &Detached{
			Cert:               fx.chain[0],
			Certificates:       fx.certs,
			DigestAlgorithm:    sha256ID,
			SignatureAlgorithm: rsaPKCS1,
			SignedAttrs:        fx.signed,
			Signature:          randBytes(t, 256),
		}
	}
	with := func(f func(d *Detached)) *Detached {
		d := base()
		f(d)
		return d
	}
	withSerial := func(s *big.Int) *Detached {
		return with(func(d *Detached) {
			c := *fx.chain[0]
			c.SerialNumber = s
			d.Cert = &c
		})
	}
	withParams := func(p asn1.RawValue) *Detached {
		return with(func(d *Detached) { d.DigestAlgorithm.Parameters = p })
	}
	withCerts := func(n int) *Detached {
		return with(func(d *Detached) { d.Certificates = randBytes(t, n) })
	}
	cases := []struct {
		name    string
		d       *Detached
		wantErr bool
	}{
		{"RSA PKCS#1 v1.5, chain of three", base(), false},
		{"RSASSA-PSS", with(func(d *Detached) {
			d.DigestAlgorithm = pkix.AlgorithmIdentifier{Algorithm: OIDSHA384}
			d.SignatureAlgorithm = pss
		}), false},
		{"ECDSA", with(func(d *Detached) {
			d.Cert, d.Certificates = fx.ec, fx.ec.Raw
			d.SignatureAlgorithm, d.Signature = ecdsa256, randBytes(t, 71)
		}), false},
		{"digest algorithm with NULL parameters", withParams(asn1.NullRawValue), false},
		{"no certificates", with(func(d *Detached) { d.Certificates = nil }), false},
		{"empty certificates", with(func(d *Detached) { d.Certificates = []byte{} }), false},
		{"unsigned attributes", with(func(d *Detached) { d.UnsignedAttrs = fx.unsigned }), false},
		{"one empty unsigned attribute", with(func(d *Detached) { d.UnsignedAttrs = [][]byte{nil} }), false},
		{"empty unsigned attributes", with(func(d *Detached) { d.UnsignedAttrs = [][]byte{} }), false},
		{"serial 0", withSerial(big.NewInt(0)), false},
		{"serial 1", withSerial(big.NewInt(1)), false},
		{"serial 0x7f", withSerial(big.NewInt(0x7f)), false},
		{"serial 0x80", withSerial(big.NewInt(0x80)), false},
		{"serial 0xff00", withSerial(big.NewInt(0xff00)), false},
		{"serial of 20 octets, high bit set", withSerial(bigHex(t, "0x8123456789abcdef0123456789abcdef01234567")), false},
		{"serial of 20 octets, high bit clear", withSerial(bigHex(t, "0x0123456789abcdef0123456789abcdef01234567")), false},
		{"serial of 200 octets", withSerial(new(big.Int).SetBytes(append([]byte{0xc0}, randBytes(t, 199)...))), false},
		{"serial -1", withSerial(big.NewInt(-1)), false},
		{"serial -128", withSerial(big.NewInt(-128)), false},
		{"serial -129", withSerial(big.NewInt(-129)), false},
		{"serial -2^159", withSerial(new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 159))), false},
		{"empty issuer", with(func(d *Detached) {
			c := *fx.chain[0]
			c.RawIssuer = nil
			d.Cert = &c
		}), false},
		{"empty signature", with(func(d *Detached) { d.Signature = nil }), false},
		{"signature of 128 octets", with(func(d *Detached) { d.Signature = randBytes(t, 128) }), false},
		{"signed attributes not a SET", with(func(d *Detached) { d.SignedAttrs = []byte{0x04, 0x01, 0x00} }), false},
		{"signed attributes of one octet", with(func(d *Detached) { d.SignedAttrs = []byte{0x31} }), false},
		{"parameters: empty non-nil Bytes", withParams(asn1.RawValue{Bytes: []byte{}}), false},
		{"parameters: empty non-nil FullBytes", withParams(asn1.RawValue{FullBytes: []byte{}}), false},
		{"parameters: empty FullBytes with a tag", withParams(asn1.RawValue{Tag: asn1.TagOctetString, FullBytes: []byte{}, Bytes: []byte{1}}), false},
		{"parameters: FullBytes win over Bytes", withParams(asn1.RawValue{Tag: asn1.TagNull, Bytes: []byte{1}, FullBytes: []byte{0x05, 0x00}}), false},
		{"parameters: universal tag 0", withParams(asn1.RawValue{IsCompound: true}), false},
		{"parameters: [0] constructed, 200 octets", withParams(asn1.RawValue{Class: asn1.ClassContextSpecific, IsCompound: true, Bytes: randBytes(t, 200)}), false},
		{"parameters: application 30", withParams(asn1.RawValue{Class: asn1.ClassApplication, Tag: 30, Bytes: []byte{1}}), false},
		{"parameters: tag 31", withParams(asn1.RawValue{Tag: 31, Bytes: []byte{1}}), false},
		{"parameters: private tag 2^20", withParams(asn1.RawValue{Class: asn1.ClassPrivate, Tag: 1 << 20, Bytes: []byte{1}}), false},
		{"parameters: negative tag", withParams(asn1.RawValue{Tag: -3}), false},
		{"parameters: class 5", withParams(asn1.RawValue{Class: 5, Tag: 1}), false},
		{"certificates of 127 octets", withCerts(127), false},
		{"certificates of 128 octets", withCerts(128), false},
		{"certificates of 255 octets", withCerts(255), false},
		{"certificates of 256 octets", withCerts(256), false},
		{"certificates of 65535 octets", withCerts(65535), false},
		{"certificates of 65536 octets", withCerts(65536), false},
		{"certificates of 2^24 octets", withCerts(1 << 24), false},
		{"no certificate", with(func(d *Detached) { d.Cert = nil }), true},
		{"no signed attributes", with(func(d *Detached) { d.SignedAttrs = nil }), true},
		{"empty signed attributes", with(func(d *Detached) { d.SignedAttrs = []byte{} }), true},
		{"no serial number", withSerial(nil), true},
		{"no digest algorithm", with(func(d *Detached) { d.DigestAlgorithm = pkix.AlgorithmIdentifier{} }), true},
		{"signature algorithm of one arc", with(func(d *Detached) { d.SignatureAlgorithm.Algorithm = asn1.ObjectIdentifier{1} }), true},
		{"signature algorithm under arc 3", with(func(d *Detached) { d.SignatureAlgorithm.Algorithm = asn1.ObjectIdentifier{3, 1} }), true},
		{"digest algorithm 1.40", with(func(d *Detached) { d.DigestAlgorithm.Algorithm = asn1.ObjectIdentifier{1, 40} }), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			unsigned := slices.Clone(c.d.UnsignedAttrs)
			got, err := c.d.Marshal()
			want, wantErr := refMarshal(c.d)
			if (err != nil) != c.wantErr || (wantErr != nil) != c.wantErr {
				t.Fatalf("Marshal() error = %v, encoding/asn1 error = %v; want errors %v", err, wantErr, c.wantErr)
			}
			sameAsReference(t, "Marshal()", got, err, want, wantErr)
			if !slices.EqualFunc(c.d.UnsignedAttrs, unsigned, bytes.Equal) {
				t.Errorf("Marshal reordered UnsignedAttrs")
			}
		})
	}
}

// TestWriterNegativeArc: an object identifier with a negative arc is the
// one input on which the writer and encoding/asn1 part: encoding/asn1
// writes no octets for that arc, the writer (cryptobyte) refuses it.
func TestWriterNegativeArc(t *testing.T) {
	neg := asn1.ObjectIdentifier{1, 2, -840}
	if _, err := refMarshalAttribute(neg, []byte{0x05, 0x00}); err != nil {
		t.Fatalf("encoding/asn1 refuses %v (%v); this test's premise is gone", neg, err)
	}
	if der, err := MarshalAttribute(neg, []byte{0x05, 0x00}); err == nil {
		t.Errorf("MarshalAttribute(%v) = %x, want an error", neg, der)
	}
	d := &Detached{
		Cert:               &x509.Certificate{SerialNumber: big.NewInt(1)},
		DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: neg},
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: OIDECDSAWithSHA256},
		SignedAttrs:        []byte{0x31, 0x00},
	}
	if der, err := d.Marshal(); err == nil {
		t.Errorf("Marshal() with digest algorithm %v = %x, want an error", neg, der)
	}
}

// TestMarshalAttributeReference: MarshalAttribute writes what
// encoding/asn1 writes, the value as it stands (an empty one as the zero
// RawValue), and fails on the object identifiers encoding/asn1 refuses.
func TestMarshalAttributeReference(t *testing.T) {
	ct, err := asn1.Marshal(OIDData)
	if err != nil {
		t.Fatal(err)
	}
	long := append([]byte{0x30, 0x83, 0x01, 0x11, 0x70}, randBytes(t, 70000)...)
	cases := []struct {
		name    string
		typ     asn1.ObjectIdentifier
		der     []byte
		wantErr bool
	}{
		{"content-type", OIDAttrContentType, ct, false},
		{"message-digest", OIDAttrMessageDigest, append([]byte{0x04, 0x20}, randBytes(t, 32)...), false},
		{"time-stamp token of 70 KB", OIDAttrTimeStampToken, long, false},
		{"value of 124 octets", OIDAttrTimeStampToken, append([]byte{0x04, 0x7a}, make([]byte, 122)...), false},
		{"value of 125 octets", OIDAttrTimeStampToken, append([]byte{0x04, 0x7b}, make([]byte, 123)...), false},
		{"no value", OIDAttrContentType, nil, false},
		{"empty value", OIDAttrContentType, []byte{}, false},
		{"value not DER", OIDAttrContentType, []byte{0xff, 0xff, 0xff}, false},
		{"type 2.999.1", asn1.ObjectIdentifier{2, 999, 1}, ct, false},
		{"type with a large arc", asn1.ObjectIdentifier{1, 3, 1 << 62}, ct, false},
		{"no type", nil, ct, true},
		{"type of one arc", asn1.ObjectIdentifier{2}, ct, true},
		{"type under arc 3", asn1.ObjectIdentifier{3, 0}, ct, true},
		{"type 0.40", asn1.ObjectIdentifier{0, 40}, ct, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := MarshalAttribute(c.typ, c.der)
			want, wantErr := refMarshalAttribute(c.typ, c.der)
			if (err != nil) != c.wantErr || (wantErr != nil) != c.wantErr {
				t.Fatalf("MarshalAttribute(%v) error = %v, encoding/asn1 error = %v; want errors %v", c.typ, err, wantErr, c.wantErr)
			}
			sameAsReference(t, "MarshalAttribute", got, err, want, wantErr)
		})
	}
}

// TestMarshalSetReference: MarshalSet writes what encoding/asn1 writes for
// the sorted elements and leaves its argument's order alone.
func TestMarshalSetReference(t *testing.T) {
	fx := newWriterFixture(t)
	cases := []struct {
		name  string
		elems [][]byte
	}{
		{"nil", nil},
		{"none", [][]byte{}},
		{"one empty", [][]byte{nil}},
		{"one element", fx.unsigned[:1]},
		{"unsorted, repeated, 70 KB", fx.unsigned},
		{"prefixes", [][]byte{{0x04, 0x01}, {0x04}, {0x04, 0x01, 0x00}, {0x04, 0x00}, {}}},
		{"126 octets", [][]byte{make([]byte, 100), make([]byte, 26)}},
		{"127 octets", [][]byte{make([]byte, 100), make([]byte, 27)}},
		{"128 octets", [][]byte{make([]byte, 100), make([]byte, 28)}},
		{"65536 octets", [][]byte{randBytes(t, 65536)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := slices.Clone(c.elems)
			got := MarshalSet(c.elems)
			sameAsReference(t, "MarshalSet", got, nil, refMarshalSet(c.elems), nil)
			if !slices.EqualFunc(c.elems, before, bytes.Equal) {
				t.Errorf("MarshalSet reordered its argument")
			}
		})
	}
}

// TestMarshalSigningCertificateV2Reference: MarshalSigningCertificateV2
// writes what encoding/asn1 writes for RSA and ECDSA certificates and for
// serial numbers and issuers of every form.
func TestMarshalSigningCertificateV2Reference(t *testing.T) {
	fx := newWriterFixture(t)
	withSerial := func(s *big.Int) *x509.Certificate {
		c := *fx.chain[0]
		c.SerialNumber = s
		return &c
	}
	cases := []struct {
		name    string
		cert    *x509.Certificate
		wantErr bool
	}{
		{"RSA signer", fx.chain[0], false},
		{"RSA root", fx.chain[2], false},
		{"ECDSA", fx.ec, false},
		{"serial 0", withSerial(big.NewInt(0)), false},
		{"serial 0x80", withSerial(big.NewInt(0x80)), false},
		{"serial -129", withSerial(big.NewInt(-129)), false},
		{"serial of 200 octets", withSerial(new(big.Int).SetBytes(randBytes(t, 200))), false},
		{"issuer of 300 octets", &x509.Certificate{Raw: []byte{1}, RawIssuer: randBytes(t, 300), SerialNumber: big.NewInt(5)}, false},
		{"no issuer, no DER", &x509.Certificate{SerialNumber: big.NewInt(5)}, false},
		{"no serial number", withSerial(nil), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := MarshalSigningCertificateV2(c.cert)
			want, wantErr := refMarshalSigningCertificateV2(c.cert)
			if (err != nil) != c.wantErr || (wantErr != nil) != c.wantErr {
				t.Fatalf("MarshalSigningCertificateV2 error = %v, encoding/asn1 error = %v; want errors %v", err, wantErr, c.wantErr)
			}
			sameAsReference(t, "MarshalSigningCertificateV2", got, err, want, wantErr)
		})
	}
}

// TestMarshalSigningCertificateV2Nil: no certificate is an error, not a
// panic (encoding/asn1's way, kept in the reference, dereferenced it).
func TestMarshalSigningCertificateV2Nil(t *testing.T) {
	if der, err := MarshalSigningCertificateV2(nil); err == nil {
		t.Errorf("MarshalSigningCertificateV2(nil) = %x, nil; want an error", der)
	}
}

// checkReadBack parses der, which d.Marshal wrote, with ParseSignedData
// (or ParseSignedDataSkipCerts) and checks that every field is d's.
func checkReadBack(t *testing.T, d *Detached, der []byte, parseCerts bool) {
	t.Helper()
	parse := ParseSignedDataSkipCerts
	if parseCerts {
		parse = ParseSignedData
	}
	sd, err := parse(der)
	if err != nil {
		t.Fatalf("parse(Marshal()) = %v", err)
	}
	if sd.BER || !bytes.Equal(sd.DER, der) {
		t.Errorf("read back as BER %v, DER equal %v; want the DER written", sd.BER, bytes.Equal(sd.DER, der))
	}
	if len(sd.DigestAlgorithms) != 1 || !sd.DigestAlgorithms[0].Equal(d.DigestAlgorithm.Algorithm) {
		t.Errorf("digestAlgorithms = %v, want %v", sd.DigestAlgorithms, d.DigestAlgorithm.Algorithm)
	}
	if !sd.EContentType.Equal(OIDData) || sd.HasEContent {
		t.Errorf("encapContentInfo = %v (eContent %v), want detached id-data", sd.EContentType, sd.HasEContent)
	}
	if parseCerts {
		var want []*x509.Certificate
		for rest := d.Certificates; len(rest) > 0; {
			var raw asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
				t.Fatal(err)
			}
			c, err := x509.ParseCertificate(raw.FullBytes)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, c)
		}
		if !slices.EqualFunc(sd.Certs, want, (*x509.Certificate).Equal) || sd.BadCerts != 0 {
			t.Errorf("read back %d certificates (%d bad), want the %d written", len(sd.Certs), sd.BadCerts, len(want))
		}
	} else if len(sd.Certs) != 0 || sd.BadCerts != 0 {
		t.Errorf("certificates parsed though skipped")
	}
	if len(sd.Signers) != 1 {
		t.Fatalf("%d signers, want 1", len(sd.Signers))
	}
	si := sd.Signers[0]
	if !bytes.Equal(si.SIDIssuer, d.Cert.RawIssuer) || si.SIDSerial.Cmp(d.Cert.SerialNumber) != 0 || si.SIDKeyID != nil {
		t.Errorf("sid = %x/%v/%x, want issuer %x and serial %v", si.SIDIssuer, si.SIDSerial, si.SIDKeyID, d.Cert.RawIssuer, d.Cert.SerialNumber)
	}
	sameAlgorithm := func(field string, got, want pkix.AlgorithmIdentifier) {
		g, gerr := asn1.Marshal(got)
		w, werr := asn1.Marshal(want)
		if gerr != nil || werr != nil || !bytes.Equal(g, w) {
			t.Errorf("%s = %x (%v), want %x (%v)", field, g, gerr, w, werr)
		}
	}
	sameAlgorithm("digestAlgorithm", si.DigestAlgorithm, d.DigestAlgorithm)
	sameAlgorithm("signatureAlgorithm", si.SignatureAlgorithm, d.SignatureAlgorithm)
	if !bytes.Equal(si.SignedAttrs, d.SignedAttrs) {
		t.Errorf("signedAttrs = %x, want %x", si.SignedAttrs, d.SignedAttrs)
	}
	if !bytes.Equal(si.Signature, d.Signature) {
		t.Errorf("signature = %x, want %x", si.Signature, d.Signature)
	}
	var unsigned [][]byte
	for _, a := range si.Unsigned {
		for _, v := range a.Values {
			der, err := MarshalAttribute(a.Type, v)
			if err != nil {
				t.Fatal(err)
			}
			unsigned = append(unsigned, der)
		}
	}
	if want := slices.SortedFunc(slices.Values(d.UnsignedAttrs), bytes.Compare); !slices.EqualFunc(unsigned, want, bytes.Equal) {
		t.Errorf("read back %d unsigned attributes, want the %d written", len(unsigned), len(want))
	}
}

// TestDetachedReadBack: the package's reader reads what Marshal writes
// back to the same fields, certificates parsed or skipped.
func TestDetachedReadBack(t *testing.T) {
	fx := newWriterFixture(t)
	pss, err := PSSAlgorithm(crypto.SHA512)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		d    *Detached
	}{
		{"RSA PKCS#1 v1.5, unsigned attributes", &Detached{
			Cert: fx.chain[0], Certificates: fx.certs,
			DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: OIDSHA256, Parameters: asn1.NullRawValue},
			SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: OIDRSAEncryption, Parameters: asn1.NullRawValue},
			SignedAttrs:        fx.signed, Signature: randBytes(t, 256), UnsignedAttrs: fx.unsigned[:3],
		}},
		{"RSASSA-PSS", &Detached{
			Cert: fx.chain[0], Certificates: fx.certs,
			DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: OIDSHA512},
			SignatureAlgorithm: pss,
			SignedAttrs:        fx.signed, Signature: randBytes(t, 256),
		}},
		{"ECDSA, no certificates", &Detached{
			Cert:               fx.ec,
			DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: OIDSHA256},
			SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: OIDECDSAWithSHA256},
			SignedAttrs:        fx.signed, Signature: randBytes(t, 72),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			der, err := c.d.Marshal()
			if err != nil {
				t.Fatalf("Marshal() = %v", err)
			}
			if err := CheckDER(der); err != nil {
				t.Errorf("CheckDER(Marshal()) = %v", err)
			}
			checkReadBack(t, c.d, der, true)
			checkReadBack(t, c.d, der, false)
		})
	}
}

// splitChunks cuts b into at most limit pieces, each prefixed in b by its
// length octet.
func splitChunks(b []byte, limit int) [][]byte {
	var out [][]byte
	for len(b) > 0 && len(out) < limit {
		n := min(int(b[0]), len(b)-1)
		out = append(out, b[1:1+n])
		b = b[1+n:]
	}
	return out
}

// FuzzWriter holds the writer to encoding/asn1 on random serial numbers,
// issuers, certificate blobs, attributes, algorithm parameters and
// signatures, and the reader to reading back what the writer wrote.
func FuzzWriter(f *testing.F) {
	f.Add([]byte{0x01}, false, []byte{0x31, 0x00}, []byte{0x30, 0x00}, []byte{3, 4, 1, 0}, []byte{1, 2, 3}, 0, 0, false, []byte{}, uint8(0))
	f.Add([]byte{0x80, 0x00}, true, []byte{}, bytes.Repeat([]byte{0x30}, 300), []byte{0, 200}, make([]byte, 256), 2, 4, true, []byte{0x05, 0x00}, uint8(1))
	f.Add(bytes.Repeat([]byte{0xff}, 20), false, bytes.Repeat([]byte{'a'}, 130), []byte{}, bytes.Repeat([]byte{5}, 40), []byte{}, 1, 31, false, bytes.Repeat([]byte{1}, 129), uint8(2))
	f.Add([]byte{}, true, []byte{0x30}, []byte{0xa0}, []byte{}, []byte{0x00}, 3, 1<<21, true, []byte{}, uint8(3))
	f.Add([]byte{0x7f}, false, []byte{0x30, 0x03, 0x31, 0x01, 0x00}, make([]byte, 70000), []byte{1, 0}, make([]byte, 512), -1, -7, false, []byte{0x30}, uint8(7))
	f.Fuzz(func(t *testing.T, serial []byte, negative bool, issuer, certs, attrs, sig []byte, class, tag int, compound bool, params []byte, form uint8) {
		sn := new(big.Int).SetBytes(serial)
		if negative {
			sn.Neg(sn)
		}
		cert := &x509.Certificate{Raw: certs, RawIssuer: issuer, SerialNumber: sn}
		got, err := MarshalSigningCertificateV2(cert)
		want, wantErr := refMarshalSigningCertificateV2(cert)
		sameAsReference(t, "MarshalSigningCertificateV2", got, err, want, wantErr)

		// Attributes whose values are the chunks as they stand, and the
		// same chunks as OCTET STRINGs, which the reader can read back.
		var raw, wrapped [2][][]byte
		for i, c := range splitChunks(attrs, 32) {
			typ := asn1.ObjectIdentifier{1, 2, 840, 113549 * (1 + len(c)), i}
			got, err := MarshalAttribute(typ, c)
			want, wantErr := refMarshalAttribute(typ, c)
			sameAsReference(t, "MarshalAttribute", got, err, want, wantErr)
			raw[i%2] = append(raw[i%2], got)
			oct, err := asn1.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			a, err := MarshalAttribute(typ, oct)
			if err != nil {
				t.Fatalf("MarshalAttribute(%v, %x) = %v", typ, oct, err)
			}
			wrapped[i%2] = append(wrapped[i%2], a)
		}
		signed := MarshalSet(raw[0])
		sameAsReference(t, "MarshalSet", signed, nil, refMarshalSet(raw[0]), nil)

		var p asn1.RawValue
		switch form % 4 {
		case 1:
			p = asn1.NullRawValue
		case 2:
			p = asn1.RawValue{FullBytes: params}
		case 3:
			p = asn1.RawValue{Class: class, Tag: tag, IsCompound: compound, Bytes: params}
			if form&4 != 0 && len(params) == 0 {
				p.Bytes = nil
			}
		}
		sigAlgs := []pkix.AlgorithmIdentifier{
			{Algorithm: OIDECDSAWithSHA384},
			{Algorithm: OIDRSAEncryption, Parameters: asn1.NullRawValue},
		}
		pss, err := PSSAlgorithm(crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		sigAlgs = append(sigAlgs, pss)
		d := &Detached{
			Cert:               cert,
			Certificates:       certs,
			DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: OIDSHA384, Parameters: p},
			SignatureAlgorithm: sigAlgs[int(form>>3)%len(sigAlgs)],
			SignedAttrs:        signed,
			Signature:          sig,
			UnsignedAttrs:      raw[1],
		}
		got, err = d.Marshal()
		want, wantErr = refMarshal(d)
		sameAsReference(t, "Marshal()", got, err, want, wantErr)

		// Read back: the same SignedData with an issuer the reader takes
		// for a Name, attributes it can parse and parameters that are
		// absent, NULL or the PSS ones.
		name, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: issuer})
		if err != nil {
			t.Fatal(err)
		}
		rd := *d
		rd.Cert = &x509.Certificate{Raw: certs, RawIssuer: name, SerialNumber: sn}
		rd.SignedAttrs = MarshalSet(wrapped[0])
		rd.UnsignedAttrs = wrapped[1]
		switch form % 4 {
		case 2:
			rd.DigestAlgorithm.Parameters = pss.Parameters
		case 3:
			rd.DigestAlgorithm.Parameters = asn1.RawValue{}
		}
		der, err := rd.Marshal()
		if err != nil {
			t.Fatalf("Marshal() = %v", err)
		}
		checkReadBack(t, &rd, der, false)
	})
}
