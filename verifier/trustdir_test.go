package verifier

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/signer/pades"
)

// negativeSerialCert returns a self-signed CA certificate whose serial
// number is negative (RFC 5280, 4.1.2.2 forbids it; old CAs issued such
// certificates and crypto/x509 refuses to parse them).
func negativeSerialCert(t testing.TB) []byte {
	t.Helper()
	key := ecKey()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x7f1234), Subject: pkix.Name{CommonName: "Negative Serial Root", Country: []string{"VN"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	d, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(d)
	if err != nil {
		t.Fatal(err)
	}
	tbs := []byte(string(c.RawTBSCertificate))
	i := strings.Index(string(tbs), "\x02\x03\x7f\x12\x34")
	if i < 0 {
		t.Fatal("serial not found in the TBS")
	}
	tbs[i+2] = 0x80 // 0x801234: negative
	h := sha256.Sum256(tbs)
	sig, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	out := der(0x30, tbs, der(0x30, marshalDER(cmsasn1.OIDECDSAWithSHA256)), der(0x03, append([]byte{0}, sig...)))
	if _, err := x509.ParseCertificate(out); err == nil {
		t.Fatal("crypto/x509 parses a negative serial number; the test no longer tests anything")
	}
	return out
}

// TestReadTrustDirSkips: a certificate crypto/x509 cannot parse (negative
// serial number, garbage), or a file that holds none, is left out with a
// reason, and the rest of the directory is used: one bad file once made
// every `kyso verify --trust` exit 3.
func TestReadTrustDirSkips(t *testing.T) {
	p := getPKI(t)
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	neg := negativeSerialCert(t)
	pemOf := func(ders ...[]byte) []byte {
		var out []byte
		for _, d := range ders {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
		}
		return out
	}
	write("a-negative.der", neg)
	write("b-bundle.pem", pemOf(neg, p.root.Raw)) // one bad, one good
	write("c-issuing.pem", pemOf(p.ca.Raw))
	write("d-junk.crt", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	write("e-key.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}))
	certs, skipped, err := ReadTrustDir(dir)
	if err != nil {
		t.Fatalf("ReadTrustDir = %v, want the good certificates", err)
	}
	if len(certs) != 2 || !certs[0].Cert.Equal(p.root) || !certs[0].Root || !certs[1].Cert.Equal(p.ca) || certs[1].Root {
		t.Errorf("certificates %+v, want the test root, then the issuing CA", certs)
	}
	want := []string{
		"a-negative.der: not a certificate crypto/x509 can read (x509: negative serial number)",
		"b-bundle.pem: certificate 1 cannot be read by crypto/x509 (x509: negative serial number)",
		"d-junk.crt: certificate 1 cannot be read",
		"e-key.pem: no PEM CERTIFICATE block",
	}
	if len(skipped) != len(want) {
		t.Fatalf("skipped %q, want %d entries", skipped, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(skipped[i], w) || !strings.HasSuffix(skipped[i], "; it is left out") {
			t.Errorf("skipped[%d] = %q, want %q…; it is left out", i, skipped[i], w)
		}
	}

	// The pools work: a document signed under the test CA passes.
	roots, inter, err := LoadTrustDir(dir)
	if err != nil {
		t.Fatalf("LoadTrustDir = %v", err)
	}
	doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	if s := sigOf(t, verifyPDF(t, doc, Options{Roots: roots, Intermediates: inter, Revocation: registry{p}}), 0); s.Indication != TotalPassed {
		t.Errorf("with the good certificates of the directory: %s/%s (%s)", s.Indication, s.SubIndication, s.Detail)
	}

	// Nothing usable is still an error, and says what was wrong.
	only := t.TempDir()
	if err := os.WriteFile(filepath.Join(only, "neg.der"), neg, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadTrustDir(only); !errors.Is(err, ErrTrustStore) || !strings.Contains(err.Error(), "negative serial") {
		t.Errorf("ReadTrustDir with only a bad certificate = %v, want ErrTrustStore naming it", err)
	}
}
