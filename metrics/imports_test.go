package metrics_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the package doc's promise: metrics imports nothing of
// kyso, and it is the only package that imports the Prometheus client (the
// others report through interfaces of their own).
func TestImports(t *testing.T) {
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != ".." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "third_party" || name == "tools") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		inMetrics := filepath.Dir(path) == filepath.Join("..", "metrics")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case inMetrics && strings.HasPrefix(p, "github.com/kyso-vn/kyso/"):
				t.Errorf("%s imports %s: metrics imports nothing of kyso", path, p)
			case !inMetrics && strings.HasPrefix(p, "github.com/prometheus/"):
				t.Errorf("%s imports %s: only package metrics imports the Prometheus client", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
