package appearance

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // register the JPEG decoder
	_ "image/png"  // register the PNG decoder

	"golang.org/x/sync/semaphore"
)

// MaxImagePixels bounds the pixels of an image (width × height, from its
// header, before anything is decoded): 16 million, a 4000×4000 scan or a
// 16 Mpx photo. A PNG of 4096×4096 of one colour is 65 KB on the wire and
// about 130 MB once decoded (the decoder's image, then the RGBA copy the
// downsampling reads).
const MaxImagePixels = 16_000_000

// decoding bounds the pixels being decoded at once in the process: one
// image as large as MaxImagePixels, or many small ones. Many signings in
// parallel with large images wait their turn here instead of holding
// gigabytes at once (each decoded pixel costs up to 12 bytes: a 16-bit
// PNG's 8, the RGBA copy's 4).
var decoding = semaphore.NewWeighted(MaxImagePixels)

// maxEmbedSide bounds each side of the embedded image, in pixels: larger
// images are downsampled. 1024 pixels across a 5 cm seal is over 500 dpi;
// more would only make every signed document bigger.
const maxEmbedSide = 1024

// decodedImage is an image ready to be written as a PDF Image XObject.
type decodedImage struct {
	w, h  int
	rgb   []byte // 8-bit RGB samples, row by row
	alpha []byte // 8-bit alpha samples; nil when every pixel is opaque
}

// decodeImage decodes a PNG or JPEG within the package limits. The header is
// checked before the pixels are decoded, so an image that claims huge
// dimensions is refused without allocating for it.
func decodeImage(data []byte) (*decodedImage, error) {
	if len(data) > MaxImageBytes {
		return nil, ErrInvalidImage.Errorf("%d bytes exceeds the limit of %d", len(data), MaxImageBytes)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, ErrInvalidImage.Errorf("%v", err)
	}
	if format != "png" && format != "jpeg" {
		return nil, ErrInvalidImage.Errorf("format %q, want PNG or JPEG", format)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return nil, ErrInvalidImage.Errorf("%dx%d pixels, want at most %dx%d", cfg.Width, cfg.Height, MaxImageSide, MaxImageSide)
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > MaxImagePixels {
		return nil, fmt.Errorf("%w: %dx%d is %.1f million pixels, want at most %d million (an image for a signature or a seal needs far fewer: kyso embeds at most %d pixels a side)",
			ErrInvalidImage, cfg.Width, cfg.Height, float64(pixels)/1e6, MaxImagePixels/1_000_000, maxEmbedSide)
	}
	// Acquire never fails without a deadline; decoding takes a bounded time.
	_ = decoding.Acquire(context.Background(), pixels)
	defer decoding.Release(pixels)
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, ErrInvalidImage.Errorf("%v", err)
	}
	b := img.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, ErrInvalidImage.Errorf("decoded size differs from header")
	}

	// Draw into RGBA (the standard library has fast paths for every type
	// the PNG and JPEG decoders return), shrinking by an integer factor with
	// a box filter on premultiplied samples, then un-premultiply: PDF
	// composes the soft mask with the colour samples as they are (ISO
	// 32000-1, 11.6.5.3).
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	f := (max(b.Dx(), b.Dy()) + maxEmbedSide - 1) / maxEmbedSide
	w, h := (b.Dx()+f-1)/f, (b.Dy()+f-1)/f
	d := &decodedImage{w: w, h: h, rgb: make([]byte, 0, 3*w*h), alpha: make([]byte, 0, w*h)}
	opaque := true
	for y := range h {
		for x := range w {
			var sum [4]int
			n := 0
			for sy := y * f; sy < min((y+1)*f, b.Dy()); sy++ {
				row := src.Pix[sy*src.Stride:]
				for sx := x * f; sx < min((x+1)*f, b.Dx()); sx++ {
					p := row[4*sx : 4*sx+4 : 4*sx+4]
					sum[0], sum[1], sum[2], sum[3] = sum[0]+int(p[0]), sum[1]+int(p[1]), sum[2]+int(p[2]), sum[3]+int(p[3])
					n++
				}
			}
			a := (sum[3] + n/2) / n
			for _, c := range sum[:3] {
				if sum[3] == 0 {
					d.rgb = append(d.rgb, 0)
				} else {
					d.rgb = append(d.rgb, byte(min(255, (c*255+sum[3]/2)/sum[3])))
				}
			}
			d.alpha = append(d.alpha, byte(a))
			opaque = opaque && a == 0xff
		}
	}
	if opaque {
		d.alpha = nil
	}
	return d, nil
}

// write adds the image as an Image XObject (ISO 32000-1, 8.9.5), FlateDecode
// RGB, with its alpha as a /SMask, and returns the image's object number.
func (d *decodedImage) write(w ObjectWriter) (uint32, error) {
	smask := ""
	if d.alpha != nil {
		id, err := w.AddObject(flateStream(fmt.Sprintf(
			"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8",
			d.w, d.h), d.alpha, zlib.DefaultCompression))
		if err != nil {
			return 0, fmt.Errorf("appearance: add image mask: %w", err)
		}
		smask = fmt.Sprintf(" /SMask %d 0 R", id)
	}
	id, err := w.AddObject(flateStream(fmt.Sprintf(
		"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Interpolate true%s",
		d.w, d.h, smask), d.rgb, zlib.DefaultCompression))
	if err != nil {
		return 0, fmt.Errorf("appearance: add image: %w", err)
	}
	return id, nil
}
