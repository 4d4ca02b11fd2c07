package api

import (
	"bytes"
	"io"
	"sync"
)

// spoolChunk is the piece in which a document of unknown size (a
// multipart part) is read into memory.
const spoolChunk = 64 << 10

var spoolChunks = sync.Pool{New: func() any { b := make([]byte, spoolChunk); return &b }}

// spoolUnsized reads r, whose size is unknown, for spool: into pooled
// chunks while the memory budget allows and at most memMax-1 bytes, then
// into one buffer of exactly its size. Growing one buffer by doubling
// instead, a 200 KB document was copied twice and took 448 KB.
//
// It returns the in-memory document, or, when r holds memMax bytes or
// more or the budget is spent, head: what it read, for the caller to
// continue into a file (no budget held).
func (s *Server) spoolUnsized(r io.Reader, memMax int64) (d *document, head []byte, err error) {
	var chunks []*[]byte
	var held, total int64
	defer func() {
		for _, c := range chunks {
			spoolChunks.Put(c)
		}
		s.mem.give(held)
	}()
	joined := func() []byte {
		out := make([]byte, 0, total)
		for i, c := range chunks {
			n := min(int64(spoolChunk), total-int64(i)*spoolChunk)
			out = append(out, (*c)[:n]...)
		}
		return out
	}
	for {
		if total == memMax {
			return nil, joined(), nil // too large for memory
		}
		if total == int64(len(chunks))*spoolChunk {
			if !s.mem.take(spoolChunk) {
				return nil, joined(), nil // the budget is spent: use a file
			}
			held += spoolChunk
			chunks = append(chunks, spoolChunks.Get().(*[]byte))
		}
		c := *chunks[len(chunks)-1]
		off := total - int64(len(chunks)-1)*spoolChunk
		n, err := r.Read(c[off:min(int64(spoolChunk), off+memMax-total)])
		total += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, s.readError(err)
		}
	}
	if total == 0 {
		return nil, nil, badRequest(CodeInvalidRequest, "the uploaded document is empty")
	}
	buf := joined()
	// The document keeps its own bytes of the budget; the chunks' go back.
	held -= total
	return &document{r: bytes.NewReader(buf), data: buf, size: total, budget: s.mem, held: total}, nil, nil
}
