package verifier

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"

	"github.com/kyso-vn/kyso/internal/hostilepdf"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer/pades"
)

// The differential test against qpdf. For every PDF the tests have, the
// objects kyso resolves in the final revision and in each signed revision
// (the file truncated where the signature's byte range ends) — everything
// the catalog reaches: the page tree, each page's content streams,
// resources, annotations and their appearances, the form's fields and
// signature dictionaries — must be the objects qpdf reads from the same
// bytes: same numbers, same direct values, references to the same
// numbers, streams with the same dictionary and the same bytes.
//
// The rule for files kyso cannot read unambiguously: when kyso finds a
// revision ambiguous (its cross-reference data cannot be followed, or a
// rebuilt table gives other objects; AMBIGUOUS_REVISION), kyso's reading
// may differ from qpdf's, because readers differ there; kyso must then not
// say the document is valid, and no signature followed by that revision
// may be TOTAL_PASSED. Everywhere else the readings must be equal; a file
// qpdf cannot read at all must be ambiguous to kyso; and a file qpdf has
// to repair ("reconstruct") must not be valid either, even where the
// readings agree.

// qpdfReading is qpdf's reading of a file (qpdf --json=2, version 11).
type qpdfReading struct {
	objs     map[string]any // "obj:N G R" → {"value": v} or {"stream": {"dict", "data"}}
	trailer  map[string]any
	warnings string
}

// qpdfCPU bounds the CPU time of one run of qpdf (ulimit -t): a bound on
// CPU, not on the clock, so that a busy machine does not turn a file qpdf
// reads into one it "cannot read". qpdfTimeout is the clock's bound, far
// above it, for a qpdf that waits on nothing yet does not finish.
const (
	qpdfCPU     = 10 // seconds
	qpdfTimeout = 5 * time.Minute
)

// readQPDF runs qpdf on doc. It returns nil with qpdf's message when qpdf
// cannot read the file.
func readQPDF(t testing.TB, doc []byte) (*qpdfReading, string) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(name, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	// qpdf takes minutes over some hostile files: past a limit it
	// counts as not reading them.
	ctx, cancel := context.WithTimeout(context.Background(), qpdfTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", fmt.Sprintf(`ulimit -t %d && exec "$0" "$@"`, qpdfCPU),
		"qpdf", "--json=2", "--json-key=qpdf", "--json-stream-data=inline", "--decode-level=none", name)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Sprintf("qpdf did not finish in %v", qpdfTimeout)
	case errors.As(err, &exit) && exit.ProcessState.Sys().(syscall.WaitStatus).Signaled():
		return nil, fmt.Sprintf("qpdf stopped by %v (more than %d s of CPU)", exit.ProcessState.Sys().(syscall.WaitStatus).Signal(), qpdfCPU)
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() == 3: // warnings
	case errors.As(err, &exit) && exit.ExitCode() == 2:
		return nil, stderr.String()
	default:
		t.Fatalf("qpdf: %v: %s", err, stderr.String())
	}
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	var doc2 struct {
		QPDF []map[string]any `json:"qpdf"`
	}
	if err := dec.Decode(&doc2); err != nil || len(doc2.QPDF) != 2 {
		t.Fatalf("qpdf --json: %v (%d parts)", err, len(doc2.QPDF))
	}
	q := &qpdfReading{objs: doc2.QPDF[1], warnings: stderr.String()}
	tr, _ := q.objs["trailer"].(map[string]any)
	q.trailer, _ = tr["value"].(map[string]any)
	return q, ""
}

// maxDiffObjects bounds the objects one comparison visits.
const maxDiffObjects = 200000

// graphDiff compares kyso's reading of doc with qpdf's.
type graphDiff struct {
	rdr  *pdf.Reader
	doc  []byte
	q    *qpdfReading
	seen map[uint32]bool
	todo []pdf.Ptr
}

// diffReadings returns the first difference between kyso's reading rdr of
// doc and qpdf's, walking from the catalog, or "".
func diffReadings(rdr *pdf.Reader, doc []byte, q *qpdfReading) string {
	g := &graphDiff{rdr: rdr, doc: doc, q: q, seen: map[uint32]bool{}}
	root, ok := rdr.Trailer().KeyRef("Root")
	qroot, _ := q.trailer["/Root"].(string)
	if !ok || qroot != fmt.Sprintf("%d %d R", root.GetID(), root.GetGen()) {
		return fmt.Sprintf("trailer /Root: kyso %v, qpdf %q", root, qroot)
	}
	g.push(root)
	for len(g.todo) > 0 {
		if len(g.seen) > maxDiffObjects {
			return ""
		}
		p := g.todo[len(g.todo)-1]
		g.todo = g.todo[:len(g.todo)-1]
		if d := g.object(p); d != "" {
			return d
		}
	}
	return ""
}

func (g *graphDiff) push(p pdf.Ptr) {
	if !g.seen[p.GetID()] {
		g.seen[p.GetID()] = true
		g.todo = append(g.todo, p)
	}
}

// object compares object p.
func (g *graphDiff) object(p pdf.Ptr) string {
	where := fmt.Sprintf("object %d %d", p.GetID(), p.GetGen())
	var kv pdf.Value // null unless the reference resolves
	if x := g.rdr.Xref(); int(p.GetID()) < len(x) && x[p.GetID()].Ptr() == p {
		kv, _ = g.rdr.GetObject(p.GetID())
	}
	if err := kv.Err(); err != nil {
		return fmt.Sprintf("%s: kyso cannot read it: %v", where, err)
	}
	qo, ok := g.q.objs[fmt.Sprintf("obj:%d %d R", p.GetID(), p.GetGen())].(map[string]any)
	if !ok {
		if kv.Kind() != pdf.Null {
			return fmt.Sprintf("%s: qpdf has no such object, kyso reads %s", where, kv)
		}
		return ""
	}
	if s, ok := qo["stream"].(map[string]any); ok {
		if kv.Kind() != pdf.Stream {
			return fmt.Sprintf("%s: qpdf reads a stream, kyso %s", where, kv)
		}
		if d := g.dict(where, kv, s["dict"], true); d != "" {
			return d
		}
		data, _ := s["data"].(string)
		want, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return fmt.Sprintf("%s: qpdf's data: %v", where, err)
		}
		off, n := kv.StreamOffset(), kv.Key("Length").Int64()
		if off < 0 || n < 0 || off+n > int64(len(g.doc)) || !bytes.Equal(g.doc[off:off+n], want) {
			return fmt.Sprintf("%s: stream data differ: kyso %d bytes at %d, qpdf %d bytes", where, n, off, len(want))
		}
		return ""
	}
	return g.value(where, kv, qo["value"])
}

// dict compares a dictionary (or a stream's, without /Length) with qpdf's.
func (g *graphDiff) dict(where string, kv pdf.Value, qv any, stream bool) string {
	qd, ok := qv.(map[string]any)
	if !ok {
		return fmt.Sprintf("%s: kyso reads a dictionary, qpdf %v", where, qv)
	}
	keys := map[string]bool{}
	for _, k := range kv.Keys() {
		if stream && k == "Length" {
			continue
		}
		if _, ref := kv.KeyRef(k); !ref && kv.Key(k).Kind() == pdf.Null {
			continue // a null entry is no entry (ISO 32000-1, 7.3.7)
		}
		keys["/"+k] = true
	}
	for k, v := range qd {
		if v != nil && !keys[k] {
			if n := nameOf(k); !keys["/"+n] {
				return fmt.Sprintf("%s: qpdf has %s, kyso does not", where, k)
			}
		}
	}
	for k := range keys {
		name := k[1:]
		qk := k
		if _, ok := qd[qk]; !ok {
			qk = qpdfName(name)
		}
		w := where + " " + k
		if p, ok := kv.KeyRef(name); ok {
			if d := g.ref(w, p, qd[qk]); d != "" {
				return d
			}
			continue
		}
		if d := g.value(w, kv.Key(name), qd[qk]); d != "" {
			return d
		}
	}
	return ""
}

func (g *graphDiff) ref(where string, p pdf.Ptr, qv any) string {
	if qv == nil {
		// qpdf writes a reference to an object that does not exist as
		// null; kyso's must resolve to null too.
		var kv pdf.Value
		if x := g.rdr.Xref(); int(p.GetID()) < len(x) && x[p.GetID()].Ptr() == p {
			kv, _ = g.rdr.GetObject(p.GetID())
		}
		if kv.Err() != nil || kv.Kind() != pdf.Null {
			return fmt.Sprintf("%s: kyso reads %d %d R, %.100s; qpdf null", where, p.GetID(), p.GetGen(), kv)
		}
		return ""
	}
	s, _ := qv.(string)
	if s != fmt.Sprintf("%d %d R", p.GetID(), p.GetGen()) {
		return fmt.Sprintf("%s: kyso reads %d %d R, qpdf %v", where, p.GetID(), p.GetGen(), qv)
	}
	g.push(p)
	return ""
}

// value compares a direct value with qpdf's.
func (g *graphDiff) value(where string, kv pdf.Value, qv any) string {
	if err := kv.Err(); err != nil {
		return fmt.Sprintf("%s: kyso cannot read it: %v", where, err)
	}
	bad := func() string { return fmt.Sprintf("%s: kyso reads %.200s, qpdf %.200v", where, kv, qv) }
	switch kv.Kind() {
	case pdf.Null:
		if qv != nil {
			return bad()
		}
	case pdf.Bool:
		if b, ok := qv.(bool); !ok || b != kv.Bool() {
			return bad()
		}
	case pdf.Integer, pdf.Real:
		n, ok := qv.(json.Number)
		if !ok {
			return bad()
		}
		f, err := n.Float64()
		k := kv.Float64()
		if kv.Kind() == pdf.Integer {
			k = float64(kv.Int64())
		}
		if err != nil || math.Abs(f-k) > 1e-6*max(1, math.Abs(k)) {
			return bad()
		}
	case pdf.Name:
		s, ok := qv.(string)
		if !ok || s != "/"+jsonText(kv.Name()) && s != qpdfName(kv.Name()) {
			return bad()
		}
	case pdf.String:
		s, ok := qv.(string)
		if !ok || !sameString(kv, s) {
			return bad()
		}
	case pdf.Array:
		qa, ok := qv.([]any)
		if !ok || len(qa) != kv.Len() {
			return bad()
		}
		for i := range qa {
			w := fmt.Sprintf("%s[%d]", where, i)
			if p, ok := kv.IndexRef(i); ok {
				if d := g.ref(w, p, qa[i]); d != "" {
					return d
				}
			} else if d := g.value(w, kv.Index(i), qa[i]); d != "" {
				return d
			}
		}
	case pdf.Dict:
		return g.dict(where, kv, qv, false)
	default:
		return bad()
	}
	return ""
}

// sameString compares kyso's string with qpdf's: "b:" and hex bytes, or
// "u:" and the text the bytes encode (UTF-16 or UTF-8 with a byte order
// mark, else PDFDocEncoding).
func sameString(kv pdf.Value, q string) bool {
	raw := kv.RawString()
	switch {
	case strings.HasPrefix(q, "b:"):
		b, err := hex.DecodeString(q[2:])
		return err == nil && string(b) == raw
	case strings.HasPrefix(q, "u:"):
		u := q[2:]
		switch {
		case strings.HasPrefix(raw, "\xef\xbb\xbf"):
			return raw[3:] == u
		case strings.HasPrefix(raw, "\xff\xfe") && len(raw)%2 == 0:
			var w []uint16
			for i := 2; i < len(raw); i += 2 {
				w = append(w, uint16(raw[i])|uint16(raw[i+1])<<8)
			}
			return string(utf16.Decode(w)) == u
		}
		return kv.Text() == u || raw == u
	}
	return false
}

// jsonText is s as a JSON decoder returns it when qpdf writes its bytes
// as they are: each byte that is not UTF-8 becomes U+FFFD.
func jsonText(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // an invalid byte ranges as utf8.RuneError
	}
	return b.String()
}

// qpdfName writes a name as qpdf's JSON does when it is not UTF-8.
func qpdfName(n string) string {
	var b strings.Builder
	b.WriteString("n:/")
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || strings.IndexByte("#()<>[]{}/%", c) >= 0 {
			fmt.Fprintf(&b, "#%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// nameOf reads a qpdf JSON name ("/N" or "n:/N#xx").
func nameOf(q string) string {
	if !strings.HasPrefix(q, "n:/") {
		return strings.TrimPrefix(q, "/")
	}
	var b []byte
	s := q[3:]
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(v))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

// diffFile runs the differential test on one document, at the end of
// the file and of each signed revision.
// An honest file (mayBeAmbiguous false) must also be read unambiguously.
func diffFile(t *testing.T, doc []byte, mayBeAmbiguous bool) {
	t.Helper()
	docs := newReadings(bytes.NewReader(doc), nil, int64(len(doc)))
	fin := docs.open(int64(len(doc)))
	if fin.rdr == nil {
		// kyso cannot read the file at all: VerifyPDF refuses it.
		if _, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), Options{}); !errors.Is(err, ErrUnreadable) {
			t.Fatalf("kyso cannot read the file, but VerifyPDF = %v", err)
		}
		return
	}
	ends := []int64{int64(len(doc))}
	sigs, _ := findSignatures(fin.rdr)
	for _, s := range sigs {
		if s.checkByteRange(bytes.NewReader(doc), int64(len(doc))) == nil && s.coverEnd < int64(len(doc)) {
			ends = append(ends, s.coverEnd)
		}
	}
	var rep *Report
	for _, end := range ends {
		rd := docs.open(end)
		why := ""
		if rd.rdr == nil {
			why = rd.err.Error()
		} else {
			why = docs.ambiguity(rd)
		}
		if why == "" {
			// qpdf runs only here: on an ambiguous file its reading
			// does not matter (and it takes seconds over some).
			q, qerr := readQPDF(t, doc[:end])
			diff := "qpdf cannot read it: " + qerr
			if q != nil {
				diff = diffReadings(rd.rdr, doc[:end], q)
			}
			if diff != "" {
				t.Errorf("the first %d bytes: kyso's reading is not qpdf's and kyso does not find it ambiguous: %s", end, diff)
			}
			if q == nil || !strings.Contains(q.warnings, "reconstruct") {
				continue
			}
			// qpdf repaired the file: even with the same reading, kyso
			// must not say valid.
			why = "qpdf repairs it: " + q.warnings
		}
		if !mayBeAmbiguous {
			t.Errorf("the first %d bytes of an honest file are ambiguous to kyso: %s", end, why)
		}
		// Ambiguous: whatever qpdf reads, kyso must not say valid.
		if rep == nil {
			rep = verifyPDF(t, doc, Options{})
		}
		if rep.Valid {
			t.Errorf("the first %d bytes are ambiguous (%s), yet the document is valid", end, why)
		}
		for _, s := range rep.Signatures {
			if s.Indication == TotalPassed {
				t.Errorf("the first %d bytes are ambiguous (%s), yet signature %s is TOTAL_PASSED", end, why, s.Field)
			}
		}
	}
}

// TestQPDFDifferential runs the differential test on the real-world
// corpus, the repository's test PDFs, documents made by internal/testpdf
// and internal/hostilepdf, kyso-signed documents at every level and the
// attack documents of the cross-reference tests.
func TestQPDFDifferential(t *testing.T) {
	type file struct {
		name           string
		doc            []byte
		mayBeAmbiguous bool
	}
	var files []file
	add := func(name string, doc []byte) {
		// The attacks and hostile files may be ambiguous; and one file of
		// the corpus, whose last /Prev is 0: qpdf reads no page in it,
		// poppler rebuilds its table and shows its pages.
		hostile := strings.HasPrefix(name, "hostile: ") || strings.HasPrefix(name, "attack: ") || strings.HasSuffix(name, "pades-5-signatures-and-1-document-timestamp.pdf")
		files = append(files, file{name, doc, hostile})
	}

	dir := realworldDir(t)
	corpus, _ := filepath.Glob(filepath.Join(dir, "*", "*.pdf"))
	local, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "*.pdf"))
	padesPDFs, _ := filepath.Glob(filepath.Join("..", "signer", "pades", "testdata", "*.pdf"))
	if len(corpus) < 20 || len(local) == 0 || len(padesPDFs) == 0 {
		t.Fatalf("test PDFs not found: %d in the corpus, %d here, %d in signer/pades", len(corpus), len(local), len(padesPDFs))
	}
	for _, name := range append(append(corpus, local...), padesPDFs...) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		add(name, b)
	}
	add("testpdf 1 page", testpdf.Make(1, 0))
	add("testpdf 3 pages", testpdf.Make(3, 5000))
	for _, c := range hostilepdf.Cases() {
		if c.PDF != nil && len(c.PDF) < 4<<20 {
			add("hostile: "+c.Name, c.PDF)
		}
	}
	for _, c := range hostilepdf.Controls() {
		add("control: "+c.Name, c.PDF)
	}

	p := getPKI(t)
	for _, o := range []struct {
		name string
		opts pades.Options
	}{
		{"B-B", pades.Options{Level: pades.LevelBB}},
		{"B-T certified P=1", pades.Options{Level: pades.LevelBT, Certify: 1}},
		{"B-LT", pades.Options{Level: pades.LevelBLT}},
		{"B-LTA visible", pades.Options{Level: pades.LevelBLTA, Rect: [4]float64{50, 50, 250, 120}}},
	} {
		doc := signPDF(t, p, basePDF(), p.official, o.opts)
		add("kyso "+o.name, doc)
		if o.opts.Certify != 1 {
			add("kyso "+o.name+" signed twice", signPDF(t, p, doc, p.ec, pades.Options{Level: pades.LevelBT}))
		}
	}
	signed := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	n, _, _ := docState(t, signed)
	add("attack: hybrid", appendHybridUpdate(t, signed, forgedPage(5, 2, n+2, true)))
	add("attack: xref stream after a table", appendStreamUpdate(t, signed, forgedPage(5, 2, n+2, true)))
	noEOF := appendUpdate(t, signed, map[int]string{4: contentStream("BT (x) Tj ET")})
	add("attack: update without %%EOF", noEOF[:bytes.LastIndex(noEOF, []byte("%%EOF"))])
	add("attack: definition after %%EOF", append(bytes.Clone(signed), []byte("5 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n")...))
	if hanoi, err := os.ReadFile(filepath.Join(dir, "vn-nom-vn", "hanoi_qd_2280_water.pdf")); err == nil {
		page, parent := firstPage(t, hanoi)
		n, _, _ := docState(t, hanoi)
		add("attack: hanoi hybrid", appendHybridUpdate(t, hanoi, forgedPage(page, parent, n+2, true)))
	}

	for _, f := range files {
		t.Run(f.name, func(t *testing.T) { diffFile(t, f.doc, f.mayBeAmbiguous) })
	}
}
