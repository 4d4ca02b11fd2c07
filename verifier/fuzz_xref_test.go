package verifier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/digitorus/pdf"
)

// Fuzz targets for the reading of revisions: they keep the signed files
// of testdata/fuzz intact and mutate only what an attacker appends — an
// incremental update's objects, cross-reference section (table, stream,
// hybrid) and object stream. Besides the consistency of the report, they
// check what matters: when kyso says the document is valid, qpdf reads the
// same objects from it (diffReadings over everything the catalog reaches).

// xrefFuzzBases are the signed documents updates are appended to: kyso's
// (trusted by fuzzOptions, so an update that changes nothing visible
// leaves it valid), pyHanko's (cross-reference streams and object
// streams) and node-signpdf's (classic tables).
var xrefFuzzBases = []string{
	"kyso-blta-pss-and-bt-ecdsa.pdf",
	"pyhanko-minimal-two-fields-signed-twice.pdf",
	"node-signpdf-signed-twice.pdf",
}

// xrefFuzzOptions trusts the root of the kyso base, at the time
// fuzzOptions sets. (kyso-root.pem is the root of the CMS seeds, not of
// the kyso PDF seed.)
func xrefFuzzOptions(f *testing.F) Options {
	opts := fuzzOptions(f)
	opts.Roots = embeddedRoots(f, filepath.Join("testdata", "fuzz", xrefFuzzBases[0]))
	return opts
}

func readFuzzBases(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, name := range xrefFuzzBases {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzz", name))
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// checkValidReading fails t if the report says valid but qpdf cannot read
// doc or reads other objects than kyso.
func checkValidReading(t *testing.T, doc []byte, rep *Report) {
	t.Helper()
	if !rep.Valid {
		return
	}
	fin := newReadings(bytes.NewReader(doc), nil, int64(len(doc))).open(int64(len(doc)))
	if fin.rdr == nil {
		t.Fatalf("valid, but the file cannot be read: %v", fin.err)
	}
	q, qerr := readQPDF(t, doc)
	if q == nil {
		t.Fatalf("valid, but qpdf cannot read the file: %s", qerr)
	}
	if d := diffReadings(fin.rdr, doc, q); d != "" {
		t.Fatalf("valid, but qpdf reads the file otherwise: %s", d)
	}
}

// verifyFuzz verifies doc as the fuzz targets do.
func verifyFuzz(t *testing.T, doc []byte, opts Options) {
	rep, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), opts)
	if err != nil {
		if !errors.Is(err, ErrUnreadable) || strings.Contains(err.Error(), "internal error") {
			t.Fatalf("VerifyPDF = %v", err)
		}
		return
	}
	checkReport(t, rep)
	checkValidReading(t, doc, rep)
}

// FuzzXrefUpdate appends tail to one of the signed bases (which) and
// verifies. The seeds are updates of every kind the cross-reference tests
// make, honest and forged, each built for its base.
func FuzzXrefUpdate(f *testing.F) {
	bases := readFuzzBases(f)
	for i, base := range bases {
		n, _, _ := docState(f, base)
		page, parent := firstPage(f, base)
		forged := forgedPage(page, parent, n+2, true)
		unused := update{plain: map[int]string{n + 2: "<< /Note (unused) >>"}, packed: map[int]string{n + 3: "<< /Note (unused too) >>"}}
		noEOF := appendUpdate(f, base, map[int]string{n: "<< /Note (unused) >>"})
		twice := forgedPage(page, parent, n+2, true)
		twice.shadow = map[int]string{page: bodyOf(f, base, page)}
		for _, doc := range [][]byte{
			appendHybridUpdate(f, base, unused),
			appendHybridUpdate(f, base, forged),
			appendStreamUpdate(f, base, unused),
			appendStreamUpdate(f, base, forged),
			appendStreamUpdate(f, base, twice),
			appendUpdate(f, base, map[int]string{n: "<< /Note (unused) >>"}),
			noEOF[:bytes.LastIndex(noEOF, []byte("%%EOF"))],
		} {
			f.Add(uint8(i), bytes.Clone(doc[len(base):]))
		}
	}
	opts := xrefFuzzOptions(f)
	f.Fuzz(func(t *testing.T, which uint8, tail []byte) {
		base := bases[int(which)%len(bases)]
		doc := append(base[:len(base):len(base)], tail...)
		verifyFuzz(t, doc, opts)
	})
}

// FuzzObjectStreamUpdate appends to a signed base an update whose
// cross-reference stream places its first page, and two new objects, at
// indexes 0, 1 and 2 of an object stream with /N n, /First first and the
// decoded data data.
func FuzzObjectStreamUpdate(f *testing.F) {
	bases := readFuzzBases(f)
	type state struct {
		size, prev, page int
		root             string
	}
	var states []state
	for _, base := range bases {
		size, root, prev := docState(f, base)
		page, _ := firstPage(f, base)
		states = append(states, state{size, prev, page, root})
	}
	objStm := func(ids []int, bodies []string) (uint16, uint16, []byte) {
		var hdr, body strings.Builder
		for i, id := range ids {
			fmt.Fprintf(&hdr, "%d %d ", id, body.Len())
			body.WriteString(bodies[i] + "\n")
		}
		return uint16(len(ids)), uint16(hdr.Len()), []byte(hdr.String() + body.String())
	}
	for i, base := range bases {
		n, _, _ := docState(f, base)
		page, parent := firstPage(f, base)
		orig := bodyOf(f, base, page)
		forged := fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>", parent, n+3)
		for _, s := range [][2][]string{
			{{"p", "a", "b"}, {orig, "<< /Note (a) >>", "<< /Note (b) >>"}},
			{{"p", "a", "b"}, {forged, "<< /Note (a) >>", "<< /Note (b) >>"}},
			{{"p", "p", "a", "b"}, {orig, forged, "<< >>", "<< >>"}},
			{{"a", "p", "b"}, {"<< >>", forged, "<< >>"}},
		} {
			var ids []int
			for _, name := range s[0] {
				ids = append(ids, map[string]int{"p": page, "a": n + 2, "b": n + 3}[name])
			}
			nn, first, data := objStm(ids, s[1])
			f.Add(uint8(i), nn, first, data)
		}
	}
	opts := xrefFuzzOptions(f)
	f.Fuzz(func(t *testing.T, which uint8, n, first uint16, data []byte) {
		base, st := bases[int(which)%len(bases)], states[int(which)%len(bases)]
		size, root, prev, page := st.size, st.root, st.prev, st.page
		stm, xs := size, size+1
		var b bytes.Buffer
		b.Write(base)
		if base[len(base)-1] != '\n' {
			b.WriteByte('\n')
		}
		rows := []xrefRow{{page, 2, stm, 0}, {size + 2, 2, stm, 1}, {size + 3, 2, stm, 2}, {stm, 1, b.Len(), 0}}
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n", stm, n, first, len(data))
		b.Write(data)
		b.WriteString("\nendstream\nendobj\n")
		rows = append(rows, xrefRow{xs, 1, b.Len(), 0})
		xdata, index := xrefStreamData(rows)
		off := b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /Root %s /Prev %d /W [1 4 2] /Index %s /Length %d >>\nstream\n", xs, size+4, root, prev, index, len(xdata))
		b.Write(xdata)
		fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", off)
		verifyFuzz(t, b.Bytes(), opts)
	})
}

// bodyOf returns object id of doc (not a stream) written in PDF syntax,
// as kyso reads it: objectBody cannot find an object of an object stream.
func bodyOf(t testing.TB, doc []byte, id int) string {
	t.Helper()
	rdr, err := openPDF(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := rdr.GetObject(uint32(id))
	if err != nil || v.Err() != nil {
		t.Fatalf("object %d: %v %v", id, err, v.Err())
	}
	var b strings.Builder
	writeSyntax(&b, v, 0)
	return b.String()
}

func writeSyntax(b *strings.Builder, v pdf.Value, depth int) {
	if depth > 32 {
		b.WriteString("null")
		return
	}
	switch v.Kind() {
	case pdf.Bool:
		fmt.Fprint(b, v.Bool())
	case pdf.Integer:
		fmt.Fprint(b, v.Int64())
	case pdf.Real:
		b.WriteString(strconv.FormatFloat(v.Float64(), 'f', -1, 64))
	case pdf.String:
		fmt.Fprintf(b, "<%x>", v.RawString())
	case pdf.Name:
		writeName(b, v.Name())
	case pdf.Array:
		b.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			if p, ok := v.IndexRef(i); ok {
				fmt.Fprintf(b, "%d %d R ", p.GetID(), p.GetGen())
			} else {
				writeSyntax(b, v.Index(i), depth+1)
				b.WriteString(" ")
			}
		}
		b.WriteString("]")
	case pdf.Dict:
		b.WriteString("<<")
		for _, k := range v.Keys() {
			writeName(b, k)
			b.WriteString(" ")
			if p, ok := v.KeyRef(k); ok {
				fmt.Fprintf(b, "%d %d R ", p.GetID(), p.GetGen())
			} else {
				writeSyntax(b, v.Key(k), depth+1)
				b.WriteString(" ")
			}
		}
		b.WriteString(">>")
	default:
		b.WriteString("null")
	}
}

func writeName(b *strings.Builder, n string) {
	b.WriteString("/")
	for _, c := range []byte(n) {
		if c <= ' ' || c > '~' || strings.IndexByte("#()<>[]{}/%", c) >= 0 {
			fmt.Fprintf(b, "#%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
}
