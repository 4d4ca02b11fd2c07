package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// scanFiles are files for the scan's tests: hidden definitions and
// trailers in stream data and strings, object streams, definitions across
// the scan's 1 MiB blocks and a stream longer than a block, and damaged
// files.
func scanFiles() map[string][]byte {
	files := map[string][]byte{}
	r := base()
	stm := r.objStm(5, "3 << /Type /Page /Parent 2 0 R /Contents 6 0 R >>")
	data := "1 0 obj << /Type /Catalog /Pages 99 0 R >> endobj"
	off := r.objects(map[int]string{6: fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(data), data)})
	x := r.xrefStream(7, fmt.Sprintf(" /Root 1 0 R /Prev %d", r.prev+3), [4]int{3, 2, 5, 0}, [4]int{5, 1, stm, 0}, [4]int{6, 1, off[6], 0}, [4]int{7, 1, r.buf.Len(), 0})
	files["object stream, broken /Prev"] = r.end(x, true)

	hidden := "BT (a) Tj ET\n4 0 obj\n<< /Forged true >>\nendobj\n  \t12 0 obj [1]\nendobj 13 1 obj 7\ntrailer\n<< /Root 4 0 R >>\n"
	d := basicDoc("", "").
		stream(4, "", []byte(hidden)).
		obj(5, "(a string\n6 0 obj\n\ttrailer\n) endobj")
	files["hidden definitions"] = d.table(7, "")

	// Definitions straddling the 1 MiB blocks, a stream longer than a
	// block with hidden definitions inside and at its end, and padding
	// that puts "obj" and "trailer" near block boundaries.
	var big bytes.Buffer
	big.WriteString("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n")
	id := 3
	for big.Len() < 3*scanBlock+scanBlock/2 {
		switch id % 4 {
		case 0:
			s := strings.Repeat("% padding obj trailer\n", 70000) + "9 0 obj << /Hidden 1 >> endobj\ntrailer\n"
			fmt.Fprintf(&big, "%d 0 obj << /Length %d >>\nstream\n%s\nendstream\nendobj\n", id, len(s), s)
		case 1:
			// A stream whose /Length is wrong: its end is the first
			// endstream.
			fmt.Fprintf(&big, "%d 0 obj << /Length 3 >>\nstream\n%s\nendstream\nendobj\n", id, strings.Repeat("x 1 0 obj\n", 5000))
		default:
			fmt.Fprintf(&big, "%d 0 obj (%s) endobj\n", id, strings.Repeat("s", 1000+id*37%4000))
		}
		id++
	}
	fmt.Fprintf(&big, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n0\n%%%%EOF\n", id)
	files["several blocks"] = big.Bytes()
	b := big.Bytes()
	for _, at := range []int{scanBlock - 40, scanBlock - 2, scanBlock + 30, 2*scanBlock - 1} {
		files[fmt.Sprintf("several blocks cut at %d", at)] = b[:at]
	}
	files["unterminated stream"] = []byte("%PDF-1.7\n1 0 obj << /Length 99 >>\nstream\n2 0 obj\n")
	files["empty"] = nil
	files["no definition"] = []byte("trailer << /Root 1 0 R >>")
	return files
}

// nextCandidateEach is nextCandidate as it was before kyso patch 45, which
// searched every "obj" from from on at each call: the reference the
// remembered search is compared with.
func nextCandidateEach(b []byte, from, to int64) (scanCandidate, bool) {
	ends := func(i int) bool { return i >= len(b) || isSpace(b[i]) || isDelim(b[i]) }
	var obj scanCandidate
	found := false
	for i := int(from); int64(i) < to; {
		k := bytes.Index(b[i:], objKW)
		if k < 0 {
			break
		}
		q := i + k
		i = q + 1
		if c, ok := objAt(b, q); ok && ends(q+len(objKW)) && int64(c.start) >= from {
			if int64(c.start) >= to {
				break
			}
			obj, found = c, true
			break
		}
	}
	limit := to
	if found {
		limit = int64(obj.start)
	}
	for i := int(from); int64(i) < limit; {
		k := bytes.Index(b[i:min(int(limit)+len(trailerKW), len(b))], trailerKW)
		if k < 0 || int64(i+k) >= limit {
			break
		}
		q := i + k
		i = q + 1
		if ends(q+len(trailerKW)) && (q == 0 || isSpace(b[q-1]) || isDelim(b[q-1])) {
			return scanCandidate{start: q, end: q + len(trailerKW), trailer: true}, true
		}
	}
	return obj, found
}

// sameCandidates calls nextCandidate on b as a scan does — from never
// decreasing: just after each candidate, or further on (after a parsed
// definition), by the steps of jumps — and compares each answer with
// nextCandidateEach's. It returns the number of candidates.
func sameCandidates(t *testing.T, name string, b []byte, to int64, jumps []byte) int {
	t.Helper()
	var m objMemo
	n := 0
	for from := int64(0); ; n++ {
		want, wok := nextCandidateEach(b, from, to)
		got, ok := nextCandidate(b, from, to, &m)
		if ok != wok || got != want {
			t.Fatalf("%s: from %d: candidate %+v, %v; want %+v, %v", name, from, got, ok, want, wok)
		}
		if !ok {
			return n
		}
		from = int64(got.start) + 1
		if len(jumps) > 0 {
			from += int64(jumps[n%len(jumps)])
		}
	}
}

// TestNextCandidateRemembers (kyso patch 45): the search that remembers
// where it stopped finds the candidates the search from scratch finds, and
// a block of many "obj" and "trailer" that are no definitions is scanned
// in linear time (it took 27 s for 1 MiB).
func TestNextCandidateRemembers(t *testing.T) {
	total := 0
	files := scanFiles()
	for name := range files {
		if strings.HasPrefix(name, "several blocks") {
			delete(files, name) // too long for the search from scratch
		}
	}
	files["padding"] = []byte("1 0 obj << >> endobj\n" + strings.Repeat("% padding obj trailer\n12 0 obj (x) endobj 3 0 objx\n", 400) + "trailer << >>")
	for name, in := range files {
		for _, jumps := range [][]byte{nil, {0, 3, 200}, {7}} {
			total += sameCandidates(t, name, in, int64(len(in)), jumps)
			total += sameCandidates(t, name+" (a shorter block)", in, int64(len(in))*2/3, jumps)
		}
	}
	if total < 1000 {
		t.Errorf("%d candidates in all: the files do not test the search", total)
	}
	in := []byte(strings.Repeat("% padding obj trailer\n", 50000))
	bounded(t, func() {
		s, err := ScanObjects(bytes.NewReader(in), int64(len(in)), nil)
		if err != nil || len(s.defs)+len(s.trailers) > 0 {
			t.Errorf("a file of comments: %v, %d definitions and trailers, want none", err, len(s.defs)+len(s.trailers))
		}
	})
}

// FuzzNextCandidate compares the remembered search with the search from
// scratch on arbitrary blocks and steps.
func FuzzNextCandidate(f *testing.F) {
	f.Add([]byte("1 0 obj trailer 2 0 obj\ntrailer\n3 0 objx 4 0 obj"), []byte{0, 5})
	f.Add([]byte("obj obj 1 obj 1 2 obj trailertrailer trailer"), []byte{1})
	f.Fuzz(func(t *testing.T, in, jumps []byte) {
		sameCandidates(t, "input", in, int64(len(in)), jumps)
		if len(in) > 2 {
			sameCandidates(t, "input (a shorter block)", in, int64(len(in)/2), jumps)
		}
	})
}
