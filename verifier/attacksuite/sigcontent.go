package attacksuite

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kyso-vn/kyso/internal/hostilepdf"
	"github.com/kyso-vn/kyso/signer/pades"
)

// The signature, its time and its effect: attacks that keep every signed
// byte and the CMS as they are and change what the signed page means
// through what the verifier allows after a signature, or through the
// signature dictionary and its field. Each case is built on a document an
// attacker prepared before handing it to the signer (the PDF-Insecurity
// shadow model), signed by kyso's signer, and changed after.

// sigContent builds every case of this file on b: one builder in
// PKI.Cases's list for all of them.
func sigContent(p *PKI, b *Base) ([]Case, error) {
	var out []Case
	for _, build := range []builder{
		ocgSharedEntry, annotAppearanceState, annotFlagsAndRect, patternText, regeneratedField, noRotate,
		appearanceNotValue, contentsTrailer, sharedSignature, generatedAppearance, type3Glyph, annotOrder,
		clipText, gsFont, shownWithoutValue,
	} {
		cs, err := build(p, b)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// Text of the optional-content document (OCGPDF).
const (
	// OCGSigned is what its page shows when signed: the decision's
	// refusal, drawn in optional content group A (on).
	OCGSigned = "Y kien: KHONG DONG Y"
	// OCGForged is drawn in group B, off when signed: the approval the
	// attacker wants shown.
	OCGForged = "Y kien: DONG Y chi 9.000.000.000 dong"
)

// Object numbers of OCGPDF.
const (
	ocgCatalog = 1
	ocgA       = 5
	ocgB       = 9
	ocgProps   = 7 // the optional-content properties, shared as catalog says
)

// ocgProperties is the catalog's /OCProperties with group on shown and
// off hidden (ISO 32000-1, 8.11.4).
func ocgProperties(on, off int) string {
	return fmt.Sprintf("<< /OCGs [%d 0 R %d 0 R] /D << /Order [%d 0 R %d 0 R] /ON [%d 0 R] /OFF [%d 0 R] >> >>", ocgA, ocgB, ocgA, ocgB, on, off)
}

// OCGPDF returns a one-page decision whose answer is optional content:
// OCGSigned in group A (on), OCGForged in group B (off). Its
// /OCProperties dictionary (object 7) is also the value of the catalog
// entry share ("DSS", "MarkInfo"...), which viewers ignore there for
// want of the keys they look for: a verifier that gives an object the
// role of the first catalog entry it reaches it from sees a change of it
// as a change of that entry only.
func OCGPDF(share string) []byte {
	content := "BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET\n" +
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2281/QD-UBND ve cap kinh phi) Tj ET\n" +
		"/OC /oa BDC BT /F1 12 Tf 60 700 Td (" + OCGSigned + ") Tj ET EMC\n" +
		"/OC /ob BDC BT /F1 12 Tf 60 700 Td (" + OCGForged + ") Tj ET EMC"
	catalog := "<< /Type /Catalog /Pages 2 0 R /OCProperties 7 0 R >>"
	if share != "" {
		catalog = fmt.Sprintf("<< /Type /Catalog /Pages 2 0 R /OCProperties 7 0 R /%s 7 0 R >>", share)
	}
	objs := []string{
		catalog,
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /Properties << /oa 5 0 R /ob 9 0 R >> >> /Contents 6 0 R >>",
		"<< /Type /OCG /Name (A) >>",
		Stream("", content),
		ocgProperties(ocgA, ocgB),
		"<< /Title (Quyet dinh 2281) /Producer (kyso attack suite) >>",
		"<< /Type /OCG /Name (B) >>",
	}
	return hostilepdf.Assemble(objs, ocgCatalog, 8, false)
}

// signatureKind says which signature kyso's dossier base b carries: 0 for
// an approval signature ("kyso B-T"), the DocMDP level for a certified
// one; ok is false for every other base.
func signatureKind(b *Base) (certify int, ok bool) {
	switch b.Name {
	case "kyso B-T":
		return 0, true
	case "kyso certified P=1":
		return 1, true
	case "kyso certified P=2":
		return 2, true
	}
	return 0, false
}

// ocgSharedEntry builds the optional-content attacks once, on the approval and
// certified bases of kyso's dossier (the attacks bring their own
// documents; the base says which signature kind to make).
func ocgSharedEntry(p *PKI, b *Base) ([]Case, error) {
	if b.VN || b.Form || b.ShadowID != 0 {
		return nil, nil
	}
	certify, ok := signatureKind(b)
	if !ok {
		return nil, nil
	}
	return collect(
		func() ([]Case, error) { return ocgShared(p, certify, "DSS") },
		func() ([]Case, error) {
			if certify == 1 {
				return nil, nil // structure changes are not allowed by P=1
			}
			return ocgShared(p, certify, "MarkInfo")
		},
	)
}

// signedBase signs doc with the official's credential at B-T, certified
// with DocMDP P=certify if not 0, and returns it as a base of its own.
func signedBase(p *PKI, name string, doc []byte, certify int, marker string) (*Base, error) {
	signed, err := p.Sign(doc, p.Official, pades.Options{Level: pades.LevelBT, Certify: certify})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if certify != 0 {
		name += fmt.Sprintf(", certified P=%d", certify)
	}
	return &Base{Name: name, PDF: signed, Entries: 1, Certify: certify, Font: "F1", Marker: marker}, nil
}

// ocgShared: the optional-content properties are shared with the catalog
// entry share (the DSS: allowed after any signature, even DocMDP P=1; the
// structure tree's /MarkInfo: allowed by approval signatures and P=2).
// The update turns group A off and group B on: the page no longer shows
// the refusal signed but the attacker's approval. The honest control is
// the document as signed.
func ocgShared(p *PKI, certify int, share string) ([]Case, error) {
	b, err := signedBase(p, "optional content shared with /"+share, OCGPDF(share), certify, OCGSigned)
	if err != nil {
		return nil, err
	}
	control := Case{Name: "as signed / " + b.Name, Class: ClassControl, Base: b, PDF: b.PDF}
	doc, err := Append(b.PDF, Update{Objects: map[int]string{ocgProps: ocgProperties(ocgB, ocgA)}})
	cs, err := attack(ClassShadowHideReplace, b, "optional content switched through the object it shares with /"+share, doc, err,
		Evidence{Shows: OCGForged, Hides: OCGSigned, Renders: true})
	return append([]Case{control}, cs...), err
}

// overText is a rectangle of page 1 of b over signed text (the first line
// shadowReplace paints over), or false if b has none known.
func overText(b *Base) ([4]int, bool) {
	switch {
	case b.VN:
		return [4]int{30, 740, 320, 800}, true
	case b.Form:
		return [4]int{55, 690, 420, 720}, true
	case b.ShadowID == 0:
		return [4]int{60, 745, 540, 785}, true
	}
	return [4]int{}, false
}

// withAnnotation returns doc with an annotation added to page 1: make
// gets the first free object number n (the annotation's) and page 1's,
// and returns the annotation and the objects it uses.
func withAnnotation(doc []byte, make func(n, page int) map[int]string) ([]byte, error) {
	page, err := PageOf(doc, 1)
	if err != nil {
		return nil, err
	}
	n, err := Size(doc)
	if err != nil {
		return nil, err
	}
	body, err := withAnnot(page.Body, fmt.Sprintf("%d 0 R", n))
	if err != nil {
		return nil, err
	}
	objs := make(n, page.ID)
	objs[page.ID] = body
	return Append(doc, Update{Objects: objs})
}

// opaqueForm is a form XObject (object body) of w × h that paints text on
// white, in Helvetica (object font).
func opaqueForm(w, h, font int, text string) string {
	return Stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %d %d] /Resources << /Font << /Helv %d 0 R >> >>", w, h, font),
		fmt.Sprintf("1 g 0 0 %d %d re f BT /Helv 12 Tf 0 g 4 %d Td %s Tj ET", w, h, h/2-4, pdfString(text)))
}

const helvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

// annotAppearanceState: annotations added after an approval signature
// over signed text, whose appearance a verifier that looks up /AP /N by
// /AS alone finds empty while viewers draw one (ISO 32000-1, 12.5.5;
// poppler's Annot): with one appearance state and no /AS, viewers take
// that state; with an /AS that names no state, viewers generate the
// appearance (a FreeText annotation's from its /Contents and /DA).
func annotAppearanceState(_ *PKI, b *Base) ([]Case, error) {
	rect, ok := overText(b)
	if b.Certify != 0 || !ok {
		return nil, nil
	}
	w, h := rect[2]-rect[0], rect[3]-rect[1]
	r := fmt.Sprintf("[%d %d %d %d]", rect[0], rect[1], rect[2], rect[3])
	return collect(
		func() ([]Case, error) {
			doc, err := withAnnotation(b.PDF, func(n, page int) map[int]string {
				return map[int]string{
					n:     fmt.Sprintf("<< /Type /Annot /Subtype /Square /Rect %s /F 4 /P %d 0 R /AP << /N << /On %d 0 R >> >> >>", r, page, n+1),
					n + 1: opaqueForm(w, h, n+2, ForgedText),
					n + 2: helvetica,
				}
			})
			return attack(ClassShadowReplace, b, "annotation over signed text whose one appearance state has no /AS", doc, err, Evidence{Renders: true})
		},
		func() ([]Case, error) {
			doc, err := withAnnotation(b.PDF, func(n, page int) map[int]string {
				return map[int]string{
					n: fmt.Sprintf("<< /Type /Annot /Subtype /FreeText /Rect %s /F 4 /P %d 0 R /Contents %s /DA (/Helv 12 Tf 0 g) /AS /Missing /AP << /N << /On %d 0 R >> >> >>",
						r, page, pdfString(ForgedText), n+1),
					n + 1: opaqueForm(w, h, n+2, ""),
					n + 2: helvetica,
				}
			})
			return attack(ClassShadowReplace, b, "FreeText over signed text whose /AS names no appearance state", doc, err, Evidence{Renders: true})
		},
	)
}

// annotFlagsAndRect: annotations added after an approval signature over
// signed text, which a verifier reading /F and /Rect more strictly than
// viewers takes for hidden or for drawing nowhere. Poppler's Annot reads
// /F only if it is an integer (a real 2.0 is no flag: the annotation is
// shown) and reads /Rect's elements with 0 for what is not a number, so
// that [60 null 540 790] is drawn over 60 0 540 790.
func annotFlagsAndRect(_ *PKI, b *Base) ([]Case, error) {
	rect, ok := overText(b)
	if b.Certify != 0 || !ok {
		return nil, nil
	}
	w, h := rect[2]-rect[0], rect[3]-rect[1]
	add := func(name, dict string) func() ([]Case, error) {
		return func() ([]Case, error) {
			doc, err := withAnnotation(b.PDF, func(n, page int) map[int]string {
				return map[int]string{
					n:     fmt.Sprintf(dict, page, n+1),
					n + 1: opaqueForm(w, h, n+2, ForgedText),
					n + 2: helvetica,
				}
			})
			return attack(ClassShadowReplace, b, name, doc, err, Evidence{Renders: true})
		}
	}
	return collect(
		add("annotation over signed text whose /F is the real 2.0 (Hidden for a reader of reals, shown by viewers)",
			fmt.Sprintf("<< /Type /Annot /Subtype /Square /Rect [%d %d %d %d] /F 2.0 /P %%d 0 R /AP << /N %%d 0 R >> >>", rect[0], rect[1], rect[2], rect[3])),
		add("annotation over signed text whose /Rect has a null (drawn from 0 by viewers)",
			fmt.Sprintf("<< /Type /Annot /Subtype /Square /Rect [%d null %d %d] /F 4 /P %%d 0 R /AP << /N %%d 0 R >> >>", rect[0], rect[2], rect[3])),
	)
}

// PatternPDF returns a one-page decision whose answer, OCGSigned, is drawn
// by filling a rectangle with a tiling pattern whose cell shows it (ISO
// 32000-1, 8.7.3): viewers show the text, a reader of text operators and
// images on the page itself finds only a path.
func PatternPDF() []byte {
	content := "BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET\n" +
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2282/QD-UBND ve cap kinh phi) Tj ET\n" +
		"/Pattern cs /P1 scn 55 690 480 30 re f\n"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		helvetica,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /Pattern << /P1 5 0 R >> >> /Contents 6 0 R >>",
		Stream("/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 595 842] /XStep 2000 /YStep 2000 /Resources << /Font << /F1 3 0 R >> >>",
			"BT /F1 12 Tf 60 700 Td ("+OCGSigned+") Tj ET"),
		Stream("", content),
		"<< /Title (Quyet dinh 2282) /Producer (kyso attack suite) >>",
	}
	return hostilepdf.Assemble(objs, 1, len(objs), false)
}

// patternText: after an approval signature, an annotation (allowed) is
// painted over signed text that the page draws through a tiling pattern;
// the overlap rule must count what a pattern's cell draws as signed
// content, as it counts what a form XObject draws.
func patternText(p *PKI, b *Base) ([]Case, error) {
	return paintedOverAnswer(p, b, "text drawn through a tiling pattern", PatternPDF(), "UY BAN NHAN DAN", "annotation painted over signed text drawn through a tiling pattern")
}

// SignedValue is the amount the regenerated field of DRPDF holds.
const SignedValue = "100.000.000 dong"

// DRPDF returns a one-page decision with a text field holding
// SignedValue, whose appearance viewers generate from the form's default
// appearance and resources (ISO 32000-1, 12.7.3.3): the field has no
// appearance stream, or, if needAppearances, has one and the form asks
// viewers to regenerate it. The form's default font (object 7) is not
// the page's.
func DRPDF(needAppearances bool) []byte {
	content := "BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET\n" +
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2283/QD-UBND ve cap kinh phi) Tj ET\n" +
		"BT /F1 12 Tf 60 705 Td (So tien:) Tj ET\n"
	form, ap := "", ""
	if needAppearances {
		form, ap = " /NeedAppearances true", " /AP << /N 9 0 R >>"
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [8 0 R] /DA (/Helv 12 Tf 0 g) /DR << /Font << /Helv 7 0 R >> >>" + form + " >> >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		helvetica,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R /Annots [8 0 R] >>",
		"<< /Title (Quyet dinh 2283) /Producer (kyso attack suite) >>",
		Stream("", content),
		helvetica,
		"<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /V (" + SignedValue + ") /Rect [120 700 400 720] /F 4 /P 4 0 R /DA (/Helv 12 Tf 0 g)" + ap + " >>",
		appearance(280, 20, SignedValue, false, "7 0 R"),
	}
	return hostilepdf.Assemble(objs, 1, 5, false)
}

// regeneratedField: the form's default resources may change after an
// approval signature and under DocMDP P=2 (ISO 32000-1, 12.8.2.2), but a
// field whose appearance viewers generate is redrawn with them. The
// update gives the form's default font an encoding without the digit
// one: viewers show the signed 100.000.000 as 00.000.000, with the value
// and the field unchanged.
func regeneratedField(p *PKI, b *Base) ([]Case, error) {
	// Form filling is allowed after an approval signature and under
	// DocMDP P=2, not P=1.
	certify, ok := signatureKind(b)
	if !ok || certify == 1 {
		return nil, nil
	}
	var out []Case
	for _, need := range []bool{false, true} {
		name := "field drawn by viewers from the form's default appearance"
		if need {
			name = "field redrawn by viewers (/NeedAppearances)"
		}
		fb, err := signedBase(p, name, DRPDF(need), certify, "So tien")
		if err != nil {
			return nil, err
		}
		out = append(out, Case{Name: "as signed / " + fb.Name, Class: ClassControl, Base: fb, PDF: fb.PDF})
		// Honest: another font added to the form's default resources
		// (as a signer that writes a text appearance may) changes
		// nothing the field is drawn with.
		root, err := ObjectBody(fb.PDF, 1)
		if err != nil {
			return nil, err
		}
		honest, err := Append(fb.PDF, Update{Objects: map[int]string{1: strings.Replace(root, "/Helv 7 0 R", "/Helv 7 0 R /Cour << /Type /Font /Subtype /Type1 /BaseFont /Courier >>", 1)}})
		if err != nil {
			return nil, err
		}
		out = append(out, Case{Name: "a font added to the form's default resources / " + fb.Name, Class: ClassControl, Base: fb, PDF: honest})
		doc, err := Append(fb.PDF, Update{Objects: map[int]string{
			7: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [49 /nine] >> >>",
		}})
		cs, err := attack(ClassShadowReplace, fb, "the form's default font re-encoded: the field's signed value is redrawn without its 1", doc, err, Evidence{Renders: true})
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// RotatedPDF returns a one-page decision on a page turned a quarter
// (/Rotate 90), as scanned landscape pages are: its answer, OCGSigned,
// runs from 60 to about 180 at a height of 700.
func RotatedPDF() []byte {
	content := "BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET\n" +
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2284/QD-UBND ve cap kinh phi) Tj ET\n" +
		"BT /F1 12 Tf 60 700 Td (" + OCGSigned + ") Tj ET\n"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		helvetica,
		"<< /Type /Page /Parent 2 0 R /Rotate 90 /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
		Stream("", content),
		"<< /Title (Quyet dinh 2284) /Producer (kyso attack suite) >>",
	}
	return hostilepdf.Assemble(objs, 1, len(objs), false)
}

// noRotate: an annotation with the NoRotate flag on a rotated page is
// drawn upright, turned about the upper-left corner of its /Rect (ISO
// 32000-1, 12.5.3; poppler's Annot::getRotation): on a page with /Rotate
// 90, a /Rect of width w and height h at [x0 y0 x1 y1] is drawn over
// [x0 y1 x0+h y1+w]. Added after an approval signature with its /Rect
// just below the signed answer, it is drawn over it.
func noRotate(p *PKI, b *Base) ([]Case, error) {
	if b.Name != "kyso B-T" {
		return nil, nil
	}
	rb, err := signedBase(p, "a page turned a quarter", RotatedPDF(), 0, "UY BAN NHAN DAN")
	if err != nil {
		return nil, err
	}
	control := Case{Name: "as signed / " + rb.Name, Class: ClassControl, Base: rb, PDF: rb.PDF}
	doc, err := withAnnotation(rb.PDF, func(n, page int) map[int]string {
		return map[int]string{
			n: fmt.Sprintf("<< /Type /Annot /Subtype /Square /Rect [55 330 85 690] /F 20 /P %d 0 R /AP << /N %d 0 R >> >>", page, n+1),
			n + 1: Stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 30 360] /Resources << /Font << /Helv %d 0 R >> >>", n+2),
				"1 g 0 0 30 360 re f BT /Helv 12 Tf 0 g 0 -1 1 0 10 355 Tm (Y kien: DONG Y) Tj ET"),
			n + 2: helvetica,
		}
	})
	cs, err := attack(ClassShadowReplace, rb, "NoRotate annotation below signed text on a rotated page, drawn over it", doc, err, Evidence{Renders: true})
	return append([]Case{control}, cs...), err
}

// appearanceNotValue: form filling may change a field's value and
// appearance after an approval signature and under DocMDP P=2, and the
// overlap rule compares values: the filled amount field keeps its signed
// value 100 but is given an appearance that shows 9999999, as a new
// appearance object or by redefining its appearance stream in place.
func appearanceNotValue(_ *PKI, b *Base) ([]Case, error) {
	if !b.Form || b.Certify == 1 {
		return nil, nil
	}
	return collect(
		func() ([]Case, error) {
			objs, err := refill(b.PDF, FieldAmount, "100", FieldAppearance(160, 25, "9999999", true))
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Objects: objs})
			return attack(ClassShadowReplace, b, "filled field given an appearance showing 9999999, its value 100 kept", doc, err, Evidence{Renders: true})
		},
		func() ([]Case, error) {
			field, err := ObjectBody(b.PDF, FieldAmount)
			if err != nil {
				return nil, err
			}
			m := regexp.MustCompile(`/AP\s*<<\s*/N\s*([0-9]+)\s+0\s+R`).FindStringSubmatch(field)
			if m == nil {
				return nil, fmt.Errorf("field %d has no /AP << /N ref >>", FieldAmount)
			}
			ap, _ := strconv.Atoi(m[1])
			doc, err := Append(b.PDF, Update{Objects: map[int]string{ap: FieldAppearance(160, 25, "9999999", true)}})
			return attack(ClassShadowReplace, b, "filled field's appearance stream redefined in place to show 9999999", doc, err, Evidence{Renders: true})
		},
	)
}

// contentsTrailer: the last signature's /Contents holds its CMS, unchanged,
// followed by bytes that are not the zero padding (nothing the signature
// covers): four bytes, or a second copy of the CMS. A reader of the
// first DER value only (pdfsig) finds the signature valid; kyso must not
// judge a /Contents other readers may take for another signature.
func contentsTrailer(p *PKI, b *Base) ([]Case, error) {
	if b.Name != "kyso B-T" && b.Name != "kyso certified P=2" {
		return nil, nil
	}
	sigs, err := Signatures(b.PDF)
	if err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, errors.New("no signature")
	}
	last := len(sigs) - 1
	br := sigs[last].ByteRange
	raw, err := hex.DecodeString(string(b.PDF[br[1]+1 : br[2]-1]))
	if err != nil {
		return nil, err
	}
	rest, err := asn1.Unmarshal(raw, new(asn1.RawValue))
	if err != nil {
		return nil, err
	}
	cms := raw[:len(raw)-len(rest)]
	ev := Evidence{Signer: p.Official.Cert.Subject.CommonName}
	if b.Certify == 2 {
		ev.Signer = p.Seal.Cert.Subject.CommonName
	}
	var out []Case
	for _, tail := range []struct {
		name  string
		bytes []byte
	}{
		{"the CMS followed by four bytes that are not padding", []byte{0xde, 0xad, 0xbe, 0xef}},
		{"the CMS followed by a second copy of itself", cms},
	} {
		doc, err := ReplaceCMS(b.PDF, last, func([]byte) ([]byte, error) { return append(bytes.Clone(cms), tail.bytes...), nil })
		cs, err := attack(ClassUSF, b, "/Contents: "+tail.name, doc, err, ev)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// sharedSignature: a signature field added after the signature whose value
// is the signed signature dictionary itself (ISO 32000-1 gives each
// signature its own field). Viewers (pdfsig) list the signer twice, as
// having signed the attacker's field, here the approval box, too; the
// second variant shows the new field's widget, naming the signer, in the
// blank bottom margin.
func sharedSignature(p *PKI, b *Base) ([]Case, error) {
	if b.Name != "kyso B-T" && b.Name != "kyso certified P=2" {
		return nil, nil
	}
	sigs, err := Signatures(b.PDF)
	if err != nil {
		return nil, err
	}
	if len(sigs) == 0 || sigs[0].ID == 0 {
		return nil, errors.New("no indirect signature dictionary")
	}
	signer := p.Official.Cert.Subject.CommonName
	if b.Certify == 2 {
		signer = p.Seal.Cert.Subject.CommonName
	}
	n, err := Size(b.PDF)
	if err != nil {
		return nil, err
	}
	var out []Case
	for _, visible := range []bool{false, true} {
		objs := map[int]string{}
		widget := "/Rect [0 0 0 0] /F 132"
		name := "a new signature field given the signed signature dictionary"
		if visible {
			page, err := PageOf(b.PDF, 1)
			if err != nil {
				return nil, err
			}
			if objs[page.ID], err = withAnnot(page.Body, fmt.Sprintf("%d 0 R", n)); err != nil {
				return nil, err
			}
			widget = fmt.Sprintf("/Rect [340 20 560 45] /F 4 /P %d 0 R /AP << /N %d 0 R >>", page.ID, n+1)
			objs[n+1] = opaqueForm(220, 25, n+2, "Nguoi phe duyet: da ky")
			objs[n+2] = helvetica
			name += ", with a visible widget"
		}
		if err := addField(b.PDF, objs, n, fmt.Sprintf("<< /FT /Sig /T (PheDuyet) /Type /Annot /Subtype /Widget %s /V %d 0 R >>", widget, sigs[0].ID)); err != nil {
			return nil, err
		}
		doc, err := Append(b.PDF, Update{Objects: objs})
		cs, err := attack(ClassUSF, b, name, doc, err, Evidence{Signer: signer})
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// generatedAppearance: annotations without an appearance stream that
// viewers draw anyway, over signed text. A link is drawn with its border
// (ISO 32000-1, 12.5.4: /Border [0 0 1] by default; poppler draws it),
// here 60 points wide and white, added after an approval signature; an
// empty signature field — allowed after an approval signature and under
// DocMDP P=2 — is drawn with its /MK background (12.7.3.3; poppler
// generates it), here white.
func generatedAppearance(_ *PKI, b *Base) ([]Case, error) {
	rect, ok := overText(b)
	if !ok || b.Certify == 1 || b.ShadowID != 0 {
		return nil, nil
	}
	r := fmt.Sprintf("[%d %d %d %d]", rect[0]-5, rect[1]-5, rect[2]+5, rect[3]+5)
	var parts []func() ([]Case, error)
	if b.Certify == 0 {
		parts = append(parts, func() ([]Case, error) {
			doc, err := withAnnotation(b.PDF, func(n, page int) map[int]string {
				return map[int]string{n: fmt.Sprintf("<< /Type /Annot /Subtype /Link /Rect %s /F 4 /P %d 0 R /Border [0 0 60] /C [1 1 1] /A << /S /URI /URI (https://example.org/) >> >>", r, page)}
			})
			return attack(ClassShadowHide, b, "link without appearance over signed text, drawn with a wide white border", doc, err, Evidence{Renders: true})
		})
	}
	parts = append(parts, func() ([]Case, error) {
		page, err := PageOf(b.PDF, 1)
		if err != nil {
			return nil, err
		}
		n, err := Size(b.PDF)
		if err != nil {
			return nil, err
		}
		objs := map[int]string{}
		if objs[page.ID], err = withAnnot(page.Body, fmt.Sprintf("%d 0 R", n)); err != nil {
			return nil, err
		}
		if err := addField(b.PDF, objs, n, fmt.Sprintf("<< /FT /Sig /T (Empty) /Type /Annot /Subtype /Widget /Rect %s /F 4 /P %d 0 R /MK << /BG [1 1 1] /BC [1 1 1] >> >>", r, page.ID)); err != nil {
			return nil, err
		}
		doc, err := Append(b.PDF, Update{Objects: objs})
		return attack(ClassShadowHide, b, "empty signature field without appearance over signed text, drawn with a white /MK background", doc, err, Evidence{Renders: true})
	})
	return collect(parts...)
}

// Type3PDF returns a one-page decision whose answer, OCGSigned, is drawn
// by the glyph of a Type 3 font (ISO 32000-1, 9.6.5) that a line of text
// shows 80 points below it: the glyph's procedure draws the answer, in
// Helvetica, 80 points above its origin, inside the font's /FontBBox.
func Type3PDF() []byte {
	proc := "1000 0 d0 BT /H 12 Tf 0 80 Td (" + OCGSigned + ") Tj ET"
	content := "BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET\n" +
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2285/QD-UBND ve cap kinh phi) Tj ET\n" +
		"BT /T3 1 Tf 60 620 Td (a) Tj ET\n"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		helvetica,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /T3 7 0 R >> >> /Contents 5 0 R >>",
		Stream("", content),
		"<< /Title (Quyet dinh 2285) /Producer (kyso attack suite) >>",
		"<< /Type /Font /Subtype /Type3 /FontBBox [0 -10 400 100] /FontMatrix [1 0 0 1 0 0] /CharProcs << /a 8 0 R >> /Encoding << /Type /Encoding /Differences [97 /a] >> /FirstChar 97 /LastChar 97 /Widths [1] /Resources << /Font << /H 3 0 R >> >> >>",
		Stream("", proc),
	}
	return hostilepdf.Assemble(objs, 1, 6, false)
}

// type3Glyph: after an approval signature, an annotation (allowed) is
// painted over the signed answer drawn by a Type 3 glyph away from its
// origin: signed content is where a glyph draws, not only its advance.
func type3Glyph(p *PKI, b *Base) ([]Case, error) {
	return paintedOverAnswer(p, b, "text drawn by a Type 3 glyph", Type3PDF(), "UY BAN NHAN DAN", "annotation painted over signed text a Type 3 glyph draws away from its origin")
}

// StackedPDF returns a one-page decision whose answer is an annotation: a
// FreeText showing OCGForged, covered by a later one in /Annots, at the
// same place, showing OCGSigned on white. Viewers draw annotations in the
// order of /Annots (ISO 32000-1, 12.5.1), so the page shows OCGSigned.
func StackedPDF() []byte {
	content := "BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET\n" +
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2286/QD-UBND ve cap kinh phi) Tj ET\n"
	annot := func(text string, ap int) string {
		return fmt.Sprintf("<< /Type /Annot /Subtype /FreeText /Rect [55 690 535 720] /F 4 /P 4 0 R /Contents %s /DA (/Helv 12 Tf 0 g) /AP << /N %d 0 R >> >>", pdfString(text), ap)
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		helvetica,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R /Annots [7 0 R 8 0 R] >>",
		Stream("", content),
		"<< /Title (Quyet dinh 2286) /Producer (kyso attack suite) >>",
		annot(OCGForged, 9),
		annot(OCGSigned, 10),
		opaqueForm(480, 30, 3, OCGForged),
		opaqueForm(480, 30, 3, OCGSigned),
	}
	return hostilepdf.Assemble(objs, 1, 6, false)
}

// annotOrder: the update only reverses page 1's /Annots: the same
// annotations, drawn in the other order, show the answer the signer did
// not see. Certified P=1 and approval.
func annotOrder(p *PKI, b *Base) ([]Case, error) {
	var certify int
	switch b.Name {
	case "kyso B-T":
	case "kyso certified P=1":
		certify = 1
	default:
		return nil, nil
	}
	sb, err := signedBase(p, "answer in stacked annotations", StackedPDF(), certify, "UY BAN NHAN DAN")
	if err != nil {
		return nil, err
	}
	control := Case{Name: "as signed / " + sb.Name, Class: ClassControl, Base: sb, PDF: sb.PDF}
	page, err := PageOf(sb.PDF, 1)
	if err != nil {
		return nil, err
	}
	order := regexp.MustCompile(`/Annots\s*\[\s*7 0 R\s+8 0 R`)
	if !order.MatchString(page.Body) {
		return nil, fmt.Errorf("%s: page 1 does not list annotations 7 and 8 first: %.120q", sb.Name, page.Body)
	}
	doc, err := Append(sb.PDF, Update{Objects: map[int]string{page.ID: order.ReplaceAllLiteralString(page.Body, "/Annots [8 0 R 7 0 R")}})
	cs, err := attack(ClassShadowHideReplace, sb, "annotations reordered: the covered answer drawn on top", doc, err, Evidence{Renders: true})
	return append([]Case{control}, cs...), err
}

// ClipTextPDF returns a one-page decision whose answer, OCGSigned, is text
// in rendering mode 7 (add to clipping path, ISO 32000-1, 9.3.6) through
// which a rectangle is then filled: the text shows as the shape of the
// fill.
func ClipTextPDF() []byte {
	content := "BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET\n" +
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2287/QD-UBND ve cap kinh phi) Tj ET\n" +
		"q BT 7 Tr /F1 12 Tf 60 700 Td (" + OCGSigned + ") Tj ET 0 g 0 0 595 842 re f Q\n"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		helvetica,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
		Stream("", content),
		"<< /Title (Quyet dinh 2287) /Producer (kyso attack suite) >>",
	}
	return hostilepdf.Assemble(objs, 1, 6, false)
}

// clipText: after an approval signature, an annotation (allowed) is
// painted over signed text that shows as a fill through a text clip.
func clipText(p *PKI, b *Base) ([]Case, error) {
	return paintedOverAnswer(p, b, "text shown through a clip", ClipTextPDF(), "UY BAN NHAN DAN", "annotation painted over signed text shown through a text clip")
}

// GSFontPDF returns a one-page decision whose answer, OCGSigned, is shown
// in the font an ExtGState sets (/Font [font size], ISO 32000-1, 8.4.5)
// after a Tf operator that set a size of 0.1.
func GSFontPDF() []byte {
	content := "BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET\n" +
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2288/QD-UBND ve cap kinh phi) Tj ET\n" +
		"q BT /F1 0.1 Tf ET /GS1 gs BT 60 700 Td (" + OCGSigned + ") Tj ET Q\n"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		helvetica,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /ExtGState << /GS1 << /Type /ExtGState /Font [3 0 R 12] >> >> >> /Contents 5 0 R >>",
		Stream("", content),
		"<< /Title (Quyet dinh 2288) /Producer (kyso attack suite) >>",
	}
	return hostilepdf.Assemble(objs, 1, 6, false)
}

// gsFont: after an approval signature, an annotation (allowed) is painted
// over signed text whose font and size an ExtGState set.
func gsFont(p *PKI, b *Base) ([]Case, error) {
	return paintedOverAnswer(p, b, "text in a font an ExtGState sets", GSFontPDF(), OCGSigned, "annotation painted over signed text in a font an ExtGState sets")
}

// ShownWithoutValuePDF returns a one-page decision whose answer,
// OCGSigned, is the appearance of a form field with no value: a text field
// (/V empty) or a push button (which has none), whose appearance shows it
// over blank paper.
func ShownWithoutValuePDF(button bool) []byte {
	content := "BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET\n" +
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2289/QD-UBND ve cap kinh phi) Tj ET\n"
	field := "/FT /Tx /T (answer) /V ()"
	if button {
		field = "/FT /Btn /Ff 65536 /T (answer)"
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [7 0 R] /DA (/Helv 12 Tf 0 g) /DR << /Font << /Helv 3 0 R >> >> >> >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		helvetica,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R /Annots [7 0 R] >>",
		Stream("", content),
		"<< /Title (Quyet dinh 2289) /Producer (kyso attack suite) >>",
		"<< /Type /Annot /Subtype /Widget " + field + " /Rect [55 690 535 720] /F 4 /P 4 0 R /DA (/Helv 12 Tf 0 g) /AP << /N 8 0 R >> >>",
		appearance(480, 30, OCGSigned, true, "3 0 R"),
	}
	return hostilepdf.Assemble(objs, 1, 6, false)
}

// shownWithoutValue: form filling may give a field a value and an
// appearance after an approval signature and under DocMDP P=2; a field
// whose value was empty, or that has none, but whose appearance showed
// the signed answer is given one showing the opposite.
func shownWithoutValue(p *PKI, b *Base) ([]Case, error) {
	// Form filling is allowed after an approval signature and under
	// DocMDP P=2, not P=1.
	certify, ok := signatureKind(b)
	if !ok || certify == 1 {
		return nil, nil
	}
	var out []Case
	for _, button := range []bool{false, true} {
		name := "answer shown by a text field without value"
		if button {
			name = "answer shown by a push button"
		}
		fb, err := signedBase(p, name, ShownWithoutValuePDF(button), certify, "UY BAN NHAN DAN")
		if err != nil {
			return nil, err
		}
		out = append(out, Case{Name: "as signed / " + fb.Name, Class: ClassControl, Base: fb, PDF: fb.PDF})
		value := OCGForged
		if button {
			value = "" // a push button has no value
		}
		objs, err := refill(fb.PDF, 7, value, appearance(480, 30, OCGForged, true, "3 0 R"))
		if err != nil {
			return nil, err
		}
		if button {
			objs[7] = strings.Replace(objs[7], "/V () ", "", 1)
		}
		doc, err := Append(fb.PDF, Update{Objects: objs})
		cs, err := attack(ClassShadowReplace, fb, "field re-drawn with the opposite answer", doc, err, Evidence{Renders: true})
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// paintedOverAnswer builds, on the kyso B-T base only, the cases of a
// one-page decision (doc, named what, marker a text of its page) signed
// with an approval signature: the document as signed (a control), and
// an update that paints an opaque Square annotation (allowed) over the
// answer at [55 690 535 720], the attack named name.
func paintedOverAnswer(p *PKI, b *Base, what string, doc []byte, marker, name string) ([]Case, error) {
	if b.Name != "kyso B-T" {
		return nil, nil
	}
	sb, err := signedBase(p, what, doc, 0, marker)
	if err != nil {
		return nil, err
	}
	control := Case{Name: "as signed / " + sb.Name, Class: ClassControl, Base: sb, PDF: sb.PDF}
	forged, err := withAnnotation(sb.PDF, func(n, page int) map[int]string {
		return map[int]string{
			n:     fmt.Sprintf("<< /Type /Annot /Subtype /Square /Rect [55 690 535 720] /F 4 /P %d 0 R /AP << /N %d 0 R >> >>", page, n+1),
			n + 1: opaqueForm(480, 30, n+2, "Y kien: DONG Y"),
			n + 2: helvetica,
		}
	})
	cs, err := attack(ClassShadowReplace, sb, name, forged, err, Evidence{Renders: true})
	return append([]Case{control}, cs...), err
}
