package appearance

import (
	"bytes"
	"compress/zlib"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"

	"github.com/kyso-vn/kyso/internal/visualtest"
)

func TestMaskCCCD(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"001234562345", "********2345", nil},
		{"0012 3456 2345", "********2345", nil},
		{"123456789", "*****6789", nil}, // a 9-digit CMND
		{"", "", ErrInvalidData},
		{"12345", "", ErrInvalidData},
		{"0012345623456", "", ErrInvalidData},
		{"00123456234a", "", ErrInvalidData},
		{"００１２３４５６２３４５", "", ErrInvalidData}, // full-width digits
		{"CCCD:001234562345", "", ErrInvalidData},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := MaskCCCD(tc.in)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("MaskCCCD(%q) = %q, %v, want %q, %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 11, 23, 12, 5, 0, 0, time.UTC), "2026-11-23T19:05:00+07:00"},
		{time.Date(2026, 11, 23, 19, 5, 0, 999_999_999, vietnam), "2026-11-23T19:05:00+07:00"}, // seconds precision
		{time.Date(2026, 12, 31, 18, 30, 0, 0, time.UTC), "2027-01-01T01:30:00+07:00"},         // next day, next year
		{time.Date(2026, 6, 1, 0, 0, 0, 0, paris), "2026-06-01T06:00:00+07:00"},
	} {
		if got := FormatTime(tc.in); got != tc.want {
			t.Errorf("FormatTime(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// The zone is Vietnam's, whatever the host's.
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		tm := time.Date(2026, 11, 23, 12, 5, 0, 0, time.UTC)
		if got, want := FormatTime(tm), tm.In(loc).Format(time.RFC3339); got != want {
			t.Errorf("FormatTime(%v) = %q, want %q (Asia/Ho_Chi_Minh)", tm, got, want)
		}
	}
}

func TestCleanText(t *testing.T) {
	nfd := norm.NFD.String("Nguyễn Văn An")
	if len(nfd) == len("Nguyễn Văn An") {
		t.Fatal("test input is not decomposed")
	}
	for _, tc := range []struct {
		name, in, want string
		err            error
	}{
		{"NFC stays", "Nguyễn Văn An", "Nguyễn Văn An", nil},
		{"NFD composed", nfd, "Nguyễn Văn An", nil},
		{"spaces folded", "  Ủy ban\t nhân\n\ndân ", "Ủy ban nhân dân", nil},
		{"no-break space", "Hà\u00a0Nội", "Hà Nội", nil},
		{"empty", "", "", nil},
		{"control", "Hà\x00Nội", "", ErrInvalidData},
		{"bidi override", "Hà\u202eNội", "", ErrInvalidData},
		{"zero width joiner", "Hà\u200dNội", "", ErrInvalidData},
		{"invalid UTF-8", "H\xffa", "", ErrInvalidData},
		{"too long", strings.Repeat("a", MaxTextLen+1), "", ErrInvalidData},
		{"longest", strings.Repeat("ễ", MaxTextLen), strings.Repeat("ễ", MaxTextLen), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cleanText("f", tc.in)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("cleanText(%q) = %q, %v, want %q, %v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

// TestVietnameseGlyphs checks that the embedded font has a glyph for every
// precomposed Vietnamese letter and the đ/Đ, so NFC text never falls back.
func TestVietnameseGlyphs(t *testing.T) {
	fc, err := loadFace()
	if err != nil {
		t.Fatal(err)
	}
	var letters []rune
	for _, base := range "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY" {
		for _, tone := range []string{"", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"} {
			s := norm.NFC.String(string(base) + tone)
			if r := []rune(s); len(r) != 1 {
				t.Fatalf("%q + %U does not compose", base, []rune(tone)[0])
			} else {
				letters = append(letters, r[0])
			}
		}
	}
	letters = append(letters, 'đ', 'Đ')
	if len(letters) != 2*12*6+2 {
		t.Fatalf("%d letters, want %d", len(letters), 2*12*6+2)
	}
	var buf sfnt.Buffer
	for _, r := range letters {
		gs, err := fc.shape(&buf, string(r))
		if err != nil {
			t.Errorf("shape(%q) = %v", r, err)
			continue
		}
		if gs[0].adv <= 0 || gs[0].top <= 0 {
			t.Errorf("shape(%q) = %+v, want a visible glyph", r, gs[0])
		}
	}
	if _, err := fc.shape(&buf, "漢"); !errors.Is(err, ErrInvalidData) {
		t.Errorf("shape(%q) = %v, want %v", "漢", err, ErrInvalidData)
	}
}

// recorder is an ObjectWriter that keeps the objects.
type recorder struct{ objs [][]byte }

func (r *recorder) AddObject(object []byte) (uint32, error) {
	r.objs = append(r.objs, slices.Clone(object))
	return uint32(len(r.objs) + 100), nil
}

// failingWriter fails on the n-th object.
type failingWriter struct{ n int }

var errWrite = errors.New("write failed")

func (f *failingWriter) AddObject([]byte) (uint32, error) {
	if f.n--; f.n < 0 {
		return 0, errWrite
	}
	return 1, nil
}

// TestRenderNFC: decomposed input renders to exactly the same PDF objects as
// precomposed input.
func TestRenderNFC(t *testing.T) {
	for _, tp := range []Template{TemplateLeader, TemplateSeal, TemplateCitizen} {
		t.Run(string(tp), func(t *testing.T) {
			d := Data{SignerName: "Nguyễn Văn An", Title: "Phó Chủ tịch Thường trực", Organization: hanoi,
				CCCD: "001234562345", SigningTime: signedAt, Reason: "Đồng ý", Location: "Hà Nội"}
			nfd := d
			nfd.SignerName, nfd.Title, nfd.Organization = norm.NFD.String(d.SignerName), norm.NFD.String(d.Title), norm.NFD.String(d.Organization)
			nfd.Reason, nfd.Location = norm.NFD.String(d.Reason), norm.NFD.String(d.Location)
			var a, b recorder
			fa, err := Render(&a, tp, d, 220, 90)
			if err != nil {
				t.Fatalf("Render(NFC) = %v", err)
			}
			fb, err := Render(&b, tp, nfd, 220, 90)
			if err != nil {
				t.Fatalf("Render(NFD) = %v", err)
			}
			if !bytes.Equal(fa, fb) || !slices.EqualFunc(a.objs, b.objs, bytes.Equal) {
				t.Errorf("Render(NFD) differs from Render(NFC)")
			}
		})
	}
}

// TestRenderObjects checks the structure of what Render writes: the Type0
// font with its CIDFont, descriptor, program and ToUnicode CMap, and the
// Form XObject that refers to it.
func TestRenderObjects(t *testing.T) {
	var w recorder
	form, err := Render(&w, TemplateCitizen, Data{SignerName: "Lê Thị Ữ", CCCD: "001234562345", SigningTime: signedAt}, 200, 60)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.objs) != 5 {
		t.Fatalf("Render wrote %d objects, want 5 (font program, descriptor, CIDFont, ToUnicode, Type0)", len(w.objs))
	}
	for i, want := range [][]string{
		{"/Filter /FlateDecode", "/Length1 "},
		{"/Type /FontDescriptor", "+DejaVuSans", "/FontFile2 101 0 R"},
		{"/Subtype /CIDFontType2", "/CIDToGIDMap /Identity", "/W [", "/Registry (Adobe) /Ordering (Identity)", "/FontDescriptor 102 0 R"},
		{"/Filter /FlateDecode"},
		{"/Subtype /Type0", "/Encoding /Identity-H", "/DescendantFonts [103 0 R]", "/ToUnicode 104 0 R"},
	} {
		for _, s := range want {
			if !bytes.Contains(w.objs[i], []byte(s)) {
				t.Errorf("object %d = %.200q, want it to contain %q", i, w.objs[i], s)
			}
		}
	}
	for _, s := range []string{"/Type /XObject", "/Subtype /Form", "/BBox [0 0 200 60]", "/Resources << /Font << /F1 105 0 R >> >>"} {
		if !bytes.Contains(form, []byte(s)) {
			t.Errorf("form = %.300q, want it to contain %q", form, s)
		}
	}

	// The ToUnicode CMap maps the glyph of Ữ (U+1EEE) back to it.
	cmap := streamData(t, w.objs[3])
	fc, _ := loadFace()
	var buf sfnt.Buffer
	gid, _ := fc.font.GlyphIndex(&buf, 'Ữ')
	if want := []byte(strings.ToUpper(strconv.FormatUint(uint64(gid), 16))); !regexp.MustCompile(`<0*` + string(want) + `> <1EEE>`).Match(cmap) {
		t.Errorf("ToUnicode CMap has no mapping of glyph %d to U+1EEE:\n%s", gid, cmap)
	}

	// The embedded program is a small subset that keeps the used glyphs.
	program := streamData(t, w.objs[0])
	t.Logf("font program: %d bytes, %d compressed (full font %d bytes)", len(program), len(w.objs[0]), len(dejaVuSans))
	if len(program) > 100_000 {
		t.Errorf("font program is %d bytes, want a subset", len(program))
	}
}

// streamData returns the decompressed data of a FlateDecode stream object.
func streamData(t *testing.T, obj []byte) []byte {
	t.Helper()
	_, data, ok := bytes.Cut(obj, []byte("\nstream\n"))
	if !ok {
		t.Fatalf("not a stream: %.100q", obj)
	}
	data = bytes.TrimSuffix(data, []byte("\nendstream"))
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSubset checks the subset program against the original font: kept
// glyphs (and composite components) have the same outlines and advances,
// dropped ones are empty, and the checksums are right.
func TestSubset(t *testing.T) {
	fc, err := loadFace()
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	var keep []uint16
	for _, r := range "Ủy ban nhân dân ỨỮỰ" {
		g, _ := fc.font.GlyphIndex(&buf, r)
		keep = append(keep, uint16(g))
	}
	sub, err := subsetTrueType(dejaVuSans, keep)
	if err != nil {
		t.Fatal(err)
	}
	if got := checksum(sub); got != 0xB1B0AFBA {
		t.Errorf("font checksum = %#x, want 0xB1B0AFBA", got)
	}
	tables, err := readTables(sub)
	if err != nil {
		t.Fatal(err)
	}
	for tag, data := range tables {
		if tag != "head" && checksum(data) != tableChecksum(sub, tag) {
			t.Errorf("table %q checksum mismatch", tag)
		}
	}
	// sfnt needs a cmap, OS/2 and post to parse; borrow the original's.
	orig, _ := readTables(dejaVuSans)
	tables["cmap"], tables["OS/2"], tables["post"] = orig["cmap"], orig["OS/2"], orig["post"]
	f, err := sfnt.Parse(writeTables(tables))
	if err != nil {
		t.Fatalf("sfnt.Parse(subset) = %v", err)
	}
	ppem := fixed.I(int(fc.upem))
	for _, id := range keep {
		a, err1 := fc.font.LoadGlyph(&buf, sfnt.GlyphIndex(id), ppem, nil)
		a = slices.Clone(a)
		b, err2 := f.LoadGlyph(&buf, sfnt.GlyphIndex(id), ppem, nil)
		if err1 != nil || err2 != nil || !slices.Equal(a, b) || len(a) == 0 && id != 3 {
			t.Errorf("glyph %d: outline differs in the subset (%v, %v)", id, err1, err2)
		}
		wa, _ := fc.font.GlyphAdvance(&buf, sfnt.GlyphIndex(id), ppem, 0)
		wb, _ := f.GlyphAdvance(&buf, sfnt.GlyphIndex(id), ppem, 0)
		if wa != wb {
			t.Errorf("glyph %d: advance %v in the subset, want %v", id, wb, wa)
		}
	}
	x, _ := fc.font.GlyphIndex(&buf, 'x') // not kept
	if segs, err := f.LoadGlyph(&buf, x, ppem, nil); err != nil || len(segs) != 0 {
		t.Errorf("dropped glyph %d: %d segments, %v; want none", x, len(segs), err)
	}
}

// tableChecksum returns the checksum recorded in the table directory.
func tableChecksum(font []byte, tag string) uint32 {
	n := int(font[4])<<8 | int(font[5])
	for i := range n {
		rec := font[12+16*i:]
		if string(rec[:4]) == tag {
			return uint32(rec[4])<<24 | uint32(rec[5])<<16 | uint32(rec[6])<<8 | uint32(rec[7])
		}
	}
	return 0
}

// TestLayoutFits: whatever the box, the laid-out text stays inside it, and
// the size shrinks as the box does.
func TestLayoutFits(t *testing.T) {
	fc, err := loadFace()
	if err != nil {
		t.Fatal(err)
	}
	paras := []para{
		{text: "Ủy ban nhân dân Thành phố Hà Nội", scale: 1.1, bold: true},
		{text: "Thời gian ký: " + signedAtISO, scale: 1},
	}
	prev := math.Inf(1)
	for _, w := range []float64{400, 300, 200, 150, 120, 100, 80} {
		for _, h := range []float64{200, 60, 40, 25} {
			p := &page{face: fc, used: map[sfnt.GlyphIndex]rune{}}
			tb, err := p.layoutText(paras, w, h, 12)
			if err != nil {
				if !errors.Is(err, ErrTooSmall) {
					t.Errorf("layoutText(%gx%g) = %v, want nil or %v", w, h, err, ErrTooSmall)
				}
				continue
			}
			if tb.height > h {
				t.Errorf("layoutText(%gx%g): height %g", w, h, tb.height)
			}
			size := tb.lines[0].size / 1.1
			if size < MinFontSize-1e-9 || size > 12 {
				t.Errorf("layoutText(%gx%g): size %g outside [%g, 12]", w, h, size, MinFontSize)
			}
			for _, l := range tb.lines {
				lw := l.width
				if tb.paras[l.para].bold {
					lw += boldStroke * l.size
				}
				if lw > w+1e-9 {
					t.Errorf("layoutText(%gx%g): line %q is %g wide", w, h, runes(l.gs), lw)
				}
			}
			if h == 40 {
				if size > prev+1e-9 {
					t.Errorf("layoutText(%gx%g): size %g grew from %g in a wider box", w, h, size, prev)
				}
				prev = size
			}
		}
	}
	// Wrapped lines are balanced and keep every word.
	p := &page{face: fc, used: map[sfnt.GlyphIndex]rune{}}
	tb, err := p.layoutText([]para{{text: "Sở Tư pháp Thành phố Hà Nội", scale: 1}}, 110, 200, 11)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range tb.lines {
		lines = append(lines, runes(l.gs))
	}
	if got, want := strings.Join(lines, "|"), "Sở Tư pháp|Thành phố Hà Nội"; got != want {
		t.Errorf("layoutText wrapped %q, want %q", got, want)
	}
}

func runes(gs []glyph) string {
	var b strings.Builder
	for _, g := range gs {
		b.WriteRune(g.r)
	}
	return b.String()
}

// TestRenderTooSmall: text that cannot fit at MinFontSize is an error, never
// an overflow.
func TestRenderTooSmall(t *testing.T) {
	d := Data{SignerName: "Nguyễn Văn An", Organization: hanoi, CCCD: "001234562345", SigningTime: signedAt}
	for _, tc := range []struct {
		tp   Template
		w, h float64
	}{
		{TemplateLeader, 20, 10},
		{TemplateSeal, 40, 40},
		{TemplateCitizen, 100, 15},
	} {
		if _, err := Render(&recorder{}, tc.tp, d, tc.w, tc.h); !errors.Is(err, ErrTooSmall) {
			t.Errorf("Render(%s, %gx%g) = %v, want %v", tc.tp, tc.w, tc.h, err, ErrTooSmall)
		}
	}
	for _, size := range [][2]float64{{0, 50}, {-10, 50}, {50, 0}, {math.NaN(), 50}, {math.Inf(1), 50}, {20000, 50}} {
		if _, err := Render(&recorder{}, TemplateCitizen, d, size[0], size[1]); !errors.Is(err, ErrInvalidData) {
			t.Errorf("Render(citizen, %gx%g) = %v, want %v", size[0], size[1], err, ErrInvalidData)
		}
	}
}

func TestRenderInvalidData(t *testing.T) {
	ok := Data{SignerName: "Nguyễn Văn An", Organization: hanoi, CCCD: "001234562345", SigningTime: signedAt}
	for _, tc := range []struct {
		name   string
		tp     Template
		change func(*Data)
		err    error
	}{
		{"unknown template", "stamp", func(*Data) {}, ErrUnknownTemplate},
		{"empty template", "", func(*Data) {}, ErrUnknownTemplate},
		{"leader without name", TemplateLeader, func(d *Data) { d.SignerName = " \t" }, ErrInvalidData},
		{"seal without organization", TemplateSeal, func(d *Data) { d.Organization = "" }, ErrInvalidData},
		{"seal without time", TemplateSeal, func(d *Data) { d.SigningTime = time.Time{} }, ErrInvalidData},
		{"citizen without CCCD", TemplateCitizen, func(d *Data) { d.CCCD = "" }, ErrInvalidData},
		{"citizen bad CCCD", TemplateCitizen, func(d *Data) { d.CCCD = "0012345623" }, ErrInvalidData},
		{"citizen without time", TemplateCitizen, func(d *Data) { d.SigningTime = time.Time{} }, ErrInvalidData},
		{"citizen with image", TemplateCitizen, func(d *Data) { d.Image = visualtest.SealImage(t) }, ErrInvalidData},
		{"character not in font", TemplateLeader, func(d *Data) { d.SignerName = "Nguyễn 漢" }, ErrInvalidData},
		{"format character", TemplateSeal, func(d *Data) { d.Organization = "Hà\u202eNội" }, ErrInvalidData},
		{"control character", TemplateCitizen, func(d *Data) { d.Reason = "a\x07b" }, ErrInvalidData},
		{"title too long", TemplateLeader, func(d *Data) { d.Title = strings.Repeat("x", MaxTextLen+1) }, ErrInvalidData},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.change(&d)
			if _, err := Render(&recorder{}, tc.tp, d, 200, 80); !errors.Is(err, tc.err) {
				t.Errorf("Render = %v, want %v", err, tc.err)
			}
		})
	}
	if _, err := Render(nil, TemplateSeal, ok, 200, 80); err == nil {
		t.Error("Render(nil writer) = nil, want an error")
	}
}

func TestRenderBadImage(t *testing.T) {
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black}), nil); err != nil {
		t.Fatal(err)
	}
	good := visualtest.SealImage(t)
	for _, tc := range []struct {
		name string
		img  []byte
	}{
		{"not an image", []byte("%PDF-1.7 not an image")},
		{"GIF", gifData.Bytes()},
		{"truncated PNG", good[:len(good)/2]},
		{"too wide", encodePNG(t, image.NewGray(image.Rect(0, 0, MaxImageSide+1, 1)))},
		{"too tall", encodePNG(t, image.NewGray(image.Rect(0, 0, 1, MaxImageSide+1)))},
		{"too many bytes", append(slices.Clone(good), make([]byte, MaxImageBytes)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Data{Organization: hanoi, SigningTime: signedAt, Image: tc.img}
			if _, err := Render(&recorder{}, TemplateSeal, d, 200, 80); !errors.Is(err, ErrInvalidImage) {
				t.Errorf("Render = %v, want %v", err, ErrInvalidImage)
			}
		})
	}
	// The limits are inclusive.
	for _, r := range []image.Rectangle{image.Rect(0, 0, MaxImageSide, 8), image.Rect(0, 0, 8, MaxImageSide)} {
		img := encodePNG(t, image.NewGray(r))
		if _, err := Render(&recorder{}, TemplateLeader, Data{SignerName: "An", Image: img}, 200, 80); err != nil {
			t.Errorf("Render(%v image) = %v", r.Size(), err)
		}
	}
}

// TestImageDownsample: images larger than maxEmbedSide are shrunk with a box
// filter on premultiplied samples, so a transparent pixel's colour does not
// bleed into its opaque neighbour.
func TestImageDownsample(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2*maxEmbedSide, 3))
	for x := 0; x < img.Rect.Dx(); x += 2 {
		for y := range 3 {
			img.SetNRGBA(x, y, color.NRGBA{R: 200, G: 10, B: 20, A: 255})
			img.SetNRGBA(x+1, y, color.NRGBA{R: 0, G: 255, B: 0, A: 0}) // transparent green
		}
	}
	d, err := decodeImage(encodePNG(t, img))
	if err != nil {
		t.Fatal(err)
	}
	if d.w != maxEmbedSide || d.h != 2 {
		t.Fatalf("decodeImage: %dx%d, want %dx2", d.w, d.h, maxEmbedSide)
	}
	if got, want := [3]byte(d.rgb[:3]), [3]byte{200, 10, 20}; got != want {
		t.Errorf("downsampled colour = %v, want %v", got, want)
	}
	// The last row averages one source row: the same colour, the same alpha.
	if got := [2]byte{d.alpha[0], d.alpha[len(d.alpha)-1]}; got != [2]byte{128, 128} {
		t.Errorf("downsampled alpha = %v, want [128 128]", got)
	}
}

func TestImageObjects(t *testing.T) {
	// Opaque JPEG-like content: no soft mask.
	opaque := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range opaque.Pix {
		opaque.Pix[i] = 0xff
	}
	var w recorder
	if _, err := Render(&w, TemplateLeader, Data{SignerName: "An", Image: encodePNG(t, opaque)}, 200, 80); err != nil {
		t.Fatal(err)
	}
	images := 0
	for _, o := range w.objs {
		if bytes.Contains(o, []byte("/Subtype /Image")) {
			images++
			if bytes.Contains(o, []byte("/SMask")) {
				t.Errorf("opaque image has a soft mask: %.200q", o)
			}
			if got := streamData(t, o); len(got) != 3*2*3 {
				t.Errorf("image data is %d bytes, want %d", len(got), 3*2*3)
			}
		}
	}
	if images != 1 {
		t.Errorf("%d image objects, want 1", images)
	}

	// JPEG is decoded too (and re-encoded as Flate RGB).
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, opaque, nil); err != nil {
		t.Fatal(err)
	}
	w = recorder{}
	if _, err := Render(&w, TemplateSeal, Data{Organization: hanoi, SigningTime: signedAt, Image: jpg.Bytes()}, 200, 80); err != nil {
		t.Fatalf("Render(JPEG) = %v", err)
	}
	if o := w.objs[len(w.objs)-1]; !bytes.Contains(o, []byte("/Subtype /Image")) || bytes.Contains(o, []byte("/SMask")) {
		t.Errorf("JPEG image object = %.200q, want an opaque image", o)
	}

	// Transparency: a soft mask, written before the image that refers to it.
	w = recorder{}
	if _, err := Render(&w, TemplateSeal, Data{Organization: hanoi, SigningTime: signedAt, Image: visualtest.SealImage(t)}, 200, 80); err != nil {
		t.Fatal(err)
	}
	var mask, img int
	for i, o := range w.objs {
		switch {
		case bytes.Contains(o, []byte("/ColorSpace /DeviceGray")):
			mask = i + 101
		case bytes.Contains(o, []byte("/ColorSpace /DeviceRGB")):
			img = i + 101
			if want := "/SMask " + strconv.Itoa(mask) + " 0 R"; mask == 0 || !bytes.Contains(o, []byte(want)) {
				t.Errorf("image object = %.300q, want %q", o, want)
			}
		}
	}
	if img == 0 {
		t.Error("no image object")
	}
}

// TestRenderDeterministic: a writer may call the renderer more than once
// for one signature (pdfsign's retries the incremental update when the
// signature does not fit); output must not vary.
func TestRenderDeterministic(t *testing.T) {
	d := Data{Organization: hanoi, SigningTime: signedAt, Image: visualtest.SealImage(t)}
	var a, b recorder
	fa, errA := Render(&a, TemplateSeal, d, 240, 90)
	fb, errB := Render(&b, TemplateSeal, d, 240, 90)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !bytes.Equal(fa, fb) || !slices.EqualFunc(a.objs, b.objs, bytes.Equal) {
		t.Error("two Render calls with the same input differ")
	}

	// Concurrent calls share the parsed font (run with -race).
	var wg sync.WaitGroup
	forms := make([][]byte, 8)
	for i := range forms {
		wg.Go(func() {
			forms[i], _ = Render(&recorder{}, TemplateSeal, d, 240, 90)
		})
	}
	wg.Wait()
	for i, f := range forms {
		if !bytes.Equal(f, fa) {
			t.Errorf("concurrent Render %d differs", i)
		}
	}
}

func TestRenderWriterError(t *testing.T) {
	d := Data{SignerName: "An", Image: visualtest.SealImage(t)}
	for n := range 7 { // font: 5 objects; image: 2
		if _, err := Render(&failingWriter{n: n}, TemplateLeader, d, 200, 80); !errors.Is(err, errWrite) {
			t.Errorf("Render with a writer failing at object %d = %v, want %v", n, err, errWrite)
		}
	}
}

func TestNum(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {-0.0001, "0"}, {1, "1"}, {1.5, "1.5"},
		{1.23456, "1.235"}, {-2.1, "-2.1"}, {14400, "14400"}, {1e-7, "0"},
	} {
		if got := num(tc.in); got != tc.want {
			t.Errorf("num(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTemplateValid(t *testing.T) {
	for _, tc := range []struct {
		t    Template
		want bool
	}{
		{TemplateLeader, true}, {TemplateSeal, true}, {TemplateCitizen, true}, {"", false}, {"Seal", false},
	} {
		if got := tc.t.Valid(); got != tc.want {
			t.Errorf("Template(%q).Valid() = %v, want %v", tc.t, got, tc.want)
		}
	}
}

// TestSealWithoutImage: without the agency's seal image the seal template
// draws no seal — no red rings, no name around a ring, no star — but a grey
// hatched placeholder whose words (NoSealImage) are text, at every size the
// template supports; the agency name and the time beside it stay red.
func TestSealWithoutImage(t *testing.T) {
	for _, side := range []float64{40, 90, 300} {
		form, err := Render(&recorder{}, TemplateSeal, Data{Organization: hanoi, SigningTime: signedAt}, 3*side, side)
		if err != nil {
			t.Fatalf("side %g: Render = %v", side, err)
		}
		content := string(streamData(t, form))
		if strings.Contains(content, " cm\n") {
			t.Errorf("side %g: glyphs drawn as outlines (a ring of text)", side)
		}
		if !strings.Contains(content, placeholderGrey.stroke()) || strings.Count(content, " l\n") < 8 {
			t.Errorf("side %g: no grey hatched placeholder:\n%s", side, content)
		}
		// The red is only the text's: no red stroke (rings) and no red fill
		// outside a text object.
		for _, line := range strings.Split(content, "\n") {
			if (strings.Contains(line, sealRed.stroke()) || strings.Contains(line, sealRed.fill())) && !strings.Contains(line, "BT") {
				t.Errorf("side %g: red outside text: %q", side, line)
			}
		}
	}
}
