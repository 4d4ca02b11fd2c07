package truststore

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
)

// Section is the "trust" section of kyso's config file (see
// docs/configuration.md): the signed trust bundle and its refresh.
type Section struct {
	// BundlePath is a directory holding a trust bundle (manifest.json,
	// manifest.json.p7s and the certificates it lists), read at start:
	// trust/vn in the repository. Refreshed from there when BundleURL is
	// empty.
	BundlePath string `json:"bundle_path"`
	// BundleURL is where newer bundles are published (the URL of the
	// directory holding manifest.json). With BundlePath, BundlePath is
	// read at start and BundleURL on each refresh; alone, it is read at
	// start too.
	BundleURL string `json:"bundle_url"`
	// BundleSigner is a PEM file of the certificates whose keys may sign
	// the bundle's manifest: required with a bundle.
	BundleSigner string `json:"bundle_signer"`
	// RefreshInterval is how often the bundle is read again (default 6h;
	// "-1s" or any negative value: only on request, kyso trust refresh).
	RefreshInterval config.Duration `json:"refresh_interval"`
}

// Defaults fills the fields left empty with their defaults.
func (s *Section) Defaults() {
	if s.RefreshInterval == 0 {
		s.RefreshInterval = config.Duration(6 * time.Hour)
	}
}

// Validate checks the section after Defaults.
func (s Section) Validate() error {
	if !s.Enabled() {
		if s.BundleSigner != "" {
			return errors.New("config: trust.bundle_signer is set but neither trust.bundle_path nor trust.bundle_url")
		}
		return nil
	}
	if s.BundleSigner == "" {
		return errors.New("config: trust.bundle_path and trust.bundle_url need trust.bundle_signer (the PEM certificate of the bundle's signer)")
	}
	if s.BundleURL != "" {
		u, err := url.Parse(s.BundleURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("config: trust.bundle_url %q: want an http or https URL", s.BundleURL)
		}
	}
	return nil
}

// Enabled reports whether a bundle is configured.
func (s Section) Enabled() bool { return s.BundlePath != "" || s.BundleURL != "" }

// Locations are the bundle's locations for Config.Bundle: the path, then
// the URL.
func (s Section) Locations() []Location {
	var out []Location
	if s.BundlePath != "" {
		out = append(out, BundleDir(s.BundlePath))
	}
	if s.BundleURL != "" {
		out = append(out, BundleURL{URL: s.BundleURL})
	}
	return out
}
