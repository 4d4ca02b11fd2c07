package appearance

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// dejaVuSans is DejaVu Sans 2.37 as shipped by Debian's fonts-dejavu-core;
// see fonts/README.md and fonts/LICENSE.
//
//go:embed fonts/DejaVuSans.ttf
var dejaVuSans []byte

// fontName is the PostScript name of the embedded font.
const fontName = "DejaVuSans"

// face is the parsed embedded font and the metrics the layout needs, in font
// units (1/unitsPerEm of the font size).
type face struct {
	font      *sfnt.Font
	upem      float64
	ascent    float64 // hhea ascender, positive
	descent   float64 // hhea descender, positive below the baseline
	capHeight float64
	bbox      fixed.Rectangle26_6 // Y down, font units in 26.6
}

// loadFace parses the embedded font once. sfnt.Font methods are safe for
// concurrent use as long as each call has its own sfnt.Buffer.
var loadFace = sync.OnceValues(func() (*face, error) {
	f, err := sfnt.Parse(dejaVuSans)
	if err != nil {
		return nil, fmt.Errorf("appearance: parse embedded font: %w", err)
	}
	upem := f.UnitsPerEm()
	ppem := fixed.I(int(upem))
	var buf sfnt.Buffer
	m, err := f.Metrics(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("appearance: embedded font metrics: %w", err)
	}
	bbox, err := f.Bounds(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("appearance: embedded font bounds: %w", err)
	}
	return &face{
		font:      f,
		upem:      float64(upem),
		ascent:    units(m.Ascent),
		descent:   units(m.Descent),
		capHeight: -units(m.CapHeight), // sfnt reports it Y down
		bbox:      bbox,
	}, nil
})

// units converts a 26.6 value measured at ppem = unitsPerEm to font units.
func units(v fixed.Int26_6) float64 { return float64(v) / 64 }

// glyph is one shaped character.
type glyph struct {
	id   sfnt.GlyphIndex
	r    rune
	adv  float64 // advance width, font units
	top  float64 // ink top above the baseline, font units
	bott float64 // ink bottom below the baseline (positive downwards), font units
}

// shape maps s (already NFC, see cleanText) to glyphs, one per rune. The
// embedded font has no ligatures or contextual forms that Vietnamese needs:
// every precomposed Vietnamese letter has its own glyph, so a rune-to-glyph
// mapping through the font's cmap is exact. Kerning is ignored.
func (fc *face) shape(buf *sfnt.Buffer, s string) ([]glyph, error) {
	ppem := fixed.I(int(fc.upem))
	gs := make([]glyph, 0, len(s))
	for _, r := range s {
		id, err := fc.font.GlyphIndex(buf, r)
		if err != nil {
			return nil, fmt.Errorf("appearance: glyph for %U: %w", r, err)
		}
		if id == 0 {
			return nil, ErrInvalidData.Errorf("character %U %q is not in the embedded font", r, string(r))
		}
		b, adv, err := fc.font.GlyphBounds(buf, id, ppem, font.HintingNone)
		if err != nil {
			return nil, fmt.Errorf("appearance: bounds of glyph %d: %w", id, err)
		}
		gs = append(gs, glyph{id: id, r: r, adv: units(adv), top: -units(b.Min.Y), bott: units(b.Max.Y)})
	}
	return gs, nil
}

// advance is the summed advance of gs in font units.
func advance(gs []glyph) float64 {
	var w float64
	for _, g := range gs {
		w += g.adv
	}
	return w
}

// writeFont writes the font as a Type0 font with a CIDFontType2 descendant
// (ISO 32000-1, 9.7): Identity-H encoding, so the content stream shows 2-byte
// glyph ids; CIDToGIDMap /Identity; a /W array for the glyphs used; a
// FontDescriptor with the subset TrueType program in /FontFile2; and a
// /ToUnicode CMap (9.10.3) mapping each glyph back to its character. It
// returns the Type0 font's object number.
func (fc *face) writeFont(w ObjectWriter, used map[sfnt.GlyphIndex]rune) (uint32, error) {
	ids := make([]sfnt.GlyphIndex, 0, len(used))
	for id := range used {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	keep := make([]uint16, len(ids))
	for i, id := range ids {
		keep[i] = uint16(id)
	}
	program, err := subsetTrueType(dejaVuSans, keep)
	if err != nil {
		return 0, fmt.Errorf("appearance: subset font: %w", err)
	}
	// A subset's name carries a tag of six upper-case letters (9.6.4); derive
	// it from the glyph set so that equal subsets get equal names.
	sum := sha256.Sum256(fmt.Append(nil, keep))
	var tag [6]byte
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	baseName := string(tag[:]) + "+" + fontName

	fileID, err := w.AddObject(flateStream(fmt.Sprintf("/Length1 %d", len(program)), program, zlib.BestCompression))
	if err != nil {
		return 0, fmt.Errorf("appearance: add font program: %w", err)
	}

	s := func(v float64) string { return num(v * 1000 / fc.upem) }
	descID, err := w.AddObject(fmt.Appendf(nil,
		"<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%s %s %s %s] /ItalicAngle 0 "+
			"/Ascent %s /Descent %s /CapHeight %s /StemV 80 /FontFile2 %d 0 R >>",
		baseName,
		s(math.Floor(units(fc.bbox.Min.X))), s(math.Floor(-units(fc.bbox.Max.Y))),
		s(math.Ceil(units(fc.bbox.Max.X))), s(math.Ceil(-units(fc.bbox.Min.Y))),
		s(fc.ascent), s(-fc.descent), s(fc.capHeight), fileID))
	if err != nil {
		return 0, fmt.Errorf("appearance: add font descriptor: %w", err)
	}

	var widths strings.Builder
	var buf sfnt.Buffer
	ppem := fixed.I(int(fc.upem))
	for i := 0; i < len(ids); {
		// Runs of consecutive ids: c [w1 w2 ...] (9.7.4.3).
		j := i
		fmt.Fprintf(&widths, " %d [", ids[i])
		for ; j < len(ids) && ids[j] == ids[i]+sfnt.GlyphIndex(j-i); j++ {
			adv, err := fc.font.GlyphAdvance(&buf, ids[j], ppem, font.HintingNone)
			if err != nil {
				return 0, fmt.Errorf("appearance: advance of glyph %d: %w", ids[j], err)
			}
			if j > i {
				widths.WriteByte(' ')
			}
			widths.WriteString(s(units(adv)))
		}
		widths.WriteByte(']')
		i = j
	}
	cidID, err := w.AddObject(fmt.Appendf(nil,
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s "+
			"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "+
			"/FontDescriptor %d 0 R /CIDToGIDMap /Identity /DW 1000 /W [%s ] >>",
		baseName, descID, widths.String()))
	if err != nil {
		return 0, fmt.Errorf("appearance: add CIDFont: %w", err)
	}

	toUni, err := w.AddObject(flateStream("", toUnicodeCMap(ids, used), zlib.BestCompression))
	if err != nil {
		return 0, fmt.Errorf("appearance: add ToUnicode CMap: %w", err)
	}

	id, err := w.AddObject(fmt.Appendf(nil,
		"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H "+
			"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
		baseName, cidID, toUni))
	if err != nil {
		return 0, fmt.Errorf("appearance: add Type0 font: %w", err)
	}
	return id, nil
}

// toUnicodeCMap builds the ToUnicode CMap (ISO 32000-1, 9.10.3; Adobe
// technical note #5411) mapping each 2-byte glyph id to UTF-16BE.
func toUnicodeCMap(ids []sfnt.GlyphIndex, used map[sfnt.GlyphIndex]rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(ids) > 0 {
		n := min(len(ids), 100) // at most 100 entries per block
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, id := range ids[:n] {
			fmt.Fprintf(&b, "<%04X> <", uint16(id))
			for _, u := range utf16.Encode([]rune{used[id]}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
		ids = ids[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}
