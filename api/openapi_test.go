package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"gopkg.in/yaml.v3"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/ca"
)

// The OpenAPI document and the operator docs live at the module root; go
// test runs in the package directory.
const (
	openAPIPath   = "../openapi.yaml"
	errorsDocPath = "../docs/errors.md"
)

// openAPIDoc is the part of an OpenAPI 3.0 document these tests read.
type openAPIDoc struct {
	OpenAPI    string                     `yaml:"openapi"`
	Paths      map[string]openAPIPathItem `yaml:"paths"`
	Components struct {
		Parameters      map[string]openAPIParameter `yaml:"parameters"`
		Schemas         map[string]openAPISchema    `yaml:"schemas"`
		SecuritySchemes map[string]struct {
			Type   string `yaml:"type"`
			Scheme string `yaml:"scheme"`
		} `yaml:"securitySchemes"`
	} `yaml:"components"`
}

type openAPIPathItem struct {
	Parameters []openAPIParameter `yaml:"parameters"`
	Get        *openAPIOperation  `yaml:"get"`
	Put        *openAPIOperation  `yaml:"put"`
	Post       *openAPIOperation  `yaml:"post"`
	Delete     *openAPIOperation  `yaml:"delete"`
	Options    *openAPIOperation  `yaml:"options"`
	Head       *openAPIOperation  `yaml:"head"`
	Patch      *openAPIOperation  `yaml:"patch"`
	Trace      *openAPIOperation  `yaml:"trace"`
}

// operations returns the item's operations by upper-case HTTP method.
func (p openAPIPathItem) operations() map[string]*openAPIOperation {
	out := map[string]*openAPIOperation{}
	for m, op := range map[string]*openAPIOperation{
		"GET": p.Get, "PUT": p.Put, "POST": p.Post, "DELETE": p.Delete,
		"OPTIONS": p.Options, "HEAD": p.Head, "PATCH": p.Patch, "TRACE": p.Trace,
	} {
		if op != nil {
			out[m] = op
		}
	}
	return out
}

type openAPIOperation struct {
	OperationID string                `yaml:"operationId"`
	Parameters  []openAPIParameter    `yaml:"parameters"`
	Security    []map[string][]string `yaml:"security"`
	Responses   map[string]yaml.Node  `yaml:"responses"`
}

type openAPIParameter struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

type openAPISchema struct {
	Properties map[string]openAPISchema `yaml:"properties"`
	Enum       []string                 `yaml:"enum"`
}

func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	data, err := os.ReadFile(openAPIPath)
	if err != nil {
		t.Fatalf("read %s: %v", openAPIPath, err)
	}
	var doc openAPIDoc
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse %s: %v", openAPIPath, err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("%s: openapi = %q, want 3.0.3", openAPIPath, doc.OpenAPI)
	}
	if len(doc.Paths) == 0 {
		t.Fatalf("%s documents no paths", openAPIPath)
	}
	return &doc
}

// openAPIPathOf turns a gorilla/mux path template into an OpenAPI one: a
// variable with a pattern, "{request:.+}", becomes "{request}". Patterns may
// themselves contain braces ("{n:[0-9]{3}}").
func openAPIPathOf(tmpl string) string {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '{' {
			b.WriteByte(tmpl[i])
			continue
		}
		depth, j := 0, i
		for ; j < len(tmpl); j++ {
			if tmpl[j] == '{' {
				depth++
			} else if tmpl[j] == '}' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		name, _, _ := strings.Cut(tmpl[i+1:j], ":")
		b.WriteString("{" + name + "}")
		i = j
	}
	return b.String()
}

func TestOpenAPIPathOf(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/healthz", "/healthz"},
		{"/pki/ocsp/{request:.+}", "/pki/ocsp/{request}"},
		{"/pki/issuers/{name}.crt", "/pki/issuers/{name}.crt"},
		{"/v1/certificates/{id}/revoke", "/v1/certificates/{id}/revoke"},
		{"/x/{n:[0-9]{3}}/{m}", "/x/{n}/{m}"},
	}
	for _, tc := range tests {
		if got := openAPIPathOf(tc.in); got != tc.want {
			t.Errorf("openAPIPathOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// routeTable walks the server's router and returns the OpenAPI form of
// each path with its methods, and the raw gorilla templates.
func routeTable(t *testing.T) (map[string][]string, []string) {
	t.Helper()
	// Walking the routes needs no CA and no admin store: routes() only
	// stores them.
	srv := api.New(api.Config{}, api.Deps{})
	routes := map[string][]string{}
	var templates []string
	err := srv.Router().Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if route.GetHandler() == nil {
			return nil // the /v1 prefix that holds the sub-router
		}
		tmpl, err := route.GetPathTemplate()
		if err != nil {
			t.Errorf("a route has no path template: %v", err)
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			t.Errorf("route %s accepts every method (%v); give it Methods(...)", tmpl, err)
			return nil
		}
		templates = append(templates, tmpl)
		p := openAPIPathOf(tmpl)
		routes[p] = append(routes[p], methods...)
		return nil
	})
	if err != nil {
		t.Fatalf("Walk() = %v", err)
	}
	if len(routes) == 0 {
		t.Fatal("the router has no routes")
	}
	return routes, templates
}

// TestOpenAPIMatchesRouter: every (path, method) the router serves is in
// openapi.yaml, and every documented operation is served.
func TestOpenAPIMatchesRouter(t *testing.T) {
	doc := loadOpenAPI(t)
	routes, templates := routeTable(t)

	if !slices.Contains(templates, "/pki/ocsp/{request:.+}") {
		t.Errorf("router templates %v: want /pki/ocsp/{request:.+} (RFC 6960 GET requests may contain '/')", templates)
	}
	for path, methods := range routes {
		item, ok := doc.Paths[path]
		if !ok {
			t.Errorf("route %s %v is not documented in openapi.yaml", path, methods)
			continue
		}
		ops := item.operations()
		for _, m := range methods {
			if ops[m] == nil {
				t.Errorf("route %s %s is not documented in openapi.yaml", m, path)
			}
		}
	}
	for path, item := range doc.Paths {
		methods, ok := routes[path]
		if !ok {
			t.Errorf("openapi.yaml documents %s, which the router does not serve", path)
			continue
		}
		for m := range item.operations() {
			if !slices.Contains(methods, m) {
				t.Errorf("openapi.yaml documents %s %s, which the router does not serve (it serves %v)", m, path, methods)
			}
		}
	}
}

// TestOpenAPIOperations checks each documented operation: path parameters
// match the template, /v1 requires the bearer scheme (and documents 401),
// public routes require nothing.
func TestOpenAPIOperations(t *testing.T) {
	doc := loadOpenAPI(t)
	if s, ok := doc.Components.SecuritySchemes["adminBearer"]; !ok || s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("components.securitySchemes.adminBearer = %+v, want type http, scheme bearer", s)
	}
	resolve := func(p openAPIParameter) openAPIParameter {
		if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			r, found := doc.Components.Parameters[name]
			if !found {
				t.Errorf("parameter reference %s is not defined", p.Ref)
			}
			return r
		}
		return p
	}
	for path, item := range doc.Paths {
		var vars []string
		for _, part := range strings.Split(path, "{")[1:] {
			name, _, _ := strings.Cut(part, "}")
			vars = append(vars, name)
		}
		sort.Strings(vars)
		for method, op := range item.operations() {
			var params []string
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p = resolve(p); p.In == "path" {
					params = append(params, p.Name)
				}
			}
			sort.Strings(params)
			if !slices.Equal(params, vars) {
				t.Errorf("%s %s: path parameters %v, want %v", method, path, params, vars)
			}
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
			var schemes []string
			for _, req := range op.Security {
				for name := range req {
					schemes = append(schemes, name)
				}
			}
			if strings.HasPrefix(path, "/v1/") {
				if !slices.Equal(schemes, []string{"adminBearer"}) {
					t.Errorf("%s %s: security %v, want [adminBearer]", method, path, schemes)
				}
				if _, ok := op.Responses["401"]; !ok {
					t.Errorf("%s %s does not document 401", method, path)
				}
			} else if len(schemes) > 0 {
				t.Errorf("%s %s is public but documents security %v", method, path, schemes)
			}
			for code := range op.Responses {
				if n, err := strconv.Atoi(code); err != nil || n < 100 || n > 599 {
					t.Errorf("%s %s: response %q is not an HTTP status", method, path, code)
				}
			}
		}
	}
}

// errorCodes returns the Code* constants of api/errors.go.
func errorCodes(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s is not a string literal", name.Name)
					continue
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				codes[name.Name] = v
			}
		}
	}
	if len(codes) == 0 {
		t.Fatal("no Code* constants found in errors.go")
	}
	return codes
}

// TestOpenAPIErrorCodes: every error code is in docs/errors.md and in the
// schema's enum, and the enum has no code the server cannot send.
func TestOpenAPIErrorCodes(t *testing.T) {
	codes := errorCodes(t)
	md, err := os.ReadFile(errorsDocPath)
	if err != nil {
		t.Fatalf("read %s: %v", errorsDocPath, err)
	}
	var values []string
	for name, v := range codes {
		values = append(values, v)
		if !strings.Contains(string(md), "`"+v+"`") {
			t.Errorf("%s (%q) is not documented in docs/errors.md", name, v)
		}
	}
	sort.Strings(values)
	doc := loadOpenAPI(t)
	enum := slices.Clone(doc.Components.Schemas["ErrorDetail"].Properties["code"].Enum)
	sort.Strings(enum)
	if !slices.Equal(enum, values) {
		t.Errorf("openapi.yaml ErrorDetail.code enum = %v, want %v", enum, values)
	}
}

// jsonNames returns the JSON field names of a struct type.
func jsonNames(typ reflect.Type) []string {
	var out []string
	for i := 0; i < typ.NumField(); i++ {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// structJSONNames returns the JSON names of an unexported struct type of
// this package, read from its source.
func structJSONNames(t *testing.T, file, typeName string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typeName {
			return true
		}
		for _, fld := range ts.Type.(*ast.StructType).Fields.List {
			if fld.Tag == nil {
				continue
			}
			tag, _ := strconv.Unquote(fld.Tag.Value)
			name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
			if name != "" && name != "-" {
				out = append(out, name)
			}
		}
		return false
	})
	if len(out) == 0 {
		t.Fatalf("no JSON fields of %s found in %s", typeName, file)
	}
	sort.Strings(out)
	return out
}

func schemaProps(doc *openAPIDoc, name string) []string {
	var out []string
	for p := range doc.Components.Schemas[name].Properties {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPISchemas pins the documented JSON shapes to the Go types and
// the enums to the values the server accepts.
func TestOpenAPISchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	shapes := []struct {
		schema string
		want   []string
	}{
		{"IssueRequest", jsonNames(reflect.TypeFor[ca.Request]())},
		{"Subject", jsonNames(reflect.TypeFor[ca.Subject]())},
		{"ExternalRequest", jsonNames(reflect.TypeFor[ca.ExternalRequest]())},
		{"IssuerInfo", jsonNames(reflect.TypeFor[ca.IssuerInfo]())},
		{"Certificate", structJSONNames(t, "certificates.go", "certificateJSON")},
		{"ErrorDetail", structJSONNames(t, "errors.go", "errorDetail")},
	}
	for _, s := range shapes {
		if got := schemaProps(doc, s.schema); !slices.Equal(got, s.want) {
			t.Errorf("openapi.yaml schema %s has properties %v, want %v", s.schema, got, s.want)
		}
	}

	var reasons []string
	for r := range ca.RevocationReasons {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	got := slices.Clone(doc.Components.Schemas["RevokeRequest"].Properties["reason"].Enum)
	sort.Strings(got)
	if !slices.Equal(got, reasons) {
		t.Errorf("openapi.yaml RevokeRequest.reason enum = %v, want ca.RevocationReasons %v", got, reasons)
	}

	var profiles []string
	for p := range ca.DefaultProfiles() {
		if p != ca.ProfileOCSP { // kyso issues OCSP responders itself
			profiles = append(profiles, p)
		}
	}
	sort.Strings(profiles)
	got = slices.Clone(doc.Components.Schemas["IssueRequest"].Properties["profile"].Enum)
	sort.Strings(got)
	if !slices.Equal(got, profiles) {
		t.Errorf("openapi.yaml IssueRequest.profile enum = %v, want %v", got, profiles)
	}
}
