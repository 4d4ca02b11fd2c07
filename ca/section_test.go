package ca_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/internal/config"
)

// TestSection: the ca section's mode default, its checks, and its
// conversion into the Config of New.
func TestSection(t *testing.T) {
	var s ca.Section
	s.Defaults()
	if s.Mode != "own" {
		t.Errorf("Defaults(): mode %q, want own", s.Mode)
	}
	tests := []struct {
		s    ca.Section
		want string // in the error; "" for none
	}{
		{ca.Section{Mode: "own"}, ""},
		{ca.Section{Mode: "external"}, ""},
		{ca.Section{Mode: "borrowed"}, `ca.mode "borrowed"`},
		{ca.Section{Mode: "own", ExternalRevocation: ca.ExternalRevocationSection{Timeout: -1}}, "external_revocation.timeout"},
		{ca.Section{Mode: "own", ExternalRevocation: ca.ExternalRevocationSection{CRLSources: []string{"crl.der", ""}}}, "an empty entry"},
	}
	for _, tc := range tests {
		err := tc.s.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.s, err, tc.want)
		}
	}
	c := ca.Section{
		RootKeyType: "ecdsa-p384", KeyPrefix: "hn-", OCSPValidity: config.Duration(4 * time.Hour),
		Profiles: map[string]ca.ProfileSection{"citizen": {Validity: config.Duration(730 * 24 * time.Hour), PolicyOID: "1.2.3"}},
	}.Config("https://kyso.example.gov.vn")
	if c.BaseURL != "https://kyso.example.gov.vn" || c.RootKeyType != "ecdsa-p384" || c.KeyPrefix != "hn-" || c.OCSPValidity != 4*time.Hour ||
		c.Profiles["citizen"] != (ca.ProfileConfig{Validity: 730 * 24 * time.Hour, PolicyOID: "1.2.3"}) {
		t.Errorf("Config() = %+v", c)
	}
}
