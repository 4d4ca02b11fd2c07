package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// walkGoFiles parses every non-test Go file under dir, skipping testdata,
// vendor, hidden and _ directories and nested modules, and hands each to
// visit with its path and its directory relative to root (the module
// root, slash-separated). It returns how many files it read.
func walkGoFiles(t *testing.T, root, dir string, visit func(fset *token.FileSet, path, rel string, f *ast.File)) int {
	t.Helper()
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != dir && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); path != root && err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		visit(fset, path, filepath.ToSlash(rel), f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// moduleRoot returns kyso's module root, two levels above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// walkModule hands every non-test Go file of kyso's module to visit, as
// walkGoFiles does, after checking that the root holds marker (a path
// relative to it), and fails unless it read at least 100 files.
func walkModule(t *testing.T, marker string, visit func(fset *token.FileSet, path, rel string, f *ast.File)) {
	t.Helper()
	root := moduleRoot(t)
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(marker))); err != nil {
		t.Fatalf("not kyso's module root (%s): %v", root, err)
	}
	if files := walkGoFiles(t, root, root, visit); files < 100 {
		t.Fatalf("read %d Go files under %s: not kyso's module?", files, root)
	}
}

// parseDir parses the non-test Go files of dir (not below it), by base
// name.
func parseDir(t *testing.T, dir string) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]*ast.File{}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = f
	}
	return fset, out
}
