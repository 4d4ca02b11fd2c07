package attacksuite

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/kyso-vn/kyso/signer/pades"
)

// ClassStructure: attacks on how the file is read — where kyso's reading
// of the revisions and their objects could differ from a viewer's
// (cross-reference sections, linearization, object numbers and
// generations, encryption added later).
const ClassStructure Class = "file structure"

// structure builds the file-structure attacks on kyso's plain signed
// dossier. Each changes what poppler shows on page 1, or what it reads
// the signature to be, without changing a signed byte.
func structure(p *PKI, b *Base) ([]Case, error) {
	if b.Name != "kyso B-T" {
		return nil, nil
	}
	return collect(
		func() ([]Case, error) {
			// An honest linearized file, signed: its /L is no longer the
			// file's length, and both its tables lead to the same page.
			unsigned := linearizedPage(0, false)
			doc, err := p.Sign(linearizedPage(len(unsigned), false), p.Official, pades.Options{Level: pades.LevelBT})
			if err != nil {
				return nil, fmt.Errorf("linearized control: %w", err)
			}
			return []Case{{Name: "linearized file signed / " + b.Name, Class: ClassControl, Base: b, PDF: doc, Evidence: Evidence{Page: 1}}}, nil
		},
		func() ([]Case, error) {
			doc, err := linearizedForgery(p, false)
			return attack(ClassStructure, b, "linearized: /L made the file's length by padding after the signature, viewers read the first-page table", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := linearizedForgery(p, true)
			return attack(ClassStructure, b, "linearized: /L is the signed file's length, viewers read the first-page table", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
	)
}

// linearizedPage is a one-page document that claims to be linearized
// (ISO 32000-1, Annex F): its first object is a linearization dictionary
// whose /L is l, and the cross-reference table right after it (where a
// linearized file's first-page table stands) lists a forged page content;
// the file's startxref names a second, complete table that lists the
// honest one, defined later. A reader that follows startxref, as the
// standard says, reads the honest page. poppler and pdf.js, when /L is the
// file's length, start at the table after the linearization dictionary's
// endobj instead, and show the forged page.
func linearizedPage(l int, forged bool) []byte {
	const honest = "BT /F1 18 Tf 60 760 Td (Trang 1 / Page 1 - ban goc da ky) Tj ET"
	objs := func(content string) map[int]string {
		return map[int]string{
			2: "<< /Type /Catalog /Pages 3 0 R >>",
			3: "<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
			4: Stream("", content),
			5: "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> /Contents 4 0 R >>",
			6: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
			7: Stream("/S 64", strings.Repeat("\x00", 96)),
		}
	}
	table := func(at map[int]int) string {
		var t strings.Builder
		t.WriteString("xref\n0 8\n0000000000 65535 f\r\n")
		for id := 1; id <= 7; id++ {
			fmt.Fprintf(&t, "%010d 00000 n\r\n", at[id])
		}
		return t.String()
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	lin := b.Len()
	linDict := func(hint, hintLen int) string {
		return fmt.Sprintf("1 0 obj\n<< /Linearized 1 /L %010d /H [%010d %010d] /O 5 /E 0 /N 1 /T 0 >>\nendobj\n", l, hint, hintLen)
	}
	b.WriteString(linDict(0, 0))
	first := b.Len()
	// Offsets are fixed width: the table is written once its objects'
	// offsets are known.
	firstTrailer := "trailer\n<< /Size 8 /Root 2 0 R >>\nstartxref\n0\n%%EOF\n"
	b.WriteString(table(nil) + firstTrailer)
	forgedAt, honestAt := map[int]int{1: lin}, map[int]int{1: lin}
	for _, def := range []struct {
		at      map[int]int
		content string
	}{{forgedAt, map[bool]string{true: forgedContent("F1"), false: honest}[forged]}, {honestAt, honest}} {
		o := objs(def.content)
		for id := 2; id <= 7; id++ {
			def.at[id] = b.Len()
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", id, o[id])
		}
	}
	// The hint stream (object 7) the linearization dictionary's /H names:
	// qpdf checks it.
	hintLen := honestAt[2] - forgedAt[7]
	main := b.Len()
	fmt.Fprintf(&b, "%strailer\n<< /Size 8 /Root 2 0 R /ID [<6b79736f2d6c696e2d646f632d6964><6b79736f2d6c696e2d646f632d6964>] >>\nstartxref\n%d\n%%%%EOF\n", table(honestAt), main)
	out := b.Bytes()
	copy(out[first:], table(forgedAt)+firstTrailer)
	copy(out[lin:], linDict(forgedAt[7], hintLen))
	return out
}

// linearizedForgery has kyso sign linearizedPage and makes the signed
// file's length its /L: exactly, when exact (the signature's size is
// known in advance, so the document the signer is shown already says it),
// or by a comment padding the file after the signature. Before, the file
// is longer than /L is not, so every reader shows the honest page.
func linearizedForgery(p *PKI, exact bool) ([]byte, error) {
	probe, err := p.Sign(linearizedPage(0, true), p.Official, pades.Options{Level: pades.LevelBT})
	if err != nil {
		return nil, err
	}
	l := len(probe)
	if !exact {
		l += 200
	}
	doc, err := p.Sign(linearizedPage(l, true), p.Official, pades.Options{Level: pades.LevelBT})
	if err != nil {
		return nil, err
	}
	pad := l - len(doc)
	switch {
	case exact && pad != 0:
		return nil, fmt.Errorf("the signed file is %d bytes, not the %d of the first signing", len(doc), l)
	case exact:
		return doc, nil
	case pad < 2:
		return nil, errors.New("no room for the padding after the signature")
	}
	return append(doc, "%"+strings.Repeat(" ", pad-2)+"\n"...), nil
}
