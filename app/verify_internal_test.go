package app

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kyso-vn/kyso/verifier"
)

// TestReportJSON: a Report renders as the verifier's report did when the
// API encoded it itself (no HTML escaping: "Công ty A & B <Hà Nội>" stays
// as it is), through an encoder that does not escape and one that does.
func TestReportJSON(t *testing.T) {
	rep := &verifier.Report{Warnings: []string{"Công ty A & B <Hà Nội>"}}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	enc = json.NewEncoder(&got)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&Report{rep: rep}); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("Report as JSON = %s, want %s", got.Bytes(), want.Bytes())
	}
	escaped, err := json.Marshal(&Report{rep: rep})
	if err != nil {
		t.Fatal(err)
	}
	direct, _ := json.Marshal(rep)
	if !bytes.Equal(escaped, direct) {
		t.Errorf("json.Marshal(Report) = %s, want %s", escaped, direct)
	}
}
