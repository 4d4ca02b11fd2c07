package appearance

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// subsetTrueType returns a copy of the TrueType font src that keeps the
// outlines of the glyphs in keep (plus .notdef and the components of
// composite glyphs) and empties all others. Glyph ids are unchanged, so the
// PDF font can use CIDToGIDMap /Identity and the ids x/image/font/sfnt
// reports.
//
// x/image/font/sfnt reads fonts but cannot write them, so this is done here at
// the table level. Only the tables a PDF consumer reads from an embedded
// TrueType program are written (ISO 32000-1, 9.9: head, hhea, loca, maxp,
// cvt, prep, glyf, hmtx, fpgm); cmap, names, layout and kerning tables are
// dropped, the PDF's own encoding and /W array replace them. For DejaVu Sans
// this turns a 740 KiB program into a few KiB for a typical appearance.
func subsetTrueType(src []byte, keep []uint16) ([]byte, error) {
	tables, err := readTables(src)
	if err != nil {
		return nil, err
	}
	head, maxp, loca, glyf := tables["head"], tables["maxp"], tables["loca"], tables["glyf"]
	if len(head) < 54 || len(maxp) < 6 || loca == nil || glyf == nil {
		return nil, errors.New("not a TrueType font with glyf outlines")
	}
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	longLoca := binary.BigEndian.Uint16(head[50:]) == 1

	offsets := make([]uint32, numGlyphs+1)
	for i := range offsets {
		if longLoca {
			if len(loca) < 4*(i+1) {
				return nil, errors.New("loca table too short")
			}
			offsets[i] = binary.BigEndian.Uint32(loca[4*i:])
		} else {
			if len(loca) < 2*(i+1) {
				return nil, errors.New("loca table too short")
			}
			offsets[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		}
	}
	glyphData := func(id uint16) ([]byte, error) {
		if int(id) >= numGlyphs {
			return nil, fmt.Errorf("glyph %d out of range", id)
		}
		start, end := offsets[id], offsets[id+1]
		if start > end || end > uint32(len(glyf)) {
			return nil, fmt.Errorf("glyph %d: bad loca entry", id)
		}
		return glyf[start:end], nil
	}

	// Close the set over composite glyph components (OpenType 'glyf',
	// "Composite glyph description").
	kept := make([]bool, numGlyphs)
	work := append([]uint16{0}, keep...)
	for len(work) > 0 {
		id := work[len(work)-1]
		work = work[:len(work)-1]
		if int(id) >= numGlyphs {
			return nil, fmt.Errorf("glyph %d out of range", id)
		}
		if kept[id] {
			continue
		}
		kept[id] = true
		data, err := glyphData(id)
		if err != nil {
			return nil, err
		}
		components, err := compositeComponents(data)
		if err != nil {
			return nil, fmt.Errorf("glyph %d: %w", id, err)
		}
		work = append(work, components...)
	}

	// New glyf and loca (long format, so each glyph can stay 4-byte aligned).
	var newGlyf []byte
	newLoca := make([]byte, 4*(numGlyphs+1))
	for id := range numGlyphs {
		binary.BigEndian.PutUint32(newLoca[4*id:], uint32(len(newGlyf)))
		if !kept[id] {
			continue
		}
		data, _ := glyphData(uint16(id)) // checked above
		newGlyf = append(newGlyf, data...)
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*numGlyphs:], uint32(len(newGlyf)))

	newHead := slices.Clone(head)
	binary.BigEndian.PutUint32(newHead[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(newHead[50:], 1) // indexToLocFormat: long

	out := map[string][]byte{"head": newHead, "loca": newLoca, "glyf": newGlyf}
	if hhea, hmtx := tables["hhea"], tables["hmtx"]; len(hhea) >= 36 && hmtx != nil {
		// Zero the metrics of dropped glyphs: nothing refers to them, and
		// the zeros compress away.
		newHmtx := slices.Clone(hmtx)
		nhm := int(binary.BigEndian.Uint16(hhea[34:]))
		for id := range numGlyphs {
			if kept[id] {
				continue
			}
			start, size := 4*id, 4
			if id >= nhm {
				start, size = 4*nhm+2*(id-nhm), 2
			}
			if start+size <= len(newHmtx) {
				clear(newHmtx[start : start+size])
			}
		}
		out["hmtx"] = newHmtx
	}
	for _, tag := range []string{"hhea", "maxp", "cvt ", "fpgm", "prep"} {
		if t, ok := tables[tag]; ok {
			out[tag] = t
		}
	}
	font := writeTables(out)
	adj := 0xB1B0AFBA - checksum(font)
	headOffset := tableOffset(font, "head")
	binary.BigEndian.PutUint32(font[headOffset+8:], adj)
	return font, nil
}

// compositeComponents returns the glyph ids a composite glyph refers to, or
// nil for a simple or empty glyph.
func compositeComponents(data []byte) ([]uint16, error) {
	if len(data) == 0 {
		return nil, nil
	}
	if len(data) < 10 {
		return nil, errors.New("glyph header too short")
	}
	if int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil, nil // simple glyph
	}
	const (
		argsAreWords  = 0x0001
		haveScale     = 0x0008
		moreComponent = 0x0020
		haveXYScale   = 0x0040
		have2x2       = 0x0080
	)
	var ids []uint16
	p := 10
	for {
		if len(data) < p+4 {
			return nil, errors.New("composite glyph truncated")
		}
		flags := binary.BigEndian.Uint16(data[p:])
		ids = append(ids, binary.BigEndian.Uint16(data[p+2:]))
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&have2x2 != 0:
			p += 8
		}
		if flags&moreComponent == 0 {
			return ids, nil
		}
	}
}

// readTables returns the tables of a TrueType font by tag.
func readTables(src []byte) (map[string][]byte, error) {
	if len(src) < 12 {
		return nil, errors.New("font too short")
	}
	if v := binary.BigEndian.Uint32(src); v != 0x00010000 && v != 0x74727565 { // 'true'
		return nil, fmt.Errorf("unsupported sfnt version %#08x", v)
	}
	n := int(binary.BigEndian.Uint16(src[4:]))
	if len(src) < 12+16*n {
		return nil, errors.New("table directory truncated")
	}
	tables := make(map[string][]byte, n)
	for i := range n {
		rec := src[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(src)) {
			return nil, fmt.Errorf("table %q out of bounds", rec[:4])
		}
		tables[string(rec[:4])] = src[off : off+length]
	}
	return tables, nil
}

// writeTables serialises tables as a TrueType font: the table directory
// sorted by tag, each table 4-byte aligned with its checksum.
func writeTables(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	n := len(tags)
	entrySelector := bits.Len(uint(n)) - 1
	searchRange := 16 << entrySelector

	font := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(font, 0x00010000)
	binary.BigEndian.PutUint16(font[4:], uint16(n))
	binary.BigEndian.PutUint16(font[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(font[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(font[10:], uint16(16*n-searchRange))
	for i, tag := range tags {
		data := tables[tag]
		rec := font[12+16*i:]
		copy(rec, tag)
		binary.BigEndian.PutUint32(rec[4:], checksum(data))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(font)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(data)))
		font = append(font, data...)
		for len(font)%4 != 0 {
			font = append(font, 0)
		}
	}
	return font
}

// tableOffset returns the offset of a table written by writeTables.
func tableOffset(font []byte, tag string) int {
	n := int(binary.BigEndian.Uint16(font[4:]))
	for i := range n {
		rec := font[12+16*i:]
		if string(rec[:4]) == tag {
			return int(binary.BigEndian.Uint32(rec[8:]))
		}
	}
	return -1
}

// checksum is the OpenType table checksum: the sum of big-endian uint32s,
// the data zero-padded to a multiple of 4.
func checksum(data []byte) uint32 {
	var sum uint32
	for i := 0; i < len(data); i += 4 {
		var w [4]byte
		copy(w[:], data[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
