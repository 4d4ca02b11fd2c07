package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/api"
	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/verifier"
)

// realworld is the corpus of documents signed by software outside kyso,
// beside the repository's checkout.
const realworld = "../../shared/testdata/realworld"

func corpusFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realworld, name))
	if err != nil {
		t.Fatalf("real-world corpus: %v", err)
	}
	return b
}

// realVerifier is app's verification with no trust anchors, as
// the API's Verifier. seen, if set, is called while a document is being
// verified.
type realVerifier struct {
	seen func()
}

// noAnchors is app's verification with an empty trust snapshot.
var noAnchors = kapp.Verify{Trust: corpusTrust{}}

func (v realVerifier) VerifyPDF(ctx context.Context, r io.ReaderAt, size int64) (*kapp.Report, error) {
	if v.seen != nil {
		v.seen()
	}
	return noAnchors.VerifyPDF(ctx, r, size)
}

func (v realVerifier) VerifyCMS(ctx context.Context, content io.Reader, sig []byte) (*kapp.Report, error) {
	if v.seen != nil {
		v.seen()
	}
	return noAnchors.VerifyCMS(ctx, content, sig)
}

func verifyServer(t *testing.T, cfg api.Config, v api.Verifier) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(api.New(cfg, api.Deps{Verifier: v}))
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) report(t *testing.T) verifier.Report {
	t.Helper()
	var r verifier.Report
	if err := json.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("report: %v\n%s", err, a.body)
	}
	return r
}

func (a answer) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(a.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not a JSON error (%v): %s", err, a.body)
	}
	return e.Error.Code
}

func post(t *testing.T, url, contentType string, body []byte, hdr map[string]string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

func multipartBody(t *testing.T, parts map[string][]byte, order ...string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range order {
		w, err := mw.CreateFormFile(name, name+".bin")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(parts[name])
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// TestVerifyPDFAPI: a third-party PAdES file sent as the body or as a
// multipart part gets the same report; without trust anchors its chain is
// INDETERMINATE, never an error.
func TestVerifyPDFAPI(t *testing.T) {
	srv := verifyServer(t, api.Config{}, realVerifier{})
	doc := corpusFile(t, "itext/B-T.pdf")

	raw := post(t, srv.URL+"/v1/verify/pdf", "application/pdf", doc, nil)
	if raw.status != 200 {
		t.Fatalf("verify = %d %s", raw.status, raw.body)
	}
	if raw.header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(raw.header.Get("Content-Type"), "application/json") {
		t.Errorf("headers = %v", raw.header)
	}
	rep := raw.report(t)
	if rep.SignatureCount != 1 || len(rep.Signatures) != 1 || rep.Valid {
		t.Fatalf("report = %s", raw.body)
	}
	s := rep.Signatures[0]
	if s.Indication != verifier.Indeterminate || s.SubIndication != verifier.NoCertificateChainFound || s.Signer.Name != "iTextAdvancedTest" {
		t.Errorf("signature = %s/%s by %q, want INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND by iTextAdvancedTest", s.Indication, s.SubIndication, s.Signer.Name)
	}

	ct, body := multipartBody(t, map[string][]byte{"file": doc}, "file")
	mp := post(t, srv.URL+"/v1/verify/pdf", ct, body, nil)
	if mp.status != 200 {
		t.Fatalf("multipart verify = %d %s", mp.status, mp.body)
	}
	if got := mp.report(t); got.Signatures[0].Indication != s.Indication || got.Signatures[0].Signer.Name != s.Signer.Name {
		t.Errorf("multipart report differs: %s", mp.body)
	}

	// A tampered copy (one byte inside the signed range) fails.
	bad := bytes.Clone(doc)
	i := bytes.Index(bad, []byte("stream")) + 20
	bad[i] ^= 0x01
	tr := post(t, srv.URL+"/v1/verify/pdf", "application/pdf", bad, nil)
	if tr.status != 200 {
		t.Fatalf("verify tampered = %d %s", tr.status, tr.body)
	}
	if got := tr.report(t).Signatures[0]; got.Indication != verifier.TotalFailed || got.SubIndication != verifier.HashFailure {
		t.Errorf("tampered = %s/%s, want TOTAL_FAILED/HASH_FAILURE", got.Indication, got.SubIndication)
	}
}

// TestVerifyAPIErrors: every refusal is a JSON error with a stable code.
func TestVerifyAPIErrors(t *testing.T) {
	srv := verifyServer(t, api.Config{MaxVerifyBytes: 64 << 10, VerifyPerMinute: -1}, realVerifier{})
	doc := corpusFile(t, "itext/B-B.pdf")
	url := srv.URL + "/v1/verify/pdf"
	big := append(bytes.Clone(doc), bytes.Repeat([]byte{' '}, 64<<10)...)
	ctExtra, extra := multipartBody(t, map[string][]byte{"file": doc, "other": []byte("x")}, "file", "other")
	ctTwo, two := multipartBody(t, map[string][]byte{"file": doc}, "file", "file")
	ctNone, none := multipartBody(t, map[string][]byte{"x": doc}, "x")
	ctBig, bigPart := multipartBody(t, map[string][]byte{"file": big}, "file")
	tests := []struct {
		name, ct string
		body     []byte
		status   int
		code     string
	}{
		{"not a PDF", "application/pdf", []byte("<html>hello</html>"), 422, api.CodeUnreadable},
		{"header only", "application/pdf", []byte("%PDF-1.7\n"), 422, api.CodeUnreadable},
		{"empty", "application/pdf", nil, 400, api.CodeInvalidRequest},
		{"too large", "application/pdf", big, 413, api.CodeBodyTooLarge},
		{"too large part", ctBig, bigPart, 413, api.CodeBodyTooLarge},
		{"wrong type", "text/plain", doc, 415, api.CodeUnsupportedMedia},
		{"no type", "", doc, 415, api.CodeUnsupportedMedia},
		{"extra part", ctExtra, extra, 400, api.CodeInvalidRequest},
		{"two files", ctTwo, two, 400, api.CodeInvalidRequest},
		{"no file part", ctNone, none, 400, api.CodeInvalidRequest},
		{"multipart without boundary", "multipart/form-data", doc, 400, api.CodeInvalidRequest},
		{"broken multipart", ctExtra, extra[:len(extra)/2], 400, api.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(t, url, tt.ct, tt.body, nil)
			if a.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", a.status, tt.status, a.body)
			}
			if code := a.errorCode(t); code != tt.code {
				t.Errorf("code = %q, want %q", code, tt.code)
			}
		})
	}
	// GET is not a verification.
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET /v1/verify/pdf = %d, want 405", resp.StatusCode)
	}
}

// TestVerifyUploadsAreNotKept: while a document is verified, no file of it
// is visible in the temporary directory (it is unlinked at once), and
// nothing is left after the request, whatever its outcome.
func TestVerifyUploadsAreNotKept(t *testing.T) {
	tmp := t.TempDir()
	calls := 0
	visible := func() {
		calls++
		entries, err := os.ReadDir(tmp)
		if err != nil {
			t.Error(err)
		}
		for _, e := range entries {
			t.Errorf("upload visible in %s during verification: %s", tmp, e.Name())
		}
	}
	srv := verifyServer(t, api.Config{TempDir: tmp, VerifyPerMinute: -1}, realVerifier{seen: visible})
	doc := corpusFile(t, "itext/B-LT.pdf")
	post(t, srv.URL+"/v1/verify/pdf", "application/pdf", doc, nil)
	post(t, srv.URL+"/v1/verify/pdf", "application/pdf", []byte("not a pdf"), nil)
	ct, body := multipartBody(t, map[string][]byte{"file": doc, "extra": doc}, "file", "extra")
	post(t, srv.URL+"/v1/verify/pdf", ct, body, nil)
	if calls != 2 {
		t.Errorf("verifier called %d times, want 2", calls)
	}
	entries, _ := os.ReadDir(tmp)
	if len(entries) != 0 {
		t.Errorf("%d files left in the temporary directory", len(entries))
	}
}

// TestVerifyRateLimit: each client address gets VerifyBurst requests at
// once, then 429 with Retry-After; behind a trusted proxy the client is
// the X-Forwarded-For address, which an untrusted peer cannot forge.
func TestVerifyRateLimit(t *testing.T) {
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	cases := []struct {
		name    string
		proxies []netip.Prefix
	}{{"direct", nil}, {"behind proxy", []netip.Prefix{loopback}}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := verifyServer(t, api.Config{VerifyPerMinute: 1, VerifyBurst: 2, TrustedProxies: c.proxies}, realVerifier{})
			url := srv.URL + "/v1/verify/pdf"
			doc := corpusFile(t, "itext/B-B.pdf")
			from := func(ip string) answer {
				return post(t, url, "application/pdf", doc, map[string]string{"X-Forwarded-For": ip})
			}
			for i := range 2 {
				if a := from("203.0.113.7"); a.status != 200 {
					t.Fatalf("request %d = %d %s", i+1, a.status, a.body)
				}
			}
			a := from("203.0.113.7")
			if a.status != 429 || a.errorCode(t) != api.CodeRateLimited {
				t.Fatalf("third request = %d %s, want 429 rate_limited", a.status, a.body)
			}
			if s, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
				t.Errorf("Retry-After = %q, want 1-60 seconds", a.header.Get("Retry-After"))
			}
			other := from("198.51.100.9")
			if c.proxies == nil && other.status != 429 {
				t.Errorf("a forged X-Forwarded-For from an untrusted peer escaped the limit: %d", other.status)
			}
			if c.proxies != nil && other.status != 200 {
				t.Errorf("another client behind the proxy = %d, want 200", other.status)
			}
		})
	}
}

// TestVerifyCMSAPI: a detached CMS made by openssl with a throwaway key
// verifies (INDETERMINATE: its self-signed certificate is not trusted),
// as DER or PEM; changed data is HASH_FAILURE.
func TestVerifyCMSAPI(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	key, cert := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
	data := []byte("Tờ trình số 45/TTr — nội dung ký")
	dataFile := filepath.Join(dir, "data.txt")
	os.WriteFile(dataFile, data, 0o600)
	run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=Nguyễn Văn Bình/O=Test/C=VN", "-utf8",
		"-addext", "keyUsage=critical,digitalSignature,nonRepudiation")
	der, pemSig := filepath.Join(dir, "s.p7s"), filepath.Join(dir, "s.pem")
	run("cms", "-sign", "-binary", "-in", dataFile, "-signer", cert, "-inkey", key, "-outform", "DER", "-out", der)
	run("cms", "-sign", "-binary", "-in", dataFile, "-signer", cert, "-inkey", key, "-outform", "PEM", "-out", pemSig)

	srv := verifyServer(t, api.Config{VerifyPerMinute: -1}, realVerifier{})
	for _, sigFile := range []string{der, pemSig} {
		sig, _ := os.ReadFile(sigFile)
		for _, tc := range []struct {
			data []byte
			want verifier.Indication
		}{{data, verifier.Indeterminate}, {append(bytes.Clone(data), '!'), verifier.TotalFailed}} {
			ct, body := multipartBody(t, map[string][]byte{"data": tc.data, "signature": sig}, "signature", "data")
			a := post(t, srv.URL+"/v1/verify/cms", ct, body, nil)
			if a.status != 200 {
				t.Fatalf("verify cms = %d %s", a.status, a.body)
			}
			rep := a.report(t)
			if len(rep.Signatures) != 1 || rep.Signatures[0].Indication != tc.want || rep.Signatures[0].Signer.Name != "Nguyễn Văn Bình" {
				t.Errorf("%s: report = %s, want %s", filepath.Base(sigFile), a.body, tc.want)
			}
			if tc.want == verifier.TotalFailed && rep.Signatures[0].SubIndication != verifier.HashFailure {
				t.Errorf("changed data = %s, want HASH_FAILURE", rep.Signatures[0].SubIndication)
			}
		}
	}
	ct, body := multipartBody(t, map[string][]byte{"data": data}, "data")
	if a := post(t, srv.URL+"/v1/verify/cms", ct, body, nil); a.status != 400 || a.errorCode(t) != api.CodeInvalidRequest {
		t.Errorf("no signature part = %d %s", a.status, a.body)
	}
	ct, body = multipartBody(t, map[string][]byte{"data": data, "signature": []byte("garbage")}, "data", "signature")
	if a := post(t, srv.URL+"/v1/verify/cms", ct, body, nil); a.status != 422 || a.errorCode(t) != api.CodeUnreadable {
		t.Errorf("garbage signature = %d %s", a.status, a.body)
	}
	if a := post(t, srv.URL+"/v1/verify/cms", "application/pkcs7-signature", []byte("x"), nil); a.status != 415 {
		t.Errorf("not multipart = %d %s", a.status, a.body)
	}
}

// TestVerifyPageServed: the page and its assets are served by the API
// server, under the page's Content-Security-Policy.
func TestVerifyPageServed(t *testing.T) {
	srv := verifyServer(t, api.Config{}, realVerifier{})
	for path, ct := range map[string]string{"/": "text/html", "/assets/app.js": "text/javascript", "/assets/app.css": "text/css"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ct) || len(b) == 0 {
			t.Errorf("GET %s = %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("GET %s: CSP = %q", path, resp.Header.Get("Content-Security-Policy"))
		}
	}
	resp, err := http.Get(srv.URL + "/assets/nope.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown asset = %d", resp.StatusCode)
	}
}

// TestVerifyNotConfigured: without a verifier the endpoints answer 503.
func TestVerifyNotConfigured(t *testing.T) {
	srv := httptest.NewServer(api.New(api.Config{}, api.Deps{}))
	defer srv.Close()
	a := post(t, srv.URL+"/v1/verify/pdf", "application/pdf", []byte("%PDF-"), nil)
	if a.status != 503 || a.errorCode(t) != api.CodeNotConfigured {
		t.Errorf("= %d %s", a.status, a.body)
	}
}

// TestVerifyPageKnowsEveryCode: the page explains, in Vietnamese and in
// English, every sub-indication and every kind of change the verifier
// reports (the string constants of verifier/report.go).
func TestVerifyPageKnowsEveryCode(t *testing.T) {
	src, err := os.ReadFile("web/app.js")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	f, err := parser.ParseFile(token.NewFileSet(), "../verifier/report.go", nil, 0)
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
			for i, n := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				typ, _ := vs.Type.(*ast.Ident)
				if strings.HasPrefix(n.Name, "Change") || typ != nil && typ.Name == "SubIndication" {
					codes[n.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
	}
	if len(codes) < 30 {
		t.Fatalf("found %d codes in verifier/report.go", len(codes))
	}
	for name, kind := range codes {
		if n := strings.Count(string(src), "\n        "+kind+": '"); n != 2 {
			t.Errorf("app.js explains %s (%q) in %d languages, want 2", name, kind, n)
		}
	}
}
