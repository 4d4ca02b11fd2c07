package attacksuite

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/digitorus/pdf"
)

// Form is how an incremental update lists its objects (ISO 32000-1, 7.5.6
// and 7.5.8).
type Form int

// The forms of an incremental update.
const (
	// Classic is a cross-reference table and a trailer.
	Classic Form = iota
	// Hybrid is a hybrid-reference update (ISO 32000-1, 7.5.8.4): a
	// cross-reference table (empty unless Update.Objects has entries)
	// whose trailer's /XRefStm names a cross-reference stream listing
	// Update.Hidden and Update.Packed. Readers that know /XRefStm, as
	// poppler, qpdf and Acrobat do, consult that stream after the table
	// and before /Prev.
	Hybrid
	// XRefStream is a cross-reference stream (ISO 32000-1, 7.5.8) whose
	// /Prev is the previous section, whatever its form.
	XRefStream
)

func (f Form) String() string {
	switch f {
	case Classic:
		return "classic table"
	case Hybrid:
		return "hybrid /XRefStm"
	case XRefStream:
		return "xref stream"
	}
	return fmt.Sprintf("Form(%d)", int(f))
}

// Update is one incremental update: object number → body (what goes
// between "obj" and "endobj").
type Update struct {
	Form Form
	// Objects are written in the update's body and listed in its table
	// (in its cross-reference stream for XRefStream).
	Objects map[int]string
	// Hidden are written in the body and listed only in the
	// cross-reference stream (Hybrid and XRefStream).
	Hidden map[int]string
	// Packed are written in one object stream, listed only in the
	// cross-reference stream (Hybrid and XRefStream).
	Packed map[int]string
	// Remap lists existing definitions: object number → offset of an
	// "N 0 obj" already in the document, in the table (Classic) or the
	// cross-reference stream (Hybrid and XRefStream).
	Remap map[int]int64
	// ObjStmDict and ObjStmData, if ObjStmData is not nil, are written as
	// the object stream (its extra dictionary entries and its raw data)
	// instead of one made of Packed, which then only says which objects
	// the cross-reference stream places in it.
	ObjStmDict string
	ObjStmData []byte
	// Prev, if not nil, is written as /Prev instead of the offset of the
	// previous section; PrevSelf writes the section's own offset.
	Prev     *int64
	PrevSelf bool
	// Size, if not zero, is written as /Size instead of the right one.
	Size int
}

// Append appends u to doc and returns the new document; doc is not
// changed.
func Append(doc []byte, u Update) ([]byte, error) {
	if u.Form == Classic && (len(u.Hidden) > 0 || len(u.Packed) > 0 || u.ObjStmData != nil) {
		return nil, errors.New("attacksuite: a classic update has no cross-reference stream for hidden or packed objects")
	}
	info, err := readInfo(doc)
	if err != nil {
		return nil, err
	}
	prev := info.startxref
	if u.Prev != nil {
		prev = *u.Prev
	}
	maxID := info.size - 1
	for _, m := range []map[int]string{u.Objects, u.Hidden, u.Packed} {
		for id := range m {
			maxID = max(maxID, id)
		}
	}
	for id := range u.Remap {
		maxID = max(maxID, id)
	}
	next := maxID + 1 // the object stream, then the cross-reference stream

	var b bytes.Buffer
	b.Write(doc)
	if len(doc) > 0 && doc[len(doc)-1] != '\n' && doc[len(doc)-1] != '\r' {
		b.WriteByte('\n')
	}
	tabled := map[int]int{}   // listed in the table
	streamed := map[int]int{} // listed in the stream, type 1
	packedAt := map[int]int{} // listed in the stream, type 2: index
	writeObjs := func(m map[int]string, into map[int]int) {
		for _, id := range sortedIDs(m) {
			into[id] = b.Len()
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", id, m[id])
		}
	}
	if u.Form == XRefStream {
		writeObjs(u.Objects, streamed)
	} else {
		writeObjs(u.Objects, tabled)
	}
	writeObjs(u.Hidden, streamed)
	for id, off := range u.Remap {
		if u.Form == Classic {
			tabled[id] = int(off)
		} else {
			streamed[id] = int(off)
		}
	}
	objStm := 0
	if len(u.Packed) > 0 || u.ObjStmData != nil {
		objStm = next
		next++
		var head, body bytes.Buffer
		for i, id := range sortedIDs(u.Packed) {
			packedAt[id] = i
			fmt.Fprintf(&head, "%d %d ", id, body.Len())
			body.WriteString(u.Packed[id])
			body.WriteByte('\n')
		}
		head.WriteByte('\n')
		streamed[objStm] = b.Len()
		if u.ObjStmData != nil {
			fmt.Fprintf(&b, "%d 0 obj\n<< /Type /ObjStm %s /Length %d >>\nstream\n", objStm, u.ObjStmDict, len(u.ObjStmData))
			b.Write(u.ObjStmData)
		} else {
			fmt.Fprintf(&b, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n", objStm, len(u.Packed), head.Len(), head.Len()+body.Len())
			b.Write(head.Bytes())
			b.Write(body.Bytes())
		}
		b.WriteString("\nendstream\nendobj\n")
	}
	size := next
	if u.Form != Classic {
		size++ // the cross-reference stream
	}
	if u.Size != 0 {
		size = u.Size
	}
	trailer := fmt.Sprintf("/Size %d /Root %s%s", size, info.root, info.extra)

	xrefStm := 0
	if u.Form != Classic {
		xrefStm = b.Len()
		self := next
		streamed[self] = xrefStm
		ids := slices.Sorted(func(yield func(int) bool) {
			for id := range streamed {
				if !yield(id) {
					return
				}
			}
			for id := range packedAt {
				if !yield(id) {
					return
				}
			}
		})
		var rows bytes.Buffer
		var index []string
		for _, id := range ids {
			row := make([]byte, 7)
			if i, ok := packedAt[id]; ok {
				row[0] = 2
				binary.BigEndian.PutUint32(row[1:5], uint32(objStm))
				binary.BigEndian.PutUint16(row[5:7], uint16(i))
			} else {
				row[0] = 1
				binary.BigEndian.PutUint32(row[1:5], uint32(streamed[id]))
			}
			rows.Write(row)
			index = append(index, fmt.Sprintf("%d 1", id))
		}
		dict := fmt.Sprintf("/Type /XRef /W [1 4 2] /Index [%s] /Length %d", strings.Join(index, " "), rows.Len())
		if u.Form == XRefStream {
			if u.PrevSelf {
				prev = int64(xrefStm)
			}
			dict = trailer + fmt.Sprintf(" /Prev %d ", prev) + dict
		} else {
			dict = fmt.Sprintf("/Size %d ", size) + dict
		}
		fmt.Fprintf(&b, "%d 0 obj\n<< %s >>\nstream\n", self, dict)
		b.Write(rows.Bytes())
		b.WriteString("\nendstream\nendobj\n")
		if u.Form == XRefStream {
			fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xrefStm)
			return b.Bytes(), nil
		}
	}

	start := b.Len()
	if u.PrevSelf {
		prev = int64(start)
	}
	b.WriteString("xref\n")
	if len(tabled) == 0 {
		b.WriteString("0 0\n")
	}
	for _, id := range sortedIDs(tabled) {
		fmt.Fprintf(&b, "%d 1\n%010d 00000 n\r\n", id, tabled[id])
	}
	fmt.Fprintf(&b, "trailer\n<< %s /Prev %d", trailer, prev)
	if u.Form == Hybrid {
		fmt.Fprintf(&b, " /XRefStm %d", xrefStm)
	}
	fmt.Fprintf(&b, " >>\nstartxref\n%d\n%%%%EOF\n", start)
	return b.Bytes(), nil
}

// docInfo is what an update needs to know of the document before it.
type docInfo struct {
	size      int    // the trailer's /Size
	root      string // "1 0 R"
	extra     string // " /Info 9 0 R /ID [<...> <...>]", or ""
	startxref int64  // the last section's offset
}

var startxrefTail = regexp.MustCompile(`startxref\s+([0-9]+)\s+%%EOF\s*$`)

// readInfo reads doc's trailer with kyso's PDF parser and its last
// startxref.
func readInfo(doc []byte) (docInfo, error) {
	rdr, err := open(doc)
	if err != nil {
		return docInfo{}, err
	}
	tr := rdr.Trailer()
	root := tr.Key("Root").GetPtr()
	if root.GetID() == 0 {
		return docInfo{}, errors.New("attacksuite: the trailer has no /Root")
	}
	in := docInfo{size: int(tr.Key("Size").Int64()), root: fmt.Sprintf("%d %d R", root.GetID(), root.GetGen())}
	if p := tr.Key("Info").GetPtr(); p.GetID() != 0 && tr.Key("Info").Kind() == pdf.Dict {
		in.extra += fmt.Sprintf(" /Info %d %d R", p.GetID(), p.GetGen())
	}
	if id := tr.Key("ID"); id.Kind() == pdf.Array && id.Len() == 2 {
		in.extra += fmt.Sprintf(" /ID [<%x> <%x>]", id.Index(0).RawString(), id.Index(1).RawString())
	}
	m := startxrefTail.FindSubmatch(doc)
	if m == nil {
		return docInfo{}, errors.New("attacksuite: no startxref at the end of the document")
	}
	in.startxref, _ = strconv.ParseInt(string(m[1]), 10, 64)
	return in, nil
}

// open opens doc with kyso's PDF parser (third_party/digitorus-pdf),
// turning its panics into errors.
func open(doc []byte) (rdr *pdf.Reader, err error) {
	defer func() {
		if e := recover(); e != nil {
			rdr, err = nil, fmt.Errorf("attacksuite: PDF parser: %v", e)
		}
	}()
	rdr, err = pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, fmt.Errorf("attacksuite: open: %w", err)
	}
	return rdr, nil
}

// ObjectBody returns the body of the last definition of object id in doc
// (a plain object "id 0 obj" at the start of a line, not one in an object
// stream).
func ObjectBody(doc []byte, id int) (string, error) {
	head := []byte(strconv.Itoa(id) + " 0 obj")
	last := -1
	for i := 0; i < len(doc); {
		j := bytes.Index(doc[i:], head)
		if j < 0 {
			break
		}
		k := i + j
		if k == 0 || doc[k-1] == '\n' || doc[k-1] == '\r' {
			last = k
		}
		i = k + 1
	}
	if last < 0 {
		return "", fmt.Errorf("attacksuite: object %d is not defined as a plain object", id)
	}
	body := doc[last+len(head):]
	end := bytes.Index(body, []byte("endobj"))
	if end < 0 {
		return "", fmt.Errorf("attacksuite: object %d has no endobj", id)
	}
	return string(bytes.TrimSpace(body[:end])), nil
}

// Page describes page n of a document as kyso's parser reads it.
type Page struct {
	// ID is the page dictionary's object number, Contents that of its
	// (first) content stream, 0 if it is not an indirect stream.
	ID, Contents int
	// Body is the page dictionary as written.
	Body string
}

// PageOf returns page n (1-based) of doc.
func PageOf(doc []byte, n int) (Page, error) {
	rdr, err := open(doc)
	if err != nil {
		return Page{}, err
	}
	pg := rdr.Page(n)
	if pg.V.Kind() != pdf.Dict {
		return Page{}, fmt.Errorf("attacksuite: no page %d", n)
	}
	p := Page{ID: int(pg.V.GetPtr().GetID())}
	c := pg.V.Key("Contents")
	if c.Kind() == pdf.Array && c.Len() > 0 {
		c = c.Index(0)
	}
	if c.Kind() == pdf.Stream && c.GetPtr() != pg.V.GetPtr() {
		p.Contents = int(c.GetPtr().GetID())
	}
	if p.Body, err = ObjectBody(doc, p.ID); err != nil {
		return Page{}, err
	}
	if !regexp.MustCompile(`/Type\s*/Page\b`).MatchString(p.Body) {
		return Page{}, fmt.Errorf("attacksuite: object %d is not the page: %.80q", p.ID, p.Body)
	}
	return p, nil
}

// Size returns the trailer's /Size: the first free object number.
func Size(doc []byte) (int, error) {
	in, err := readInfo(doc)
	return in.size, err
}

// RootID returns the catalog's object number.
func RootID(doc []byte) (int, error) {
	in, err := readInfo(doc)
	if err != nil {
		return 0, err
	}
	id, _ := strconv.Atoi(strings.Fields(in.root)[0])
	return id, nil
}

// Stream returns an uncompressed stream object's body holding data.
func Stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// pdfString returns s as a PDF literal string, escaping what must be.
func pdfString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	return "(" + r.Replace(s) + ")"
}

// hexString returns b as a PDF hexadecimal string.
func hexString(b []byte) string { return "<" + hex.EncodeToString(b) + ">" }

// sortedIDs returns the keys of m in increasing order.
func sortedIDs[V any](m map[int]V) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// withFont returns a page dictionary body whose resources name font (an
// indirect reference) /FK, added to the /Font dictionary or a new one.
func withFont(page, font string) (string, error) {
	fontDict := regexp.MustCompile(`/Font\s*<<`)
	if loc := fontDict.FindStringIndex(page); loc != nil {
		return page[:loc[1]] + "/FK " + font + " " + page[loc[1]:], nil
	}
	res := regexp.MustCompile(`/Resources\s*<<`)
	if loc := res.FindStringIndex(page); loc != nil {
		return page[:loc[1]] + "/Font << /FK " + font + " >> " + page[loc[1]:], nil
	}
	return "", errors.New("attacksuite: the page has no direct /Resources dictionary to add a font to")
}

// withContents returns a page dictionary body whose /Contents is ref.
func withContents(page, ref string) (string, error) {
	re := regexp.MustCompile(`/Contents\s*(\[[^\]]*\]|[0-9]+\s+[0-9]+\s+R)`)
	loc := re.FindStringIndex(page)
	if loc == nil {
		return "", errors.New("attacksuite: the page has no /Contents")
	}
	return page[:loc[0]] + "/Contents " + ref + page[loc[1]:], nil
}

// withAnnot returns a page dictionary body with ref added to /Annots.
func withAnnot(page, ref string) (string, error) {
	re := regexp.MustCompile(`/Annots\s*\[`)
	if loc := re.FindStringIndex(page); loc != nil {
		return page[:loc[1]] + ref + " " + page[loc[1]:], nil
	}
	if regexp.MustCompile(`/Annots\s*[0-9]`).MatchString(page) {
		return "", errors.New("attacksuite: the page's /Annots is an indirect array")
	}
	re = regexp.MustCompile(`/Type\s*/Page\b`)
	loc := re.FindStringIndex(page)
	if loc == nil {
		return "", errors.New("attacksuite: not a page dictionary")
	}
	return page[:loc[1]] + " /Annots [" + ref + "]" + page[loc[1]:], nil
}
