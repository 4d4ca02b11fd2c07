package interop

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign"
	"github.com/digitorus/pdfsign/extract"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/verifier"
	"github.com/kyso-vn/kyso/verifier/attacksuite"
)

// The tests below confirm, on this machine, the blind spots of pdfsign's
// verifier (verifier/doc.go, "Upstream flaws found"), and that kyso's
// verifier does not share them on the same document. If a pdfsign release
// fixes one, its test fails here: update verifier/doc.go and the test.
// The verifier's half of each, which needs no pdfsign, is also in
// kyso's module (verifier/upstream_test.go, TestNoPdfsign…).

// dossier is the two-page document the tests sign.
func dossier() []byte { return testpdf.Make(2, 2000) }

// TestUpstreamPdfsignFirstCertificate: pdfsign reports the first
// certificate of the CMS as the signer's.
func TestUpstreamPdfsignFirstCertificate(t *testing.T) {
	p := testPKI(t)
	mallory := p.Attacker.Mallory
	doc, err := attacksuite.ReplaceCMS(signPDF(t, p, dossier(), p.Citizen, pades.Options{}), 0, attacksuite.HandCMS{
		Key: mallory.Signer, SID: mallory.Cert, Certs: []*x509.Certificate{p.Official.Cert, mallory.Cert}, ESS: mallory.Cert,
	}.Make)
	if err != nil {
		t.Fatal(err)
	}
	pd, err := pdfsign.Open(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	sigs := pd.Verify().TrustSelfSigned(true).Signatures()
	if len(sigs) != 1 || sigs[0].Certificate == nil || sigs[0].Certificate.Subject.CommonName != p.Official.Cert.Subject.CommonName {
		t.Errorf("pdfsign no longer names the first certificate as the signer: %+v", sigs)
	}
	rep := verifyPDF(t, doc, trusted(p))
	if s := rep.Signatures[0]; s.Signer.Name != "Mallory" || s.Indication == verifier.TotalPassed || rep.Valid {
		t.Errorf("verifier: signer %q %s, valid %v", s.Signer.Name, s.Indication, rep.Valid)
	}
}

// TestUpstreamPdfsignCoverage: pdfsign does not check what an approval
// signature covers, so a page changed after it leaves it valid.
func TestUpstreamPdfsignCoverage(t *testing.T) {
	p := testPKI(t)
	// pdfsign wants an extended key usage of a signer.
	cred := withEKU(t, p, p.Citizen)
	doc := signPDF(t, p, dossier(), cred, pades.Options{Level: pades.LevelBT})
	// Object 4 is the first page's content stream (testpdf.Make).
	forged := "BT /F1 18 Tf 72 760 Td (Giay phep bi thu hoi) Tj ET"
	doc, err := attacksuite.Append(doc, attacksuite.Update{Objects: map[int]string{
		4: fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(forged), forged),
	}})
	if err != nil {
		t.Fatal(err)
	}
	pd, err := pdfsign.Open(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	if sigs := pd.Verify().TrustedRoots(p.Roots()).Signatures(); len(sigs) != 1 || !sigs[0].Valid {
		t.Errorf("pdfsign now rejects a signature followed by changed page content: %+v", sigs)
	}
	rep := verifyPDF(t, doc, trusted(p))
	if s := rep.Signatures[0]; s.Indication != verifier.TotalFailed || !changed(s, verifier.ChangePageContent, "page 1") {
		t.Errorf("verifier: %s/%s changes %+v", s.Indication, s.SubIndication, s.ChangesAfter)
	}
}

// changed reports whether s lists a change of kind, not allowed, whose
// detail names detail.
func changed(s verifier.Signature, kind, detail string) bool {
	for _, c := range s.ChangesAfter {
		if c.Kind == kind && strings.Contains(c.Detail, detail) && !c.Allowed {
			return true
		}
	}
	return false
}

// TestUpstreamPdfsignValidWithoutSignatures: pdfsign skips a signature it
// cannot parse, and Valid() is true when it skipped them all.
func TestUpstreamPdfsignValidWithoutSignatures(t *testing.T) {
	p := testPKI(t)
	doc, err := attacksuite.ReplaceCMS(signPDF(t, p, dossier(), p.Official, pades.Options{}), 0, func([]byte) ([]byte, error) {
		return []byte{0x30, 0x03, 0x02, 0x01, 0x01}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pd, err := pdfsign.Open(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	if v := pd.Verify(); !v.Valid() || v.Count() != 0 {
		t.Errorf("pdfsign: Valid() = %v with %d signatures; the flaw is fixed", v.Valid(), v.Count())
	}
	rep := verifyPDF(t, doc, trusted(p))
	if s := rep.Signatures[0]; rep.Valid || s.SubIndication != verifier.FormatFailure {
		t.Errorf("verifier: valid %v, %s/%s", rep.Valid, s.Indication, s.SubIndication)
	}
}

// TestUpstreamPdfsignByteRangeAllocation: pdfsign allocates the size
// /ByteRange claims before reading it.
func TestUpstreamPdfsignByteRangeAllocation(t *testing.T) {
	p := testPKI(t)
	signed := signPDF(t, p, dossier(), p.Citizen, pades.Options{})
	rdr, err := pdf.NewReader(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatal(err)
	}
	var cms []byte
	for sig, err := range extract.Iter(rdr, bytes.NewReader(signed)) {
		if err != nil {
			t.Fatal(err)
		}
		cms = sig.Contents()
		break
	}
	if len(cms) == 0 {
		t.Fatal("extract found no signature in kyso's output")
	}
	const claim = 128 << 20
	// A one-page document whose one signature field's dictionary claims
	// 128 MiB of signed bytes (objects 1, 6 and 7; testpdf.Make(1, 0) has
	// 5).
	doc, err := attacksuite.Append(testpdf.Make(1, 0), attacksuite.Update{Objects: map[int]string{
		1: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /SigFlags 3 >> >>",
		6: "<< /FT /Sig /T (Signature1) /V 7 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 4 0 R >>",
		7: fmt.Sprintf("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 %d %d 0] /Contents <%s> >>", claim, claim+4, hex.EncodeToString(cms)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	alloc := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	got := alloc(func() {
		pd, err := pdfsign.Open(bytes.NewReader(doc), int64(len(doc)))
		if err == nil {
			pd.Verify().Signatures()
		}
	})
	if got < claim {
		t.Errorf("pdfsign allocated %d MiB for a %d-byte file; the flaw is fixed", got>>20, len(doc))
	}
	var rep *verifier.Report
	got = alloc(func() { rep = verifyPDF(t, doc, verifier.Options{}) })
	if s := rep.Signatures[0]; got > 16<<20 || s.SubIndication != verifier.FormatFailure {
		t.Errorf("verifier allocated %d MiB, %s", got>>20, s.SubIndication)
	}
}
