package xmldsig_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/tsa"
	"github.com/kyso-vn/kyso/signer/xmldsig"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
	"github.com/kyso-vn/kyso/verifier"
)

// TestSignXAdES makes XAdES B-B and B-T signatures: xmlsec1 verifies their
// core (references, SignedProperties included), and kyso's verifier finds
// the level, the signing certificate and, for B-T, the time proven by the
// signature time-stamp.
func TestSignXAdES(t *testing.T) {
	pki := xmltest.NewPKI(t)
	tk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ta, err := tsa.New(tsa.Config{}, model.Key{Signer: tk, Cert: pki.IssueTSA(t, tk.Public()), Chain: []*x509.Certificate{pki.Issuing}})
	if err != nil {
		t.Fatalf("tsa.New = %v", err)
	}
	dossier := []byte(`<?xml version="1.0" encoding="UTF-8"?><HoSo xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><TTHS><MaHS>000.00.01.H26-260920-0001</MaHS></TTHS></HoSo>`)
	inter := x509.NewCertPool()
	inter.AddCert(pki.Issuing)
	for _, tc := range []struct {
		name  string
		key   string
		opts  xmldsig.Options
		level string
	}{
		{"B-B/RSA", "rsa2048", xmldsig.Options{Profile: xmldsig.ProfileXAdES}, verifier.LevelBB},
		{"B-T/ECDSA", "p256", xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBT, Timestamper: ta}, verifier.LevelBT},
		{"B-T/RSA-SHA384", "rsa2048", xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBT, Timestamper: ta, Hash: crypto.SHA384}, verifier.LevelBT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cred(t, pki, testKey(t, tc.key), "Sở Tư pháp Hà Nội", "MST:0101234567")
			res, err := xmldsig.Sign(context.Background(), dossier, c, tc.opts)
			if err != nil {
				t.Fatalf("Sign = %v", err)
			}
			xmlsecOK(t, pki, res.Document)
			rep, err := verifier.VerifyXML(context.Background(), res.Document, verifier.Options{Roots: pki.Roots(), Intermediates: inter})
			if err != nil {
				t.Fatalf("VerifyXML = %v", err)
			}
			s := rep.Signatures[0]
			if !rep.Valid || s.Level != tc.level || s.ClaimedTime == "" {
				t.Errorf("report: valid %t, level %q (want %s), claimed %q: %s %q", rep.Valid, s.Level, tc.level, s.ClaimedTime, s.Detail, s.Warnings)
			}
			if (tc.level == verifier.LevelBT) != (s.ProvenTime != "") {
				t.Errorf("proven time %q at level %s", s.ProvenTime, s.Level)
			}
		})
	}
	if _, err := xmldsig.Sign(context.Background(), dossier, cred(t, pki, testKey(t, "p256"), "A", ""), xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBT}); !errors.Is(err, xmldsig.ErrInvalid) {
		t.Errorf("B-T without a TSA: %v, want ErrInvalid", err)
	}
	if _, err := xmldsig.Sign(context.Background(), dossier, cred(t, pki, testKey(t, "p256"), "A", ""), xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: "B-LTA"}); !errors.Is(err, xmldsig.ErrInvalid) {
		t.Errorf("B-LTA: %v, want ErrInvalid", err)
	}
}
