//go:build !linux

package signing

// mappedChunks: outside Linux, documents stay on the Go heap.
type mappedChunks struct{}

func newMappedChunks(int) *mappedChunks { return nil }

func (*mappedChunks) get() *[]byte { return nil }

func (*mappedChunks) put(*[]byte) bool { return false }
