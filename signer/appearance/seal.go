package appearance

import (
	"fmt"
	"math"
)

// NoSealImage is the text of the placeholder the seal template draws when
// the agency has no seal image (drawNoSealImage).
const NoSealImage = "KHÔNG CÓ ẢNH CON DẤU"

// placeholderGrey is the colour of the placeholder: no seal's red.
var placeholderGrey = rgb{0.35, 0.35, 0.35}

// drawNoSealImage draws, in the square b, what stands where the agency's
// seal image would be when it has none: a grey box hatched with diagonal
// stripes and the words NoSealImage across it, as text.
//
// Decree 30/2020/ND-CP (Appendix I) shows an agency's digital signature as
// the image of its real seal — red, at its real size, a transparent PNG.
// kyso does not invent one: a drawn seal (rings, the agency's name, a star)
// looks official without being the agency's seal. The placeholder is
// unmistakable on screen and on paper, and the words are text, so that a
// search or a screen reader finds them (docs/signing.md, "Appearances").
func (p *page) drawNoSealImage(b box) error {
	if b.w <= 0 || b.h <= 0 {
		return nil
	}
	lw := clamp(0.012*b.w, 0.4, 1.2)
	fmt.Fprintf(&p.content, "q %s %s w %s %s %s %s re S\n",
		placeholderGrey.stroke(), num(lw), num(b.x+lw/2), num(b.y+lw/2), num(b.w-lw), num(b.h-lw))
	// Stripes at 45°, clipped to the box.
	fmt.Fprintf(&p.content, "%s %s %s %s re W n %s w\n", num(b.x), num(b.y), num(b.w), num(b.h), num(lw/2))
	step := b.w / 8
	for d := -b.h; d < b.w; d += step {
		fmt.Fprintf(&p.content, "%s %s m %s %s l\n", num(b.x+d), num(b.y), num(b.x+d+b.h), num(b.y+b.h))
	}
	p.content.WriteString("S Q\n")

	// The words, on a white band across the middle.
	in := b.inset(0.1 * b.w)
	tb, err := p.layoutText([]para{{text: NoSealImage, scale: 1, bold: true, color: placeholderGrey}}, in.w, 0.5*in.h, 10)
	if err != nil {
		return err
	}
	band := box{b.x + lw, b.y + (b.h-tb.height)/2 - 0.15*tb.height, b.w - 2*lw, 1.3 * tb.height}
	fmt.Fprintf(&p.content, "q 1 1 1 rg %s %s %s %s re f Q\n", num(band.x), num(band.y), num(band.w), num(math.Max(band.h, 0)))
	p.drawText(tb, box{in.x, b.y + (b.h-tb.height)/2, in.w, tb.height}, alignCenter)
	return nil
}
