package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// cmdFiles parses the non-test Go files of cmd/kyso (package main).
func cmdFiles(t *testing.T) map[string]*ast.File {
	t.Helper()
	dir := filepath.Join("..", "..", "cmd", "kyso")
	_, out := parseDir(t, dir)
	if len(out) < 10 || out["config.go"] == nil {
		t.Fatalf("found %d files in %s, no config.go: not kyso's cmd/kyso?", len(out), dir)
	}
	return out
}

// scalars are the types of the config file's top-level values (listen,
// base_url, log_level) that are not sections.
var scalars = []string{"string", "bool", "int", "int64", "float64"}

// ownSections returns the fields of package main's Config (in files) whose
// type is a struct package main declares: a config section of cmd's own.
// A section is declared by the package that owns it (keys.Section,
// app.RemoteSection…); Config composes them, by the other package's type,
// an alias of it, or a defined type over it (type VaultConfig
// keys.Section).
func ownSections(files map[string]*ast.File) []string {
	types := map[string]ast.Expr{}
	for _, f := range files {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					ts := s.(*ast.TypeSpec)
					types[ts.Name.Name] = ts.Type
				}
			}
		}
	}
	cfg, ok := types["Config"].(*ast.StructType)
	if !ok {
		return []string{"package main declares no Config struct"}
	}
	// own reports whether e names a struct of package main.
	var own func(e ast.Expr, depth int) (string, bool)
	own = func(e ast.Expr, depth int) (string, bool) {
		switch x := e.(type) {
		case *ast.StarExpr:
			return own(x.X, depth)
		case *ast.ArrayType:
			return own(x.Elt, depth)
		case *ast.MapType:
			return own(x.Value, depth)
		case *ast.StructType:
			return "a struct declared in place", true
		case *ast.Ident:
			if slices.Contains(scalars, x.Name) {
				return "", false
			}
			def, ok := types[x.Name]
			if !ok || depth > 8 {
				return "", false
			}
			if _, isStruct := def.(*ast.StructType); isStruct {
				return "type " + x.Name + " struct, declared in cmd/kyso", true
			}
			return own(def, depth+1)
		}
		return "", false // pkg.Type: another package's
	}
	var out []string
	for _, fld := range cfg.Fields.List {
		if why, bad := own(fld.Type, 0); bad {
			name := "(embedded)"
			if len(fld.Names) > 0 {
				name = fld.Names[0].Name
			}
			out = append(out, "Config."+name+" is "+why)
		}
	}
	return out
}

// TestCmdComposesSections: package main declares no config section of its
// own; every section of kyso's config file is declared, with its defaults
// and checks, by the package that owns it (docs/architecture.md).
func TestCmdComposesSections(t *testing.T) {
	for _, v := range ownSections(cmdFiles(t)) {
		t.Errorf("cmd/kyso: %s: declare the section in the package that owns it", v)
	}
}

// allowedTLS are the names of crypto/tls that cmd/kyso may use: a
// client's configuration (the CLI's HTTPS with --ca-cert).
var allowedTLS = []string{"Config", "VersionTLS12", "VersionTLS13"}

// allowedTLSFields are the fields a tls.Config of cmd/kyso may set.
var allowedTLSFields = []string{"RootCAs", "MinVersion", "ServerName"}

// serverTLS returns what in files builds the server side of TLS: a name
// of crypto/tls other than allowedTLS (certificates, key pairs, suites,
// curves, client authentication), a tls.Config field other than
// allowedTLSFields, or the HSTS header. That is app.TLS's (the
// certificate's lifecycle) and api's (api.TLSConfig, api.HSTS).
func serverTLS(files map[string]*ast.File) []string {
	var out []string
	for name, f := range files {
		tlsName := ""
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "crypto/tls" {
				tlsName = "tls"
				if imp.Name != nil {
					tlsName = imp.Name.Name
				}
			}
		}
		isTLS := func(e ast.Expr, sel string) bool {
			s, ok := e.(*ast.SelectorExpr)
			if !ok || tlsName == "" {
				return false
			}
			x, ok := s.X.(*ast.Ident)
			return ok && x.Name == tlsName && (sel == "" || s.Sel.Name == sel)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				if isTLS(x, "") && !slices.Contains(allowedTLS, x.Sel.Name) {
					out = append(out, name+" uses tls."+x.Sel.Name)
				}
			case *ast.CompositeLit:
				if isTLS(x.Type, "Config") {
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && !slices.Contains(allowedTLSFields, k.Name) {
								out = append(out, name+" sets tls.Config."+k.Name)
							}
						}
					}
				}
			case *ast.BasicLit:
				if x.Kind == token.STRING && strings.Contains(strings.ToLower(x.Value), "strict-transport-security") {
					out = append(out, name+" sends Strict-Transport-Security")
				}
			}
			return true
		})
	}
	slices.Sort(out)
	return out
}

// TestCmdBuildsNoServerTLS: the HTTPS listener's certificate lifecycle is
// app's (app.TLS, app.ClientCertBinding) and its TLS mechanics api's
// (api.TLSConfig, api.HSTS); cmd/kyso only wires them.
func TestCmdBuildsNoServerTLS(t *testing.T) {
	for _, v := range serverTLS(cmdFiles(t)) {
		t.Errorf("cmd/kyso builds the server side of TLS: %s", v)
	}
}

// TestCmdCheckersCatch checks both checkers on known sources.
func TestCmdCheckersCatch(t *testing.T) {
	src := `package main

import (
	ktls "crypto/tls"
	"net/http"

	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/metrics"
)

type Config struct {
	Listen  string          ` + "`json:\"listen\"`" + `
	Vault   VaultConfig     ` + "`json:\"vault\"`" + `
	Metrics metrics.Section ` + "`json:\"metrics\"`" + `
	Own     *OwnConfig      ` + "`json:\"own\"`" + `
	Alias   AliasConfig     ` + "`json:\"alias\"`" + `
	Inline  struct{ On bool } ` + "`json:\"inline\"`" + `
}

type VaultConfig keys.Section
type AliasConfig = OwnConfig
type OwnConfig struct{ On bool }

var client = &ktls.Config{RootCAs: nil, MinVersion: ktls.VersionTLS12}
var server = &ktls.Config{GetCertificate: nil, CurvePreferences: []ktls.CurveID{ktls.X25519}}

func h(w http.ResponseWriter) { w.Header().Set("Strict-Transport-Security", "max-age=1") }
`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*ast.File{"x.go": f}
	got := ownSections(files)
	want := []string{
		"Config.Own is type OwnConfig struct, declared in cmd/kyso",
		"Config.Alias is type OwnConfig struct, declared in cmd/kyso",
		"Config.Inline is a struct declared in place",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("ownSections = %q, want %q", got, want)
	}
	got = serverTLS(files)
	want = []string{
		"x.go sends Strict-Transport-Security",
		"x.go sets tls.Config.CurvePreferences",
		"x.go sets tls.Config.GetCertificate",
		"x.go uses tls.CurveID",
		"x.go uses tls.X25519",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("serverTLS = %q, want %q", got, want)
	}
}
