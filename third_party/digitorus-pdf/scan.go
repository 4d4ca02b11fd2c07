// Rebuilding the cross-reference table of a damaged file (kyso patch, see
// KYSO-PATCHES.md).

package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
)

// A Scan lists the object definitions and trailers of a file found by
// reading it from start to end, as readers do when a file's
// cross-reference data cannot be followed: qpdf, poppler and pdf.js
// rebuild the table of a damaged file so, the last definition of an
// object number winning. The objects held by object streams are listed
// too, at the position of their stream (upstream had no repair; a rebuilt
// table of plain objects only misses every object of a file that uses
// object streams).
//
// A Scan makes Readers of the whole file or of any prefix of it (the file
// as it was at the end of an earlier revision) without reading it again.
type Scan struct {
	f    io.ReaderAt
	size int64
	// data is the file when it is in memory (ScanBytes): searched where
	// it is instead of being copied into buffers.
	data []byte
	// defs are the definitions in file order; an object of an object
	// stream comes right after its stream.
	defs     []scanDef
	trailers []scanTrailer
	// hidden are the hidden definitions, hiddenTrailers the offsets of
	// hidden trailers, in file order.
	hidden         []HiddenDef
	hiddenTrailers []int64
	cache          *Cache // shared with the Readers made, if set
}

// scanDef is one definition found.
type scanDef struct {
	ptr      objptr
	pos, end int64 // the definition's first byte and the byte after it
	inStream bool  // held by the object stream stream (pos and end are the stream's)
	stream   uint32
	index    int64
}

// scanTrailer is a trailer dictionary or a cross-reference stream's
// dictionary.
type scanTrailer struct {
	pos, end int64
	dict     Object
}

var (
	objKW     = []byte("obj")
	trailerKW = []byte("trailer")
	// endstreamKW ends a stream's data when /Length cannot be used.
	endstreamKW = []byte("endstream")
)

// scanCandidate is an "N G obj" or a "trailer" found in a block.
type scanCandidate struct {
	start, end int // in the block
	trailer    bool
	id, gen    int64
}

// nextCandidate returns the first "N G obj" or "trailer" of b that starts
// in b[from:to]. "N G obj" may follow anything but a number ("%%EOF1 0
// obj" starts the updates of some writers), "trailer" must be a word; both
// must be followed by white space or a delimiter.
//
// m remembers, for the calls on one block (with from never decreasing),
// where the search for "obj" stopped: the "obj" occurrences it passed over
// are no candidates for a later from either, so they are not searched
// again. (Each call searched them again: a block of many "obj" and
// "trailer" words that are no definitions — a long stream cut short —
// took time quadratic in its length, kyso patch 45.)
func nextCandidate(b []byte, from, to int64, m *objMemo) (scanCandidate, bool) {
	ends := func(i int) bool { return i >= len(b) || isSpace(b[i]) || isDelim(b[i]) }
	var obj scanCandidate
	found := false
	start := int(from)
	switch {
	case !m.set || from < m.from:
		// A search of its own.
	case m.at < 0:
		start = int(to) // none for an earlier from: none for this one
	default:
		start = max(start, m.at)
	}
	m.set, m.from, m.at = true, from, -1
	for i := start; int64(i) < to; {
		at := i
		k := bytes.Index(b[i:], objKW)
		if k < 0 {
			break
		}
		q := i + k
		i = q + 1
		if c, ok := objAt(b, q); ok && ends(q+len(objKW)) && int64(c.start) >= from {
			if int64(c.start) >= to {
				break
			}
			obj, found = c, true
			m.at = at
			break
		}
	}
	// A trailer before the definition found comes first.
	limit := to
	if found {
		limit = int64(obj.start)
	}
	// (Bounded by limit: an unbounded search would cross the rest of the
	// block at every definition.)
	for i := int(from); int64(i) < limit; {
		k := bytes.Index(b[i:min(int(limit)+len(trailerKW), len(b))], trailerKW)
		if k < 0 || int64(i+k) >= limit {
			break
		}
		q := i + k
		i = q + 1
		if ends(q+len(trailerKW)) && (q == 0 || isSpace(b[q-1]) || isDelim(b[q-1])) {
			return scanCandidate{start: q, end: q + len(trailerKW), trailer: true}, true
		}
	}
	return obj, found
}

// objMemo is where nextCandidate's last search for "obj" in a block
// stopped: the search started at from found its candidate by searching
// from at on (every "obj" between from and at was none), or found none
// (at < 0).
type objMemo struct {
	set  bool
	from int64
	at   int
}

// objAt reads "N G" backwards from the "obj" at q.
func objAt(b []byte, q int) (scanCandidate, bool) {
	j := q
	for j > 0 && isPDFSpaceByte(b[j-1]) {
		j--
	}
	if j == q {
		return scanCandidate{}, false
	}
	g := j
	for j > 0 && isDigit(b[j-1]) && g-j < 5 {
		j--
	}
	if j == g || j > 0 && isDigit(b[j-1]) {
		return scanCandidate{}, false
	}
	gen, _ := strconv.ParseInt(string(b[j:g]), 10, 64)
	w := j
	for j > 0 && isPDFSpaceByte(b[j-1]) {
		j--
	}
	if j == w {
		return scanCandidate{}, false
	}
	d := j
	for j > 0 && isDigit(b[j-1]) && d-j < 10 {
		j--
	}
	if j == d {
		return scanCandidate{}, false
	}
	if j > 0 {
		if c := b[j-1]; isDigit(c) || c == '.' || c == '-' || c == '+' {
			return scanCandidate{}, false
		}
	}
	id, _ := strconv.ParseInt(string(b[j:d]), 10, 64)
	return scanCandidate{start: j, end: q + len(objKW), id: id, gen: gen}, true
}

// isPDFSpaceByte reports the white space "N G obj" is separated by.
func isPDFSpaceByte(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

// scanBlock is how much of the file a Scan reads at a time.
const scanBlock = 1 << 20

// ScanObjects reads f (size bytes) from start to end for object
// definitions ("N G obj"), trailers and cross-reference streams, and the
// contents of the object streams it finds. The objects it parses, and
// those its Readers parse, are shared through c if it is not nil. A definition found is parsed
// to find where it ends, and the search goes on after it, so that
// definitions inside a stream's data or a string are not taken for the
// file's own. The work is bounded like a Reader's (limits.go).
func ScanObjects(f io.ReaderAt, size int64, c *Cache) (s *Scan, err error) {
	return scanObjects(f, nil, size, c)
}

// ScanBytes is ScanObjects of a file held in memory: it searches data where
// it is rather than copying it, block by block, into buffers of its own
// (kyso patch 46). What it finds is what ScanObjects finds in the same
// bytes. data must not be modified while the Scan or its Readers are used.
func ScanBytes(data []byte, c *Cache) (*Scan, error) {
	return scanObjects(bytes.NewReader(data), data, int64(len(data)), c)
}

// scanObjects is ScanObjects; data is the file if it is in memory, else nil.
func scanObjects(f io.ReaderAt, data []byte, size int64, c *Cache) (s *Scan, err error) {
	defer func() {
		if e := recover(); e != nil {
			s, err = nil, fmt.Errorf("malformed PDF: %v", e)
		}
	}()
	s = &Scan{f: f, size: size, data: data, cache: c}
	// A Reader without a table parses the definitions.
	r := &Reader{f: f, end: size, objCache: map[uint32]Value{}, lim: newLimits(size), shared: c}
	var stms []int // indexes in s.defs of object streams
	const lookback, lookahead = 32, 64
	// The buffer holds a block and its margins, or the whole file when
	// that is smaller: most signed documents are well under a block, and
	// a fresh, zeroed 1 MiB buffer for each was a tenth of the CPU of
	// kyso's verifier benchmark on a 200 KB one (kyso patch 41).
	// A file in memory is searched where it is.
	var buf []byte
	if data == nil {
		buf = make([]byte, max(0, min64(lookback+scanBlock+lookahead, size)))
	}
	skip := int64(0) // the end of the last definition parsed
	for off := int64(0); off < size; off += scanBlock {
		// The data of a long stream is not searched.
		if skip > off {
			off = skip
		}
		lo := max(0, off-lookback)
		n := min64(lookback+scanBlock+lookahead, min64(off+scanBlock+lookahead, size)-lo)
		var b []byte
		if data != nil {
			b = data[lo : lo+n]
		} else {
			b = buf[:n]
			if _, err := f.ReadAt(b, lo); err != nil && err != io.EOF {
				return nil, err
			}
		}
		to := min64(off+scanBlock, size) - lo
		var memo objMemo
		for from := off - lo; ; {
			// The search resumes after the last definition parsed.
			from = max(from, skip-lo)
			c, ok := nextCandidate(b, from, to, &memo)
			if !ok {
				break
			}
			from = int64(c.start) + 1
			pos := lo + int64(c.start)
			if c.trailer {
				if t, ok := s.parseTrailer(r, pos); ok {
					s.trailers = append(s.trailers, t)
					skip = t.end
				}
				continue
			}
			if c.id <= 0 || c.id >= r.maxEntries() || c.gen > 65535 {
				continue
			}
			d := scanDef{ptr: objptr{uint32(c.id), uint16(c.gen)}, pos: pos, end: lo + int64(c.end)}
			obj, end, ok := s.parseDef(r, d.ptr, pos)
			if ok {
				d.end = end
				skip = end
				if obj.Kind == Stream {
					switch obj.DictVal["Type"].NameVal {
					case "ObjStm":
						stms = append(stms, len(s.defs))
					case "XRef":
						s.trailers = append(s.trailers, scanTrailer{pos: pos, end: end, dict: Object{Kind: Dict, DictVal: obj.DictVal}})
					}
				}
			}
			s.defs = append(s.defs, d)
		}
	}
	if len(stms) > 0 {
		s.addObjStms(stms)
	}
	s.findHidden()
	return s, nil
}

// HiddenDef is an "N G obj" at the start of a line inside the bytes of a
// definition the scan parsed (its stream's data, a string): not a
// definition of the file, but one to a reader that rebuilds the table line
// by line (kyso patch). poppler does (XRef::constructXRef, when a fetch
// fails in a file whose newest section is a table, or the table cannot be
// read): every line that starts, after white space, with "N G obj" (or
// that follows an "endobj" on its line) is a definition, a later one
// winning.
type HiddenDef struct {
	ID     uint32
	Gen    uint16
	Offset int64
}

// Hidden returns the hidden definitions that start in the file's first end
// bytes.
func (s *Scan) Hidden(end int64) []HiddenDef {
	k := sort.Search(len(s.hidden), func(i int) bool { return s.hidden[i].Offset >= end })
	return s.hidden[:k]
}

// Outranked returns the object numbers that have, among the plain
// definitions that end in the file's first end bytes, one of a higher
// generation than the last (kyso patch). The last definition wins in this
// package's rebuild and in qpdf's; poppler's (XRef::constructXRef) keeps
// a definition unless a later one has at least its generation.
func (s *Scan) Outranked(end int64) []uint32 {
	type gens struct{ max, last uint16 }
	seen := map[uint32]gens{}
	for _, d := range s.defs {
		if d.pos >= end {
			break
		}
		if d.inStream || d.end > end {
			continue
		}
		g, ok := seen[d.ptr.id]
		if !ok || d.ptr.gen > g.max {
			g.max = d.ptr.gen
		}
		g.last = d.ptr.gen
		seen[d.ptr.id] = g
	}
	var out []uint32
	for id, g := range seen {
		if g.max > g.last {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// findHidden lists the hidden definitions inside the plain definitions
// found.
func (s *Scan) findHidden() {
	var buf []byte
	for _, d := range s.defs {
		if d.inStream || d.end-d.pos <= int64(len(objKW)) {
			continue
		}
		n := d.end - d.pos
		var b []byte
		switch {
		case s.data != nil && d.end <= int64(len(s.data)):
			b = s.data[d.pos:d.end]
		case s.data != nil:
			continue // as a short read is
		default:
			if int64(cap(buf)) < n {
				buf = make([]byte, n)
			}
			b = buf[:n]
			if k, err := s.f.ReadAt(b, d.pos); int64(k) < n && err != nil {
				continue
			}
		}
		hiddenIn(b, func(c scanCandidate) {
			s.hidden = append(s.hidden, HiddenDef{ID: uint32(c.id), Gen: uint16(c.gen), Offset: d.pos + int64(c.start)})
		}, func(q int) {
			s.hiddenTrailers = append(s.hiddenTrailers, d.pos+int64(q))
		})
	}
	sort.Slice(s.hidden, func(i, j int) bool { return s.hidden[i].Offset < s.hidden[j].Offset })
	slices.Sort(s.hiddenTrailers)
}

// hiddenIn calls def for each "N G obj" of b (the bytes of a definition)
// that starts a line (lineStart), in order, and trailer for each
// "trailer" that does. An "obj" is found by its "b", rarer than "o" in
// text and in content streams; a "trailer" by what starts its line, a
// line break or an "endobj" and white space (kyso patch 47). They were
// found by searching b for "obj" and for "trailer" from its second byte
// on: a search led by their first letters, which are frequent in text
// and stopped the search every few bytes.
func hiddenIn(b []byte, def func(scanCandidate), trailer func(q int)) {
	// at reports a hidden trailer where a line starts after i.
	at := func(i int) {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\f' || b[i] == 0) {
			i++
		}
		if bytes.HasPrefix(b[i:], trailerKW) {
			trailer(i)
		}
	}
	for i := 2; i < len(b); {
		k := bytes.IndexByte(b[i:], 'b')
		if k < 0 {
			break
		}
		q := i + k - 1 // where an "obj" would start
		i += k + 1
		if q+len(objKW) > len(b) || b[q] != 'o' || b[q+2] != 'j' {
			continue
		}
		if q >= 3 && string(b[q-3:q]) == "end" {
			at(q + len(objKW))
		}
		c, ok := objAt(b, q)
		if !ok || c.start == 0 || c.id <= 0 || c.gen > 65535 || !lineStart(b, c.start) {
			continue
		}
		def(c)
	}
	for _, nl := range []byte{'\n', '\r'} {
		for i := 0; i < len(b); {
			k := bytes.IndexByte(b[i:], nl)
			if k < 0 {
				break
			}
			i += k + 1
			at(i)
		}
	}
}

// HiddenTrailers returns the offsets of the "trailer" keywords at the start
// of a line inside the bytes of a definition the scan parsed, in the
// file's first end bytes (kyso patch): poppler's rebuild of a table takes
// the /Root of the last trailer it finds, hidden or not.
func (s *Scan) HiddenTrailers(end int64) []int64 {
	k := sort.Search(len(s.hiddenTrailers), func(i int) bool { return s.hiddenTrailers[i] >= end })
	return s.hiddenTrailers[:k]
}

// lineStart reports whether b[i] starts a line for a line-by-line reader:
// only spaces, tabs, form feeds and NULs between it and a line break, or
// an "endobj" before it on its line.
func lineStart(b []byte, i int) bool {
	j := i
	for j > 0 && (b[j-1] == ' ' || b[j-1] == '\t' || b[j-1] == '\f' || b[j-1] == 0) {
		j--
	}
	return j > 0 && (b[j-1] == '\n' || b[j-1] == '\r') || bytes.HasSuffix(b[:j], []byte("endobj"))
}

// parseDef parses the definition of ptr at pos and returns it and where it
// ends: after endobj, or after the endstream of a stream.
func (s *Scan) parseDef(r *Reader, ptr objptr, pos int64) (obj Object, end int64, ok bool) {
	defer func() {
		if e := recover(); e != nil {
			obj, end, ok = Object{}, 0, false
		}
	}()
	b := r.newBuffer(io.NewSectionReader(s.f, pos, s.size-pos), pos)
	defer b.release()
	obj = b.readObject()
	if obj.Kind == Keyword || obj.PtrVal != ptr {
		return Object{}, 0, false
	}
	r.shared.putDef(r, ptr, pos, obj, b.readOffset())
	if obj.Kind != Stream {
		return obj, b.readOffset(), true
	}
	// The data ends at /Length if it is a number followed by endstream,
	// else at the first endstream.
	if l := obj.DictVal["Length"]; l.Kind == Integer && l.Int64Val >= 0 && l.Int64Val <= s.size-obj.StreamOffset {
		if e, ok := s.endstreamAt(obj.StreamOffset + l.Int64Val); ok {
			return obj, e, true
		}
	}
	e, ok := s.findEndstream(r, obj.StreamOffset)
	return obj, e, ok
}

// endstreamAt reports whether endstream follows pos, after an optional
// end-of-line, and returns the offset after it.
func (s *Scan) endstreamAt(pos int64) (int64, bool) {
	var b [len("endstream") + 2]byte
	n, _ := s.f.ReadAt(b[:], pos)
	w := b[:n]
	skip := 0
	for skip < 2 && skip < len(w) && (w[skip] == '\r' || w[skip] == '\n') {
		skip++
	}
	if !bytes.HasPrefix(w[skip:], endstreamKW) {
		return 0, false
	}
	return pos + int64(skip+len(endstreamKW)), true
}

// findEndstream returns the offset after the first endstream at or after
// pos.
func (s *Scan) findEndstream(r *Reader, pos int64) (int64, bool) {
	buf := make([]byte, 64<<10+len(endstreamKW))
	for off := pos; off < s.size; off += 64 << 10 {
		n, _ := s.f.ReadAt(buf[:min64(int64(len(buf)), s.size-off)], off)
		r.lim.lex(n)
		if i := bytes.Index(buf[:n], endstreamKW); i >= 0 {
			return off + int64(i+len(endstreamKW)), true
		}
	}
	return 0, false
}

// parseTrailer parses the trailer dictionary after the "trailer" at pos.
func (s *Scan) parseTrailer(r *Reader, pos int64) (t scanTrailer, ok bool) {
	defer func() {
		if e := recover(); e != nil {
			ok = false
		}
	}()
	b := r.newBuffer(io.NewSectionReader(s.f, pos, s.size-pos), pos)
	defer b.release()
	b.readToken() // trailer
	d := b.readObject()
	if d.Kind != Dict {
		return scanTrailer{}, false
	}
	return scanTrailer{pos: pos, end: b.readOffset(), dict: d}, true
}

// addObjStms lists the objects of the object streams defined at the
// indexes stms of s.defs, each right after its stream. A stream is read
// through a Reader of the whole file made from the definitions found so
// far (it may be encrypted, or its /Length be another object).
func (s *Scan) addObjStms(stms []int) {
	r, err := s.reader(s.size, s.defs)
	if err != nil {
		return
	}
	var out []scanDef
	last := 0
	for _, i := range stms {
		d := s.defs[i]
		out = append(out, s.defs[last:i+1]...)
		last = i + 1
		sv := r.load(d.ptr, xref{ptr: d.ptr, offset: d.pos})
		_, entries, err := r.readObjStm(sv)
		if err != nil {
			continue
		}
		for k, e := range entries {
			if e.id == 0 || int64(e.id) >= r.maxEntries() {
				continue
			}
			out = append(out, scanDef{ptr: objptr{e.id, 0}, pos: d.pos, end: d.end, inStream: true, stream: d.ptr.id, index: int64(k)})
		}
	}
	s.defs = append(out, s.defs[last:]...)
}

// Reader returns the reading of the file's first end bytes (the whole file,
// or the file as it was at the end of an earlier revision) made from the
// definitions the scan found there: for each object number the last
// definition (an object in an object stream counts as defined where its
// stream is), and the last trailer or cross-reference stream dictionary
// with /Root. The Reader knows nothing of the file's own cross-reference
// sections.
func (s *Scan) Reader(end int64) (rd *Reader, err error) {
	defer func() {
		if e := recover(); e != nil {
			rd, err = nil, fmt.Errorf("malformed PDF: %v", e)
		}
	}()
	if end <= 0 || end > s.size {
		return nil, fmt.Errorf("pdf: scan has no prefix of %d bytes", end)
	}
	// defs are in file order; those ending within end are a prefix of
	// them but for definitions that run past end.
	k := sort.Search(len(s.defs), func(i int) bool { return s.defs[i].pos >= end })
	var defs []scanDef
	for _, d := range s.defs[:k] {
		if d.end <= end {
			defs = append(defs, d)
		}
	}
	return s.reader(end, defs)
}

// reader makes a Reader of the first end bytes with the definitions defs.
func (s *Scan) reader(end int64, defs []scanDef) (*Reader, error) {
	var trailer Object
	for _, t := range s.trailers {
		if t.end <= end {
			if _, ok := t.dict.DictVal["Root"]; ok {
				trailer = t.dict
			}
		}
	}
	if trailer.Kind != Dict {
		return nil, errors.New("malformed PDF: no trailer with /Root found")
	}
	if len(defs) == 0 {
		return nil, errors.New("malformed PDF: no object found")
	}
	r := &Reader{
		f:        io.NewSectionReader(s.f, 0, end),
		end:      end,
		trailer:  trailer,
		objCache: map[uint32]Value{},
		lim:      newLimits(end),
		shared:   s.cache,
	}
	t := &xrefBuilder{limit: r.maxEntries()}
	// The last definition wins: read them newest first.
	for i := len(defs) - 1; i >= 0; i-- {
		d := defs[i]
		if d.inStream {
			t.use(int64(d.ptr.id), xref{ptr: d.ptr, inStream: true, stream: objptr{d.stream, 0}, offset: d.index})
		} else {
			t.use(int64(d.ptr.id), xref{ptr: d.ptr, offset: d.pos})
		}
	}
	r.xref = t.table
	r.XrefInformation.ItemCount = int64(len(r.xref))
	if enc := trailer.DictVal["Encrypt"]; enc.Kind != Null {
		if err := r.initEncrypt(""); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// min64 is min for int64s (the package's tests shadow min).
func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}
