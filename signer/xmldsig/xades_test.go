package xmldsig_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

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
	rev := pki.Revocation()
	for _, tc := range []struct {
		name  string
		key   string
		opts  xmldsig.Options
		level string
	}{
		{"B-B/RSA", "rsa2048", xmldsig.Options{Profile: xmldsig.ProfileXAdES}, verifier.LevelBB},
		{"B-T/ECDSA", "p256", xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBT, Timestamper: ta}, verifier.LevelBT},
		{"B-T/RSA-SHA384", "rsa2048", xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBT, Timestamper: ta, Hash: crypto.SHA384}, verifier.LevelBT},
		{"B-LT/RSA", "rsa2048", xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBLT, Timestamper: ta, Revocation: rev}, verifier.LevelBLT},
		{"B-LTA/ECDSA", "p256", xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBLTA, Timestamper: ta, Revocation: rev}, verifier.LevelBLTA},
		{"B-LTA/RSA-SHA512", "rsa2048", xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBLTA, Timestamper: ta, Revocation: rev, Hash: crypto.SHA512}, verifier.LevelBLTA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cred(t, pki, testKey(t, tc.key), "Sở Tư pháp Hà Nội", "MST:0101234567")
			c.Chain = append(c.Chain, pki.Root)
			res, err := xmldsig.Sign(context.Background(), dossier, c, tc.opts)
			if err != nil {
				t.Fatalf("Sign = %v", err)
			}
			xmlsecOK(t, pki, res.Document)
			rep, err := verifier.VerifyXML(context.Background(), res.Document, verifier.Options{Roots: pki.Roots(), Intermediates: inter, Revocation: verifier.RegistryFromOCSP(rev)})
			if err != nil {
				t.Fatalf("VerifyXML = %v", err)
			}
			s := rep.Signatures[0]
			if !rep.Valid || s.Level != tc.level || s.ClaimedTime == "" {
				t.Errorf("report: valid %t, level %q (want %s), claimed %q: %s %q", rep.Valid, s.Level, tc.level, s.ClaimedTime, s.Detail, s.Warnings)
			}
			if (tc.level != verifier.LevelBB) != (s.ProvenTime != "") {
				t.Errorf("proven time %q at level %s", s.ProvenTime, s.Level)
			}
			if tc.level != verifier.LevelBLTA {
				return
			}
			// The archive time-stamp covers the validation data: a
			// changed CRL leaves the signature valid (xmlsec1 does not
			// look at unsigned properties) but no longer B-LTA.
			i := bytes.Index(res.Document, []byte("<xades:EncapsulatedCRLValue>"))
			if i < 0 {
				t.Fatalf("no CRL in the B-LTA signature:\n%s", res.Document)
			}
			i += len("<xades:EncapsulatedCRLValue>") + 8
			bad := bytes.Clone(res.Document)
			bad[i] ^= 'A' ^ 'B'
			if bad[i] == res.Document[i] || bad[i] == '<' {
				bad[i] = 'C'
			}
			xmlsecOK(t, pki, bad)
			rep, err = verifier.VerifyXML(context.Background(), bad, verifier.Options{Roots: pki.Roots(), Intermediates: inter, Revocation: verifier.RegistryFromOCSP(rev)})
			if err != nil {
				t.Fatalf("VerifyXML = %v", err)
			}
			if s := rep.Signatures[0]; s.Level == verifier.LevelBLTA || !slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, "archive time-stamp") }) {
				t.Errorf("changed CRL: level %s, warnings %q", s.Level, s.Warnings)
			}
		})
	}
	if _, err := xmldsig.Sign(context.Background(), dossier, cred(t, pki, testKey(t, "p256"), "A", ""), xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBT}); !errors.Is(err, xmldsig.ErrInvalid) {
		t.Errorf("B-T without a TSA: %v, want ErrInvalid", err)
	}
	if _, err := xmldsig.Sign(context.Background(), dossier, cred(t, pki, testKey(t, "p256"), "A", ""), xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBLTA, Timestamper: ta}); !errors.Is(err, xmldsig.ErrInvalid) {
		t.Errorf("B-LTA without revocation data: %v, want ErrInvalid", err)
	}
	if _, err := xmldsig.Sign(context.Background(), dossier, cred(t, pki, testKey(t, "p256"), "A", ""), xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBLT, Timestamper: ta, Revocation: rev}); !errors.Is(err, xmldsig.ErrInvalid) {
		t.Errorf("B-LT without the chain up to the root: %v, want ErrInvalid", err)
	}
	if _, err := xmldsig.Sign(context.Background(), dossier, cred(t, pki, testKey(t, "p256"), "A", ""), xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: "B-LTB"}); !errors.Is(err, xmldsig.ErrInvalid) {
		t.Errorf("level B-LTB: %v, want ErrInvalid", err)
	}
	// Validation data from before the signature does not make B-LT.
	stale := pki.Revocation()
	stale.Backdate = time.Hour / 2
	sc := cred(t, pki, testKey(t, "p256"), "Sở Tư pháp Hà Nội", "")
	sc.Chain = append(sc.Chain, pki.Root)
	res, err := xmldsig.Sign(context.Background(), dossier, sc, xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBLT, Timestamper: ta, Revocation: stale})
	if err != nil {
		t.Fatalf("Sign(B-LT, stale data) = %v", err)
	}
	rep, err := verifier.VerifyXML(context.Background(), res.Document, verifier.Options{Roots: pki.Roots(), Intermediates: inter, Revocation: verifier.RegistryFromOCSP(rev)})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Signatures[0]; !rep.Valid || s.Level != verifier.LevelBT || !slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, "before the signature time-stamp") }) {
		t.Errorf("B-LT with stale validation data: valid %t, level %s, warnings %q", rep.Valid, s.Level, s.Warnings)
	}
	revoked := cred(t, pki, testKey(t, "p256"), "Thu hồi", "")
	revoked.Chain = append(revoked.Chain, pki.Root)
	rev.Revoke(revoked.Cert)
	if _, err := xmldsig.Sign(context.Background(), dossier, revoked, xmldsig.Options{Profile: xmldsig.ProfileXAdES, Level: xmldsig.LevelBLT, Timestamper: ta, Revocation: rev}); !errors.Is(err, xmldsig.ErrRevoked) {
		t.Errorf("B-LT with a revoked certificate: %v, want ErrRevoked", err)
	}
}
