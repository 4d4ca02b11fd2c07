package api_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"gopkg.in/yaml.v3"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/appearance"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/signer/tsa"
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/verifier"
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
	RequestBody *struct {
		Content map[string]yaml.Node `yaml:"content"`
	} `yaml:"requestBody"`
	Responses map[string]yaml.Node `yaml:"responses"`
}

type openAPIParameter struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

type openAPISchema struct {
	Properties map[string]openAPISchema `yaml:"properties"`
	Enum       []string                 `yaml:"enum"`
	Items      *openAPISchema           `yaml:"items"`
	MinItems   *int                     `yaml:"minItems"`
	MaxItems   *int                     `yaml:"maxItems"`
	MinLength  *int                     `yaml:"minLength"`
	MaxLength  *int                     `yaml:"maxLength"`
	Pattern    string                   `yaml:"pattern"`
}

// openAPIResponse is the part of a response object these tests read.
type openAPIResponse struct {
	Ref     string               `yaml:"$ref"`
	Headers map[string]yaml.Node `yaml:"headers"`
	Content map[string]yaml.Node `yaml:"content"`
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

// The security schemes of openapi.yaml: admin tokens for the admin API,
// client API keys for the signing API.
const (
	adminScheme  = "adminBearer"
	clientScheme = "clientBearer"
)

// openAPIProbeAdmins and openAPIProbeClients stand in for the credential
// checks: they only note that a route ran them, and refuse. The embedded
// interfaces (nil) are never called: no request gets past the check.
type openAPIProbeAdmins struct {
	api.AdminAuth
	called *bool
}

func (p openAPIProbeAdmins) AdminID(context.Context, string) (string, error) {
	*p.called = true
	return "", auth.ErrUnauthorized
}

type openAPIProbeClients struct {
	api.ClientAuth
	called *bool
}

func (p openAPIProbeClients) Authenticate(context.Context, string) (*store.Client, error) {
	*p.called = true
	return nil, auth.ErrUnauthorized
}

// openAPIProbeSigning is a non-nil signing service (without one the
// signing routes answer 503 before checking the key); it is never called.
type openAPIProbeSigning struct{ api.Signing }

// routeSchemes asks the server itself which credential each route checks:
// it sends every (path, method) a bearer token and sees whether the admin
// check, the client check or neither ran. It returns the security scheme
// name ("" for a public route) by OpenAPI path and method.
func routeSchemes(t *testing.T, routes map[string][]string) map[string]map[string]string {
	t.Helper()
	var adminCalled, clientCalled bool
	srv := api.New(api.Config{}, api.Deps{
		Admins:  openAPIProbeAdmins{called: &adminCalled},
		Clients: openAPIProbeClients{called: &clientCalled},
		Signing: openAPIProbeSigning{},
	})
	vars := regexp.MustCompile(`\{[^}]+\}`)
	out := map[string]map[string]string{}
	for path, methods := range routes {
		out[path] = map[string]string{}
		for _, m := range methods {
			adminCalled, clientCalled = false, false
			req := httptest.NewRequest(m, vars.ReplaceAllString(path, "probe"), nil)
			req.Header.Set("Authorization", "Bearer kyso_probe")
			rec := httptest.NewRecorder()
			// Public routes run against no CA here; their panics are
			// recovered into 500s, which is all right: only the
			// credential check matters.
			srv.ServeHTTP(rec, req)
			switch {
			case adminCalled && clientCalled:
				t.Errorf("%s %s checks both an admin token and a client key", m, path)
			case adminCalled:
				out[path][m] = adminScheme
			case clientCalled:
				out[path][m] = clientScheme
			default:
				if rec.Code == http.StatusUnauthorized {
					t.Errorf("%s %s answers 401 without asking either credential check", m, path)
				}
				out[path][m] = ""
			}
		}
	}
	return out
}

// TestOpenAPIOperations checks each documented operation: path parameters
// match the template, each operation documents exactly the security scheme
// the server enforces (adminBearer for the admin API, clientBearer for the
// signing API, nothing for public routes) and 401 when it needs one.
func TestOpenAPIOperations(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, name := range []string{adminScheme, clientScheme} {
		if s, ok := doc.Components.SecuritySchemes[name]; !ok || s.Type != "http" || s.Scheme != "bearer" {
			t.Errorf("components.securitySchemes.%s = %+v, want type http, scheme bearer", name, s)
		}
	}
	routes, _ := routeTable(t)
	enforced := routeSchemes(t, routes)
	// A citizen's authorisation is asked for by a client system, though
	// it lives under the credential; extending a PDF spends a time-stamp
	// of kyso's TSA, for client systems.
	signing := func(path string) bool {
		return strings.HasPrefix(path, "/v1/sign/") || strings.HasPrefix(path, "/v1/extend/") || path == "/v1/credentials/{id}/authorize"
	}
	for path := range enforced {
		for m, scheme := range enforced[path] {
			if signing(path) && scheme != clientScheme {
				t.Errorf("%s %s: the server checks %q, want the client key (%s)", m, path, scheme, clientScheme)
			}
			if strings.HasPrefix(path, "/v1/verify/") && scheme != "" {
				t.Errorf("%s %s: the server checks %q; verification is public", m, path, scheme)
			}
			if strings.HasPrefix(path, "/v1/") && !signing(path) && !strings.HasPrefix(path, "/v1/verify/") && scheme != adminScheme {
				t.Errorf("%s %s: the server checks %q, want the admin token (%s)", m, path, scheme, adminScheme)
			}
		}
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
			want, served := enforced[path][method]
			switch {
			case !served:
				// TestOpenAPIMatchesRouter reports it.
			case want == "":
				if len(schemes) > 0 {
					t.Errorf("%s %s is public but documents security %v", method, path, schemes)
				}
			default:
				if !slices.Equal(schemes, []string{want}) {
					t.Errorf("%s %s: security %v, want [%s] (what the server checks)", method, path, schemes, want)
				}
				if _, ok := op.Responses["401"]; !ok {
					t.Errorf("%s %s does not document 401", method, path)
				}
			}
			for code := range op.Responses {
				if n, err := strconv.Atoi(code); err != nil || n < 100 || n > 599 {
					t.Errorf("%s %s: response %q is not an HTTP status", method, path, code)
				}
			}
		}
	}
}

// errorCodes returns the Code* constants of package api (errors.go, sign.go
// and any other non-test file).
func errorCodes(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, file := range files {
		if !strings.HasSuffix(file, "_test.go") {
			constCodes(t, file, codes)
		}
	}
	if len(codes) == 0 {
		t.Fatal("no Code* constants found in package api")
	}
	for _, name := range []string{"CodeInvalidRequest", "CodeForbidden", "CodeConsentFailed", "CodeLocked", "CodeInvalidDoc", "CodeNotConfigured", "CodeCredentialBusy"} {
		if _, ok := codes[name]; !ok {
			t.Errorf("%s not found among the Code* constants: does errorCodes read every file?", name)
		}
	}
	return codes
}

// constCodes adds the string Code* constants of file to codes.
func constCodes(t *testing.T, file string, codes map[string]string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
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
				if prev, dup := codes[name.Name]; dup && prev != v {
					t.Errorf("%s is declared twice", name.Name)
				}
				codes[name.Name] = v
			}
		}
	}
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

// jsonNames returns the JSON field names of a struct type. As in
// encoding/json, the fields of an embedded struct without a JSON name are
// promoted (app.HashRequest embeds app.CMSRequest).
func jsonNames(typ reflect.Type) []string {
	var out []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonNames(f.Type)...)
			continue
		}
		if name != "" && name != "-" && f.IsExported() {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// handlerFacts is what a handler function's source says about its JSON:
// the JSON names of the fields of the struct types declared in it (the
// request body, a response item), the types those structs embed, the keys
// of the map literals it answers with and the string values given to each
// key.
type handlerFacts struct {
	fields    []string
	embedded  []string
	mapKeys   []string
	mapValues map[string][]string
	// headers maps each header set with w.Header().Set to the string
	// literal it is set to ("" when it is not a literal).
	headers map[string]string
	// uploadType is the body type a handler passes to readUpload.
	uploadType string
}

// addKey records a JSON object key and, when it is a string literal, the
// value it is given.
func (f *handlerFacts) addKey(key string, value ast.Expr) {
	f.mapKeys = append(f.mapKeys, key)
	if lit, ok := value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
		if v, err := strconv.Unquote(lit.Value); err == nil {
			f.mapValues[key] = append(f.mapValues[key], v)
		}
	}
}

// funcFacts reads the handler function fn of file (package api).
func funcFacts(t *testing.T, file, fn string) handlerFacts {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var body *ast.BlockStmt
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == fn {
			body = fd.Body
		}
	}
	if body == nil {
		t.Fatalf("function %s not found in %s", fn, file)
	}
	str := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(lit.Value)
		return v, err == nil
	}
	facts := handlerFacts{mapValues: map[string][]string{}, headers: map[string]string{}}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.StructType:
			for _, fld := range n.Fields.List {
				if len(fld.Names) == 0 && fld.Tag == nil {
					if sel, ok := fld.Type.(*ast.SelectorExpr); ok {
						facts.embedded = append(facts.embedded, sel.X.(*ast.Ident).Name+"."+sel.Sel.Name)
					}
					continue
				}
				if fld.Tag == nil {
					continue
				}
				tag, _ := strconv.Unquote(fld.Tag.Value)
				if name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ","); name != "" && name != "-" {
					facts.fields = append(facts.fields, name)
				}
			}
		case *ast.CompositeLit:
			if _, ok := n.Type.(*ast.MapType); !ok {
				return true
			}
			for _, el := range n.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				if k, ok := str(kv.Key); ok {
					facts.addKey(k, kv.Value)
				}
			}
		case *ast.AssignStmt:
			// item["status"], item["error"] = "failed", detail
			for i, lhs := range n.Lhs {
				ix, ok := lhs.(*ast.IndexExpr)
				if !ok {
					continue
				}
				if k, ok := str(ix.Index); ok {
					var v ast.Expr
					if len(n.Rhs) == len(n.Lhs) {
						v = n.Rhs[i]
					}
					facts.addKey(k, v)
				}
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch sel.Sel.Name {
			case "Set":
				// w.Header().Set(name, value)
				inner, ok := sel.X.(*ast.CallExpr)
				if !ok || len(n.Args) != 2 {
					return true
				}
				if hs, ok := inner.Fun.(*ast.SelectorExpr); ok && hs.Sel.Name == "Header" {
					if name, ok := str(n.Args[0]); ok {
						v, _ := str(n.Args[1])
						facts.headers[name] = v
					}
				}
			case "readUpload":
				if len(n.Args) > 0 {
					facts.uploadType, _ = str(n.Args[len(n.Args)-1])
				}
			}
		}
		return true
	})
	sort.Strings(facts.fields)
	facts.mapKeys = sortedUnique(facts.mapKeys)
	return facts
}

func sortedUnique(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return slices.Compact(s)
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

// operation returns the documented operation, failing the test if it is
// missing.
func operation(t *testing.T, doc *openAPIDoc, method, path string) *openAPIOperation {
	t.Helper()
	op := doc.Paths[path].operations()[method]
	if op == nil {
		t.Fatalf("openapi.yaml does not document %s %s", method, path)
	}
	return op
}

// response decodes a documented response, following a reference to
// components.responses.
func response(t *testing.T, op *openAPIOperation, status string) openAPIResponse {
	t.Helper()
	node, ok := op.Responses[status]
	if !ok {
		t.Fatalf("operation %s documents no %s response", op.OperationID, status)
	}
	var r openAPIResponse
	if err := node.Decode(&r); err != nil {
		t.Fatal(err)
	}
	if name, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok {
		data, err := os.ReadFile(openAPIPath)
		if err != nil {
			t.Fatal(err)
		}
		var all struct {
			Components struct {
				Responses map[string]openAPIResponse `yaml:"responses"`
			} `yaml:"components"`
		}
		if err := yaml.Unmarshal(data, &all); err != nil {
			t.Fatal(err)
		}
		if r, ok = all.Components.Responses[name]; !ok {
			t.Fatalf("response reference %s is not defined", r.Ref)
		}
	}
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
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
		{"IssueRequest", issueRequestNames(t)},
		{"Subject", jsonNames(reflect.TypeFor[model.Subject]())},
		{"ExternalRequest", jsonNames(reflect.TypeFor[app.ExternalRequest]())},
		{"IssuerInfo", jsonNames(reflect.TypeFor[model.IssuerInfo]())},
		{"Certificate", structJSONNames(t, "admin/certificates.go", "certificateJSON")},
		{"ErrorDetail", structJSONNames(t, "errors.go", "errorDetail")},
		{"PDFRequest", jsonNames(reflect.TypeFor[app.PDFRequest]())},
		{"Appearance", jsonNames(reflect.TypeFor[app.Appearance]())},
		{"CMSRequest", jsonNames(reflect.TypeFor[app.CMSRequest]())},
		{"HashRequest", jsonNames(reflect.TypeFor[app.HashRequest]())},
		{"ClientRequest", sortedUnique(append(funcFacts(t, "admin/clients.go", "createClient").fields, structJSONNames(t, "admin/clients.go", "expiry")...))},
		{"Client", sortedUnique(append(funcFacts(t, "admin/clients.go", "clientJSON").mapKeys, "api_key"))},
		{"ExpiryRequest", structJSONNames(t, "admin/clients.go", "expiry")},
		{"ClientState", funcFacts(t, "admin/clients.go", "setClientDisabled").mapKeys},
		{"AdminTokenRequest", sortedUnique(append(funcFacts(t, "admin/clients.go", "createAdminToken").fields, structJSONNames(t, "admin/clients.go", "expiry")...))},
		{"AdminToken", sortedUnique(append(funcFacts(t, "admin/clients.go", "adminTokenJSON").mapKeys, "token"))},
		{"PINRequest", structJSONNames(t, "admin/credentials.go", "pinRequest")},
		{"UnlockRequest", structJSONNames(t, "admin/credentials.go", "unlockRequest")},
		{"BindClientRequest", structJSONNames(t, "admin/credentials.go", "bindClientRequest")},
		{"Evidence", jsonNames(reflect.TypeFor[app.Evidence]())},
		{"ClientBinding", funcFacts(t, "admin/credentials.go", "bindClient").mapKeys},
		{"AuthorizeRequest", structJSONNames(t, "signing/authorize.go", "authorizeRequest")},
		{"AuthorizeResponse", funcFacts(t, "signing/authorize.go", "authorize").mapKeys},
		{"TOTPEnrolment", structJSONNames(t, "admin/credentials.go", "totpJSON")},
		{"TOTPRequest", structJSONNames(t, "admin/credentials.go", "totpRequest")},
		{"TOTPAnswer", funcFacts(t, "admin/credentials.go", "enrolTOTP").mapKeys},
		{"CredentialState", sortedUnique(append(funcFacts(t, "admin/credentials.go", "setPIN").mapKeys, funcFacts(t, "admin/credentials.go", "unlockCredential").mapKeys...))},
		{"HashResponse", funcFacts(t, "signing/sign.go", "signHash").mapKeys},
		{"HashSignature", funcFacts(t, "signing/sign.go", "signHash").fields},
		// "pdf" is streamed into each item, not set in the map.
		{"BatchResult", sortedUnique(append(funcFacts(t, "signing/batchanswer.go", "batchItem").mapKeys, "pdf"))},
		{"SealImageResult", funcFacts(t, "admin/seal.go", "putSealImage").mapKeys},
		{"Report", jsonNames(reflect.TypeFor[verifier.Report]())},
		{"SignatureReport", jsonNames(reflect.TypeFor[verifier.Signature]())},
		{"ReportSigner", jsonNames(reflect.TypeFor[verifier.Signer]())},
		{"ReportChange", jsonNames(reflect.TypeFor[verifier.Change]())},
		{"ReportChainCert", jsonNames(reflect.TypeFor[verifier.ChainCert]())},
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
		// kyso issues OCSP responders and its TLS server certificate
		// itself; client systems' TLS certificates have their own route.
		if p != ca.ProfileOCSP && p != ca.ProfileTLSServer && p != ca.ProfileTLSClient {
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

// issueRequestNames are the JSON names POST /v1/certificates accepts: those
// of the struct the issue handler decodes, with ca.Request's fields for the
// embedded ca.Request.
func issueRequestNames(t *testing.T) []string {
	t.Helper()
	f := funcFacts(t, "admin/certificates.go", "issue")
	names := slices.Clone(f.fields)
	for _, e := range f.embedded {
		switch e {
		case "app.IssueRequest":
			names = append(names, jsonNames(reflect.TypeFor[app.IssueRequest]())...)
		default:
			t.Errorf("the issue handler's request embeds %s, which this test does not know", e)
		}
	}
	if !slices.Contains(names, "pin") {
		t.Errorf("the issue handler's request has no \"pin\": %v", names)
	}
	return sortedUnique(names)
}

// schemaEnum returns the sorted enum of a property of a component schema.
func schemaEnum(doc *openAPIDoc, schema, prop string) []string {
	return sortedUnique(doc.Components.Schemas[schema].Properties[prop].Enum)
}

// TestOpenAPISigning pins the signing API's documentation to the code: the
// enums to the values the signer accepts, the limits to its constants, the
// request and response media types and the Kyso-* headers to the handlers,
// and the status values to what the admin routes answer.
func TestOpenAPISigning(t *testing.T) {
	doc := loadOpenAPI(t)
	enums := []struct {
		schema, prop string
		want         []string
	}{
		{"PDFRequest", "level", []string{string(pades.LevelBB), string(pades.LevelBT), string(pades.LevelBLT), string(pades.LevelBLTA)}},
		{"PDFRequest", "scheme", []string{pades.SchemePKCS1v15, pades.SchemePSS}},
		{"PDFRequest", "sub_filter", []string{pades.SubFilterCAdES, pades.SubFilterPKCS7}},
		{"PDFRequest", "certify", []string{"0", "1", "2", "3"}},
		{"CMSRequest", "scheme", []string{pades.SchemePKCS1v15, pades.SchemePSS}},
		{"HashRequest", "scheme", []string{pades.SchemePKCS1v15, pades.SchemePSS}},
		{"Appearance", "template", []string{string(appearance.TemplateLeader), string(appearance.TemplateSeal), string(appearance.TemplateCitizen)}},
		{"CredentialState", "status", sortedUnique(append(funcFacts(t, "admin/credentials.go", "setPIN").mapValues["status"], funcFacts(t, "admin/credentials.go", "unlockCredential").mapValues["status"]...))},
		{"BatchResult", "status", funcFacts(t, "signing/batchanswer.go", "batchItem").mapValues["status"]},
		{"BatchResult", "level", []string{string(pades.LevelBB), string(pades.LevelBT), string(pades.LevelBLT), string(pades.LevelBLTA)}},
	}
	for _, e := range enums {
		if got := schemaEnum(doc, e.schema, e.prop); !slices.Equal(got, sortedUnique(e.want)) {
			t.Errorf("openapi.yaml %s.%s enum = %v, want %v", e.schema, e.prop, got, sortedUnique(e.want))
		}
	}
	for _, tmpl := range schemaEnum(doc, "Appearance", "template") {
		if !appearance.Template(tmpl).Valid() {
			t.Errorf("Appearance.template %q is not a valid appearance.Template", tmpl)
		}
	}
	if got := schemaEnum(doc, "CMSRequest", "hash_algorithm"); !slices.Equal(got, schemaEnum(doc, "HashRequest", "hash_algorithm")) {
		t.Errorf("CMSRequest.hash_algorithm enum %v differs from HashRequest's %v", got, schemaEnum(doc, "HashRequest", "hash_algorithm"))
	}

	files := operationFileParts(t, doc, "/v1/sign/pdf/batch")
	if files.MaxItems == nil || *files.MaxItems != app.MaxBatchDocuments {
		t.Errorf("POST /v1/sign/pdf/batch: file maxItems = %s, want %d (app.MaxBatchDocuments)", intOrNone(files.MaxItems), app.MaxBatchDocuments)
	}
	hashes := doc.Components.Schemas["HashRequest"].Properties["hashes"]
	if hashes.MaxItems == nil || *hashes.MaxItems != app.MaxHashes || hashes.MinItems == nil || *hashes.MinItems != 1 {
		t.Errorf("HashRequest.hashes minItems/maxItems = %s/%s, want 1/%d (app.MaxHashes)", intOrNone(hashes.MinItems), intOrNone(hashes.MaxItems), app.MaxHashes)
	}
	pin := doc.Components.Schemas["PIN"]
	if pin.MinLength == nil || *pin.MinLength != auth.MinPINLength || pin.MaxLength == nil || *pin.MaxLength != auth.MaxPINLength {
		t.Errorf("PIN minLength/maxLength = %s/%s, want %d/%d (auth.MinPINLength, auth.MaxPINLength)", intOrNone(pin.MinLength), intOrNone(pin.MaxLength), auth.MinPINLength, auth.MaxPINLength)
	}
	if want := "^[0-9]{" + strconv.Itoa(auth.MinPINLength) + "," + strconv.Itoa(auth.MaxPINLength) + "}$"; pin.Pattern != want {
		t.Errorf("PIN pattern = %q, want %q", pin.Pattern, want)
	}
	if ex := "246810"; auth.ValidatePIN(ex) != nil {
		t.Errorf("the documentation's example PIN %s breaks the PIN rules", ex)
	}

	// Request and response media types, and the headers the handlers set.
	routes := []struct {
		path, handler string
		request       []string // documented request media types
		response      string   // the 200 answer's media type
		file          string   // the handler's file; "" is signing/sign.go
	}{
		// signPDF streams its answer: pdfResponse.BeginResult sets the
		// headers.
		{"/v1/sign/pdf", "BeginResult", []string{"multipart/form-data", funcFacts(t, "signing/sign.go", "signPDF").uploadType}, funcFacts(t, "signing/sign.go", "BeginResult").headers["Content-Type"], ""},
		{"/v1/sign/pdf/batch", "signPDFBatch", []string{"multipart/form-data"}, "application/json", ""},
		{"/v1/sign/cms", "signCMS", []string{"multipart/form-data", funcFacts(t, "signing/sign.go", "signCMS").uploadType}, funcFacts(t, "signing/sign.go", "signCMS").headers["Content-Type"], ""},
		{"/v1/sign/hash", "signHash", []string{"application/json"}, "application/json", ""},
		{"/pki/tsa", "tsa", []string{tsa.ContentTypeQuery}, tsa.ContentTypeReply, "pki/pki.go"},
	}
	for _, rt := range routes {
		op := operation(t, doc, http.MethodPost, rt.path)
		if op.RequestBody == nil {
			t.Errorf("POST %s documents no request body", rt.path)
		} else if got := sortedKeys(op.RequestBody.Content); !slices.Equal(got, sortedUnique(rt.request)) {
			t.Errorf("POST %s request media types = %v, want %v", rt.path, got, sortedUnique(rt.request))
		}
		ok := response(t, op, "200")
		if rt.response == "" {
			t.Errorf("%s sets no Content-Type", rt.handler)
		} else if _, found := ok.Content[rt.response]; !found {
			t.Errorf("POST %s 200 media types = %v, want %s", rt.path, sortedKeys(ok.Content), rt.response)
		}
		if rt.file == "" {
			rt.file = "signing/sign.go"
		}
		for h := range funcFacts(t, rt.file, rt.handler).headers {
			if !strings.HasPrefix(h, "Kyso-") && h != "Content-Disposition" && h != "Cache-Control" {
				continue
			}
			if !slices.ContainsFunc(sortedKeys(ok.Headers), func(d string) bool { return strings.EqualFold(d, h) }) {
				t.Errorf("POST %s: %s sets the %s header, which the 200 answer does not document", rt.path, rt.handler, h)
			}
		}
	}
	for _, rt := range []string{"/v1/sign/pdf", "/v1/sign/cms"} {
		op := operation(t, doc, http.MethodPost, rt)
		found := false
		for _, p := range op.Parameters {
			name, _ := strings.CutPrefix(p.Ref, "#/components/parameters/")
			if p.Name == "Kyso-Options" || doc.Components.Parameters[name].Name == "Kyso-Options" && doc.Components.Parameters[name].In == "header" {
				found = true
			}
		}
		if !found {
			t.Errorf("POST %s does not document the Kyso-Options header", rt)
		}
	}
	// The signing API's own error codes are documented on its routes.
	for path, codes := range map[string][]string{
		"/v1/sign/pdf":       {"401", "403", "404", "409", "413", "415", "422", "503"},
		"/v1/sign/pdf/batch": {"401", "403", "404", "409", "413", "415", "503"},
		"/v1/sign/cms":       {"401", "403", "404", "409", "413", "415", "503"},
		"/v1/sign/hash":      {"401", "403", "404", "409", "413", "415", "503"},
		"/pki/tsa":           {"413", "415", "503"},
		"/v1/clients":        {"401", "400", "503"},
	} {
		op := operation(t, doc, http.MethodPost, path)
		for _, c := range codes {
			if _, ok := op.Responses[c]; !ok {
				t.Errorf("POST %s does not document %s", path, c)
			}
		}
	}
}

// operationFileParts returns the "file" property of the multipart request
// schema of POST path.
func operationFileParts(t *testing.T, doc *openAPIDoc, path string) openAPISchema {
	t.Helper()
	op := operation(t, doc, http.MethodPost, path)
	if op.RequestBody == nil {
		t.Fatalf("POST %s documents no request body", path)
	}
	node, ok := op.RequestBody.Content["multipart/form-data"]
	if !ok {
		t.Fatalf("POST %s documents no multipart/form-data body", path)
	}
	var mt struct {
		Schema openAPISchema `yaml:"schema"`
	}
	if err := node.Decode(&mt); err != nil {
		t.Fatal(err)
	}
	return mt.Schema.Properties["file"]
}

// intOrNone prints an optional schema number.
func intOrNone(p *int) string {
	if p == nil {
		return "(none)"
	}
	return strconv.Itoa(*p)
}
