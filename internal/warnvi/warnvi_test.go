package warnvi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/warnvi"
	"github.com/kyso-vn/kyso/verifier"
)

// TestEveryCode: every warning code the verifier writes has a Vietnamese
// sentence, so no reader of a report falls back to English for a known
// warning; and no sentence is left for a code the verifier no longer has.
func TestEveryCode(t *testing.T) {
	codes := map[string]bool{verifier.WarnCheckFailed: true, verifier.WarnOther: true}
	for _, d := range verifier.WarningCodes {
		codes[d.Code] = true
	}
	for code := range codes {
		if s, ok := warnvi.Sentence(code); !ok || strings.TrimSpace(s) == "" {
			t.Errorf("no Vietnamese sentence for warning code %q", code)
		}
	}
	var all map[string]string
	if err := json.Unmarshal(warnvi.JSON(), &all); err != nil {
		t.Fatal(err)
	}
	for code := range all {
		if !codes[code] {
			t.Errorf("a sentence for %q, which is not a warning code of the verifier", code)
		}
	}
}

// TestJSON: the page's table is the one Sentence reads.
func TestJSON(t *testing.T) {
	var all map[string]string
	if err := json.Unmarshal(warnvi.JSON(), &all); err != nil {
		t.Fatal(err)
	}
	if len(all) < 60 {
		t.Fatalf("JSON has %d sentences", len(all))
	}
	for code, s := range all {
		if got, ok := warnvi.Sentence(code); !ok || got != s {
			t.Errorf("JSON[%q] = %q, Sentence = %q, %v", code, s, got, ok)
		}
	}
}
