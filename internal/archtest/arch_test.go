package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

// module is kyso's module path; rules name kyso's packages relative to it.
const module = "github.com/kyso-vn/kyso"

const vaultAPI = "github.com/hashicorp/vault/api"

// k names a kyso package, or with "/..." a package and everything under it.
func k(p string) string { return module + "/" + p }

// A rule says what some of kyso's packages must not import.
type rule struct {
	// name is the rule as docs/architecture.md states it.
	name string
	// from are the packages the rule applies to (patterns: a path, or a
	// path ending in "/..." for it and everything under it); except are
	// left out of them.
	from, except []string
	// deny are the patterns they must not import. allow, instead, lists
	// the only kyso packages they may import (besides their own subtree).
	deny, allow []string
	// direct judges only the packages' own imports; otherwise an import
	// through any chain of packages breaks the rule too.
	direct bool
	// tests judges the imports of the packages' _test.go files instead
	// of their own (always direct).
	tests bool
	// pending, when set, says why the rule does not hold yet: its
	// violations are logged, not failures. Clear it once the code is there.
	pending string
}

// floors are the layers of docs/architecture.md, top to bottom: a package
// may import packages of its own floor or below, never above. Packages not
// listed (keys, internal/..., config) sit outside the floors and have
// rules of their own.
var floors = []struct {
	name     string
	packages []string
}{
	{"cmd", []string{k("cmd/...")}},
	{"api", []string{k("api/...")}},
	{"app", []string{k("app/...")}},
	{"domain", []string{k("ca/..."), k("signer/..."), k("verifier/..."), k("truststore/..."), k("auth/..."), k("audit/...")}},
	{"data", []string{k("store/..."), k("model/..."), k("errkind/...")}},
}

var rules = []rule{
	{
		name:   "nothing but keys imports Vault's client (the test harnesses internal/devvault and internal/vaulttest aside; the tools module is another module)",
		from:   []string{k("...")},
		except: []string{k("keys"), k("internal/devvault"), k("internal/vaulttest")},
		deny:   []string{vaultAPI},
		direct: true,
	},
	{
		name:   "no test outside keys and the Vault harnesses imports Vault's client",
		from:   []string{k("...")},
		except: []string{k("keys"), k("internal/devvault"), k("internal/vaulttest")},
		deny:   []string{vaultAPI},
		tests:  true,
	},
	{
		name:   "keys knows nothing of X.509, PDF or kyso's other packages",
		from:   []string{k("keys")},
		allow:  []string{k("internal/config"), k("errkind")},
		direct: true,
	},
	{
		name:   "only cmd imports keys: keys is reached through interfaces that cmd wires (the test harness internal/vaulttest aside)",
		from:   []string{k("...")},
		except: []string{k("cmd/..."), k("keys"), k("internal/vaulttest")},
		deny:   []string{k("keys")},
		direct: true,
	},
	{
		name:   "api imports neither keys nor store",
		from:   []string{k("api/...")},
		deny:   []string{k("keys"), k("store/...")},
		direct: true,
	},
	{
		name:   "api crosses into app only: of kyso it imports api/..., app, model and errkind (and internal/config's section kit, internal/warnvi's sentences for the page)",
		from:   []string{k("api/...")},
		allow:  []string{k("app/..."), k("model"), k("errkind"), k("internal/config"), k("internal/warnvi")},
		direct: true,
	},
	{
		name:   "the CSC API (api/csc) and the confirmation page (api/confirm) cross into app only through package api: of kyso they import errkind and model",
		from:   []string{k("api/csc"), k("api/confirm")},
		allow:  []string{k("model"), k("errkind")},
		direct: true,
	},
	{
		name:   "each sub-router (api/admin, api/signing, api/pki, api/verify) crosses into app only, never through package api: of kyso it imports api/kit, app, model and errkind",
		from:   []string{k("api/admin/..."), k("api/signing/..."), k("api/pki/..."), k("api/verify/...")},
		allow:  []string{k("api/kit"), k("app/..."), k("model"), k("errkind")},
		direct: true,
	},
	{
		name:   "the sub-routers' kit (api/kit) imports of kyso only app, model and errkind",
		from:   []string{k("api/kit")},
		allow:  []string{k("app/..."), k("model"), k("errkind")},
		direct: true,
	},
	{
		name:   "the verifier signs nothing and reaches no key, database or api",
		from:   []string{k("verifier/...")},
		except: []string{k("verifier/attacksuite")}, // test kit: it makes the attacks, which takes signing
		deny:   []string{k("signer"), k("store/..."), k("keys"), k("api/..."), k("app/..."), k("cmd/..."), vaultAPI},
	},
	{
		name:   "the verifier imports no signing format package",
		from:   []string{k("verifier/...")},
		except: []string{k("verifier/attacksuite")},
		deny:   []string{k("signer/...")},
	},
	{
		name:   "the verifier is pure: it does no networking (net/http)",
		from:   []string{k("verifier/...")},
		except: []string{k("verifier/attacksuite")},
		deny:   []string{"net/http"},
	},
	{
		name: "signing format packages (signer/*) import neither store, keys nor api",
		from: []string{k("signer/...")},
		deny: []string{k("store/..."), k("keys"), k("api/..."), k("app/..."), k("cmd/..."), vaultAPI},
	},
	{
		name:   "app imports neither api, cmd, keys nor store: it reaches the database through the services below it and interfaces cmd wires",
		from:   []string{k("app/...")},
		deny:   []string{k("api/..."), k("cmd/..."), k("keys"), k("store/...")},
		direct: true,
	},
	{
		name: "signer (and signer/...) imports neither audit nor store: app records each signature and looks up seal images",
		from: []string{k("signer/...")},
		deny: []string{k("audit/..."), k("store/...")},
	},
	{
		name:  "signer's tests (and signer/...'s) import no app: the signing service is tested with a resolved credential, as app hands it one, never through app",
		from:  []string{k("signer/...")},
		deny:  []string{k("app/...")},
		tests: true,
	},
	{
		name:   "internal/xmlsig, which the verifier and signer/xmldsig both import, imports no kyso package but errkind",
		from:   []string{k("internal/xmlsig")},
		allow:  []string{k("errkind")},
		direct: true,
	},
	{
		name:   "store imports no kyso package but model and errkind",
		from:   []string{k("store/...")},
		allow:  []string{k("model"), k("errkind")},
		direct: true,
	},
	{
		name: "no package imports cmd",
		from: []string{k("...")},
		deny: []string{k("cmd/...")},
	},
}

// pkg is one package of `go list -deps -json`.
type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// load lists kyso's packages and all they import, with their imports.
func load(t *testing.T) (map[string]*pkg, []string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-test=false", "-json=ImportPath,Imports,TestImports,XTestImports", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps -json %s/...: %v\n%s", module, err, stderr.String())
	}
	all := map[string]*pkg{}
	var own []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(pkg)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		all[p.ImportPath] = p
		if match(p.ImportPath, module+"/...") {
			own = append(own, p.ImportPath)
		}
	}
	sort.Strings(own)
	if len(own) < 10 || all[k("keys")] == nil {
		t.Fatalf("go list found %d of kyso's packages (%v): not run in kyso's module?", len(own), own)
	}
	return all, own
}

// match reports whether path matches pattern: a path, or one ending in
// "/..." for it and everything under it (module+"/..." is all of kyso).
func match(path, pattern string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

func matchAny(path string, patterns []string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(path, p) })
}

func short(path string) string {
	if path == module {
		return "kyso (module root)"
	}
	return strings.TrimPrefix(path, module+"/")
}

// chain is the shortest import chain from one package to a package that
// matches bad, "" if none.
func chain(all map[string]*pkg, from string, bad func(string) bool) string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		p := all[cur]
		if p == nil {
			continue
		}
		for _, imp := range p.Imports {
			if _, seen := prev[imp]; seen {
				continue
			}
			prev[imp] = cur
			if bad(imp) {
				var path []string
				for n := imp; n != ""; n = prev[n] {
					path = append(path, short(n))
				}
				slices.Reverse(path)
				return strings.Join(path, " → ")
			}
			queue = append(queue, imp)
		}
	}
	return ""
}

// violations returns the imports of the packages r applies to that break it.
func (r rule) violations(all map[string]*pkg, own []string) []string {
	var out []string
	for _, name := range own {
		if !matchAny(name, r.from) || matchAny(name, r.except) {
			continue
		}
		p := all[name]
		bad := func(imp string) bool {
			if imp == name {
				return false
			}
			if r.allow != nil {
				if !match(imp, module+"/...") || matchAny(imp, r.allow) {
					return false
				}
				// Its own subtree (api/admin in api) is allowed.
				for _, f := range r.from {
					if match(imp, f) && match(name, f) {
						return false
					}
				}
				return true
			}
			return matchAny(imp, r.deny)
		}
		switch {
		case r.tests:
			for _, imp := range append(slices.Clone(p.TestImports), p.XTestImports...) {
				if bad(imp) {
					out = append(out, fmt.Sprintf("%s (tests) imports %s", short(name), short(imp)))
				}
			}
		case r.direct || r.allow != nil:
			for _, imp := range p.Imports {
				if bad(imp) {
					out = append(out, fmt.Sprintf("%s imports %s", short(name), short(imp)))
				}
			}
		default:
			if c := chain(all, name, bad); c != "" {
				out = append(out, "imports through "+c)
			}
		}
	}
	return out
}

func floorOf(path string) int {
	for i, f := range floors {
		if matchAny(path, f.packages) {
			return i
		}
	}
	return -1
}

// TestImportRules checks kyso's package graph against the rules of
// docs/architecture.md. A rule marked pending is reported with t.Log;
// every other rule fails the test with the import that breaks it.
func TestImportRules(t *testing.T) {
	all, own := load(t)
	for _, r := range rules {
		v := r.violations(all, own)
		switch {
		case r.pending != "" && len(v) == 0:
			t.Errorf("rule %q holds now: clear its pending (%s)", r.name, r.pending)
		case r.pending != "":
			t.Logf("pending rule %q (%s):\n\t%s", r.name, r.pending, strings.Join(v, "\n\t"))
		case len(v) > 0:
			t.Errorf("import rule broken: %s:\n\t%s", r.name, strings.Join(v, "\n\t"))
		}
	}
}

// TestFloors: no package imports a package of a floor above its own
// (cmd → api → app → domain → data).
func TestFloors(t *testing.T) {
	all, own := load(t)
	for _, name := range own {
		f := floorOf(name)
		if f < 0 {
			continue
		}
		for _, imp := range all[name].Imports {
			if g := floorOf(imp); g >= 0 && g < f {
				t.Errorf("%s (floor %s) imports %s of the floor above it (%s): imports point down only (cmd → api → app → domain → data)",
					short(name), floors[f].name, short(imp), floors[g].name)
			}
		}
	}
}

// TestRulesCatch checks the checker: rules written against a graph with
// known bad imports report each of them, with the chain for an indirect one.
func TestRulesCatch(t *testing.T) {
	all := map[string]*pkg{
		k("verifier"):   {ImportPath: k("verifier"), Imports: []string{k("internal/x"), "bytes"}},
		k("internal/x"): {ImportPath: k("internal/x"), Imports: []string{"net/http"}},
		k("api"):        {ImportPath: k("api"), Imports: []string{k("store"), k("api/admin")}, TestImports: []string{vaultAPI}},
		k("api/admin"):  {ImportPath: k("api/admin"), Imports: []string{k("app")}},
		k("store"):      {ImportPath: k("store"), Imports: []string{k("model"), k("ca")}},
	}
	own := []string{k("api"), k("api/admin"), k("internal/x"), k("store"), k("verifier")}
	tests := []struct {
		r    rule
		want []string
	}{
		{rule{from: []string{k("verifier/...")}, deny: []string{"net/http"}}, []string{"imports through verifier → internal/x → net/http"}},
		{rule{from: []string{k("verifier/...")}, deny: []string{"net/http"}, direct: true}, nil},
		{rule{from: []string{k("api/...")}, deny: []string{k("store/...")}, direct: true}, []string{"api imports store"}},
		{rule{from: []string{k("api/...")}, allow: []string{k("app/...")}, direct: true}, []string{"api imports store"}},
		{rule{from: []string{k("...")}, deny: []string{vaultAPI}, tests: true}, []string{"api (tests) imports " + vaultAPI}},
		{rule{from: []string{k("store/...")}, allow: []string{k("model")}, direct: true}, []string{"store imports ca"}},
		{rule{from: []string{k("...")}, except: []string{k("store")}, deny: []string{k("ca")}, direct: true}, nil},
	}
	for i, tc := range tests {
		if got := tc.r.violations(all, own); !slices.Equal(got, tc.want) {
			t.Errorf("rule %d: violations = %q, want %q", i, got, tc.want)
		}
	}
}
