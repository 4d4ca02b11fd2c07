package appearance

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Proportions of the drawn seal, relative to its outer radius R.
const (
	sealOuterWidth = 0.06 // the thick outer ring
	sealRing2      = 0.89 // the thin ring just inside it
	sealInner      = 0.58 // the thin inner ring
	sealThinWidth  = 0.018
	sealStar       = 0.36 // the star's outer radius
	sealTextMax    = 5.3  // the widest arc the name may span, radians (~300°)
	sealTracking   = 0.06 // extra space between letters on the arc, ems
)

// drawSeal draws a red seal in the square b when the agency gave no image:
// a thick outer ring and a thin one, the agency name in capitals around the
// band between them and a thin inner ring, and a five-pointed star in the
// centre, the common layout of Vietnamese agency seals.
//
// The name on the ring is drawn as filled glyph outlines, not as text: the
// name appears once as text beside the seal, and text extraction (copy,
// search, screen readers) should find it there, not as rotated letters.
func (p *page) drawSeal(b box, org string) error {
	if b.w <= 0 {
		return nil
	}
	R := b.w / 2
	cx, cy := b.x+R, b.y+R
	outerW, thinW := sealOuterWidth*R, sealThinWidth*R

	fmt.Fprintf(&p.content, "q %s %s\n", sealRed.stroke(), sealRed.fill())
	circle(&p.content, cx, cy, R-outerW/2)
	fmt.Fprintf(&p.content, "%s w S\n", num(outerW))
	circle(&p.content, cx, cy, sealRing2*R)
	fmt.Fprintf(&p.content, "%s w S\n", num(thinW))
	circle(&p.content, cx, cy, sealInner*R)
	p.content.WriteString("S\n")
	star(&p.content, cx, cy, sealStar*R)
	p.content.WriteString("f\n")
	rIn, rOut := sealInner*R+thinW, sealRing2*R-thinW
	if err := p.ringText(strings.ToUpper(org), cx, cy, rIn, rOut); err != nil {
		return err
	}
	p.content.WriteString("Q\n")
	return nil
}

// ringText draws text clockwise along the top of the band between radii rIn
// and rOut around (cx, cy), letters upright to the circle, as large as the
// band and the widest arc allow. The fill colour is the caller's.
func (p *page) ringText(text string, cx, cy, rIn, rOut float64) error {
	gs, err := p.face.shape(&p.buf, text)
	if err != nil || len(gs) == 0 {
		return err
	}
	upem := p.face.upem
	var top, bott float64
	for _, g := range gs {
		top, bott = math.Max(top, g.top/upem), math.Max(bott, g.bott/upem)
	}
	if top+bott == 0 { // only spaces
		return nil
	}
	band := rOut - rIn
	length := advance(gs)/upem + sealTracking*float64(len(gs)-1) // ems
	// The size that fills 90% of the band, then smaller while the arc at
	// the baseline radius would be too wide. The baseline keeps the ink
	// centred in the band, so it moves as the size changes.
	size := 0.9 * band / (top + bott)
	baseline := func(s float64) float64 { return rIn + (band-(top+bott)*s)/2 + bott*s }
	for range 50 {
		span := length * size / baseline(size)
		if span <= sealTextMax {
			break
		}
		size *= 0.98 * sealTextMax / span
	}
	rb := baseline(size)
	span := length * size / rb
	if span > sealTextMax || size <= 0 {
		return nil // cannot happen for a positive band; draw no ring text
	}

	// Walk clockwise from the left end of the arc, centred on the top.
	theta := math.Pi/2 + span/2
	k := size / upem
	for _, g := range gs {
		half := g.adv * k / 2
		mid := theta - half/rb
		theta -= (g.adv*k + sealTracking*size) / rb
		if g.r == ' ' {
			continue
		}
		path, err := p.outline(g.id)
		if err != nil {
			return err
		}
		// Glyph space (font units, Y up) to the form: rotated so the
		// baseline is tangent at mid, origin half an advance before it.
		sin, cos := math.Sincos(mid)
		ox := cx + rb*cos - half*sin
		oy := cy + rb*sin + half*cos
		fmt.Fprintf(&p.content, "q %s %s %s %s %s %s cm\n%sf Q\n",
			coef(k*sin), coef(-k*cos), coef(k*cos), coef(k*sin), num(ox), num(oy), path)
	}
	return nil
}

// outline returns the glyph's outline as PDF path construction operators
// in font units, Y up. Quadratic TrueType segments become cubic Béziers.
func (p *page) outline(id sfnt.GlyphIndex) (string, error) {
	segs, err := p.face.font.LoadGlyph(&p.buf, id, fixed.I(int(p.face.upem)), nil)
	if err != nil {
		return "", fmt.Errorf("appearance: outline of glyph %d: %w", id, err)
	}
	pt := func(q fixed.Point26_6) (float64, float64) { return units(q.X), -units(q.Y) } // sfnt is Y down
	var b strings.Builder
	var x0, y0 float64
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			x0, y0 = pt(s.Args[0])
			fmt.Fprintf(&b, "%s %s m\n", num(x0), num(y0))
		case sfnt.SegmentOpLineTo:
			x0, y0 = pt(s.Args[0])
			fmt.Fprintf(&b, "%s %s l\n", num(x0), num(y0))
		case sfnt.SegmentOpQuadTo:
			qx, qy := pt(s.Args[0])
			x, y := pt(s.Args[1])
			fmt.Fprintf(&b, "%s %s %s %s %s %s c\n",
				num(x0+2*(qx-x0)/3), num(y0+2*(qy-y0)/3), num(x+2*(qx-x)/3), num(y+2*(qy-y)/3), num(x), num(y))
			x0, y0 = x, y
		case sfnt.SegmentOpCubeTo:
			x1, y1 := pt(s.Args[0])
			x2, y2 := pt(s.Args[1])
			x0, y0 = pt(s.Args[2])
			fmt.Fprintf(&b, "%s %s %s %s %s %s c\n", num(x1), num(y1), num(x2), num(y2), num(x0), num(y0))
		}
	}
	return b.String(), nil
}

// circle appends a circle of radius r around (cx, cy) as four Bézier arcs.
func circle(b *bytes.Buffer, cx, cy, r float64) {
	const kappa = 0.5522847498 // 4/3·(√2−1): control distance for a quarter circle
	k := kappa * r
	fmt.Fprintf(b, "%s %s m\n", num(cx+r), num(cy))
	fmt.Fprintf(b, "%s %s %s %s %s %s c\n", num(cx+r), num(cy+k), num(cx+k), num(cy+r), num(cx), num(cy+r))
	fmt.Fprintf(b, "%s %s %s %s %s %s c\n", num(cx-k), num(cy+r), num(cx-r), num(cy+k), num(cx-r), num(cy))
	fmt.Fprintf(b, "%s %s %s %s %s %s c\n", num(cx-r), num(cy-k), num(cx-k), num(cy-r), num(cx), num(cy-r))
	fmt.Fprintf(b, "%s %s %s %s %s %s c h\n", num(cx+k), num(cy-r), num(cx+r), num(cy-k), num(cx+r), num(cy))
}

// star appends a five-pointed star of outer radius r, one point up.
func star(b *bytes.Buffer, cx, cy, r float64) {
	inner := r * math.Sin(math.Pi/10) / math.Sin(7*math.Pi/10) // points on straight lines
	for i := range 10 {
		rad := r
		if i%2 == 1 {
			rad = inner
		}
		sin, cos := math.Sincos(math.Pi/2 + float64(i)*math.Pi/5)
		op := "l"
		if i == 0 {
			op = "m"
		}
		fmt.Fprintf(b, "%s %s %s\n", num(cx+rad*cos), num(cy+rad*sin), op)
	}
	b.WriteString("h\n")
}
