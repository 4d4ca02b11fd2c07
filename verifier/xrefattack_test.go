package verifier

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/signer/pades"
)

// update is an incremental update an attacker appends: objects written as
// plain definitions (plain) and objects put in an object stream (packed;
// no streams there, ISO 32000-1, 7.5.7).
type update struct {
	plain  map[int]string
	packed map[int]string
	// shadow: objects listed in the object stream a first time, before
	// the packed ones, with these bodies; the cross-reference stream
	// points at the packed ones.
	shadow map[int]string
}

// xrefRow is an entry of a cross-reference stream (ISO 32000-1, Table 18).
type xrefRow struct {
	id     int
	typ    byte
	f2, f3 int
}

// xrefStreamData writes the rows of a cross-reference stream (/W [1 4 2])
// and returns them with the stream's /Index.
func xrefStreamData(rows []xrefRow) (data []byte, index string) {
	slices.SortFunc(rows, func(a, b xrefRow) int { return a.id - b.id })
	var b bytes.Buffer
	var idx []string
	for _, r := range rows {
		b.Write([]byte{r.typ, byte(r.f2 >> 24), byte(r.f2 >> 16), byte(r.f2 >> 8), byte(r.f2), byte(r.f3 >> 8), byte(r.f3)})
		idx = append(idx, fmt.Sprintf("%d 1", r.id))
	}
	return b.Bytes(), "[" + strings.Join(idx, " ") + "]"
}

// docState reads what an update needs from doc: the next free object
// number, the catalog's reference, and the offset of the newest
// cross-reference section.
func docState(t testing.TB, doc []byte) (size int, root string, prev int) {
	t.Helper()
	rdr, err := openPDF(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	tr := rdr.Trailer()
	size = max(int(tr.Key("Size").Int64()), len(rdr.Xref()))
	p, ok := tr.KeyRef("Root")
	if !ok {
		t.Fatal("the trailer's /Root is not a reference")
	}
	m := startxrefTail.FindSubmatch(doc)
	if m == nil {
		t.Fatal("no startxref at the end")
	}
	prev, _ = strconv.Atoi(string(m[1]))
	return size, fmt.Sprintf("%d %d R", p.GetID(), p.GetGen()), prev
}

// writeObjects appends u's objects to b: the plain ones, then an object
// stream (number stm) holding the packed ones. It returns the rows of a
// cross-reference stream for them.
func writeObjects(b *bytes.Buffer, u update, stm int) []xrefRow {
	var rows []xrefRow
	ids := func(m map[int]string) []int {
		var out []int
		for id := range m {
			out = append(out, id)
		}
		slices.Sort(out)
		return out
	}
	for _, id := range ids(u.plain) {
		rows = append(rows, xrefRow{id, 1, b.Len(), 0})
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", id, u.plain[id])
	}
	if len(u.packed) > 0 {
		var hdr, body bytes.Buffer
		n := 0
		for _, id := range ids(u.shadow) {
			fmt.Fprintf(&hdr, "%d %d ", id, body.Len())
			body.WriteString(u.shadow[id] + "\n")
			n++
		}
		for _, id := range ids(u.packed) {
			fmt.Fprintf(&hdr, "%d %d ", id, body.Len())
			body.WriteString(u.packed[id] + "\n")
			rows = append(rows, xrefRow{id, 2, stm, n})
			n++
		}
		rows = append(rows, xrefRow{stm, 1, b.Len(), 0})
		fmt.Fprintf(b, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n%s%s\nendstream\nendobj\n",
			stm, n, hdr.Len(), hdr.Len()+body.Len(), hdr.String(), body.String())
	}
	return rows
}

// appendHybridUpdate appends u as a hybrid-reference update (ISO 32000-1,
// 7.5.8.4): a classic cross-reference section with no entries, whose
// trailer's /XRefStm names a cross-reference stream listing u's objects.
// A reader that ignores /XRefStm sees no change at all.
func appendHybridUpdate(t testing.TB, doc []byte, u update) []byte {
	t.Helper()
	size, root, prev := docState(t, doc)
	stm, xs := size, size+1
	var b bytes.Buffer
	b.Write(doc)
	if doc[len(doc)-1] != '\n' {
		b.WriteByte('\n')
	}
	rows := writeObjects(&b, u, stm)
	xsOff := b.Len()
	rows = append(rows, xrefRow{xs, 1, xsOff, 0})
	n := size + 2
	for _, r := range rows {
		n = max(n, r.id+1)
	}
	data, index := xrefStreamData(rows)
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index %s /Length %d >>\nstream\n", xs, n, index, len(data))
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 0\ntrailer\n<< /Size %d /Root %s /Prev %d /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", n, root, prev, xsOff, xref)
	return b.Bytes()
}

// appendStreamUpdate appends u as an update whose cross-reference section
// is a stream, whatever the kind of the previous section (/Prev may point
// to a classic table).
func appendStreamUpdate(t testing.TB, doc []byte, u update) []byte {
	t.Helper()
	size, root, prev := docState(t, doc)
	stm, xs := size, size+1
	var b bytes.Buffer
	b.Write(doc)
	if doc[len(doc)-1] != '\n' {
		b.WriteByte('\n')
	}
	rows := writeObjects(&b, u, stm)
	xsOff := b.Len()
	rows = append(rows, xrefRow{xs, 1, xsOff, 0})
	n := size + 2
	for _, r := range rows {
		n = max(n, r.id+1)
	}
	data, index := xrefStreamData(rows)
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /Root %s /Prev %d /W [1 4 2] /Index %s /Length %d >>\nstream\n", xs, n, root, prev, index, len(data))
	b.Write(data)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xsOff)
	return b.Bytes()
}

// forgedText is what an attacker makes page 1 say.
const forgedText = "QUYET DINH THU HOI GIAY PHEP"

func contentStream(s string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

// forgedPage returns objects that replace page ref (object page, whose
// parent is parent) by a page showing forgedText: the page dictionary
// (packed in an object stream if packed), its content and its font, as
// new objects from next.
func forgedPage(page, parent, next int, packed bool) update {
	u := update{plain: map[int]string{}, packed: map[int]string{}}
	dict := fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", parent, next, next+1)
	if packed {
		u.packed[page] = dict
		u.packed[next] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	} else {
		u.plain[page] = dict
		u.plain[next] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	}
	u.plain[next+1] = contentStream("BT /F1 18 Tf 72 760 Td (" + forgedText + ") Tj ET")
	return u
}

// firstPage returns the object numbers of doc's first page and its parent.
func firstPage(t testing.TB, doc []byte) (page, parent int) {
	t.Helper()
	rdr, err := openPDF(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	kids := rdr.Trailer().Key("Root").Key("Pages")
	for depth := 0; depth < 32; depth++ {
		p, ok := kids.Key("Kids").IndexRef(0)
		if !ok {
			t.Fatal("the page tree's first kid is not a reference")
		}
		node := kids.Key("Kids").Index(0)
		if node.Key("Type").Name() == "Page" {
			par, _ := node.KeyRef("Parent")
			return int(p.GetID()), int(par.GetID())
		}
		kids = node
	}
	t.Fatal("no first page")
	return 0, 0
}

// viewerText returns the text poppler's pdftotext extracts from page 1 of
// doc.
func viewerText(t testing.TB, doc []byte) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(name, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-f", "1", "-l", "1", name, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

// qpdfCheck runs qpdf --check on doc and returns its output; a file qpdf
// has to repair says "reconstruct".
func qpdfCheck(t testing.TB, doc []byte) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(name, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("qpdf", "--check", name).CombinedOutput()
	return string(out)
}

// qpdfObject returns qpdf's rendering of object id of doc.
func qpdfObject(t testing.TB, doc []byte, id int) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(name, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("qpdf", "--show-object="+strconv.Itoa(id), "--filtered-stream-data", name).CombinedOutput()
	if err != nil {
		t.Fatalf("qpdf --show-object=%d: %v: %s", id, err, out)
	}
	return string(out)
}

// TestCrossReferenceAttacks appends incremental updates that only a reader
// of every kind of cross-reference section sees: a hybrid-reference update
// (an empty classic section whose /XRefStm stream redefines page 1), an
// update with a cross-reference stream whose /Prev points to the classic
// table before it and whose object stream redefines page 1, and a classic
// update that ends at startxref without %%EOF. poppler and
// qpdf show the forged page (checked here with pdftotext and qpdf, so the
// attack is real); no signature may be TOTAL_PASSED. Honest controls made
// the same way but changing nothing a viewer shows stay TOTAL_PASSED.
func TestCrossReferenceAttacks(t *testing.T) {
	p := getPKI(t)
	signed := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	certified := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT, Certify: 1})
	// testpdf.Make: 1 catalog, 2 pages, 3 font, 4 content of page 1,
	// 5 page 1.
	next := func(doc []byte) int { n, _, _ := docState(t, doc); return n + 2 }
	tests := []struct {
		name      string
		doc       []byte
		attack    func(doc []byte) []byte
		forged    bool // page 1 shows forgedText
		revisions int  // if not 0, the revisions of the attack document
	}{
		{
			name: "hybrid /XRefStm: page content replaced",
			doc:  signed,
			attack: func(doc []byte) []byte {
				return appendHybridUpdate(t, doc, update{plain: map[int]string{4: contentStream("BT /F1 18 Tf 72 760 Td (" + forgedText + ") Tj ET")}})
			},
			forged: true,
		},
		{
			name: "hybrid /XRefStm: page dictionary replaced",
			doc:  signed,
			attack: func(doc []byte) []byte {
				return appendHybridUpdate(t, doc, forgedPage(5, 2, next(doc), false))
			},
			forged: true,
		},
		{
			name: "hybrid /XRefStm: page dictionary in an object stream",
			doc:  signed,
			attack: func(doc []byte) []byte {
				return appendHybridUpdate(t, doc, forgedPage(5, 2, next(doc), true))
			},
			forged: true,
		},
		{
			name: "hybrid /XRefStm on a certification with DocMDP P=1",
			doc:  certified,
			attack: func(doc []byte) []byte {
				return appendHybridUpdate(t, doc, forgedPage(5, 2, next(doc), true))
			},
			forged: true,
		},
		{
			name: "xref stream after a table, page dictionary in an object stream",
			doc:  signed,
			attack: func(doc []byte) []byte {
				return appendStreamUpdate(t, doc, forgedPage(5, 2, next(doc), true))
			},
			forged: true,
		},
		{
			// The signed page dictionary first, the forged one second:
			// read by number, the first copy makes the page look
			// unchanged; qpdf takes the last, poppler the one at the
			// cross-reference entry's index.
			name: "object stream listing page 1 twice",
			doc:  signed,
			attack: func(doc []byte) []byte {
				u := forgedPage(5, 2, next(doc), true)
				u.shadow = map[int]string{5: objectBody(t, doc, 5)}
				return appendStreamUpdate(t, doc, u)
			},
			forged: true,
		},
		{
			name: "classic update without %%EOF",
			doc:  signed,
			attack: func(doc []byte) []byte {
				doc = appendUpdate(t, doc, map[int]string{4: contentStream("BT /F1 18 Tf 72 760 Td (" + forgedText + ") Tj ET")})
				return doc[:bytes.LastIndex(doc, []byte("%%EOF"))]
			},
			forged:    true,
			revisions: 3,
		},
		{
			name: "xref stream after a table on DocMDP P=1, page content replaced",
			doc:  certified,
			attack: func(doc []byte) []byte {
				return appendStreamUpdate(t, doc, update{plain: map[int]string{4: contentStream("BT /F1 18 Tf 72 760 Td (" + forgedText + ") Tj ET")}})
			},
			forged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.attack(tt.doc)
			if check := qpdfCheck(t, doc); strings.Contains(check, "reconstruct") {
				t.Fatalf("qpdf repairs the attack document, so it is not well-formed: %s", check)
			}
			if text := viewerText(t, doc); strings.Contains(text, forgedText) != tt.forged {
				t.Fatalf("pdftotext shows %q; want the forged text: %v", text, tt.forged)
			}
			rep := verifyPDF(t, doc, p.trusted())
			s := sigOf(t, rep, 0)
			if rep.Valid || s.Indication == TotalPassed {
				t.Fatalf("a forged page passes: %s", dump(rep))
			}
			if s.Indication != TotalFailed || s.SubIndication != ChangedAfterSigning {
				t.Errorf("got %s/%s (%s), want TOTAL_FAILED/CHANGED_AFTER_SIGNING", s.Indication, s.SubIndication, s.Detail)
			}
			if tt.revisions != 0 && s.Revisions != tt.revisions {
				t.Errorf("%d revisions, want %d", s.Revisions, tt.revisions)
			}
		})
	}

	// Honest controls: the same kinds of update adding an object nothing
	// uses.
	for name, add := range map[string]func(doc []byte, u update) []byte{
		"hybrid /XRefStm": func(doc []byte, u update) []byte { return appendHybridUpdate(t, doc, u) },
		"xref stream":     func(doc []byte, u update) []byte { return appendStreamUpdate(t, doc, u) },
	} {
		t.Run("control: "+name, func(t *testing.T) {
			n := next(signed)
			doc := add(signed, update{plain: map[int]string{n: "<< /Note (unused) >>"}, packed: map[int]string{n + 1: "<< /Note (unused too) >>"}})
			if check := qpdfCheck(t, doc); strings.Contains(check, "reconstruct") || !strings.Contains(check, "No syntax or stream encoding errors") {
				t.Fatalf("qpdf --check: %s", check)
			}
			rep := verifyPDF(t, doc, p.trusted())
			if s := sigOf(t, rep, 0); !rep.Valid || s.Indication != TotalPassed {
				t.Errorf("got %s/%s (%s), want TOTAL_PASSED", s.Indication, s.SubIndication, s.Detail)
			}
		})
	}
}

// TestCrossReferenceAttacksVietnamese makes the same attacks on the
// Vietnamese Government's and Hanoi's signed documents (the Hanoi decision
// has seven signatures and is itself a hybrid-reference file): page 1 is
// replaced and every signature must stop being TOTAL_PASSED.
func TestCrossReferenceAttacksVietnamese(t *testing.T) {
	dir := realworldDir(t)
	roots, inter, err := LoadTrustDir(filepath.Join(dir, "roots"))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, vnZone) }
	opts := Options{Roots: roots, Intermediates: inter, Now: now}
	files := []string{"vn-nom-vn/hanoi_qd_2280_water.pdf", "vn-sus_agri_mekong/222-ttg.signed.pdf"}
	kinds := map[string]func(t testing.TB, doc []byte, u update) []byte{
		"hybrid /XRefStm": appendHybridUpdate,
		"xref stream":     appendStreamUpdate,
	}
	for _, file := range files {
		orig, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		page, parent := firstPage(t, orig)
		for kind, add := range kinds {
			for _, packed := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/packed=%v", file, kind, packed), func(t *testing.T) {
					n, _, _ := docState(t, orig)
					doc := add(t, orig, forgedPage(page, parent, n+2, packed))
					if check := qpdfCheck(t, doc); strings.Contains(check, "reconstruct") {
						t.Fatalf("qpdf repairs the attack document: %s", check)
					}
					if text := viewerText(t, doc); !strings.Contains(text, forgedText) {
						t.Fatalf("pdftotext shows %q, not the forged page", text)
					}
					if obj := qpdfObject(t, doc, page); !strings.Contains(obj, fmt.Sprintf("/Contents %d 0 R", n+3)) {
						t.Fatalf("qpdf shows page 1 as %s, not the forged page", obj)
					}
					rep := verifyPDF(t, doc, opts)
					if rep.Valid || len(rep.Signatures) == 0 {
						t.Fatalf("valid %v with %d signatures", rep.Valid, len(rep.Signatures))
					}
					for i, s := range rep.Signatures {
						if s.Indication != TotalFailed || s.SubIndication != ChangedAfterSigning {
							t.Errorf("signature %d (%s): %s/%s (%s), want TOTAL_FAILED/CHANGED_AFTER_SIGNING", i, s.Field, s.Indication, s.SubIndication, s.Detail)
						}
					}
				})
			}
		}
	}
}

// TestAmbiguousRevisions: files whose reading through their
// cross-reference data is not the only one a viewer may make. A signature
// followed by such a revision is never TOTAL_PASSED.
func TestAmbiguousRevisions(t *testing.T) {
	p := getPKI(t)
	signed := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	n, _, _ := docState(t, signed)
	forged := forgedPage(5, 2, n+2, true)
	t.Run("definition after the last %%EOF", func(t *testing.T) {
		// The cross-reference data still leads to the signed page; a
		// viewer that rebuilds the table (as for any damage it finds)
		// takes the later definition.
		doc := append(bytes.Clone(signed), []byte("5 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n")...)
		rep := verifyPDF(t, doc, p.trusted())
		s := sigOf(t, rep, 0)
		if s.Indication != Indeterminate || s.SubIndication != AmbiguousRevision || rep.Valid {
			t.Errorf("got %s/%s (%s), want INDETERMINATE/%s", s.Indication, s.SubIndication, s.Detail, AmbiguousRevision)
		}
		if !strings.Contains(s.Detail, "object 5") {
			t.Errorf("detail %q does not name object 5", s.Detail)
		}
	})
	t.Run("free entry for page 1's content", func(t *testing.T) {
		// qpdf reads the freed object as null; poppler, finding a
		// reference to it, rebuilds the table and shows it again.
		_, root, prev := docState(t, signed)
		var b bytes.Buffer
		b.Write(signed)
		x := b.Len()
		fmt.Fprintf(&b, "xref\n4 1\n0000000000 00001 f \ntrailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", n, root, prev, x)
		doc := b.Bytes()
		if obj := qpdfObject(t, doc, 4); !strings.Contains(obj, "null") {
			t.Fatalf("qpdf reads object 4 as %s, want null", obj)
		}
		if text := viewerText(t, doc); !strings.Contains(text, "Trang 1 / Page 1") {
			t.Fatalf("pdftotext shows %q, want page 1 as signed", text)
		}
		rep := verifyPDF(t, doc, p.trusted())
		s := sigOf(t, rep, 0)
		if rep.Valid || s.Indication == TotalPassed {
			t.Fatalf("passes: %s", dump(rep))
		}
		if !hasWarning(s, "cannot be read unambiguously") && s.SubIndication != AmbiguousRevision {
			t.Errorf("%s/%s (%s), warnings %q: the ambiguity is not reported", s.Indication, s.SubIndication, s.Detail, s.Warnings)
		}
	})
	t.Run("broken /Prev, page dictionary in an object stream", func(t *testing.T) {
		// The update cannot be followed to the signed revision: readers
		// rebuild the table, and only a rebuild that reads object
		// streams finds the forged page dictionary.
		doc := appendStreamUpdate(t, signed, forged)
		_, _, prev := docState(t, signed)
		doc = bytes.Replace(doc, []byte(fmt.Sprintf("/Prev %d ", prev)), []byte(fmt.Sprintf("/Prev %d ", prev+7)), 1)
		if check := qpdfCheck(t, doc); !strings.Contains(check, "reconstruct") {
			t.Fatalf("qpdf reads the damaged file without repairing it: %s", check)
		}
		rep := verifyPDF(t, doc, p.trusted())
		s := sigOf(t, rep, 0)
		if rep.Valid || s.Indication == TotalPassed {
			t.Fatalf("a forged page passes: %s", dump(rep))
		}
		page := false
		for _, c := range s.ChangesAfter {
			page = page || c.Kind == ChangePageContent && strings.Contains(c.Detail, "page 1") && !c.Allowed
		}
		if !page {
			t.Errorf("changes_after %+v does not name page 1: the rebuilt reading missed the object stream", s.ChangesAfter)
		}
		if !hasWarning(s, "cannot be read unambiguously") {
			t.Errorf("warnings %q do not say the document is ambiguous", s.Warnings)
		}
	})
}
