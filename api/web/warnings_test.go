package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/warnvi"
	"github.com/kyso-vn/kyso/verifier"
)

// TestWarningVIEveryCode: the Vietnamese table (internal/warnvi) has a
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

// TestPageHasWarningSentences: the page's script gets the table of
// Vietnamese warning sentences from internal/warnvi, the one kyso verify
// and the printed report say: the served app.js holds WARN_VI as that
// table's JSON, in place of the placeholder in the embedded file.
func TestPageHasWarningSentences(t *testing.T) {
	js := body(t, get(t, Handler(), http.MethodGet, "/assets/app.js", nil))
	if !strings.Contains(js, "var WARN_VI = "+string(warnvi.JSON())+";") {
		t.Error("the served app.js does not hold internal/warnvi's table as WARN_VI")
	}
	if strings.Contains(js, string(warnVIPlaceholder)) {
		t.Error("the served app.js still holds the placeholder")
	}
	embedded, _ := files.ReadFile("app.js")
	if n := strings.Count(string(embedded), string(warnVIPlaceholder)); n != 1 {
		t.Errorf("the embedded app.js holds the placeholder %d times, want once", n)
	}
}
