package pdf

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
)

func TestReadXrefTable(t *testing.T) {
	// Dynamically build a minimal PDF and calculate offsets
	var buf bytes.Buffer
	offsets := make(map[int]int)

	buf.WriteString("%PDF-1.4\n")

	offsets[1] = buf.Len()
	buf.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")

	offsets[2] = buf.Len()
	buf.WriteString("2 0 obj\n<< /Type /Pages /Count 1 /Kids [3 0 R] >>\nendobj\n")

	offsets[3] = buf.Len()
	buf.WriteString("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n")

	xrefPos := buf.Len()
	buf.WriteString("xref\n0 4\n")
	buf.WriteString("0000000000 65535 f \n")
	buf.WriteString(fmt.Sprintf("%010d 00000 n \n", offsets[1]))
	buf.WriteString(fmt.Sprintf("%010d 00000 n \n", offsets[2]))
	buf.WriteString(fmt.Sprintf("%010d 00000 n \n", offsets[3]))

	buf.WriteString("trailer\n<< /Size 4 /Root 1 0 R >>\n")
	buf.WriteString("startxref\n")
	buf.WriteString(fmt.Sprintf("%d\n", xrefPos))
	buf.WriteString("%%EOF\n")

	data := buf.Bytes()
	r := bytes.NewReader(data)
	_, err := NewReader(r, int64(len(data)))
	if err != nil {
		t.Errorf("NewReader failed: %v", err)
	}
}

// The tests below build files of several revisions (kyso patches 13 and 27-36 of
// KYSO-PATCHES.md): a base revision with a classic table, then updates.

// rev is a file being built revision by revision.
type rev struct {
	buf  bytes.Buffer
	prev int // offset of the newest cross-reference section
}

// base writes the catalog (1), the page tree (2) and a page (3) whose
// content (4) is "base", with a classic table.
func base() *rev {
	r := &rev{}
	r.buf.WriteString("%PDF-1.7\n")
	off := map[int]int{}
	for id, body := range []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		"<< /Length 4 >>\nstream\nbase\nendstream",
	} {
		off[id+1] = r.buf.Len()
		fmt.Fprintf(&r.buf, "%d 0 obj\n%s\nendobj\n", id+1, body)
	}
	r.prev = r.buf.Len()
	r.buf.WriteString("xref\n0 5\n0000000000 65535 f\r\n")
	for id := 1; id <= 4; id++ {
		fmt.Fprintf(&r.buf, "%010d 00000 n\r\n", off[id])
	}
	fmt.Fprintf(&r.buf, "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", r.prev)
	return r
}

// objects writes plain objects and returns their offsets.
func (r *rev) objects(objs map[int]string) map[int]int {
	var ids []int
	for id := range objs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	off := map[int]int{}
	for _, id := range ids {
		off[id] = r.buf.Len()
		fmt.Fprintf(&r.buf, "%d 0 obj\n%s\nendobj\n", id, objs[id])
	}
	return off
}

// objStm writes object stream id holding the objects listed as
// "number body" pairs, in order.
func (r *rev) objStm(id int, objs ...string) int {
	var hdr, body strings.Builder
	for _, o := range objs {
		n, b, _ := strings.Cut(o, " ")
		fmt.Fprintf(&hdr, "%s %d ", n, body.Len())
		body.WriteString(b + "\n")
	}
	off := r.buf.Len()
	fmt.Fprintf(&r.buf, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n%s%s\nendstream\nendobj\n",
		id, len(objs), hdr.Len(), hdr.Len()+body.Len(), hdr.String(), body.String())
	return off
}

// xrefStream writes cross-reference stream id with rows "number type
// field2 field3" and the dictionary entries dict; it returns its offset.
func (r *rev) xrefStream(id int, dict string, rows ...[4]int) int {
	sort.Slice(rows, func(i, j int) bool { return rows[i][0] < rows[j][0] })
	var data bytes.Buffer
	var index []string
	size := 0
	for _, row := range rows {
		data.Write([]byte{byte(row[1]), byte(row[2] >> 24), byte(row[2] >> 16), byte(row[2] >> 8), byte(row[2]), byte(row[3] >> 8), byte(row[3])})
		index = append(index, fmt.Sprintf("%d 1", row[0]))
		size = max(size, row[0]+1)
	}
	off := r.buf.Len()
	fmt.Fprintf(&r.buf, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s]%s /Length %d >>\nstream\n", id, size, strings.Join(index, " "), dict, data.Len())
	r.buf.Write(data.Bytes())
	r.buf.WriteString("\nendstream\nendobj\n")
	return off
}

// end writes startxref for the section at off.
func (r *rev) end(off int, eof bool) []byte {
	fmt.Fprintf(&r.buf, "startxref\n%d\n", off)
	if eof {
		r.buf.WriteString("%%EOF\n")
	}
	r.prev = off
	return bytes.Clone(r.buf.Bytes())
}

// content returns the data of page 1's content stream.
func content(t *testing.T, in []byte) string {
	t.Helper()
	r, err := NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	c := r.Trailer().Key("Root").Key("Pages").Key("Kids").Index(0).Key("Contents")
	if err := c.Err(); err != nil {
		t.Fatalf("page 1 /Contents: %v", err)
	}
	return string(c.Data())
}

func TestXrefSections(t *testing.T) {
	forged := map[int]string{4: "<< /Length 6 >>\nstream\nforged\nendstream"}
	tests := []struct {
		name string
		make func() []byte
		want string
	}{
		{"classic update", func() []byte {
			r := base()
			off := r.objects(forged)
			x := r.buf.Len()
			fmt.Fprintf(&r.buf, "xref\n4 1\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n", off[4], r.prev)
			return r.end(x, true)
		}, "forged"},
		{"update without %%EOF", func() []byte {
			r := base()
			off := r.objects(forged)
			x := r.buf.Len()
			fmt.Fprintf(&r.buf, "xref\n4 1\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n", off[4], r.prev)
			return r.end(x, false)
		}, "forged"},
		{"xref stream with /Prev to a table", func() []byte {
			r := base()
			off := r.objects(forged)
			x := r.xrefStream(5, fmt.Sprintf(" /Root 1 0 R /Prev %d", r.prev), [4]int{4, 1, off[4], 0}, [4]int{5, 1, r.buf.Len(), 0})
			return r.end(x, true)
		}, "forged"},
		{"table with /Prev to an xref stream", func() []byte {
			r := base()
			off := r.objects(forged)
			x := r.xrefStream(5, fmt.Sprintf(" /Root 1 0 R /Prev %d", r.prev), [4]int{4, 1, off[4], 0}, [4]int{5, 1, r.buf.Len(), 0})
			r.end(x, true)
			off = r.objects(map[int]string{3: "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Rotate 90 >>"})
			t := r.buf.Len()
			fmt.Fprintf(&r.buf, "xref\n3 1\n%010d 00000 n\r\ntrailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\n", off[3], r.prev)
			return r.end(t, true)
		}, "forged"},
		{"hybrid: empty table, /XRefStm with the object in an object stream", func() []byte {
			r := base()
			stm := r.objStm(6, "4 << /Note (in a stream: not a stream itself) >>")
			off := r.objects(map[int]string{7: "<< /Length 6 >>\nstream\nforged\nendstream", 3: "<< /Type /Page /Parent 2 0 R /Contents 7 0 R >>"})
			xs := r.xrefStream(8, "", [4]int{3, 1, off[3], 0}, [4]int{6, 1, stm, 0}, [4]int{7, 1, off[7], 0})
			x := r.buf.Len()
			fmt.Fprintf(&r.buf, "xref\n0 0\ntrailer\n<< /Size 9 /Root 1 0 R /Prev %d /XRefStm %d >>\n", r.prev, xs)
			return r.end(x, true)
		}, "forged"},
		{"hybrid: the table's free entry yields to /XRefStm", func() []byte {
			r := base()
			off := r.objects(forged)
			xs := r.xrefStream(5, "", [4]int{4, 1, off[4], 0})
			x := r.buf.Len()
			fmt.Fprintf(&r.buf, "xref\n4 1\n0000000000 65535 f\r\ntrailer\n<< /Size 6 /Root 1 0 R /Prev %d /XRefStm %d >>\n", r.prev, xs)
			return r.end(x, true)
		}, "forged"},
		{"hybrid: the table's in-use entry wins over /XRefStm", func() []byte {
			r := base()
			off := r.objects(forged)
			xs := r.xrefStream(5, "", [4]int{4, 1, 9, 0}) // 9: nowhere
			x := r.buf.Len()
			fmt.Fprintf(&r.buf, "xref\n4 1\n%010d 00000 n\r\ntrailer\n<< /Size 6 /Root 1 0 R /Prev %d /XRefStm %d >>\n", off[4], r.prev, xs)
			return r.end(x, true)
		}, "forged"},
		{"a newer free entry hides the object", func() []byte {
			r := base()
			x := r.buf.Len()
			fmt.Fprintf(&r.buf, "xref\n4 1\n0000000000 00001 f\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n", r.prev)
			return r.end(x, true)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := content(t, tt.make()); got != tt.want {
				t.Errorf("page 1 content %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAmbiguousObjects: what readers read differently is an error.
func TestAmbiguousObjects(t *testing.T) {
	objStm := func(index int, objs ...string) []byte {
		r := base()
		stm := r.objStm(5, objs...)
		x := r.xrefStream(6, fmt.Sprintf(" /Root 1 0 R /Prev %d", r.prev), [4]int{3, 2, 5, index}, [4]int{5, 1, stm, 0}, [4]int{6, 1, r.buf.Len(), 0})
		return r.end(x, true)
	}
	page := func(in []byte) Value {
		r, err := NewReader(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			t.Fatalf("NewReader: %v", err)
		}
		return r.Trailer().Key("Root").Key("Pages").Key("Kids").Index(0)
	}
	good := "3 << /Type /Page /Parent 2 0 R /Contents 4 0 R >>"
	for i, in := range [][]byte{objStm(0, good), objStm(1, good, good)} {
		if v := page(in); v.Err() != nil || v.Key("Type").Name() != "Page" {
			t.Fatalf("control %d: page %v, %v", i, v, v.Err())
		}
	}
	for name, in := range map[string][]byte{
		"object stream lists the page twice": objStm(1, good, "3 << /Type /Page /Parent 2 0 R /Contents 4 0 R /Rotate 90 >>"),
		"page not at its index":              objStm(1, good, "9 << >>"),
		"duplicate key, different values": func() []byte {
			r := base()
			off := r.objects(map[int]string{3: "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Contents 2 0 R >>"})
			x := r.buf.Len()
			fmt.Fprintf(&r.buf, "xref\n3 1\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n", off[3], r.prev)
			return r.end(x, true)
		}(),
		"integer out of range": func() []byte {
			r := base()
			off := r.objects(map[int]string{3: "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Rotate 18446744073709551706 >>"})
			x := r.buf.Len()
			fmt.Fprintf(&r.buf, "xref\n3 1\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n", off[3], r.prev)
			return r.end(x, true)
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			if v := page(in); v.Err() == nil {
				t.Errorf("page read as %v, want an error", v)
			}
		})
	}
	t.Run("duplicate key, same value", func(t *testing.T) {
		r := base()
		off := r.objects(map[int]string{3: "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Type /Page >>"})
		x := r.buf.Len()
		fmt.Fprintf(&r.buf, "xref\n3 1\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n", off[3], r.prev)
		if v := page(r.end(x, true)); v.Err() != nil {
			t.Errorf("page: %v", v.Err())
		}
	})
}

// TestScanObjects rebuilds the table of files whose cross-reference data
// is useless, including objects of object streams, for the whole file and
// for a prefix.
func TestScanObjects(t *testing.T) {
	r := base()
	first := int64(r.buf.Len())
	// An update with the page in an object stream and a content stream
	// whose data looks like a definition of object 1.
	stm := r.objStm(5, "3 << /Type /Page /Parent 2 0 R /Contents 6 0 R >>")
	data := "1 0 obj << /Type /Catalog /Pages 99 0 R >> endobj"
	off := r.objects(map[int]string{6: fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(data), data)})
	x := r.xrefStream(7, fmt.Sprintf(" /Root 1 0 R /Prev %d", r.prev+3), [4]int{3, 2, 5, 0}, [4]int{5, 1, stm, 0}, [4]int{6, 1, off[6], 0}, [4]int{7, 1, r.buf.Len(), 0})
	in := r.end(x, true)
	if _, err := NewReader(bytes.NewReader(in), int64(len(in))); err == nil {
		t.Fatal("NewReader follows a /Prev into the middle of a table")
	}
	s, err := ScanObjects(bytes.NewReader(in), int64(len(in)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		end  int64
		want string
	}{
		{int64(len(in)), data},
		{first, "base"},
	} {
		rd, err := s.Reader(tt.end)
		if err != nil {
			t.Fatalf("Reader(%d): %v", tt.end, err)
		}
		root := rd.Trailer().Key("Root")
		if root.Key("Pages").Key("Count").Int64() != 1 {
			t.Errorf("Reader(%d): catalog %v: a definition inside a stream was taken", tt.end, root)
		}
		if got := string(root.Key("Pages").Key("Kids").Index(0).Key("Contents").Data()); got != tt.want {
			t.Errorf("Reader(%d): page content %q, want %q", tt.end, got, tt.want)
		}
	}
}

// TestCache: Readers of one file's revisions share parsed definitions, but
// a Reader never gets a definition its file does not hold all of.
func TestCache(t *testing.T) {
	r := base()
	first := r.buf.Len()
	off := r.objects(map[int]string{4: "<< /Length 6 >>\nstream\nforged\nendstream"})
	x := r.buf.Len()
	fmt.Fprintf(&r.buf, "xref\n4 1\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n", off[4], r.prev)
	in := r.end(x, true)

	c := NewCache()
	open := func(end int) *Reader {
		rd, err := NewReaderCached(bytes.NewReader(in[:end]), int64(end), c)
		if err != nil {
			t.Fatal(err)
		}
		return rd
	}
	pageContent := func(rd *Reader) string {
		return string(rd.Trailer().Key("Root").Key("Pages").Key("Kids").Index(0).Key("Contents").Data())
	}
	full := open(len(in))
	if got := pageContent(full); got != "forged" {
		t.Fatalf("final revision: %q", got)
	}
	prefix := open(first)
	if got := pageContent(prefix); got != "base" {
		t.Fatalf("first revision: %q", got)
	}
	// The page was parsed once, by the first Reader.
	page := func(rd *Reader) Value { return rd.Trailer().Key("Root").Key("Pages").Key("Kids").Index(0) }
	if a, b := page(full).identity(), page(prefix).identity(); a == 0 || a != b {
		t.Errorf("the page was parsed again for the second Reader")
	}
	// A definition that runs past a Reader's end is not given to it.
	short := &Reader{end: int64(off[4]) + 5}
	if _, ok := c.def(short, objptr{4, 0}, int64(off[4])); ok {
		t.Error("a definition running past the Reader's end was shared")
	}
	if _, ok := c.def(full, objptr{4, 0}, int64(off[4])); !ok {
		t.Error("a definition was not shared")
	}
	if _, ok := c.def(&Reader{end: full.end, key: []byte("other")}, objptr{4, 0}, int64(off[4])); ok {
		t.Error("a definition was shared with a Reader that decrypts with another key")
	}
}
