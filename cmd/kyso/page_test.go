package main

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/api/web"
)

// TestPageConfig: the page section loads from the file and from
// KYSO_PAGE_* variables; a name with a right-to-left override is refused
// at load; the logo must be a small PNG (an SVG, a missing file and a
// PNG too large stop kyso with an error naming page.logo_file).
func TestPageConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var logo bytes.Buffer
	if err := png.Encode(&logo, image.NewGray(image.Rect(0, 0, 40, 20))); err != nil {
		t.Fatal(err)
	}
	pngFile := write("logo.png", logo.Bytes())
	cfgFile := write("kyso.json", []byte(`{"page":{"agency_name":"Sở Tư pháp Hà Nội","contact":"024 3354 2345","logo_file":"`+pngFile+`"}}`))
	c, err := loadConfig(cfgFile)
	if err != nil {
		t.Fatalf("loadConfig = %v", err)
	}
	b, err := pageBranding(c.Page)
	if err != nil || b.AgencyName != "Sở Tư pháp Hà Nội" || b.Contact != "024 3354 2345" || len(b.Logo) == 0 {
		t.Fatalf("pageBranding(%+v) = %+v, %v", c.Page, b, err)
	}

	t.Setenv("KYSO_PAGE_AGENCY_NAME", "UBND phường Láng Hạ")
	t.Setenv("KYSO_PAGE_CONTACT", "")
	if c, err = loadConfig(cfgFile); err != nil || c.Page.AgencyName != "UBND phường Láng Hạ" || c.Page.Contact != "" {
		t.Errorf("with KYSO_PAGE_*: page %+v, %v", c.Page, err)
	}
	t.Setenv("KYSO_PAGE_AGENCY_NAME", "Sở Tư pháp \u202eiộN àH")
	if _, err := loadConfig(cfgFile); err == nil || !strings.Contains(err.Error(), "page.agency_name") {
		t.Errorf("a name with a right-to-left override: %v, want an error naming page.agency_name", err)
	}

	for name, file := range map[string]string{
		"SVG":       write("logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)),
		"missing":   filepath.Join(dir, "none.png"),
		"too large": write("big.png", append(logo.Bytes(), make([]byte, web.MaxLogoBytes)...)),
	} {
		_, err := pageBranding(web.Section{LogoFile: file})
		if err == nil || !strings.Contains(err.Error(), "page.logo_file") {
			t.Errorf("%s logo: %v, want an error naming page.logo_file", name, err)
		}
		if name != "missing" && !errors.Is(err, web.ErrBranding) {
			t.Errorf("%s logo: %v, want web.ErrBranding", name, err)
		}
	}
}
