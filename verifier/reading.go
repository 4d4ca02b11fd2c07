package verifier

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"

	"github.com/digitorus/pdf"
)

// Bounds of the comparison of two readings of a revision.
const (
	// maxReadingObjects bounds the objects compared.
	maxReadingObjects = 1 << 20
	// maxCompareDepth bounds the nesting of direct values compared.
	maxCompareDepth = 64
)

// readings opens the revisions of one PDF (the file's first N bytes, for
// each N asked) the way kyso reads them, and says whether a viewer could
// read them otherwise. Each revision is read once.
//
// kyso reads a revision through its cross-reference sections as ISO
// 32000-1, 7.5.4-7.5.8 define them (classic tables, streams, hybrid
// /XRefStm, /Prev chains mixing them; third_party/digitorus-pdf). When
// they cannot be followed, a viewer rebuilds the table by scanning the file
// for object definitions, each in its own way: kyso then reads what its
// own scan finds (pdf.ScanObjects, which also lists the objects of object
// streams), and the revision is ambiguous. When they can be followed, the
// revision is still ambiguous if the scan's reading differs from it in an
// object the document uses: a viewer that finds anything wrong with the
// file and repairs it would show that object, not the one kyso checked.
type readings struct {
	r    io.ReaderAt
	size int64
	// data is the file if it is in memory (inMemory), else nil.
	data []byte

	// cache shares the objects parsed by every reading of the file: each
	// definition is parsed once, however many revisions are read.
	cache   *pdf.Cache
	scan    *pdf.Scan
	scanErr error
	scanned bool

	at map[int64]*reading
}

// reading is one revision as kyso reads it.
type reading struct {
	end int64
	// rdr is the reading; nil if the revision cannot be read at all (err).
	rdr *pdf.Reader
	err error
	// repaired is why the revision's cross-reference data cannot be
	// followed; rdr is then the scan's reading.
	repaired error
	// ambiguous says why a viewer may read the revision otherwise, once
	// checked.
	ambiguous string
	checked   bool
}

func newReadings(r io.ReaderAt, data []byte, size int64) *readings {
	return &readings{r: r, size: size, data: data, cache: pdf.NewCache(), at: map[int64]*reading{}}
}

// getScan scans the file once.
func (d *readings) getScan() (*pdf.Scan, error) {
	if !d.scanned {
		d.scanned = true
		if d.data != nil {
			d.scan, d.scanErr = pdf.ScanBytes(d.data, d.cache)
		} else {
			d.scan, d.scanErr = pdf.ScanObjects(d.r, d.size, d.cache)
		}
	}
	return d.scan, d.scanErr
}

// open returns the reading of the file's first end bytes.
func (d *readings) open(end int64) *reading {
	if rd, ok := d.at[end]; ok {
		return rd
	}
	rd := &reading{end: end}
	d.at[end] = rd
	var sec io.ReaderAt = d.r
	if end != d.size {
		sec = io.NewSectionReader(d.r, 0, end)
	}
	rdr, err := pdf.NewReaderCached(sec, end, d.cache)
	if err == nil {
		rd.rdr = rdr
		return rd
	}
	rd.repaired = err
	s, serr := d.getScan()
	if serr == nil {
		rd.rdr, serr = s.Reader(end)
	}
	if serr != nil {
		rd.rdr, rd.err = nil, fmt.Errorf("%v; rebuilding it from the object definitions: %v", err, serr)
	}
	return rd
}

// ambiguity returns why a viewer may show the revision rd otherwise than
// kyso reads it, or "".
func (d *readings) ambiguity(rd *reading) string {
	if rd.checked {
		return rd.ambiguous
	}
	rd.checked = true
	switch {
	case rd.rdr == nil:
		rd.ambiguous = fmt.Sprintf("the file's first %d bytes cannot be read as a PDF: %v", rd.end, rd.err)
	case rd.repaired != nil:
		rd.ambiguous = fmt.Sprintf("the cross-reference data of the file's first %d bytes cannot be followed (%v): viewers rebuild it from the object definitions, each in their own way, so what they show may not be what was checked", rd.end, rd.repaired)
	default:
		rd.ambiguous = d.compareWithScan(rd)
		if rd.ambiguous == "" {
			rd.ambiguous = d.compareWithLinearized(rd)
		}
	}
	return rd.ambiguous
}

// compareWithScan compares the reading rd, made through the file's
// cross-reference data, with the scan's reading of the same bytes.
func (d *readings) compareWithScan(rd *reading) string {
	s, err := d.getScan()
	var alt *pdf.Reader
	if err == nil {
		alt, err = s.Reader(rd.end)
	}
	if err != nil {
		return fmt.Sprintf("the file's first %d bytes could not be checked for objects a viewer may read otherwise: %v", rd.end, err)
	}
	why := compareReadings(rd.rdr, alt, d.r, rebuiltOtherwise(s, rd.end))
	if t := s.HiddenTrailers(rd.end); why == "" && len(t) > 0 {
		// poppler's rebuild takes the /Root of the last trailer it
		// finds: a hidden trailer naming a hidden catalog made it show
		// a whole forged document (attacksuite, structure.go).
		why = fmt.Sprintf("a trailer at offset %d, inside the data of another object, is one a viewer that rebuilds the table line by line takes the catalog from", t[len(t)-1])
	}
	if why == "" {
		return ""
	}
	return fmt.Sprintf("the file's first %d bytes read through their cross-reference data and rebuilt from their object definitions (as viewers do with a damaged file) differ: %s; what a viewer shows may not be what was checked", rd.end, why)
}

// compareReadings compares two readings of the same bytes over what the
// document uses: the objects reachable from a's catalog. It returns the
// first difference found, or "". An object the document uses that
// otherwise names (as one a viewer's rebuild of the table reads otherwise)
// is a difference too.
func compareReadings(a, b *pdf.Reader, file io.ReaderAt, otherwise map[uint32]string) string {
	ta, tb := a.Trailer(), b.Trailer()
	for _, k := range []string{"Root", "Encrypt"} {
		pa, ra := ta.KeyRef(k)
		pb, rb := tb.KeyRef(k)
		if ra != rb || pa != pb || !ra && !sameValue(ta.Key(k), tb.Key(k), 0) {
			return fmt.Sprintf("the trailer's /%s is not the same", k)
		}
	}
	w := &readingWalk{a: a, b: b, file: file, seen: map[uint32]bool{}}
	p, ok := ta.KeyRef("Root")
	if !ok {
		// ISO 32000-1, 7.5.5: /Root shall be an indirect reference.
		// poppler takes anything else for damage and rebuilds the table
		// from the plain definitions: a direct catalog equal to the
		// signed one made it show a forged page (attacksuite,
		// structure.go).
		return "the trailer's /Root is not an indirect reference (a viewer then rebuilds the table from the file)"
	}
	w.push(p)
	if p, ok := ta.KeyRef("Encrypt"); ok {
		w.push(p)
	}
	// Viewers read /Info when they open a file (poppler's pdftotext and
	// pdftoppm do): a reference there that fails makes poppler rebuild
	// the table (below).
	if p, ok := ta.KeyRef("Info"); ok {
		w.push(p)
	}
	for len(w.todo) > 0 {
		p := w.todo[len(w.todo)-1]
		w.todo = w.todo[:len(w.todo)-1]
		if why := w.object(p); why != "" {
			return why
		}
	}
	for _, id := range slices.Sorted(maps.Keys(otherwise)) {
		if w.seen[id] {
			return otherwise[id]
		}
	}
	// A table's free entry that its /XRefStm stream overrides: poppler
	// reads the object free, and fetching it rebuilds the table from the
	// plain definitions (object streams left out, hidden ones included):
	// a forged plain definition before the object packed unchanged, or
	// hidden in an unused stream, was what poppler showed (attacksuite,
	// structure.go).
	for _, id := range a.FreedInTable() {
		if w.seen[id] {
			return fmt.Sprintf("object %d is free in a cross-reference table and in use in its /XRefStm stream: a viewer that reads the table first (poppler) finds it free and rebuilds the table from the file", id)
		}
	}
	return ""
}

// rebuiltOtherwise returns the objects of the file's first end bytes that
// poppler's rebuild of the table reads otherwise than kyso's scan, and
// why. poppler rebuilds the table (XRef::constructXRef) when a fetch
// fails in a file whose newest section is a table — a dangling reference,
// a table's free entry that hides its /XRefStm stream's in-use one — or
// when it cannot read the table; it then takes every line that starts
// with "N G obj" for a definition, inside stream data too, and keeps a
// definition unless a later one has at least its generation. An unused
// stream holding a forged page content on lines of its own, and a
// generation-1 definition before a copy of the signed one, made poppler
// show a forged or a blank page (attacksuite, structure.go).
func rebuiltOtherwise(s *pdf.Scan, end int64) map[uint32]string {
	out := map[uint32]string{}
	for _, id := range s.Outranked(end) {
		out[id] = fmt.Sprintf("object %d has a definition of a higher generation before its last one, which a viewer that rebuilds the table (poppler) keeps", id)
	}
	for _, h := range s.Hidden(end) {
		if _, ok := out[h.ID]; !ok {
			out[h.ID] = fmt.Sprintf("object %d is defined again at offset %d, inside the data of another object, where a viewer that rebuilds the table line by line finds it", h.ID, h.Offset)
		}
	}
	return out
}

// readingWalk walks the objects reachable in reading a and compares each
// with reading b.
type readingWalk struct {
	a, b *pdf.Reader
	file io.ReaderAt // the bytes a reads
	seen map[uint32]bool
	todo []pdf.Ptr
}

func (w *readingWalk) push(p pdf.Ptr) {
	if !w.seen[p.GetID()] {
		w.seen[p.GetID()] = true
		w.todo = append(w.todo, p)
	}
}

// object compares object p of both readings and queues what it refers to.
func (w *readingWalk) object(p pdf.Ptr) string {
	if len(w.seen) > maxReadingObjects {
		return fmt.Sprintf("more than %d objects to compare", maxReadingObjects)
	}
	id := p.GetID()
	xa := w.a.Xref()
	if int(id) < len(xa) {
		if e := xa[id].Ptr(); e.GetID() == id && e.GetGen() != p.GetGen() {
			return fmt.Sprintf("a reference to object %d %d, whose cross-reference entry has generation %d", id, p.GetGen(), e.GetGen())
		}
	}
	va, err := w.a.GetObject(id)
	if err != nil {
		// A reference to an object no section defines (free, or past
		// the table) is null to ISO 32000-1 (7.3.10) and qpdf, but
		// poppler, meeting it in a file whose newest section is a
		// table, rebuilds the whole table by scanning the file line by
		// line (XRef::constructXRef: definitions inside stream data
		// count, a later one wins) and shows that reading: an unused
		// stream holding "4 0 obj" lines and a trailer /Info naming a
		// missing object made poppler show a forged page 1 of a
		// document kyso read as signed (attacksuite, structure.go).
		return fmt.Sprintf("a reference to object %d, which no cross-reference section defines (viewers that meet it may rebuild the table from the file)", id)
	}
	if err := va.Err(); err != nil {
		// Readers recover from a malformed object each in their own
		// way (qpdf, for one, reads what it can of it).
		return fmt.Sprintf("object %d cannot be read (%v)", id, err)
	}
	if va.Kind() == pdf.Stream && !endstreamAfter(w.file, va) {
		// qpdf and poppler then look for endstream and read the data
		// up to it.
		return fmt.Sprintf("the /Length of stream %d does not end its data at endstream", id)
	}
	if !sameEntry(w.a, w.b, id) {
		vb, _ := w.b.GetObject(id)
		if !sameValue(va, vb, 0) {
			return fmt.Sprintf("object %d", id)
		}
	}
	return w.value(va, 0)
}

// value queues the references of the direct value v. An entry that is a
// leaf (pdf.Value.IndexLeaf: a number, a name, a string...) holds no
// reference: it is not resolved, only its depth checked, as value would
// check it (the Reader's look-ups are counted as if it were resolved).
func (w *readingWalk) value(v pdf.Value, depth int) string {
	if depth > maxCompareDepth {
		return tooDeep()
	}
	switch v.Kind() {
	case pdf.Dict, pdf.Stream:
		for _, k := range v.Keys() {
			if p, ok := v.KeyRef(k); ok {
				w.push(p)
			} else if v.KeyLeaf(k) {
				if depth+1 > maxCompareDepth {
					return tooDeep()
				}
			} else if why := w.value(v.Key(k), depth+1); why != "" {
				return why
			}
		}
	case pdf.Array:
		for i := 0; i < v.Len(); i++ {
			if p, ok := v.IndexRef(i); ok {
				w.push(p)
			} else if v.IndexLeaf(i) {
				if depth+1 > maxCompareDepth {
					return tooDeep()
				}
			} else if why := w.value(v.Index(i), depth+1); why != "" {
				return why
			}
		}
	}
	return ""
}

// tooDeep is why a reading's values could not be compared.
func tooDeep() string { return fmt.Sprintf("values nested deeper than %d", maxCompareDepth) }

// sameEntry reports whether both readings locate object id at the same
// definition (and, for an object of an object stream, the stream too).
func sameEntry(a, b *pdf.Reader, id uint32) bool {
	xa, xb := a.Xref(), b.Xref()
	if int(id) >= len(xa) || int(id) >= len(xb) {
		return int(id) >= len(xa) && int(id) >= len(xb)
	}
	if xa[id] != xb[id] {
		return false
	}
	if s, ok := xa[id].ObjectStream(); ok {
		return int(s) < len(xa) && int(s) < len(xb) && xa[s] == xb[s]
	}
	return true
}

// sameValue compares two values: scalars by value, dictionaries and arrays
// entry by entry with references by number, streams also by their data.
func sameValue(a, b pdf.Value, depth int) bool {
	if (a.Err() != nil) != (b.Err() != nil) {
		return false
	}
	if a.Err() != nil || depth > maxCompareDepth {
		return a.Err() != nil
	}
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case pdf.Null:
		return true
	case pdf.Bool:
		return a.Bool() == b.Bool()
	case pdf.Integer:
		return a.Int64() == b.Int64()
	case pdf.Real:
		return a.Float64() == b.Float64()
	case pdf.String:
		return a.RawString() == b.RawString()
	case pdf.Name:
		return a.Name() == b.Name()
	case pdf.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			pa, ra := a.IndexRef(i)
			pb, rb := b.IndexRef(i)
			if ra != rb || pa != pb || !ra && !sameValue(a.Index(i), b.Index(i), depth+1) {
				return false
			}
		}
		return true
	case pdf.Dict, pdf.Stream:
		ka, kb := a.Keys(), b.Keys()
		if len(ka) != len(kb) {
			return false
		}
		for i, k := range ka {
			if kb[i] != k {
				return false
			}
			pa, ra := a.KeyRef(k)
			pb, rb := b.KeyRef(k)
			if ra != rb || pa != pb || !ra && !sameValue(a.Key(k), b.Key(k), depth+1) {
				return false
			}
		}
		return a.Kind() != pdf.Stream || sameStreamData(a, b)
	}
	return false
}

// signedRevision returns kyso's reading of the revision e signs. When that
// revision, or the document as it is now, may be shown otherwise by a
// viewer, e is INDETERMINATE/AMBIGUOUS_REVISION: the change analysis would
// judge content that is not what a reader sees. It fails e and returns
// false when the revision cannot be read at all.
func (p *pdfRun) signedRevision(e *entry) (*pdf.Reader, bool) {
	rd := p.docs.open(e.sig.coverEnd)
	if rd.rdr == nil {
		e.fail(TotalFailed, FormatFailure, "the signed revision is not a PDF that can be read: %v", rd.err)
		return nil, false
	}
	if why := p.docs.ambiguity(rd); why != "" {
		e.fail(Indeterminate, AmbiguousRevision, "the revision this signature signs cannot be read unambiguously: %s", why)
	} else if why := p.docs.ambiguity(p.docs.open(p.size)); why != "" {
		e.fail(Indeterminate, AmbiguousRevision, "the document after this signature cannot be read unambiguously: %s", why)
	}
	return rd.rdr, true
}

// endstreamAfter reports whether the data of the stream v, as its /Length
// gives it, is followed by endstream (after white space, ISO 32000-1,
// 7.3.8.1).
func endstreamAfter(file io.ReaderAt, v pdf.Value) bool {
	n := v.Key("Length")
	if n.Kind() != pdf.Integer || n.Int64() < 0 || v.StreamOffset() < 0 {
		return false
	}
	var b [64]byte
	k, _ := file.ReadAt(b[:], v.StreamOffset()+n.Int64())
	rest := bytes.TrimLeft(b[:k], "\x00\t\n\f\r ")
	return bytes.HasPrefix(rest, []byte("endstream"))
}

// linearizationSearch is how far from the start of a file poppler and
// pdf.js look for the end of its first object (the linearization
// dictionary) and for /Linearized.
const linearizationSearch = 1024

// firstObject matches the start of a file up to its first object's
// "N G obj": comments (the %PDF header) and white space, as a PDF lexer
// skips them.
var firstObject = regexp.MustCompile(`^(?:[\x00\t\n\f\r ]+|%[^\r\n]*)*([0-9]+)[\x00\t\n\f\r ]+([0-9]+)[\x00\t\n\f\r ]+obj`)

// compareWithLinearized compares the reading rd with the one poppler and
// pdf.js make of the same bytes when they take them for a linearized file
// (ISO 32000-1, Annex F): when the file's first object is a dictionary
// with /Linearized whose /L (a direct integer) is the file's length, they
// do not start at startxref but at the cross-reference section right
// after that object's endobj, the first-page table (poppler's
// PDFDoc::getStartXRef, pdf.js's PDFDocument.startXRef). In an honest
// linearized file both lead to the same objects. This stops the
// linearization attack: a document prepared with a first-page table that
// lists a forged page and a startxref that names a complete table listing
// the honest one, whose /L is the length the file has once signed (or is
// padded to after the signature). kyso and qpdf read the honest page,
// poppler and pdf.js the forged one (attacksuite's structure cases).
func (d *readings) compareWithLinearized(rd *reading) string {
	start, ok := d.linearizedStart(rd.end)
	if !ok {
		return ""
	}
	tail := fmt.Appendf(nil, "\nstartxref\n%d\n%%%%EOF\n", start)
	alt, err := pdf.NewReaderCached(&withTail{r: d.r, end: rd.end, tail: tail}, rd.end+int64(len(tail)), pdf.NewCache())
	if err != nil {
		return fmt.Sprintf("the file's first %d bytes are a linearized file (its /L is their length), which viewers read from the cross-reference section after the linearization dictionary (offset %d), and that cannot be followed (%v); what a viewer shows may not be what was checked", rd.end, start, err)
	}
	if why := compareReadings(rd.rdr, alt, d.r, nil); why != "" {
		return fmt.Sprintf("the file's first %d bytes are a linearized file (its /L is their length), which viewers read from the cross-reference section after the linearization dictionary (offset %d), and read so they differ from their reading from startxref: %s; what a viewer shows may not be what was checked", rd.end, start, why)
	}
	return ""
}

// linearizedStart reports whether the file's first end bytes are a
// linearized file to poppler and pdf.js (their first object a dictionary
// whose /Linearized is a positive number and whose /L, a direct integer,
// is end), and if so the offset they start reading cross-reference data
// at: after the first "endobj" of the file's first 1024 bytes and the
// white space after it.
func (d *readings) linearizedStart(end int64) (int64, bool) {
	head := make([]byte, min(end, linearizationSearch))
	n, _ := d.r.ReadAt(head, 0)
	head = head[:n]
	m := firstObject.FindSubmatchIndex(head)
	if m == nil {
		return 0, false
	}
	id, err1 := strconv.ParseUint(string(head[m[2]:m[3]]), 10, 32)
	gen, err2 := strconv.ParseUint(string(head[m[4]:m[5]]), 10, 16)
	if err1 != nil || err2 != nil || id == 0 {
		return 0, false
	}
	// The first object read with kyso's parser: a cross-reference
	// section that lists only it, appended to the bytes.
	at := int64(m[2])
	tail := fmt.Appendf(nil, "\nxref\n%d 1\n%010d %05d n\r\ntrailer\n<< /Size %d >>\nstartxref\n%d\n%%%%EOF\n", id, at, gen, id+1, end+1)
	rdr, err := pdf.NewReaderCached(&withTail{r: d.r, end: end, tail: tail}, end+int64(len(tail)), pdf.NewCache())
	if err != nil {
		return 0, false
	}
	lin, err := rdr.GetObject(uint32(id))
	if err != nil || lin.Kind() != pdf.Dict {
		return 0, false
	}
	if v := lin.Key("Linearized"); !(v.Kind() == pdf.Integer && v.Int64() > 0 || v.Kind() == pdf.Real && v.Float64() > 0) {
		return 0, false
	}
	if _, ref := lin.KeyRef("L"); ref || lin.Key("L").Kind() != pdf.Integer || lin.Key("L").Int64() != end {
		return 0, false
	}
	i := bytes.Index(head, []byte("endobj"))
	if i < 0 {
		// poppler then reads from offset 0, fails and rebuilds the
		// table, which compareWithScan stands for.
		return 0, false
	}
	i += len("endobj")
	for i < len(head) && bytes.IndexByte([]byte("\x00\t\n\f\r "), head[i]) >= 0 {
		i++
	}
	return int64(i), true
}

// withTail is the first end bytes of r followed by tail.
type withTail struct {
	r    io.ReaderAt
	end  int64
	tail []byte
}

func (w *withTail) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	n := 0
	if off < w.end {
		k := min(int64(len(p)), w.end-off)
		m, err := w.r.ReadAt(p[:k], off)
		n += m
		if m < int(k) {
			return n, err
		}
	}
	if n < len(p) {
		t := off + int64(n) - w.end
		if t >= int64(len(w.tail)) {
			return n, io.EOF
		}
		m := copy(p[n:], w.tail[t:])
		n += m
		if n < len(p) {
			return n, io.EOF
		}
	}
	return n, nil
}
