package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// wholeStoreAllowed are the directories whose non-test code may hold the
// whole store.Store (issue #12: "store.Store is handed whole to ca, cmd and
// the trust store"): store itself and cmd/kyso, which opens it and wires
// each consumer with it. Every other package declares the slice it uses
// (ca.Store, audit.Store, auth.ClientStore…) and may name store.Store only
// to assert that it has that slice: var _ X = (store.Store)(nil).
var wholeStoreAllowed = []string{"store/...", "cmd/kyso"}

// wholeStoreUses returns where f, in directory dir of the module, names
// the type store.Store other than in such an assertion.
func wholeStoreUses(fset *token.FileSet, dir string, f *ast.File) []string {
	if matchAny(dir, wholeStoreAllowed) {
		return nil
	}
	name := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == module+"/store" {
			name = "store"
			if imp.Name != nil {
				name = imp.Name.Name
			}
		}
	}
	if name == "" || name == "_" {
		return nil
	}
	// Conversions (store.Store)(x): their parenthesised type is allowed.
	asserted := map[ast.Expr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			if p, ok := c.Fun.(*ast.ParenExpr); ok {
				asserted[p.X] = true
			}
		}
		return true
	})
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Store" || asserted[sel] {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == name {
			out = append(out, fset.Position(sel.Pos()).String()+": names the whole store.Store; declare the slice this package uses")
		}
		return true
	})
	return out
}

// TestEachPackageItsStoreSlice: outside store and cmd/kyso, no non-test
// Go file of kyso's module holds the whole store.Store.
func TestEachPackageItsStoreSlice(t *testing.T) {
	root := moduleRoot(t)
	walkModule(t, "store/store.go", func(fset *token.FileSet, _, rel string, f *ast.File) {
		for _, v := range wholeStoreUses(fset, rel, f) {
			t.Error(strings.TrimPrefix(v, root+string(filepath.Separator)))
		}
	})
}

// TestWholeStoreUsesCatch checks the checker: ca's Authority as it was
// (a store.Store field and parameter) is caught, an assertion and another
// package's Store are not.
func TestWholeStoreUsesCatch(t *testing.T) {
	src := `package ca

import (
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/truststore"
)

type Authority struct{ store store.Store }

func New(st store.Store) *Authority { return &Authority{store: st} }

type Store interface{ GetCertificate(id string) (*store.Certificate, error) }

var _ Store = (store.Store)(nil)
var ts *truststore.Store
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "authority.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := wholeStoreUses(fset, "ca", f)
	if len(got) != 2 || !strings.HasPrefix(got[0], "authority.go:8:") || !strings.HasPrefix(got[1], "authority.go:10:") {
		t.Errorf("wholeStoreUses(ca) = %q, want the field (line 8) and the parameter (line 10)", got)
	}
	if got := wholeStoreUses(fset, "cmd/kyso", f); got != nil {
		t.Errorf("wholeStoreUses(cmd/kyso) = %q, want none", got)
	}
}
