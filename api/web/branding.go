package web

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"image/png"
	"unicode"
	"unicode/utf8"
)

// Section is the page section of kyso's config file: who runs this
// verification page. Every field is optional; the zero value shows kyso's
// own name and mark and no contact line (docs/configuration.md, "page").
type Section struct {
	// AgencyName is the operator's name, shown in the page's header and
	// title instead of "kyso" ("Sở Tư pháp Hà Nội"); at most
	// MaxAgencyName characters.
	AgencyName string `json:"agency_name"`
	// Contact is how a citizen reaches the operator, shown in the footer
	// ("Liên hệ: …"): an address, a telephone number, an e-mail address;
	// at most MaxContact characters.
	Contact string `json:"contact"`
	// LogoFile is a PNG file shown in the header instead of kyso's mark,
	// at most MaxLogoBytes and MaxLogoSide pixels a side. cmd reads it;
	// CleanLogo checks and re-encodes it.
	LogoFile string `json:"logo_file"`
}

// Limits of Section.
const (
	MaxAgencyName = 120
	MaxContact    = 300
	MaxLogoBytes  = 256 << 10
	MaxLogoSide   = 1024
)

// ErrBranding is an invalid page section.
var ErrBranding = errors.New("config: page")

// Branding is what the page shows of its operator: Section's texts, and
// the logo as CleanLogo returned it.
type Branding struct {
	AgencyName string
	Contact    string
	// Logo is a PNG image made by CleanLogo, or nil for kyso's mark.
	Logo []byte
}

// Validate checks the texts of s: not longer than their limits, without
// control or bidirectional formatting characters (which could reorder
// what the page shows around them).
func (s Section) Validate() error {
	for _, f := range []struct {
		name, v string
		max     int
	}{{"agency_name", s.AgencyName, MaxAgencyName}, {"contact", s.Contact, MaxContact}} {
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return fmt.Errorf("%w.%s: %d characters, at most %d", ErrBranding, f.name, n, f.max)
		}
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%w.%s: not UTF-8", ErrBranding, f.name)
		}
		for _, r := range f.v {
			if unicode.IsControl(r) || isBidiControl(r) {
				return fmt.Errorf("%w.%s: control character %U", ErrBranding, f.name, r)
			}
		}
	}
	return nil
}

func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// CleanLogo checks that data is a PNG image of at most MaxLogoBytes and
// MaxLogoSide pixels a side, and returns it decoded and encoded again: what
// is served is pixels only, never the file's own chunks (text, metadata,
// anything a crafted file carries). SVG is not accepted: it is a document
// that can hold scripts and links. The size is read from the header
// before the image is decoded, so a small file that claims a huge image is
// refused without decompressing it.
func CleanLogo(data []byte) ([]byte, error) {
	if len(data) > MaxLogoBytes {
		return nil, fmt.Errorf("%w.logo_file: %d bytes, at most %d", ErrBranding, len(data), MaxLogoBytes)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w.logo_file: not a PNG image: %v", ErrBranding, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return nil, fmt.Errorf("%w.logo_file: %d×%d pixels, at most %d a side", ErrBranding, cfg.Width, cfg.Height, MaxLogoSide)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w.logo_file: not a PNG image: %v", ErrBranding, err)
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
		return nil, fmt.Errorf("%w.logo_file: %v", ErrBranding, err)
	}
	return out.Bytes(), nil
}

// brandPage writes b into the page: the agency's name in the header and
// the title, its logo instead of kyso's mark, its contact in the footer.
// Texts are HTML-escaped; the page's script reads the name for the title
// it sets in either language.
func brandPage(page []byte, b Branding) []byte {
	if b.AgencyName != "" {
		name := html.EscapeString(b.AgencyName)
		page = bytes.Replace(page, []byte(`<span class="brand-name">kyso</span>`), []byte(`<span class="brand-name" id="agency-name">`+name+`</span>`), 1)
		page = bytes.Replace(page, []byte(`<title>Kiểm tra chữ ký số – kyso</title>`), []byte(`<title>Kiểm tra chữ ký số – `+name+`</title>`), 1)
	}
	if b.Logo != nil {
		start := bytes.Index(page, []byte(`<svg class="brand-mark"`))
		end := bytes.Index(page, []byte(`</svg>`))
		if start >= 0 && end > start {
			img := `<img class="brand-mark brand-logo" src="` + AssetPrefix + logoName + `" alt="" width="32" height="32">`
			page = append(page[:start:start], append([]byte(img), page[end+len(`</svg>`):]...)...)
		}
	}
	if b.Contact != "" {
		line := `<p class="agency-contact" id="agency-contact"><span data-i18n="contactLabel">Liên hệ:</span> <span class="agency-contact-value">` +
			html.EscapeString(b.Contact) + `</span></p>`
		page = bytes.Replace(page, []byte("<!-- agency contact -->"), []byte(line), 1)
	}
	return page
}

// logoName is the asset name of the operator's logo.
const logoName = "logo.png"
