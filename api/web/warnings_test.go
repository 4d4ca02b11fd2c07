package web

import (
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/verifier"
)

// TestWarningVIEveryCode: the Vietnamese table read from app.js has a
// sentence for every warning code the verifier writes, so kyso verify
// never falls back to English for a known warning.
func TestWarningVIEveryCode(t *testing.T) {
	for _, d := range verifier.WarningCodes {
		if _, ok := WarningVI(Warning{Code: d.Code}); !ok {
			t.Errorf("no Vietnamese sentence for warning code %q", d.Code)
		}
	}
	got, ok := WarningVI(Warning{Code: "rsa_key_short", Params: map[string]string{"bits": "1024"}})
	if !ok || !strings.Contains(got, "1024 bit") || strings.Contains(got, "{") {
		t.Errorf("WarningVI(rsa_key_short) = %q, %v", got, ok)
	}
	got, _ = WarningVI(Warning{Code: "signature_timestamp_warning", Inner: &Warning{Code: "timestamp_sha1"}})
	if !strings.Contains(got, "SHA-1") {
		t.Errorf("WarningVI of a wrapped warning = %q", got)
	}
}
