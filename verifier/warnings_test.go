package verifier

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// warningFormats reads the verifier's source and returns every format
// string it writes a warning with: the first argument of a warn call, of
// an fmt.Sprintf appended to a list of warnings, and a string literal
// appended to one.
func warningFormats(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	lit := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	isSprintf := func(e ast.Expr) (*ast.CallExpr, bool) {
		c, ok := e.(*ast.CallExpr)
		if !ok {
			return nil, false
		}
		sel, ok := c.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Sprintf" {
			return nil, false
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "fmt" {
			return nil, false
		}
		return c, true
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			// Functions that build a list of warnings (uncheckedWarnings).
			builder := strings.HasSuffix(fn.Name.Name, "Warnings")
			ast.Inspect(fn, func(n ast.Node) bool {
				c, ok := n.(*ast.CallExpr)
				if !ok || len(c.Args) == 0 {
					return true
				}
				if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "warn" {
					if s, ok := lit(c.Args[0]); ok {
						found[s] = fset.Position(c.Pos()).String()
					} else {
						t.Errorf("%s: warn with a format that is not a literal", fset.Position(c.Pos()))
					}
					return true
				}
				id, ok := c.Fun.(*ast.Ident)
				if !ok || id.Name != "append" {
					return true
				}
				target := types(c.Args[0])
				if !strings.Contains(strings.ToLower(target), "warnings") && !(builder && target == "out") {
					return true
				}
				for _, a := range c.Args[1:] {
					if s, ok := lit(a); ok {
						found[s] = fset.Position(a.Pos()).String()
					} else if sp, ok := isSprintf(a); ok {
						s, ok := lit(sp.Args[0])
						if id, isID := sp.Args[0].(*ast.Ident); isID && id.Name == "format" {
							continue // the warn functions themselves
						}
						if !ok {
							t.Errorf("%s: a warning with a format that is not a literal", fset.Position(a.Pos()))
							continue
						}
						found[s] = fset.Position(a.Pos()).String()
					}
				}
				return true
			})
		}
	}
	return found
}

// types renders an expression that names a list (e.warnings, out).
func types(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return types(x.X) + "." + x.Sel.Name
	}
	return ""
}

// TestWarningCodesCoverSource: every warning sentence the verifier writes
// is in WarningCodes, so that each has a code a page can say in
// Vietnamese.
func TestWarningCodesCoverSource(t *testing.T) {
	formats := warningFormats(t)
	if len(formats) < 40 {
		t.Fatalf("found %d warning formats in the source, want at least 40: the scan is broken", len(formats))
	}
	known := map[string]bool{}
	for _, d := range WarningCodes {
		known[d.Format] = true
	}
	for f, pos := range formats {
		if !known[f] {
			t.Errorf("%s: warning %q has no entry in WarningCodes", pos, f)
		}
	}
}

// TestWarningCodesTable: codes are unique snake_case words, each entry
// names every verb of its format, and a sentence written with it is
// coded back to it with its parameters.
func TestWarningCodesTable(t *testing.T) {
	seen := map[string]bool{WarnCheckFailed: true, WarnOther: true}
	code := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	verb := regexp.MustCompile(`%[sdvq]`)
	for _, d := range WarningCodes {
		if seen[d.Code] || !code.MatchString(d.Code) {
			t.Errorf("code %q is repeated or not snake_case", d.Code)
		}
		seen[d.Code] = true
		verbs := verb.FindAllString(d.Format, -1)
		if len(verbs) != len(d.Params) {
			t.Errorf("%s: %d verbs, %d params", d.Code, len(verbs), len(d.Params))
			continue
		}
		var args []any
		want := map[string]string{}
		for i, v := range verbs {
			val := fmt.Sprintf("v%d", i)
			if v == "%d" {
				val = strconv.Itoa(10 + i)
				args = append(args, 10+i)
			} else {
				args = append(args, val)
			}
			want[d.Params[i]] = val
		}
		text := fmt.Sprintf(d.Format, args...)
		w := codeWarning(text)
		if w.Code != d.Code || w.Text != text {
			t.Errorf("codeWarning(%q) = %q, want %q", text, w.Code, d.Code)
			continue
		}
		for k, v := range want {
			if w.Params[k] != v {
				t.Errorf("codeWarning(%q).Params[%q] = %q, want %q", text, k, w.Params[k], v)
			}
		}
	}
	// A wrapped warning is coded too.
	inner := "the time-stamp token is signed with SHA-1, which is weak"
	w := codeWarning("signature time-stamp: " + inner)
	if w.Code != "signature_timestamp_warning" || w.Inner == nil || w.Inner.Code != "timestamp_sha1" {
		t.Errorf("codeWarning(wrapped) = %+v, want signature_timestamp_warning around timestamp_sha1", w)
	}
	if w := codeWarning("something nobody wrote"); w.Code != WarnOther {
		t.Errorf("codeWarning(unknown) = %q, want %q", w.Code, WarnOther)
	}
}

// TestWarningCodesRealWorld: every warning of the reports of the
// real-world corpus has a code, aligned with its text.
func TestWarningCodesRealWorld(t *testing.T) {
	dir := realworldDir(t)
	roots, inter, err := LoadTrustDir(filepath.Join(dir, "roots"))
	if err != nil {
		t.Fatalf("LoadTrustDir = %v", err)
	}
	n := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".pdf") {
			return err
		}
		if _, err := os.Stat(path); err != nil {
			return err
		}
		rep := verifyFile(t, path, Options{Roots: roots, Intermediates: inter})
		check := func(where string, texts []string, coded []Warning) {
			if len(texts) != len(coded) {
				t.Errorf("%s %s: %d warnings, %d coded", path, where, len(texts), len(coded))
				return
			}
			for i, w := range coded {
				n++
				if w.Text != texts[i] || w.Code == WarnOther || (w.Inner != nil && w.Inner.Code == WarnOther) {
					t.Errorf("%s %s: warning %q coded %+v", path, where, texts[i], w)
				}
			}
		}
		check("document", rep.Warnings, rep.WarningCodes)
		for i, s := range rep.Signatures {
			check(fmt.Sprintf("signature %d", i), s.Warnings, s.WarningCodes)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no warning in the corpus: nothing was checked")
	}
}

// TestWarningCodesOfFailedChecks: the reasons of the checks that failed
// after the first are coded check_failed with their indication, before
// the warnings, aligned with Warnings.
func TestWarningCodesOfFailedChecks(t *testing.T) {
	var e entry
	e.fail(TotalFailed, HashFailure, "the digest of the signed bytes is not the one signed")
	e.fail(Indeterminate, NoCertificateChainFound, "the signer's certificate %q does not chain to a trust anchor", "A")
	e.warn("the signer's RSA key has %d bits, fewer than 2048", 1024)
	out := e.finish()
	if out.Indication != TotalFailed || out.SubIndication != HashFailure {
		t.Fatalf("finish() = %s/%s, want %s/%s", out.Indication, out.SubIndication, TotalFailed, HashFailure)
	}
	want := []Warning{
		{Code: WarnCheckFailed, Params: map[string]string{"indication": string(Indeterminate), "sub_indication": string(NoCertificateChainFound)}, Text: `the signer's certificate "A" does not chain to a trust anchor`},
		{Code: "rsa_key_short", Params: map[string]string{"bits": "1024"}, Text: "the signer's RSA key has 1024 bits, fewer than 2048"},
	}
	if len(out.WarningCodes) != len(want) || len(out.Warnings) != len(want) {
		t.Fatalf("finish() warnings = %q, codes = %+v, want %d of each", out.Warnings, out.WarningCodes, len(want))
	}
	for i, w := range want {
		got := out.WarningCodes[i]
		if got.Code != w.Code || got.Text != w.Text || got.Text != out.Warnings[i] || fmt.Sprint(got.Params) != fmt.Sprint(w.Params) {
			t.Errorf("finish() WarningCodes[%d] = %+v, want %+v", i, got, w)
		}
	}
}
