package signing

import (
	"bytes"
	"testing"
)

// TestMappedChunks: chunks come from mapped memory and go back to it; a
// trim gives back to the system the free chunks beyond
// mappedKeepResident that stayed free since the last one (a chunk used
// in between stays resident), and such a chunk reads as zeros when
// handed out again; a heap chunk is not taken.
func TestMappedChunks(t *testing.T) {
	const size = 16 << 10
	m := newMappedChunks(size)
	keep := mappedKeepResident / size
	chunks := make([]*[]byte, keep+8)
	for i := range chunks {
		chunks[i] = m.get()
		if chunks[i] == nil || len(*chunks[i]) != size || cap(*chunks[i]) != size {
			t.Fatalf("get() %d = %v, want a %d-byte chunk", i, chunks[i], size)
		}
		for j := range *chunks[i] {
			(*chunks[i])[j] = 0xA5
		}
	}
	for i, c := range chunks {
		if !m.put(c) {
			t.Fatalf("put(chunk %d) = false, want true", i)
		}
	}
	// In use again since: the top 3 chunks (given back last).
	for range 3 {
		m.put(m.get())
	}
	m.trim()
	// 8 beyond the bound, all idle until the trim: all 8 go.
	if len(m.warm) != keep {
		t.Fatalf("after a trim: %d warm chunks, want %d", len(m.warm), keep)
	}
	for i, c := range chunks[:8] {
		if m.cold[len(m.cold)-8+i] != c {
			t.Fatalf("cold chunk %d is not the %d-th given back", i, i)
		}
	}
	for range len(m.warm) {
		if c := m.get(); (*c)[0] != 0xA5 {
			t.Fatal("a resident chunk lost its bytes")
		}
	}
	if got := m.get(); got != chunks[7] || !bytes.Equal(*got, make([]byte, size)) {
		t.Errorf("a chunk given back to the system reads %x..., want zeros", (*got)[:4])
	}
	heap := make([]byte, size)
	if m.put(&heap) {
		t.Error("put(a heap chunk) = true, want false")
	}
}
