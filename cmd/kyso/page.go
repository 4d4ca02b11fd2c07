package main

import (
	"fmt"
	"io"
	"os"

	"github.com/kyso-vn/kyso/api/web"
)

// pageBranding reads the page section's logo file, if any, and returns
// what the verification page shows of its operator. The file is read with
// a bound (web.MaxLogoBytes) and checked and re-encoded by web.CleanLogo:
// a file that is not a small PNG stops kyso at start-up.
func pageBranding(sec web.Section) (web.Branding, error) {
	b := web.Branding{AgencyName: sec.AgencyName, Contact: sec.Contact}
	if sec.LogoFile == "" {
		return b, nil
	}
	f, err := os.Open(sec.LogoFile)
	if err != nil {
		return b, fmt.Errorf("config: page.logo_file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, web.MaxLogoBytes+1))
	if err != nil {
		return b, fmt.Errorf("config: page.logo_file: %w", err)
	}
	if b.Logo, err = web.CleanLogo(data); err != nil {
		return b, fmt.Errorf("%w (%s)", err, sec.LogoFile)
	}
	return b, nil
}
