package verifier

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/digitorus/pdf"
)

// Bounds of the reading of a page's content.
const (
	// maxContentOps bounds the operators interpreted for one page, its
	// form XObjects included.
	maxContentOps = 1 << 20
	// maxFormDepth bounds the nesting of form XObjects followed.
	maxFormDepth = 8
	// maxContentBoxes bounds the boxes kept for one page; past it the
	// whole page counts as drawn.
	maxContentBoxes = 1 << 16
	// maxWidthEntries bounds the glyph widths read from one font.
	maxWidthEntries = 1 << 16
	// maxSaveDepth bounds the graphics states saved (q) at once.
	maxSaveDepth = 256
	// maxFormCalls bounds the form XObjects drawn on one page.
	maxFormCalls = 4096
	// maxDocContentOps bounds the operators read for all the pages of one
	// document (pages with marks only are read); past it, every page
	// still to read counts as drawn whole.
	maxDocContentOps = 1 << 23
)

// box is a rectangle in a page's default user space, x0 ≤ x1 and y0 ≤ y1.
type box struct{ x0, y0, x1, y1 float64 }

func (b box) intersect(c box) box {
	return box{math.Max(b.x0, c.x0), math.Max(b.y0, c.y0), math.Min(b.x1, c.x1), math.Min(b.y1, c.y1)}
}

func (b box) union(c box) box {
	return box{math.Min(b.x0, c.x0), math.Min(b.y0, c.y0), math.Max(b.x1, c.x1), math.Max(b.y1, c.y1)}
}

// overlaps reports whether b and c share an area more than tol points
// wide and high: boxes that only touch, or overlap by a hair, do not.
func (b box) overlaps(c box, tol float64) bool {
	i := b.intersect(c)
	return i.x1-i.x0 > tol && i.y1-i.y0 > tol
}

func (b box) String() string {
	return fmt.Sprintf("[%.0f %.0f %.0f %.0f]", b.x0, b.y0, b.x1, b.y1)
}

// rectBox reads a PDF rectangle (ISO 32000-1, 7.9.5), in either corner
// order.
func rectBox(v pdf.Value) (box, bool) {
	if v.Kind() != pdf.Array || v.Len() != 4 {
		return box{}, false
	}
	var n [4]float64
	for i := range n {
		e := v.Index(i)
		if e.Kind() != pdf.Integer && e.Kind() != pdf.Real {
			return box{}, false
		}
		n[i] = e.Float64()
		if math.IsNaN(n[i]) || math.IsInf(n[i], 0) {
			return box{}, false
		}
	}
	return box{math.Min(n[0], n[2]), math.Min(n[1], n[3]), math.Max(n[0], n[2]), math.Max(n[1], n[3])}, true
}

// mat is a transformation matrix [a b c d e f] (ISO 32000-1, 8.3.4).
type mat [6]float64

var identityMat = mat{1, 0, 0, 1, 0, 0}

// then returns the transformation m followed by n.
func (m mat) then(n mat) mat {
	return mat{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m mat) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// boxOf returns the bounding box of b transformed by m.
func (m mat) boxOf(b box) box {
	x, y := m.apply(b.x0, b.y0)
	out := box{x, y, x, y}
	for _, p := range [][2]float64{{b.x1, b.y0}, {b.x0, b.y1}, {b.x1, b.y1}} {
		x, y := m.apply(p[0], p[1])
		out = out.union(box{x, y, x, y})
	}
	return out
}

// matOf reads a matrix written as an array.
func matOf(v pdf.Value) (mat, bool) {
	if v.Kind() != pdf.Array || v.Len() != 6 {
		return mat{}, false
	}
	var m mat
	for i := range m {
		e := v.Index(i)
		if e.Kind() != pdf.Integer && e.Kind() != pdf.Real {
			return mat{}, false
		}
		if m[i] = e.Float64(); math.IsNaN(m[i]) || math.IsInf(m[i], 0) {
			return mat{}, false
		}
	}
	return m, true
}

// matArgs reads a matrix given as six operands.
func matArgs(args []cTok) (mat, bool) {
	if len(args) != 6 {
		return mat{}, false
	}
	var m mat
	for i, e := range args {
		if e.kind != cNum || math.IsInf(e.num, 0) {
			return mat{}, false
		}
		m[i] = e.num
	}
	return m, true
}

// fontMetrics is what the content reading needs of a font: how codes are
// read from a string and how wide and high their glyphs are, in text space
// units per unit of font size.
type fontMetrics struct {
	twoByte  bool // a composite font read two bytes per code
	vertical bool // a composite font written vertically
	first    int
	widths   []float64
	cids     map[int]float64
	missing  float64
	asc      float64
	desc     float64
	// type3 is a Type 3 font's dictionary, glyphs what its glyph
	// procedures draw (type3Glyph), by code, in glyph space.
	type3  pdf.Value
	glyphs map[int]*drawn
}

// defaultFont stands for a font that is missing or cannot be read: wide
// glyphs, so that its text is not underestimated.
var defaultFont = &fontMetrics{missing: 1, asc: 1, desc: -0.3}

func (f *fontMetrics) width(code int) float64 {
	if f.cids != nil {
		if w, ok := f.cids[code]; ok {
			return w
		}
		return f.missing
	}
	if i := code - f.first; i >= 0 && i < len(f.widths) {
		return f.widths[i]
	}
	return f.missing
}

// readFont reads the metrics of a font dictionary (ISO 32000-1, 9.6-9.7):
// /FirstChar and /Widths of a simple font, /W and /DW of a composite
// font's descendant, the descriptor's /Ascent and /Descent, a Type 3
// font's /FontMatrix. A simple font without /Widths (one of the standard
// 14) gets 0.6 em per glyph, about their average.
func readFont(font pdf.Value) *fontMetrics {
	if font.Kind() != pdf.Dict {
		return defaultFont
	}
	f := &fontMetrics{missing: 0.6, asc: 0.8, desc: -0.25}
	scale := 0.001
	desc := font.Key("FontDescriptor")
	switch font.Key("Subtype").Name() {
	case "Type0":
		f.twoByte = true
		f.vertical = font.Key("Encoding").Name() == "Identity-V"
		d := font.Key("DescendantFonts").Index(0)
		desc = d.Key("FontDescriptor")
		f.missing = 1
		if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.missing = dw.Float64() * scale
		}
		f.cids = map[int]float64{}
		w := d.Key("W")
		for i, n := 0, 0; i < w.Len() && n < maxWidthEntries; {
			c := int(w.Index(i).Int64())
			next := w.Index(i + 1)
			if next.Kind() == pdf.Array {
				for j := 0; j < next.Len() && n < maxWidthEntries; j++ {
					f.cids[c+j] = next.Index(j).Float64() * scale
					n++
				}
				i += 2
				continue
			}
			last, width := int(next.Int64()), w.Index(i+2).Float64()*scale
			for c2 := c; c2 <= last && n < maxWidthEntries; c2++ {
				f.cids[c2] = width
				n++
			}
			i += 3
		}
	case "Type3":
		if m, ok := matOf(font.Key("FontMatrix")); ok {
			scale = math.Abs(m[0])
		}
		f.type3, f.glyphs = font, map[int]*drawn{}
		fallthrough
	default:
		f.first = int(font.Key("FirstChar").Int64())
		ws := font.Key("Widths")
		for i := 0; i < ws.Len() && i < maxWidthEntries; i++ {
			f.widths = append(f.widths, ws.Index(i).Float64()*scale)
		}
		if mw := desc.Key("MissingWidth"); mw.Kind() == pdf.Integer || mw.Kind() == pdf.Real {
			f.missing = mw.Float64() * scale
		} else if len(f.widths) > 0 {
			f.missing = 1
		}
	}
	if a := desc.Key("Ascent").Float64() / 1000; a > 0 && a <= 2 {
		f.asc = a
	}
	if d := desc.Key("Descent").Float64() / 1000; d < 0 && d >= -1 {
		f.desc = d
	}
	return f
}

// textState is the text state of the graphics state (ISO 32000-1, 9.3).
type textState struct {
	tc, tw, th, tl, tfs, rise float64
	mode                      int
	font                      *fontMetrics
}

type graphicsState struct {
	ctm mat
	ts  textState
	// fillShows and strokeShows: the fill or stroke colour is a tiling
	// pattern whose cell draws text or images (patternShows).
	fillShows, strokeShows bool
}

// drawn is what a page's content draws, for the overlap rule: the boxes
// of its text and images. whole means the content could not be read to
// the end, and the whole page is to be taken as drawn.
type drawn struct {
	boxes []box
	whole bool
}

// contentReader reads a page's content streams for the boxes of what they
// draw. It reads text (each text-showing operator a box from its origin to
// its advance, between the font's descent and ascent), images (the unit
// square under the current matrix; inline images too) and form XObjects
// (recursively, clipped to their /BBox). Paths and shadings are not read:
// form fields sit in boxes drawn with paths, and counting those would make
// every honest form fill an overlap.
type contentReader struct {
	out   *drawn
	g     graphicsState
	stack []graphicsState
	tm    mat
	tlm   mat
	res   pdf.Value
	fonts map[uintptr]*fontMetrics
	forms map[uintptr]bool
	depth int
	ops   int
	calls int
	// left is what remains of the document's operator budget.
	left *int
	// path is the bounding box of the current path in default user
	// space, and whether it has a point.
	path    box
	hasPath bool
}

// inherited returns a page attribute, from the page or its ancestors (ISO
// 32000-1, 7.7.3.4).
func inherited(page pdf.Value, key string) pdf.Value {
	for i := 0; i < maxPageDepth && page.Kind() == pdf.Dict; i++ {
		if v := page.Key(key); !v.IsNull() {
			return v
		}
		page = page.Key("Parent")
	}
	return pdf.Value{}
}

// pageDrawn reads what page draws, spending the document's operator
// budget left.
func pageDrawn(page pdf.Value, left *int) (out *drawn) {
	c := &contentReader{
		left:  left,
		out:   &drawn{},
		g:     graphicsState{ctm: identityMat, ts: textState{th: 1, font: defaultFont}},
		tm:    identityMat,
		tlm:   identityMat,
		res:   inherited(page, "Resources"),
		fonts: map[uintptr]*fontMetrics{},
		forms: map[uintptr]bool{},
	}
	defer func() {
		if recover() != nil {
			out = &drawn{whole: true}
		}
	}()
	contents := page.Key("Contents")
	if contents.Kind() == pdf.Array {
		var streams []pdf.Value
		for i := 0; i < contents.Len(); i++ {
			streams = append(streams, contents.Index(i))
		}
		c.run(streams...)
	} else {
		c.run(contents)
	}
	return c.out
}

// run interprets content streams as one (a page's streams are one
// content, ISO 32000-1, 7.8.2). Content that cannot be read to the end
// (bad syntax, a filter digitorus/pdf does not know, a limit) makes the
// whole page count as drawn.
func (c *contentReader) run(streams ...pdf.Value) {
	var readers []io.Reader
	for _, s := range streams {
		if s.Kind() != pdf.Stream {
			if !s.IsNull() {
				c.out.whole = true
				return
			}
			continue
		}
		rc := s.Reader()
		defer rc.Close()
		readers = append(readers, rc, strings.NewReader("\n"))
	}
	l := &contentLexer{r: bufio.NewReader(io.MultiReader(readers...))}
	var args []cTok
	for !c.out.whole {
		t, err := l.next()
		if err == io.EOF {
			return
		}
		if err != nil || t.kind == cClose {
			c.out.whole = true
			return
		}
		if t.kind != cOp || t.s == "true" || t.s == "false" || t.s == "null" {
			if args = append(args, t); len(args) > maxOperands {
				c.out.whole = true
			}
			continue
		}
		if *c.left--; *c.left < 0 {
			c.out.whole = true
			return
		}
		if c.ops++; c.ops > maxContentOps || len(c.out.boxes) > maxContentBoxes {
			c.out.whole = true
			return
		}
		c.op(t.s, args)
		args = args[:0]
		if t.s == "ID" && l.skipInlineImage() != nil {
			c.out.whole = true
		}
	}
}

func num(args []cTok, i int) float64 {
	if i >= len(args) || args[i].kind != cNum || math.IsInf(args[i].num, 0) {
		return 0
	}
	return args[i].num
}

func (c *contentReader) op(op string, args []cTok) {
	ts := &c.g.ts
	switch op {
	case "q":
		if len(c.stack) >= maxSaveDepth {
			c.out.whole = true
			return
		}
		c.stack = append(c.stack, c.g)
	case "Q":
		if n := len(c.stack); n > 0 {
			c.g = c.stack[n-1]
			c.stack = c.stack[:n-1]
		}
	case "cm":
		if m, ok := matArgs(args); ok {
			c.g.ctm = m.then(c.g.ctm)
		}
	case "BT":
		c.tm, c.tlm = identityMat, identityMat
	case "Tc":
		ts.tc = num(args, 0)
	case "Tw":
		ts.tw = num(args, 0)
	case "Tz":
		ts.th = num(args, 0) / 100
	case "TL":
		ts.tl = num(args, 0)
	case "Ts":
		ts.rise = num(args, 0)
	case "Tr":
		ts.mode = int(num(args, 0))
	case "Tf":
		if len(args) == 2 {
			ts.font = c.font(args[0].s)
			ts.tfs = num(args, 1)
		}
	case "gs":
		// An ExtGState's /Font [font size] sets the text font and size
		// as Tf does (ISO 32000-1, 8.4.5); text shown after it was read
		// in the previous Tf's size (attacksuite's gsFont).
		if len(args) == 1 {
			if f := c.res.Key("ExtGState").Key(args[0].s).Key("Font"); f.Kind() == pdf.Array && f.Len() == 2 {
				ts.font = c.fontOf(f.Index(0))
				if sz := f.Index(1); sz.Kind() == pdf.Integer || sz.Kind() == pdf.Real {
					ts.tfs = sz.Float64()
				}
			}
		}
	case "Td":
		c.moveLine(num(args, 0), num(args, 1))
	case "TD":
		ts.tl = -num(args, 1)
		c.moveLine(num(args, 0), num(args, 1))
	case "Tm":
		if m, ok := matArgs(args); ok {
			c.tm, c.tlm = m, m
		}
	case "T*":
		c.moveLine(0, -ts.tl)
	case "Tj":
		if len(args) == 1 {
			c.show(args[0].s)
		}
	case "'":
		c.moveLine(0, -ts.tl)
		if len(args) == 1 {
			c.show(args[0].s)
		}
	case "\"":
		if len(args) == 3 {
			ts.tw, ts.tc = num(args, 0), num(args, 1)
			c.moveLine(0, -ts.tl)
			c.show(args[2].s)
		}
	case "TJ":
		if len(args) != 1 {
			return
		}
		for _, e := range args[0].arr {
			if e.kind == cStr {
				c.show(e.s)
				continue
			}
			adj := -num([]cTok{e}, 0) / 1000 * ts.tfs
			if ts.font.vertical {
				c.tm = mat{1, 0, 0, 1, 0, adj}.then(c.tm)
			} else {
				c.tm = mat{1, 0, 0, 1, adj * ts.th, 0}.then(c.tm)
			}
		}
	case "Do":
		if len(args) == 1 {
			c.xobject(args[0].s)
		}
	case "m", "l", "c", "v", "y":
		for i := 0; i+1 < len(args); i += 2 {
			x, y := c.g.ctm.apply(num(args, i), num(args, i+1))
			c.pathAdd(box{x, y, x, y})
		}
	case "re":
		x, y := num(args, 0), num(args, 1)
		c.pathAdd(c.g.ctm.boxOf(box{x, y, x + num(args, 2), y + num(args, 3)}))
	case "f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "n":
		// A path painted with a tiling pattern that shows text or
		// images draws them wherever the path is (patternShows).
		fills := op != "S" && op != "s" && op != "n"
		strokes := op == "S" || op == "s" || op == "B" || op == "B*" || op == "b" || op == "b*"
		if c.hasPath && (fills && c.g.fillShows || strokes && c.g.strokeShows) {
			c.add(c.path)
		}
		c.hasPath = false
	case "scn", "SCN", "cs", "CS", "sc", "SC", "g", "G", "rg", "RG", "k", "K":
		shows := false
		if (op == "scn" || op == "SCN") && len(args) > 0 && args[len(args)-1].kind == cName {
			shows = c.patternShows(args[len(args)-1].s)
		}
		if op[0] >= 'a' { // scn, cs, sc, g, rg, k: the fill colour
			c.g.fillShows = shows
		} else {
			c.g.strokeShows = shows
		}
	case "ID":
		// An inline image (BI … ID data EI) fills the unit square.
		c.add(c.g.ctm.boxOf(box{0, 0, 1, 1}))
	}
}

func (c *contentReader) add(b box) {
	if !math.IsNaN(b.x0) && !math.IsNaN(b.y0) && !math.IsNaN(b.x1) && !math.IsNaN(b.y1) {
		c.out.boxes = append(c.out.boxes, b)
	}
}

func (c *contentReader) moveLine(tx, ty float64) {
	c.tlm = mat{1, 0, 0, 1, tx, ty}.then(c.tlm)
	c.tm = c.tlm
}

func (c *contentReader) font(name string) *fontMetrics {
	return c.fontOf(c.res.Key("Font").Key(name))
}

// fontOf returns the metrics of font dictionary fd, read once.
func (c *contentReader) fontOf(fd pdf.Value) *fontMetrics {
	id := identity(fd)
	if f, ok := c.fonts[id]; ok && id != 0 {
		return f
	}
	f := readFont(fd)
	if id != 0 {
		c.fonts[id] = f
	}
	return f
}

// show draws string s with the current font (ISO 32000-1, 9.4.4): one box
// over the glyphs, from the lowest to the highest position reached, and
// advances the text matrix.
func (c *contentReader) show(s string) {
	ts := &c.g.ts
	f := ts.font
	step := 1
	if f.twoByte {
		step = 2
	}
	pos, lo, hi := 0.0, 0.0, 0.0
	for i := 0; i+step <= len(s); i += step {
		code := int(s[i])
		if step == 2 {
			code = code<<8 | int(s[i+1])
		}
		w := f.width(code)
		var adv float64
		if f.vertical {
			adv = -ts.tfs + ts.tc
		} else {
			adv = w*ts.tfs + ts.tc
			if step == 1 && code == ' ' {
				adv += ts.tw
			}
			adv *= ts.th
		}
		if f.type3.Kind() == pdf.Dict && ts.mode != 3 {
			c.type3Glyph(f, code, mat{ts.tfs * ts.th, 0, 0, ts.tfs, pos, ts.rise}.then(c.tm).then(c.g.ctm))
		}
		lo = math.Min(lo, math.Min(pos, pos+adv))
		hi = math.Max(hi, math.Max(pos, pos+adv))
		if !f.vertical {
			hi = math.Max(hi, pos+w*ts.tfs*ts.th)
		}
		pos += adv
	}
	// Mode 3 draws nothing. Mode 7 draws nothing either but adds the
	// glyphs to the clipping path, through which a later fill shows them
	// (ISO 32000-1, 9.3.6): they count, as what a fill may show there. An
	// annotation over an answer shown that way was otherwise drawn over
	// nothing signed (attacksuite's clipText).
	if ts.mode != 3 && hi > lo {
		var b box
		if f.vertical {
			b = box{-ts.tfs / 2, lo, ts.tfs / 2, hi}
		} else {
			b = box{lo, ts.rise + f.desc*ts.tfs, hi, ts.rise + f.asc*ts.tfs}
			if b.y0 > b.y1 {
				b.y0, b.y1 = b.y1, b.y0
			}
		}
		c.add(c.tm.then(c.g.ctm).boxOf(b))
	}
	if f.vertical {
		c.tm = mat{1, 0, 0, 1, 0, pos}.then(c.tm)
	} else {
		c.tm = mat{1, 0, 0, 1, pos, 0}.then(c.tm)
	}
}

// type3Glyph adds what the glyph of code of Type 3 font f draws, placed
// by m (text space to default user space): its /FontBBox, which bounds
// its glyphs (ISO 32000-1, 9.6.5), and the text and images its procedure
// draws, read once per glyph like a form XObject. A glyph's procedure
// draws anywhere, not only over its advance: an annotation over the
// signed answer that a glyph drew 80 points above its origin was drawn
// over nothing signed (attacksuite's type3Glyph). A procedure that cannot
// be read makes the page whole.
func (c *contentReader) type3Glyph(f *fontMetrics, code int, m mat) {
	fm, ok := matOf(f.type3.Key("FontMatrix"))
	if !ok {
		fm = mat{0.001, 0, 0, 0.001, 0, 0}
	}
	m = fm.then(m)
	if bb, ok := rectBox(f.type3.Key("FontBBox")); ok && bb.x1 > bb.x0 && bb.y1 > bb.y0 {
		c.add(m.boxOf(bb))
	}
	g, ok := f.glyphs[code]
	if !ok {
		g = &drawn{}
		f.glyphs[code] = g
		name := ""
		diffs := f.type3.Key("Encoding").Key("Differences")
		for i, at := 0, 0; i < diffs.Len() && i < maxWidthEntries; i++ {
			switch e := diffs.Index(i); e.Kind() {
			case pdf.Integer:
				at = int(e.Int64())
			case pdf.Name:
				if at == code {
					name = e.Name()
				}
				at++
			}
		}
		proc := f.type3.Key("CharProcs").Key(name)
		id := identity(proc)
		if c.calls++; proc.Kind() == pdf.Stream && (c.depth >= maxFormDepth || c.calls > maxFormCalls || id == 0 || c.forms[id]) {
			g.whole = true
		} else if proc.Kind() == pdf.Stream {
			c.forms[id] = true
			res := f.type3.Key("Resources")
			if res.Kind() != pdf.Dict {
				res = c.res
			}
			cell := &contentReader{left: c.left, out: g, g: graphicsState{ctm: identityMat, ts: textState{th: 1, font: defaultFont}},
				tm: identityMat, tlm: identityMat, res: res, fonts: c.fonts, forms: c.forms, depth: c.depth + 1, calls: c.calls}
			cell.run(proc)
			c.calls = cell.calls
			delete(c.forms, id)
		}
	}
	if g.whole {
		c.out.whole = true
		return
	}
	for _, b := range g.boxes {
		c.add(m.boxOf(b))
	}
}

// pathAdd extends the current path's bounding box by b.
func (c *contentReader) pathAdd(b box) {
	if !c.hasPath {
		c.path, c.hasPath = b, true
		return
	}
	c.path = c.path.union(b)
}

// patternShows reports whether the named pattern is a tiling pattern whose
// cell draws text or images (ISO 32000-1, 8.7.3), or cannot be read: a
// path filled with it shows them, and what it covers is signed content as
// much as a form XObject's text. Paths filled with colours, shadings and
// hatches (a cell of paths) are not, as the rule says of vector paths.
// An annotation painted over a decision's answer drawn through a pattern
// was otherwise drawn over nothing signed (attacksuite's patternText).
func (c *contentReader) patternShows(name string) bool {
	pat := c.res.Key("Pattern").Key(name)
	if pat.Key("PatternType").Int64() != 1 {
		return false
	}
	id := identity(pat)
	if c.calls++; c.depth >= maxFormDepth || c.calls > maxFormCalls || id == 0 || c.forms[id] {
		return true
	}
	c.forms[id] = true
	defer delete(c.forms, id)
	cell := &contentReader{
		left:  c.left,
		out:   &drawn{},
		g:     graphicsState{ctm: identityMat, ts: textState{th: 1, font: defaultFont}},
		tm:    identityMat,
		tlm:   identityMat,
		res:   pat.Key("Resources"),
		fonts: c.fonts,
		forms: c.forms,
		depth: c.depth + 1,
		calls: c.calls,
	}
	cell.run(pat)
	c.calls = cell.calls
	return cell.out.whole || len(cell.out.boxes) > 0
}

// xobject draws the named XObject: an image fills the unit square; a form
// is read with its matrix and resources, and what it draws is clipped to
// its bounding box.
func (c *contentReader) xobject(name string) {
	x := c.res.Key("XObject").Key(name)
	switch x.Key("Subtype").Name() {
	case "Image":
		c.add(c.g.ctm.boxOf(box{0, 0, 1, 1}))
	case "Form":
		id := identity(x)
		if c.calls++; c.depth >= maxFormDepth || c.calls > maxFormCalls || id == 0 || c.forms[id] {
			c.out.whole = true
			return
		}
		c.forms[id] = true
		defer delete(c.forms, id)
		saved, savedRes, savedTM, savedTLM := c.g, c.res, c.tm, c.tlm
		savedStack := len(c.stack)
		defer func() {
			c.g, c.res, c.tm, c.tlm = saved, savedRes, savedTM, savedTLM
			c.stack = c.stack[:min(savedStack, len(c.stack))]
		}()
		if m, ok := matOf(x.Key("Matrix")); ok {
			c.g.ctm = m.then(c.g.ctm)
		}
		if r := x.Key("Resources"); r.Kind() == pdf.Dict {
			c.res = r
		}
		bb, clipped := rectBox(x.Key("BBox"))
		clip := c.g.ctm.boxOf(bb)
		first := len(c.out.boxes)
		c.depth++
		c.run(x)
		c.depth--
		if clipped {
			for i := first; i < len(c.out.boxes); i++ {
				c.out.boxes[i] = c.out.boxes[i].intersect(clip)
			}
		}
	}
}
