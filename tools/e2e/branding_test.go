package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrandedPageInChromium starts kyso dev with the page section set by
// environment variables (KYSO_PAGE_AGENCY_NAME, KYSO_PAGE_CONTACT,
// KYSO_PAGE_LOGO_FILE) and shows that the page names the agency in its
// header and title, gives its contact in the footer and its logo instead
// of kyso's mark, in Vietnamese and in English; markup in the name stays
// text.
func TestBrandedPageInChromium(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for x := range 64 {
		for y := range 64 {
			img.Set(x, y, color.NRGBA{R: 200, G: 16, B: 46, A: 255})
		}
	}
	var logo bytes.Buffer
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	logoFile := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(logoFile, logo.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	const (
		agency  = "Sở Tư pháp thành phố Hà Nội <b>"
		contact = "1B Trần Phú, Hà Đông · 024 3354 2345 · stp@hanoi.gov.vn"
	)
	k := startKyso(t, "KYSO_PAGE_AGENCY_NAME="+agency, "KYSO_PAGE_CONTACT="+contact, "KYSO_PAGE_LOGO_FILE="+logoFile)
	s := Start(t, k.env["KYSO_URL"], artefacts(t))
	s.Phone()
	s.Open()
	s.ExpectLang("vi")
	s.ExpectText(".brand-name", agency)
	s.ExpectText("#agency-contact", "Liên hệ: "+contact)
	if got := s.Eval("document.title"); got != "Kiểm tra chữ ký số – "+agency {
		t.Errorf("title %q, want the agency's", got)
	}
	if n := s.count(".brand b, svg.brand-mark"); n != 0 {
		t.Errorf("the header has %d elements from the name or kyso's mark", n)
	}
	// The logo is loaded (from kyso itself, under the page's CSP) and drawn.
	if got := s.Eval(`(function(){var i=document.querySelector('img.brand-logo');return i&&i.complete?i.naturalWidth+'x'+i.naturalHeight+' '+new URL(i.src).pathname:'none';})()`); got != "64x64 /assets/logo.png" {
		t.Errorf("logo: %s, want the 64x64 PNG from /assets/logo.png", got)
	}
	s.Screenshot("branded-vi.png")
	s.Click("#lang")
	s.ExpectLang("en")
	s.ExpectText("#agency-contact", "Contact: "+contact)
	if got := s.Eval("document.title"); !strings.HasSuffix(got, "– "+agency) || !strings.HasPrefix(got, "Verify") {
		t.Errorf("English title %q, want the agency's", got)
	}
	s.Screenshot("branded-en.png")
	s.ExpectCleanConsole()
}
