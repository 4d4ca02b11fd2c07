package pades_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// FuzzSign checks that no input makes Sign panic, and that whatever it
// accepts comes out as the input followed by a signature that reads back.
//
// Known finding: digitorus/pdf v0.2.0 never returns on an array that runs
// into "endobj" (for example "/Kids [endobj ]"): its readArray appends the
// Null that readObject returns for the unread keyword, forever. Fuzzing
// finds it within seconds; it has to be fixed in the parser.
func FuzzSign(f *testing.F) {
	f.Add(makePDF(pdfSpec{}))
	f.Add(makePDF(pdfSpec{xrefStream: true, emptyField: "F"}))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		f.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		f.Fatal(err)
	}
	cred := model.Key{Signer: key, Cert: cert}
	s := pades.New(nil, nil)
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		_, err := s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, cred, pades.Options{Rect: [4]float64{10, 10, 100, 50}})
		if err != nil {
			if out.Len() != 0 {
				t.Fatalf("Sign failed (%v) but wrote %d bytes", err, out.Len())
			}
			return
		}
		if !bytes.HasPrefix(out.Bytes(), in) {
			t.Fatalf("output does not start with the input")
		}
		if sigs := readSignatures(t, out.Bytes()); len(sigs) == 0 {
			t.Fatalf("no signature reads back")
		}
	})
}
