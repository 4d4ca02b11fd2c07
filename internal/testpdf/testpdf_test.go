package testpdf

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeIsValid asks qpdf (a tool we did not write) whether the PDF is
// well-formed.
func TestMakeIsValid(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.pdf")
	doc := Make(3, 200<<10)
	if len(doc) < 200<<10 {
		t.Errorf("len = %d, want at least 200 KiB", len(doc))
	}
	if err := os.WriteFile(p, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("qpdf", "--check", p).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	info, err := exec.Command("pdfinfo", p).CombinedOutput()
	if err != nil || !strings.Contains(string(info), "Pages:           3") {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
}
