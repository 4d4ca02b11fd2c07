package pdf

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// hiddenEach is the search of findHidden before kyso patch 47: every
// "obj", then every "trailer", from b's second byte on. The reference
// hiddenIn is compared with.
func hiddenEach(b []byte) (defs []scanCandidate, trailers []int) {
	for i := 1; i < len(b); {
		k := bytes.Index(b[i:], objKW)
		if k < 0 {
			break
		}
		q := i + k
		i = q + 1
		c, ok := objAt(b, q)
		if !ok || c.start == 0 || c.id <= 0 || c.gen > 65535 || !lineStart(b, c.start) {
			continue
		}
		defs = append(defs, c)
	}
	for i := 1; i < len(b); {
		k := bytes.Index(b[i:], trailerKW)
		if k < 0 {
			break
		}
		q := i + k
		i = q + 1
		if lineStart(b, q) {
			trailers = append(trailers, q)
		}
	}
	return defs, trailers
}

// sameHidden compares hiddenIn with hiddenEach on b and returns what they
// found.
func sameHidden(t *testing.T, name string, b []byte) int {
	t.Helper()
	wantDefs, wantTrailers := hiddenEach(b)
	var defs []scanCandidate
	var trailers []int
	hiddenIn(b, func(c scanCandidate) { defs = append(defs, c) }, func(q int) { trailers = append(trailers, q) })
	slices.Sort(trailers) // findHidden sorts them
	if !slices.Equal(defs, wantDefs) || !slices.Equal(trailers, wantTrailers) {
		t.Errorf("%s: hidden definitions %+v and trailers %v; want %+v and %v", name, defs, trailers, wantDefs, wantTrailers)
	}
	return len(defs) + len(trailers)
}

// TestHiddenIn (kyso patch 47): the hidden definitions and trailers found
// by their rarer letters and by the starts of lines are those a search
// for every "obj" and every "trailer" finds.
func TestHiddenIn(t *testing.T) {
	found := 0
	for name, in := range scanFiles() {
		found += sameHidden(t, name, in)
	}
	for name, in := range map[string]string{
		"starts":      "1 0 obj\n2 0 obj\r3 0 obj\r\n \t\f\x004 0 obj endobj 5 0 obj endobj\t6 1 obj endobjtrailer\ntrailer\r\x00trailer endobj  trailer",
		"not starts":  "x 1 0 obj y trailer\n a trailer\n12345678901 0 obj\n1 123456 obj\n-1 0 obj\n1 0 objx\n0 0 obj\n1.5 0 obj",
		"edges":       "obj\ntrailer",
		"short":       "\nob",
		"end of data": "\n1 0 ob",
		"endobj only": "endobj",
		"endobj end":  "x endobj",
	} {
		found += sameHidden(t, name, []byte(in))
	}
	if found < 20 {
		t.Errorf("%d found in all: the inputs do not test the search", found)
	}
	text := []byte(strings.Repeat("% padding so the document has a realistic size ....\n", 4000) + "\n7 0 obj\ntrailer\n")
	if sameHidden(t, "text", text) != 2 {
		t.Error("the hidden definition and trailer after text not found")
	}
}

// FuzzHiddenIn compares hiddenIn with hiddenEach on arbitrary bytes.
func FuzzHiddenIn(f *testing.F) {
	f.Add([]byte("1 0 obj\n2 0 obj endobj trailer\r\n\ttrailer"))
	f.Add([]byte("endobj\x00\x00trailer obj 12 obj 3 4 obj"))
	f.Fuzz(func(t *testing.T, in []byte) { sameHidden(t, "input", in) })
}
