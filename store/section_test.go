package store_test

import (
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/store"
)

// TestSection: the database section's defaults and checks.
func TestSection(t *testing.T) {
	var s store.Section
	s.Defaults()
	if s != (store.Section{Driver: "sqlite", Path: "data/kyso.db", DSNEnv: "KYSO_DATABASE_DSN"}) {
		t.Errorf("Defaults() = %+v", s)
	}
	tests := []struct {
		driver string
		want   string // in the error; "" for none
	}{
		{"sqlite", ""},
		{"postgres", ""},
		{"mysql", `database.driver "mysql"`},
	}
	for _, tc := range tests {
		err := store.Section{Driver: tc.driver}.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(driver %q) = %v, want %q", tc.driver, err, tc.want)
		}
	}
}
