package pades_test

import (
	"fmt"
	"strings"

	"github.com/kyso-vn/kyso/internal/hostilepdf"
)

// pdfSpec describes a test PDF made by makePDF.
type pdfSpec struct {
	// xrefStream writes a cross-reference stream (PDF 1.5) instead of a
	// table.
	xrefStream bool
	// emptyField, if set, adds an empty signature field of that name with
	// a widget on page 2, and an AcroForm with /DA and /DR.
	emptyField string
	// lock, if set, is the field's /Lock dictionary.
	lock string
}

// makePDF returns a valid 3-page PDF with a line of text on each page.
func makePDF(spec pdfSpec) []byte {
	var objs []string // objs[i] is object i+1
	add := func(s string) int {
		objs = append(objs, s)
		return len(objs)
	}
	catalog := add("") // filled in below
	pages := add("")
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var pageIDs []int
	for i := 1; i <= 3; i++ {
		text := fmt.Sprintf("BT /F1 24 Tf 72 760 Td (Trang %d - Page %d of the kyso test dossier) Tj ET", i, i)
		content := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text))
		pageIDs = append(pageIDs, add(fmt.Sprintf(
			"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R%%ANNOTS%% >>",
			pages, font, content)))
	}
	info := add("<< /Title (kyso test dossier) /Producer (kyso makePDF) >>")
	acro := ""
	if spec.emptyField != "" {
		lock := ""
		if spec.lock != "" {
			lock = " /Lock " + spec.lock
		}
		w := add(fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s) /Rect [300 100 500 180] /P %d 0 R /F 4%s >>",
			spec.emptyField, pageIDs[1], lock))
		objs[pageIDs[1]-1] = strings.Replace(objs[pageIDs[1]-1], "%ANNOTS%", fmt.Sprintf(" /Annots [%d 0 R]", w), 1)
		af := add(fmt.Sprintf("<< /Fields [%d 0 R] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv %d 0 R >> >> >>", w, font))
		acro = fmt.Sprintf(" /AcroForm %d 0 R", af)
	}
	for i := range objs {
		objs[i] = strings.Replace(objs[i], "%ANNOTS%", "", 1)
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R%s >>", pages, acro)
	kids := make([]string, len(pageIDs))
	for i, id := range pageIDs {
		kids[i] = fmt.Sprintf("%d 0 R", id)
	}
	objs[pages-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	return hostilepdf.Assemble(objs, catalog, info, spec.xrefStream)
}
