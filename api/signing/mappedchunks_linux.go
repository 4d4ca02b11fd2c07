package signing

import (
	"sync"
	"syscall"
	"time"
)

// mappedChunks are document chunks in memory mapped from the system,
// outside the Go heap. The documents of the batches in flight are most of
// what a busy kyso holds (100 documents of 200 KB a batch, a few batches
// at once) and, on the heap, they were most of the live heap each
// collection marked: at GOGC=200 the heap then grew to three times their
// size before the next one, the process's peak RSS. Outside the heap they
// count once, scanned by no collection.
//
// Chunks are never unmapped, so a chunk read after it was given back
// (which memBytes.release prevents) reads another document's bytes or
// zeros, never faults. Free chunks beyond mappedKeepResident that stayed
// free for a whole mappedTrimEvery are given back to the system
// (MADV_DONTNEED: their pages read as zeros when used again), so a burst's
// memory does not stay resident while a steady load, which reuses its
// chunks, makes no system calls for them. How much is in use is bounded
// by the handler's memory budget (Config.MemoryBytes), taken before each
// chunk.
type mappedChunks struct {
	size int

	mu        sync.Mutex
	warm      []*[]byte // free, pages resident; a stack, the longest free at the bottom
	cold      []*[]byte // free, pages given back (or never touched)
	owned     map[*[]byte]struct{}
	idle      int  // warm[:idle] stayed free since the last trim
	scheduled bool // a trim is due
}

// mappedSlabBytes is how much is mapped at a time, cut into chunks.
const mappedSlabBytes = 1 << 20

// mappedKeepResident is how many bytes of free chunks stay resident for
// the next documents.
const mappedKeepResident = 32 << 20

// mappedTrimEvery is how long free chunks beyond mappedKeepResident stay
// resident at least.
const mappedTrimEvery = 5 * time.Second

func newMappedChunks(size int) *mappedChunks {
	if size <= 0 || mappedSlabBytes%size != 0 {
		return nil
	}
	return &mappedChunks{size: size, owned: map[*[]byte]struct{}{}}
}

// get returns a free chunk, mapping more if there is none; nil if the
// system maps no more (the caller then uses the heap).
func (m *mappedChunks) get() *[]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.warm) == 0 && len(m.cold) == 0 {
		slab, err := syscall.Mmap(-1, 0, mappedSlabBytes, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return nil
		}
		for off := 0; off < len(slab); off += m.size {
			c := slab[off : off+m.size : off+m.size]
			m.owned[&c] = struct{}{}
			m.cold = append(m.cold, &c)
		}
	}
	if n := len(m.warm); n > 0 {
		c := m.warm[n-1]
		m.warm = m.warm[:n-1]
		m.idle = min(m.idle, n-1)
		return c
	}
	c := m.cold[len(m.cold)-1]
	m.cold = m.cold[:len(m.cold)-1]
	return c
}

// put takes back a chunk get returned and reports true; false for any
// other (a heap chunk).
func (m *mappedChunks) put(c *[]byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.owned[c]; !ok {
		return false
	}
	m.warm = append(m.warm, c)
	if len(m.warm)*m.size > mappedKeepResident && !m.scheduled {
		m.scheduled = true
		m.idle = len(m.warm)
		time.AfterFunc(mappedTrimEvery, m.trim)
	}
	return true
}

// trim gives back to the system the free chunks beyond
// mappedKeepResident that stayed free since the last trim, and schedules
// the next while more are free than that.
func (m *mappedChunks) trim() {
	m.mu.Lock()
	defer m.mu.Unlock()
	keep := mappedKeepResident / m.size
	n := min(m.idle, len(m.warm)-keep)
	kept := m.warm[:0:0]
	for i, c := range m.warm[:max(n, 0)] {
		// A chunk is a whole number of 4 KiB pages of a page-aligned
		// slab (with larger pages, madvise refuses it: it stays).
		if err := syscall.Madvise(*c, syscall.MADV_DONTNEED); err != nil {
			kept = append(kept, m.warm[i])
			continue
		}
		m.cold = append(m.cold, c)
	}
	if n > 0 {
		m.warm = append(kept, m.warm[n:]...)
	}
	m.idle = len(m.warm)
	m.scheduled = len(m.warm) > keep
	if m.scheduled {
		time.AfterFunc(mappedTrimEvery, m.trim)
	}
}
