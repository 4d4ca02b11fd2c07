package main

import (
	"testing"

	"github.com/kyso-vn/kyso/verifier"
)

// TestWarningsSaidOnce: warnings that differ only in a parameter the
// Vietnamese sentence leaves out (another check's English reason) are one
// line in Vietnamese; in English each keeps its own line.
func TestWarningsSaidOnce(t *testing.T) {
	coded := []verifier.Warning{
		{Code: verifier.WarnCheckFailed, Params: map[string]string{"indication": "INDETERMINATE", "sub_indication": "TRY_LATER"}, Text: `field "A" drawn over`},
		{Code: verifier.WarnCheckFailed, Params: map[string]string{"indication": "INDETERMINATE", "sub_indication": "TRY_LATER"}, Text: `field "B" drawn over`},
		{Code: verifier.WarnCheckFailed, Params: map[string]string{"indication": "TOTAL_FAILED", "sub_indication": "HASH_FAILURE"}, Text: "bytes changed"},
	}
	texts := []string{`field "A" drawn over`, `field "B" drawn over`, "bytes changed"}
	if got := langVI.warnings(texts, coded); len(got) != 2 || got[0] == got[1] {
		t.Errorf("Vietnamese = %q, want two distinct lines (TRY_LATER once, HASH_FAILURE)", got)
	}
	if got := langEN.warnings(texts, coded); len(got) != 3 {
		t.Errorf("English = %q, want the three sentences", got)
	}
}
