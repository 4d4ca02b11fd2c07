package appearance

import (
	"errors"
	"image"
	"image/color"
	"runtime"
	"strings"
	"testing"
)

// TestImagePixelBomb: a PNG of 4096×4096 pixels of one colour is a few
// tens of KB on the wire and over a hundred MB decoded. It is refused from
// its header (ErrInvalidImage, which the API answers 400), without
// decoding: checking it allocates next to nothing (decoding would
// allocate at least 16 MiB for the grey samples alone).
func TestImagePixelBomb(t *testing.T) {
	// A seal-red square: one palette entry, every pixel index 0.
	bomb := encodePNG(t, image.NewPaletted(image.Rect(0, 0, 4096, 4096), color.Palette{color.RGBA{0xc0, 0x10, 0x10, 0xff}}))
	t.Logf("4096×4096 PNG: %d bytes", len(bomb))
	if len(bomb) > 256<<10 {
		t.Fatalf("the test image is %d bytes, want a small file with many pixels", len(bomb))
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := CheckImage(bomb)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrInvalidImage) || !strings.Contains(err.Error(), "million pixels") {
		t.Fatalf("CheckImage(4096×4096 PNG) = %v, want ErrInvalidImage naming the pixel limit", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("CheckImage(4096×4096 PNG) allocated %d bytes before refusing it, want under 1 MiB (no decoding)", alloc)
	}
	// At the limit is still an image kyso takes.
	if err := CheckImage(encodePNG(t, image.NewGray(image.Rect(0, 0, MaxImageSide, MaxImagePixels/MaxImageSide)))); err != nil {
		t.Errorf("CheckImage(%dx%d) = %v, want it accepted", MaxImageSide, MaxImagePixels/MaxImageSide, err)
	}
}
