package verifier

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// The shadow documents: one page whose content shows a line of text at
// the top (testpdf's), "SO TIEN: 100 000 DONG" at (72, 600) and "KHONG CO
// GIA TRI" at (72, 500). Objects: 1 catalog, 2 pages, 3 font, 4 content,
// 5 page (testpdf.Make(1, 0)), then:
//
//	6  field "cover" [60 490 400 520], its appearance a white box over
//	   the second line (fieldShadow) — a field whose widget hides text
//	7  field "amount" [60 590 400 620], empty, over the first line
//	8  field "note" [60 300 400 330], empty, over nothing
//	9  the white box
//	10 a Square annotation "mask" [60 490 400 520] drawing the white box
//	   (annotShadow, instead of field 6)
const (
	shadowContent = "BT /F1 18 Tf 72 760 Td (Trang 1 - kyso test dossier) Tj ET\n" +
		"BT /F1 14 Tf 72 600 Td (SO TIEN: 100 000 DONG) Tj ET\n" +
		"BT /F1 14 Tf 72 500 Td (KHONG CO GIA TRI) Tj ET\n"
	whiteBox = "1 g 0 0 340 30 re f"
	// replaceBox paints over the amount and writes another.
	replaceBox = "1 g 0 0 340 30 re f BT /Helv 14 Tf 0 g 12 10 Td (SO TIEN: 999 999 999 DONG) Tj ET"
)

// form returns a Form XObject with the content s.
func form(s string, w, h int) string {
	return fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 %d %d] /Resources << /Font << /Helv 3 0 R >> >> /Length %d >>\nstream\n%s\nendstream", w, h, len(s), s)
}

func plainStream(s string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

// shadowPDF returns the shadow document: with the covering field 6 if
// coverField, else with the covering annotation 10.
func shadowPDF(t testing.TB, coverField bool) []byte {
	t.Helper()
	doc := testpdf.Make(1, 0)
	objs := map[int]string{
		4: plainStream(shadowContent),
		7: "<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /DA (/Helv 14 Tf 0 g) /Rect [60 590 400 620] /P 5 0 R /F 4 >>",
		8: "<< /Type /Annot /Subtype /Widget /FT /Tx /T (note) /DA (/Helv 12 Tf 0 g) /Rect [60 300 400 330] /P 5 0 R /F 4 >>",
		9: form(whiteBox, 340, 30),
	}
	annots, fields := "7 0 R 8 0 R", "7 0 R 8 0 R"
	if coverField {
		objs[6] = "<< /Type /Annot /Subtype /Widget /FT /Tx /T (cover) /V ( ) /DA (/Helv 14 Tf 0 g) /Rect [60 490 400 520] /P 5 0 R /F 4 /AP << /N 9 0 R >> >>"
		annots, fields = "6 0 R "+annots, "6 0 R "+fields
	} else {
		objs[10] = "<< /Type /Annot /Subtype /Square /Rect [60 490 400 520] /P 5 0 R /F 4 /C [1 1 1] /IC [1 1 1] /AP << /N 9 0 R >> >>"
		annots += " 10 0 R"
	}
	objs[1] = "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [" + fields + "] /DA (/Helv 12 Tf 0 g) /DR << /Font << /Helv 3 0 R >> >> >> >>"
	objs[5] = strings.Replace(objectBody(t, doc, 5), "/Type /Page", "/Type /Page /Annots ["+annots+"]", 1)
	return appendUpdate(t, doc, objs)
}

// setAppearance returns an update giving the field or annotation id of
// doc the appearance s, and the value v if v is not "".
func setAppearance(t testing.TB, doc []byte, id int, v, s string) map[int]string {
	t.Helper()
	n := int(mustOpen(t, doc).Trailer().Key("Size").Int64())
	body := objectBody(t, doc, id)
	if i := strings.Index(body, "/AP << /N "); i >= 0 {
		j := strings.Index(body[i:], ">>")
		body = body[:i] + body[i+j+2:]
	}
	add := fmt.Sprintf("/AP << /N %d 0 R >>", n)
	if v != "" {
		body = strings.Replace(body, "/V ( ) ", "", 1)
		add += " /V (" + v + ")"
	}
	body = strings.Replace(body, "/Type /Annot", "/Type /Annot "+add, 1)
	return map[int]string{id: body, n: form(s, 340, 30)}
}

func merge(ms ...map[int]string) map[int]string {
	out := map[int]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestShadowAttacks makes the PDF-Insecurity shadow attacks through
// changes ISO 32000 allows after an approval signature and after a
// certification with DocMDP P=2 (form filling), and honest changes of the
// same kinds: every attack is INDETERMINATE/CHANGED_AFTER_SIGNING with a
// drawn_over_signed_content change, and poppler shows it (page 1 renders
// differently); every honest change is TOTAL_PASSED.
func TestShadowAttacks(t *testing.T) {
	p := getPKI(t)
	fieldDoc, annotDoc := shadowPDF(t, true), shadowPDF(t, false)
	type attack struct {
		name   string
		doc    []byte // unsigned
		update func(signed []byte) map[int]string
		passed bool
		mdp    []int // certification levels to try; approval (0) always
	}
	n := func(doc []byte) int { return int(mustOpen(t, doc).Trailer().Key("Size").Int64()) }
	tests := []attack{
		{
			name:   "hide: the covering field is emptied",
			doc:    fieldDoc,
			update: func(d []byte) map[int]string { return setAppearance(t, d, 6, "", "") },
			mdp:    []int{2, 3},
		},
		{
			name:   "replace: a field over the amount is filled",
			doc:    fieldDoc,
			update: func(d []byte) map[int]string { return setAppearance(t, d, 7, "999999999", replaceBox) },
			mdp:    []int{2, 3},
		},
		{
			name: "hide and replace",
			doc:  fieldDoc,
			update: func(d []byte) map[int]string {
				return merge(setAppearance(t, d, 6, "", ""), setAppearance(t, d, 7, "999999999", replaceBox))
			},
			mdp: []int{2, 3},
		},
		{
			name: "replace: a FreeText annotation over the amount",
			doc:  fieldDoc,
			update: func(d []byte) map[int]string {
				id := n(d)
				return map[int]string{
					5:      addAnnot(objectBody(t, d, 5), id),
					id:     fmt.Sprintf("<< /Type /Annot /Subtype /FreeText /Rect [60 590 400 620] /Contents (SO TIEN: 999 999 999) /DA (/Helv 14 Tf 0 g) /AP << /N %d 0 R >> >>", id+1),
					id + 1: form(replaceBox, 340, 30),
				}
			},
			mdp: []int{3},
		},
		{
			name: "hide: the covering annotation is removed",
			doc:  annotDoc,
			update: func(d []byte) map[int]string {
				return map[int]string{5: strings.Replace(objectBody(t, d, 5), " 10 0 R", "", 1)}
			},
			mdp: []int{3},
		},
		{
			name: "hide: the covering annotation is hidden",
			doc:  annotDoc,
			update: func(d []byte) map[int]string {
				return map[int]string{10: strings.Replace(objectBody(t, d, 10), "/F 4", "/F 6", 1)}
			},
			mdp: []int{3},
		},
		{
			name:   "hide: the covering annotation's appearance is emptied in place",
			doc:    annotDoc,
			update: func(d []byte) map[int]string { return map[int]string{9: form("", 340, 30)} },
			mdp:    []int{3},
		},
		{
			name: "honest: an empty field over nothing is filled",
			doc:  fieldDoc,
			update: func(d []byte) map[int]string {
				return setAppearance(t, d, 8, "Da nhan", "BT /Helv 12 Tf 0 g 2 8 Td (Da nhan) Tj ET")
			},
			passed: true, mdp: []int{2, 3},
		},
		{
			name: "honest: a note in an empty area",
			doc:  annotDoc,
			update: func(d []byte) map[int]string {
				id := n(d)
				return map[int]string{
					5:  addAnnot(objectBody(t, d, 5), id),
					id: "<< /Type /Annot /Subtype /FreeText /Rect [60 100 400 140] /Contents (Da xem) /DA (/Helv 14 Tf 0 g) >>",
				}
			},
			passed: true, mdp: []int{3},
		},
	}
	for _, tt := range tests {
		for _, mdp := range append([]int{0}, tt.mdp...) {
			t.Run(fmt.Sprintf("%s, DocMDP %d", tt.name, mdp), func(t *testing.T) {
				signed := signPDF(t, p, tt.doc, p.official, pades.Options{Level: pades.LevelBT, Certify: mdp})
				if s := sigOf(t, verifyPDF(t, signed, p.trusted()), 0); s.Indication != TotalPassed {
					t.Fatalf("signed: %s/%s (%s)", s.Indication, s.SubIndication, s.Detail)
				}
				doc := appendUpdate(t, signed, tt.update(signed))
				rep := verifyPDF(t, doc, p.trusted())
				s := sigOf(t, rep, 0)
				if tt.passed {
					if s.Indication != TotalPassed || !rep.Valid {
						t.Errorf("got %s/%s (%s) %+v, want TOTAL_PASSED", s.Indication, s.SubIndication, s.Detail, s.ChangesAfter)
					}
					return
				}
				if s.Indication != Indeterminate || s.SubIndication != ChangedAfterSigning || rep.Valid || !hasChange(s, ChangeDrawnOver, "page 1") {
					t.Errorf("got %s/%s (%s) %+v, want INDETERMINATE/CHANGED_AFTER_SIGNING with %s", s.Indication, s.SubIndication, s.Detail, s.ChangesAfter, ChangeDrawnOver)
				}
				if bytes.Equal(renderPage(t, signed, 1), renderPage(t, doc, 1)) {
					t.Errorf("poppler renders page 1 as signed: the attack shows nothing")
				}
			})
		}
	}
}

// TestLaterSignatureOverText: a later signature whose widget is drawn over
// the signed text, as an agency's seal is placed over the leader's
// signature and name, leaves the first signature TOTAL_PASSED (with a
// warning) when that later signature is valid and of the signer's organisation, and makes it
// INDETERMINATE/CHANGED_AFTER_SIGNING when it is not: an attacker's own
// signature cannot paint over a signed document.
func TestLaterSignatureOverText(t *testing.T) {
	p := getPKI(t)
	first := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT, Rect: [4]float64{50, 50, 250, 120}})
	over := [4]float64{60, 740, 400, 790} // the page's text line is at (72, 760)

	seal := signPDF(t, p, first, p.seal, pades.Options{Level: pades.LevelBT, Rect: over})
	rep := verifyPDF(t, seal, p.trusted())
	s := sigOf(t, rep, 0)
	if !rep.Valid || s.Indication != TotalPassed || !hasWarning(s, "accepted as the appearance of signature \"Signature2\"") {
		t.Errorf("a valid seal over the text: valid %v, %s/%s warnings %q", rep.Valid, s.Indication, s.SubIndication, s.Warnings)
	}

	// A citizen's certificate is as trusted as the official's, but the
	// citizen is not of the official's agency: the sneaky signature.
	sneaky := signPDF(t, p, first, p.ec, pades.Options{Level: pades.LevelBT, Rect: over})
	rep = verifyPDF(t, sneaky, p.trusted())
	if s := sigOf(t, rep, 1); s.Indication != TotalPassed {
		t.Fatalf("the citizen's own signature: %s/%s (%s)", s.Indication, s.SubIndication, s.Detail)
	}
	if s := sigOf(t, rep, 0); rep.Valid || s.Indication != Indeterminate || s.SubIndication != ChangedAfterSigning || !hasChange(s, ChangeDrawnOver, "Signature2") {
		t.Errorf("a valid signature of another organisation over the text: valid %v, %s/%s (%s), want INDETERMINATE/CHANGED_AFTER_SIGNING", rep.Valid, s.Indication, s.SubIndication, s.Detail)
	}

	mallory := newAttacker(t, pkix.Name{CommonName: "Mallory", Country: []string{"VN"}}, pkix.Name{CommonName: "Mallory CA"}, nil)
	cred := model.Key{Signer: mallory.key, Cert: mallory.cert, Chain: []*x509.Certificate{mallory.ca}}
	forged := signPDF(t, p, first, cred, pades.Options{Level: pades.LevelBB, Rect: over, Name: "DA HUY - KHONG CO GIA TRI"})
	rep = verifyPDF(t, forged, p.trusted())
	s = sigOf(t, rep, 0)
	if s.Indication != Indeterminate || s.SubIndication != ChangedAfterSigning || !hasChange(s, ChangeDrawnOver, "Signature2") {
		t.Errorf("an untrusted signature over the text: %s/%s (%s) %+v, want INDETERMINATE/CHANGED_AFTER_SIGNING", s.Indication, s.SubIndication, s.Detail, s.ChangesAfter)
	}

	beside := signPDF(t, p, first, cred, pades.Options{Level: pades.LevelBB, Rect: [4]float64{300, 50, 500, 120}})
	rep = verifyPDF(t, beside, p.trusted())
	if s := sigOf(t, rep, 0); s.Indication != TotalPassed || len(s.Warnings) != len(sigOf(t, verifyPDF(t, first, p.trusted()), 0).Warnings) {
		t.Errorf("an untrusted signature in an empty area: first signature %s/%s warnings %q, want TOTAL_PASSED as before", s.Indication, s.SubIndication, s.Warnings)
	}
	if s := sigOf(t, rep, 1); s.Indication != Indeterminate || s.SubIndication != NoCertificateChainFound {
		t.Errorf("the untrusted signature: %s/%s", s.Indication, s.SubIndication)
	}
}

// addAnnotTo adds a reference to object n to the direct /Annots array of a
// page dictionary written with or without a space before the bracket.
func addAnnotTo(t testing.TB, page string, n int) string {
	t.Helper()
	for _, k := range []string{"/Annots [", "/Annots["} {
		if strings.Contains(page, k) {
			return strings.Replace(page, k, fmt.Sprintf("/Annots [%d 0 R ", n), 1)
		}
	}
	t.Fatalf("page %q has no direct /Annots array", page)
	return ""
}

// TestShadowAttackOnHanoiDecision draws over the Hanoi People's
// Committee's decision, signed seven times with approval signatures: a
// FreeText annotation over its text makes every signature
// INDETERMINATE/CHANGED_AFTER_SIGNING (none was TOTAL_FAILED: ISO 32000
// allows the annotation); a note in the empty bottom margin changes
// nothing: all seven stay as the file is, INDETERMINATE/TRY_LATER (it holds
// no revocation data, and validation is offline), every other check
// passed — TRY_LATER is the sub-indication only when nothing else is
// wrong.
func TestShadowAttackOnHanoiDecision(t *testing.T) {
	dir := realworldDir(t)
	roots, inter, err := LoadTrustDir(filepath.Join(dir, "roots"))
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Roots: roots, Intermediates: inter, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, vnZone) }}
	orig, err := os.ReadFile(filepath.Join(dir, "vn-nom-vn/hanoi_qd_2280_water.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	n := int(mustOpen(t, orig).Trailer().Key("Size").Int64())
	page := objectBody(t, orig, 3)
	for _, tt := range []struct {
		name   string
		rect   string
		passed bool
	}{
		{"over the decision's text", "[60 600 540 640]", false},
		{"in the bottom margin", "[480 20 560 45]", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := appendUpdate(t, orig, map[int]string{
				3: addAnnotTo(t, page, n),
				n: "<< /Type /Annot /Subtype /FreeText /Rect " + tt.rect + " /Contents (Da huy) /DA (/Helv 18 Tf 1 0 0 rg) >>",
			})
			rep := verifyPDF(t, doc, opts)
			if len(rep.Signatures) != 7 {
				t.Fatalf("%d signatures, want 7", len(rep.Signatures))
			}
			for i, s := range rep.Signatures {
				switch {
				case tt.passed && (s.Indication != Indeterminate || s.SubIndication != TryLater):
					t.Errorf("signature %d: %s/%s (%s), want INDETERMINATE/TRY_LATER", i, s.Indication, s.SubIndication, s.Detail)
				case tt.passed && hasChange(s, ChangeDrawnOver, "FreeText"):
					t.Errorf("signature %d: the note in the margin is drawn over signed content: %+v", i, s.ChangesAfter)
				case !tt.passed && (s.Indication != Indeterminate || s.SubIndication != ChangedAfterSigning || !hasChange(s, ChangeDrawnOver, "FreeText")):
					t.Errorf("signature %d: %s/%s (%s), want INDETERMINATE/CHANGED_AFTER_SIGNING", i, s.Indication, s.SubIndication, s.Detail)
				}
			}
			if rep.Valid {
				t.Errorf("valid without revocation data")
			}
		})
	}
}

// TestCertifiedByDefault: kyso's signing service certifies a document's
// first signature with DocMDP P=2 (pades.Options.CertifyFirst). The
// leader's and the seal's signatures after it pass; an annotation painted
// over the text after them is a change P=2 does not allow, for all three.
func TestCertifiedByDefault(t *testing.T) {
	p := getPKI(t)
	doc := signPDF(t, p, basePDF(), p.ec, pades.Options{Level: pades.LevelBT, CertifyFirst: true})
	doc = signPDF(t, p, doc, p.official, pades.Options{Level: pades.LevelBT, CertifyFirst: true, Rect: [4]float64{50, 50, 250, 120}})
	doc = signPDF(t, p, doc, p.seal, pades.Options{Level: pades.LevelBT, CertifyFirst: true, Rect: [4]float64{150, 40, 300, 130}})
	rep := verifyPDF(t, doc, p.trusted())
	if !rep.Valid || len(rep.Signatures) != 3 || rep.Signatures[0].Certification != pades.DefaultDocMDP || rep.Signatures[1].Certification != 0 {
		t.Fatalf("certified, approved, sealed: %s", dump(rep))
	}
	n := int(mustOpen(t, doc).Trailer().Key("Size").Int64())
	forged := appendUpdate(t, doc, map[int]string{
		5: addAnnot(objectBody(t, doc, 5), n),
		n: "<< /Type /Annot /Subtype /FreeText /Rect [72 740 500 780] /Contents (Da huy) /DA (/Helv 18 Tf 0 g) >>",
	})
	for i, s := range verifyPDF(t, forged, p.trusted()).Signatures {
		if s.Indication != TotalFailed || s.SubIndication != ChangedAfterSigning || !hasChange(s, ChangeAnnotationAdded, "FreeText") {
			t.Errorf("signature %d after the annotation: %s/%s %+v, want TOTAL_FAILED/CHANGED_AFTER_SIGNING", i, s.Indication, s.SubIndication, s.ChangesAfter)
		}
	}
}
