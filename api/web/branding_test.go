package web

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// testPNG encodes a w×h image with a red pixel at (1, 1).
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.NRGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withChunk inserts a chunk of type typ before the PNG's IEND chunk.
func withChunk(p []byte, typ string, data []byte) []byte {
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(chunk, typ...)
	chunk = append(chunk, data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	end := len(p) - 12 // IEND: length, type, CRC
	return append(append(append([]byte{}, p[:end]...), chunk...), p[end:]...)
}

func TestCleanLogo(t *testing.T) {
	good := testPNG(t, 64, 32)
	// A huge image claimed by a small file: its header says 5000×5000.
	huge := testPNG(t, 4, 4)
	binary.BigEndian.PutUint32(huge[16:], 5000)
	binary.BigEndian.PutUint32(huge[20:], 5000)
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))
	for _, tt := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"PNG", good, true},
		{"PNG with a text chunk", withChunk(good, "tEXt", []byte("Comment\x00<script>alert(1)</script>")), true},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), false},
		{"JPEG", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), false},
		{"5000×5000", huge, false},
		{"larger than the limit", append(bytes.Clone(good), make([]byte, MaxLogoBytes)...), false},
		{"empty", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := CleanLogo(tt.data)
			if !tt.ok {
				if err == nil || !errors.Is(err, ErrBranding) {
					t.Fatalf("CleanLogo = %v, want ErrBranding", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CleanLogo = %v", err)
			}
			if bytes.Contains(out, []byte("tEXt")) || bytes.Contains(out, []byte("script")) {
				t.Errorf("the cleaned logo keeps the file's chunks")
			}
			img, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("cleaned logo does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 32 {
				t.Errorf("cleaned logo is %v, want 64×32", b)
			}
			if r, _, _, a := img.At(1, 1).RGBA(); r>>8 != 200 || a>>8 != 255 {
				t.Errorf("pixel (1, 1) = %v, want the red of the original", img.At(1, 1))
			}
		})
	}
}

func TestSectionValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    Section
		ok   bool
	}{
		{"empty", Section{}, true},
		{"Vietnamese", Section{AgencyName: "Sở Tư pháp thành phố Hà Nội", Contact: "1B Trần Phú, Hà Đông · 024 3354 2345 · stp@hanoi.gov.vn"}, true},
		{"name too long", Section{AgencyName: strings.Repeat("á", MaxAgencyName+1)}, false},
		{"contact too long", Section{Contact: strings.Repeat("x", MaxContact+1)}, false},
		{"right-to-left override", Section{AgencyName: "Sở Tư pháp \u202eiộN àH"}, false},
		{"line break", Section{Contact: "024\n3354"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.s.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate(%+v) = %v, want ok %v", tt.s, err, tt.ok)
			}
		})
	}
}

// TestBrandedPage: the operator's name, contact and logo are in the page,
// HTML-escaped; the logo is served as a versioned PNG asset; without a
// logo there is no such asset.
func TestBrandedPage(t *testing.T) {
	logo, err := CleanLogo(testPNG(t, 32, 32))
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(Branding{AgencyName: `Sở Tư pháp <Hà Nội> & "Tổ 1"`, Contact: "024 3354 2345 <stp@hanoi.gov.vn>", Logo: logo})
	resp := get(t, h, http.MethodGet, "/", nil)
	page := body(t, resp)
	checkSecurityHeaders(t, "/", resp)
	for _, want := range []string{
		`<span class="brand-name" id="agency-name">Sở Tư pháp &lt;Hà Nội&gt; &amp; &#34;Tổ 1&#34;</span>`,
		`<title>Kiểm tra chữ ký số – Sở Tư pháp &lt;Hà Nội&gt; &amp; &#34;Tổ 1&#34;</title>`,
		`<span class="agency-contact-value">024 3354 2345 &lt;stp@hanoi.gov.vn&gt;</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the branded page lacks %s", want)
		}
	}
	if strings.Contains(page, `<svg class="brand-mark"`) {
		t.Errorf("the branded page still draws kyso's mark")
	}
	m := regexp.MustCompile(`<img class="brand-mark brand-logo" src="(/assets/logo\.png\?v=[0-9a-f]{12})"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the branded page has no versioned logo")
	}
	resp = get(t, h, http.MethodGet, m[1], nil)
	if got := body(t, resp); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || got != string(logo) {
		t.Errorf("GET %s = %d %s, %d bytes; want the PNG", m[1], resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}

	plain := Handler()
	page = body(t, get(t, plain, http.MethodGet, "/", nil))
	if !strings.Contains(page, `<span class="brand-name">kyso</span>`) || strings.Contains(page, "agency-contact") || !strings.Contains(page, `<svg class="brand-mark"`) {
		t.Errorf("the default page is not kyso's own")
	}
	if resp := get(t, plain, http.MethodGet, "/assets/logo.png", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /assets/logo.png without a logo = %d, want 404", resp.StatusCode)
	}
}
