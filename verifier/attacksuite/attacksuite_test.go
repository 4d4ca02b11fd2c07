package attacksuite

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/verifier"
)

// realworld is the corpus of third-party signed PDFs, beside the checkout;
// kysoTrust is kyso's shipped Vietnamese trust directory.
const (
	realworld = "../../../shared/testdata/realworld"
	kysoTrust = "../../trust/vn"
)

// allocLimit bounds the bytes one verification may allocate in all. The
// largest honest case (the Hanoi file with an eighth signature, 1.5 MB)
// allocates 40 to 100 MiB; a bomb of the suite, read once per signed
// revision, some 250 MiB. A verifier that inflates one of the 1 GiB bombs,
// or that allocates from a count in the file, goes far past it.
const allocLimit = 512 << 20

type fixture struct {
	pki   *PKI
	cases []Case
	opts  verifier.Options
	err   error
}

var (
	fixtureOnce sync.Once
	fix         fixture
)

// suite makes the PKI, the bases and the cases once per test binary.
func suite(t testing.TB) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		f := &fix
		if f.pki, f.err = NewPKI(); f.err != nil {
			return
		}
		var bases []*Base
		if bases, f.err = f.pki.KysoBases(); f.err != nil {
			return
		}
		vn, err := VNBases(realworld)
		if err != nil {
			f.err = err
			return
		}
		if f.cases, f.err = f.pki.Cases(append(bases, vn...)); f.err != nil {
			return
		}
		f.cases = append(f.cases, HostileCases()...)
		roots, inter := x509.NewCertPool(), x509.NewCertPool()
		roots.AddCert(f.pki.Root)
		for _, dir := range []string{filepath.Join(realworld, "roots"), kysoTrust} {
			if f.err = addTrustDir(dir, roots, inter); f.err != nil {
				return
			}
		}
		// The suite's PKI is kyso's CA: its OCSP answers are kyso's
		// registry, so kyso's documents have a known revocation status.
		// The Vietnamese files carry none, and validation is offline.
		f.opts = verifier.Options{Roots: roots, Intermediates: inter, Revocation: verifier.RegistryFromOCSP(f.pki), Now: func() time.Time { return VerifyAt }}
	})
	if fix.err != nil {
		t.Fatalf("attack suite: %v", fix.err)
	}
	return &fix
}

// addTrustDir adds the certificates of the .crt files of dir (PEM or DER)
// to roots when self-signed, to inter otherwise.
func addTrustDir(dir string, roots, inter *x509.CertPool) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.crt"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no certificates in %s (%v)", dir, err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		ders := [][]byte{data}
		if bytes.Contains(data, []byte("-----BEGIN")) {
			ders = nil
			for rest := data; ; {
				var b *pem.Block
				if b, rest = pem.Decode(rest); b == nil {
					break
				}
				ders = append(ders, b.Bytes)
			}
		}
		for _, der := range ders {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if verifier.IsSelfSigned(c) {
				roots.AddCert(c)
			} else {
				inter.AddCert(c)
			}
		}
	}
	return nil
}

// measured is one verification with its cost.
type measured struct {
	rep     *verifier.Report
	err     error
	elapsed time.Duration
	alloc   uint64
}

// verify verifies doc, measuring the time taken and the bytes allocated.
func verify(doc []byte, opts verifier.Options) measured {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), opts)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return measured{rep: rep, err: err, elapsed: elapsed, alloc: after.TotalAlloc - before.TotalAlloc}
}

// verdicts summarises a report: "Field TOTAL_PASSED; Field2 INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND".
func verdicts(rep *verifier.Report) string {
	var parts []string
	for _, s := range rep.Signatures {
		v := string(s.Indication)
		if s.SubIndication != "" {
			v += "/" + string(s.SubIndication)
		}
		parts = append(parts, s.Field+" "+v)
	}
	return strings.Join(parts, "; ")
}

// TestAttackSuite verifies every case: no attack leaves a signature it
// targets TOTAL_PASSED or the document valid; every control is
// TOTAL_PASSED throughout. Each verification's allocations are bounded;
// its time is measured and listed (performance is asserted by make
// bench, not here).
func TestAttackSuite(t *testing.T) {
	f := suite(t)
	type row struct {
		name    string
		elapsed time.Duration
		alloc   uint64
		verdict string
	}
	var (
		mu   sync.Mutex
		rows []row
	)
	t.Cleanup(func() {
		sort.Slice(rows, func(i, j int) bool { return rows[i].elapsed > rows[j].elapsed })
		var b strings.Builder
		for _, r := range rows {
			fmt.Fprintf(&b, "\n%8.1f ms %6.1f MiB  %s: %s", float64(r.elapsed.Microseconds())/1000, float64(r.alloc)/(1<<20), r.name, r.verdict)
		}
		t.Logf("%d cases, slowest first:%s", len(rows), b.String())
	})
	for _, c := range f.cases {
		t.Run(string(c.Class)+"/"+c.Name, func(t *testing.T) {
			m := verify(c.PDF, f.opts)
			verdict := ""
			switch {
			case m.err != nil:
				verdict = "refused: " + m.err.Error()
			default:
				verdict = verdicts(m.rep)
			}
			mu.Lock()
			rows = append(rows, row{c.Name, m.elapsed, m.alloc, verdict})
			mu.Unlock()
			t.Logf("%d bytes in %v, %d MiB allocated: %s", len(c.PDF), m.elapsed.Round(time.Millisecond), m.alloc>>20, verdict)
			if m.alloc > allocLimit {
				t.Errorf("allocated %d MiB, limit %d MiB", m.alloc>>20, allocLimit>>20)
			}
			if m.err != nil {
				if c.MayRefuse && errors.Is(m.err, verifier.ErrUnreadable) {
					return
				}
				t.Fatalf("VerifyPDF = %v", m.err)
			}
			rep := m.rep
			if c.Honest() {
				// A Vietnamese file holds no revocation data: its
				// signatures are INDETERMINATE/TRY_LATER offline, the
				// sub-indication given only when every other check
				// passed (the revocation policy, docs/verification.md).
				if rep.Valid == c.Base.VN || len(rep.Signatures) < c.Base.Entries {
					t.Errorf("valid %v with %d entries, want valid %v with at least %d", rep.Valid, len(rep.Signatures), !c.Base.VN, c.Base.Entries)
				}
				for _, s := range rep.Signatures {
					if !passedButRevocation(s, c.Base.VN) {
						t.Errorf("control: %s is %s/%s (%s), want TOTAL_PASSED (INDETERMINATE/TRY_LATER on a Vietnamese file); changes %+v", s.Field, s.Indication, s.SubIndication, s.Detail, s.ChangesAfter)
					}
				}
				return
			}
			if rep.Valid {
				t.Errorf("attack: the document is valid: %s", verdict)
			}
			if len(c.Targets) == 0 {
				for _, s := range rep.Signatures {
					if passedButRevocation(s, true) {
						t.Errorf("attack: %s is %s/%s, the attack is not seen; changes after it: %+v", s.Field, s.Indication, s.SubIndication, s.ChangesAfter)
					}
				}
				return
			}
			for _, field := range c.Targets {
				found := false
				for _, s := range rep.Signatures {
					if s.Field != field {
						continue
					}
					found = true
					if passedButRevocation(s, true) {
						t.Errorf("attack: %s is %s/%s, the attack is not seen; signer %q; changes after it: %+v", s.Field, s.Indication, s.SubIndication, s.Signer.Name, s.ChangesAfter)
					}
				}
				if !found {
					t.Errorf("attack: the signature of field %q is not reported (%s)", field, verdict)
				}
			}
		})
	}
}

// passedButRevocation reports whether s passed every check, or, with
// unknownRevocation, every check but the revocation policy's: TRY_LATER is
// the sub-indication only when nothing else failed, so an attack a
// signature reports as TRY_LATER is an attack the verifier did not see.
func passedButRevocation(s verifier.Signature, unknownRevocation bool) bool {
	return s.Indication == verifier.TotalPassed ||
		unknownRevocation && s.Indication == verifier.Indeterminate && s.SubIndication == verifier.TryLater
}

// tool runs an independent tool on doc, written to a temporary file, and
// returns its standard output and exit code.
func tool(t *testing.T, doc []byte, name string, args ...string) (string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append(args, path)
	if name == "pdftotext" {
		args = append(args, "-") // pdftoppm writes to stdout without a root
	}
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", name, err)
	}
	return out.String(), 0
}

// seen caches what the tools say of the bases, which many cases share.
var seen sync.Map // toolKey → string

type toolKey struct {
	base *Base
	what string
	page int
}

// ofBase returns f(t, b.PDF, n), once per base, page and f.
func ofBase(t *testing.T, b *Base, what string, n int, f func(*testing.T, []byte, int) string) string {
	k := toolKey{b, what, n}
	if v, ok := seen.Load(k); ok {
		return v.(string)
	}
	v := f(t, b.PDF, n)
	seen.Store(k, v)
	return v
}

// pageText is pdftotext's text of page n of doc.
func pageText(t *testing.T, doc []byte, n int) string {
	t.Helper()
	out, code := tool(t, doc, "pdftotext", "-q", "-f", fmt.Sprint(n), "-l", fmt.Sprint(n))
	if code != 0 {
		t.Fatalf("pdftotext exited %d", code)
	}
	return out
}

// render is pdftoppm's grey rendering of page n of doc at 30 dpi.
func render(t *testing.T, doc []byte, n int) string {
	t.Helper()
	out, code := tool(t, doc, "pdftoppm", "-q", "-gray", "-r", "30", "-f", fmt.Sprint(n), "-l", fmt.Sprint(n))
	if code != 0 || out == "" {
		t.Fatalf("pdftoppm exited %d with %d bytes", code, len(out))
	}
	return out
}

// TestForgeriesAreReal checks with poppler (pdftotext, pdftoppm, pdfsig)
// and qpdf that each attack shows what it claims: the forged page is the
// one viewers display, the overlay changes the rendered page, the forged
// signer's name is the one shown. A forgery no viewer would show is no
// attack, and its verdict would prove nothing.
func TestForgeriesAreReal(t *testing.T) {
	f := suite(t)
	for _, c := range f.cases {
		ev := c.Evidence
		if c.Honest() || ev == (Evidence{Page: ev.Page}) {
			continue
		}
		if ev.OnBlank {
			t.Fatalf("%s: an attack cannot be on blank", c.Name)
		}
		t.Run(string(c.Class)+"/"+c.Name, func(t *testing.T) {
			if ev.Shows != "" || ev.Hides != "" {
				got, base := pageText(t, c.PDF, ev.Page), ofBase(t, c.Base, "text", ev.Page, pageText)
				if ev.Shows != "" && (!strings.Contains(got, ev.Shows) || strings.Contains(base, ev.Shows)) {
					t.Errorf("pdftotext of page %d shows %q: %v (base: %v); forged page text %q", ev.Page, ev.Shows, strings.Contains(got, ev.Shows), strings.Contains(base, ev.Shows), got)
				}
				if ev.Hides != "" && (strings.Contains(got, ev.Hides) || !strings.Contains(base, ev.Hides)) {
					t.Errorf("pdftotext of page %d hides %q: %v (base shows it: %v)", ev.Page, ev.Hides, !strings.Contains(got, ev.Hides), strings.Contains(base, ev.Hides))
				}
				// qpdf reads the forgery as a sound file (0, or 3 for
				// warnings): viewers need no repair to show it.
				if out, code := tool(t, c.PDF, "qpdf", "--check"); code != 0 && code != 3 {
					t.Errorf("qpdf --check exited %d: %s", code, out)
				}
			}
			if ev.Renders && render(t, c.PDF, ev.Page) == ofBase(t, c.Base, "render", ev.Page, render) {
				t.Errorf("page %d renders as before the attack", ev.Page)
			}
			if ev.Signer != "" {
				out, _ := tool(t, c.PDF, "pdfsig")
				if !strings.Contains(out, "Signer Certificate Common Name: "+ev.Signer) {
					t.Errorf("pdfsig does not show the signer %q:\n%s", ev.Signer, out)
				}
			}
		})
	}
}

// TestHonestChangesCoverNothing checks with pdftoppm that each control's
// change (a second signature, a field filled) draws only where page 1 was
// blank, so that a verifier that flags changes over signed content has no
// reason to flag it.
func TestHonestChangesCoverNothing(t *testing.T) {
	f := suite(t)
	for _, c := range f.cases {
		if !c.Honest() || !c.Evidence.OnBlank {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			base := grey(t, ofBase(t, c.Base, "render", 1, render))
			got := grey(t, render(t, c.PDF, 1))
			if len(base) != len(got) {
				t.Fatalf("page 1 is %d pixels, was %d", len(got), len(base))
			}
			changed, covered := 0, 0
			for i := range got {
				if got[i] != base[i] {
					changed++
					if base[i] != 255 {
						covered++
					}
				}
			}
			t.Logf("%d pixels changed", changed)
			if covered > 0 {
				t.Errorf("the change draws over %d pixels that were not white", covered)
			}
		})
	}
}

// grey returns the pixels of a binary PGM image (P5, 8-bit).
func grey(t *testing.T, pgm string) []byte {
	t.Helper()
	var w, h, maxv int
	n, err := fmt.Sscanf(pgm, "P5\n%d %d\n%d", &w, &h, &maxv)
	if err != nil || n != 3 || maxv != 255 {
		t.Fatalf("not an 8-bit PGM image: %v", err)
	}
	if len(pgm) < w*h {
		t.Fatalf("PGM of %d bytes for %d×%d pixels", len(pgm), w, h)
	}
	return []byte(pgm[len(pgm)-w*h:])
}

// TestSuiteCoversIssue11 checks that the suite builds every attack class
// of issue 11, each on a kyso-signed document, and the classes it names on
// the Vietnamese Government's files too.
func TestSuiteCoversIssue11(t *testing.T) {
	f := suite(t)
	onKyso, onVN := map[Class]bool{}, map[Class]bool{}
	for _, c := range f.cases {
		if c.Base.VN {
			onVN[c.Class] = true
		} else {
			onKyso[c.Class] = true
		}
	}
	all := []Class{ClassISA, ClassHybridISA, ClassXRefStmISA, ClassShadowHide, ClassShadowReplace, ClassShadowHideReplace,
		ClassSWA, ClassUSF, ClassCertSwap, ClassUntrusted, ClassDocMDP, ClassFieldMDP, ClassNonSigning, ClassBomb, ClassControl}
	for _, c := range all {
		if !onKyso[c] {
			t.Errorf("no %s case on a kyso-signed document", c)
		}
	}
	for _, c := range []Class{ClassISA, ClassHybridISA, ClassXRefStmISA, ClassShadowReplace, ClassSWA, ClassUSF, ClassCertSwap,
		ClassUntrusted, ClassDocMDP, ClassNonSigning, ClassBomb, ClassControl} {
		if !onVN[c] {
			t.Errorf("no %s case on a Vietnamese Government file", c)
		}
	}
}

// TestZlibZeros inflates a bomb of the suite: it must be what it claims.
func TestZlibZeros(t *testing.T) {
	const mib = 64
	z := ZlibZeros(mib)
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, r)
	if err != nil || n != mib<<20 {
		t.Fatalf("inflated %d bytes (%v), want %d", n, err, mib<<20)
	}
	if len(z) > mib<<11 {
		t.Errorf("%d bytes for %d MiB of zeros, want at most 2 KiB per MiB", len(z), mib)
	}
}

// BenchmarkAttackSuite verifies every case of each class once per
// iteration: what an attack class costs the verifier.
func BenchmarkAttackSuite(b *testing.B) {
	f := suite(b)
	byClass := map[Class][]Case{}
	var classes []Class
	for _, c := range f.cases {
		if byClass[c.Class] == nil {
			classes = append(classes, c.Class)
		}
		byClass[c.Class] = append(byClass[c.Class], c)
	}
	for _, class := range classes {
		b.Run(string(class), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range byClass[class] {
					verifier.VerifyPDF(context.Background(), bytes.NewReader(c.PDF), int64(len(c.PDF)), f.opts)
				}
			}
		})
	}
}
