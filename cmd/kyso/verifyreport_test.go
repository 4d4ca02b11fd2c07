package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// etsiSchemaValid checks an ETSI validation report against the ETSI TS
// 119 102-2 schema with xmllint, offline.
func etsiSchemaValid(t *testing.T, report []byte) {
	t.Helper()
	dir, err := filepath.Abs("../../verifier/etsireport/testdata/xsd")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(f, report, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xmllint", "--nonet", "--noout", "--schema", filepath.Join(dir, "TS119102-2-v122.xsd"), f)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(dir, "catalog.xml"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmllint --schema: %v\n%s", err, out)
	}
}

// TestVerifyCLIETSI: kyso verify --etsi prints the ETSI validation report
// of the Hanoi decision (schema-valid, seven signatures passed) and keeps
// the exit status of the verdict; --etsi-out writes it beside the text
// report; --etsi with two files is a usage error.
func TestVerifyCLIETSI(t *testing.T) {
	hanoiDoc := filepath.Join(realworld, "vn-nom-vn", "hanoi_qd_2280_water.pdf")
	code, out := kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", "--etsi", hanoiDoc)
	if code != exitPassed || !strings.HasPrefix(out, "<?xml") || strings.Count(out, "urn:etsi:019102:mainindication:total-passed") != 7 {
		t.Fatalf("--etsi = %d, want 0 and 7 total-passed:\n%.500s", code, out)
	}
	etsiSchemaValid(t, []byte(out))

	path := filepath.Join(t.TempDir(), "report.xml")
	code, out = kysoVerify(t, "--no-kyso", "--etsi-out", path, hanoiDoc)
	if code != exitIndeterminate || !strings.Contains(out, "INDETERMINATE") {
		t.Errorf("--etsi-out without trust = %d, want 2 and the text report:\n%s", code, out)
	}
	x, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("--etsi-out wrote nothing: %v", err)
	}
	etsiSchemaValid(t, x)
	if !strings.Contains(string(x), "urn:etsi:019102:subindication:NO_CERTIFICATE_CHAIN_FOUND") {
		t.Errorf("--etsi-out report lacks NO_CERTIFICATE_CHAIN_FOUND")
	}

	if code, _ := kysoVerify(t, "--no-kyso", "--etsi", hanoiDoc, hanoiDoc); code != exitUnreadable {
		t.Errorf("--etsi with two files = %d, want 3", code)
	}
}
