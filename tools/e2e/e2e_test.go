package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kyso-vn/kyso/api/web"
)

var update = flag.Bool("update", false, "write the screenshots to testdata/ as examples")

// The stand-in's verify API answers by markers in the uploaded bytes.
var (
	validPDF    = []byte("%PDF-1.7\n% a signed decision\n%%EOF\n")
	tamperedPDF = []byte("%PDF-1.7\n% TAMPERED after signing\n%%EOF\n")
	limitedPDF  = []byte("%PDF-1.7\n% RATE limited\n%%EOF\n")
	unsignedPDF = []byte("%PDF-1.7\n% NOSIG\n%%EOF\n")
)

func artefacts(t *testing.T) string {
	if *update {
		return "testdata"
	}
	return "" // t.ArtifactDir()
}

// fakeKyso serves the real page (web.Handler) and a stand-in for
// POST /v1/verify/pdf that checks the request as kyso would and answers
// canned reports. It tests the page's logic; the real verifier is driven by
// the same Run from TestVerifyPageInChromium (kyso_test.go) against a real
// kyso dev.
type fakeKyso struct {
	mu       sync.Mutex
	requests int
	// custom is the answer to customPDF (words_test.go): a report a test
	// sets.
	custom []byte
}

func (f *fakeKyso) server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/", web.Handler())
	mux.HandleFunc("/v1/verify/pdf", f.verify)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeKyso) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", "req-7f3a9c01")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
		"code": code, "message": msg, "request_id": "req-7f3a9c01",
	}})
}

func (f *fakeKyso) verify(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	f.mu.Unlock()
	if r.Method != http.MethodPost {
		apiError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/pdf" {
		apiError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/pdf, not "+ct)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 51<<20))
	if err != nil || !bytes.HasPrefix(body, []byte("%PDF-")) {
		apiError(w, http.StatusBadRequest, "invalid_document", "not a PDF")
		return
	}
	var report any
	switch {
	case bytes.Contains(body, []byte("RATE")):
		apiError(w, http.StatusTooManyRequests, "rate_limited", "too many verification requests from this address")
		return
	case bytes.Contains(body, []byte("NOSIG")):
		report = json.RawMessage(`{"valid":false,"signature_count":0,"signatures":null}`)
	case bytes.Contains(body, []byte("CUSTOM")) && f.custom != nil:
		report = json.RawMessage(f.custom)
	case bytes.Contains(body, []byte("TAMPERED")):
		report = json.RawMessage(tamperedReport)
	default:
		report = json.RawMessage(validReport)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(report)
}

const validReport = `{"valid":true,"signature_count":3,"signatures":[
 {"field":"Signature1","type":"signature","indication":"TOTAL_PASSED","sub_indication":"",
  "signer":{"name":"Nguyễn Văn Hùng","identifiers":["CCCD:001085012345"],"organization":"Sở Tư pháp thành phố Hà Nội"},
  "claimed_time":"2025-03-12T09:14:03+07:00","proven_time":"2025-03-12T09:14:05+07:00",
  "timestamp_authority":"Dịch vụ cấp dấu thời gian kyso","level":"B-LT","revision":1,"revisions":3,
  "changes_after":[{"kind":"signature_added","allowed":true,"detail":"Signature2"},{"kind":"dss_added","allowed":true},{"kind":"document_timestamp_added","allowed":true,"detail":"DocTimeStamp1"}],
  "chain":[{"subject":"CN=Nguyễn Văn Hùng, O=Sở Tư pháp thành phố Hà Nội, UID=CCCD:001085012345","issuer":"CN=kyso Issuing CA 2025","not_after":"2027-03-01T00:00:00Z"},
           {"subject":"CN=kyso Issuing CA 2025","issuer":"CN=kyso Root CA","not_after":"2030-01-01T00:00:00Z"},
           {"subject":"CN=kyso Root CA","issuer":"CN=kyso Root CA","not_after":"2045-01-01T00:00:00Z"}],
  "warnings":[]},
 {"field":"Signature2","type":"signature","indication":"TOTAL_PASSED","sub_indication":"",
  "signer":{"name":"Sở Tư pháp thành phố Hà Nội","identifiers":["MST:0101234567"],"organization":"UBND thành phố Hà Nội"},
  "claimed_time":"2025-03-12T09:20:41+07:00","proven_time":"2025-03-12T09:20:44+07:00",
  "timestamp_authority":"Dịch vụ cấp dấu thời gian kyso","level":"B-LT","revision":2,"revisions":3,
  "changes_after":[{"kind":"document_timestamp_added","allowed":true}],
  "chain":[{"subject":"CN=Sở Tư pháp thành phố Hà Nội, UID=MST:0101234567","issuer":"CN=kyso Issuing CA 2025","not_after":"2028-03-01T00:00:00Z"}],
  "warnings":[]},
 {"field":"DocTimeStamp1","type":"document_timestamp","indication":"TOTAL_PASSED","sub_indication":"",
  "signer":{"name":"","identifiers":[],"organization":""},
  "claimed_time":"","proven_time":"2025-03-12T09:21:02+07:00",
  "timestamp_authority":"Dịch vụ cấp dấu thời gian kyso","level":"B-LTA","revision":3,"revisions":3,
  "changes_after":[],"chain":[{"subject":"CN=kyso TSA","issuer":"CN=kyso Root CA","not_after":"2031-01-01T00:00:00Z"}],"warnings":[]}]}`

const tamperedReport = `{"valid":false,"signature_count":2,"signatures":[
 {"field":"Signature1","type":"signature","indication":"TOTAL_FAILED","sub_indication":"HASH_FAILURE",
  "signer":{"name":"Nguyễn Văn Hùng","identifiers":["CCCD:001085012345"],"organization":"Sở Tư pháp thành phố Hà Nội"},
  "claimed_time":"2025-03-12T09:14:03+07:00","proven_time":"2025-03-12T09:14:05+07:00",
  "timestamp_authority":"Dịch vụ cấp dấu thời gian kyso","level":"B-T","revision":1,"revisions":2,
  "changes_after":[{"kind":"page_content_modified","allowed":false,"detail":"page 1: content stream replaced"}],
  "chain":[{"subject":"CN=Nguyễn Văn Hùng, O=Sở Tư pháp thành phố Hà Nội","issuer":"CN=kyso Issuing CA 2025","not_after":"2027-03-01T00:00:00Z"}],
  "warnings":[]},
 {"field":"Signature2","type":"signature","indication":"INDETERMINATE","sub_indication":"NO_CERTIFICATE_CHAIN_FOUND",
  "signer":{"name":"Trần Thị Mai","identifiers":["CCCD:079190004321"],"organization":"UBND phường Láng Hạ"},
  "claimed_time":"2025-03-13T15:02:00+07:00","proven_time":"","timestamp_authority":"","level":"B-B","revision":2,"revisions":2,
  "changes_after":[],
  "chain":[{"subject":"CN=Trần Thị Mai","issuer":"CN=Unknown Private CA","not_after":"2026-01-01T00:00:00Z"}],
  "warnings":["signing time comes from /M and is not proven by a time-stamp"]}]}`

func TestPageAgainstStandIn(t *testing.T) {
	f := &fakeKyso{}
	srv := f.server(t)
	Run(t, srv.URL, validPDF, tamperedPDF, artefacts(t))
	if n := f.count(); n != 3 {
		t.Errorf("verify API got %d requests, want 3 (valid, tampered, valid)", n)
	}
}

func TestPageProblems(t *testing.T) {
	f := &fakeKyso{}
	srv := f.server(t)
	s := Start(t, srv.URL, artefacts(t))
	s.Phone()
	s.Open()

	// Keyboard: skip link, language switch, file picker, in that order;
	// the switch works with the space bar.
	for i, want := range []string{"skip", "lang", "file"} {
		s.Press("\t")
		got := s.Eval("document.activeElement.id || document.activeElement.className")
		if got != want {
			t.Fatalf("after %d Tab(s) the focus is on %q, want %q", i+1, got, want)
		}
		if want == "lang" {
			s.Press(" ")
			s.ExpectLang("en")
			s.Press(" ")
			s.ExpectLang("vi")
		}
	}
	s.Screenshot("keyboard-focus.png")

	// An API error is shown politely, with the request id to quote.
	s.Upload("ho-so.pdf", limitedPDF)
	s.ExpectVerdict("error", "")
	s.ExpectText("#verdict-text", "quá nhiều yêu cầu")
	s.ExpectText("#verdict-extra", "Mã yêu cầu: req-7f3a9c01")
	s.Screenshot("error.png")

	// A document with no signature at all is not valid.
	s.Again()
	s.Upload("khong-ky.pdf", unsignedPDF)
	s.ExpectVerdict("invalid", "")
	s.ExpectText("#verdict-title", "Tài liệu không có chữ ký số")

	// Not a PDF, or too big: refused in the browser, nothing is sent.
	before := f.count()
	s.Again()
	s.Upload("ghi-chu.txt", []byte("hello"))
	s.ExpectVerdict("error", "")
	s.ExpectText("#verdict-text", "không phải là tệp PDF")
	s.Again()
	s.Upload("gia-mao.pdf", []byte("<html>not a pdf</html>"))
	s.ExpectVerdict("error", "")
	s.ExpectText("#verdict-text", "không phải là tệp PDF")
	s.Again()
	big := make([]byte, 50<<20+1)
	copy(big, "%PDF-1.7\n")
	s.Upload("qua-lon.pdf", big)
	s.ExpectVerdict("error", "")
	s.ExpectText("#verdict-text", "50 MB")
	if n := f.count() - before; n != 0 {
		t.Errorf("the page sent %d request(s) for files it should refuse", n)
	}

	// The indeterminate card and the unproven claimed time.
	s.Again()
	s.Upload("van-ban-bi-sua.pdf", tamperedPDF)
	s.ExpectVerdict("invalid", "INDETERMINATE")
	s.ExpectText(".sig-card[data-indication=INDETERMINATE] .sig-explain", "Không tìm thấy chuỗi chứng thư tin cậy")
	s.ExpectText(".sig-card[data-indication=INDETERMINATE] .row-unproven", "chưa được chứng thực")
	s.ExpectText(".sig-card[data-indication=TOTAL_FAILED] .sig-explain", "Tài liệu đã bị thay đổi sau khi ký")
	s.ExpectText(".sig-card[data-indication=TOTAL_FAILED] .change-bad", "không được phép")
	s.Click("#lang")
	s.ExpectText(".sig-card[data-indication=INDETERMINATE] .row-unproven", "unproven")
	s.ExpectText(".sig-card[data-indication=TOTAL_FAILED] .sig-explain", "The document was changed after signing")

	// The chain is in the card's technical details.
	s.Click("#lang")
	s.Click(".sig-card[data-indication=TOTAL_FAILED] .tech summary")
	s.ExpectText(".sig-card[data-indication=TOTAL_FAILED] .chain", "Cấp bởi: CN=kyso Issuing CA 2025")
	// Personal identifiers are masked, in the card and in the chain; a
	// tax code is not personal.
	s.ExpectText(".sig-card[data-indication=TOTAL_FAILED] .facts", "CCCD:********2345")
	s.ExpectText(".sig-card[data-indication=INDETERMINATE] .facts", "CCCD:********4321")
	s.ExpectMaskedIdentifiers()
	s.Screenshot("details.png")
	s.ExpectCleanConsole("status of 429")
}
