package tsa_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/signer/tsa"
)

// TestSection: the tsa section's defaults are New's, and a bad policy or
// accuracy is refused by Validate, at start, not at the first time-stamp.
func TestSection(t *testing.T) {
	var s tsa.Section
	s.Defaults()
	if c := s.Config(); c.Policy != tsa.DefaultPolicy || c.Accuracy != tsa.DefaultAccuracy {
		t.Errorf("Defaults().Config() = %+v, want policy %s, accuracy %v", c, tsa.DefaultPolicy, tsa.DefaultAccuracy)
	}
	tests := []struct {
		s    tsa.Section
		want string // in the error; "" for none
	}{
		{tsa.Section{Policy: "1.2.3.4", Accuracy: config.Duration(time.Second)}, ""},
		{tsa.Section{Policy: "1.2.3.4"}, ""},
		{tsa.Section{Policy: "not an oid"}, "tsa.policy"},
		{tsa.Section{Policy: ""}, "tsa.policy"},
		{tsa.Section{Policy: "1.2.3.4", Accuracy: -1}, "tsa.accuracy"},
	}
	for _, tc := range tests {
		err := tc.s.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.s, err, tc.want)
		}
	}
}
