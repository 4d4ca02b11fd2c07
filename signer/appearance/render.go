package appearance

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math"

	"golang.org/x/image/font/sfnt"
)

// page accumulates one appearance: its content stream and the resources
// the stream uses.
type page struct {
	face          *face
	width, height float64
	image         *decodedImage // nil when none was given

	buf       sfnt.Buffer
	content   bytes.Buffer
	used      map[sfnt.GlyphIndex]rune // glyphs shown as text, for /F1
	usesImage bool                     // whether the stream shows /Im1
}

// bounds is the whole form.
func (p *page) bounds() box { return box{0, 0, p.width, p.height} }

// padding is the margin kept free around the drawing.
func (p *page) padding() float64 {
	return clamp(0.04*math.Min(p.width, p.height), 1, 6)
}

// finish writes the resources through w and returns the Form XObject
// (ISO 32000-1, 8.10.2).
func (p *page) finish(w ObjectWriter) ([]byte, error) {
	var res bytes.Buffer
	if len(p.used) > 0 {
		id, err := p.face.writeFont(w, p.used)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&res, " /Font << /F1 %d 0 R >>", id)
	}
	if p.usesImage {
		id, err := p.image.write(w)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&res, " /XObject << /Im1 %d 0 R >>", id)
	}
	// Clip to the box first: whatever the layout computed, nothing is drawn
	// outside the widget (the /BBox clips too, this makes it explicit).
	stream := fmt.Appendf(nil, "0 0 %s %s re W n\n", num(p.width), num(p.height))
	stream = append(stream, p.content.Bytes()...)
	dict := fmt.Sprintf("/Type /XObject /Subtype /Form /FormType 1 /BBox [0 0 %s %s] /Matrix [1 0 0 1 0 0] /Resources <<%s >>",
		num(p.width), num(p.height), res.String())
	return flateStream(dict, stream, zlib.BestCompression), nil
}

// drawImage draws the image inside b, as large as fits with its aspect
// ratio kept, centred.
func (p *page) drawImage(b box) {
	if b.w <= 0 || b.h <= 0 {
		return
	}
	scale := math.Min(b.w/float64(p.image.w), b.h/float64(p.image.h))
	w, h := float64(p.image.w)*scale, float64(p.image.h)*scale
	x, y := b.x+(b.w-w)/2, b.y+(b.h-h)/2
	fmt.Fprintf(&p.content, "q %s 0 0 %s %s %s cm /Im1 Do Q\n", num(w), num(h), num(x), num(y))
	p.usesImage = true
}

// leader: the signature image on top, the name (larger, bold) and the title
// below it. Without an image, the text fills the box and says what the
// image would have shown: "Ký số bởi: <name>", the title, and "Thời gian
// ký: <dd/mm/yyyy hh:mm:ss +07:00>" — a name alone does not say that it
// was signed digitally, nor when.
func (p *page) leader(d Data) error {
	name, err := required("SignerName", d.SignerName)
	if err != nil {
		return err
	}
	title, err := cleanText("Title", d.Title)
	if err != nil {
		return err
	}
	paras := []para{
		{text: name, scale: 1.2, bold: true, color: black},
		{text: title, scale: 1, color: black},
	}
	in := p.bounds().inset(p.padding())
	if p.image == nil {
		if d.SigningTime.IsZero() {
			return ErrInvalidData.Errorf("SigningTime is required for the leader template without an image")
		}
		paras = []para{
			{text: "Ký số bởi: " + name, scale: 1.1, bold: true, color: black},
			{text: title, scale: 1, color: black},
			{text: "Thời gian ký: " + FormatTimeVN(d.SigningTime), scale: 1, color: darkGrey},
		}
		tb, err := p.layoutText(paras, in.w, in.h, 14)
		if err != nil {
			return err
		}
		p.drawText(tb, in, alignCenter)
		return nil
	}
	// The text takes what it needs of the lower 45%; the image the rest.
	tb, err := p.layoutText(paras, in.w, 0.45*in.h, 12)
	if err != nil {
		return err
	}
	gap := 0.04 * in.h
	p.drawText(tb, box{in.x, in.y, in.w, tb.height}, alignCenter)
	p.drawImage(box{in.x, in.y + tb.height + gap, in.w, in.h - tb.height - gap})
	return nil
}

// seal: the agency's seal image (or, without one, the grey placeholder
// of drawNoSealImage) with the agency name and the signing time beside it,
// or below it when the box is not wide enough, in the seal's red.
func (p *page) seal(d Data) error {
	org, err := required("Organization", d.Organization)
	if err != nil {
		return err
	}
	when, err := signingTime(d.SigningTime)
	if err != nil {
		return err
	}
	paras := []para{
		{text: org, scale: 1.1, bold: true, color: sealRed},
		{text: "Thời gian ký: " + when, scale: 1, color: sealRed},
	}
	in := p.bounds().inset(p.padding())
	gap := 0.06 * math.Min(in.w, in.h)
	var seal box
	if in.w >= 1.6*in.h {
		side := in.h
		textBox := box{in.x + side + gap, in.y, in.w - side - gap, in.h}
		tb, err := p.layoutText(paras, textBox.w, textBox.h, 11)
		if err != nil {
			return err
		}
		p.drawText(tb, textBox, alignLeft)
		seal = box{in.x, in.y, side, side}
	} else {
		tb, err := p.layoutText(paras, in.w, 0.45*in.h, 11)
		if err != nil {
			return err
		}
		p.drawText(tb, box{in.x, in.y, in.w, tb.height}, alignCenter)
		side := math.Min(in.w, in.h-tb.height-gap)
		seal = box{in.x + (in.w-side)/2, in.y + tb.height + gap, side, side}
	}
	if p.image != nil {
		p.drawImage(seal)
		return nil
	}
	return p.drawNoSealImage(seal)
}

// citizen: a bordered box listing who signed, the masked CCCD and when.
func (p *page) citizen(d Data) error {
	name, err := required("SignerName", d.SignerName)
	if err != nil {
		return err
	}
	cccd, err := MaskCCCD(d.CCCD)
	if err != nil {
		return err
	}
	when, err := signingTime(d.SigningTime)
	if err != nil {
		return err
	}
	reason, err := cleanText("Reason", d.Reason)
	if err != nil {
		return err
	}
	location, err := cleanText("Location", d.Location)
	if err != nil {
		return err
	}
	paras := []para{
		{text: "Ký bởi: " + name, scale: 1, bold: true, color: inkBlue},
		{text: "CCCD: " + cccd, scale: 1, color: inkBlue},
		{text: "Thời gian: " + when, scale: 1, color: inkBlue},
	}
	if reason != "" {
		paras = append(paras, para{text: "Lý do: " + reason, scale: 1, color: darkGrey})
	}
	if location != "" {
		paras = append(paras, para{text: "Nơi ký: " + location, scale: 1, color: darkGrey})
	}

	lw := clamp(0.012*math.Min(p.width, p.height), 0.5, 1.5)
	border := p.bounds().inset(lw / 2)
	fmt.Fprintf(&p.content, "q %s %s w %s %s %s %s re S Q\n",
		inkBlue.stroke(), num(lw), num(border.x), num(border.y), num(border.w), num(border.h))
	in := p.bounds().inset(lw + p.padding() + 0.03*math.Min(p.width, p.height))
	tb, err := p.layoutText(paras, in.w, in.h, 11)
	if err != nil {
		return err
	}
	p.drawText(tb, in, alignLeft)
	return nil
}
