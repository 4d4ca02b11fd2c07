// Package hostilepdf makes damaged and hostile PDF documents for tests:
// unterminated and deeply nested objects, looping and oversized
// cross-reference data, decompression bombs, object-stream tricks, graphs
// whose walks explode, and signature dictionaries with absurd /Contents or
// /ByteRange. The signer's tests (signer/pades) and the HTTP API's tests
// (cmd/kyso) run the same table, so a document that once hung or
// exhausted a parser is tried at every layer.
//
// It is a test helper: it imports only the standard library and nothing
// of kyso, and it must not be imported by production code.
package hostilepdf

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"strings"
)

// Case is one hostile document.
type Case struct {
	// Name says what is wrong with the document.
	Name string
	// PDF is the document (nil for the empty one).
	PDF []byte
	// AnyOutcome is set when the document is hostile to the walks of
	// its object graph or to what it claims to hold but may still be
	// signed: it may be signed or refused with any documented error;
	// only time and memory count. When it is not set, signing must
	// refuse the document as invalid or unsupported.
	AnyOutcome bool
}

// hostileDoc assembles a PDF object by object, with a correct
// cross-reference section unless a case damages it on purpose.
type hostileDoc struct {
	buf     bytes.Buffer
	offsets map[int]int
	// tailID and tail are an object written after %%EOF, so that its
	// parse runs into the end of the file.
	tailID int
	tail   string
}

func newHostileDoc() *hostileDoc {
	h := &hostileDoc{offsets: map[int]int{}}
	h.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return h
}

// obj writes object id with body (what goes between "obj" and "endobj").
func (h *hostileDoc) obj(id int, body string) *hostileDoc {
	h.offsets[id] = h.buf.Len()
	fmt.Fprintf(&h.buf, "%d 0 obj\n%s\nendobj\n", id, body)
	return h
}

// stream writes object id as a stream with the dictionary entries dict
// (without /Length) and data.
func (h *hostileDoc) stream(id int, dict string, data []byte) *hostileDoc {
	h.offsets[id] = h.buf.Len()
	fmt.Fprintf(&h.buf, "%d 0 obj\n<< %s /Length %d >>\nstream\n", id, dict, len(data))
	h.buf.Write(data)
	h.buf.WriteString("\nendstream\nendobj\n")
	return h
}

// basic writes the catalog (1) with the extra entries catalog, the page
// tree (2) with body pages ("" for a good one) and a page (3).
func (h *hostileDoc) basic(catalog, pages string) *hostileDoc {
	if pages == "" {
		pages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	}
	return h.obj(1, "<< /Type /Catalog /Pages 2 0 R"+catalog+" >>").
		obj(2, pages).
		obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
}

// table ends the document with a cross-reference table for objects 0 to
// size-1 and a trailer with the extra entries trailer, in which %XREF% is
// replaced by the table's offset.
func (h *hostileDoc) table(size int, trailer string) []byte {
	start := h.buf.Len()
	fmt.Fprintf(&h.buf, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	first := h.buf.Len() - 20 // entry 0
	for id := 1; id < size; id++ {
		if off, ok := h.offsets[id]; ok {
			fmt.Fprintf(&h.buf, "%010d 00000 n\r\n", off)
		} else {
			h.buf.WriteString("0000000000 00000 f\r\n")
		}
	}
	trailer = strings.ReplaceAll(trailer, "%XREF%", fmt.Sprint(start))
	fmt.Fprintf(&h.buf, "trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n", size, trailer, start)
	if h.tailID != 0 {
		doc := h.buf.Bytes()
		copy(doc[first+20*h.tailID:], fmt.Sprintf("%010d 00000 n", len(doc)))
		fmt.Fprintf(&h.buf, "%d 0 obj\n%s", h.tailID, h.tail)
	}
	return h.buf.Bytes()
}

// xrefStream ends the document with a cross-reference stream, object
// size-1, with the extra dictionary entries dict. inStream places objects
// in object streams: id -> {stream, index}.
func (h *hostileDoc) xrefStream(size int, dict string, inStream map[int][2]int) []byte {
	self := size - 1
	start := h.buf.Len()
	h.offsets[self] = start
	var rows bytes.Buffer
	for id := 0; id < size; id++ {
		row := make([]byte, 7)
		if s, ok := inStream[id]; ok {
			row[0] = 2
			binary.BigEndian.PutUint32(row[1:5], uint32(s[0]))
			binary.BigEndian.PutUint16(row[5:7], uint16(s[1]))
		} else if off, ok := h.offsets[id]; ok {
			row[0] = 1
			binary.BigEndian.PutUint32(row[1:5], uint32(off))
		} else {
			row[5], row[6] = 0xff, 0xff
		}
		rows.Write(row)
	}
	fmt.Fprintf(&h.buf, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R%s /Length %d >>\nstream\n",
		self, size, dict, rows.Len())
	h.buf.Write(rows.Bytes())
	fmt.Fprintf(&h.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
	return h.buf.Bytes()
}

// objStmCatalog returns a document whose catalog (1) is in the object
// stream 4, with the stream's dictionary entries dict and data, and a
// cross-reference stream (5).
func objStmCatalog(dict string, data []byte) []byte {
	h := newHostileDoc()
	h.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>").
		obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>").
		stream(4, "/Type /ObjStm "+dict, data)
	return h.xrefStream(6, "", map[int][2]int{1: {4, 0}})
}

// zlibZeros returns n bytes of zeros (a multiple of 1 MiB) compressed with
// zlib: about 1 KiB per MiB. It repeats the steady-state deflate blocks of
// one MiB instead of compressing n bytes, so a 1 GiB bomb costs
// milliseconds to make.
func zlibZeros(n int64) []byte {
	const chunk = 1 << 20
	var fb bytes.Buffer
	w, _ := flate.NewWriter(&fb, flate.BestCompression) // fails only for a bad level
	zeros := make([]byte, chunk)
	var marks []int
	for range 3 {
		w.Write(zeros)
		w.Flush() // ends the blocks on a byte boundary
		marks = append(marks, fb.Len())
	}
	b := fb.Bytes()
	first, rep := b[:marks[0]], b[marks[1]:marks[2]]
	if !bytes.Equal(b[marks[0]:marks[1]], rep) {
		// Another deflate implementation: compress all n bytes, slowly.
		var out bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&out, zlib.BestCompression)
		for i := int64(0); i < n/chunk; i++ {
			zw.Write(zeros)
		}
		zw.Close()
		return out.Bytes()
	}
	var out bytes.Buffer
	out.Write([]byte{0x78, 0xda}) // zlib header, best compression
	out.Write(first)
	for i := int64(1); i < n/chunk; i++ {
		out.Write(rep)
	}
	out.Write([]byte{0x03, 0x00}) // final, empty fixed-Huffman block
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], uint32(n%65521)<<16|1) // Adler-32 of n zeros
	out.Write(sum[:])
	return out.Bytes()
}

// Cases returns the hostile documents, made anew at each call (about
// 60 MB in all). Each case not marked AnyOutcome is damaged so that it
// cannot be signed; the documents a case is built like are in Controls.
func Cases() []Case {
	var cases []Case
	add := func(name string, in []byte) { cases = append(cases, Case{Name: name, PDF: in}) }
	bounded := func(name string, in []byte) { cases = append(cases, Case{Name: name, PDF: in, AnyOutcome: true}) }

	// The hang that started this: an array running into endobj.
	add("kids endobj", newHostileDoc().basic("", "<< /Type /Pages /Kids [endobj ] /Count 1 >>").table(4, ""))
	add("array into endstream", newHostileDoc().basic("", "<< /Type /Pages /Kids [3 0 R endstream ] /Count 1 >>").table(4, ""))
	add("stream in array", newHostileDoc().basic("", "<< /Type /Pages /Kids [<< >> stream\nxx\nendstream] /Count 1 >>").table(4, ""))
	add("dict runs into endobj", newHostileDoc().basic("", "<< /Type /Pages /Kids [3 0 R] /Count 1").table(4, ""))
	add("obj inside array", newHostileDoc().basic("", "<< /Type /Pages /Kids [3 0 obj] /Count 1 >>").table(4, ""))

	// Unterminated objects, at the end of the file.
	for name, body := range map[string]string{
		"array":      "<< /Type /Pages /Kids [3 0 R",
		"dict":       "<< /Type /Pages /Kids [3 0 R] /Count 1",
		"string":     "<< /Type /Pages /Kids [3 0 R] /Count 1 /X (never closed",
		"hex string": "<< /Type /Pages /Kids [3 0 R] /Count 1 /X <414243",
		"name":       "<< /Type /Pages /Kids [3 0 R] /Count 1 /X",
	} {
		h := newHostileDoc().basic("", "null")
		h.tailID, h.tail = 2, body
		add("unterminated "+name+" at EOF", h.table(4, ""))
	}
	// A string that swallows the rest of the file.
	add("unterminated string", newHostileDoc().basic(" /Lang (open", "").table(4, ""))
	add("unterminated hex string", newHostileDoc().basic(" /Lang <4142", "").table(4, ""))

	// Nesting and size.
	add("100k nested arrays", newHostileDoc().basic(" /X "+strings.Repeat("[", 100_000), "").table(4, ""))
	add("100k nested dicts", newHostileDoc().basic(" /X "+strings.Repeat("<< /A ", 100_000), "").table(4, ""))
	add("1M nested arrays closed", newHostileDoc().basic("", "<< /Type /Pages /Kids "+strings.Repeat("[", 1<<20)+strings.Repeat("]", 1<<20)+" /Count 1 >>").table(4, ""))

	// Cross-reference tables.
	add("xref Prev to itself", newHostileDoc().basic("", "").table(4, " /Prev %XREF%"))
	{
		// Two sections, each the other's /Prev.
		h := newHostileDoc().basic("", "")
		a := h.buf.Len()
		fmt.Fprintf(&h.buf, "xref\n0 1\n0000000000 65535 f\r\ntrailer\n<< /Size 4 /Root 1 0 R /Prev %010d >>\n", 0)
		b := h.buf.Len()
		fmt.Fprintf(&h.buf, "xref\n0 4\n0000000000 65535 f\r\n%010d 00000 n\r\n%010d 00000 n\r\n%010d 00000 n\r\n", h.offsets[1], h.offsets[2], h.offsets[3])
		fmt.Fprintf(&h.buf, "trailer\n<< /Size 4 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", a, b)
		doc := bytes.Clone(h.buf.Bytes())
		// Point the first section back at the second.
		i := bytes.Index(doc, []byte(fmt.Sprintf("/Prev %010d", 0)))
		copy(doc[i:], fmt.Sprintf("/Prev %010d", b))
		add("xref Prev loop", doc)
	}
	{
		h := newHostileDoc().basic("", "")
		start := h.buf.Len()
		fmt.Fprintf(&h.buf, "xref\n0 1000000000\n0000000000 65535 f\r\n%010d 00000 n\r\n%010d 00000 n\r\n%010d 00000 n\r\n", h.offsets[1], h.offsets[2], h.offsets[3])
		fmt.Fprintf(&h.buf, "trailer\n<< /Size 1000000000 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", start)
		add("xref claims 1e9 entries", h.buf.Bytes())
	}
	{
		h := newHostileDoc().basic("", "")
		start := h.buf.Len()
		fmt.Fprintf(&h.buf, "xref\n0 4\n0000000000 65535 f\r\n%010d 00000 n\r\n%010d 00000 n\r\n%010d 00000 n\r\n", h.offsets[1], h.offsets[2], h.offsets[3])
		fmt.Fprintf(&h.buf, "999999990 3\n%010d 00000 n\r\n%010d 00000 n\r\n%010d 00000 n\r\n", h.offsets[1], h.offsets[2], h.offsets[3])
		fmt.Fprintf(&h.buf, "trailer\n<< /Size 1000000000 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", start)
		add("xref entry numbered 1e9", h.buf.Bytes())
	}
	add("xref stream Size 1e9", newHostileDoc().basic("", "").xrefStream(5, " /Size 1000000000", nil))
	add("xref stream W [0 0 0]", bytes.Replace(newHostileDoc().basic("", "").xrefStream(5, " /Index [0 1000000000]", nil), []byte("/W [1 4 2]"), []byte("/W [0 0 0]"), 1))
	add("xref stream W [9 9 9]", bytes.Replace(newHostileDoc().basic("", "").xrefStream(5, "", nil), []byte("/W [1 4 2]"), []byte("/W [9 9 9]"), 1))
	add("xref stream huge Length", bytes.Replace(newHostileDoc().basic("", "").xrefStream(5, "", nil), []byte("/Length 35"), []byte("/Length 999999999999999999"), 1))
	add("xref stream negative Length", bytes.Replace(newHostileDoc().basic("", "").xrefStream(5, "", nil), []byte("/Length 35"), []byte("/Length -35"), 1))
	add("xref stream bomb", func() []byte {
		h := newHostileDoc().basic("", "")
		start := h.buf.Len()
		bomb := zlibZeros(1 << 30)
		fmt.Fprintf(&h.buf, "4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n", len(bomb))
		h.buf.Write(bomb)
		fmt.Fprintf(&h.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
		return h.buf.Bytes()
	}())

	// Object streams.
	catalog := "1 0 << /Type /Catalog /Pages 2 0 R >>"
	add("object stream N 1e9", objStmCatalog("/N 1000000000 /First 4", []byte(catalog)))
	add("object stream First beyond data", objStmCatalog("/N 1 /First 1000000000", []byte(catalog)))
	add("object stream negative offset", objStmCatalog("/N 1 /First 5", []byte("1 -4 << /Type /Catalog /Pages 2 0 R >>")))
	add("object stream bomb", objStmCatalog("/N 1 /First 4 /Filter /FlateDecode", zlibZeros(1<<30)))
	add("object stream in itself", func() []byte {
		h := newHostileDoc()
		h.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>").
			obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
		return h.xrefStream(5, "", map[int][2]int{1: {4, 0}, 4: {4, 1}})
	}())
	add("object stream Extends loop", objStmCatalog("/N 1 /First 4 /Extends 4 0 R", []byte("9 0 << >>")))
	add("huge predictor Columns", objStmCatalog("/N 1 /First 4 /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 1000000000000 >>", zlibZeros(1<<20)))
	add("many filters", objStmCatalog("/N 1 /First 4 /Filter ["+strings.Repeat("/ASCIIHexDecode ", 100_000)+"]", []byte(catalog)))

	// Truncated, empty, not a PDF.
	good := threePages()
	for _, cut := range []int{0, 1, 9, len(good) / 2, len(good) - 30} {
		add(fmt.Sprintf("truncated at %d", cut), good[:cut])
	}
	add("empty", nil)
	add("not a PDF", []byte("<html><body>hello</body></html>\n"))
	add("PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR%%EOF\n"))
	add("zeros", make([]byte, 1<<20))
	add("header and 1 MiB without EOF", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 1<<20)...))
	add("startxref beyond file", []byte("%PDF-1.7\nstartxref\n99999999999\n%%EOF\n"))
	add("startxref negative", []byte("%PDF-1.7\nstartxref\n-5\n%%EOF\n"))

	// Hostile to the walks of the object graph: signing may succeed or
	// fail, but must be done in time.
	bounded("page tree loop", newHostileDoc().basic("", "<< /Type /Pages /Kids [2 0 R] /Count 5 >>").table(4, ""))
	bounded("field Kids loop", newHostileDoc().basic(" /AcroForm << /Fields [4 0 R] >>", "").
		obj(4, "<< /Kids [4 0 R] >>").table(5, ""))
	bounded("named field Kids loop", newHostileDoc().basic(" /AcroForm << /Fields [4 0 R] >>", "").
		obj(4, "<< /T (a) /FT /Sig /Kids [4 0 R 4 0 R] >>").table(5, ""))
	{
		// Each level lists the next 40 times: 40^8 paths.
		h := newHostileDoc().basic(" /AcroForm << /Fields [4 0 R] /SigFlags 3 >>", "")
		for id := 4; id < 12; id++ {
			h.obj(id, fmt.Sprintf("<< /T (f%d) /Kids [", id)+strings.Repeat(fmt.Sprintf("%d 0 R ", id+1), 40)+"] >>")
		}
		h.obj(12, "<< /FT /Tx >>")
		bounded("field DAG", h.table(13, ""))
	}
	{
		// Objects 4..n share one line: each one's comment runs to its
		// end, so reading them all costs the square of the line.
		const n = 60_000
		h := newHostileDoc().basic(" /AcroForm << /Fields [4 0 R] >>", "")
		var fields, line strings.Builder
		for id := 5; id < n; id++ {
			fmt.Fprintf(&fields, "%d 0 R ", id)
		}
		h.obj(4, "<< /T (f) /Kids ["+fields.String()+"] >>")
		base := h.buf.Len()
		for id := 5; id < n; id++ {
			h.offsets[id] = base + line.Len()
			fmt.Fprintf(&line, "%d 0 obj %%", id)
		}
		h.buf.WriteString(line.String())
		h.buf.WriteString("\nnull\nendobj\n")
		bounded("objects sharing one long comment", h.table(n, ""))
	}
	{
		// 50k empty-named signature fields Signature1…N: choosing the
		// name of the new field must not test each candidate against
		// every field.
		const n = 50_000
		h := newHostileDoc().basic(" /AcroForm << /Fields 4 0 R >>", "")
		var refs strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&refs, "<< /T (Signature%d) /FT /Sig /Ff 0 >> ", i)
		}
		h.obj(4, "["+refs.String()+"]")
		bounded("50k fields named like generated ones", h.table(5, ""))
	}

	// Signature dictionaries hostile to verification, and to signing
	// after them: what they claim must not be trusted.
	bounded("signature Contents of 40 MB", signedDoc(1, 20<<20, ""))
	bounded("ByteRange beyond file", signedDoc(1, 4<<10, "0 100 1000000000 1000000000"))
	bounded("ByteRange negative", signedDoc(1, 4<<10, "-100 200 -5 1000000000000000000000"))
	bounded("ByteRange of 100k entries", signedDoc(1, 4<<10, strings.Repeat("0 1 ", 50_000)))
	bounded("5k signed signature fields", signedDoc(5_000, 1<<10, ""))
	return cases
}

// signedDoc returns a document with n signature fields whose value is the
// same signature dictionary (object 5), whose /Contents is a hex string of
// size zero bytes (so 2*size hex digits): not CMS. byteRange is the
// content of /ByteRange; "" for a correct one that covers the whole
// file but the /Contents string.
func signedDoc(n, size int, byteRange string) []byte {
	h := newHostileDoc().basic(" /AcroForm << /Fields 4 0 R /SigFlags 3 >>", "")
	var fields strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&fields, "<< /FT /Sig /T (Signature%d) /V 5 0 R /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R >> ", i)
	}
	h.obj(4, "["+fields.String()+"]")
	const placeholder = "/ByteRange [0000000000 0000000000 0000000000 0000000000]"
	br := placeholder
	if byteRange != "" {
		br = "/ByteRange [" + byteRange + "]"
	}
	h.offsets[5] = h.buf.Len()
	fmt.Fprintf(&h.buf, "5 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached %s /M (D:20260101000000Z) /Contents <", br)
	from := h.buf.Len() - 1
	h.buf.Write(bytes.Repeat([]byte("0"), 2*size))
	h.buf.WriteString("> >>\nendobj\n")
	to := h.buf.Len() - len("> >>\nendobj\n") + 1
	doc := h.table(6, "")
	if byteRange == "" {
		i := bytes.Index(doc, []byte(placeholder))
		copy(doc[i:], fmt.Sprintf("/ByteRange [%010d %010d %010d %010d]", 0, from, to, len(doc)-to))
	}
	return doc
}

// Controls returns well-formed documents built like the cases (a
// cross-reference table, a cross-reference stream, the catalog in a plain
// and in a compressed object stream): they must sign, so that each case
// fails for its damage and not for the way it is built.
func Controls() []Case {
	const cat = "1 0 << /Type /Catalog /Pages 2 0 R >>"
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression) // fails only for a bad level
	zw.Write([]byte(cat))
	zw.Close()
	return []Case{
		{Name: "table", PDF: newHostileDoc().basic("", "").table(4, "")},
		{Name: "xref stream", PDF: newHostileDoc().basic("", "").xrefStream(5, "", nil)},
		{Name: "object stream", PDF: objStmCatalog("/N 1 /First 4", []byte(cat))},
		{Name: "compressed object stream", PDF: objStmCatalog("/N 1 /First 4 /Filter /FlateDecode", b.Bytes())},
	}
}

// threePages returns a valid 3-page PDF 1.5 with a line of text on each
// page and a cross-reference stream, which the truncation cases cut.
func threePages() []byte {
	var objs []string // objs[i] is object i+1
	add := func(s string) int {
		objs = append(objs, s)
		return len(objs)
	}
	catalog := add("") // filled in below
	pages := add("")
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for i := 1; i <= 3; i++ {
		text := fmt.Sprintf("BT /F1 24 Tf 72 760 Td (Trang %d - Page %d of the kyso test dossier) Tj ET", i, i)
		content := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text))
		kids = append(kids, fmt.Sprintf("%d 0 R", add(fmt.Sprintf(
			"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>",
			pages, font, content))))
	}
	info := add("<< /Title (kyso test dossier) /Producer (kyso makePDF) >>")
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)
	objs[pages-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	return Assemble(objs, catalog, info, true)
}

// Assemble writes objs (objs[i] is object i+1) as a PDF whose trailer names
// catalog and info, with a fixed /ID, and a cross-reference stream (PDF
// 1.5) or a classic table (PDF 1.4).
func Assemble(objs []string, catalog, info int, xrefStream bool) []byte {
	var b bytes.Buffer
	version := "1.4"
	if xrefStream {
		version = "1.5"
	}
	fmt.Fprintf(&b, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", version)
	offsets := make([]int, len(objs)+2)
	for i, o := range objs {
		offsets[i+1] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	id := "<6b79736f2d746573742d646f632d6964><6b79736f2d746573742d646f632d6964>"
	if !xrefStream {
		start := b.Len()
		fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
		for i := range objs {
			fmt.Fprintf(&b, "%010d 00000 n\r\n", offsets[i+1])
		}
		fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [%s] >>\nstartxref\n%d\n%%%%EOF\n",
			len(objs)+1, catalog, info, id, start)
		return b.Bytes()
	}
	self := len(objs) + 1
	start := b.Len()
	offsets[self] = start
	var rows bytes.Buffer
	for i := 0; i <= self; i++ {
		row := make([]byte, 7)
		if i == 0 {
			row[5], row[6] = 0xff, 0xff
		} else {
			row[0] = 1
			binary.BigEndian.PutUint32(row[1:5], uint32(offsets[i]))
		}
		rows.Write(row)
	}
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Info %d 0 R /ID [%s] /Length %d >>\nstream\n",
		self, self+1, catalog, info, id, rows.Len())
	b.Write(rows.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
	return b.Bytes()
}
