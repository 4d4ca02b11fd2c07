package main

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
)

// scrape reads a Prometheus text exposition into series → value, the
// series written as exposed: name{label="value",…}.
func scrape(t *testing.T, url string) (map[string]float64, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("series %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out, string(body)
}

// TestMetricsAfterSigning runs kyso dev with its operator listener,
// issues, signs (good and bad credentials), revokes and asks for a path no
// route serves, then scrapes /metrics over HTTP: each series moved by what
// was done, and no path or credential appears in a label.
func TestMetricsAfterSigning(t *testing.T) {
	dir := t.TempDir()
	e := &signEnv{devRun: startDevWith(t, dir, "--metrics-listen", "127.0.0.1:0"), dir: dir}
	t.Cleanup(func() { e.stop(t) })
	url := e.env["KYSO_METRICS_URL"]
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("dev.env KYSO_METRICS_URL = %q, want the operator listener's URL", url)
	}
	code, out := e.call(t, "POST", "/v1/clients", map[string]any{"name": "e-office Hà Nội", "organizations": []string{hanoi}})
	if code != 201 {
		t.Fatalf("create client = %d %v", code, out)
	}
	key := out["api_key"].(string)
	before, _ := scrape(t, url)

	code, seal := e.call(t, "POST", "/v1/certificates", map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "locality": "Hà Nội"}})
	if code != 201 {
		t.Fatalf("issue seal = %d %v", code, seal)
	}
	doc := testpdf.Make(1, 10<<10)
	if code, body, _ := e.upload(t, "/v1/sign/pdf", key, doc, map[string]any{"credential_id": seal["credential_id"], "level": "B-T"}); code != 200 {
		t.Fatalf("sign = %d %s", code, body)
	}
	const badKey = "kyso_wrong_key_0123456789"
	if code, body, _ := e.upload(t, "/v1/sign/pdf", badKey, doc, map[string]any{"credential_id": seal["credential_id"]}); code != 401 {
		t.Fatalf("sign with a wrong key = %d %s, want 401", code, body)
	}
	code, citizen := e.call(t, "POST", "/v1/certificates", map[string]any{"profile": "citizen", "pin": "482915", "subject": map[string]string{
		"name": "Nguyễn Văn An", "cccd": "001099012345", "locality": "Hà Nội"}})
	if code != 201 {
		t.Fatalf("issue citizen = %d %v", code, citizen)
	}
	if code, out := e.call(t, "POST", "/v1/certificates/"+citizen["id"].(string)+"/revoke", map[string]string{"reason": "keyCompromise"}); code != 200 {
		t.Fatalf("revoke = %d %v", code, out)
	}
	const oddPath = "/no/such/route-4711"
	if code, _ := e.call(t, "GET", oddPath, nil); code != 404 {
		t.Fatalf("GET %s = %d, want 404", oddPath, code)
	}

	after, text := scrape(t, url)
	for _, c := range []struct {
		series string
		delta  float64
	}{
		{`kyso_http_requests_total{method="POST",route="/v1/sign/pdf",status="200"}`, 1},
		{`kyso_http_requests_total{method="POST",route="/v1/sign/pdf",status="401"}`, 1},
		{`kyso_http_request_duration_seconds_count{method="POST",route="/v1/sign/pdf"}`, 2},
		{`kyso_http_requests_total{method="POST",route="/v1/certificates",status="201"}`, 2},
		{`kyso_http_requests_total{method="POST",route="/v1/certificates/{id}/revoke",status="200"}`, 1},
		{`kyso_http_requests_total{method="GET",route="unmatched",status="404"}`, 1},
		{`kyso_http_errors_total{code="unauthorized",route="/v1/sign/pdf"}`, 1},
		{`kyso_http_errors_total{code="not_found",route="unmatched"}`, 1},
		{`kyso_auth_failures_total{kind="client"}`, 1},
		{`kyso_signatures_total{format="pdf",level="B-T",profile="seal"}`, 1},
		{`kyso_signatures_total{format="pdf",level="B-T",profile="citizen"}`, 0},
		{`kyso_certificates_issued_total{operation="issue",profile="seal"}`, 1},
		{`kyso_certificates_issued_total{operation="issue",profile="citizen"}`, 1},
		{`kyso_certificates_revoked_total{profile="citizen",reason="keyCompromise"}`, 1},
	} {
		if got := after[c.series] - before[c.series]; got != c.delta {
			t.Errorf("%s moved by %v, want %v", c.series, got, c.delta)
		}
	}
	// Issuing two certificates and signing calls Transit (keys, the
	// document's and the time-stamp's signatures), each call observed with
	// its digests; the database answers reads, writes and transactions;
	// readiness probes are not errors.
	for _, c := range []struct {
		series string
		min    float64
	}{
		{`kyso_vault_request_duration_seconds_count{operation="sign",result="ok"}`, 2},
		{`kyso_vault_request_duration_seconds_count{operation="create_key",result="ok"}`, 2},
		{`kyso_vault_sign_batch_size_count`, 2},
		{`kyso_vault_sign_batch_size_sum`, 2},
		{`kyso_db_request_duration_seconds_count{operation="read",result="ok"}`, 3},
		{`kyso_db_request_duration_seconds_count{operation="transaction",result="ok"}`, 3},
	} {
		if got := after[c.series] - before[c.series]; got < c.min {
			t.Errorf("%s moved by %v, want at least %v", c.series, got, c.min)
		}
	}
	for s, v := range after {
		if strings.HasPrefix(s, "kyso_vault_request_duration_seconds_count{") && strings.Contains(s, `result="not_found"`) && v > 0 {
			t.Errorf("%s = %v: a missing key read is not a Vault error", s, v)
		}
	}
	// The revocation rebuilt the issuing CA's CRL a moment ago.
	crl, ocsp := false, false
	for s, v := range after {
		if strings.HasPrefix(s, `kyso_crl_age_seconds{issuer="issuing`) {
			crl = true
			if v < 0 || v > 300 {
				t.Errorf("%s = %v, want the seconds since the revocation's CRL", s, v)
			}
			next := strings.Replace(s, "kyso_crl_age_seconds", "kyso_crl_next_update_seconds", 1)
			if n := after[next]; n < 3600 {
				t.Errorf("%s = %v, want hours ahead", next, n)
			}
		}
		if strings.HasPrefix(s, `kyso_certificate_expiry_days{kind="ocsp",name="issuing`) {
			ocsp = true
		}
		if strings.HasPrefix(s, `kyso_certificate_expiry_days{kind="ocsp",name="issuing`) && v < 30 {
			t.Errorf("%s = %v, want the days to the responder's future notAfter", s, v)
		}
	}
	if !crl || !ocsp {
		t.Errorf("no kyso_crl_age_seconds (%v) or OCSP responder's kyso_certificate_expiry_days (%v) of the issuing CA in\n%s", crl, ocsp, text)
	}
	if _, ok := after[`kyso_crl_errors_total`]; !ok {
		t.Errorf("no kyso_crl_errors_total in\n%s", text)
	}
	for _, s := range []string{`kyso_certificate_expiry_days{kind="issuer",name="root"}`, `kyso_certificate_expiry_days{kind="tsa",name="tsa"}`} {
		if d, ok := after[s]; !ok || d < 30 {
			t.Errorf("%s = %v (present %v), want the days to a future notAfter", s, d, ok)
		}
	}
	issuing := false
	for s := range after {
		issuing = issuing || strings.HasPrefix(s, `kyso_certificate_expiry_days{kind="issuer",name="issuing`)
	}
	if !issuing {
		t.Errorf("no kyso_certificate_expiry_days of the issuing CA in\n%s", text)
	}
	for _, leak := range []string{oddPath, badKey, key, e.env["KYSO_ADMIN_TOKEN"], citizen["id"].(string)} {
		if strings.Contains(text, leak) {
			t.Errorf("/metrics names %q: a label value must come from a bounded set", leak)
		}
	}
}
