// Package testpdf makes small, valid PDF documents for tests: multi-page
// dossiers with a line of text per page, written with a classic xref table.
package testpdf

import (
	"bytes"
	"fmt"
)

// Marker is text on every page (inside its content stream): tests change a
// byte of it to tamper with the page content.
const Marker = "kyso test dossier"

// Make returns a valid PDF of the given number of pages (at least 1), each
// with a line of text and padding of extra bytes of page content so tests
// can choose a document size.
func Make(pages int, extra int) []byte {
	if pages < 1 {
		pages = 1
	}
	var objs []string // objs[i] is object i+1
	add := func(s string) int {
		objs = append(objs, s)
		return len(objs)
	}
	catalog := add("")
	pagesID := add("")
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids bytes.Buffer
	per := extra / pages
	for i := 1; i <= pages; i++ {
		var content bytes.Buffer
		fmt.Fprintf(&content, "BT /F1 18 Tf 72 760 Td (Trang %d / Page %d - "+Marker+") Tj ET\n", i, i)
		for content.Len() < per {
			content.WriteString("% padding so the document has a realistic size ..........................\n")
		}
		c := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()))
		p := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesID, font, c))
		fmt.Fprintf(&kids, "%d 0 R ", p)
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesID)
	objs[pagesID-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids.String(), pages)

	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return b.Bytes()
}
