package appearance

import (
	"bytes"
	"fmt"
	"strings"
)

// testPDF is a minimal PDF writer for the tests: it collects indirect
// objects (implementing ObjectWriter) and writes a classic xref table.
type testPDF struct {
	objs [][]byte
}

func (p *testPDF) AddObject(object []byte) (uint32, error) {
	p.objs = append(p.objs, bytes.TrimSpace(object))
	return uint32(len(p.objs)), nil
}

// reserve allocates an object number to be set later.
func (p *testPDF) reserve() uint32 {
	p.objs = append(p.objs, nil)
	return uint32(len(p.objs))
}

func (p *testPDF) set(id uint32, object []byte) { p.objs[id-1] = object }

// placement is an appearance drawn on a page, as a viewer draws a widget's
// /AP /N: the form's BBox mapped to the rectangle at (x, y).
type placement struct {
	form uint32
	x, y float64
}

// testPage is a page of a test PDF.
type testPage struct {
	w, h   float64
	forms  []placement
	extras string // more content, drawn first
}

// bytes writes the document with the given pages.
func (p *testPDF) bytes(pages []testPage) []byte {
	pagesID := p.reserve()
	var kids []string
	for _, pg := range pages {
		var content, xobjs strings.Builder
		content.WriteString(pg.extras)
		for i, f := range pg.forms {
			fmt.Fprintf(&content, "q 1 0 0 1 %s %s cm /Fm%d Do Q\n", num(f.x), num(f.y), i+1)
			fmt.Fprintf(&xobjs, " /Fm%d %d 0 R", i+1, f.form)
		}
		c, _ := p.AddObject(fmt.Appendf(nil, "<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()))
		font := ""
		if pg.extras != "" {
			font = " /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >>"
		}
		id, _ := p.AddObject(fmt.Appendf(nil,
			"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /XObject <<%s >>%s >> /Contents %d 0 R >>",
			pagesID, num(pg.w), num(pg.h), xobjs.String(), font, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", id))
	}
	p.set(pagesID, fmt.Appendf(nil, "<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	root, _ := p.AddObject(fmt.Appendf(nil, "<< /Type /Catalog /Pages %d 0 R >>", pagesID))

	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(p.objs))
	for i, o := range p.objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(o)
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(p.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.objs)+1, root, xref)
	return b.Bytes()
}
