package verifier

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/digitorus/pdf"
)

// maxRepairObjects bounds the cross-reference table rebuilt for a damaged
// file.
const maxRepairObjects = 1 << 21

var (
	objHeaderRE = regexp.MustCompile(`([0-9]{1,10})[\x00\t\n\f\r ]+([0-9]{1,5})[\x00\t\n\f\r ]+obj`)
	rootRefRE   = regexp.MustCompile(`/Root[\x00\t\n\f\r ]*([0-9]{1,10})[\x00\t\n\f\r ]+([0-9]{1,5})[\x00\t\n\f\r ]+R`)
	infoRefRE   = regexp.MustCompile(`/Info[\x00\t\n\f\r ]*([0-9]{1,10})[\x00\t\n\f\r ]+([0-9]{1,5})[\x00\t\n\f\r ]+R`)
)

// openRepaired opens a file whose cross-reference data digitorus/pdf
// cannot follow (a /Prev into the middle of another revision, offsets that
// are wrong) the way other readers do: it scans the file for object
// definitions, the last definition of a number winning, and reads the file
// followed by a cross-reference table of those. Objects inside object
// streams are not found this way. The file's own bytes are unchanged, so
// signatures' byte ranges still apply.
func openRepaired(r io.ReaderAt, size int64) (*pdf.Reader, error) {
	type def struct {
		off int64
		gen int
	}
	defs := map[int]def{}
	maxID := 0
	var root, info string
	const block = 1 << 20
	const overlap = 64
	buf := make([]byte, block+overlap)
	for off := int64(0); off < size; off += block {
		n := min(int64(len(buf)), size-off)
		b := buf[:n]
		if _, err := r.ReadAt(b, off); err != nil && err != io.EOF {
			return nil, err
		}
		for _, m := range objHeaderRE.FindAllSubmatchIndex(b, -1) {
			if int64(m[0]) >= block {
				continue // in the overlap: the next block's
			}
			if m[0] > 0 && b[m[0]-1] >= '0' && b[m[0]-1] <= '9' {
				continue
			}
			if m[1] < len(b) && isRegular(b[m[1]]) {
				continue
			}
			id, _ := strconv.Atoi(string(b[m[2]:m[3]]))
			gen, _ := strconv.Atoi(string(b[m[4]:m[5]]))
			if id <= 0 || id >= maxRepairObjects || gen > 65535 {
				continue
			}
			defs[id] = def{off: off + int64(m[0]), gen: gen}
			maxID = max(maxID, id)
		}
		for _, m := range rootRefRE.FindAllSubmatch(b, -1) {
			root = string(m[1]) + " " + string(m[2]) + " R"
		}
		for _, m := range infoRefRE.FindAllSubmatch(b, -1) {
			info = string(m[1]) + " " + string(m[2]) + " R"
		}
	}
	if root == "" || len(defs) == 0 {
		return nil, errors.New("no objects or no catalog found")
	}
	var tail bytes.Buffer
	tail.WriteString("\n")
	xref := size + int64(tail.Len())
	fmt.Fprintf(&tail, "xref\n0 %d\n0000000000 65535 f \n", maxID+1)
	for id := 1; id <= maxID; id++ {
		if d, ok := defs[id]; ok {
			fmt.Fprintf(&tail, "%010d %05d n \n", d.off, d.gen)
		} else {
			tail.WriteString("0000000000 00000 f \n")
		}
	}
	fmt.Fprintf(&tail, "trailer\n<< /Size %d /Root %s", maxID+1, root)
	if info != "" {
		fmt.Fprintf(&tail, " /Info %s", info)
	}
	fmt.Fprintf(&tail, " >>\nstartxref\n%d\n%%%%EOF\n", xref)
	view := &concatReaderAt{a: r, asize: size, b: tail.Bytes()}
	return openPDF(view, size+int64(tail.Len()))
}

// isRegular reports a PDF regular character (not white space or a
// delimiter, ISO 32000-1, 7.2.2).
func isRegular(c byte) bool {
	if isPDFSpace(c) {
		return false
	}
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}

// concatReaderAt reads a (asize bytes) followed by b.
type concatReaderAt struct {
	a     io.ReaderAt
	asize int64
	b     []byte
}

func (c *concatReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	if off < c.asize {
		k := min(int64(len(p)), c.asize-off)
		m, err := c.a.ReadAt(p[:k], off)
		n += m
		if err != nil && !(errors.Is(err, io.EOF) && int64(m) == k) {
			return n, err
		}
		if n == len(p) {
			return n, nil
		}
		off += int64(m)
	}
	i := off - c.asize
	if i >= int64(len(c.b)) {
		return n, io.EOF
	}
	m := copy(p[n:], c.b[i:])
	n += m
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
