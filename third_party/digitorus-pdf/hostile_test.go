package pdf

// Tests of the kyso patches (KYSO-PATCHES.md): damaged and hostile input
// must end in an error, within bounded time and memory, never a hang, a
// panic out of the API or output on stdout.

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// parseObject reads one object from in as the parser reads objects from
// the file (allowEOF false) or from object streams (allowEOF true), and
// returns the error it panicked with, if any.
func parseObject(in string, allowEOF bool) (obj Object, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("%v", e)
		}
	}()
	b := newBuffer(strings.NewReader(in), 0, 0)
	b.allowEOF = allowEOF
	return b.readObject(), nil
}

// bounded runs f, failing the test if it does not return within 10s.
func bounded(t *testing.T, f func()) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("panic: %v", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("did not return within 10s")
	}
}

func TestLexerTerminates(t *testing.T) {
	bad := []string{
		"1 0 obj << /Kids [endobj ] >> endobj",
		"1 0 obj [1 2 endstream] endobj",
		"1 0 obj [<< >> stream\nxx\nendstream] endobj",
		"1 0 obj << /A << /B 1 >> stream\nxx\nendstream >> endobj",
		"1 0 obj [2 0 obj 3 endobj] endobj",
		"1 0 obj 2 0 obj 3 endobj endobj",
		"1 0 obj << /A ] >> endobj",
		"1 0 obj << /A >> endobj",
		"1 0 obj << 1 2 >> endobj",
		"1 0 obj [1 >> ] endobj",
		"[1 2 3",
		"<< /A 1",
		"<< /A",
		"(abc",
		"(abc\\",
		"<414",
		"<41 ",
		"<",
		"[",
		"[(",
		"<<",
		strings.Repeat("[", 100_000),
		strings.Repeat("<< /A ", 100_000),
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	}
	for _, in := range bad {
		for _, allowEOF := range []bool{false, true} {
			name := in
			if len(name) > 40 {
				name = name[:40]
			}
			t.Run(fmt.Sprintf("%q/eof=%v", name, allowEOF), func(t *testing.T) {
				bounded(t, func() {
					if obj, err := parseObject(in, allowEOF); err == nil {
						t.Errorf("parsed %s, want an error", short(objfmt(obj)))
					}
				})
			})
		}
	}

	good := map[string]Kind{
		"1 0 obj endobj": Null,
		"1 0 obj << /A [1 2 (x) <41> /N 3 0 R] >> endobj":             Dict,
		strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth): Array,
		"<< /Length 3 >>\nstream\nabc\nendstream":                     Stream,
		"[null]":  Array,
		"(a(b)c)": String,
	}
	for in, kind := range good {
		obj, err := parseObject(in, true)
		if err != nil || obj.Kind != kind {
			t.Errorf("parse %.40q = %v, %v; want kind %v", in, obj.Kind, err, kind)
		}
	}
}

func TestElementLimit(t *testing.T) {
	defer func(n int) { maxElements = n }(maxElements)
	maxElements = 10
	if _, err := parseObject("["+strings.Repeat("1 ", 10)+"]", true); err != nil {
		t.Errorf("10 elements: %v", err)
	}
	if _, err := parseObject("["+strings.Repeat("1 ", 11)+"]", true); err == nil {
		t.Errorf("11 elements parsed")
	}
	if _, err := parseObject("<<"+strings.Repeat("/A 1 /B 2 /C 3 /D 4 ", 3)+">>", true); err == nil {
		t.Errorf("12 entries parsed")
	}
}

// doc assembles a PDF with a cross-reference table.
type doc struct {
	buf     bytes.Buffer
	offsets map[int]int
}

func newDoc() *doc {
	d := &doc{offsets: map[int]int{}}
	d.buf.WriteString("%PDF-1.7\n")
	return d
}

func (d *doc) obj(id int, body string) *doc {
	d.offsets[id] = d.buf.Len()
	fmt.Fprintf(&d.buf, "%d 0 obj\n%s\nendobj\n", id, body)
	return d
}

func (d *doc) stream(id int, dict string, data []byte) *doc {
	d.offsets[id] = d.buf.Len()
	fmt.Fprintf(&d.buf, "%d 0 obj\n<< %s /Length %d >>\nstream\n", id, dict, len(data))
	d.buf.Write(data)
	d.buf.WriteString("\nendstream\nendobj\n")
	return d
}

// table ends the document; %XREF% in trailer is the table's offset.
func (d *doc) table(size int, trailer string) []byte {
	start := d.buf.Len()
	fmt.Fprintf(&d.buf, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	for id := 1; id < size; id++ {
		fmt.Fprintf(&d.buf, "%010d 00000 n\r\n", d.offsets[id])
	}
	trailer = strings.ReplaceAll(trailer, "%XREF%", fmt.Sprint(start))
	fmt.Fprintf(&d.buf, "trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n", size, trailer, start)
	return d.buf.Bytes()
}

func basicDoc(catalog, pages string) *doc {
	if pages == "" {
		pages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	}
	return newDoc().obj(1, "<< /Type /Catalog /Pages 2 0 R"+catalog+" >>").
		obj(2, pages).
		obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>")
}

// walk uses the Reader the way its users do, and every object of it.
func walk(r *Reader) {
	r.NumPage()
	r.Page(1).Resources()
	r.Page(1).Content()
	r.Outline()
	var visit func(v Value, depth int)
	visit = func(v Value, depth int) {
		if depth > 3 {
			return
		}
		for _, k := range v.Keys() {
			visit(v.Key(k), depth+1)
		}
		for i := 0; i < v.Len() && i < 100; i++ {
			visit(v.Index(i), depth+1)
		}
		v.Data()
	}
	visit(r.Trailer(), 0)
	for id := range r.Xref() {
		if v, err := r.GetObject(uint32(id)); err == nil {
			visit(v, 0)
		}
	}
}

func zlibBytes(data []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func TestHostileFiles(t *testing.T) {
	var bomb bytes.Buffer
	w, _ := zlib.NewWriterLevel(&bomb, zlib.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 300 { // 300 MiB: more than MaxStreamSize
		w.Write(zeros)
	}
	w.Close()

	cases := map[string][]byte{
		"kids endobj":    basicDoc("", "<< /Type /Pages /Kids [endobj ] /Count 1 >>").table(4, ""),
		"deep arrays":    basicDoc(" /X "+strings.Repeat("[", 100_000), "").table(4, ""),
		"prev self":      basicDoc("", "").table(4, " /Prev %XREF%"),
		"prev outside":   basicDoc("", "").table(4, " /Prev 999999999"),
		"size negative":  basicDoc("", "").table(4, " /Size -1"),
		"page tree loop": basicDoc("", "<< /Type /Pages /Kids [2 0 R] /Count 9 >>").table(4, ""),
		"parent loop":    newDoc().obj(1, "<< /Type /Catalog /Pages 2 0 R >>").obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 3 0 R >>").obj(3, "<< /Type /Page /Parent 2 0 R >>").table(4, ""),
		"outline loop": basicDoc(" /Outlines 4 0 R", "").
			obj(4, "<< /First 5 0 R >>").obj(5, "<< /Title (a) /First 5 0 R /Next 5 0 R >>").table(6, ""),
		"content bomb": basicDoc("", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>").
			stream(4, "/Filter /FlateDecode", bomb.Bytes()).table(5, ""),
		"length past EOF": basicDoc("", "").
			obj(4, "<< /Length 9999999 >>\nstream\nabc\nendstream").table(5, ""),
		"cmap bfrange count": basicDoc("", "").
			stream(4, "", []byte("1000000000000 beginbfrange <00> <01> <0041> endbfrange")).table(5, ""),
		"predictor columns": basicDoc("", "").
			stream(4, "/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 99999999999 >>", zlibBytes([]byte("abc"))).table(5, ""),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			bounded(t, func() {
				r, err := NewReader(bytes.NewReader(in), int64(len(in)))
				if err != nil {
					t.Logf("NewReader: %v", err)
					return
				}
				walk(r)
			})
		})
	}
}

func TestStreamLimits(t *testing.T) {
	defer func(n int64) { MaxStreamSize = n }(MaxStreamSize)
	MaxStreamSize = 1000
	in := basicDoc("", "").
		stream(4, "/Filter /FlateDecode", zlibBytes(make([]byte, 1000))).
		stream(5, "/Filter /FlateDecode", zlibBytes(make([]byte, 1001))).
		obj(6, "<< /Length 100000 >>\nstream\n0123456789\nendstream").
		table(7, "")
	r, err := NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	get := func(id uint32) Value {
		v, err := r.GetObject(id)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if d := get(4).Data(); len(d) != 1000 {
		t.Errorf("stream of MaxStreamSize: %d bytes", len(d))
	}
	if d := get(5).Data(); d != nil {
		t.Errorf("stream over MaxStreamSize: %d bytes, want nil", len(d))
	}
	if _, err := io.ReadAll(get(5).Reader()); !errors.Is(err, errLimit) {
		t.Errorf("reading a stream over MaxStreamSize: %v", err)
	}
	if _, err := io.ReadAll(get(6).Reader()); err == nil {
		t.Errorf("stream with /Length past the end of the file read")
	}
}

func TestLookupLimits(t *testing.T) {
	// Each field lists the next 40 times: 40^8 paths.
	d := basicDoc(" /AcroForm << /Fields [4 0 R] >>", "")
	for id := 4; id < 12; id++ {
		d.obj(id, "<< /Kids ["+strings.Repeat(fmt.Sprintf("%d 0 R ", id+1), 40)+"] >>")
	}
	d.obj(12, "<< /FT /Tx >>")
	in := d.table(13, "")
	// A field that is its own kid.
	loop := basicDoc(" /AcroForm << /Fields [4 0 R] >>", "").obj(4, "<< /Kids [4 0 R] >>").table(5, "")

	for name, in := range map[string][]byte{"dag": in, "loop": loop} {
		t.Run(name, func(t *testing.T) {
			bounded(t, func() {
				r, err := NewReader(bytes.NewReader(in), int64(len(in)))
				if err != nil {
					t.Fatal(err)
				}
				visits := 0
				var traverse func(kids Value, depth int)
				traverse = func(kids Value, depth int) {
					for i := 0; i < kids.Len(); i++ {
						visits++
						traverse(kids.Index(i).Key("Kids"), depth+1)
					}
				}
				traverse(r.Trailer().Key("Root").Key("AcroForm").Key("Fields"), 0)
				if int64(visits) > maxLookups {
					t.Errorf("%d visits", visits)
				}
			})
		})
	}
}

func TestObjectStreamsReadOnce(t *testing.T) {
	// 200 objects in one object stream, all resolved: the stream is
	// decoded once.
	var hdr, body strings.Builder
	for i := range 200 {
		fmt.Fprintf(&hdr, "%d %d ", 10+i, body.Len())
		fmt.Fprintf(&body, "<< /N %d >> ", i)
	}
	data := hdr.String() + body.String()
	d := newDoc()
	d.obj(1, "<< /Type /Catalog >>")
	d.stream(2, fmt.Sprintf("/Type /ObjStm /N 200 /First %d /Filter /FlateDecode", hdr.Len()), zlibBytes([]byte(data)))
	// A cross-reference stream for objects 0-2, 10-209 and itself (3).
	var rows bytes.Buffer
	row := func(typ byte, a uint32, b uint16) {
		rows.Write([]byte{typ, byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a), byte(b >> 8), byte(b)})
	}
	start := d.buf.Len()
	row(0, 0, 65535)
	row(1, uint32(d.offsets[1]), 0)
	row(1, uint32(d.offsets[2]), 0)
	row(1, uint32(start), 0)
	for i := range 200 {
		row(2, 2, uint16(i))
	}
	fmt.Fprintf(&d.buf, "3 0 obj\n<< /Type /XRef /Size 210 /Index [0 4 10 200] /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n", rows.Len())
	d.buf.Write(rows.Bytes())
	fmt.Fprintf(&d.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
	in := d.buf.Bytes()

	r, err := NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	before := r.lim.streamed
	for i := range 200 {
		v, err := r.GetObject(uint32(10 + i))
		if err != nil || v.Key("N").Int64() != int64(i) {
			t.Fatalf("object %d = %v, %v", 10+i, v, err)
		}
	}
	if got, want := r.lim.streamed-before, int64(2*len(data)); got > want {
		t.Errorf("read %d stream bytes for 200 objects of one %d-byte stream; want at most %d", got, len(data), want)
	}
}

// FuzzReader opens arbitrary bytes and walks what it gets: no panic may
// escape and every input must be done with quickly.
func FuzzReader(f *testing.F) {
	f.Add(basicDoc("", "").table(4, ""))
	f.Add(basicDoc(" /Outlines 4 0 R", "").obj(4, "<< /First 4 0 R >>").table(5, ""))
	f.Add(basicDoc("", "").stream(4, "/Filter /FlateDecode", zlibBytes([]byte("BT (a) Tj ET"))).table(5, ""))
	f.Fuzz(func(t *testing.T, in []byte) {
		// The table rebuilt by scanning, as the verifier reads a file
		// it cannot follow (kyso patch).
		if s, err := ScanObjects(bytes.NewReader(in), int64(len(in)), NewCache()); err == nil {
			if r, err := s.Reader(int64(len(in))); err == nil {
				walk(r)
			}
		}
		r, err := NewReader(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return
		}
		walk(r)
	})
}
