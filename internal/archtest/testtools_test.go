package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// testTools are the modules of the libraries kyso uses only to test
// itself from outside, through a reader or a browser it did not write:
// pdfsign (tools/interop, tools/bench) and chromedp (tools/e2e). They
// belong to the tools module (tools/go.mod), never to kyso's, not even
// to its tests, so that kyso's go.mod holds only what kyso runs on and
// what its own tests need (issue #12).
var testTools = []string{"github.com/digitorus/pdfsign", "github.com/chromedp"}

// isTestTool reports whether a package or module path is one of
// testTools or under one.
func isTestTool(path string) bool {
	path, _, _ = strings.Cut(path, " ") // a test variant: "p [q.test]"
	return slices.ContainsFunc(testTools, func(m string) bool { return path == m || strings.HasPrefix(path, m+"/") })
}

// TestNoTestToolsInKysoModule: no package of kyso's module, its tests
// included, imports pdfsign or chromedp, by any chain of imports, and
// neither is a module of kyso's build (`go list -m all`).
func TestNoTestToolsInKysoModule(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-test", "-json=ImportPath,Imports", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps -test %s/...: %v\n%s", module, err, stderr.String())
	}
	var listed, importers []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		listed = append(listed, p.ImportPath)
		if isTestTool(p.ImportPath) {
			continue
		}
		for _, imp := range p.Imports {
			if isTestTool(imp) {
				importers = append(importers, p.ImportPath+" imports "+imp)
			}
		}
	}
	if !slices.ContainsFunc(listed, func(p string) bool { return strings.HasSuffix(p, ".test") }) || !slices.Contains(listed, k("keys")) {
		t.Fatalf("go list -deps -test listed %d packages, no test binary or no keys: not run in kyso's module?", len(listed))
	}
	// A test tool in the list has an importer in it (the list is what
	// kyso's packages and tests import, through any chain): name the
	// import, the test variant's "p [q.test]" saying it is a test's.
	for _, i := range importers {
		t.Errorf("%s: test-only tools belong in the tools module (tools/)", i)
	}

	mods, err := exec.Command("go", "list", "-m", "all").Output()
	if err != nil {
		t.Fatalf("go list -m all: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(mods)), "\n") {
		if path, _, _ := strings.Cut(line, " "); isTestTool(path) {
			t.Errorf("kyso's module graph holds %s (go.mod or a dependency's); run go mod tidy once nothing imports it", line)
		}
	}
}
