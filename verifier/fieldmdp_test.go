package verifier

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// formPDF returns a one-page form: a text field "amount" with the value
// 100 drawn at [300 600 400 620], an empty text field "note" at [300 400
// 500 420], and an empty signature field "Sig1" whose field dictionary
// carries extra (a /Lock entry, or nothing). No field covers the page's
// text, which is at the top of the page.
//
// Objects: testpdf.Make(1, 0) has 1 catalog, 2 pages, 3 font, 4 content,
// 5 page; this adds 6 amount, 7 note, 8 Sig1, 9 the appearance of amount.
func formPDF(t testing.TB, extra string) []byte {
	t.Helper()
	doc := testpdf.Make(1, 0)
	return appendUpdate(t, doc, map[int]string{
		1: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R 7 0 R 8 0 R] /DA (/Helv 12 Tf 0 g) /DR << /Font << /Helv 3 0 R >> >> >> >>",
		5: strings.Replace(objectBody(t, doc, 5), "/Type /Page", "/Type /Page /Annots [6 0 R 7 0 R 8 0 R]", 1),
		6: "<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /V (100) /DA (/Helv 12 Tf 0 g) /Rect [300 600 400 620] /P 5 0 R /F 4 /AP << /N 9 0 R >> >>",
		7: "<< /Type /Annot /Subtype /Widget /FT /Tx /T (note) /DA (/Helv 12 Tf 0 g) /Rect [300 400 500 420] /P 5 0 R /F 4 >>",
		8: "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sig1) /Rect [0 0 0 0] /P 5 0 R /F 132 " + extra + " >>",
		9: fieldAppearance("100", 100, 20),
	})
}

// fieldAppearance is a text field's appearance stream showing text.
func fieldAppearance(text string, w, h int) string {
	s := fmt.Sprintf("/Tx BMC BT /Helv 12 Tf 2 5 Td (%s) Tj ET EMC", text)
	return fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 %d %d] /Resources << /Font << /Helv 3 0 R >> >> /Length %d >>\nstream\n%s\nendstream", w, h, len(s), s)
}

// fillField returns an update that gives field id (a merged field and
// widget of formPDF) the value text and an appearance showing it.
func fillField(t testing.TB, doc []byte, id int, text string) map[int]string {
	t.Helper()
	n := int(mustOpen(t, doc).Trailer().Key("Size").Int64())
	body := objectBody(t, doc, id)
	body = strings.Replace(body, "/V (100) ", "", 1)
	body = strings.Replace(body, "/AP << /N 9 0 R >> ", "", 1)
	body = strings.Replace(body, "/Type /Annot", fmt.Sprintf("/Type /Annot /V (%s) /AP << /N %d 0 R >>", text, n), 1)
	return map[int]string{id: body, n: fieldAppearance(text, 100, 20)}
}

// TestFieldLocks signs the form's signature field, whose /Lock locks some
// fields, then fills the fields: a change to a locked field (the amount
// from 100 to 9999999) is TOTAL_FAILED/CHANGED_AFTER_SIGNING with a
// locked_field_modified change, as Acrobat, pyHanko and EU DSS treat it;
// an empty field the lock leaves open can be filled. The amount held a
// value when signed: where no lock covers it, replacing that value is
// INDETERMINATE/CHANGED_AFTER_SIGNING with a drawn_over_signed_content
// change (refilled, overlap.go), never a clean pass.
func TestFieldLocks(t *testing.T) {
	p := getPKI(t)
	tests := []struct {
		name         string
		lock         string
		amount, note bool // whether the lock leaves the field open to change
		hand         bool // signed by hand: kyso's signer refuses the lock
	}{
		{"no lock", "", true, true, false},
		{"include amount", "/Lock << /Type /SigFieldLock /Action /Include /Fields [(amount)] >>", false, true, false},
		{"exclude amount", "/Lock << /Type /SigFieldLock /Action /Exclude /Fields [(amount)] >>", true, false, false},
		{"all", "/Lock << /Type /SigFieldLock /Action /All >>", false, false, false},
		{"include amount, signed by another tool", "/Lock << /Type /SigFieldLock /Action /Include /Fields [(amount)] >>", false, true, true},
		{"no action", "/Lock << /Type /SigFieldLock /Fields [(note)] >>", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var signed []byte
			if tt.hand {
				signed = handSign(t, p, formPDF(t, tt.lock), 8, "", p.ec)
			} else {
				signed = signPDF(t, p, formPDF(t, tt.lock), p.official, pades.Options{Level: pades.LevelBT, Field: "Sig1"})
			}
			if s := sigOf(t, verifyPDF(t, signed, p.trusted()), 0); s.Indication != TotalPassed || s.Field != "Sig1" {
				t.Fatalf("signed form: %s %s/%s (%s)", s.Field, s.Indication, s.SubIndication, s.Detail)
			}
			for _, f := range []struct {
				id     int
				name   string
				value  string
				passed bool
			}{
				{6, "amount", "9999999", tt.amount},
				{7, "note", "Da nhan", tt.note},
			} {
				doc := appendUpdate(t, signed, fillField(t, signed, f.id, f.value))
				s := sigOf(t, verifyPDF(t, doc, p.trusted()), 0)
				if f.name == "amount" && f.passed {
					// Open to change, but its value was signed.
					if s.Indication != Indeterminate || s.SubIndication != ChangedAfterSigning || !hasChange(s, ChangeDrawnOver, "replaced by (9999999)") {
						t.Errorf("%s replaced: %s/%s %+v, want INDETERMINATE/CHANGED_AFTER_SIGNING with %s", f.name, s.Indication, s.SubIndication, s.ChangesAfter, ChangeDrawnOver)
					}
					continue
				}
				if got := s.Indication == TotalPassed; got != f.passed {
					t.Errorf("%s changed: %s/%s (%s), want passed: %v", f.name, s.Indication, s.SubIndication, s.Detail, f.passed)
				}
				if !f.passed && (s.Indication != TotalFailed || s.SubIndication != ChangedAfterSigning || !hasChange(s, ChangeLockedField, fmt.Sprintf("%q", f.name))) {
					t.Errorf("%s changed: %s/%s %+v, want TOTAL_FAILED/CHANGED_AFTER_SIGNING with %s", f.name, s.Indication, s.SubIndication, s.ChangesAfter, ChangeLockedField)
				}
			}
		})
	}
}

// TestFieldLockSignatures: a signature field locking all fields forbids a
// later signature (it fills or adds a field, as pyHanko and EU DSS count
// it) but not a document time-stamp, which only keeps the signature
// verifiable.
func TestFieldLockSignatures(t *testing.T) {
	p := getPKI(t)
	all := formPDF(t, "/Lock << /Type /SigFieldLock /Action /All >>")
	lta := signPDF(t, p, all, p.official, pades.Options{Level: pades.LevelBLTA, Field: "Sig1"})
	rep := verifyPDF(t, lta, p.trusted())
	if !rep.Valid || len(rep.Signatures) != 2 {
		t.Fatalf("B-LTA on a field locking all fields: %s", dump(rep))
	}
	twice := signPDF(t, p, signPDF(t, p, all, p.official, pades.Options{Level: pades.LevelBT, Field: "Sig1"}), p.seal, pades.Options{Level: pades.LevelBT})
	s := sigOf(t, verifyPDF(t, twice, p.trusted()), 0)
	if s.Indication != TotalFailed || s.SubIndication != ChangedAfterSigning || !hasChange(s, ChangeLockedField, ChangeSignatureAdded) {
		t.Errorf("a second signature after a lock of all fields: %s/%s %+v, want a locked_field_modified", s.Indication, s.SubIndication, s.ChangesAfter)
	}
	include := signPDF(t, p, signPDF(t, p, formPDF(t, "/Lock << /Type /SigFieldLock /Action /Include /Fields [(amount)] >>"), p.official, pades.Options{Level: pades.LevelBT, Field: "Sig1"}), p.seal, pades.Options{Level: pades.LevelBT})
	if rep := verifyPDF(t, include, p.trusted()); !rep.Valid {
		t.Errorf("a second signature after a lock of another field: %s", dump(rep))
	}
}

// handSign appends a revision to doc that signs the empty signature field
// object field with a signature dictionary holding extra entries (a
// /Reference, which kyso's signer does not write), and signs it with
// cred's key by hand.
func handSign(t testing.TB, p *testPKI, doc []byte, field int, extra string, cred model.Key) []byte {
	t.Helper()
	n := int(mustOpen(t, doc).Trailer().Key("Size").Int64())
	const placeholder = "[0 0000000000 0000000000 0000000000]"
	body := strings.Replace(objectBody(t, doc, field), "/FT /Sig", fmt.Sprintf("/FT /Sig /V %d 0 R", n), 1)
	out := appendUpdate(t, doc, map[int]string{
		field: body,
		n:     "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached " + extra + " /ByteRange " + placeholder + " /Contents <" + strings.Repeat("0", 16384) + "> >>",
	})
	i := bytes.LastIndex(out, []byte(placeholder))
	c := bytes.LastIndex(out, []byte("/Contents <")) + len("/Contents ")
	end := c + 16384 + 2
	copy(out[i:], fmt.Sprintf("[0 %010d %010d %010d]", c, end, len(out)-end))
	return replaceContents(t, out, 0, func(d []byte) []byte {
		return buildCMS(t, cmsSpec{key: cred.Signer, sid: cred.Cert, certs: []*x509.Certificate{cred.Cert, p.ca}, digest: d, essCert: cred.Cert})
	})
}

// TestFieldMDPReference locks fields through the signature dictionary's
// FieldMDP reference (ISO 32000-1, 12.8.2.4), without a /Lock on the
// field: the same rules.
func TestFieldMDPReference(t *testing.T) {
	p := getPKI(t)
	ref := "/Reference [<< /Type /SigRef /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams /Action /Include /Fields [(amount)] /V /1.2 >> >>]"
	signed := handSign(t, p, formPDF(t, ""), 8, ref, p.ec)
	if s := sigOf(t, verifyPDF(t, signed, p.trusted()), 0); s.Indication != TotalPassed {
		t.Fatalf("hand-signed form: %s/%s (%s)", s.Indication, s.SubIndication, s.Detail)
	}
	locked := appendUpdate(t, signed, fillField(t, signed, 6, "9999999"))
	if s := sigOf(t, verifyPDF(t, locked, p.trusted()), 0); s.Indication != TotalFailed || !hasChange(s, ChangeLockedField, "/FieldMDP") {
		t.Errorf("amount changed: %s/%s %+v, want TOTAL_FAILED with a locked_field_modified", s.Indication, s.SubIndication, s.ChangesAfter)
	}
	open := appendUpdate(t, signed, fillField(t, signed, 7, "Da nhan"))
	if s := sigOf(t, verifyPDF(t, open, p.trusted()), 0); s.Indication != TotalPassed {
		t.Errorf("note filled: %s/%s (%s), want TOTAL_PASSED", s.Indication, s.SubIndication, s.Detail)
	}
}

// TestFieldLockDocMDP: a PDF 2.0 /Lock /P 1 on an approval signature's
// field allows no change after it, as a certification with P=1 would.
func TestFieldLockDocMDP(t *testing.T) {
	p := getPKI(t)
	signed := signPDF(t, p, formPDF(t, "/Lock << /Type /SigFieldLock /Action /Include /Fields [(amount)] /P 1 >>"), p.official, pades.Options{Level: pades.LevelBT, Field: "Sig1"})
	doc := appendUpdate(t, signed, fillField(t, signed, 7, "Da nhan"))
	s := sigOf(t, verifyPDF(t, doc, p.trusted()), 0)
	if s.Indication != TotalFailed || !hasChange(s, ChangeFormFilled, "note") {
		t.Errorf("note filled after /Lock /P 1: %s/%s %+v, want TOTAL_FAILED with a form_filled not allowed", s.Indication, s.SubIndication, s.ChangesAfter)
	}
}
