package store

import (
	"slices"
	"testing"
)

// TestParseOrganizations: the cached parse gives what json.Unmarshal
// gives, a copy each time, and refuses what it refuses.
func TestParseOrganizations(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{`["Sở Tư pháp Hà Nội","UBND"]`, []string{"Sở Tư pháp Hà Nội", "UBND"}},
		{`[]`, nil},
		{`null`, nil},
	} {
		for range 2 { // parsed, then from the cache
			got, err := parseOrganizations(tc.text)
			if err != nil || !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
				t.Fatalf("parseOrganizations(%s) = %q, %v; want %q", tc.text, got, err, tc.want)
			}
			if len(got) > 0 {
				got[0] = "changed by the caller"
			}
		}
	}
	if _, err := parseOrganizations(`["unterminated`); err == nil {
		t.Error("parseOrganizations of bad JSON = nil error")
	}
}
