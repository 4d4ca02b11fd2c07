package verifier

import (
	"strconv"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
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
			hit := func(b box) bool {
				for _, x := range d.boxes {
					if x.overlaps(b, 0) {
						return true
					}
				}
				return false
			}
			for _, b := range tt.in {
				if !hit(b) {
					t.Errorf("%v is not drawn over; boxes %v", b, d.boxes)
				}
			}
			for _, b := range tt.out {
				if hit(b) {
					t.Errorf("%v is drawn over; boxes %v", b, d.boxes)
				}
			}
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
			hit := func(b box) bool {
				for _, x := range d.boxes {
					if x.overlaps(b, 0) {
						return true
					}
				}
				return false
			}
			for _, b := range tt.in {
				if !hit(b) {
					t.Errorf("%v is not drawn over; boxes %v", b, d.boxes)
				}
			}
			for _, b := range tt.out {
				if hit(b) {
					t.Errorf("%v is drawn over; boxes %v", b, d.boxes)
				}
			}
		})
	}
}
