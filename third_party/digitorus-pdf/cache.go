// Sharing parsed objects between Readers of one file (kyso patch, see
// KYSO-PATCHES.md).

package pdf

import (
	"io"
	"sync"
)

// A Cache holds the objects parsed from one file for every Reader made
// with it: Readers of the whole file and of its prefixes (the file as it
// was at the end of each earlier revision) and the Readers of a Scan.
// Without it each Reader parses the definitions it needs again, so reading
// every revision of a file costs the number of revisions times its size.
//
// A definition is shared by its offset in the file, between Readers that
// decrypt with the same key, and only with Readers whose file holds all of
// it. The objects of an object stream are shared by the offset of the
// stream's definition when its /Length is a number. Every Reader made with
// a Cache must read the same file or a prefix of it. A Cache may be used
// by several goroutines.
type Cache struct {
	mu   sync.Mutex
	defs map[cacheKey]cachedDef
	stms map[cacheKey]*cachedStm
}

type cacheKey struct {
	off int64
	key string // the decryption key
}

// cachedDef is a parsed definition and the offset after it.
type cachedDef struct {
	ptr objptr
	obj Object
	end int64
}

// cachedStm is a decoded object stream: the objects it holds (or the error
// reading it) and the offset after its data.
type cachedStm struct {
	end  int64
	err  error
	objs []cachedStmObj
}

type cachedStmObj struct {
	id  uint32
	obj Object
	err error
}

// NewCache returns an empty Cache.
func NewCache() *Cache {
	return &Cache{defs: map[cacheKey]cachedDef{}, stms: map[cacheKey]*cachedStm{}}
}

// NewReaderCached is NewReader for a Reader that shares parsed objects
// through c with the other Readers of the same file. c may be nil.
func NewReaderCached(f io.ReaderAt, size int64, c *Cache) (*Reader, error) {
	return newReader(f, size, nil, c)
}

// def returns the definition of ptr parsed at off, if r may use it.
func (c *Cache) def(r *Reader, ptr objptr, off int64) (Object, bool) {
	if c == nil {
		return Object{}, false
	}
	c.mu.Lock()
	d, ok := c.defs[cacheKey{off, string(r.key)}]
	c.mu.Unlock()
	if !ok || d.ptr != ptr || d.end > r.end {
		return Object{}, false
	}
	return d.obj, true
}

func (c *Cache) putDef(r *Reader, ptr objptr, off int64, obj Object, end int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.defs[cacheKey{off, string(r.key)}] = cachedDef{ptr: ptr, obj: obj, end: end}
	c.mu.Unlock()
}

// stm returns the decoded object stream defined at off, if r may use it.
func (c *Cache) stm(r *Reader, off int64) (*cachedStm, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	s, ok := c.stms[cacheKey{off, string(r.key)}]
	c.mu.Unlock()
	if !ok || s.end > r.end {
		return nil, false
	}
	return s, true
}

func (c *Cache) putStm(r *Reader, off int64, s *cachedStm) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.stms[cacheKey{off, string(r.key)}] = s
	c.mu.Unlock()
}
