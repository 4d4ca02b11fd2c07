package confirm_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/api/confirm"
)

// TestPage: the page is served for any transaction id under a strict CSP,
// never cached, in Vietnamese, names its assets by digest, and those
// assets are served; other names are 404.
func TestPage(t *testing.T) {
	h := confirm.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/confirm/tx_123", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /confirm/tx_123 = %d", rec.Code)
	}
	if got := rec.Header().Get("Content-Security-Policy"); got != confirm.ContentSecurityPolicy || !strings.Contains(got, "script-src 'self'") {
		t.Errorf("CSP = %q", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	body := rec.Body.String()
	for _, want := range []string{`lang="vi"`, "Xác nhận ký", "Từ chối", "Mã tài liệu (doc_id)", `autocomplete="one-time-code"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Error("the page has inline script or style, which its CSP forbids")
	}
	refs := regexp.MustCompile(`"(/confirm/assets/[a-z.]+)\?v=[0-9a-f]{12}"`).FindAllStringSubmatch(body, -1)
	if len(refs) != 2 {
		t.Fatalf("the page names %d versioned assets, want 2 (%v)", len(refs), refs)
	}
	for _, ref := range refs {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, ref[1], nil))
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d (%d bytes)", ref[1], rec.Code, rec.Body.Len())
		}
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/confirm/assets/confirm.html", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /confirm/assets/confirm.html = %d, want 404", rec.Code)
	}
}
