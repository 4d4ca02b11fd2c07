// Resource limits against damaged or hostile files (kyso patch, see
// KYSO-PATCHES.md). Upstream digitorus/pdf v0.2.0 trusts the file's counts,
// lengths and references; a few hundred bytes could make it loop forever,
// recurse until the stack overflows or allocate without bound. Every parse
// now runs within the limits below and fails with an error when one is
// exceeded.

package pdf

import (
	"errors"
	"fmt"
)

// MaxStreamSize is the most bytes a stream reader (Value.Reader,
// Value.Data, and the reading of cross-reference and object streams) yields
// after its filters; reading more fails. It stops decompression bombs. Set
// it before opening files; it is read when a stream reader is made.
var MaxStreamSize int64 = 256 << 20

// Limits that are not configurable. They are variables so that the
// package's tests can lower them.
var (
	// maxDepth bounds the nesting of arrays and dictionaries.
	maxDepth = 256
	// maxElements bounds the entries of one array or dictionary.
	maxElements = 1 << 20
	// maxObjects bounds the objects (nodes: numbers, names, strings,
	// arrays, dictionaries...) a Reader parses from the file, which bounds
	// the memory its parsed objects hold. One object costs about 140 bytes.
	maxObjects int64 = 1 << 21
	// maxXrefEntries bounds the object numbers of the cross-reference
	// table (ISO 32000-1, Annex C.2: 8,388,607 indirect objects); a table
	// is also never longer than the file has bytes.
	maxXrefEntries int64 = 1<<23 - 1
	// maxXrefSections bounds the chain of /Prev cross-reference sections.
	maxXrefSections = 1 << 14
	// maxObjStmSize bounds the decoded size of one object stream. Object
	// streams hold no streams, only the other objects of the file.
	maxObjStmSize int64 = 32 << 20
	// maxFilters bounds the number of filters of one stream.
	maxFilters = 16
	// maxPredictorColumns bounds /Columns of a predictor.
	maxPredictorColumns int64 = 1 << 20
	// lexBase and lexPerByte set the bytes a Reader lexes: lexBase plus
	// lexPerByte times the size of the file and of the object streams it
	// decodes. Parsing each object once needs about that size; the limit
	// stops re-parsing the same bytes for many objects (for example many
	// objects whose definitions start inside one long comment or string).
	lexBase    int64 = 32 << 20
	lexPerByte int64 = 4
	// maxStreamBytes bounds the bytes a Reader's stream readers read from
	// the file and yield after decoding, over all streams.
	maxStreamBytes int64 = 1 << 30
	// maxLookups bounds the Key and Index look-ups on a Reader's values,
	// which stops exponential walks of shared objects (a field whose
	// /Kids lists the same field twice, nested).
	maxLookups int64 = 1 << 22
	// maxHops bounds a chain of indirect references followed through
	// Key and Index from one value (a field tree, a page tree, a /Parent
	// or /Next chain); it stops unbounded recursion on reference loops.
	maxHops int32 = 1 << 14
	// maxResolveNesting bounds resolutions that need another resolution
	// first (an object in an object stream whose /Length is in another).
	maxResolveNesting = 32
	// maxTreeDepth bounds the depth of page trees and outlines walked.
	maxTreeDepth = 1024
	// maxStack bounds the operand stack of Interpret.
	maxStack = 1 << 20
)

// errLimit is wrapped by the errors of exceeded limits.
var errLimit = errors.New("resource limit exceeded")

func limitError(what string, max int64) error {
	return fmt.Errorf("malformed PDF: %w: %s (limit %d)", errLimit, what, max)
}

// limits accounts the work of one Reader. A nil *limits (a Reader built by
// hand, or Interpret on a stream of its own) is unlimited.
type limits struct {
	lexed, lexMax int64
	objects       int64
	streamed      int64
	lookups       int64
}

func newLimits(size int64) *limits {
	l := &limits{lexMax: lexBase}
	l.addLex(size)
	return l
}

// addLex allows lexing lexPerByte times n more bytes, for n bytes of input.
func (l *limits) addLex(n int64) {
	if l != nil && n > 0 && n < (1<<62)/lexPerByte {
		l.lexMax += lexPerByte * n
	}
}

// lex charges n bytes lexed; it panics, as the lexer's errors do, when the
// Reader has lexed too much.
func (l *limits) lex(n int) {
	if l == nil {
		return
	}
	l.lexed += int64(n)
	if l.lexed > l.lexMax {
		panic(limitError("bytes parsed", l.lexMax))
	}
}

// object charges one parsed object.
func (l *limits) object() {
	if l == nil {
		return
	}
	l.objects++
	if l.objects > maxObjects {
		panic(limitError("objects parsed", maxObjects))
	}
}

// stream charges n bytes read or decoded by a stream reader.
func (l *limits) stream(n int) error {
	if l == nil {
		return nil
	}
	l.streamed += int64(n)
	if l.streamed > maxStreamBytes {
		return limitError("stream bytes read", maxStreamBytes)
	}
	return nil
}

// lookup charges one Key or Index look-up.
func (l *limits) lookup() error {
	if l == nil {
		return nil
	}
	l.lookups++
	if l.lookups > maxLookups {
		return limitError("look-ups", maxLookups)
	}
	return nil
}
