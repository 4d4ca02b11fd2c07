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

// credentialCopies returns the struct types of f (a non-test file of the
// package at dir, relative to the module root) that copy the signing
// credential, model.SigningCredential: a struct named …Credential, or one
// that embeds model.Key (a key with an identity around it). Package model
// holds the one type and the stored row (model.Credential); a wire struct
// of an answer is built at the edge without either.
func credentialCopies(dir string, f *ast.File) []string {
	if dir == "model" {
		return nil
	}
	modelName := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == module+"/model" {
			modelName = "model"
			if imp.Name != nil {
				modelName = imp.Name.Name
			}
		}
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			if strings.HasSuffix(ts.Name.Name, "Credential") {
				out = append(out, dir+"."+ts.Name.Name+" is a credential type outside model")
				continue
			}
			for _, fld := range st.Fields.List {
				if len(fld.Names) > 0 || modelName == "" {
					continue
				}
				typ := fld.Type
				if p, ok := typ.(*ast.StarExpr); ok {
					typ = p.X
				}
				if sel, ok := typ.(*ast.SelectorExpr); ok && sel.Sel.Name == "Key" {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == modelName {
						out = append(out, dir+"."+ts.Name.Name+" embeds model.Key: a copy of model.SigningCredential")
					}
				}
			}
		}
	}
	return out
}

// TestOneSigningCredential: the signing credential is one type,
// model.SigningCredential (issue #12). No non-test Go file of kyso's module
// (the tools and third_party modules are others) declares another.
func TestOneSigningCredential(t *testing.T) {
	root := moduleRoot(t)
	walkModule(t, "model/signingcredential.go", func(_ *token.FileSet, path, rel string, f *ast.File) {
		for _, v := range credentialCopies(rel, f) {
			t.Errorf("%s: %s", strings.TrimPrefix(path, root+string(filepath.Separator)), v)
		}
	})
}

// TestCredentialCopiesCatch checks the checker on known copies.
func TestCredentialCopiesCatch(t *testing.T) {
	src := `package signer

import km "github.com/kyso-vn/kyso/model"

type Credential struct{ ID string }
type holder struct {
	Name string
	*km.Key
}
type fine struct{ key km.Key }
`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := credentialCopies("signer", f)
	want := []string{"signer.Credential is a credential type outside model", "signer.holder embeds model.Key: a copy of model.SigningCredential"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("credentialCopies = %q, want %q", got, want)
	}
	if got := credentialCopies("model", f); got != nil {
		t.Errorf("credentialCopies(model) = %q, want none", got)
	}
}
