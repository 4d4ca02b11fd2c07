package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sourceDeclarers are the packages whose interfaces name what a pure
// package is handed to do its work: the signing formats' revocation data
// and time-stamps (pades.Revocation, pades.CertCRL, pades.Timestamper,
// xmldsig.Revocation…) and the verifier's (verifier.RevocationFetcher,
// verifier.RevocationChecker…). What answers them decides what a
// signature embeds or a verdict rests on: it is domain code (ca,
// truststore, signer/tsa, app), which cmd/kyso picks and wires, never
// code of package main.
var sourceDeclarers = []string{k("signer/..."), k("verifier/...")}

// sourceNotDeclarers are left out of sourceDeclarers: the signing
// service (package signer) declares what app hands it (Recorder,
// SealImages), which cmd's adapters to app's interfaces may well
// implement (sealImages, app's SealStore on the database).
var sourceNotDeclarers = []string{k("signer")}

// pendingCmdSources are the types of package main that still implement
// such an interface, each with why it is still there: the test logs them
// instead of failing, and fails once one no longer does, so that its
// mark is removed and the rule holds for it from then on.
var pendingCmdSources = map[string]string{}

// typedPackage is package main of cmd/kyso type-checked from its source,
// with the export data of its dependencies, and an importer of those.
type typedPackage struct {
	fset *token.FileSet
	pkg  *types.Package
	imp  types.Importer
	deps []string // the import paths of every dependency
}

// listed is one package of `go list -deps -export -json`.
type listed struct {
	ImportPath, Dir, Export string
	GoFiles                 []string
}

// typeCheckCmd type-checks cmd/kyso's non-test files (or, when src is
// given, those sources instead, as package main of cmd/kyso) against
// the export data `go list -export` builds for its dependencies.
func typeCheckCmd(t *testing.T, src map[string]string) *typedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-export", "-json=ImportPath,Dir,Export,GoFiles", module+"/cmd/kyso")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps -export %s/cmd/kyso: %v\n%s", module, err, stderr.String())
	}
	exports := map[string]string{}
	var main listed
	tp := &typedPackage{fset: token.NewFileSet()}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.ImportPath == module+"/cmd/kyso" {
			main = p
			continue
		}
		exports[p.ImportPath] = p.Export
		tp.deps = append(tp.deps, p.ImportPath)
	}
	if main.Dir == "" || len(main.GoFiles) < 10 {
		t.Fatalf("go list found no cmd/kyso with its files (%+v): not run in kyso's module?", main)
	}
	tp.imp = importer.ForCompiler(tp.fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(f)
	})
	var files []*ast.File
	if src == nil {
		for _, name := range main.GoFiles {
			f, err := parser.ParseFile(tp.fset, filepath.Join(main.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	} else {
		for name, s := range src {
			f, err := parser.ParseFile(tp.fset, name, s, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	conf := types.Config{Importer: tp.imp}
	if tp.pkg, err = conf.Check(module+"/cmd/kyso", tp.fset, files, nil); err != nil {
		t.Fatalf("type-checking cmd/kyso: %v", err)
	}
	return tp
}

// formatSources returns, by type name, what each type declared by
// package main implements of the interfaces the packages matching
// declarers but not except declare (exported, with at least one method):
// "httpTSA implements signer/pades.Timestamper".
func formatSources(t *testing.T, tp *typedPackage, declarers, except []string) map[string][]string {
	t.Helper()
	type iface struct {
		name string
		typ  *types.Interface
	}
	var ifaces []iface
	for _, path := range tp.deps {
		if !matchAny(path, declarers) || matchAny(path, except) {
			continue
		}
		p, err := tp.imp.Import(path)
		if err != nil {
			t.Fatalf("importing %s: %v", path, err)
		}
		for _, name := range p.Scope().Names() {
			tn, ok := p.Scope().Lookup(name).(*types.TypeName)
			if !ok || !tn.Exported() || tn.IsAlias() {
				continue
			}
			it, ok := tn.Type().Underlying().(*types.Interface)
			if !ok || it.NumMethods() == 0 || !it.IsMethodSet() {
				continue
			}
			ifaces = append(ifaces, iface{short(path) + "." + name, it})
		}
	}
	if len(ifaces) == 0 {
		t.Fatalf("no interface declared by %v (but %v): the rule would check nothing", declarers, except)
	}
	out := map[string][]string{}
	scope := tp.pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		if _, isIface := tn.Type().Underlying().(*types.Interface); isIface {
			continue
		}
		for _, it := range ifaces {
			if types.Implements(tn.Type(), it.typ) || types.Implements(types.NewPointer(tn.Type()), it.typ) {
				out[name] = append(out[name], name+" implements "+it.name)
			}
		}
	}
	return out
}

// TestCmdImplementsNoFormatSource: package main declares no type that
// implements an interface of a signing format or of the verifier (a
// revocation source, a time-stamper…). Such a type decides what a
// signature embeds or what a verdict rests on: it belongs to the package
// that owns the decision (ca.RevocationData for kyso's CA's answers,
// truststore.RevocationSources for the online fallback of an
// extension), and cmd only picks which one from the configuration.
// Before they moved, this refused cmd/kyso's revocation (wiring.go) and
// onlineRevocation (extendwiring.go).
func TestCmdImplementsNoFormatSource(t *testing.T) {
	found := formatSources(t, typeCheckCmd(t, nil), sourceDeclarers, sourceNotDeclarers)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range found {
			if !yield(n) {
				return
			}
		}
	}) {
		if why, ok := pendingCmdSources[name]; ok {
			t.Logf("pending (%s): %s", why, strings.Join(found[name], ", "))
			continue
		}
		t.Errorf("cmd/kyso: %s: move it to the package that owns the decision; cmd/kyso only wires it", strings.Join(found[name], ", "))
	}
	for name := range pendingCmdSources {
		if found[name] == nil {
			t.Errorf("cmd/kyso: %s implements no format's or verifier's interface any more: remove it from pendingCmdSources", name)
		}
	}
}

// TestFormatSourcesCatch checks the checker on a known package main: a
// revocation source and a time-stamper are found, through a value or a
// pointer receiver; adapters to app's interfaces (the audit log's, the
// seal images', which package signer's SealImages also describes) and a
// type with a method of the same name but another signature are not.
func TestFormatSourcesCatch(t *testing.T) {
	src := `package main

import (
	"context"
	"crypto"
	"crypto/x509"

	kapp "github.com/kyso-vn/kyso/app"
)

type revocation struct{}

func (revocation) OCSP(context.Context, *x509.Certificate, *x509.Certificate) ([]byte, error) { return nil, nil }
func (revocation) CRL(context.Context, *x509.Certificate) ([]byte, error)                      { return nil, nil }

type stamper struct{}

func (*stamper) Timestamp(context.Context, []byte, crypto.Hash) ([]byte, error) { return nil, nil }

type audit struct{}

func (audit) Record(context.Context, kapp.AuditEvent) error { return nil }

type seals struct{}

func (seals) SealImage(context.Context, string) ([]byte, error) { return nil, nil }

type notOCSP struct{}

func (notOCSP) OCSP(string) error { return nil }

func main() {}
`
	found := formatSources(t, typeCheckCmd(t, map[string]string{"x.go": src}), sourceDeclarers, sourceNotDeclarers)
	has := func(name, want string) bool { return slices.Contains(found[name], name+" implements "+want) }
	if !has("revocation", "signer/pades.Revocation") || !has("revocation", "signer/xmldsig.Revocation") {
		t.Errorf("revocation: found %q, want signer/pades.Revocation and signer/xmldsig.Revocation", found["revocation"])
	}
	if !has("stamper", "signer/pades.Timestamper") {
		t.Errorf("stamper: found %q, want signer/pades.Timestamper", found["stamper"])
	}
	for _, name := range []string{"audit", "seals", "notOCSP"} {
		if found[name] != nil {
			t.Errorf("%s: found %q, want nothing", name, found[name])
		}
	}
}
