package cmsasn1

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCert returns a self-signed ECDSA certificate and its key.
func testCert(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x4b5953),
		Subject:      pkix.Name{CommonName: "Nguyễn Văn A", Country: []string{"VN"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// detached writes a detached CMS over content with the writer.
func detached(t *testing.T, cert *x509.Certificate, key *ecdsa.PrivateKey, content []byte) ([]byte, []byte) {
	t.Helper()
	sum := sha256.Sum256(content)
	var attrs [][]byte
	for _, a := range []struct {
		typ asn1.ObjectIdentifier
		v   any
	}{{OIDAttrContentType, OIDData}, {OIDAttrMessageDigest, sum[:]}} {
		v, err := MarshalAttributeValue(a.v)
		if err != nil {
			t.Fatal(err)
		}
		der, err := MarshalAttribute(a.typ, v)
		if err != nil {
			t.Fatal(err)
		}
		attrs = append(attrs, der)
	}
	ess, err := MarshalSigningCertificateV2(cert)
	if err != nil {
		t.Fatal(err)
	}
	essAttr, err := MarshalAttribute(OIDAttrSigningCertificateV2, ess)
	if err != nil {
		t.Fatal(err)
	}
	set := MarshalSet(append(attrs, essAttr))
	h := sha256.Sum256(set)
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	out, err := (&Detached{
		Cert:               cert,
		Certificates:       cert.Raw,
		DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: OIDSHA256},
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: OIDECDSAWithSHA256},
		SignedAttrs:        set,
		Signature:          sig,
	}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out, set
}

// TestDetachedRoundTrip: what the writer writes, the reader reads back
// field by field, in DER, with the signed attributes as signed.
func TestDetachedRoundTrip(t *testing.T) {
	cert, key := testCert(t)
	content := []byte("Quyết định số 12/QĐ-UBND")
	der, set := detached(t, cert, key, content)

	sd, err := ParseSignedData(append(der, 0, 0, 0)) // /Contents padding
	if err != nil {
		t.Fatalf("ParseSignedData = %v", err)
	}
	if sd.BER || !bytes.Equal(sd.DER, der) {
		t.Errorf("ParseSignedData: BER %v, DER equal %v; want DER as written", sd.BER, bytes.Equal(sd.DER, der))
	}
	if !sd.EContentType.Equal(OIDData) || sd.HasEContent {
		t.Errorf("encapContentInfo = %v (eContent %v), want detached id-data", sd.EContentType, sd.HasEContent)
	}
	if len(sd.Certs) != 1 || !sd.Certs[0].Equal(cert) {
		t.Errorf("certificates = %d, want the signer's", len(sd.Certs))
	}
	if len(sd.Signers) != 1 {
		t.Fatalf("%d signers, want 1", len(sd.Signers))
	}
	si := sd.Signers[0]
	if !bytes.Equal(si.SIDIssuer, cert.RawIssuer) || si.SIDSerial.Cmp(cert.SerialNumber) != 0 {
		t.Errorf("sid = %x/%v, want the certificate's issuer and serial", si.SIDIssuer, si.SIDSerial)
	}
	if !bytes.Equal(si.SignedAttrs, set) {
		t.Errorf("SignedAttrs are not the SET OF that was signed")
	}
	h := sha256.Sum256(si.SignedAttrs)
	if !ecdsa.VerifyASN1(&key.PublicKey, h[:], si.Signature) {
		t.Errorf("the signature read back does not verify over SignedAttrs")
	}
	md, err := SingleAttr(si.Attrs, OIDAttrMessageDigest, "message-digest")
	var got []byte
	if err == nil {
		_, err = asn1.Unmarshal(md, &got)
	}
	if sum := sha256.Sum256(content); err != nil || !bytes.Equal(got, sum[:]) {
		t.Errorf("message-digest = %x (%v), want %x", got, err, sum)
	}
	essDER, err := SingleAttr(si.Attrs, OIDAttrSigningCertificateV2, "signing-certificate-v2")
	if err != nil || essDER == nil {
		t.Fatalf("signing-certificate-v2 = %v", err)
	}
	id, err := ParseSigningCert(essDER, true)
	if err != nil {
		t.Fatalf("ParseSigningCert = %v", err)
	}
	if sum := sha256.Sum256(cert.Raw); id.Hash != crypto.SHA256 || !bytes.Equal(id.Sum, sum[:]) || id.Serial.Cmp(cert.SerialNumber) != 0 || !bytes.Equal(id.Issuer, cert.RawIssuer) {
		t.Errorf("ESSCertID = %+v, want the certificate's SHA-256, issuer and serial", id)
	}
}

// TestParseSignedDataSkipCerts: the same reading without the certificates.
func TestParseSignedDataSkipCerts(t *testing.T) {
	cert, key := testCert(t)
	der, set := detached(t, cert, key, []byte("x"))
	sd, err := ParseSignedDataSkipCerts(der)
	if err != nil {
		t.Fatalf("ParseSignedDataSkipCerts = %v", err)
	}
	if len(sd.Certs) != 0 || sd.BadCerts != 0 {
		t.Errorf("ParseSignedDataSkipCerts: %d certificates (%d bad), want none parsed", len(sd.Certs), sd.BadCerts)
	}
	if len(sd.Signers) != 1 || !bytes.Equal(sd.Signers[0].SignedAttrs, set) {
		t.Errorf("ParseSignedDataSkipCerts: signers not read as ParseSignedData reads them")
	}
}

// TestDetachedOpenSSL: openssl, a reader kyso did not write, verifies the
// writer's detached CMS over its content.
func TestDetachedOpenSSL(t *testing.T) {
	cert, key := testCert(t)
	content := []byte("Tờ trình về việc phê duyệt")
	der, _ := detached(t, cert, key, content)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER",
		"-in", write("sig.p7s", der), "-content", write("doc.txt", content),
		"-CAfile", write("ca.pem", certPEM), "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification successful") {
		t.Errorf("openssl cms -verify: %v\n%s", err, out)
	}
}

// TestParseSignedDataBER: indefinite lengths are read by re-encoding.
func TestParseSignedDataBER(t *testing.T) {
	cert, key := testCert(t)
	der, _ := detached(t, cert, key, []byte("x"))
	// The outer ContentInfo with an indefinite length.
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		t.Fatal(err)
	}
	ber := append(append([]byte{0x30, 0x80}, outer.Bytes...), 0, 0)
	sd, err := ParseSignedData(ber)
	if err != nil {
		t.Fatalf("ParseSignedData(BER) = %v", err)
	}
	if !sd.BER || !bytes.Equal(sd.DER, der) {
		t.Errorf("ParseSignedData(BER): BER %v, DER re-encoded equal %v; want true, true", sd.BER, bytes.Equal(sd.DER, der))
	}
	for _, bad := range [][]byte{nil, {0x30}, append(bytes.Clone(der), 1), {0x04, 0x00}} {
		if _, err := ParseSignedData(bad); err == nil {
			t.Errorf("ParseSignedData(%x) accepted", bad)
		}
	}
}

// TestMarshalSet: DER sorts the elements of a SET OF by their encodings.
func TestMarshalSet(t *testing.T) {
	got := MarshalSet([][]byte{{0x04, 0x01, 0x02}, {0x04, 0x01, 0x01}, {0x02, 0x01, 0x05}})
	want := []byte{0x31, 0x09, 0x02, 0x01, 0x05, 0x04, 0x01, 0x01, 0x04, 0x01, 0x02}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalSet = %x, want %x", got, want)
	}
	if err := CheckDER(got); err != nil {
		t.Errorf("CheckDER(MarshalSet) = %v", err)
	}
}

// TestPSSAlgorithm: hash, MGF1 with the hash, salt length the hash's size.
func TestPSSAlgorithm(t *testing.T) {
	for _, h := range SignHashes {
		alg, err := PSSAlgorithm(h)
		if err != nil {
			t.Fatalf("PSSAlgorithm(%v) = %v", h, err)
		}
		var p PSSParameters
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
			t.Fatalf("PSSAlgorithm(%v) parameters: %v", h, err)
		}
		var mgfHash pkix.AlgorithmIdentifier
		if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mgfHash); err != nil {
			t.Fatal(err)
		}
		if !alg.Algorithm.Equal(OIDRSASSAPSS) || !p.Hash.Algorithm.Equal(DigestOID(h)) || !p.MGF.Algorithm.Equal(OIDMGF1) ||
			!mgfHash.Algorithm.Equal(DigestOID(h)) || p.SaltLength != h.Size() || p.TrailerField != 1 {
			t.Errorf("PSSAlgorithm(%v) = %v %+v", h, alg.Algorithm, p)
		}
		if SignHashForOID(DigestOID(h)) != h {
			t.Errorf("SignHashForOID(DigestOID(%v)) = %v", h, SignHashForOID(DigestOID(h)))
		}
	}
	if _, err := PSSAlgorithm(crypto.SHA1); err == nil {
		t.Errorf("PSSAlgorithm(SHA-1) accepted")
	}
}

// TestAccuracyAndGenTime: accuracy rounds up to a microsecond; genTime has
// no trailing zeros and reads back with ParseTime.
func TestAccuracyAndGenTime(t *testing.T) {
	a := NewAccuracy(1500*time.Microsecond + time.Nanosecond)
	if a != (Accuracy{Millis: 1, Micros: 501}) || a.Duration() != 1501*time.Microsecond {
		t.Errorf("NewAccuracy(1.500001ms) = %+v (%v), want 1 ms 501 µs", a, a.Duration())
	}
	at := time.Date(2026, 12, 6, 23, 5, 7, 120_000_000, time.FixedZone("ICT", 7*3600))
	got, raw := GeneralizedTime(at, time.Millisecond)
	if string(raw.Bytes) != "20261206160507.12Z" {
		t.Errorf("GeneralizedTime = %q, want 20261206160507.12Z", raw.Bytes)
	}
	der, err := asn1.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseTime(der)
	if err != nil || !back.Equal(got) {
		t.Errorf("ParseTime(GeneralizedTime) = %v, %v; want %v", back, err, got)
	}
}
