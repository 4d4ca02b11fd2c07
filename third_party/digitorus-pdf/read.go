// Copyright 2014 The Go Authors.  All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package pdf

import (
	"bytes"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"encoding/ascii85"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"os"
	"reflect"
	"sort"
	"strconv"
)

// A Reader is a single PDF file open for reading.
type Reader struct {
	f               io.ReaderAt
	end             int64
	xref            []xref
	trailer         Object // was dict
	trailerptr      objptr
	key             []byte
	useAES          bool
	encVersion      int    // encryption version (V), 0 if not encrypted
	encKey          []byte // File Encryption Key (FEK) - for V=5 calls this is the final key
	XrefInformation ReaderXrefInformation
	PDFVersion      string
	closer          io.Closer

	// objCache caches resolved objects to prevent repetitive disk I/O.
	// Map key is the object ID.
	objCache map[uint32]Value

	// lim accounts the work done for this Reader (kyso patch).
	lim *limits
	// resolving holds the objects being resolved, against reference loops.
	resolving map[uint32]bool
	// objStms records the object streams read: nil once read, else the
	// error reading them (errObjStmBusy while being read).
	objStms map[uint32]error
	// freedInTable are the objects a table marks free and its /XRefStm
	// stream lists in use (FreedInTable).
	freedInTable []uint32
	// shared holds the objects parsed by all Readers of the file, if set.
	shared *Cache
}

type ReaderXrefInformation struct {
	StartPos               int64
	EndPos                 int64
	Length                 int64
	PositionLength         int64
	PositionStartPos       int64
	PositionEndPos         int64
	ItemCount              int64
	Type                   string
	IncludingTrailerEndPos int64
	IncludingTrailerLength int64
}

func (info *ReaderXrefInformation) PrintDebug() {
	log.Printf("Start of xref position bytes: %d", info.PositionStartPos)
	log.Printf("Length of xref position bytes: %d", info.PositionLength)
	log.Printf("End of xref position bytes: %d", info.PositionEndPos)
	log.Printf("xref start position byte: %d", info.StartPos)
	log.Printf("xref end position byte: %d", info.EndPos)
	log.Printf("xref length in bytes: %d", info.Length)
	log.Printf("xref type: %s", info.Type)
	log.Printf("Amount of items in xref: %d", info.ItemCount)
	log.Printf("xref end (including trailer) position byte: %d", info.IncludingTrailerEndPos)
	log.Printf("xref length (including trailer) in bytes: %d", info.IncludingTrailerLength)
}

type xref struct {
	ptr      objptr
	inStream bool
	stream   objptr
	offset   int64
}

func (x *xref) Ptr() Ptr {
	return Ptr{id: x.ptr.id, gen: x.ptr.gen}
}

func (x *xref) Stream() objptr {
	return x.stream
}

func GetDict() Object {
	return Object{Kind: Dict, DictVal: make(map[string]Object)}
}

func (r *Reader) errorf(format string, args ...interface{}) {
	panic(fmt.Errorf(format, args...))
}

func (r *Reader) Xref() []xref {
	return r.xref
}

// FreedInTable returns the objects that a hybrid-reference section's
// table marks free while its /XRefStm stream lists them in use, and that
// no newer section decided (kyso patch). This package reads them in use,
// as qpdf does (the table's in-use entries, then the stream's, then the
// table's free ones); poppler reads the whole table before the stream, so
// to it they are free, and fetching one makes it rebuild the table from
// the file's plain definitions.
func (r *Reader) FreedInTable() []uint32 {
	return r.freedInTable
}

// GetObject reads and returns the object with the given ID.
// It resolves the object from the XRef table, using the cache if available.
func (r *Reader) GetObject(id uint32) (Value, error) {
	if int(id) >= len(r.xref) {
		return Value{}, fmt.Errorf("object ID %d out of range", id)
	}

	x := r.xref[id]
	if x.offset == 0 && !x.inStream {
		// Possibly free or invalid
		return Value{}, fmt.Errorf("object ID %d is not in use", id)
	}

	ptr := x.ptr
	if ptr.id != id {
		ptr.id = id
	}

	return r.resolve(objptr{}, Object{Kind: Indirect, PtrVal: ptr}), nil
}

// Open opens a file for reading.
func Open(file string) (*Reader, error) {
	// TODO: Deal with closing file.
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return NewReader(f, fi.Size())
}

// NewReader opens a file for reading, using the data in f with the given total size.
func NewReader(f io.ReaderAt, size int64) (*Reader, error) {
	return NewReaderEncrypted(f, size, nil)
}

// NewReaderEncrypted opens a file for reading, using the data in f with the given total size.
// If the PDF is encrypted, NewReaderEncrypted calls pw repeatedly to obtain passwords
// to try. If pw returns the empty string, NewReaderEncrypted stops trying to decrypt
// the file and returns an error.
func NewReaderEncrypted(f io.ReaderAt, size int64, pw func() string) (rd *Reader, err error) {
	return newReader(f, size, pw, nil)
}

func newReader(f io.ReaderAt, size int64, pw func() string, c *Cache) (rd *Reader, err error) {
	// The parser reports malformed input by panicking; no panic may reach
	// the caller (kyso patch).
	defer func() {
		if e := recover(); e != nil {
			rd, err = nil, fmt.Errorf("malformed PDF: %v", e)
		}
	}()

	buf := make([]byte, 10)
	f.ReadAt(buf, 0)
	if (!bytes.HasPrefix(buf, []byte("%PDF-1.")) || buf[7] < '0' || buf[7] > '7') && (!bytes.HasPrefix(buf, []byte("%PDF-2.")) || buf[7] < '0' || buf[7] > '0') {
		return nil, fmt.Errorf("not a PDF file: invalid header")
	}

	version := buf[5:8]

	end := size

	// The cross-reference data starts where the file's last "startxref"
	// followed by a number says, as qpdf, poppler and pdf.js read it, with
	// or without %%EOF after it (kyso patch: upstream took the startxref
	// before the last %%EOF, so an update appended without %%EOF was read
	// by every viewer and not by this package).
	pos, ok := findStartxref(f, end)
	if !ok {
		return nil, fmt.Errorf("malformed PDF file: missing final startxref")
	}

	r := &Reader{
		f:               f,
		end:             end,
		XrefInformation: ReaderXrefInformation{},
		PDFVersion:      string(version),
		objCache:        make(map[uint32]Value),
		lim:             newLimits(end),
		shared:          c,
	}
	if c, ok := f.(io.Closer); ok {
		r.closer = c
	}
	// Save the position of the startxref element.
	r.XrefInformation.PositionStartPos = pos

	b := r.newBuffer(io.NewSectionReader(f, pos, end-pos), pos)

	tok := b.readToken()
	if tok.Kind != Keyword || tok.KeywordVal != "startxref" {
		return nil, fmt.Errorf("malformed PDF file: missing startxref")
	}

	startXRefObj := b.readToken()
	if startXRefObj.Kind != Integer {
		return nil, fmt.Errorf("malformed PDF file: startxref not followed by integer")
	}
	startxref := startXRefObj.Int64Val
	if startxref < 0 || startxref >= end {
		return nil, fmt.Errorf("malformed PDF file: startxref %d outside the file", startxref)
	}

	// Save length. Useful for calculations later on.
	r.XrefInformation.PositionLength = b.realPos + 1

	// Save end position. Add 1 for the newline character.
	r.XrefInformation.PositionEndPos = r.XrefInformation.PositionStartPos + r.XrefInformation.PositionLength

	// Save start position of xref.
	r.XrefInformation.StartPos = startxref

	xref, trailerptr, trailer, err := readXref(r, startxref)
	if err != nil {
		return nil, err
	}
	r.xref = xref
	r.trailer = trailer
	r.trailerptr = trailerptr
	if trailer.Kind == Dict && trailer.DictVal["Encrypt"].Kind == Null {
		return r, nil
	}
	// Check if Encrypt is present properly
	enc := trailer.DictVal["Encrypt"]
	if enc.Kind == Null {
		return r, nil
	}

	err = r.initEncrypt("")
	if err == nil {
		return r, nil
	}
	if pw == nil || err != ErrInvalidPassword {
		return nil, err
	}
	for {
		next := pw()
		if next == "" {
			break
		}
		if r.initEncrypt(next) == nil {
			return r, nil
		}
	}
	return nil, err
}

// findStartxref returns the offset of the last "startxref" of the first
// size bytes of f that is followed by white space and a digit, scanning
// backwards a chunk at a time.
//
// Kyso patch: it first looks in the last startxrefWindow bytes only, where
// the marker nearly always is, instead of reading (and allocating) a whole
// 64 KiB chunk on every open. The result is scanStartxref's: the last
// chunk's window ends at size too, so a marker that is valid in the short
// window is valid there, and it is the last one; without one, or on a
// short read, scanStartxref runs (TestFindStartxrefSameAsScan).
func findStartxref(f io.ReaderAt, size int64) (int64, bool) {
	if size > 0 {
		lo := size - startxrefWindow
		if lo < 0 {
			lo = 0
		}
		var win [startxrefWindow]byte
		if n, _ := f.ReadAt(win[:size-lo], lo); int64(n) == size-lo {
			if i, ok := lastStartxref(win[:n]); ok {
				return lo + int64(i), true
			}
		}
	}
	return scanStartxref(f, size)
}

// startxrefWindow is how much of the end findStartxref reads first.
const startxrefWindow = 1 << 10

// lastStartxref returns the index of the last "startxref" in b followed by
// white space and a digit within b.
func lastStartxref(b []byte) (int, bool) {
	marker := []byte("startxref")
	for i := bytes.LastIndex(b, marker); i >= 0; i = bytes.LastIndex(b[:i], marker) {
		j := i + len(marker)
		k := j
		for k < len(b) && isSpace(b[k]) {
			k++
		}
		if k > j && k < len(b) && isDigit(b[k]) {
			return i, true
		}
	}
	return 0, false
}

// scanStartxref is findStartxref reading the file backwards a chunk at a
// time (upstream's algorithm with kyso's startxref rule).
func scanStartxref(f io.ReaderAt, size int64) (int64, bool) {
	const chunk = 64 << 10
	marker := []byte("startxref")
	const tail = 32 // room after the marker for white space and a digit
	buf := make([]byte, chunk+len(marker)+tail)
	for hi := size; hi > 0; {
		// (min and max are shadowed in this package's tests.)
		lo := hi - chunk
		if lo < 0 {
			lo = 0
		}
		top := hi + int64(len(marker)+tail)
		if top > size {
			top = size
		}
		n, _ := f.ReadAt(buf[:top-lo], lo)
		b := buf[:n]
		for i := bytes.LastIndex(b, marker); i >= 0; i = bytes.LastIndex(b[:i], marker) {
			if lo+int64(i) >= hi {
				continue // the next chunk's
			}
			j := i + len(marker)
			k := j
			for k < len(b) && isSpace(b[k]) {
				k++
			}
			if k > j && k < len(b) && isDigit(b[k]) {
				return lo + int64(i), true
			}
		}
		hi = lo
	}
	return 0, false
}

// newBuffer returns a buffer reading the file's bytes from rd, which
// starts at offset, within the Reader's limits.
func (r *Reader) newBuffer(rd io.Reader, offset int64) *buffer {
	b := newBuffer(rd, offset, r.encVersion)
	b.lim = r.lim
	return b
}

// maxEntries returns the most cross-reference entries the file can have:
// no more than it has bytes.
func (r *Reader) maxEntries() int64 {
	if r.end > 0 && r.end < maxXrefEntries {
		return r.end
	}
	return maxXrefEntries
}

// Trailer returns the file's Trailer value.
func (r *Reader) Trailer() Value {
	return Value{r: r, ptr: r.trailerptr, obj: r.trailer}
}

func objfmt(x Object) string {
	switch x.Kind {
	default:
		return fmt.Sprintf("?Kind=%v?", x.Kind)
	case Null:
		return "null"
	case Bool:
		return strconv.FormatBool(x.BoolVal)
	case Integer:
		return strconv.FormatInt(x.Int64Val, 10)
	case Real:
		return strconv.FormatFloat(x.Float64Val, 'f', -1, 64)
	case String:
		return "(" + x.StringVal + ")"
	case Name:
		return "/" + x.NameVal
	case Keyword:
		return x.KeywordVal
	case Indirect:
		return fmt.Sprintf("%d %d R", x.PtrVal.id, x.PtrVal.gen)
	case Dict:
		var keys []string
		for k := range x.DictVal {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var buf bytes.Buffer
		buf.WriteString("<<")
		for i, k := range keys {
			elem := x.DictVal[k]
			if i > 0 {
				buf.WriteString(" ")
			}
			buf.WriteString("/")
			buf.WriteString(k)
			buf.WriteString(" ")
			buf.WriteString(objfmt(elem))
		}
		buf.WriteString(">>")
		return buf.String()

	case Array:
		var buf bytes.Buffer
		buf.WriteString("[")
		for i, elem := range x.ArrayVal {
			if i > 0 {
				buf.WriteString(" ")
			}
			buf.WriteString(objfmt(elem))
		}
		buf.WriteString("]")
		return buf.String()

	case Stream:
		hdr := Object{Kind: Dict, DictVal: x.DictVal}
		return fmt.Sprintf("%v@%d", objfmt(hdr), x.StreamOffset)
	}
}

func (r *Reader) resolve(parent objptr, x Object) Value {
	return r.resolveAt(parent, x, 0)
}

// resolveFrom resolves x, an entry of the array or dictionary v, counting
// the look-up and the reference followed against the Reader's limits.
func (r *Reader) resolveFrom(v Value, x Object) Value {
	depth := v.depth
	if x.Kind == Indirect {
		depth++
		if depth > maxHops {
			return Value{err: limitError("chained references", int64(maxHops))}
		}
	}
	if r != nil {
		if err := r.lim.lookup(); err != nil {
			return Value{err: err}
		}
	}
	return r.resolveAt(v.ptr, x, depth)
}

func (r *Reader) resolveAt(parent objptr, x Object, depth int32) Value {
	if x.Kind != Indirect {
		v := r.createValue(parent, x)
		v.depth = depth
		return v
	}
	if r == nil {
		return Value{err: fmt.Errorf("cannot resolve %d %d R without a Reader", x.PtrVal.id, x.PtrVal.gen)}
	}
	v := r.resolveIndirect(x.PtrVal)
	v.depth = depth
	return v
}

// resolveIndirect returns the object ptr, reading it on first use. Objects
// that cannot be read resolve to a Value carrying the error, which is
// cached like a good one so that a bad object is read once.
func (r *Reader) resolveIndirect(ptr objptr) Value {
	// Check cache first
	if v, ok := r.objCache[ptr.id]; ok {
		return v
	}

	if ptr.id >= uint32(len(r.xref)) {
		return Value{}
	}
	xref := r.xref[ptr.id]
	if xref.ptr != ptr || !xref.inStream && xref.offset == 0 {
		return Value{}
	}
	if r.resolving[ptr.id] {
		return Value{err: fmt.Errorf("malformed PDF: object %d %d is needed to read itself", ptr.id, ptr.gen)}
	}
	if len(r.resolving) >= maxResolveNesting {
		return Value{err: limitError("nested object reads", int64(maxResolveNesting))}
	}
	if r.resolving == nil {
		r.resolving = map[uint32]bool{}
	}
	r.resolving[ptr.id] = true
	v := r.load(ptr, xref)
	delete(r.resolving, ptr.id)
	r.cache(ptr.id, v)
	return v
}

func (r *Reader) cache(id uint32, v Value) {
	if r.objCache == nil {
		r.objCache = make(map[uint32]Value)
	}
	r.objCache[id] = v
}

// load reads the object ptr, which x locates.
func (r *Reader) load(ptr objptr, x xref) (v Value) {
	defer func() {
		if e := recover(); e != nil {
			v = Value{err: fmt.Errorf("malformed PDF: reading object %d %d: %v", ptr.id, ptr.gen, e)}
		}
	}()

	if x.inStream {
		return r.loadFromStream(ptr, x.stream)
	}

	end := r.end
	if end <= 0 {
		end = 1 << 62
	}
	if x.offset < 0 || x.offset >= end {
		panic(fmt.Errorf("offset %d outside the file", x.offset))
	}
	if obj, ok := r.shared.def(r, ptr, x.offset); ok {
		return r.createValue(ptr, obj)
	}
	b := r.newBuffer(io.NewSectionReader(r.f, x.offset, end-x.offset), x.offset)
	defer b.release() // Return to pool
	b.key = r.key
	b.useAES = r.useAES

	// The definition's "N G obj" must name ptr; it is checked before the
	// body is read, so that entries pointing at one large object do not
	// parse it again and again.
	id, gen, kw := b.readToken(), b.readToken(), b.readToken()
	if id.Kind != Integer || gen.Kind != Integer || kw.Kind != Keyword || kw.KeywordVal != "obj" {
		panic(fmt.Errorf("loading %v: no object definition at offset %d", ptr, x.offset))
	}
	if id.Int64Val != int64(ptr.id) || gen.Int64Val != int64(ptr.gen) {
		panic(fmt.Errorf("loading %v: found %d %d obj", ptr, id.Int64Val, gen.Int64Val))
	}
	obj := b.readDefinition(ptr)
	r.shared.putDef(r, ptr, x.offset, obj, b.readOffset())
	return r.createValue(ptr, obj)
}

var errObjStmBusy = errors.New("object stream needed to read itself")

// loadFromStream reads the object ptr from the object stream strm
// (ISO 32000-1, 7.5.7). The first time a stream is needed, every object
// the cross-reference table places in it is parsed and cached, so that a
// stream is decoded once, not once per object.
func (r *Reader) loadFromStream(ptr objptr, strm objptr) Value {
	if r.objStms == nil {
		r.objStms = map[uint32]error{}
	}
	err, done := r.objStms[strm.id]
	if !done {
		r.objStms[strm.id] = errObjStmBusy
		// An object is read where the cross-reference entry puts it: in
		// this stream, at its index there (poppler and pdf.js read the
		// object at that index, qpdf the object of that number).
		keep := func(i int, id uint32) bool {
			if int(id) >= len(r.xref) {
				return false
			}
			x := r.xref[id]
			return x.inStream && x.stream.id == strm.id && x.offset == int64(i)
		}
		err = r.readObjStmShared(strm, keep)
		r.objStms[strm.id] = err
	}
	if v, ok := r.objCache[ptr.id]; ok {
		return v
	}
	if err != nil {
		panic(err)
	}
	// Not where the cross-reference table says. (Upstream then looked
	// along the stream's /Extends chain, which no viewer does.)
	panic(fmt.Errorf("object %d is not at index %d of object stream %d", ptr.id, r.xref[ptr.id].offset, strm.id))
}

// scanObjStm decodes the object stream sv and parses each object it holds
// whose number keep accepts, passing it to store. An object that does not
// parse is stored as a Value carrying the error.
func (r *Reader) scanObjStm(sv Value, keep func(index int, id uint32) bool, store func(id uint32, v Value)) error {
	data, entries, err := r.readObjStm(sv)
	if err != nil {
		return err
	}
	for i, e := range entries {
		if keep(i, e.id) {
			ptr := objptr{e.id, 0}
			end := int64(len(data))
			if i+1 < len(entries) {
				end = entries[i+1].off
			}
			store(e.id, r.parseBoundedStreamObject(data, e.off, end, ptr))
		}
	}
	return nil
}

// parseBoundedStreamObject parses object ptr of an object stream whose
// data is data, at off, and checks that it ends by end, the next object's
// offset (kyso patch). poppler (ObjectStream) and pdf.js
// (XRef.fetchCompressed) parse each object of an object stream only up to
// the next object's offset; qpdf, as this package did, parses it to its
// end. An object that runs past the next offset is read differently: a
// page dictionary whose /Contents lies past it is a blank page to poppler
// and pdf.js, the signed page to qpdf. That is an error.
func (r *Reader) parseBoundedStreamObject(data []byte, off, end int64, ptr objptr) Value {
	if end < off {
		end = off
	}
	cut := r.parseStreamObject(data[off:end], ptr)
	if end == int64(len(data)) {
		return cut
	}
	switch cut.obj.Kind {
	case Dict, Array, String:
		// Delimited: what follows does not change it, so the object
		// read to its end is the same.
		if cut.err == nil {
			return cut
		}
	}
	whole := r.parseStreamObject(data[off:], ptr)
	if whole.err != nil {
		return whole
	}
	if cut.err != nil || !reflect.DeepEqual(cut.obj, whole.obj) {
		return Value{err: fmt.Errorf("malformed PDF: object %d %d of an object stream runs past the next object's offset: readers read it differently", ptr.id, ptr.gen)}
	}
	return whole
}

// readObjStmShared reads the objects keep accepts of the object stream
// strm into the Reader's cache, through the shared Cache when the stream's
// decoded objects are there (or can be put there).
func (r *Reader) readObjStmShared(strm objptr, keep func(i int, id uint32) bool) error {
	sv := r.resolve(objptr{}, Object{Kind: Indirect, PtrVal: strm})
	x := r.xref[strm.id]
	// Shared only for a stream defined in the file with a direct /Length:
	// another Reader could resolve an indirect one otherwise.
	l, direct := sv.obj.DictVal["Length"]
	share := r.shared != nil && sv.err == nil && sv.obj.Kind == Stream && !x.inStream && direct && l.Kind == Integer
	if share {
		if c, ok := r.shared.stm(r, x.offset); ok {
			if c.err != nil {
				return c.err
			}
			for i, o := range c.objs {
				if keep(i, o.id) {
					v := r.createValue(objptr{o.id, 0}, o.obj)
					v.err = o.err
					r.cache(o.id, v)
				}
			}
			return nil
		}
	}
	var all []cachedStmObj
	err := r.scanObjStm(sv, func(i int, id uint32) bool {
		all = append(all, cachedStmObj{id: id})
		return true
	}, func(id uint32, v Value) {
		all[len(all)-1].obj, all[len(all)-1].err = v.obj, v.err
	})
	if share && !errors.Is(err, errLimit) {
		r.shared.putStm(r, x.offset, &cachedStm{end: sv.obj.StreamOffset + l.Int64Val, err: err, objs: all})
	}
	if err != nil {
		return err
	}
	for i, o := range all {
		if keep(i, o.id) {
			v := r.createValue(objptr{o.id, 0}, o.obj)
			v.err = o.err
			r.cache(o.id, v)
		}
	}
	return nil
}

// objStmEntry is an object of an object stream and where it starts in the
// stream's data.
type objStmEntry struct {
	id  uint32
	off int64
}

// readObjStm decodes the object stream sv (ISO 32000-1, 7.5.7) and reads
// its header: the number and offset of each object it holds.
func (r *Reader) readObjStm(sv Value) ([]byte, []objStmEntry, error) {
	if err := sv.Err(); err != nil {
		return nil, nil, err
	}
	if sv.Kind() != Stream {
		return nil, nil, errors.New("not a stream")
	}
	if sv.Key("Type").Name() != "ObjStm" {
		return nil, nil, errors.New("not an object stream")
	}
	nv, fv := sv.Key("N"), sv.Key("First")
	if nv.Kind() != Integer || fv.Kind() != Integer {
		return nil, nil, errors.New("object stream without integer /N and /First")
	}
	n, first := nv.Int64(), fv.Int64()
	rd := sv.Reader()
	data, err := io.ReadAll(io.LimitReader(rd, maxObjStmSize+1))
	rd.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("reading object stream: %w", err)
	}
	if int64(len(data)) > maxObjStmSize {
		return nil, nil, limitError("object stream size", maxObjStmSize)
	}
	r.lim.addLex(int64(len(data)))
	// The header of N pairs of integers precedes /First, which is within
	// the stream's data.
	if first <= 0 || first > int64(len(data)) {
		return nil, nil, fmt.Errorf("object stream /First %d outside its %d bytes", first, len(data))
	}
	if n < 0 || n > first {
		return nil, nil, fmt.Errorf("object stream /N %d does not fit before /First %d", n, first)
	}

	var entries []objStmEntry
	err = func() (err error) {
		defer func() {
			if e := recover(); e != nil {
				err = fmt.Errorf("object stream header: %v", e)
			}
		}()
		hb := newBuffer(bytes.NewReader(data[:first]), 0, r.encVersion)
		defer hb.release()
		hb.lim = r.lim
		hb.allowEOF = true
		for range n {
			idObj := hb.readToken()
			offObj := hb.readToken()
			if idObj.Kind != Integer || offObj.Kind != Integer {
				return errors.New("object stream header is not N pairs of integers")
			}
			id, off := idObj.Int64Val, offObj.Int64Val
			if id < 0 || id > 1<<32-1 || off < 0 || off >= int64(len(data))-first {
				return fmt.Errorf("object stream entry %d %d out of range", id, off)
			}
			// Offsets must not decrease (kyso patch): poppler and
			// pdf.js reject such a stream, qpdf reads it.
			if len(entries) > 0 && first+off < entries[len(entries)-1].off {
				return fmt.Errorf("object stream offsets decrease at entry %d (%d after %d): readers read the stream differently", len(entries), off, entries[len(entries)-1].off-first)
			}
			entries = append(entries, objStmEntry{uint32(id), first + off})
		}
		return nil
	}()
	if err != nil {
		return nil, nil, err
	}
	if err := sameDuplicates(data, entries); err != nil {
		return nil, nil, err
	}
	return data, entries, nil
}

// sameDuplicates checks that an object number listed more than once in an
// object stream has the same bytes each time. Readers disagree on which
// copy counts (qpdf takes the last, poppler and pdf.js the one at the
// cross-reference entry's index); some writers list an object twice with
// the same body.
func sameDuplicates(data []byte, entries []objStmEntry) error {
	var dup map[uint32][]int
	first := map[uint32]int{}
	for i, e := range entries {
		if j, ok := first[e.id]; ok {
			if dup == nil {
				dup = map[uint32][]int{}
			}
			if len(dup[e.id]) == 0 {
				dup[e.id] = []int{j}
			}
			dup[e.id] = append(dup[e.id], i)
		} else {
			first[e.id] = i
		}
	}
	if dup == nil {
		return nil
	}
	// An object's bytes run to the next object's start.
	starts := make([]int64, 0, len(entries)+1)
	for _, e := range entries {
		starts = append(starts, e.off)
	}
	starts = append(starts, int64(len(data)))
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	body := func(i int) []byte {
		off := entries[i].off
		k := sort.Search(len(starts), func(k int) bool { return starts[k] > off })
		return bytes.TrimSpace(data[off:starts[k]])
	}
	for id, list := range dup {
		b := body(list[0])
		for _, i := range list[1:] {
			if !bytes.Equal(body(i), b) {
				return fmt.Errorf("object stream lists object %d twice with different contents", id)
			}
		}
	}
	return nil
}

// parseStreamObject parses the object ptr at the start of data, part of
// an object stream.
func (r *Reader) parseStreamObject(data []byte, ptr objptr) (v Value) {
	defer func() {
		if e := recover(); e != nil {
			v = Value{err: fmt.Errorf("malformed PDF: reading object %d %d: %v", ptr.id, ptr.gen, e)}
		}
	}()
	b := newBuffer(bytes.NewReader(data), 0, r.encVersion)
	defer b.release()
	b.lim = r.lim
	b.allowEOF = true
	b.allowStream = false // streams cannot be in object streams
	return r.createValue(ptr, b.readObject())
}

// Close closes the Reader and the underlying file if it implements io.Closer.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

func (r *Reader) createValue(ptr objptr, obj Object) Value {
	return Value{r: r, ptr: ptr, obj: obj}
}

type errorReadCloser struct {
	err error
}

func (e *errorReadCloser) Read([]byte) (int, error) {
	return 0, e.err
}

func (e *errorReadCloser) Close() error {
	return e.err
}

// newStreamReader returns a reader for the stream s. It reads no more than
// the file holds and yields no more than MaxStreamSize bytes, and counts
// what it reads against the Reader's limits.
func newStreamReader(s Object, r *Reader) io.ReadCloser {
	var rd io.Reader
	// s is Object(Stream). DictVal is header. StreamOffset is offset.
	if r == nil || r.f == nil {
		return &errorReadCloser{errors.New("stream without a file to read")}
	}

	// Need "Length" from header.
	// We can wrap s in Value to use Key method.
	val := Value{r: r, obj: s}
	lv := val.Key("Length")
	if err := lv.Err(); err != nil {
		return &errorReadCloser{fmt.Errorf("stream /Length: %w", err)}
	}
	length := lv.Int64()
	offset := s.StreamOffset
	if length < 0 || offset < 0 {
		return &errorReadCloser{fmt.Errorf("malformed PDF: stream at %d with /Length %d", offset, length)}
	}
	if r.end > 0 && (offset > r.end || length > r.end-offset) {
		return &errorReadCloser{fmt.Errorf("malformed PDF: stream at %d with /Length %d runs past the end of the file", offset, length)}
	}

	rd = &countingReader{r: io.NewSectionReader(r.f, offset, length), lim: r.lim}

	if r.key != nil {
		var err error
		// We need the stream's object ID for decryption.
		// Use s.PtrVal which should be set to definition ID if it was read via readObject.
		// If s was created manually, PtrVal might be empty.
		// But newStreamReader is usually called from resolved objects.

		rd, err = decryptStream(r.key, r.useAES, r.encVersion, s.PtrVal, rd)
		if err != nil {
			return &errorReadCloser{err}
		}
	}

	filters := val.Key("Filter")
	if filters.Kind() == Name {
		var err error
		rd, err = applyFilter(rd, filters.Name(), val.Key("DecodeParms"))
		if err != nil {
			return &errorReadCloser{err}
		}
	} else if filters.Kind() == Array {
		if filters.Len() > maxFilters {
			return &errorReadCloser{limitError("filters of a stream", int64(maxFilters))}
		}
		for i := 0; i < filters.Len(); i++ {
			var err error
			rd, err = applyFilter(rd, filters.Index(i).Name(), val.Key("DecodeParms").Index(i))
			if err != nil {
				return &errorReadCloser{err}
			}
		}
	}

	return ioutil.NopCloser(&limitedReader{r: rd, left: MaxStreamSize, max: MaxStreamSize, lim: r.lim})
}

// countingReader counts the bytes read from the file against lim.
type countingReader struct {
	r   io.Reader
	lim *limits
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if e := c.lim.stream(n); e != nil {
		return n, e
	}
	return n, err
}

// limitedReader yields at most max bytes of r, failing if r has more, and
// counts them against lim.
type limitedReader struct {
	r         io.Reader
	left, max int64
	lim       *limits
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if l.left <= 0 {
		var one [1]byte
		n, err := io.ReadFull(l.r, one[:])
		if n > 0 {
			return 0, limitError("decoded stream size", l.max)
		}
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if e := l.lim.stream(n); e != nil {
		return n, e
	}
	return n, err
}

func applyFilter(rd io.Reader, name string, param Value) (io.Reader, error) {
	switch name {
	default:
		return nil, fmt.Errorf("unknown filter %s", short(name))
	case "ASCIIHexDecode":
		return asciiHexReader{rd}, nil
	case "ASCII85Decode":
		return ascii85.NewDecoder(rd), nil
	case "FlateDecode":
		zr, err := zlib.NewReader(rd)
		if err != nil {
			return nil, err
		}
		pred := param.Key("Predictor")
		if pred.Kind() == Null {
			return zr, nil
		}
		columns := param.Key("Columns").Int64()
		switch pred.Int64() {
		default:
			return nil, fmt.Errorf("unknown predictor %v", pred)
		case 12:
			if columns < 0 || columns > maxPredictorColumns {
				return nil, fmt.Errorf("malformed PDF: predictor /Columns %d", columns)
			}
			return &pngUpReader{r: zr, hist: make([]byte, 1+columns), tmp: make([]byte, 1+columns)}, nil
		}
	}
}

type asciiHexReader struct {
	r io.Reader
}

func (r asciiHexReader) Read(dst []byte) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	var src [2]byte
	n := 0
	for n < len(dst) {
		_, err := io.ReadFull(r.r, src[:1])
		if err != nil {
			return n, err
		}
		if src[0] == '>' {
			return n, io.EOF
		}
		if isSpace(src[0]) {
			continue
		}
		_, err = io.ReadFull(r.r, src[1:2])
		if err != nil {
			return n, err
		}
		if src[1] == '>' {
			x := unhex(src[0]) << 4
			dst[n] = byte(x)
			return n + 1, io.EOF
		}
		if isSpace(src[1]) {
			// PDF spec says ignore whitespace. If second nibble is space, keep looking for it.
			for isSpace(src[1]) {
				_, err = io.ReadFull(r.r, src[1:2])
				if err != nil {
					return n, err
				}
				if src[1] == '>' {
					x := unhex(src[0]) << 4
					dst[n] = byte(x)
					return n + 1, io.EOF
				}
			}
		}
		x := unhex(src[0])<<4 | unhex(src[1])
		dst[n] = byte(x)
		n++
	}
	return n, nil
}

type pngUpReader struct {
	r    io.Reader
	hist []byte
	tmp  []byte
	pend []byte
}

func (r *pngUpReader) Read(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		if len(r.pend) > 0 {
			m := copy(b, r.pend)
			n += m
			b = b[m:]
			r.pend = r.pend[m:]
			continue
		}
		_, err := io.ReadFull(r.r, r.tmp)
		if err != nil {
			return n, err
		}
		if r.tmp[0] != 2 {
			return n, fmt.Errorf("malformed PNG-Up encoding")
		}
		for i, b := range r.tmp {
			r.hist[i] += b
		}
		r.pend = r.hist[1:]
	}
	return n, nil
}

var passwordPad = []byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

func (r *Reader) initEncrypt(password string) error {
	// See PDF 32000-1:2008, §7.6.
	// r.trailer is Object.
	encrypt := r.resolve(objptr{}, r.trailer.DictVal["Encrypt"]).obj.DictVal
	// Encrypt is a dict Object, so DictVal

	if encrypt["Filter"].NameVal != "Standard" {
		return fmt.Errorf("unsupported PDF: encryption filter %v", objfmt(Object{Kind: Name, NameVal: encrypt["Filter"].NameVal}))
	}
	n := encrypt["Length"].Int64Val
	if n == 0 {
		n = 40
	}
	// For V=5 (AES-256), Length is usually 256.
	if n%8 != 0 || n > 256 || n < 40 {
		return fmt.Errorf("malformed PDF: %d-bit encryption key", n)
	}
	V := encrypt["V"].Int64Val

	// Support V=5
	if V != 1 && V != 2 && V != 4 && V != 5 {
		return fmt.Errorf("unsupported PDF: encryption version V=%d", V)
	}
	if V == 4 && !okayV4(encrypt) {
		return fmt.Errorf("unsupported PDF: encryption version V=%d", V)
	}

	// If V=5, delegate to V5 authentication
	if V == 5 {
		return r.initEncryptV5(password, encrypt)
	}
	// An MD5-derived key has at most 128 bits.
	if n > 128 {
		return fmt.Errorf("malformed PDF: %d-bit encryption key", n)
	}

	ids := r.trailer.DictVal["ID"].ArrayVal
	if len(ids) < 1 {
		return fmt.Errorf("malformed PDF: missing ID in trailer")
	}
	idstr := ids[0].StringVal
	ID := []byte(idstr)
	R := encrypt["R"].Int64Val

	// Legacy path (V < 5)
	if R < 2 {
		return fmt.Errorf("malformed PDF: encryption revision R=%d", R)
	}
	if R > 4 {
		return fmt.Errorf("unsupported PDF: encryption revision R=%d", R)
	}
	O := encrypt["O"].StringVal
	U := encrypt["U"].StringVal
	if len(O) != 32 || len(U) != 32 {
		return fmt.Errorf("malformed PDF: missing O= or U= encryption parameters")
	}
	P := uint32(encrypt["P"].Int64Val)

	// TODO: Password should be converted to Latin-1.
	pw := []byte(password)
	h := md5.New()
	if len(pw) >= 32 {
		h.Write(pw[:32])
	} else {
		h.Write(pw)
		h.Write(passwordPad[:32-len(pw)])
	}
	h.Write([]byte(O))
	h.Write([]byte{byte(P), byte(P >> 8), byte(P >> 16), byte(P >> 24)})
	h.Write([]byte(ID))
	key := h.Sum(nil)

	if R >= 3 {
		for i := 0; i < 50; i++ {
			h.Reset()
			h.Write(key[:n/8])
			key = h.Sum(key[:0])
		}
		key = key[:n/8]
	} else {
		key = key[:40/8]
	}

	c, err := rc4.NewCipher(key)
	if err != nil {
		return fmt.Errorf("malformed PDF: invalid RC4 key: %v", err)
	}

	var u []byte
	if R == 2 {
		u = make([]byte, 32)
		copy(u, passwordPad)
		c.XORKeyStream(u, u)
	} else {
		h.Reset()
		h.Write(passwordPad)
		h.Write([]byte(ID))
		u = h.Sum(nil)
		c.XORKeyStream(u, u)

		for i := 1; i <= 19; i++ {
			key1 := make([]byte, len(key))
			copy(key1, key)
			for j := range key1 {
				key1[j] ^= byte(i)
			}
			c, _ = rc4.NewCipher(key1)
			c.XORKeyStream(u, u)
		}
	}

	if !bytes.HasPrefix([]byte(U), u) {
		return ErrInvalidPassword
	}

	r.key = key
	r.useAES = V == 4
	r.encVersion = int(V)

	return nil
}

func (r *Reader) initEncryptV5(password string, encrypt map[string]Object) error {
	// AES-256 (V=5, R=5/6)
	// See ISO 32000-2 7.6.3.3 and Extension Level 3 logic

	O := encrypt["O"].StringVal
	U := encrypt["U"].StringVal
	OE := encrypt["OE"].StringVal
	UE := encrypt["UE"].StringVal
	// Perms := encrypt["Perms"].StringVal

	// Standard check for V=5 string lengths
	if len(O) != 48 || len(U) != 48 || len(OE) != 32 || len(UE) != 32 {
		return fmt.Errorf("malformed PDF V=5: invalid O/U/OE/UE length")
	}

	// Authenticate
	// Try User Password (U)
	key, ok := authenticateV5Password(password, []byte(U), []byte(UE))
	if !ok {
		// Try Owner Password (O)
		key, ok = authenticateV5Password(password, []byte(O), []byte(OE))
	}

	if !ok {
		return ErrInvalidPassword
	}

	r.key = key // The FEK
	r.encKey = key
	r.useAES = true
	r.encVersion = 5
	return nil
}

func authenticateV5Password(password string, entry []byte, payload []byte) (fek []byte, ok bool) {
	// entry is 48 bytes: 32 hash + 8 val salt + 8 key salt
	if len(entry) != 48 {
		return nil, false
	}
	hashStored := entry[:32]
	valSalt := entry[32:40]
	keySalt := entry[40:48]

	// Truncate password to 127 bytes UTF-8
	pwdBytes := []byte(password)
	if len(pwdBytes) > 127 {
		pwdBytes = pwdBytes[:127]
	}

	// 1. Validate Password
	h := sha256.New()
	h.Write(pwdBytes)
	h.Write(valSalt)
	hashComputed := h.Sum(nil)

	if !bytes.Equal(hashComputed, hashStored) {
		return nil, false
	}

	// 2. Decrypt FEK (payload) using derived key
	// Key = SHA256(pwd + KeySalt)
	h.Reset()
	h.Write(pwdBytes)
	h.Write(keySalt)
	kdk := h.Sum(nil) // 32 bytes Key Derivation Key

	// Decrypt payload (UE or OE) using AES-256-CBC with zero IV
	block, err := aes.NewCipher(kdk)
	if err != nil {
		return nil, false
	}

	iv := make([]byte, aes.BlockSize) // Zero IV
	plaintext := make([]byte, len(payload))
	mode := cipher.NewCBCDecrypter(block, iv)
	mode.CryptBlocks(plaintext, payload)

	// FEK is the payload (32 bytes)
	return plaintext, true
}

var ErrInvalidPassword = fmt.Errorf("encrypted PDF: invalid password")

func okayV4(encrypt map[string]Object) bool {
	cfGen := encrypt["CF"]
	if cfGen.Kind != Dict {
		return false
	}
	cf := cfGen.DictVal
	stmf := encrypt["StmF"].NameVal
	strf := encrypt["StrF"].NameVal
	if stmf != strf {
		return false
	}
	cfparamGen := cf[stmf]
	if cfparamGen.Kind != Dict {
		return false
	}
	cfparam := cfparamGen.DictVal

	if val, ok := cfparam["AuthEvent"]; ok {
		if val.Kind != Name || val.NameVal != "DocOpen" {
			return false
		}
	}
	if val, ok := cfparam["Length"]; ok {
		if val.Kind != Integer || val.Int64Val != 16 {
			return false
		}
	}
	if val, ok := cfparam["CFM"]; ok {
		if val.Kind != Name || val.NameVal != "AESV2" {
			return false
		}
	}
	return true
}

func cryptKey(key []byte, useAES bool, ptr objptr) []byte {
	h := md5.New()
	h.Write(key)
	h.Write([]byte{byte(ptr.id), byte(ptr.id >> 8), byte(ptr.id >> 16), byte(ptr.gen), byte(ptr.gen >> 8)})
	if useAES {
		h.Write([]byte("sAlT"))
	}
	return h.Sum(nil)
}

func decryptString(key []byte, useAES bool, encVersion int, ptr objptr, x string) (string, error) {
	if encVersion < 5 {
		key = cryptKey(key, useAES, ptr)
	}
	// For V=5, key is already the FEK (32 bytes for AES-256)

	if useAES {
		data := []byte(x)
		if len(data) < aes.BlockSize {
			return "", nil
		}
		iv := data[:aes.BlockSize]
		ciphertext := data[aes.BlockSize:]

		block, err := aes.NewCipher(key)
		if err != nil {
			return "", err
		}

		if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
			// return "", fmt.Errorf("decryption error: ciphertext not a multiple of block size")
			// Try to handle gracefully?
			return "", nil
		}

		mode := cipher.NewCBCDecrypter(block, iv)
		mode.CryptBlocks(ciphertext, ciphertext)

		padLen := int(ciphertext[len(ciphertext)-1])
		if padLen > aes.BlockSize || padLen == 0 {
			// return "", fmt.Errorf("decryption error: invalid padding")
			// Handle graceful
			return string(ciphertext), nil
		}
		return string(ciphertext[:len(ciphertext)-padLen]), nil
	} else {
		c, _ := rc4.NewCipher(key)
		data := []byte(x)
		c.XORKeyStream(data, data)
		x = string(data)
	}
	return x, nil
}

func decryptStream(key []byte, useAES bool, encVersion int, ptr objptr, rd io.Reader) (io.Reader, error) {
	if encVersion < 5 {
		key = cryptKey(key, useAES, ptr)
	}

	if useAES {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("AES: %v", err)
		}

		iv := make([]byte, aes.BlockSize)
		if _, err := io.ReadFull(rd, iv); err != nil {
			return nil, err
		}

		cbc := cipher.NewCBCDecrypter(block, iv)
		return &cbcReader{cbc: cbc, rd: rd, buf: make([]byte, aes.BlockSize)}, nil
	}
	c, _ := rc4.NewCipher(key)
	return &rc4Reader{cipher: c, rd: rd}, nil
}

type cbcReader struct {
	cbc  cipher.BlockMode
	rd   io.Reader
	buf  []byte
	pend []byte
}

func (r *cbcReader) Read(b []byte) (n int, err error) {
	if len(r.pend) > 0 {
		n = copy(b, r.pend)
		r.pend = r.pend[n:]
		return n, nil
	}

	_, err = io.ReadFull(r.rd, r.buf)
	if err != nil {
		if err == io.EOF {
			return 0, io.EOF
		}
		if err == io.ErrUnexpectedEOF {
			return 0, fmt.Errorf("encrypted stream not a multiple of block size")
		}
		return 0, err
	}

	r.cbc.CryptBlocks(r.buf, r.buf)
	r.pend = r.buf

	n = copy(b, r.pend)
	r.pend = r.pend[n:]
	return n, nil
}

type rc4Reader struct {
	cipher *rc4.Cipher
	rd     io.Reader
	buf    []byte
}

func (r *rc4Reader) Read(b []byte) (n int, err error) {
	n, err = r.rd.Read(b)
	if n > 0 {
		r.cipher.XORKeyStream(b[:n], b[:n])
	}
	return n, err
}

// ObjectStream returns the number of the object stream that holds the
// object, if it is in one (kyso patch).
func (x *xref) ObjectStream() (uint32, bool) {
	return x.stream.id, x.inStream
}
