package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

func checkSecurityHeaders(t *testing.T, target string, resp *http.Response) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("GET %s: header %s = %q, want %q", target, k, got, v)
		}
	}
}

func TestServesPageAndAssets(t *testing.T) {
	h := Handler()

	resp := get(t, h, http.MethodGet, "/", nil)
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", resp.StatusCode)
	}
	checkSecurityHeaders(t, "/", resp)
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET / Content-Type = %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("GET / Cache-Control = %q, want no-cache", cc)
	}
	for _, id := range []string{`id="verdict"`, `id="file"`, `id="lang"`, `lang="vi"`, `type="file"`} {
		if !strings.Contains(page, id) {
			t.Errorf("GET / page lacks %s", id)
		}
	}

	refs := regexp.MustCompile(`(?:href|src)="(/assets/[^"?]+)\?v=([0-9a-f]{12})"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 3 {
		t.Fatalf("page refers to %d versioned assets, want 3 (app.js, app.css, favicon.svg): %q", len(refs), refs)
	}
	wantType := map[string]string{
		"/assets/app.js":      "text/javascript; charset=utf-8",
		"/assets/app.css":     "text/css; charset=utf-8",
		"/assets/favicon.svg": "image/svg+xml",
	}
	for _, m := range refs {
		target := m[0][strings.Index(m[0], `"`)+1 : len(m[0])-1]
		resp := get(t, h, http.MethodGet, target, nil)
		b := body(t, resp)
		if resp.StatusCode != http.StatusOK || len(b) == 0 {
			t.Errorf("GET %s = %d with %d bytes, want 200 and content", target, resp.StatusCode, len(b))
			continue
		}
		checkSecurityHeaders(t, target, resp)
		if ct := resp.Header.Get("Content-Type"); ct != wantType[m[1]] {
			t.Errorf("GET %s Content-Type = %q, want %q", target, ct, wantType[m[1]])
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("GET %s Cache-Control = %q, want a year, immutable", target, cc)
		}
		if et := resp.Header.Get("ETag"); et != `"`+m[2]+`"` {
			t.Errorf("GET %s ETag = %q, want the version %q of the page's reference", target, et, m[2])
		}
		// A revalidation with the same tag is a 304.
		if r := get(t, h, http.MethodGet, m[1], map[string]string{"If-None-Match": resp.Header.Get("ETag")}); r.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s If-None-Match = %d, want 304", m[1], r.StatusCode)
		}
	}

	head := get(t, h, http.MethodHead, "/assets/app.js", nil)
	if head.StatusCode != http.StatusOK || body(t, head) != "" {
		t.Errorf("HEAD /assets/app.js = %d, want 200 with no body", head.StatusCode)
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := Handler()
	for _, target := range []string{
		"/assets/nope.js",
		"/assets/",
		"/assets/../web.go",
		"/assets/%2e%2e/web.go",
		"/assets/app.js/",
		"/assets/sub/app.js",
		"/web.go",
		"/index.html",
		"/favicon.ico",
	} {
		resp := get(t, h, http.MethodGet, target, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", target, resp.StatusCode)
		}
		checkSecurityHeaders(t, target, resp)
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		resp := get(t, h, m, "/", nil)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s / = %d, want 405", m, resp.StatusCode)
		}
		if a := resp.Header.Get("Allow"); a != "GET, HEAD" {
			t.Errorf("%s / Allow = %q", m, a)
		}
	}
}

// svgNamespace is an XML name, not a URL anything fetches.
const svgNamespace = "http://www.w3.org/2000/svg"

func TestNoExternalOrInlineCode(t *testing.T) {
	names := []string{"index.html"}
	for name := range assetTypes {
		names = append(names, name)
	}
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil || len(b) == 0 {
			t.Fatalf("embedded %s: %d bytes, %v", name, len(b), err)
		}
		s := strings.ReplaceAll(string(b), svgNamespace, "")
		for _, bad := range []string{"http://", "https://", "//fonts.", "@import", "url(//"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q: the page must load nothing from another origin", name, bad)
			}
		}
	}

	page, _ := files.ReadFile("index.html")
	html := string(page)
	// Every <script> has a src and an empty body.
	for _, m := range regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(html, -1) {
		if !strings.Contains(m[1], `src="/assets/`) || strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline script in index.html: %q", m[0])
		}
	}
	checks := []struct {
		re   string
		what string
	}{
		{`(?i)<style`, "a <style> element"},
		{`(?i)\sstyle\s*=`, "a style attribute"},
		{`(?i)\son[a-z]+\s*=`, "an inline event handler"},
		{`(?i)javascript:`, "a javascript: URL"},
	}
	for _, c := range checks {
		if regexp.MustCompile(c.re).MatchString(html) {
			t.Errorf("index.html has %s; the CSP forbids it", c.what)
		}
	}

	js, _ := files.ReadFile("app.js")
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", ".style."} {
		if strings.Contains(string(js), bad) {
			t.Errorf("app.js uses %s: report values must go in as text, and styles only through classes", bad)
		}
	}
}

func TestPageHasTestHooks(t *testing.T) {
	js, _ := files.ReadFile("app.js")
	for _, want := range []string{
		"'/v1/verify/pdf'", "pdf: 'application/pdf'", "'/v1/verify/xml'", "xml: 'application/xml'",
		"data-verdict", "data-indication", "data-einvoice", "data-reference",
		"'sig-card", "50 * 1024 * 1024", "localStorage",
		// the sub-indications the page explains in words
		"HASH_FAILURE", "SIG_CRYPTO_FAILURE", "REVOKED", "NO_CERTIFICATE_CHAIN_FOUND",
		"OUT_OF_BOUNDS_NO_POE", "EXPIRED", "TRY_LATER", "FORMAT_FAILURE",
		"Tài liệu đã bị thay đổi sau khi ký", "The document was changed after signing",
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("app.js lacks %q", want)
		}
	}
}
