// Package e2e drives kyso's verification page in a real headless Chromium
// (Debian's chromium package, through the DevTools protocol with chromedp),
// as a citizen would use it: choose a PDF, read the verdict, switch the
// language.
//
// It is test support: Run takes a *testing.T and is meant to be called from
// a test that has a kyso (or a stand-in for its verify API) listening. It
// imports nothing from kyso but the page's test hooks (element ids and data
// attributes), which are its contract with package web.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// Viewports the page is checked in: a common phone and a laptop.
const (
	PhoneWidth    = 390
	PhoneHeight   = 844
	DesktopWidth  = 1280
	DesktopHeight = 900
)

// stepTimeout bounds one step (a navigation, a verification, a screenshot).
// Verifying a large PDF on a loaded CI machine is the slowest of them.
const stepTimeout = 90 * time.Second

// Run opens the verification page at baseURL in headless Chromium and checks
// it end to end:
//
//  1. on a 390×844 phone viewport, in Vietnamese (the default), it chooses
//     validPDF in #file, waits for #verdict[data-verdict] and requires the
//     verdict "valid" with at least one green card (TOTAL_PASSED) and no red
//     one; screenshot valid.png;
//  2. "Kiểm tra tệp khác", then tamperedPDF: verdict "invalid" with at least
//     one red card (TOTAL_FAILED); screenshot tampered.png;
//  3. switches the language with #lang and requires the English texts;
//     screenshot tampered-en.png; reloads and requires that English was
//     remembered;
//  4. on a 1280×900 desktop viewport, switches back to Vietnamese and checks
//     validPDF again; screenshot valid-desktop.png.
//
// The page must log no uncaught exception and no console error (a CSP
// violation is one). Screenshots go to artefactDir (created if needed); an
// empty artefactDir means t.ArtifactDir(). On a failure the page's
// screenshot and text are saved there as failure.png and failure.txt.
//
// Run fails (it does not skip) when Chromium is not installed.
func Run(t *testing.T, baseURL string, validPDF, tamperedPDF []byte, artefactDir string) {
	t.Helper()
	s := Start(t, baseURL, artefactDir)
	s.Phone()
	s.Open()
	s.ExpectLang("vi")

	s.Upload("van-ban-da-ky.pdf", validPDF)
	s.ExpectVerdict("valid", "TOTAL_PASSED")
	s.ExpectMaskedIdentifiers()
	s.Screenshot("valid.png")

	s.Again()
	s.Upload("van-ban-bi-sua.pdf", tamperedPDF)
	s.ExpectVerdict("invalid", "TOTAL_FAILED")
	s.ExpectOneStory()
	s.ExpectMaskedIdentifiers()
	s.Screenshot("tampered.png")

	s.Click("#lang")
	s.ExpectLang("en")
	s.ExpectText("#verdict-title", "The document is NOT valid")
	s.ExpectText("#again", "Check another file")
	s.ExpectText(".sig-card[data-indication=TOTAL_FAILED] .sig-status", "Not valid")
	s.Screenshot("tampered-en.png")

	s.Reload()
	s.ExpectLang("en")

	s.Desktop()
	s.Click("#lang")
	s.ExpectLang("vi")
	s.Upload("van-ban-da-ky.pdf", validPDF)
	s.ExpectVerdict("valid", "TOTAL_PASSED")
	s.ExpectText("#verdict-title", "Tài liệu hợp lệ")
	s.Screenshot("valid-desktop.png")

	s.ExpectCleanConsole()
}

// Session is one browser tab on the verification page. Its methods fail the
// test on any error; they are exported so that a test can script other
// journeys (an error answer, a non-PDF file) with the same checks.
type Session struct {
	t       *testing.T
	ctx     context.Context
	base    string
	dir     string
	files   string
	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// Start launches Chromium with a fresh profile and returns a tab that is not
// yet on the page (call Open). The browser stops when the test ends.
func Start(t *testing.T, baseURL, artefactDir string) *Session {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Fatalf("e2e: headless Chromium is required at %s (%v): install it with "+
			"`apt-get install -y chromium` (make deps does)", ChromiumPath, err)
	}
	if artefactDir == "" {
		artefactDir = t.ArtifactDir()
	}
	if err := os.MkdirAll(artefactDir, 0o755); err != nil {
		t.Fatalf("e2e: artefact dir: %v", err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.WindowSize(DesktopWidth, DesktopHeight),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// Cancelling the contexts closes the tab and waits for the browser to
	// exit, before t.TempDir removes its profile.
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})

	s := &Session{t: t, ctx: ctx, base: strings.TrimRight(baseURL, "/"), dir: artefactDir, files: t.TempDir()}
	// The first action starts the browser; it must run without a deadline,
	// which would stop the whole browser when it passed.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("e2e: start %s: %v", ChromiumPath, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			s.mu.Lock()
			s.console = append(s.console, m)
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *Session) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		s.fail("%s: %v", what, err)
	}
}

func (s *Session) eval(what, js string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		s.fail("%s: %v", what, err)
	}
	return v
}

func (s *Session) count(sel string) int {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, stepTimeout)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		s.fail("count %s: %v", sel, err)
	}
	return n
}

// fail saves what the page showed and stops the test.
func (s *Session) fail(format string, args ...any) {
	s.t.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := context.WithTimeout(s.ctx, 20*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(filepath.Join(s.dir, "failure.png"), png, 0o644)
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	_ = os.WriteFile(filepath.Join(s.dir, "failure.txt"), []byte(text), 0o644)
	s.t.Fatalf("e2e: %s\n(page screenshot and text saved in %s as failure.png and failure.txt)\npage text:\n%s\nconsole:\n%s",
		msg, s.dir, excerpt(text, 3000), s.consoleText())
}

func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Phone switches to a 390×844 phone viewport with touch.
func (s *Session) Phone() {
	s.t.Helper()
	s.do("phone viewport", chromedp.EmulateViewport(PhoneWidth, PhoneHeight,
		chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
}

// Desktop switches to a 1280×900 desktop viewport.
func (s *Session) Desktop() {
	s.t.Helper()
	s.do("desktop viewport", chromedp.EmulateViewport(DesktopWidth, DesktopHeight))
}

// Open loads the page at the base URL and waits for its script to be ready.
func (s *Session) Open() {
	s.t.Helper()
	s.do("open "+s.base+"/",
		chromedp.Navigate(s.base+"/"),
		chromedp.WaitReady(chromedp.CSS("#file")),
		chromedp.WaitVisible(chromedp.CSS("#lang")),
	)
	s.waitScript()
}

// Reload reloads the page and waits for its script to be ready.
func (s *Session) Reload() {
	s.t.Helper()
	s.do("reload", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("#file")))
	s.waitScript()
}

// waitScript waits until app.js has wired the page: it marks the root
// element with data-ready last in its start-up.
func (s *Session) waitScript() {
	s.t.Helper()
	s.do("page script ready", chromedp.WaitReady(chromedp.CSS("html[data-ready]")))
	// The title names the operator (page.agency_name, kyso by default).
	if got := s.eval("title", "document.title"); !strings.HasPrefix(got, "Kiểm tra chữ ký số – ") && !strings.HasPrefix(got, "Verify a digital signature – ") {
		s.fail("page title = %q, want the verification page", got)
	}
}

// Upload chooses a file with the given name and content in #file, as a
// citizen does with the file picker.
func (s *Session) Upload(name string, content []byte) {
	s.t.Helper()
	path := filepath.Join(s.files, name)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		s.t.Fatalf("e2e: write %s: %v", path, err)
	}
	s.do("choose "+name, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{path}))
}

// Again presses "check another file" and waits until the old verdict is gone.
func (s *Session) Again() {
	s.t.Helper()
	s.do("check another file",
		chromedp.Click(chromedp.CSS("#again")),
		chromedp.WaitNotPresent(chromedp.CSS("#verdict[data-verdict]")),
	)
}

// ExpectVerdict waits for the verdict banner and requires the verdict
// ("valid", "invalid", "indeterminate" or "error") and, when indication is
// not empty, at least one card with that indication. A "valid" verdict must
// show no red card; an "invalid" one no green-only page.
func (s *Session) ExpectVerdict(verdict, indication string) {
	s.t.Helper()
	s.do("wait for the verdict", chromedp.WaitVisible(chromedp.CSS("#verdict[data-verdict]")))
	got := s.eval("verdict", "document.querySelector('#verdict').getAttribute('data-verdict')")
	if got != verdict {
		s.fail("verdict = %q, want %q (%s)", got, verdict, s.eval("verdict text", "document.querySelector('#verdict').innerText"))
	}
	if indication != "" {
		if n := s.count(fmt.Sprintf(".sig-card[data-indication=%q]", indication)); n < 1 {
			s.fail("verdict %q shows no card with indication %s", verdict, indication)
		}
	}
	if verdict == "valid" {
		if n := s.count(".sig-card:not([data-indication=TOTAL_PASSED])"); n != 0 {
			s.fail("verdict valid but %d card(s) did not pass", n)
		}
	}
}

// ExpectOneStory requires that each card that failed tells one story: no
// "no changes after signing" and no PAdES level on a card whose signature
// does not verify (its signed bytes were changed, or its value is bad).
func (s *Session) ExpectOneStory() {
	s.t.Helper()
	js := `(function(){var out=[];document.querySelectorAll('.sig-card[data-indication=TOTAL_FAILED]').forEach(function(c){` +
		`var sub=c.getAttribute('data-sub-indication')||'';` +
		`c.querySelectorAll('.facts .row').forEach(function(r){var dt=r.querySelector('dt'),dd=r.querySelector('dd');` +
		`if(!dt||!dd){return;}` +
		`if((dt.textContent==='Thay đổi sau khi ký'||dt.textContent==='Changes after signing')&&(dd.textContent==='Không có'||dd.textContent==='None')){out.push(sub+': '+dt.textContent+': '+dd.textContent);}` +
		`if(/^(HASH_FAILURE|SIG_CRYPTO_FAILURE|FORMAT_FAILURE)$/.test(sub)&&/PAdES B-/.test(dd.textContent)){out.push(sub+': '+dt.textContent+': '+dd.textContent);}` +
		`});});return out.join(' | ');})()`
	if got := s.eval("one story per card", js); got != "" {
		s.fail("a failed card contradicts itself: %s", got)
	}
}

// ExpectMaskedIdentifiers requires that the page, folded details
// included, shows no personal identifier whole: a citizen ID, ID card or
// passport number has at most its last four characters in clear.
func (s *Session) ExpectMaskedIdentifiers() {
	s.t.Helper()
	js := `(function(){var m=document.body.textContent.match(/(CCCD|CMND|CMT|HC|PASSPORT)\s*[:=]\s*[A-Za-z0-9]{5,}/gi);return m?m.join(' | '):'';})()`
	if got := s.eval("personal identifiers", js); got != "" {
		s.fail("the page shows personal identifiers whole: %s", got)
	}
}

// ExpectText requires that the first element matching sel contains want.
func (s *Session) ExpectText(sel, want string) {
	s.t.Helper()
	got := s.eval("text of "+sel, fmt.Sprintf("(function(){var n=document.querySelector(%q);return n?n.textContent:'<no element>';})()", sel))
	if !strings.Contains(got, want) {
		s.fail("text of %s = %q, want it to contain %q", sel, got, want)
	}
}

// ExpectLang requires the page in lang ("vi" or "en"), with the language
// switch offering the other one.
func (s *Session) ExpectLang(lang string) {
	s.t.Helper()
	if got := s.eval("page language", "document.documentElement.lang"); got != lang {
		s.fail("page language = %q, want %q", got, lang)
	}
	want := map[string]string{"vi": "English", "en": "Tiếng Việt"}[lang]
	s.ExpectText("#lang", want)
}

// Click clicks the first element matching sel.
func (s *Session) Click(sel string) {
	s.t.Helper()
	s.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Press sends key strokes to the element that has the focus (see the kb
// package of chromedp for keys such as Tab, "\t").
func (s *Session) Press(keys string) {
	s.t.Helper()
	s.do(fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys))
}

// Eval evaluates a JavaScript expression in the page and returns its value
// as a string.
func (s *Session) Eval(js string) string {
	s.t.Helper()
	return s.eval(js, "String("+js+")")
}

// Screenshot saves a full-page PNG in the artefact directory.
func (s *Session) Screenshot(name string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.fail("screenshot %s: %v", name, err)
	}
	path := filepath.Join(s.dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		s.t.Fatalf("e2e: save %s: %v", path, err)
	}
	s.t.Logf("e2e: screenshot %s", path)
}

// ExpectCleanConsole requires that the page logged no uncaught exception
// and no error: a violation of the Content-Security-Policy, a failed load of
// one of its files or a script error would show there. Messages that
// contain one of allow are ignored (a test that provokes an HTTP error
// answer allows the browser's note of it).
func (s *Session) ExpectCleanConsole(allow ...string) {
	s.t.Helper()
	s.mu.Lock()
	var bad []string
next:
	for _, m := range s.console {
		if !m.IsException() && m.Type != chromedp.ConsoleError {
			continue
		}
		for _, a := range allow {
			if strings.Contains(m.Text, a) {
				continue next
			}
		}
		bad = append(bad, describe(m))
	}
	s.mu.Unlock()
	if len(bad) > 0 {
		s.fail("the page logged %d error(s):\n%s", len(bad), strings.Join(bad, "\n"))
	}
}

func (s *Session) consoleText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, m := range s.console {
		b.WriteString(describe(m))
		b.WriteByte('\n')
	}
	return b.String()
}

func describe(m chromedp.ConsoleMessage) string {
	where := m.URL
	if where != "" {
		where = fmt.Sprintf(" (%s:%d)", where, m.Line+1)
	}
	src := ""
	if m.Source != "" {
		src = "[" + m.Source + "] "
	}
	return fmt.Sprintf("%s: %s%s%s", m.Type, src, m.Text, where)
}
