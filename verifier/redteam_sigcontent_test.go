package verifier

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer/pades"
)

// TestPageDrawnPatterns: a path filled or stroked with a tiling pattern
// whose cell shows text or images draws them where the path is, and is
// signed content; a path filled with a colour, or with a pattern whose cell
// draws only paths (a hatch), is not (attacksuite's patternText).
func TestPageDrawnPatterns(t *testing.T) {
	pattern := func(cell string) string {
		return "<< /Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 100 100] /XStep 100 /YStep 100 /Resources << /Font << /F1 3 0 R >> /Pattern << /Self 13 0 R >> >> /Length " +
			strconv.Itoa(len(cell)) + " >>\nstream\n" + cell + "\nendstream"
	}
	objs := map[int]string{
		10: pattern("BT /F1 10 Tf 10 10 Td (KHONG DONG Y) Tj ET"),
		11: pattern("0 0 m 100 100 l S"),
		12: "<< /Type /Pattern /PatternType 2 /Shading << /ShadingType 2 /ColorSpace /DeviceGray /Coords [0 0 1 0] /Function << /FunctionType 2 /Domain [0 1] /C0 [0] /C1 [1] /N 1 >> >> >>",
		13: pattern("/Pattern cs /Self scn 0 0 10 10 re f"),
	}
	tests := []struct {
		name    string
		content string
		in, out []box
	}{
		{"filled with a pattern showing text", "/Pattern cs /Txt scn 50 600 400 40 re f", []box{{60, 610, 70, 620}}, []box{{50, 500, 450, 590}}},
		{"stroked with a pattern showing text", "/Pattern CS /Txt SCN 50 600 m 450 640 l S", []box{{60, 610, 70, 620}}, nil},
		{"stroked with it, but filled", "/Pattern CS /Txt SCN 0 g 50 600 400 40 re f", nil, []box{{50, 600, 450, 640}}},
		{"the pattern replaced by a colour", "/Pattern cs /Txt scn 0.5 g 50 600 400 40 re f", nil, []box{{50, 600, 450, 640}}},
		{"a path ended without painting", "/Pattern cs /Txt scn 50 600 400 40 re n 0 0 m 1 1 l S", nil, []box{{50, 600, 450, 640}}},
		{"a hatch", "/Pattern cs /Hatch scn 50 600 400 40 re f", nil, []box{{50, 600, 450, 640}}},
		{"a shading pattern", "/Pattern cs /Sh scn 50 600 400 40 re f", nil, []box{{50, 600, 450, 640}}},
		{"a pattern that fills with itself", "/Pattern cs /Self scn 50 600 400 40 re f", []box{{60, 610, 70, 620}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := testpdf.Make(1, 0)
			upd := map[int]string{20: plainStream(tt.content)}
			for k, v := range objs {
				upd[k] = v
			}
			upd[5] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /Pattern << /Txt 10 0 R /Hatch 11 0 R /Sh 12 0 R /Self 13 0 R >> >> /Contents 20 0 R >>"
			page, err := mustOpen(t, appendUpdate(t, doc, upd)).GetObject(5)
			if err != nil {
				t.Fatal(err)
			}
			d := pageDrawn(page, ops())
			if d.whole {
				t.Fatalf("whole page drawn, boxes %v", d.boxes)
			}
			checkDrawn(t, d, tt.in, tt.out)
		})
	}
}

// TestPageDrawnType3: what a Type 3 glyph draws is where its procedure
// draws it, within the font's /FontBBox, not only over its advance
// (attacksuite's type3Glyph); a procedure that draws itself makes the page
// whole.
func TestPageDrawnType3(t *testing.T) {
	proc := func(s string) string { return plainStream(s) }
	font := func(bbox, procs string) string {
		return "<< /Type /Font /Subtype /Type3 /FontBBox [" + bbox + "] /FontMatrix [1 0 0 1 0 0] /CharProcs << " + procs +
			" >> /Encoding << /Type /Encoding /Differences [97 /a /b] >> /FirstChar 97 /LastChar 98 /Widths [1 1] /Resources << /Font << /H 3 0 R /Me 12 0 R >> >> >>"
	}
	tests := []struct {
		name    string
		font    string
		in, out []box
		whole   bool
	}{
		{"text 80 points above the origin", font("0 -10 400 100", "/a 11 0 R"), []box{{70, 702, 80, 706}}, []box{{60, 500, 500, 600}}, false},
		{"a path glyph inside its /FontBBox", font("0 0 300 50", "/b 13 0 R"), []box{{200, 660, 210, 665}}, []box{{60, 700, 500, 720}}, false},
		{"a glyph that shows itself", font("0 0 1 1", "/a 14 0 R"), nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := testpdf.Make(1, 0)
			upd := map[int]string{
				20: plainStream("BT /T3 1 Tf 60 620 Td (a) Tj (b) Tj ET"),
				10: tt.font,
				11: proc("1 0 d0 BT /H 12 Tf 0 80 Td (KHONG DONG Y) Tj ET"),
				12: tt.font,
				13: proc("1 0 0 0 300 50 d1 0 0 m 300 50 l S"),
				14: proc("1 0 d0 BT /Me 1 Tf (a) Tj ET"),
			}
			upd[5] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /T3 10 0 R >> >> /Contents 20 0 R >>"
			page, err := mustOpen(t, appendUpdate(t, doc, upd)).GetObject(5)
			if err != nil {
				t.Fatal(err)
			}
			d := pageDrawn(page, ops())
			if d.whole != tt.whole {
				t.Fatalf("whole = %v, want %v (boxes %v)", d.whole, tt.whole, d.boxes)
			}
			checkDrawn(t, d, tt.in, tt.out)
		})
	}
}

// TestTransplantedSignatureTimestamp: the signature time-stamp of one
// signature, copied into the unsigned attributes of another (of another
// document), proves nothing: its imprint is of the other signature value.
// A signer whose certificate has expired since cannot borrow it to have a
// signature made before the expiry: without a time-stamp of its own the
// signature is INDETERMINATE/OUT_OF_BOUNDS_NO_POE, as at level B-B
// (TestKysoExpiredAfterTimestamp), not TOTAL_PASSED.
func TestTransplantedSignatureTimestamp(t *testing.T) {
	p := getPKI(t)
	donor := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	doc := signPDF(t, p, testpdf.Make(1, 700), p.official, pades.Options{Level: pades.LevelBT})
	later := func() time.Time { return p.official.Cert.NotAfter.Add(24 * time.Hour) }

	unsigned := signerInfoField(t, contentsCMS(t, donor), 1)
	if unsigned == nil {
		t.Fatal("the donor's signature has no unsigned attributes")
	}
	forged := bytes.Clone(doc)
	setContentsCMS(t, forged, withSignerInfoField(t, contentsCMS(t, doc), 1, unsigned))
	if bytes.Equal(forged, doc) {
		t.Fatal("the time-stamp was not transplanted")
	}
	s := sigOf(t, verifyPDF(t, forged, Options{Roots: p.roots, Revocation: registry{p}, Now: later}), 0)
	if s.Indication != Indeterminate || s.SubIndication != OutOfBoundsNoPOE {
		t.Fatalf("with a transplanted time-stamp: %s/%s (%s), want INDETERMINATE/OUT_OF_BOUNDS_NO_POE", s.Indication, s.SubIndication, s.Detail)
	}
	if s.ProvenTime != "" {
		t.Errorf("proven time %s from another signature's time-stamp", s.ProvenTime)
	}
	// The control: the same signature with its own time-stamp passes.
	if s := sigOf(t, verifyPDF(t, doc, Options{Roots: p.roots, Revocation: registry{p}, Now: later}), 0); s.Indication != TotalPassed {
		t.Fatalf("with its own time-stamp: %s/%s (%s), want TOTAL_PASSED", s.Indication, s.SubIndication, s.Detail)
	}
}

var lastByteRange = regexp.MustCompile(`/ByteRange\s*\[\s*0\s+([0-9]+)\s+([0-9]+)\s+[0-9]+\s*\]`)

// contentsCMS returns the DER CMS of doc's last signature.
func contentsCMS(t testing.TB, doc []byte) []byte {
	t.Helper()
	ms := lastByteRange.FindAllSubmatch(doc, -1)
	if len(ms) == 0 {
		t.Fatal("no /ByteRange")
	}
	m := ms[len(ms)-1]
	a, _ := strconv.Atoi(string(m[1]))
	b, _ := strconv.Atoi(string(m[2]))
	raw, err := hex.DecodeString(string(doc[a+1 : b-1]))
	if err != nil {
		t.Fatal(err)
	}
	var v asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v.FullBytes
}

// setContentsCMS writes der into doc's last signature's /Contents,
// padded with zeros.
func setContentsCMS(t testing.TB, doc, der []byte) {
	t.Helper()
	ms := lastByteRange.FindAllSubmatch(doc, -1)
	m := ms[len(ms)-1]
	a, _ := strconv.Atoi(string(m[1]))
	b, _ := strconv.Atoi(string(m[2]))
	enc := hex.EncodeToString(der)
	if len(enc) > b-a-2 {
		t.Fatalf("a CMS of %d bytes does not fit /Contents", len(der))
	}
	copy(doc[a+1:], enc)
	for i := a + 1 + len(enc); i < b-1; i++ {
		doc[i] = '0'
	}
}

// children returns the elements of a constructed DER value.
func children(t testing.TB, v asn1.RawValue) []asn1.RawValue {
	t.Helper()
	var out []asn1.RawValue
	for rest := v.Bytes; len(rest) > 0; {
		var c asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// rebuilt returns v with the elements kids.
func rebuilt(t testing.TB, v asn1.RawValue, kids []asn1.RawValue) asn1.RawValue {
	t.Helper()
	var b []byte
	for _, k := range kids {
		b = append(b, k.FullBytes...)
	}
	out, err := asn1.Marshal(asn1.RawValue{Class: v.Class, Tag: v.Tag, IsCompound: true, Bytes: b})
	if err != nil {
		t.Fatal(err)
	}
	var r asn1.RawValue
	if _, err := asn1.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// signerInfoPath walks ContentInfo → [0] → SignedData → signerInfos →
// the first SignerInfo, returning each level.
func signerInfoPath(t testing.TB, cms []byte) []asn1.RawValue {
	t.Helper()
	var ci asn1.RawValue
	if _, err := asn1.Unmarshal(cms, &ci); err != nil {
		t.Fatal(err)
	}
	explicit := children(t, ci)[1]
	sd := children(t, explicit)[0]
	sdKids := children(t, sd)
	sis := sdKids[len(sdKids)-1]
	si := children(t, sis)[0]
	return []asn1.RawValue{ci, explicit, sd, sis, si}
}

// signerInfoField returns the context-specific [tag] element of the first
// SignerInfo of cms ([1]: the unsigned attributes), or nil.
func signerInfoField(t testing.TB, cms []byte, tag int) []byte {
	t.Helper()
	path := signerInfoPath(t, cms)
	for _, c := range children(t, path[4]) {
		if c.Class == asn1.ClassContextSpecific && c.Tag == tag {
			return c.FullBytes
		}
	}
	return nil
}

// withSignerInfoField returns cms whose first SignerInfo's [tag] element
// is field (raw DER), replaced or appended.
func withSignerInfoField(t testing.TB, cms []byte, tag int, field []byte) []byte {
	t.Helper()
	path := signerInfoPath(t, cms)
	var f asn1.RawValue
	if _, err := asn1.Unmarshal(field, &f); err != nil {
		t.Fatal(err)
	}
	var kids []asn1.RawValue
	for _, c := range children(t, path[4]) {
		if c.Class != asn1.ClassContextSpecific || c.Tag != tag {
			kids = append(kids, c)
		}
	}
	si := rebuilt(t, path[4], append(kids, f))
	sis := rebuilt(t, path[3], []asn1.RawValue{si})
	sdKids := children(t, path[2])
	sdKids[len(sdKids)-1] = sis
	sd := rebuilt(t, path[2], sdKids)
	explicit := rebuilt(t, path[1], []asn1.RawValue{sd})
	ciKids := children(t, path[0])
	ciKids[1] = explicit
	return rebuilt(t, path[0], ciKids).FullBytes
}

// TestLaterSignatureNotTimestamp: the widget of a signature field signed
// after the signed revision is a later signature's appearance (accepted
// over signed content when that signature is valid and of the signer's
// organisation), but the widget of a document time-stamp is not: a TSA
// vouches for no drawing, and kyso's own TSA names kyso's organisation.
func TestLaterSignatureNotTimestamp(t *testing.T) {
	pre := testpdf.Make(1, 0)
	for _, tc := range []struct {
		name, value string
		want        string
	}{
		{"a signature", "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <00> >>", "Later"},
		{"a document time-stamp", "<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [0 1 2 3] /Contents <00> >>", ""},
		{"a time-stamp sub-filter without /Type", "<< /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [0 1 2 3] /Contents <00> >>", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fin := appendUpdate(t, pre, map[int]string{
				30: tc.value,
				31: "<< /FT /Sig /T (Later) /Type /Annot /Subtype /Widget /Rect [50 600 450 640] /V 30 0 R >>",
			})
			d := &differ{pre: mustOpen(t, pre), fin: mustOpen(t, fin)}
			w, err := d.fin.GetObject(31)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.laterSignature(w); got != tc.want {
				t.Errorf("laterSignature = %q, want %q", got, tc.want)
			}
		})
	}
}
