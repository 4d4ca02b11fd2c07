package pades

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ObjectWriter adds indirect objects to the incremental update being
// written, for an AppearanceFunc that needs fonts or images. It has the
// method set of pdfsign's *sign.SignContext, so an appearance drawer
// written for pdfsign works here unchanged (tools/interop holds the two
// to it).
type ObjectWriter interface {
	// AddObject writes object (a PDF object such as "<< ... >>" or a stream
	// "<< /Length n >>\nstream\n...\nendstream", without "obj"/"endobj") as
	// a new indirect object and returns its object number; refer to it as
	// "N 0 R".
	AddObject(object []byte) (uint32, error)
}

// AppearanceFunc draws a visible signature. It returns the widget's normal
// appearance: a complete Form XObject (ISO 32000-1, 8.10) with
// /BBox [0 0 width height], its /Resources and its content stream, written
// as for ObjectWriter.AddObject. Resources it refers to (fonts, images) are
// added through w. width and height are those of the widget's rectangle,
// in points.
type AppearanceFunc func(w ObjectWriter, width, height float64) ([]byte, error)

// defaultAppearance draws lines of text in Helvetica in a thin frame. The
// standard font cannot show Vietnamese diacritics, so they are folded to
// ASCII; signer/appearance draws properly shaped text with an embedded
// font through an AppearanceFunc.
func defaultAppearance(lines []string) func(width, height float64) []byte {
	return func(width, height float64) []byte {
		const pad = 3.0
		var text []string
		longest := 1
		for _, l := range lines {
			if l = foldASCII(l); l != "" {
				text = append(text, l)
				longest = max(longest, len(l))
			}
		}
		size := 10.0
		if n := float64(len(text)); n > 0 {
			size = min(size, (height-2*pad)/(1.2*n))
		}
		// Helvetica's average advance is about half the font size.
		size = max(1, min(size, (width-2*pad)/(0.5*float64(longest))))

		var s bytes.Buffer
		fmt.Fprintf(&s, "q 0.5 w 0.1 0.2 0.6 RG 0.25 0.25 %s %s re S Q\n", pdfReal(width-0.5), pdfReal(height-0.5))
		s.WriteString("BT 0.1 0.2 0.6 rg\n")
		fmt.Fprintf(&s, "/F1 %s Tf %s TL %s %s Td\n", pdfReal(size), pdfReal(1.2*size), pdfReal(pad), pdfReal(height-pad-size))
		for i, l := range text {
			if i > 0 {
				s.WriteString("T* ")
			}
			s.WriteString(pdfText(l))
			s.WriteString(" Tj\n")
		}
		s.WriteString("ET")

		entries := fmt.Sprintf(" /Type /XObject /Subtype /Form /BBox [0 0 %s %s]"+
			" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >> >>",
			pdfReal(width), pdfReal(height))
		return streamObject(entries, s.Bytes())
	}
}

// foldASCII removes diacritics (NFD, then drops combining marks), maps đ
// and Đ to d and D, and replaces anything else outside printable ASCII
// with '?'.
func foldASCII(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
