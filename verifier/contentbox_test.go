package verifier

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/digitorus/pdf"
	"github.com/kyso-vn/kyso/internal/testpdf"
)

var (
	popplerWord = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)
	popplerPage = regexp.MustCompile(`<page width="([0-9.]+)" height="([0-9.]+)">`)
)

// TestContentBoxesCoverPopplerWords checks the content reader against
// poppler's pdftotext: on the first three pages of the first revision of
// every file of the real-world corpus, every word poppler finds lies
// within what kyso reads as drawn (the middle of the word's box overlaps
// a text or image box, or an annotation's rectangle, whose appearance
// poppler also reads). The overlap rule is only as good as this.
func TestContentBoxesCoverPopplerWords(t *testing.T) {
	all, _ := filepath.Glob(filepath.Join(realworldDir(t), "*", "*.pdf"))
	total := 0
	for _, name := range all {
		doc, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		ends := revisionEnds(bytes.NewReader(doc), doc, int64(len(doc)))
		if len(ends) == 0 {
			t.Fatalf("%s: no revision", name)
		}
		first := doc[:ends[0]]
		rdr, err := openPDF(bytes.NewReader(first), int64(len(first)))
		if err != nil {
			// A first revision that does not stand alone (a /Prev into a
			// later one): the whole file.
			first = doc
			rdr = mustOpen(t, doc)
		}
		file := filepath.Join(t.TempDir(), "rev1.pdf")
		if err := os.WriteFile(file, first, 0o600); err != nil {
			t.Fatal(err)
		}
		for i, id := range mapRoles(rdr).pages {
			if i == 3 {
				break
			}
			page, err := rdr.GetObject(id)
			if err != nil {
				t.Fatal(err)
			}
			d := pageDrawn(page, ops())
			if d.whole {
				t.Errorf("%s page %d: content not read", name, i+1)
				continue
			}
			boxes := d.boxes
			annots := page.Key("Annots")
			for j := 0; j < annots.Len(); j++ {
				if b, ok := rectBox(annots.Index(j).Key("Rect")); ok {
					boxes = append(boxes, b)
				}
			}
			out, err := exec.Command("pdftotext", "-bbox", "-f", fmt.Sprint(i+1), "-l", fmt.Sprint(i+1), file, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext %s: %v", name, err)
			}
			h, _ := strconv.ParseFloat(string(popplerPage.FindSubmatch(out)[2]), 64)
			origin, _ := rectBox(inherited(page, "MediaBox"))
			if cb, ok := rectBox(inherited(page, "CropBox")); ok {
				origin = cb
			}
			if r := inherited(page, "Rotate").Int64(); r%360 != 0 {
				t.Fatalf("%s page %d: rotated pages are not compared", name, i+1)
			}
			for _, m := range popplerWord.FindAllSubmatch(out, -1) {
				var v [4]float64
				for k := range v {
					v[k], _ = strconv.ParseFloat(string(m[k+1]), 64)
				}
				w := box{v[0] + origin.x0, h - v[3] + origin.y0, v[2] + origin.x0, h - v[1] + origin.y0}
				dx, dy := (w.x1-w.x0)*0.3, (w.y1-w.y0)*0.3
				w = box{w.x0 + dx, w.y0 + dy, w.x1 - dx, w.y1 - dy}
				total++
				found := false
				for _, b := range boxes {
					if b.overlaps(w, 0) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("%s page %d: poppler's word %q at %v is not in what kyso reads as drawn", name, i+1, m[5], w)
				}
			}
		}
	}
	if total < 5000 {
		t.Errorf("%d words compared, want the corpus's thousands", total)
	}
}

// ops returns a document's operator budget.
func ops() *int {
	n := maxDocContentOps
	return &n
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// lexAll returns the tokens of content s, or the error that ends them.
func lexAll(s string) ([]cTok, error) {
	l := &contentLexer{r: bufioReader(s)}
	var out []cTok
	for {
		t, err := l.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
}

// TestContentLexer reads the token forms of ISO 32000-1, 7.2 and 7.3.
func TestContentLexer(t *testing.T) {
	toks, err := lexAll(`(a\(b\)c\\ \101\n\
d) <48 65 6c6C6f7> /Na#6de [1 -2.5 .5 (x) [/y]] << /K (v) /L [1] >> % comment
Tj`)
	if err != nil {
		t.Fatal(err)
	}
	want := []cTok{
		{kind: cStr, s: "a(b)c\\ A\nd"},
		{kind: cStr, s: "Hellop"},
		{kind: cName, s: "Name"},
	}
	if len(toks) != 6 {
		t.Fatalf("%d tokens %+v, want 6", len(toks), toks)
	}
	for i, w := range want {
		if toks[i].kind != w.kind || toks[i].s != w.s {
			t.Errorf("token %d = %+v, want %+v", i, toks[i], w)
		}
	}
	if a := toks[3]; a.kind != cArray || len(a.arr) != 5 || a.arr[1].num != -2.5 || a.arr[2].num != 0.5 || a.arr[4].kind != cArray {
		t.Errorf("array = %+v", a)
	}
	if toks[4].kind != cDict || toks[5].kind != cOp || toks[5].s != "Tj" {
		t.Errorf("dictionary and operator = %+v %+v", toks[4], toks[5])
	}
	for _, bad := range []string{"(unterminated", "<4g>", "[1 2", ")", strings.Repeat("[", maxNesting+1)} {
		if _, err := lexAll(bad); err == nil {
			t.Errorf("lex %q: no error", bad)
		}
	}
}

// pageWith returns the page of a one-page PDF whose content streams are
// contents and whose page dictionary has the extra entries.
func pageWith(t testing.TB, extra string, objs map[int]string, contents ...string) pdf.Value {
	t.Helper()
	doc := testpdf.Make(1, 0)
	upd := map[int]string{}
	for k, v := range objs {
		upd[k] = v
	}
	var refs []string
	for i, c := range contents {
		upd[20+i] = plainStream(c)
		refs = append(refs, fmt.Sprintf("%d 0 R", 20+i))
	}
	upd[5] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /XObject << /Im 10 0 R /Fm 11 0 R /Loop 12 0 R >> >> /Contents [" + strings.Join(refs, " ") + "] " + extra + " >>"
	doc = appendUpdate(t, doc, upd)
	page, err := mustOpen(t, doc).GetObject(5)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// TestPageDrawn reads what crafted pages draw.
func TestPageDrawn(t *testing.T) {
	image := "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x00\nendstream"
	formText := form("BT /Helv 20 Tf 0 0 Td (WWWWWWWWWWWWWWWWWWWW) Tj ET", 50, 50)
	loop := "<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Loop 12 0 R >> >> /Length 8 >>\nstream\n/Loop Do\nendstream"
	objs := map[int]string{10: image, 11: formText, 12: loop}
	tests := []struct {
		name     string
		contents []string
		in, out  []box // boxes that overlap what is drawn, and that do not
		whole    bool
	}{
		{
			name:     "text",
			contents: []string{"BT /F1 10 Tf 100 700 Td (Hello) Tj ET"},
			in:       []box{{110, 702, 112, 706}},
			out:      []box{{100, 650, 200, 690}, {200, 700, 300, 710}},
		},
		{
			name:     "text after cm, Tm, TJ and T*",
			contents: []string{"q 2 0 0 2 0 0 cm BT /F1 10 Tf 14 TL 1 0 0 1 50 300 Tm [(A) -5000 (B)] TJ T* (C) Tj ET Q"},
			in:       []box{{102, 602, 104, 606}, {214, 602, 218, 606}, {102, 574, 104, 578}},
			out:      []box{{150, 602, 180, 606}},
		},
		{
			name:     "operands across streams",
			contents: []string{"BT /F1 10 Tf 100 700 Td (Hello)", "Tj ET q 50 0 0 50 300 300 cm /Im", "Do Q"},
			in:       []box{{110, 702, 112, 706}, {320, 320, 330, 330}},
			out:      []box{{100, 300, 200, 400}},
		},
		{
			name:     "image and inline image",
			contents: []string{"q 100 0 0 100 50 50 cm /Im Do Q q 20 0 0 20 400 400 cm BI /W 1 /H 1 /CS /G /BPC 8 ID \x07EI\n EI Q"},
			in:       []box{{60, 60, 70, 70}, {405, 405, 410, 410}},
			out:      []box{{200, 200, 300, 300}},
		},
		{
			name:     "form XObject, clipped to its box",
			contents: []string{"q 1 0 0 1 300 300 cm /Fm Do Q"},
			in:       []box{{305, 305, 310, 310}},
			out:      []box{{360, 300, 500, 320}},
		},
		{
			name:     "invisible text",
			contents: []string{"BT 3 Tr /F1 10 Tf 100 700 Td (Hello) Tj ET"},
			out:      []box{{100, 690, 200, 720}},
		},
		{name: "a form that draws itself", contents: []string{"/Loop Do"}, whole: true},
		{name: "bad syntax", contents: []string{"BT (unterminated Tj ET"}, whole: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := pageDrawn(pageWith(t, "", objs, tt.contents...), ops())
			if d.whole != tt.whole {
				t.Fatalf("whole = %v, want %v (boxes %v)", d.whole, tt.whole, d.boxes)
			}
			checkDrawn(t, d, tt.in, tt.out)
		})
	}
}

// checkDrawn checks that d draws over every box of in and over none of
// out.
func checkDrawn(t *testing.T, d *drawn, in, out []box) {
	t.Helper()
	hit := func(b box) bool {
		for _, x := range d.boxes {
			if x.overlaps(b, 0) {
				return true
			}
		}
		return false
	}
	for _, b := range in {
		if !hit(b) {
			t.Errorf("%v is not drawn over; boxes %v", b, d.boxes)
		}
	}
	for _, b := range out {
		if hit(b) {
			t.Errorf("%v is drawn over; boxes %v", b, d.boxes)
		}
	}
}

// TestPageDrawnBounds: content that would take long to read is cut short
// and counts as drawing the whole page.
func TestPageDrawnBounds(t *testing.T) {
	many := strings.Repeat("q Q ", maxContentOps/2+10)
	if d := pageDrawn(pageWith(t, "", nil, many), ops()); !d.whole {
		t.Errorf("%d operators: whole = false", maxContentOps+20)
	}
	if d := pageDrawn(pageWith(t, "", nil, strings.Repeat("q ", maxSaveDepth+1)), ops()); !d.whole {
		t.Errorf("%d nested q: whole = false", maxSaveDepth+1)
	}
	operands := strings.Repeat("1 ", maxOperands+1) + "Tj"
	if d := pageDrawn(pageWith(t, "", nil, operands), ops()); !d.whole {
		t.Errorf("%d operands: whole = false", maxOperands+1)
	}
}

// TestPageDrawnFormDAG: forms that each draw the next one many times are
// read within the operator bound, and nesting deeper than maxFormDepth
// counts as the whole page.
func TestPageDrawnFormDAG(t *testing.T) {
	objs := map[int]string{}
	const first, levels = 30, 7
	for i := 0; i < levels; i++ {
		body := strings.Repeat("/Next Do ", 64)
		if i == levels-1 {
			body = "BT /Helv 10 Tf (x) Tj ET"
		}
		objs[first+i] = fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /Font << /Helv 3 0 R >> /XObject << /Next %d 0 R >> >> /Length %d >>\nstream\n%s\nendstream", first+i+1, len(body), body)
	}
	objs[11] = fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /Next %d 0 R >> >> /Length 8 >>\nstream\n/Next Do\nendstream", first)
	if d := pageDrawn(pageWith(t, "", objs, "/Fm Do"), ops()); !d.whole {
		t.Errorf("forms drawing each other 64 times, %d deep: whole = false", levels)
	}
	// A document's pages together spend one budget.
	left := 9
	if d := pageDrawn(pageWith(t, "", nil, "BT /F1 10 Tf 100 700 Td (a) Tj ET BT /F1 10 Tf 100 600 Td (b) Tj ET"), &left); !d.whole || left >= 0 {
		t.Errorf("10 operators with a budget of 9: whole = %v, left %d", d.whole, left)
	}
}
