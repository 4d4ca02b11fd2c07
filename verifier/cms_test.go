package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
	"github.com/kyso-vn/kyso/signer/pades"
)

func cmsCred(c model.Key) model.Key {
	return model.Key{Signer: c.Signer, Cert: c.Cert, Chain: c.Chain}
}

// TestVerifyCMS verifies detached CMS signatures made by kyso's signer/cms.
func TestVerifyCMS(t *testing.T) {
	p := getPKI(t)
	content := []byte("Hồ sơ dịch vụ công trực tuyến số 000.00.12.H26-241001-0001")
	tests := []struct {
		name    string
		cred    model.Key
		opts    cms.Options
		content []byte
		vopts   Options
		ind     Indication
		sub     SubIndication
		level   string
	}{
		{"PKCS#1 v1.5", p.official, cms.Options{}, content, p.trusted(), TotalPassed, "", LevelBB},
		{"PSS SHA-384 time-stamped", p.official, cms.Options{PSS: true, Hash: crypto.SHA384, Timestamper: p.tsa}, content, p.trusted(), TotalPassed, "", LevelBT},
		{"ECDSA with signing-time", p.ec, cms.Options{SigningTime: true}, content, p.trusted(), TotalPassed, "", LevelBB},
		{"other content", p.official, cms.Options{}, append(bytes.Clone(content), '.'), p.trusted(), TotalFailed, HashFailure, LevelBB},
		{"untrusted", p.official, cms.Options{}, content, Options{}, Indeterminate, NoCertificateChainFound, LevelBB},
		{"revoked", p.revoked, cms.Options{Timestamper: p.tsa}, content, Options{Roots: p.roots, Revocation: registry{p}}, TotalFailed, Revoked, LevelBT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := cms.SignDetached(context.Background(), bytes.NewReader(content), cmsCred(tt.cred), tt.opts)
			if err != nil {
				t.Fatalf("SignDetached = %v", err)
			}
			rep, err := VerifyCMS(context.Background(), bytes.NewReader(tt.content), sig, tt.vopts)
			if err != nil {
				t.Fatalf("VerifyCMS = %v", err)
			}
			s := sigOf(t, rep, 0)
			if s.Indication != tt.ind || s.SubIndication != tt.sub || rep.Valid != (tt.ind == TotalPassed) {
				t.Fatalf("got %v %s/%s (%s), want %s/%s", rep.Valid, s.Indication, s.SubIndication, s.Detail, tt.ind, tt.sub)
			}
			if s.Level != tt.level {
				t.Errorf("level %q, want %q", s.Level, tt.level)
			}
			if s.Signer.Name != tt.cred.Cert.Subject.CommonName {
				t.Errorf("signer %q, want %q", s.Signer.Name, tt.cred.Cert.Subject.CommonName)
			}
			if tt.opts.SigningTime && s.ClaimedTime == "" {
				t.Errorf("no claimed time from the signing-time attribute")
			}
		})
	}
}

// TestVerifyCMSUnreadable: only a sig that is not a SignedData at all is an
// error.
func TestVerifyCMSUnreadable(t *testing.T) {
	for _, sig := range [][]byte{nil, []byte("not DER"), marshalDER(cmsasn1.OIDData)} {
		if _, err := VerifyCMS(context.Background(), strings.NewReader("x"), sig, Options{}); !errors.Is(err, ErrUnreadable) {
			t.Errorf("VerifyCMS(%x) = %v, want ErrUnreadable", sig, err)
		}
	}
	// A CMS over other content is a report, not an error.
	p := getPKI(t)
	sig, err := cms.SignDetached(context.Background(), strings.NewReader("a"), cmsCred(p.ec), cms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyCMS(context.Background(), nil, sig, Options{}); err != nil {
		t.Errorf("VerifyCMS without content = %v, want a report", err)
	}
}

// TestLoadTrustDir reads PEM and DER files: self-signed certificates are
// roots, the others intermediates.
func TestLoadTrustDir(t *testing.T) {
	p := getPKI(t)
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}))
	write("issuing.der", p.ca.Raw)
	write("README.md", []byte("# notes"))
	roots, inter, err := LoadTrustDir(dir)
	if err != nil {
		t.Fatalf("LoadTrustDir = %v", err)
	}
	if _, err := p.official.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter}); err != nil {
		t.Errorf("official certificate does not chain through the loaded pools: %v", err)
	}
	if _, err := p.official.Cert.Verify(x509.VerifyOptions{Roots: roots}); err == nil {
		t.Errorf("the issuing CA was loaded as a root")
	}
	if _, err := p.root.Verify(x509.VerifyOptions{Roots: inter}); err == nil {
		t.Errorf("the root was loaded as an intermediate")
	}
	if _, _, err := LoadTrustDir(t.TempDir()); !errors.Is(err, ErrTrustStore) {
		t.Errorf("LoadTrustDir(empty) = %v, want ErrTrustStore", err)
	}
	// A document verified with the loaded pools, as `kyso verify --trust`.
	doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	// The signer's CMS carries its chain; drop the intermediates the
	// document has to show that trust-dir intermediates are used: a
	// hand-made CMS with only the leaf.
	doc = replaceContents(t, doc, 0, func(d []byte) []byte {
		return buildCMS(t, cmsSpec{key: p.ec.Signer, sid: p.ec.Cert, certs: []*x509.Certificate{p.ec.Cert}, digest: d, essCert: p.ec.Cert})
	})
	rep := verifyPDF(t, doc, Options{Roots: roots, Intermediates: inter, Revocation: registry{p}, Now: func() time.Time { return time.Now() }})
	if s := sigOf(t, rep, 0); s.Indication != TotalPassed || len(s.Chain) != 3 {
		t.Errorf("leaf-only CMS with trust-dir intermediates: %s/%s (%s), chain %d", s.Indication, s.SubIndication, s.Detail, len(s.Chain))
	}
	rep = verifyPDF(t, doc, Options{Roots: roots})
	if s := sigOf(t, rep, 0); s.Indication != Indeterminate || s.SubIndication != NoCertificateChainFound {
		t.Errorf("leaf-only CMS without intermediates: %s/%s, want INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND", s.Indication, s.SubIndication)
	}
}
