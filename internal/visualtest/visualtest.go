// Package visualtest is what kyso's tests of drawn signature appearances
// share, in signer/appearance and in the tools module's interop tests: a
// seal image, the external programs they check with (poppler, qpdf:
// tools kyso did not write), and reading and counting the pixels of what
// poppler renders. Only tests import it.
package visualtest

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"testing"
)

// SealImage is an agency's seal image as a PNG: a red ring and dot on
// 200 × 200 pixels, transparent elsewhere.
func SealImage(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 200, 200))
	red := color.NRGBA{R: 220, G: 20, B: 30, A: 230}
	for y := range 200 {
		for x := range 200 {
			d := math.Hypot(float64(x)-99.5, float64(y)-99.5)
			if (d > 84 && d < 98) || (d > 70 && d < 74) || d < 22 {
				img.SetNRGBA(x, y, red)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Tool runs an external program (poppler, qpdf) and returns its standard
// output and error; it fails the test if the program is missing or fails.
func Tool(t testing.TB, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install poppler-utils and qpdf (make deps)", name)
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// ReadPNG decodes the PNG file at path.
func ReadPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// IsRed matches the seal's red as poppler renders it.
func IsRed(c color.RGBA) bool { return c.R >= 150 && c.G <= 110 && c.B <= 110 }

// CountPixels counts the pixels of img that match.
func CountPixels(img image.Image, match func(color.RGBA) bool) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if match(color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)) {
				n++
			}
		}
	}
	return n
}
