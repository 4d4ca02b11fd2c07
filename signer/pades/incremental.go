package pades

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"encoding"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"slices"
	"sync"

	"github.com/digitorus/pdf"
)

// Xref styles of digitorus/pdf's ReaderXrefInformation.Type.
const (
	xrefTable  = "table"
	xrefStream = "stream"
)

// revision is one incremental update (ISO 32000-1, 7.5.6) being built in
// memory: the objects it adds or replaces, then a cross-reference section in
// the style of the file it extends (a table after a table, a stream after a
// stream) whose trailer points back with /Prev. Earlier bytes are never
// touched, so the byte ranges of earlier signatures stay valid.
//
// A revision holds only what it adds; the document itself is read through
// an io.ReaderAt and never copied.
type revision struct {
	base    int64         // offset in the file of the revision's first byte
	buf     *bytes.Buffer // from revisionBuffers; nil once released
	next    uint32        // next unused object number
	offsets map[uint32]xrefEntry
	style   string
	prev    int64 // offset of the previous cross-reference section
	trailer pdf.Value
}

type xrefEntry struct {
	gen    uint16
	offset int64
}

// newRevision starts an update to the document rdr was opened on; size is
// the document's length and last its final byte.
func newRevision(rdr *pdf.Reader, size int64, last byte) (*revision, error) {
	style := rdr.XrefInformation.Type
	if style != xrefTable && style != xrefStream {
		return nil, ErrUnsupported.Errorf("unknown cross-reference style %q", style)
	}
	tr := rdr.Trailer()
	if !tr.Key("Encrypt").IsNull() {
		return nil, ErrUnsupported.Errorf("encrypted PDF")
	}
	next := max(uint32(tr.Key("Size").Int64()), uint32(len(rdr.Xref())))
	if next == 0 {
		return nil, ErrInvalid.Errorf("cross-reference section has no /Size")
	}
	r := &revision{
		buf:     revisionBuffers.Get().(*bytes.Buffer),
		base:    size,
		next:    next,
		offsets: map[uint32]xrefEntry{},
		style:   style,
		prev:    rdr.XrefInformation.StartPos,
		trailer: tr,
	}
	// The file must end with an end-of-line marker before new objects
	// (ISO 32000-1, 7.5.5 ends %%EOF with one, but not every writer does).
	if last != '\n' && last != '\r' {
		r.buf.WriteByte('\n')
	}
	return r, nil
}

// revisionBuffers hold the bytes of revisions whose document was written
// out: a signature's revision is mostly its /Contents hole (2 × 8 KiB and
// more), which a new buffer had the runtime zero, and fault in, at every
// signature (a tenth of a batch document's placing).
var revisionBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledRevision is the largest revision buffer kept for reuse: a
// B-LT revision with a national CA's CRL is megabytes, rare, and not kept.
const maxPooledRevision = 256 << 10

// release gives the revisions' buffers back for reuse, once the document
// was written out and nothing reads it any more.
func (d *document) release() {
	for _, r := range d.revs {
		if r.buf != nil && r.buf.Cap() <= maxPooledRevision {
			r.buf.Reset()
			revisionBuffers.Put(r.buf)
		}
		r.buf = nil
	}
}

// AddObject writes body as a new indirect object and returns its number. It
// implements ObjectWriter.
func (r *revision) AddObject(body []byte) (uint32, error) {
	id := r.next
	r.next++
	r.write(ref{id: id}, body)
	return id, nil
}

// add is AddObject returning a reference.
func (r *revision) add(body []byte) ref {
	id, _ := r.AddObject(body)
	return ref{id: id}
}

// update writes body as the new version of the existing object o.
func (r *revision) update(o ref, body []byte) {
	r.write(o, body)
}

// write writes object o with body and returns the position in buf where
// the body starts.
func (r *revision) write(o ref, body []byte) int {
	r.offsets[o.id] = xrefEntry{gen: o.gen, offset: r.base + int64(r.buf.Len())}
	fmt.Fprintf(r.buf, "%d %d obj\n", o.id, o.gen)
	start := r.buf.Len()
	r.buf.Write(bytes.TrimSpace(body))
	r.buf.WriteString("\nendobj\n")
	return start
}

// writeIn writes object o with the body body writes straight into the
// revision (no copy of a large body), and returns the body's offset in the
// revision. body must not start or end with white space.
func (r *revision) writeIn(o ref, body func(*bytes.Buffer)) int {
	r.offsets[o.id] = xrefEntry{gen: o.gen, offset: r.base + int64(r.buf.Len())}
	fmt.Fprintf(r.buf, "%d %d obj\n", o.id, o.gen)
	start := r.buf.Len()
	body(r.buf)
	r.buf.WriteString("\nendobj\n")
	return start
}

// end returns the file size once the revision is finished.
func (r *revision) end() int64 { return r.base + int64(r.buf.Len()) }

// finish writes the cross-reference section, the trailer and %%EOF. The
// revision then holds only its bytes: the trailer it extends (a value of
// the input's reader, which keeps that reader alive) and the offsets are
// let go, so that a batch document waiting for its signature does not
// hold its parsed input.
func (r *revision) finish() error {
	var err error
	if r.style == xrefStream {
		err = r.finishStream()
	} else {
		err = r.finishTable()
	}
	r.trailer, r.offsets = pdf.Value{}, nil
	return err
}

func (r *revision) trailerEntries(d *dict) error {
	tr := r.trailer
	root := tr.Key("Root")
	if root.Kind() != pdf.Dict {
		return ErrInvalid.Errorf("trailer has no /Root dictionary")
	}
	d.set("Root", ptrRef(root.GetPtr()).String())
	if info := tr.Key("Info"); isIndirect(info, tr.GetPtr()) {
		d.set("Info", ptrRef(info.GetPtr()).String())
	}
	if id := tr.Key("ID"); id.Kind() == pdf.Array {
		var b bytes.Buffer
		if err := writeValue(&b, id, tr.GetPtr()); err != nil {
			return fmt.Errorf("trailer /ID: %w", err)
		}
		d.set("ID", b.String())
	}
	d.set("Prev", fmt.Sprint(r.prev))
	return nil
}

// runs groups the sorted object numbers into contiguous subsections.
func runs(ids []uint32) [][2]uint32 {
	var out [][2]uint32
	for _, id := range ids {
		if n := len(out); n > 0 && out[n-1][0]+out[n-1][1] == id {
			out[n-1][1]++
			continue
		}
		out = append(out, [2]uint32{id, 1})
	}
	return out
}

func (r *revision) sortedIDs() []uint32 {
	ids := make([]uint32, 0, len(r.offsets))
	for id := range r.offsets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// finishTable writes a cross-reference table section (ISO 32000-1, 7.5.4).
func (r *revision) finishTable() error {
	d := newDict()
	d.set("Size", fmt.Sprint(r.next))
	if err := r.trailerEntries(d); err != nil {
		return err
	}
	start := r.end()
	r.buf.WriteString("xref\n")
	ids := r.sortedIDs()
	for _, run := range runs(ids) {
		fmt.Fprintf(r.buf, "%d %d\n", run[0], run[1])
		for id := run[0]; id < run[0]+run[1]; id++ {
			e := r.offsets[id]
			fmt.Fprintf(r.buf, "%010d %05d n\r\n", e.offset, e.gen)
		}
	}
	r.buf.WriteString("trailer\n")
	r.buf.Write(d.bytes())
	fmt.Fprintf(r.buf, "\nstartxref\n%d\n%%%%EOF\n", start)
	return nil
}

// finishStream writes a cross-reference stream (ISO 32000-1, 7.5.8).
func (r *revision) finishStream() error {
	self := r.next
	r.next++
	start := r.end()
	r.offsets[self] = xrefEntry{offset: start}

	ids := r.sortedIDs()
	width := 4
	for start>>(8*width) != 0 {
		width++
	}
	var rows bytes.Buffer
	for _, id := range ids {
		e := r.offsets[id]
		rows.WriteByte(1)
		for i := width - 1; i >= 0; i-- {
			rows.WriteByte(byte(e.offset >> (8 * i)))
		}
		rows.WriteByte(byte(e.gen >> 8))
		rows.WriteByte(byte(e.gen))
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	if _, err := zw.Write(rows.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}

	d := newDict()
	d.set("Type", "/XRef")
	d.set("Size", fmt.Sprint(r.next))
	var index bytes.Buffer
	index.WriteByte('[')
	for i, run := range runs(ids) {
		if i > 0 {
			index.WriteByte(' ')
		}
		fmt.Fprintf(&index, "%d %d", run[0], run[1])
	}
	index.WriteByte(']')
	d.set("Index", index.String())
	d.set("W", fmt.Sprintf("[1 %d 2]", width))
	if err := r.trailerEntries(d); err != nil {
		return err
	}
	d.set("Filter", "/FlateDecode")
	d.set("Length", fmt.Sprint(z.Len()))

	fmt.Fprintf(r.buf, "%d 0 obj\n", self)
	r.buf.Write(d.bytes())
	r.buf.WriteString("\nstream\n")
	r.buf.Write(z.Bytes())
	r.buf.WriteString("\nendstream\nendobj\n")
	fmt.Fprintf(r.buf, "startxref\n%d\n%%%%EOF\n", start)
	return nil
}

// document is a PDF being extended: the caller's input followed by the
// revisions appended so far. It reads through to the input and never
// copies it.
type document struct {
	in   io.ReaderAt
	size int64 // size of the input
	revs []*revision

	// inputHash holds, per hash function, the marshalled state of that
	// hash after the whole input: the input is a prefix of every byte
	// range kyso signs and of the output, so it is read and hashed once
	// per function however many digests are needed (the signature, a
	// document time-stamp, the read-back checks, the output's digest).
	inputHash map[crypto.Hash][]byte
}

// PrehashedInput is an input that hashed its own bytes as it received
// them (kyso's HTTP API does, for a large upload spooled to a file): its
// SHA-256 state after exactly n bytes, encoded by crypto/sha256's
// MarshalBinary; ok false when it has none. Sign then does not read the
// whole input again to hash it. The input must be exactly the bytes
// hashed: whoever implements this vouches for it, as the read-back check
// resumes the same state.
type PrehashedInput interface {
	SHA256State() (state []byte, n int64, ok bool)
}

// RangeWriter is an input that writes its bytes [off, off+n) to w
// straight from where it holds them (kyso's HTTP API's in-memory uploads
// do): hashing and writing out the input then hand w those bytes instead
// of copying them through a buffer first. It must write exactly the bytes
// ReadAt reads there, and it returns how many it wrote; w must not keep
// them (io.Writer's rule).
type RangeWriter interface {
	WriteRange(w io.Writer, off, n int64) (int64, error)
}

// seedInputHash takes in's SHA-256 state of the whole input, if it has
// one that covers exactly the document's size.
func (d *document) seedInputHash(in any) {
	p, ok := in.(PrehashedInput)
	if !ok {
		return
	}
	state, n, ok := p.SHA256State()
	if !ok || n != d.size {
		return
	}
	// A state that does not decode as SHA-256's, or that counts another
	// length than n (crypto/sha256's encoding ends with the length hashed),
	// is ignored: the input is then hashed as any other.
	if len(state) < 8 || binary.BigEndian.Uint64(state[len(state)-8:]) != uint64(n) {
		return
	}
	if err := crypto.SHA256.New().(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return
	}
	d.inputHash = map[crypto.Hash][]byte{crypto.SHA256: state}
}

// hashFrom returns a hash h of the document's bytes [0, from), for from at
// or after the end of the input.
func (d *document) hashFrom(h crypto.Hash, from int64) (hash.Hash, error) {
	if from < d.size || from > d.len() {
		return nil, fmt.Errorf("pades: hash prefix of %d bytes of a %d-byte input", from, d.size)
	}
	state, ok := d.inputHash[h]
	if !ok {
		w := h.New()
		if err := d.copyRange(w, 0, d.size); err != nil {
			return nil, fmt.Errorf("read PDF: %w", err)
		}
		m, ok := w.(encoding.BinaryMarshaler)
		if !ok {
			return nil, fmt.Errorf("pades: hash %v cannot be resumed", h)
		}
		var err error
		if state, err = m.MarshalBinary(); err != nil {
			return nil, err
		}
		if d.inputHash == nil {
			d.inputHash = map[crypto.Hash][]byte{}
		}
		d.inputHash[h] = state
	}
	w := h.New()
	if err := w.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return nil, err
	}
	if err := d.copyRange(w, d.size, from-d.size); err != nil {
		return nil, err
	}
	return w, nil
}

// digestRanges returns the digest with h of the byte ranges br
// (offset/length pairs, /ByteRange's form), reading the input through the
// remembered state when the first range covers it.
func (d *document) digestRanges(h crypto.Hash, br []int64) ([]byte, error) {
	if len(br) != 4 || br[0] != 0 || br[1] < d.size || br[2] < br[1] || br[3] < 0 || br[2]+br[3] > d.len() {
		return nil, ErrIntegrity.Errorf("/ByteRange %v", br)
	}
	w, err := d.hashFrom(h, br[1])
	if err != nil {
		return nil, err
	}
	if err := d.copyRange(w, br[2], br[3]); err != nil {
		return nil, err
	}
	return w.Sum(nil), nil
}

// copyBuffers are the buffers copyRange reads the input through: hashing
// and writing out a document would otherwise allocate one per pass.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// copyRange writes the document's bytes [off, off+n) to w: the input's
// by its WriteRange (RangeWriter) or through a pooled buffer, the
// revisions' straight from memory. Fewer than n bytes is
// io.ErrUnexpectedEOF.
func (d *document) copyRange(w io.Writer, off, n int64) error {
	end := off + n
	if off < 0 || n < 0 {
		return fmt.Errorf("pades: range [%d, %d) of the document", off, end)
	}
	if off < d.size && off < end {
		var m int64
		var err error
		if rw, ok := d.in.(RangeWriter); ok {
			m, err = rw.WriteRange(w, off, min(end, d.size)-off)
		} else {
			bp := copyBuffers.Get().(*[]byte)
			// writerOnly keeps io.CopyBuffer from handing the copy to w's
			// ReadFrom, which would allocate a buffer of its own.
			m, err = io.CopyBuffer(writerOnly{w}, io.NewSectionReader(d.in, off, min(end, d.size)-off), *bp)
			copyBuffers.Put(bp)
		}
		if err != nil {
			return err
		}
		if off += m; off < min(end, d.size) {
			return io.ErrUnexpectedEOF
		}
	}
	for _, r := range d.revs {
		if off >= end {
			break
		}
		if off < r.base || off >= r.end() {
			continue
		}
		k := min(end, r.end())
		if _, err := w.Write(r.buf.Bytes()[off-r.base : k-r.base]); err != nil {
			return err
		}
		off = k
	}
	if off < end {
		return io.ErrUnexpectedEOF
	}
	return nil
}

type writerOnly struct{ io.Writer }

// ReadAt implements io.ReaderAt over the input and the finished revisions.
func (d *document) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		switch {
		case pos < d.size:
			m, err := d.in.ReadAt(p[n:min(len(p), n+int(d.size-pos))], pos)
			n += m
			if err != nil && err != io.EOF {
				return n, err
			}
			if m == 0 {
				return n, io.ErrUnexpectedEOF
			}
			continue
		}
		found := false
		for _, r := range d.revs {
			if pos >= r.base && pos < r.end() {
				n += copy(p[n:], r.buf.Bytes()[pos-r.base:])
				found = true
				break
			}
		}
		if !found {
			return n, io.EOF
		}
	}
	return n, nil
}

// len returns the document's current length.
func (d *document) len() int64 {
	if n := len(d.revs); n > 0 {
		return d.revs[n-1].end()
	}
	return d.size
}

// lastByte returns the document's final byte.
func (d *document) lastByte() (byte, error) {
	var b [1]byte
	if _, err := d.ReadAt(b[:], d.len()-1); err != nil {
		return 0, err
	}
	return b[0], nil
}

// open parses the document as it stands. digitorus/pdf panics on some
// malformed input rather than returning an error; such a panic is the
// input's fault and is returned as ErrInvalid.
func (d *document) open() (rdr *pdf.Reader, err error) {
	defer func() {
		if r := recover(); r != nil {
			rdr, err = nil, ErrInvalid.Errorf("parse PDF: %v", r)
		}
	}()
	rdr, err = pdf.NewReader(d, d.len())
	if err != nil {
		return nil, ErrInvalid.Errorf("parse PDF: %v", err)
	}
	return rdr, nil
}

// begin starts a new revision on top of the document.
func (d *document) begin() (*pdf.Reader, *revision, error) {
	rdr, err := d.open()
	if err != nil {
		return nil, nil, err
	}
	last, err := d.lastByte()
	if err != nil {
		return nil, nil, fmt.Errorf("read PDF: %w", err)
	}
	rev, err := newRevision(rdr, d.len(), last)
	if err != nil {
		return nil, nil, err
	}
	return rdr, rev, nil
}

// readerAt adapts an io.ReadSeeker that is not an io.ReaderAt.
type readerAt struct {
	rs io.ReadSeeker
}

func (r *readerAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := r.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(r.rs, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}
