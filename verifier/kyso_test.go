package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// TestKysoLevels signs with kyso's PAdES signer at every level, with PKCS
// #1 v1.5, RSASSA-PSS and ECDSA, and verifies: TOTAL_PASSED, the level
// made, the signer's name and identifier, the revision.
func TestKysoLevels(t *testing.T) {
	p := getPKI(t)
	tests := []struct {
		name  string
		cred  model.Key
		opts  pades.Options
		level string
		id    string
	}{
		{"B-B", p.official, pades.Options{Level: pades.LevelBB}, LevelBB, "CCCD:001099012345"},
		{"B-T", p.official, pades.Options{Level: pades.LevelBT}, LevelBT, "CCCD:001099012345"},
		{"B-LT", p.official, pades.Options{Level: pades.LevelBLT}, LevelBLT, "CCCD:001099012345"},
		{"B-LTA", p.official, pades.Options{Level: pades.LevelBLTA}, LevelBLTA, "CCCD:001099012345"},
		{"B-T PSS SHA-384", p.official, pades.Options{Level: pades.LevelBT, Scheme: pades.SchemePSS, Hash: crypto.SHA384}, LevelBT, "CCCD:001099012345"},
		{"B-LTA PSS SHA-512", p.official, pades.Options{Level: pades.LevelBLTA, Scheme: pades.SchemePSS, Hash: crypto.SHA512}, LevelBLTA, "CCCD:001099012345"},
		{"B-LT ECDSA", p.ec, pades.Options{Level: pades.LevelBLT}, LevelBLT, "CCCD:079188000123"},
		{"B-T seal visible certified", p.seal, pades.Options{Level: pades.LevelBT, Certify: 2, Rect: [4]float64{50, 50, 250, 120}}, LevelBT, "MST:0101234567"},
		{"adbe.pkcs7.detached", p.official, pades.Options{Level: pades.LevelBT, SubFilter: pades.SubFilterPKCS7}, LevelNotPAdES, "CCCD:001099012345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := signPDF(t, p, basePDF(), tt.cred, tt.opts)
			// Offline, without kyso's registry: B-LT must validate from
			// the DSS alone.
			rep := verifyPDF(t, doc, p.trusted())
			if !rep.Valid {
				t.Errorf("valid = false, want true: %s", dump(rep))
			}
			s := sigOf(t, rep, 0)
			if s.Indication != TotalPassed || s.Type != TypeSignature {
				t.Fatalf("signature = %s %s (%s), want TOTAL_PASSED signature", s.Indication, s.SubIndication, s.Detail)
			}
			if s.Level != tt.level {
				t.Errorf("level = %q, want %q", s.Level, tt.level)
			}
			if s.Signer.Name != tt.cred.Cert.Subject.CommonName || !slices.Contains(s.Signer.Identifiers, tt.id) || s.Signer.Organization != tt.cred.Cert.Subject.Organization[0] {
				t.Errorf("signer = %+v, want %q with identifier %q", s.Signer, tt.cred.Cert.Subject.CommonName, tt.id)
			}
			if s.Revision != 2 || s.Revisions < 2 {
				t.Errorf("revision %d of %d, want 2 of at least 2", s.Revision, s.Revisions)
			}
			if len(s.Chain) != 3 {
				t.Errorf("chain has %d certificates, want 3", len(s.Chain))
			}
			wantTS := tt.level != LevelBB
			if (s.ProvenTime != "") != wantTS || (s.TimestampAuthority == "kyso Test TSA") != wantTS {
				t.Errorf("proven_time %q by %q, want one: %v", s.ProvenTime, s.TimestampAuthority, wantTS)
			}
			if s.ClaimedTime == "" {
				t.Errorf("claimed_time is empty")
			}
			if tt.level == LevelBLT || tt.level == LevelBLTA {
				for _, w := range s.Warnings {
					if strings.Contains(w, "revocation status not checked") {
						t.Errorf("warning %q: the DSS should give every status", w)
					}
				}
			}
			if tt.level == LevelBLTA {
				if len(rep.Signatures) != 2 || rep.Signatures[1].Type != TypeDocumentTimestamp || rep.Signatures[1].Indication != TotalPassed {
					t.Errorf("want a TOTAL_PASSED document time-stamp after the signature: %s", dump(rep))
				}
			}
			for _, c := range s.ChangesAfter {
				if !c.Allowed {
					t.Errorf("change after signing %+v not allowed", c)
				}
			}
			if tt.opts.Certify != 0 && s.Certification != tt.opts.Certify {
				t.Errorf("certification = %d, want %d", s.Certification, tt.opts.Certify)
			}
		})
	}
}

func dump(rep *Report) string {
	b, _ := json.MarshalIndent(rep, "", "  ")
	return string(b)
}

// TestKysoUntrusted verifies kyso documents without kyso's root:
// INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND, never TOTAL_FAILED.
func TestKysoUntrusted(t *testing.T) {
	p := getPKI(t)
	doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	rep := verifyPDF(t, doc, Options{})
	s := sigOf(t, rep, 0)
	if rep.Valid || s.Indication != Indeterminate || s.SubIndication != NoCertificateChainFound {
		t.Fatalf("got %v %s/%s, want invalid INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND", rep.Valid, s.Indication, s.SubIndication)
	}
	if s.Signer.Name != p.official.Cert.Subject.CommonName {
		t.Errorf("signer %q, want %q", s.Signer.Name, p.official.Cert.Subject.CommonName)
	}
}

// TestKysoTampered changes one byte of the page content inside the signed
// range.
func TestKysoTampered(t *testing.T) {
	p := getPKI(t)
	for _, level := range []pades.Level{pades.LevelBB, pades.LevelBLTA} {
		t.Run(string(level), func(t *testing.T) {
			doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: level})
			i := bytes.Index(doc, []byte("Trang 1"))
			if i < 0 {
				t.Fatal("page text not found")
			}
			bad := bytes.Clone(doc)
			bad[i] = 'X'
			rep := verifyPDF(t, bad, p.trusted())
			s := sigOf(t, rep, 0)
			if rep.Valid || s.Indication != TotalFailed || s.SubIndication != HashFailure {
				t.Fatalf("got %v %s/%s, want TOTAL_FAILED/HASH_FAILURE", rep.Valid, s.Indication, s.SubIndication)
			}
			if level == pades.LevelBLTA {
				d := sigOf(t, rep, 1)
				if d.Type != TypeDocumentTimestamp || d.Indication != TotalFailed || d.SubIndication != HashFailure {
					t.Errorf("document time-stamp %s %s/%s, want TOTAL_FAILED/HASH_FAILURE", d.Type, d.Indication, d.SubIndication)
				}
			}
		})
	}
}

// TestKysoRevoked signs with a certificate revoked before the signing
// time.
func TestKysoRevoked(t *testing.T) {
	p := getPKI(t)
	reg := registry{p}
	tests := []struct {
		name  string
		opts  pades.Options
		vopts Options
		ind   Indication
		sub   SubIndication
	}{
		// The time-stamp proves the signature was made after the
		// revocation.
		{"B-T registry", pades.Options{Level: pades.LevelBT}, Options{Roots: p.roots, Revocation: reg}, TotalFailed, Revoked},
		// The signer claims a time after the revocation.
		{"B-B registry", pades.Options{Level: pades.LevelBB}, Options{Roots: p.roots, Revocation: reg}, TotalFailed, Revoked},
		// kyso's CA's OCSP responder as the registry.
		{"B-T registry from OCSP", pades.Options{Level: pades.LevelBT}, Options{Roots: p.roots, Revocation: RegistryFromOCSP(p)}, TotalFailed, Revoked},
		// The signer claims a time before the revocation, unproven.
		{"B-B backdated", pades.Options{Level: pades.LevelBB, SigningTime: time.Now().Add(-45 * time.Minute)}, Options{Roots: p.roots, Revocation: reg}, Indeterminate, RevokedNoPOE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := signPDF(t, p, basePDF(), p.revoked, tt.opts)
			rep := verifyPDF(t, doc, tt.vopts)
			s := sigOf(t, rep, 0)
			if rep.Valid || s.Indication != tt.ind || s.SubIndication != tt.sub {
				t.Fatalf("got %s/%s (%s), want %s/%s", s.Indication, s.SubIndication, s.Detail, tt.ind, tt.sub)
			}
		})
	}
	// Without the registry, offline, nothing in the document says the
	// certificate is revoked, nor that it is not: the revocation policy
	// makes it INDETERMINATE/TRY_LATER, never valid, and the report says
	// the status is unknown and was not looked for online.
	doc := signPDF(t, p, basePDF(), p.revoked, pades.Options{Level: pades.LevelBT})
	rep := verifyPDF(t, doc, Options{Roots: p.roots})
	s := sigOf(t, rep, 0)
	if rep.Valid || s.Indication != Indeterminate || s.SubIndication != TryLater {
		t.Errorf("offline without registry: valid %v, %s/%s (%s), want INDETERMINATE/TRY_LATER", rep.Valid, s.Indication, s.SubIndication, s.Detail)
	}
	if want := (RevocationCheck{Status: RevocationUnknown}); s.Revocation == nil || *s.Revocation != want {
		t.Errorf("offline without registry: revocation %+v, want %+v", s.Revocation, want)
	}
	// A CRL in the CMS's revocation archive (as Adobe embeds) is read
	// like the DSS: see TestRevocationSources.
}

func hasWarning(s Signature, sub string) bool {
	for _, w := range s.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

// TestKysoExpiredAfterTimestamp validates at a time when the signer's
// certificate has expired: a time-stamp from before expiry keeps the
// signature valid; without one it is OUT_OF_BOUNDS_NO_POE.
func TestKysoExpiredAfterTimestamp(t *testing.T) {
	p := getPKI(t)
	later := func() time.Time { return p.official.Cert.NotAfter.Add(24 * time.Hour) }
	for _, tt := range []struct {
		level pades.Level
		ind   Indication
		sub   SubIndication
	}{
		{pades.LevelBT, TotalPassed, ""},
		{pades.LevelBB, Indeterminate, OutOfBoundsNoPOE},
	} {
		t.Run(string(tt.level), func(t *testing.T) {
			doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: tt.level})
			rep := verifyPDF(t, doc, Options{Roots: p.roots, Revocation: registry{p}, Now: later})
			s := sigOf(t, rep, 0)
			if s.Indication != tt.ind || s.SubIndication != tt.sub {
				t.Fatalf("got %s/%s (%s), want %s/%s", s.Indication, s.SubIndication, s.Detail, tt.ind, tt.sub)
			}
		})
	}
}

// TestKysoTwoSignatures adds a second signature: both pass and the first
// reports the addition as allowed.
func TestKysoTwoSignatures(t *testing.T) {
	p := getPKI(t)
	doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT, Rect: [4]float64{50, 50, 250, 120}})
	doc = signPDF(t, p, doc, p.seal, pades.Options{Level: pades.LevelBLTA, Rect: [4]float64{300, 50, 500, 120}})
	rep := verifyPDF(t, doc, p.trusted())
	if !rep.Valid || len(rep.Signatures) != 3 {
		t.Fatalf("valid %v with %d entries, want 3 valid: %s", rep.Valid, len(rep.Signatures), dump(rep))
	}
	first := sigOf(t, rep, 0)
	if first.Signer.Name != p.official.Cert.Subject.CommonName {
		t.Errorf("first signature by %q, want the official", first.Signer.Name)
	}
	var added bool
	for _, c := range first.ChangesAfter {
		if c.Kind == ChangeSignatureAdded && c.Allowed {
			added = true
		}
	}
	if !added {
		t.Errorf("changes after the first signature %+v: want an allowed signature_added", first.ChangesAfter)
	}
	if s := sigOf(t, rep, 1); s.Signer.Name != p.seal.Cert.Subject.CommonName || s.Level != LevelBLTA {
		t.Errorf("second signature by %q at %q, want the seal at B-LTA", s.Signer.Name, s.Level)
	}
}

// TestKysoCertifiedNoChanges certifies with DocMDP P=1: a later signature
// is a change the certification does not allow.
func TestKysoCertifiedNoChanges(t *testing.T) {
	p := getPKI(t)
	doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT, Certify: 1})
	rep := verifyPDF(t, doc, p.trusted())
	if s := sigOf(t, rep, 0); s.Indication != TotalPassed || s.Certification != 1 {
		t.Fatalf("certified document: %s/%s certification %d", s.Indication, s.SubIndication, s.Certification)
	}
	// kyso's signer refuses to sign such a document; an update that adds
	// a form field and its widget does what another tool would.
	doc = appendUpdate(t, doc, map[int]string{
		1: strings.Replace(objectBody(t, doc, 1), "/Type /Catalog", "/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>", 1),
	})
	rep = verifyPDF(t, doc, p.trusted())
	s := sigOf(t, rep, 0)
	if s.Indication != TotalFailed || s.SubIndication != ChangedAfterSigning {
		t.Fatalf("after an added action: %s/%s, want TOTAL_FAILED/CHANGED_AFTER_SIGNING", s.Indication, s.SubIndication)
	}
	if !hasChange(s, ChangeCatalog, "OpenAction") {
		t.Errorf("changes %+v do not name the catalog's /OpenAction", s.ChangesAfter)
	}
}

func hasChange(s Signature, kind, detail string) bool {
	for _, c := range s.ChangesAfter {
		if c.Kind == kind && strings.Contains(c.Detail, detail) && !c.Allowed {
			return true
		}
	}
	return false
}

// TestRevocationSources reads revocation data from Adobe's
// adbe-revInfoArchival attribute of the CMS.
func TestRevocationSources(t *testing.T) {
	p := getPKI(t)
	ctx := context.Background()
	crl, err := p.CRL(ctx, p.ca)
	if err != nil {
		t.Fatal(err)
	}
	good, err := p.OCSP(ctx, p.ec.Cert, p.ca)
	if err != nil {
		t.Fatal(err)
	}
	archive := func(crls, ocsps [][]byte) []byte {
		var parts [][]byte
		if crls != nil {
			parts = append(parts, der(0xa0, der(0x30, crls...)))
		}
		if ocsps != nil {
			parts = append(parts, der(0xa1, der(0x30, ocsps...)))
		}
		return der(0x30, parts...)
	}
	tests := []struct {
		name    string
		cred    model.Key
		revInfo []byte
		ind     Indication
		sub     SubIndication
		checked bool
	}{
		{"CRL revokes", p.revoked, archive([][]byte{crl}, nil), TotalFailed, Revoked, true},
		{"OCSP good", p.ec, archive(nil, [][]byte{good}), TotalPassed, "", true},
		{"CRL does not list", p.ec, archive([][]byte{crl}, nil), TotalPassed, "", true},
		{"nothing", p.ec, nil, Indeterminate, TryLater, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := signPDF(t, p, basePDF(), tt.cred, pades.Options{})
			doc := replaceContents(t, base, 0, func(d []byte) []byte {
				return buildCMS(t, cmsSpec{key: tt.cred.Signer, sid: tt.cred.Cert, certs: []*x509.Certificate{tt.cred.Cert, p.ca}, digest: d, essCert: tt.cred.Cert, revInfo: tt.revInfo})
			})
			// No registry: the CMS's data is the only source.
			s := sigOf(t, verifyPDF(t, doc, Options{Roots: p.roots}), 0)
			if s.Indication != tt.ind || s.SubIndication != tt.sub {
				t.Fatalf("got %s/%s (%s), want %s/%s", s.Indication, s.SubIndication, s.Detail, tt.ind, tt.sub)
			}
			want := RevocationCheck{Status: RevocationUnknown}
			if tt.checked {
				want = RevocationCheck{Status: RevocationGood, From: RevocationFromDocument}
				if tt.ind == TotalFailed {
					want.Status = RevocationRevoked
				}
			}
			if s.Revocation == nil || *s.Revocation != want {
				t.Errorf("revocation %+v, want %+v", s.Revocation, want)
			}
		})
	}
}
