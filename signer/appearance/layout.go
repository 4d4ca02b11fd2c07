package appearance

import (
	"fmt"
	"math"

	"golang.org/x/text/unicode/norm"
)

// para is a paragraph of text in one style.
type para struct {
	text  string
	scale float64 // font size relative to the block's base size
	bold  bool
	color rgb
}

// align is a horizontal alignment.
type align int

const (
	alignLeft align = iota
	alignCenter
)

// box is a rectangle in the form's coordinates (origin bottom left).
type box struct{ x, y, w, h float64 }

// inset shrinks b by d on every side.
func (b box) inset(d float64) box { return box{b.x + d, b.y + d, b.w - 2*d, b.h - 2*d} }

// Text metrics, in ems.
const (
	leading    = 0.15  // extra space between lines
	boldStroke = 0.035 // stroke width of the "bold" text rendering mode
)

// shapedPara is a paragraph shaped into words.
type shapedPara struct {
	para
	words [][]glyph
	space glyph
}

// textLine is one laid-out line.
type textLine struct {
	para  int
	size  float64 // font size, points
	gs    []glyph
	width float64 // points
}

// textBlock is laid-out text: lines at a chosen base size. Its height is the
// distance from the first line's highest ink to the last line's lowest.
type textBlock struct {
	paras   []shapedPara
	lines   []textLine
	ascent  float64 // ems above the baseline that any glyph may reach
	descent float64 // ems below the baseline
	height  float64 // points
}

// layoutText finds the largest base size, at most maxSize, at which paras
// wrap (at spaces) into a block no wider than w and no taller than h. Text
// never overflows: if even MinFontSize does not fit, it fails with
// ErrTooSmall.
func (p *page) layoutText(paras []para, w, h, maxSize float64) (*textBlock, error) {
	tb := &textBlock{ascent: p.face.ascent / p.face.upem, descent: p.face.descent / p.face.upem}
	minScale := math.Inf(1)
	for _, pa := range paras {
		if pa.text == "" {
			continue
		}
		gs, err := p.face.shape(&p.buf, norm.NFC.String(pa.text))
		if err != nil {
			return nil, err
		}
		sp := shapedPara{para: pa}
		start := 0
		for i, g := range gs {
			tb.ascent = math.Max(tb.ascent, g.top/p.face.upem)
			tb.descent = math.Max(tb.descent, g.bott/p.face.upem)
			if g.r == ' ' {
				sp.space = g
				sp.words = append(sp.words, gs[start:i])
				start = i + 1
			}
		}
		sp.words = append(sp.words, gs[start:])
		tb.paras = append(tb.paras, sp)
		minScale = math.Min(minScale, pa.scale)
	}
	if len(tb.paras) == 0 {
		return tb, nil
	}

	lo, hi := MinFontSize/minScale, maxSize
	if hi < lo || !p.wrapAt(tb, lo, w, h) {
		return nil, ErrTooSmall.Errorf("text does not fit in %sx%s points at %g pt", num(w), num(h), MinFontSize)
	}
	if !p.wrapAt(tb, hi, w, h) {
		// Fitting is monotonic in the size: a smaller font never needs more
		// lines. Bisect to a tenth of a point's precision.
		for hi-lo > 0.05 {
			if mid := (lo + hi) / 2; p.wrapAt(tb, mid, w, h) {
				lo = mid
			} else {
				hi = mid
			}
		}
		p.wrapAt(tb, lo, w, h)
	}
	return tb, nil
}

// wrapAt lays tb out at base size s, reporting whether it fits in w×h.
// Each paragraph's lines are balanced: wrapped at the narrowest width that
// needs no more lines, so that a name breaks as "Sở Tư pháp Thành / phố Hà
// Nội" rather than leaving one word alone.
func (p *page) wrapAt(tb *textBlock, s, w, h float64) bool {
	tb.lines = tb.lines[:0]
	tb.height = 0
	for i, sp := range tb.paras {
		size := s * sp.scale
		maxW := w
		if sp.bold {
			maxW -= boldStroke * size
		}
		lines, ok := p.wrapPara(i, sp, size, maxW)
		if !ok {
			return false
		}
		if n := len(lines); n > 1 {
			lo, hi := 0.0, maxW
			for hi-lo > 0.5 {
				mid := (lo + hi) / 2
				if l, ok := p.wrapPara(i, sp, size, mid); ok && len(l) <= n {
					hi, lines = mid, l
				} else {
					lo = mid
				}
			}
		}
		tb.lines = append(tb.lines, lines...)
	}
	for i, l := range tb.lines {
		tb.height += (tb.ascent + tb.descent) * l.size
		if i > 0 {
			tb.height += leading * tb.lines[i-1].size
		}
	}
	return tb.height <= h
}

// wrapPara breaks paragraph i at spaces into lines no wider than maxW at
// the given font size; it fails if a word alone is wider.
func (p *page) wrapPara(i int, sp shapedPara, size, maxW float64) ([]textLine, bool) {
	upem := p.face.upem
	var lines []textLine
	var cur []glyph
	var curW float64
	for _, word := range sp.words {
		ww := advance(word) * size / upem
		if ww > maxW {
			return nil, false
		}
		if len(cur) == 0 {
			cur, curW = append([]glyph(nil), word...), ww
			continue
		}
		sw := sp.space.adv * size / upem
		if curW+sw+ww <= maxW {
			cur = append(append(cur, sp.space), word...)
			curW += sw + ww
			continue
		}
		lines = append(lines, textLine{para: i, size: size, gs: cur, width: curW})
		cur, curW = append([]glyph(nil), word...), ww
	}
	return append(lines, textLine{para: i, size: size, gs: cur, width: curW}), true
}

// drawText draws tb inside b, vertically centred, and records the glyphs
// used for the font subset and the ToUnicode CMap.
func (p *page) drawText(tb *textBlock, b box, al align) {
	top := b.y + b.h - (b.h-tb.height)/2
	for i, l := range tb.lines {
		if i > 0 {
			top -= leading * tb.lines[i-1].size
		}
		baseline := top - tb.ascent*l.size
		top -= (tb.ascent + tb.descent) * l.size
		sp := tb.paras[l.para]
		x := b.x
		if al == alignCenter {
			x += (b.w - l.width) / 2
		}
		if sp.bold {
			x += boldStroke * l.size / 2
		}

		fmt.Fprintf(&p.content, "q %s ", sp.color.fill())
		if sp.bold {
			// Fill and stroke the glyph outlines (rendering mode 2): a
			// faux bold, so that one font serves every style.
			fmt.Fprintf(&p.content, "%s %s w 2 Tr ", sp.color.stroke(), num(boldStroke*l.size))
		}
		fmt.Fprintf(&p.content, "BT /F1 %s Tf %s %s Td <", num(l.size), num(x), num(baseline))
		for _, g := range l.gs {
			fmt.Fprintf(&p.content, "%04X", uint16(g.id))
			if _, ok := p.used[g.id]; !ok {
				p.used[g.id] = g.r
			}
		}
		p.content.WriteString("> Tj ET Q\n")
	}
}
