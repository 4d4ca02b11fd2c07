package xmlsig_test

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package doc's promise: xmlsig, which the verifier
// and signer/xmldsig both import, imports no kyso package but errkind (a
// signing format or the verifier would close a cycle or make the verifier
// reach signing).
func TestImports(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/kyso-vn/kyso/") && path != "github.com/kyso-vn/kyso/errkind" {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
