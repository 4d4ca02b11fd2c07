// Cross-reference sections (kyso patch, see KYSO-PATCHES.md).

package pdf

import (
	"fmt"
	"io"
)

// xrefBuilder merges the cross-reference sections of a file, read newest
// first. The first section that mentions an object number decides it,
// whether it says the object is in use or free: an object freed by an
// update is not brought back by an older section (ISO 32000-1, 7.5.4 and
// 7.5.6).
type xrefBuilder struct {
	table []xref
	set   []bool // decided by a newer section
	limit int64  // object numbers are below limit
}

// slot returns the index of object n, growing the table, or -1 if n is
// out of range.
func (t *xrefBuilder) slot(n int64) int {
	if n < 0 || n >= t.limit {
		return -1
	}
	x := int(n)
	if x >= cap(t.table) {
		grown := make([]xref, len(t.table), max(x+1, 2*cap(t.table)))
		copy(grown, t.table)
		t.table = grown
		set := make([]bool, len(t.set), cap(grown))
		copy(set, t.set)
		t.set = set
	}
	if x >= len(t.table) {
		t.table, t.set = t.table[:x+1], t.set[:x+1]
	}
	return x
}

// use records object n as in use at e unless a newer section decided it.
// Object 0 is always free.
func (t *xrefBuilder) use(n int64, e xref) {
	x := t.slot(n)
	if x <= 0 || t.set[x] {
		return
	}
	t.table[x], t.set[x] = e, true
}

// decided reports whether a section read before decided object n.
func (t *xrefBuilder) decided(n int64) bool {
	return n >= 0 && n < int64(len(t.set)) && t.set[n]
}

// free records object n as free unless a newer section decided it.
func (t *xrefBuilder) free(n int64) {
	x := t.slot(n)
	if x < 0 || t.set[x] {
		return
	}
	t.table[x], t.set[x] = xref{}, true
}

// add records the rows of a cross-reference stream.
func (t *xrefBuilder) add(rows []xrefRow) {
	for _, row := range rows {
		if row.free {
			t.free(row.n)
		} else {
			t.use(row.n, row.e)
		}
	}
}

// xrefRow is one entry of a cross-reference section.
type xrefRow struct {
	n    int64
	free bool
	e    xref
}

// readXref reads the chain of cross-reference sections that starts at
// startxref, newest first, and returns the merged table and the newest
// section's trailer (ISO 32000-1, 7.5.4-7.5.8):
//
//   - a section is a classic table with its trailer or a cross-reference
//     stream, and /Prev may lead from either kind to either kind
//     (upstream followed /Prev only to sections of the same kind and
//     failed on a mix, which is what incremental updates by other
//     software than the original writer's produce);
//   - a table whose trailer has /XRefStm (a hybrid-reference file,
//     7.5.8.4) is followed by the entries of that stream before the
//     previous section: the table's in-use entries first, then the
//     stream's, then the table's free entries, so that the objects the
//     table marks free for older readers are found in the stream (as qpdf
//     reads them); the stream's own /Prev is not followed (upstream
//     ignored /XRefStm, so the objects of such an update were invisible);
//   - a free entry hides the object from older sections (upstream let an
//     older in-use entry through a newer table's free entry).
//
// A /Prev of 0 is an error, as upstream: poppler then rebuilds the table
// of the file, while qpdf ends the chain there; no reading is right.
func readXref(r *Reader, startxref int64) ([]xref, objptr, Object, error) {
	t := &xrefBuilder{limit: r.maxEntries()}
	var trailer Object
	var trailerptr objptr
	visited := map[int64]bool{}
	for off, first := startxref, true; ; first = false {
		if off < 0 || off >= r.end {
			return nil, objptr{}, Object{}, fmt.Errorf("malformed PDF: xref Prev %d outside the file", off)
		}
		if visited[off] {
			return nil, objptr{}, Object{}, fmt.Errorf("malformed PDF: xref Prev loop detected: %v", off)
		}
		if len(visited) >= maxXrefSections {
			return nil, objptr{}, Object{}, limitError("cross-reference sections", int64(maxXrefSections))
		}
		visited[off] = true

		dict, err := readXrefSection(r, t, off, first, &trailer, &trailerptr)
		if err != nil {
			if off == startxref {
				return nil, objptr{}, Object{}, fmt.Errorf("malformed PDF: cross-reference section at %d (startxref): %v", off, err)
			}
			return nil, objptr{}, Object{}, fmt.Errorf("malformed PDF: cross-reference section at %d (a /Prev): %v", off, err)
		}

		prev, ok := dict.DictVal["Prev"]
		if !ok || prev.Kind == Null {
			break
		}
		if prev.Kind != Integer {
			return nil, objptr{}, Object{}, fmt.Errorf("malformed PDF: xref Prev is not integer: %s", short(objfmt(prev)))
		}
		off = prev.Int64Val
	}
	return finishXref(t, trailer, trailerptr, r)
}

// readXrefSection reads the section at off into t and returns its
// dictionary (a table's trailer, or a stream's dictionary). For the newest
// section (first) it also sets the file's trailer.
func readXrefSection(r *Reader, t *xrefBuilder, off int64, first bool, trailer *Object, trailerptr *objptr) (Object, error) {
	b := r.newBuffer(io.NewSectionReader(r.f, off, r.end-off), off)
	tok := b.readToken()
	switch {
	case tok.Kind == Keyword && tok.KeywordVal == "xref":
		rows, tr, err := readXrefTable(r, b, first)
		if err != nil {
			return Object{}, err
		}
		for _, row := range rows {
			if !row.free {
				t.use(row.n, row.e)
			}
		}
		if stm, ok := tr.DictVal["XRefStm"]; ok {
			if stm.Kind != Integer || stm.Int64Val < 0 || stm.Int64Val >= r.end {
				return Object{}, fmt.Errorf("/XRefStm %s is not an offset in the file", short(objfmt(stm)))
			}
			sb := r.newBuffer(io.NewSectionReader(r.f, stm.Int64Val, r.end-stm.Int64Val), stm.Int64Val)
			srows, _, _, err := readXrefStream(r, sb)
			if err != nil {
				return Object{}, fmt.Errorf("/XRefStm %d: %v", stm.Int64Val, err)
			}
			// kyso patch: an object this table marks free and its stream
			// lists in use, that no newer section decided, is read
			// otherwise by poppler (Reader.FreedInTable).
			inStm := map[int64]bool{}
			for _, row := range srows {
				if !row.free {
					inStm[row.n] = true
				}
			}
			for _, row := range rows {
				if row.free && row.n > 0 && inStm[row.n] && !t.decided(row.n) {
					r.freedInTable = append(r.freedInTable, uint32(row.n))
				}
			}
			t.add(srows)
		}
		for _, row := range rows {
			if row.free {
				t.free(row.n)
			}
		}
		if first {
			*trailer = tr
			r.XrefInformation.Type = "table"
		}
		return tr, nil
	case tok.Kind == Integer:
		b.unreadToken(tok)
		rows, strm, ptr, err := readXrefStream(r, b)
		if err != nil {
			return Object{}, err
		}
		t.add(rows)
		if first {
			*trailer, *trailerptr = strm, ptr
			r.XrefInformation.Type = "stream"
		}
		return strm, nil
	}
	return Object{}, fmt.Errorf("neither a table nor a stream: %s", short(objfmt(tok)))
}

// finishXref checks the trailer and returns the table.
func finishXref(t *xrefBuilder, trailer Object, trailerptr objptr, r *Reader) ([]xref, objptr, Object, error) {
	sizeObj := trailer.DictVal["Size"]
	if sizeObj.Kind != Integer {
		return nil, objptr{}, Object{}, fmt.Errorf("malformed PDF: trailer missing /Size entry")
	}
	if sizeObj.Int64Val < 0 {
		return nil, objptr{}, Object{}, fmt.Errorf("malformed PDF: trailer /Size %d", sizeObj.Int64Val)
	}
	// Entries past /Size are kept: qpdf and poppler read them too.
	r.XrefInformation.ItemCount = int64(len(t.table))
	return t.table, trailerptr, trailer, nil
}

// readXrefTable reads a classic cross-reference table after its "xref"
// keyword, and its trailer dictionary. For the file's newest section
// (first) it records where the section ends, as upstream did.
func readXrefTable(r *Reader, b *buffer, first bool) ([]xrefRow, Object, error) {
	rows, err := readXrefTableData(r, b)
	if err != nil {
		return nil, Object{}, err
	}
	if first {
		// Length of the trailer keyword and its newline.
		trailerLength := int64(len("trailer")) + 1
		r.XrefInformation.EndPos = (r.XrefInformation.StartPos - trailerLength) + b.realPos
		r.XrefInformation.Length = (b.realPos - trailerLength) + 1
	}
	trailer := b.readObject()
	if trailer.Kind != Dict {
		return nil, Object{}, fmt.Errorf("xref table not followed by trailer dictionary")
	}
	if first {
		// Including the trailer and startxref (without value).
		r.XrefInformation.IncludingTrailerEndPos = r.XrefInformation.StartPos + b.realPos
		r.XrefInformation.IncludingTrailerLength = b.realPos + 1
	}
	return rows, trailer, nil
}

// readXrefTableData reads the subsections of a table up to "trailer".
func readXrefTableData(r *Reader, b *buffer) ([]xrefRow, error) {
	limit := r.maxEntries()
	var rows []xrefRow
	for {
		tok := b.readToken()
		if tok.Kind == Keyword && tok.KeywordVal == "trailer" {
			return rows, nil
		}
		if tok.Kind != Integer {
			return nil, fmt.Errorf("malformed xref table: expected integer start")
		}
		start := tok.Int64Val
		nObj := b.readToken()
		if nObj.Kind != Integer {
			return nil, fmt.Errorf("malformed xref table: expected integer count")
		}
		n := nObj.Int64Val
		if start < 0 || n < 0 || start > limit || n > limit-start || int64(len(rows))+n > limit {
			return nil, fmt.Errorf("malformed xref table: subsection %d %d out of range", start, n)
		}
		for i := range n {
			offObj := b.readToken()
			genObj := b.readToken()
			allocObj := b.readToken()
			if offObj.Kind != Integer || genObj.Kind != Integer || allocObj.Kind != Keyword {
				return nil, fmt.Errorf("malformed xref table entry")
			}
			gen := genObj.Int64Val
			if gen < 0 || gen > 65535 {
				return nil, fmt.Errorf("malformed xref table entry: generation %d", gen)
			}
			x := start + i
			switch allocObj.KeywordVal {
			case "n":
				rows = append(rows, xrefRow{n: x, e: xref{ptr: objptr{uint32(x), uint16(gen)}, offset: offObj.Int64Val}})
			case "f":
				rows = append(rows, xrefRow{n: x, free: true})
			default:
				return nil, fmt.Errorf("malformed xref table entry: invalid type %q", short(allocObj.KeywordVal))
			}
		}
	}
}

// readXrefStream reads the cross-reference stream that b starts at and
// returns its entries, the stream and its object number.
func readXrefStream(r *Reader, b *buffer) ([]xrefRow, Object, objptr, error) {
	strm := b.readObject()
	if strm.Kind != Stream {
		return nil, Object{}, objptr{}, fmt.Errorf("neither a table nor a stream: %s", short(objfmt(strm)))
	}
	if strm.DictVal["Type"].NameVal != "XRef" {
		return nil, Object{}, objptr{}, fmt.Errorf("xref stream does not have type XRef")
	}
	sizeObj := strm.DictVal["Size"]
	if sizeObj.Kind != Integer {
		return nil, Object{}, objptr{}, fmt.Errorf("xref stream missing Size")
	}
	size := sizeObj.Int64Val
	if size < 0 || size > r.maxEntries() {
		return nil, Object{}, objptr{}, fmt.Errorf("xref stream /Size %d out of range", size)
	}
	rows, err := readXrefStreamData(r, strm, size)
	if err != nil {
		return nil, Object{}, objptr{}, err
	}
	return rows, strm, strm.PtrVal, nil
}

// readXrefStreamData reads the entries of the cross-reference stream strm
// (ISO 32000-1, 7.5.8.2-3).
func readXrefStreamData(r *Reader, strm Object, size int64) ([]xrefRow, error) {
	index := strm.DictVal["Index"]
	if index.Kind == Null {
		index = Object{Kind: Array, ArrayVal: []Object{{Kind: Integer, Int64Val: 0}, {Kind: Integer, Int64Val: size}}}
	}
	if index.Kind != Array || len(index.ArrayVal)%2 != 0 {
		return nil, fmt.Errorf("invalid Index array %s", short(objfmt(index)))
	}
	ww := strm.DictVal["W"]
	if ww.Kind != Array {
		return nil, fmt.Errorf("xref stream missing W array")
	}
	// /W is three field widths (Table 17). A field is at most 8 bytes:
	// decodeInt decodes into an int.
	var w [3]int
	wtotal := 0
	if len(ww.ArrayVal) != 3 {
		return nil, fmt.Errorf("invalid W array %s", short(objfmt(ww)))
	}
	for i, x := range ww.ArrayVal {
		if x.Kind != Integer || x.Int64Val < 0 || x.Int64Val > 8 {
			return nil, fmt.Errorf("invalid W array %s", short(objfmt(ww)))
		}
		w[i] = int(x.Int64Val)
		wtotal += w[i]
	}
	// A type field wider than 4 bytes: poppler rejects the stream and
	// rebuilds the table (kyso patch; see the unknown types below).
	if w[0] > 4 {
		return nil, fmt.Errorf("invalid W array %s: a type field of %d bytes", short(objfmt(ww)), w[0])
	}
	if wtotal == 0 {
		return nil, fmt.Errorf("invalid W array %s", short(objfmt(ww)))
	}

	v := Value{r: r, obj: strm}
	buf := make([]byte, wtotal)
	data := v.Reader()
	defer data.Close()
	limit := r.maxEntries()
	var rows []xrefRow
	for idx := index.ArrayVal; len(idx) > 0; idx = idx[2:] {
		if idx[0].Kind != Integer || idx[1].Kind != Integer {
			return nil, fmt.Errorf("malformed Index pair %s %s", short(objfmt(idx[0])), short(objfmt(idx[1])))
		}
		start, n := idx[0].Int64Val, idx[1].Int64Val
		if start < 0 || n < 0 || start > limit || n > limit-start || int64(len(rows))+n > limit {
			return nil, fmt.Errorf("Index pair %d %d out of range", start, n)
		}
		for i := range n {
			if _, err := io.ReadFull(data, buf); err != nil {
				return nil, fmt.Errorf("error reading xref stream: %v", err)
			}
			typ := decodeInt(buf[0:w[0]])
			if w[0] == 0 {
				typ = 1
			}
			f2 := decodeInt(buf[w[0] : w[0]+w[1]])
			f3 := decodeInt(buf[w[0]+w[1]:])
			x := start + i
			switch typ {
			case 1:
				if f3 < 0 || f3 > 65535 {
					return nil, fmt.Errorf("xref stream entry %d: generation %d", x, f3)
				}
				rows = append(rows, xrefRow{n: x, e: xref{ptr: objptr{uint32(x), uint16(f3)}, offset: int64(f2)}})
			case 2:
				if f2 < 0 || int64(f2) >= limit {
					return nil, fmt.Errorf("xref stream entry %d: object stream %d", x, f2)
				}
				rows = append(rows, xrefRow{n: x, e: xref{ptr: objptr{uint32(x), 0}, inStream: true, stream: objptr{uint32(f2), 0}, offset: int64(f3)}})
			case 0:
				rows = append(rows, xrefRow{n: x, free: true})
			default:
				// ISO 32000-1, 7.5.8.3 reads any other type as a
				// reference to the null object, but poppler rejects the
				// whole stream and rebuilds the table from the file's
				// plain definitions (object streams left out): an unused
				// object of type 3 next to a page packed unchanged after
				// a forged plain definition made poppler show the forged
				// page (kyso patch; kyso's attacksuite, structure.go).
				// Readers disagree: an error. (Upstream printed it to
				// stdout.)
				return nil, fmt.Errorf("xref stream entry %d: unknown type %d", x, typ)
			}
		}
	}
	return rows, nil
}

func decodeInt(b []byte) int {
	x := 0
	for _, c := range b {
		x = x<<8 | int(c)
	}
	return x
}
