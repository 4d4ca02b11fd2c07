package signing

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"hash"
	"io"
	"sync"

	"github.com/kyso-vn/kyso/errkind"
)

// spoolChunk is the piece in which a document of unknown size (a
// multipart part) is read into memory: small, as a document holds its
// last chunk whole (mime/multipart hands out at most 4 KiB a read anyway).
const spoolChunk = 16 << 10

// sizedChunk is the piece in which a body of known size (Content-Length)
// is read into memory: larger, so that a read takes what the connection
// has (a 200 KB body in a few reads, not thirteen). Pooled too: a fresh
// buffer the size of each document was most of the memory a signature
// allocated, and the collections it caused.
const sizedChunk = 64 << 10

var (
	spoolChunks = newChunkPool(spoolChunk)
	sizedChunks = newChunkPool(sizedChunk)
)

// chunkPool is a pool of chunks of one size.
type chunkPool struct {
	size int64
	sync.Pool
}

func newChunkPool(size int64) *chunkPool {
	return &chunkPool{size: size, Pool: sync.Pool{New: func() any { b := make([]byte, size); return &b }}}
}

// memBytes is a document held in memory: one buffer, or pooled chunks of
// equal size (the last one partly used).
type memBytes struct {
	chunks    []*[]byte
	chunkSize int64
	size      int64
	pool      *chunkPool // where the chunks go back on release; nil: not pooled
}

// wholeBytes is b as a memBytes.
func wholeBytes(b []byte) *memBytes {
	return &memBytes{chunks: []*[]byte{&b}, chunkSize: int64(max(len(b), 1)), size: int64(len(b))}
}

// at returns the bytes from off to the end of off's chunk, at most n.
func (m *memBytes) at(off, n int64) []byte {
	c := *m.chunks[off/m.chunkSize]
	i := off % m.chunkSize
	return c[i:min(i+n, m.chunkSize, m.size-off+i)]
}

// ReadAt implements io.ReaderAt.
func (m *memBytes) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := 0
	for n < len(p) && off < m.size {
		k := copy(p[n:], m.at(off, int64(len(p)-n)))
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// writeRange writes the bytes [off, off+n) to w straight from the
// chunks; past the end it writes what there is and returns
// io.ErrUnexpectedEOF.
func (m *memBytes) writeRange(w io.Writer, off, n int64) (int64, error) {
	if off < 0 || n < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	var done int64
	for done < n {
		if off+done >= m.size {
			return done, io.ErrUnexpectedEOF
		}
		k, err := w.Write(m.at(off+done, n-done))
		done += int64(k)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// equalAt reports whether p equals the bytes at off.
func (m *memBytes) equalAt(p []byte, off int64) bool {
	if off < 0 || off+int64(len(p)) > m.size {
		return false
	}
	for len(p) > 0 {
		b := m.at(off, int64(len(p)))
		if !bytes.Equal(p[:len(b)], b) {
			return false
		}
		p = p[len(b):]
		off += int64(len(b))
	}
	return true
}

// release gives pooled chunks back; m must not be used after.
func (m *memBytes) release() {
	if m.pool != nil {
		for _, c := range m.chunks {
			m.pool.Put(c)
		}
	}
	m.chunks = nil
}

// spoolChunked reads r for spool: into chunks from pool while the memory budget
// allows and at most memMax-1 bytes. The chunks are the document: growing
// one buffer by doubling instead, a 200 KB document of unknown size was
// copied twice and took 448 KB of fresh memory. With prehash, each chunk is
// hashed with SHA-256 on a goroutine of its own as soon as it is full, as
// a file upload is (copyHashed), and the document knows its state.
//
// It returns the in-memory document, or, when r holds memMax bytes or
// more or the budget is spent, head: what it read, for the caller to
// continue into a file (no budget held).
func (s *Handler) spoolChunked(r io.Reader, memMax int64, pool *chunkPool, prehash bool) (d *document, head []byte, err error) {
	chunk := pool.size
	m := &memBytes{chunkSize: chunk, pool: pool}
	var held int64
	var ahead *hashAhead
	if prehash {
		ahead = startHashAhead()
	}
	defer func() {
		if d == nil {
			ahead.stop() // before the chunks it may read go back
			m.release()
		}
		s.mem.give(held)
	}()
	joined := func() []byte {
		out := make([]byte, m.size)
		m.ReadAt(out, 0)
		return out
	}
	hashed := 0 // chunks handed to ahead
	for {
		if m.size == memMax {
			return nil, joined(), nil // too large for memory
		}
		if m.size == int64(len(m.chunks))*chunk {
			if !s.mem.take(chunk) {
				return nil, joined(), nil // the budget is spent: use a file
			}
			held += chunk
			m.chunks = append(m.chunks, pool.Get().(*[]byte))
		}
		c := *m.chunks[len(m.chunks)-1]
		off := m.size - int64(len(m.chunks)-1)*chunk
		n, err := r.Read(c[off:min(chunk, off+memMax-m.size)])
		m.size += int64(n)
		if ahead != nil && m.size == int64(len(m.chunks))*chunk {
			ahead.add(c) // full: never written again
			hashed++
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, s.readError(err)
		}
	}
	if m.size == 0 {
		return nil, nil, errkind.New(errkind.Invalid, "the uploaded document is empty")
	}
	if last := len(m.chunks) - 1; m.size == int64(last)*chunk {
		// Taken only to see the end of r.
		pool.Put(m.chunks[last])
		m.chunks = m.chunks[:last]
		s.mem.give(chunk)
		held -= chunk
	}
	var rd readSeekerAt = memDoc{io.NewSectionReader(m, 0, m.size), m}
	if ahead != nil {
		if hashed < len(m.chunks) { // the last chunk, partly filled
			ahead.add((*m.chunks[hashed])[:m.size-int64(hashed)*chunk])
		}
		rd = prehashedMem{memDoc: memDoc{io.NewSectionReader(m, 0, m.size), m}, state: ahead.state(), n: m.size}
	}
	// The document keeps the budget of its chunks.
	d = &document{r: rd, mem: m, size: m.size, budget: s.mem, held: held}
	held = 0
	return d, nil, nil
}

// hashAheadBytes is the smallest upload of announced size whose in-memory
// chunks are hashed while the rest arrives: pades then resumes that state
// instead of hashing the whole document after it arrived (16 ms for 20 MB
// here). Below it the overlap would save less than a millisecond.
const hashAheadBytes = 1 << 20

// hashAhead hashes, with SHA-256 and in order, the byte slices handed to it
// on a goroutine of its own.
type hashAhead struct {
	h       hash.Hash
	todo    chan []byte
	done    chan struct{}
	stopped bool
}

func startHashAhead() *hashAhead {
	h, todo, done := sha256.New(), make(chan []byte, 64), make(chan struct{})
	go func() {
		defer close(done)
		for b := range todo {
			h.Write(b)
		}
	}()
	return &hashAhead{h: h, todo: todo, done: done}
}

// add hands b to the hash; b must not change until stop or state returns.
func (a *hashAhead) add(b []byte) { a.todo <- b }

// stop ends the goroutine once it has hashed what it was handed; a nil a
// does nothing.
func (a *hashAhead) stop() {
	if a == nil || a.stopped {
		return
	}
	a.stopped = true
	close(a.todo)
	<-a.done
}

// state stops a and returns the encoded SHA-256 state (nil if it cannot
// be encoded: pades then hashes the document itself).
func (a *hashAhead) state() []byte {
	a.stop()
	st, err := a.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil
	}
	return st
}

// memDoc is an in-memory upload as pades reads it: by ReadAt and Seek,
// and by WriteRange (pades.RangeWriter), which hands the writer the
// chunks themselves. Hashing a 200 KB document and writing it out used to
// copy it twice more, through pades' buffer.
type memDoc struct {
	*io.SectionReader
	m *memBytes
}

// WriteRange writes the bytes [off, off+n) to w, chunk by chunk.
func (d memDoc) WriteRange(w io.Writer, off, n int64) (int64, error) {
	return d.m.writeRange(w, off, n)
}

// prehashedMem is an in-memory upload that knows the SHA-256 state of its
// n bytes (pades.PrehashedInput).
type prehashedMem struct {
	memDoc
	state []byte
	n     int64
}

func (p prehashedMem) SHA256State() ([]byte, int64, bool) {
	return p.state, p.n, p.state != nil
}
