package appearance

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/kyso-vn/kyso/internal/visualtest"
)

var (
	update = flag.Bool("update", false, "rewrite testdata/seal-golden.png from the current rendering")
	keep   = flag.String("keep", "", "directory to keep the test PDFs and their renderings in, for inspection")
)

// Fixed inputs of the visual tests.
var (
	hanoi       = "Ủy ban nhân dân Thành phố Hà Nội"
	signedAt    = time.Date(2026, 11, 23, 12, 5, 0, 0, time.UTC) // 19:05 in Hanoi
	signedAtISO = "2026-11-23T19:05:00+07:00"
)

// signatureImage is a handwritten-looking signature: a blue stroke on a
// transparent background.
func signatureImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 300, 120))
	ink := color.NRGBA{R: 20, G: 40, B: 170, A: 255}
	for x := 20; x < 280; x++ {
		fx := float64(x)
		y := 60 + 35*math.Sin(fx/18)*math.Exp(-fx/400) - (fx-150)/12
		for dy := -3; dy <= 3; dy++ {
			img.SetNRGBA(x, int(y)+dy, ink)
		}
	}
	for x := 60; x < 250; x++ { // the underline
		for dy := 0; dy < 4; dy++ {
			img.SetNRGBA(x, 100+dy+(x-60)/40, ink)
		}
	}
	return encodePNG(t, img)
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// workDir is where the test PDFs and renderings go: -keep, or a temporary
// directory.
func workDir(t *testing.T) string {
	if *keep == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(*keep, 0o755); err != nil {
		t.Fatal(err)
	}
	return *keep
}

// TestVisual renders each template into a PDF and checks it with tools we
// did not write: qpdf for the structure, pdftotext for the ToUnicode and
// glyph mapping, pdftoppm for the drawing (against a golden image, with a
// tolerance).
func TestVisual(t *testing.T) {
	doc := &testPDF{}
	render := func(tp Template, d Data, w, h float64) uint32 {
		t.Helper()
		form, err := Render(doc, tp, d, w, h)
		if err != nil {
			t.Fatalf("Render(%s) = %v", tp, err)
		}
		id, _ := doc.AddObject(form)
		return id
	}
	// The citizen's name arrives decomposed (NFD), as some systems send it.
	citizenName := norm.NFD.String("Trần Thị Ngọc Ánh")
	if citizenName == "Trần Thị Ngọc Ánh" {
		t.Fatal("test input is not decomposed")
	}
	pages := []testPage{
		{w: 260, h: 110, forms: []placement{{render(TemplateSeal, Data{Organization: hanoi, SigningTime: signedAt}, 240, 90), 10, 10}}},
		{w: 200, h: 130, forms: []placement{{render(TemplateLeader, Data{SignerName: "Nguyễn Văn An", Title: "Chủ tịch", Image: signatureImage(t)}, 180, 110), 10, 10}}},
		{w: 270, h: 100, forms: []placement{{render(TemplateCitizen, Data{
			SignerName: citizenName, CCCD: "001234562345", SigningTime: signedAt,
			Reason: "Nộp hồ sơ dịch vụ công trực tuyến", Location: "Hà Nội",
		}, 250, 80), 10, 10}}},
		{w: 150, h: 170, forms: []placement{{render(TemplateSeal, Data{Organization: "Sở Tư pháp Thành phố Hà Nội", SigningTime: signedAt, Image: visualtest.SealImage(t)}, 130, 150), 10, 10}}},
		// The leader without a signature image.
		{w: 260, h: 110, forms: []placement{{render(TemplateLeader, Data{SignerName: "Nguyễn Văn An", Title: "Chủ tịch", SigningTime: signedAt}, 240, 90), 10, 10}}},
	}
	dir := workDir(t)
	file := filepath.Join(dir, "appearances.pdf")
	if err := os.WriteFile(file, doc.bytes(pages), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("qpdf", func(t *testing.T) {
		out, _ := visualtest.Tool(t, "qpdf", "--check", file)
		if !strings.Contains(out, "No syntax or stream encoding errors") {
			t.Errorf("qpdf --check:\n%s", out)
		}
	})

	t.Run("pdftotext", func(t *testing.T) {
		for _, tc := range []struct {
			page      int
			want, not []string
		}{
			// No seal image: no seal, a placeholder that says so.
			{1, []string{hanoi, "Thời gian ký: " + signedAtISO, NoSealImage}, []string{"ỦY BAN"}},
			{2, []string{"Nguyễn Văn An", "Chủ tịch"}, nil},
			{3, []string{"Ký bởi: Trần Thị Ngọc Ánh", "CCCD: ********2345", "Thời gian: " + signedAtISO,
				"Lý do: Nộp hồ sơ dịch vụ công trực tuyến", "Nơi ký: Hà Nội"}, []string{"00123456"}},
			{4, []string{"Sở Tư pháp Thành phố Hà Nội", signedAtISO}, []string{NoSealImage}},
			{5, []string{"Ký số bởi: Nguyễn Văn An", "Chủ tịch", "Thời gian ký: 23/11/2026 19:05:00 +07:00"}, nil},
		} {
			p := strconv.Itoa(tc.page)
			out, stderr := visualtest.Tool(t, "pdftotext", "-enc", "UTF-8", "-f", p, "-l", p, file, "-")
			if stderr != "" {
				t.Errorf("pdftotext page %d: stderr %q", tc.page, stderr)
			}
			text := strings.Join(strings.Fields(out), " ") // lines may wrap anywhere
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("pdftotext page %d = %q, want it to contain %q", tc.page, text, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(text, n) {
					t.Errorf("pdftotext page %d = %q, want no %q", tc.page, text, n)
				}
			}
		}
	})

	t.Run("pdftoppm", func(t *testing.T) {
		renderPage := func(page int) image.Image {
			t.Helper()
			p := strconv.Itoa(page)
			prefix := filepath.Join(dir, "page"+p)
			_, stderr := visualtest.Tool(t, "pdftoppm", "-png", "-r", "100", "-f", p, "-l", p, "-singlefile", file, prefix)
			if stderr != "" {
				t.Errorf("pdftoppm page %d: stderr %q", page, stderr)
			}
			img, err := visualtest.ReadPNG(prefix + ".png")
			if err != nil {
				t.Fatal(err)
			}
			return img
		}

		// Without a seal image: the red is the text's only (the drawn
		// seal had more than 2500 red pixels), the placeholder is grey.
		seal := renderPage(1)
		if n, min := visualtest.CountPixels(seal, visualtest.IsRed), 200; n < min {
			t.Errorf("seal without image: %d red pixels of the text, want at least %d", n, min)
		}
		// Where the seal would be (the left square of the 240×90 form at
		// 100 dpi), nothing is red.
		square := seal.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(0, 0, 132, seal.Bounds().Dy()))
		if n := visualtest.CountPixels(square, visualtest.IsRed); n > 0 {
			t.Errorf("seal without image: %d red pixels where the seal would be, want none", n)
		}
		if n, min := visualtest.CountPixels(seal, isGrey), 1000; n < min {
			t.Errorf("seal without image: %d grey pixels of the placeholder, want at least %d", n, min)
		}
		compareGolden(t, dir, seal, filepath.Join("testdata", "seal-golden.png"))

		leader := renderPage(2)
		if n, min := visualtest.CountPixels(leader, isBlue), 500; n < min {
			t.Errorf("leader: %d blue signature pixels, want at least %d", n, min)
		}
		// The image's transparent background must stay transparent (its
		// /SMask): the top-left of the image area is paper white.
		if c := color.RGBAModel.Convert(leader.At(20, 20)).(color.RGBA); c.R < 240 || c.G < 240 || c.B < 240 {
			t.Errorf("leader: background at (20,20) = %v, want white", c)
		}

		citizen := renderPage(3)
		if n, min := visualtest.CountPixels(citizen, isBlue), 500; n < min {
			t.Errorf("citizen: %d blue pixels (border and text), want at least %d", n, min)
		}

		sealImg := renderPage(4)
		if n, min := visualtest.CountPixels(sealImg, visualtest.IsRed), 2500; n < min {
			t.Errorf("seal with image: %d red pixels, want at least %d", n, min)
		}

		leaderText := renderPage(5)
		if n, min := visualtest.CountPixels(leaderText, isDark), 300; n < min {
			t.Errorf("leader without image: %d dark text pixels, want at least %d", n, min)
		}
		compareGolden(t, dir, leaderText, filepath.Join("testdata", "leader-noimage-golden.png"))
	})
}

// isGrey matches the placeholder's mid grey (and its anti-aliased edges).
func isGrey(c color.RGBA) bool {
	return c.R >= 60 && c.R <= 200 && absDiff(c.R, c.G) <= 12 && absDiff(c.G, c.B) <= 12
}

// isDark matches black and dark grey text.
func isDark(c color.RGBA) bool { return c.R <= 90 && c.G <= 90 && c.B <= 90 }
func isBlue(c color.RGBA) bool {
	return c.B >= 100 && int(c.B)-int(c.R) >= 60 && int(c.B)-int(c.G) >= 40
}

// compareGolden compares a rendering with the golden file. Anti-aliasing
// differs a little between poppler and FreeType versions, so it allows a
// small difference: a mean per-channel difference under 1% and under 1.5%
// of the pixels differing noticeably. On mismatch the rendering is written
// next to the golden file for inspection.
func compareGolden(t *testing.T, dir string, got image.Image, golden string) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, got); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := visualtest.ReadPNG(golden)
	if err != nil {
		t.Fatalf("golden image: %v (run go test -run TestVisual -update to create it)", err)
	}
	mismatch := func(format string, args ...any) {
		t.Helper()
		newPath := strings.TrimSuffix(golden, ".png") + ".new.png"
		if err := os.WriteFile(newPath, buf.Bytes(), 0o644); err != nil {
			t.Error(err)
		}
		t.Errorf("rendering differs from %s: "+format+"; wrote %s (rerun with -update to accept it)", append([]any{golden}, append(args, newPath)...)...)
	}
	if got.Bounds().Size() != want.Bounds().Size() {
		mismatch("size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
		return
	}
	var sum, differing int
	gb, wb := got.Bounds(), want.Bounds()
	for y := 0; y < gb.Dy(); y++ {
		for x := 0; x < gb.Dx(); x++ {
			g := color.RGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y)).(color.RGBA)
			w := color.RGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y)).(color.RGBA)
			d := [3]int{absDiff(g.R, w.R), absDiff(g.G, w.G), absDiff(g.B, w.B)}
			sum += d[0] + d[1] + d[2]
			if max(d[0], d[1], d[2]) > 64 {
				differing++
			}
		}
	}
	pixels := gb.Dx() * gb.Dy()
	mean := float64(sum) / float64(3*255*pixels)
	frac := float64(differing) / float64(pixels)
	t.Logf("golden comparison: mean difference %.4f%%, %d pixels (%.3f%%) differ noticeably", 100*mean, differing, 100*frac)
	if mean > 0.01 || frac > 0.015 {
		mismatch("mean difference %.2f%%, %.2f%% of pixels differ", 100*mean, 100*frac)
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
