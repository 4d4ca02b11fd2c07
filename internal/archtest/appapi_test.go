package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// appAPIDeny are the packages whose types app's exported API must not
// name: what app hands api (and what api hands app) is app's and model's.
var appAPIDeny = []string{k("auth"), k("audit")}

// appAPIMentions returns, for one non-test file of package app, each
// exported declaration whose signature, fields or methods name a type of a
// package in deny: an exported function's or exported type's method's
// parameters and results, an exported struct's exported fields (embedded
// ones too), an exported interface's methods, an exported type defined as
// another type, and the declared type of an exported variable or constant.
func appAPIMentions(fset *token.FileSet, f *ast.File, deny []string) []string {
	names := map[string]string{} // local import name → denied path
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if !slices.Contains(deny, p) {
			continue
		}
		name := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		names[name] = p
	}
	if len(names) == 0 {
		return nil
	}
	var out []string
	check := func(where string, n ast.Node) {
		if n == nil {
			return
		}
		ast.Inspect(n, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && names[x.Name] != "" {
				out = append(out, fmt.Sprintf("%s: %s names %s.%s", fset.Position(sel.Pos()), where, short(names[x.Name]), sel.Sel.Name))
			}
			return false
		})
	}
	// fieldList checks the exported entries of a struct's fields or an
	// interface's methods (embedded entries, which have no names, too).
	fieldList := func(where string, l *ast.FieldList) {
		for _, fld := range l.List {
			if len(fld.Names) == 0 || slices.ContainsFunc(fld.Names, func(n *ast.Ident) bool { return n.IsExported() }) {
				check(where, fld.Type)
			}
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			where := "app." + d.Name.Name
			if d.Recv != nil {
				recv := receiverName(d.Recv.List[0].Type)
				if !ast.IsExported(recv) {
					continue
				}
				where = "app." + recv + "." + d.Name.Name
			}
			check(where, d.Type)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					where := "app." + s.Name.Name
					switch t := s.Type.(type) {
					case *ast.StructType:
						fieldList(where, t.Fields)
					case *ast.InterfaceType:
						fieldList(where, t.Methods)
					default:
						check(where, t)
					}
				case *ast.ValueSpec:
					if slices.ContainsFunc(s.Names, func(n *ast.Ident) bool { return n.IsExported() }) {
						check("app."+s.Names[0].Name, s.Type)
					}
				}
			}
		}
	}
	return out
}

// receiverName is the type name of a method's receiver (T, *T, T[P]).
func receiverName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// TestAppAPINamesNoLowerTypes: what crosses between api and app is app's
// and model's (issue #12), in the types too: no exported function, method,
// type, field or variable of package app names a type of auth or audit.
// api could otherwise hold an auth or audit value without importing its
// package (an enrolment's TOTP seed as *auth.TOTPEnrolment, an Auditor
// taking audit.Event).
func TestAppAPINamesNoLowerTypes(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "app"))
	if err != nil {
		t.Fatal(err)
	}
	fset, files := parseDir(t, dir)
	if len(files) == 0 {
		t.Fatalf("no Go files in %s: not run in kyso's module?", dir)
	}
	var found []string
	for _, f := range files {
		if f.Name.Name != "app" {
			continue
		}
		found = append(found, appAPIMentions(fset, f, appAPIDeny)...)
	}
	for _, m := range found {
		t.Errorf("app's exported API names a lower type: %s", m)
	}
}

// TestAppAPIMentionsFinds: the check finds a lower type wherever app's
// exported API could name one, and only there.
func TestAppAPIMentionsFinds(t *testing.T) {
	const src = `package app

import (
	"context"

	"github.com/kyso-vn/kyso/audit"
	kauth "github.com/kyso-vn/kyso/auth"
)

type Auditor interface{ Record(ctx context.Context, e audit.Event) error }
type Enrolled struct {
	TOTP *kauth.TOTPEnrolment
	kept []audit.Event
}
type Sign struct{}
func (s *Sign) Events() []audit.Event { return nil }
func EnrolTOTP() (map[string]*kauth.TOTPEnrolment, error) { return nil, nil }
type Event = audit.Event
var Last audit.Event

type recorder struct{ a audit.Event }
func (r recorder) Record(e audit.Event) {}
func (s *Sign) record(e audit.Event) {}
func convert(e audit.Event) {}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "app.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := appAPIMentions(fset, f, appAPIDeny)
	want := []string{"app.Auditor names audit.Event", "app.Enrolled names auth.TOTPEnrolment", "app.Sign.Events names audit.Event",
		"app.EnrolTOTP names auth.TOTPEnrolment", "app.Event names audit.Event", "app.Last names audit.Event"}
	if len(got) != len(want) {
		t.Fatalf("appAPIMentions found %d:\n%s\nwant %d: %v", len(got), strings.Join(got, "\n"), len(want), want)
	}
	for i, w := range want {
		if !strings.HasSuffix(got[i], w) {
			t.Errorf("appAPIMentions[%d] = %q, want … %s", i, got[i], w)
		}
	}
}
