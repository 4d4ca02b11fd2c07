package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// credentialSources returns each function type of f (a non-test file of
// package dir, relative to the module root) that gives a
// model.SigningCredential: a function's or method's results, an interface
// method's, a func-typed field's or parameter's. In the signing service
// each would be a way to resolve a credential, or to ask someone (app)
// for one, instead of being handed the one app authorised.
func credentialSources(fset *token.FileSet, dir string, f *ast.File) []string {
	modelName := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == module+"/model" {
			modelName = "model"
			if imp.Name != nil {
				modelName = imp.Name.Name
			}
		}
	}
	if modelName == "" {
		return nil
	}
	names := func(l *ast.FieldList) bool {
		found := false
		if l == nil {
			return false
		}
		ast.Inspect(l, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "SigningCredential" {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == modelName {
					found = true
				}
			}
			return !found
		})
		return found
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		ft, ok := n.(*ast.FuncType)
		if ok && names(ft.Results) {
			p := fset.Position(ft.Pos())
			out = append(out, fmt.Sprintf("%s/%s:%d: a function type of %s gives a model.SigningCredential", dir, filepath.Base(p.Filename), p.Line, dir))
		}
		return true
	})
	return out
}

// TestSignerIsHandedCredentials: the signing service and its formats
// (signer, signer/...) resolve no credential and ask no one for one
// (issue #12: the formats no longer call app back to decide). No
// function, method, interface method or func-typed value of theirs gives
// a model.SigningCredential: app resolves and authorises the credential
// and hands it to a prepared request's Sign.
func TestSignerIsHandedCredentials(t *testing.T) {
	root := moduleRoot(t)
	dir := filepath.Join(root, "signer")
	if _, err := os.Stat(filepath.Join(dir, "service.go")); err != nil {
		t.Fatalf("no signing service in %s: %v", dir, err)
	}
	files := walkGoFiles(t, root, dir, func(fset *token.FileSet, _, rel string, f *ast.File) {
		for _, v := range credentialSources(fset, rel, f) {
			t.Error(v)
		}
	})
	if files < 10 {
		t.Fatalf("read %d Go files under %s: not kyso's signer?", files, dir)
	}
}

// TestCredentialSourcesCatch checks the checker: the callback signer had
// (an Authorizer), a func-typed field, a parameter and a function that
// give a credential are found; taking one is not.
func TestCredentialSourcesCatch(t *testing.T) {
	src := `package signer

import m "github.com/kyso-vn/kyso/model"

type Authorizer interface {
	Authorize(caller string) (*m.SigningCredential, error)
}
type Config struct {
	Resolve func(id string) (m.SigningCredential, error)
}
func sign(lookup func(string) []*m.SigningCredential) {}
func (s *Service) credential(id string) *m.SigningCredential { return nil }

func (p *Prepared) Sign(cred *m.SigningCredential) ([]byte, error) { return nil, nil }
type event struct{ cred *m.SigningCredential }
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := credentialSources(fset, "signer", f)
	var lines []string
	for _, g := range got {
		lines = append(lines, g[:strings.Index(g, ": ")])
	}
	want := []string{"signer/x.go:6", "signer/x.go:9", "signer/x.go:11", "signer/x.go:12"}
	if strings.Join(lines, " ") != strings.Join(want, " ") {
		t.Errorf("credentialSources found %q, want at %q", got, want)
	}
}
