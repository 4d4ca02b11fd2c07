package verifier

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/digitorus/pdf"
)

// Bounds of the walks of a PDF's structures.
const (
	maxFieldDepth = 32
	maxFields     = 20000
	maxRevisions  = 10000
	// eofWindow is how far before %%EOF "startxref N" is looked for.
	eofWindow = 64
	// maxDSSItem bounds one certificate, OCSP response or CRL of a DSS.
	maxDSSItem = 16 << 20
)

// pdfSig is a signature dictionary found through the form.
type pdfSig struct {
	field     string
	v         pdf.Value // the signature dictionary, in the final revision
	fieldPtr  pdf.Ptr   // the field holding it
	vIndirect bool
	typ       string // TypeSignature or TypeDocumentTimestamp
	subFilter string
	// br is the /ByteRange once checked; contents the /Contents value.
	br       [4]int64
	contents []byte
	coverEnd int64 // br[2]+br[3]
	formErr  error // why the dictionary cannot be processed
	claimed  time.Time
	// reason, location and contact are /Reason, /Location and
	// /ContactInfo, as signerText leaves them.
	reason, location, contact string
	certify                   int // DocMDP P of a certification signature
}

// openPDF opens r (size bytes) with digitorus/pdf, turning its panics into
// errors.
func openPDF(r io.ReaderAt, size int64) (rdr *pdf.Reader, err error) {
	defer func() {
		if e := recover(); e != nil {
			rdr, err = nil, fmt.Errorf("PDF parser: %v", e)
		}
	}()
	return pdf.NewReader(r, size)
}

// indirect reports whether child, read from parent, is an indirect object
// of its own (digitorus/pdf gives a direct value its container's pointer).
func indirect(child, parent pdf.Value) bool {
	return child.GetPtr() != parent.GetPtr() && child.GetPtr().GetID() != 0
}

// findSignatures walks the interactive form's field tree of rdr and returns
// every signature field with a value, once per signature dictionary.
func findSignatures(rdr *pdf.Reader) ([]*pdfSig, []string) {
	var warnings []string
	acro := rdr.Trailer().Key("Root").Key("AcroForm")
	fields := acro.Key("Fields")
	var out []*pdfSig
	seenField := map[uintptr]bool{}
	seenSig := map[uint32]bool{}
	count := 0
	var walk func(arr pdf.Value, parentName, parentFT string, depth int)
	walk = func(arr pdf.Value, parentName, parentFT string, depth int) {
		if depth > maxFieldDepth {
			warnings = append(warnings, fmt.Sprintf("form fields nested deeper than %d were not read", maxFieldDepth))
			return
		}
		for i := 0; i < arr.Len(); i++ {
			f := arr.Index(i)
			if f.Kind() != pdf.Dict {
				continue
			}
			if count++; count > maxFields {
				if count == maxFields+1 {
					warnings = append(warnings, fmt.Sprintf("more than %d form fields: the rest were not read", maxFields))
				}
				return
			}
			// Fields reached twice (a /Kids loop, or a field listed
			// twice) are read once.
			if id := identity(f); id != 0 {
				if seenField[id] {
					continue
				}
				seenField[id] = true
			}
			name := parentName
			if t := f.Key("T"); t.Kind() == pdf.String {
				if name != "" {
					name += "."
				}
				name += t.Text()
			}
			ft := parentFT
			if x := f.Key("FT"); x.Kind() == pdf.Name {
				ft = x.Name()
			}
			if v := f.Key("V"); ft == "Sig" && v.Kind() == pdf.Dict {
				s := &pdfSig{field: name, v: v, fieldPtr: f.GetPtr(), vIndirect: indirect(v, f)}
				if s.vIndirect {
					if seenSig[v.GetPtr().GetID()] {
						warnings = append(warnings, fmt.Sprintf("field %q shares its signature dictionary with another field", name))
						continue
					}
					seenSig[v.GetPtr().GetID()] = true
				}
				out = append(out, s)
			}
			if kids := f.Key("Kids"); kids.Kind() == pdf.Array {
				walk(kids, name, ft, depth+1)
			}
		}
	}
	walk(fields, "", "", 0)
	return out, warnings
}

// readSigDict reads the entries of the signature dictionary other than
// /ByteRange and /Contents.
func (s *pdfSig) readSigDict() {
	v := s.v
	s.subFilter = v.Key("SubFilter").Name()
	s.typ = TypeSignature
	if v.Key("Type").Name() == "DocTimeStamp" || s.subFilter == "ETSI.RFC3161" {
		s.typ = TypeDocumentTimestamp
	}
	if m := v.Key("M"); m.Kind() == pdf.String {
		s.claimed, _ = parsePDFDate(m.Text())
	}
	s.reason = signerText(v.Key("Reason").Text())
	s.location = signerText(v.Key("Location").Text())
	s.contact = signerText(v.Key("ContactInfo").Text())
	ref := v.Key("Reference")
	for i := 0; i < ref.Len() && i < 16; i++ {
		r := ref.Index(i)
		if r.Key("TransformMethod").Name() != "DocMDP" {
			continue
		}
		s.certify = 2 // ISO 32000-1, Table 254: P defaults to 2
		if p := r.Key("TransformParams").Key("P"); p.Kind() == pdf.Integer && p.Int64() >= 1 && p.Int64() <= 3 {
			s.certify = int(p.Int64())
		}
	}
}

// checkByteRange checks the signature's /ByteRange against the file, then
// that the gap it leaves is exactly a hexadecimal string equal to the
// dictionary's /Contents. Every number is checked against size before
// anything is allocated or read.
func (s *pdfSig) checkByteRange(r io.ReaderAt, size int64) error {
	brv := s.v.Key("ByteRange")
	if brv.Kind() != pdf.Array || brv.Len() != 4 {
		return fmt.Errorf("/ByteRange is not an array of four integers")
	}
	var br [4]int64
	for i := range br {
		e := brv.Index(i)
		if e.Kind() != pdf.Integer {
			return fmt.Errorf("/ByteRange is not an array of four integers")
		}
		br[i] = e.Int64()
	}
	switch {
	case br[0] != 0:
		return fmt.Errorf("/ByteRange %v does not start at 0", br)
	case br[1] <= 0 || br[2] < 0 || br[3] < 0:
		return fmt.Errorf("/ByteRange %v has a negative or empty range", br)
	case br[2] <= br[1]:
		return fmt.Errorf("/ByteRange %v: the second range does not start after the first", br)
	case br[2] > size || br[3] > size-br[2]:
		return fmt.Errorf("/ByteRange %v goes past the end of the file (%d bytes)", br, size)
	}
	gap := br[2] - br[1]
	if gap < 2 || gap > maxContents+2 {
		return fmt.Errorf("/ByteRange %v leaves a gap of %d bytes, not a /Contents string of at most %d", br, gap, maxContents)
	}
	cv := s.v.Key("Contents")
	if cv.Kind() != pdf.String {
		return errors.New("/Contents is not a string")
	}
	contents := []byte(cv.RawString())
	if int64(len(contents))*2 > gap {
		return errors.New("/Contents is larger than the /ByteRange gap")
	}
	hole, err := readRange(r, br[1], gap)
	if err != nil {
		return fmt.Errorf("read /Contents: %v", err)
	}
	if hole[0] != '<' || hole[gap-1] != '>' {
		return errors.New("the /ByteRange gap is not a hexadecimal string: the signed ranges do not exclude exactly /Contents")
	}
	decoded := make([]byte, 0, len(contents))
	var hi byte
	odd := false
	for _, c := range hole[1 : gap-1] {
		var n byte
		switch {
		case c >= '0' && c <= '9':
			n = c - '0'
		case c >= 'a' && c <= 'f':
			n = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			n = c - 'A' + 10
		case isPDFSpace(c):
			continue
		default:
			return fmt.Errorf("the /ByteRange gap holds %q, not only a hexadecimal string", c)
		}
		if odd {
			decoded = append(decoded, hi<<4|n)
		} else {
			hi = n
		}
		odd = !odd
	}
	if odd {
		decoded = append(decoded, hi<<4)
	}
	if !bytes.Equal(decoded, contents) {
		return errors.New("the /ByteRange gap is not this signature's /Contents")
	}
	s.br, s.contents, s.coverEnd = br, contents, br[2]+br[3]
	return nil
}

func isPDFSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

// signedRanges returns a reader of the bytes the signature covers.
func (s *pdfSig) signedRanges(r io.ReaderAt) io.Reader {
	return io.MultiReader(io.NewSectionReader(r, 0, s.br[1]), io.NewSectionReader(r, s.br[2], s.br[3]))
}

// revisionEnds finds where the revisions of the file end: after each
// "startxref N %%EOF" (N > 0: a linearised file's first-page section has
// "startxref 0") and the end-of-line that follows. It reads the file in
// blocks; memory does not grow with the file. data is the file if it is in
// memory (inMemory), searched where it is; else nil.
func revisionEnds(r io.ReaderAt, data []byte, size int64) []int64 {
	const block = 1 << 20
	marker := []byte("%%EOF")
	var ends []int64
	// No larger than the file: most are well under a block.
	window := max(0, min(int64(eofWindow+block+len(marker)), size))
	var buf []byte
	if data == nil {
		buf = make([]byte, window)
	}
	for off := int64(0); off < size; off += block {
		// b holds the block, eofWindow bytes before it and room for a
		// marker that starts at its end.
		start := max(0, off-eofWindow)
		n := min(window, size-start)
		var b []byte
		if data != nil {
			b = data[start : start+n]
		} else {
			b = buf[:n]
			if _, err := r.ReadAt(b, start); err != nil && err != io.EOF {
				break
			}
		}
		for i := 0; ; {
			j := bytes.Index(b[i:], marker)
			if j < 0 {
				break
			}
			q := i + j
			i = q + 1
			p := start + int64(q)          // offset of %%EOF
			if p < off || p >= off+block { // another block's
				continue
			}
			if !startxrefBefore(b[max(0, q-eofWindow):q]) {
				continue
			}
			end := p + int64(len(marker))
			var eol [2]byte
			if k, _ := r.ReadAt(eol[:], end); k > 0 {
				switch {
				case k == 2 && eol[0] == '\r' && eol[1] == '\n':
					end += 2
				case eol[0] == '\r' || eol[0] == '\n':
					end++
				}
			}
			if len(ends) < maxRevisions {
				ends = append(ends, end)
			}
		}
	}
	// An update that ends at its startxref without %%EOF is a revision
	// too: viewers read the file from that startxref.
	last := int64(0)
	if len(ends) > 0 {
		last = ends[len(ends)-1]
	}
	if size > last && len(ends) < maxRevisions && tailHasStartxref(r, last, size) {
		ends = append(ends, size)
	}
	return ends
}

// tailHasStartxref reports whether "startxref N" (N > 0) is in the last
// bytes of r before size, after from.
func tailHasStartxref(r io.ReaderAt, from, size int64) bool {
	const window = 1024
	start := max(from, size-window)
	b := make([]byte, size-start)
	if _, err := r.ReadAt(b, start); err != nil && err != io.EOF {
		return false
	}
	i := bytes.LastIndex(b, []byte("startxref"))
	return i >= 0 && startxrefBefore(bytes.TrimRight(b[i:], "\x00\t\n\f\r "))
}

var startxrefRE = regexp.MustCompile(`startxref[\x00\t\n\f\r ]+([0-9]+)[\x00\t\n\f\r ]*$`)

func startxrefBefore(b []byte) bool {
	m := startxrefRE.FindSubmatch(b)
	if m == nil {
		return false
	}
	n, err := strconv.ParseInt(string(m[1]), 10, 64)
	return err == nil && n > 0
}

// revisionOf returns the 1-based revision whose end is end, allowing for
// an end-of-line not covered, and whether end is such an end.
func revisionOf(ends []int64, end int64) (int, bool) {
	for i, e := range ends {
		if end <= e {
			return i + 1, e-end <= 2
		}
	}
	return len(ends) + 1, false
}

// parsePDFDate parses a PDF date (ISO 32000-1, 7.9.4): D:YYYYMMDDHHmmSSOHH'mm'.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	if len(s) < 4 {
		return time.Time{}, fmt.Errorf("bad PDF date %q", truncate(s, 32))
	}
	digits := 0
	for digits < len(s) && digits < 14 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits < 4 || digits%2 != 0 {
		return time.Time{}, fmt.Errorf("bad PDF date %q", truncate(s, 32))
	}
	num := func(i, def int) int {
		if i+2 > digits {
			return def
		}
		n, _ := strconv.Atoi(s[i : i+2])
		return n
	}
	year, _ := strconv.Atoi(s[:4])
	month, day := num(4, 1), num(6, 1)
	hour, minute, sec := num(8, 0), num(10, 0), num(12, 0)
	loc := time.UTC
	rest := s[digits:]
	if len(rest) > 0 && (rest[0] == '+' || rest[0] == '-') {
		tz := strings.NewReplacer("'", "", ":", "").Replace(rest[1:])
		h, m := 0, 0
		if len(tz) >= 2 {
			h, _ = strconv.Atoi(tz[:2])
		}
		if len(tz) >= 4 {
			m, _ = strconv.Atoi(tz[2:4])
		}
		off := h*3600 + m*60
		if rest[0] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, fmt.Errorf("bad PDF date %q", truncate(s, 32))
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc), nil
}

// dssData is the validation data of a Document Security Store (ETSI EN
// 319 142-1, 5.4.2).
type dssData struct {
	certs [][]byte
	ocsps [][]byte
	crls  [][]byte
	// vri holds the keys of the VRI dictionary: upper-case hex SHA-1 of
	// the signatures' /Contents (ISO 32000-2, 12.8.4.4).
	vri map[string]bool
}

// readDSS reads the catalog's /DSS: the /Certs, /OCSPs and /CRLs arrays and
// those of every VRI entry, each stream bounded.
func readDSS(rdr *pdf.Reader) (dssData, []string) {
	var d dssData
	var warnings []string
	dss := rdr.Trailer().Key("Root").Key("DSS")
	if dss.Kind() != pdf.Dict {
		return d, nil
	}
	seen := map[string]bool{}
	add := func(list *[][]byte, arr pdf.Value, limit int) {
		for i := 0; i < arr.Len(); i++ {
			if len(*list) >= limit {
				warnings = append(warnings, fmt.Sprintf("the DSS holds more than %d items of a kind: the rest were not read", limit))
				return
			}
			s := arr.Index(i)
			if s.Kind() != pdf.Stream {
				continue
			}
			rc := s.Reader()
			data, err := io.ReadAll(io.LimitReader(rc, maxDSSItem+1))
			rc.Close()
			if err != nil || len(data) > maxDSSItem {
				warnings = append(warnings, "a DSS item could not be read")
				continue
			}
			if seen[string(data)] {
				continue
			}
			seen[string(data)] = true
			*list = append(*list, data)
		}
	}
	add(&d.certs, dss.Key("Certs"), maxCerts)
	add(&d.ocsps, dss.Key("OCSPs"), maxRevocation)
	add(&d.crls, dss.Key("CRLs"), maxRevocation)
	vri := dss.Key("VRI")
	keys := vri.Keys()
	if len(keys) > maxSignatures {
		keys = keys[:maxSignatures]
	}
	d.vri = map[string]bool{}
	for _, k := range keys {
		d.vri[strings.ToUpper(k)] = true
		e := vri.Key(k)
		add(&d.certs, e.Key("Cert"), maxCerts)
		add(&d.ocsps, e.Key("OCSP"), maxRevocation)
		add(&d.crls, e.Key("CRL"), maxRevocation)
	}
	return d, warnings
}

// sortSigs orders signatures as they appear in the file: by the end of the
// revision they cover, then by their /Contents. Those whose /ByteRange
// could not be checked come last, in form order.
func sortSigs(sigs []*pdfSig) {
	sort.SliceStable(sigs, func(i, j int) bool {
		a, b := sigs[i], sigs[j]
		if (a.formErr == nil) != (b.formErr == nil) {
			return a.formErr == nil
		}
		if a.formErr != nil {
			return false
		}
		if a.coverEnd != b.coverEnd {
			return a.coverEnd < b.coverEnd
		}
		return a.br[1] < b.br[1]
	})
}
