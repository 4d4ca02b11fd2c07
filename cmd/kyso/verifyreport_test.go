package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/verifier"
)

// etsiSchemaValid checks an ETSI validation report against the ETSI TS
// 119 102-2 schema with xmllint, offline.
func etsiSchemaValid(t *testing.T, report []byte) {
	t.Helper()
	dir, err := filepath.Abs("../../verifier/etsireport/testdata/xsd")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(f, report, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xmllint", "--nonet", "--noout", "--schema", filepath.Join(dir, "TS119102-2-v122.xsd"), f)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(dir, "catalog.xml"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmllint --schema: %v\n%s", err, out)
	}
}

// TestVerifyCLIETSI: kyso verify --etsi prints the ETSI validation report
// of the Hanoi decision (schema-valid, seven signatures, the same
// verdicts as the text report) and keeps the exit status of the verdict;
// --etsi-out writes it beside the text report; --etsi with two files is a
// usage error.
func TestVerifyCLIETSI(t *testing.T) {
	hanoiDoc := filepath.Join(realworld, "vn-nom-vn", "hanoi_qd_2280_water.pdf")
	wantCode, text := kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", hanoiDoc)
	code, out := kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", "--etsi", hanoiDoc)
	if code != wantCode || !strings.HasPrefix(out, "<?xml") || strings.Count(out, "<MainIndication>") != 7 ||
		strings.Count(out, "urn:etsi:019102:mainindication:total-passed") != strings.Count(text, "TOTAL_PASSED") {
		t.Fatalf("--etsi = %d, want %d and the 7 verdicts of the text report:\n%.500s\n%s", code, wantCode, out, text)
	}
	// kysoVerify appends the exit error to what was printed.
	if end := strings.LastIndex(out, "</ValidationReport>"); end > 0 {
		out = out[:end+len("</ValidationReport>")]
	}
	etsiSchemaValid(t, []byte(out))

	path := filepath.Join(t.TempDir(), "report.xml")
	code, out = kysoVerify(t, "--no-kyso", "--etsi-out", path, hanoiDoc)
	if code != exitIndeterminate || !strings.Contains(out, "INDETERMINATE") {
		t.Errorf("--etsi-out without trust = %d, want 2 and the text report:\n%s", code, out)
	}
	x, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("--etsi-out wrote nothing: %v", err)
	}
	etsiSchemaValid(t, x)
	if !strings.Contains(string(x), "urn:etsi:019102:subindication:NO_CERTIFICATE_CHAIN_FOUND") {
		t.Errorf("--etsi-out report lacks NO_CERTIFICATE_CHAIN_FOUND")
	}

	if code, _ := kysoVerify(t, "--no-kyso", "--etsi", hanoiDoc, hanoiDoc); code != exitUnreadable {
		t.Errorf("--etsi with two files = %d, want 3", code)
	}
}

// pdfText is the text of a PDF (poppler's pdftotext), its words joined by
// single spaces.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// TestVerifyCLIReportOffline: kyso verify --report writes the printed
// report made offline: a PDF in Vietnamese with the file's name and
// SHA-256, that says it is not signed (and has no signature), the CCCD of
// nobody masked (the operator's own copy).
func TestVerifyCLIReportOffline(t *testing.T) {
	hanoiDoc := filepath.Join(realworld, "vn-nom-vn", "hanoi_qd_2280_water.pdf")
	out := filepath.Join(t.TempDir(), "bien-ban.pdf")
	wantCode, _ := kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", hanoiDoc)
	code, text := kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", "--report", out, hanoiDoc)
	if code != wantCode || !strings.Contains(text, "hanoi_qd_2280_water.pdf: ") {
		t.Fatalf("--report = %d, want %d and the text report:\n%s", code, wantCode, text)
	}
	doc, err := os.ReadFile(hanoiDoc)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(doc)
	h := hex.EncodeToString(sum[:])
	txt := pdfText(t, out)
	for _, want := range []string{"BIÊN BẢN KIỂM TRA CHỮ KÝ SỐ", "hanoi_qd_2280_water.pdf", h[:8] + " " + h[8:16], "tài liệu có 7 chữ ký", "KHÔNG được ký số"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the printed report lacks %q:\n%s", want, txt)
		}
	}
	if code, text := kysoVerify(t, "--no-kyso", out); code != exitFailed || !strings.Contains(text, "0 chữ ký") {
		t.Errorf("kyso verify of the unsigned report = %d, want 1 (no signature):\n%s", code, text)
	}
	if code, _ := kysoVerify(t, "--no-kyso", "--server", "http://127.0.0.1:1", hanoiDoc); code != exitUnreadable {
		t.Errorf("--server without --report = %d, want 3", code)
	}
}

// TestVerifyReportSigned: the printed report from a running kyso (real
// Vault, kyso's CA and TSA). Without report.seal_credential
// ?format=report is 503 not_configured; a citizen credential as the seal
// keeps kyso from starting; with a seal of kyso's CA, POST
// /v1/verify/pdf?format=report answers the report signed at PAdES B-LT —
// valid and trusted in pdfsig (NSS trusting kyso's root), valid B-LT in
// kyso's verifier, in Vietnamese with the document's SHA-256 and the
// signer's CCCD masked — and kyso verify --report --server fetches it.
func TestVerifyReportSigned(t *testing.T) {
	e := newSignEnv(t)
	unsigned := testpdf.Make(1, 2000)
	sad := authorizeDocs(t, e.env["KYSO_URL"], e.clientHN, e.citizen, citizenPIN, e.phone, unsigned)
	doc := e.sign(t, e.citizen, unsigned, map[string]any{"level": "B-LT", "sad": sad})
	post := func(doc []byte) (int, string, []byte) {
		t.Helper()
		resp, err := http.Post(e.env["KYSO_URL"]+"/v1/verify/pdf?format=report", "application/pdf", bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	}
	if code, _, body := post(doc); code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"not_configured"`) {
		t.Fatalf("format=report without a seal = %d %s, want 503 not_configured", code, body)
	}
	code, out := e.call(t, "POST", "/v1/certificates", map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": "Trung tâm Chứng thực điện tử kyso", "tax_code": "0109999999", "locality": "Hà Nội"}})
	if code != 201 {
		t.Fatalf("issue the report seal = %d %v", code, out)
	}
	seal := out["credential_id"].(string)

	e.stop(t)
	bin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = run(ctx, io.Discard, []string{"dev", "--data", e.dir, "--listen", "127.0.0.1:0", "--vault-listen", freePort(t), "--vault-bin", bin, "--report-seal", e.citizen})
	if err == nil || !strings.Contains(err.Error(), "report.seal_credential") {
		t.Fatalf("kyso dev with a citizen credential as report seal = %v, want a refusal naming report.seal_credential", err)
	}
	// The same address: the certificates kyso issued name it for OCSP,
	// which pdfsig asks.
	listen := strings.TrimPrefix(e.env["KYSO_URL"], "http://")
	e.devRun = startDevWith(t, e.dir, "--listen", listen, "--report-seal", seal)

	code, ctype, report := post(doc)
	if code != 200 || ctype != "application/pdf" || !bytes.HasPrefix(report, []byte("%PDF-")) {
		t.Fatalf("format=report = %d %s %.200s", code, ctype, report)
	}
	e.checkPDF(t, "bien-ban.pdf", report, 1)
	rep := e.verifyAPI(t, report)
	if !rep.Valid || len(rep.Signatures) != 1 || rep.Signatures[0].Level != verifier.LevelBLT || rep.Signatures[0].Signer.Organization != "Trung tâm Chứng thực điện tử kyso" {
		t.Errorf("kyso's verdict on the printed report: %+v", rep.Signatures)
	}
	sum := sha256.Sum256(doc)
	h := hex.EncodeToString(sum[:])
	txt := pdfText(t, filepath.Join(e.dir, "bien-ban.pdf"))
	for _, want := range []string{"BIÊN BẢN KIỂM TRA CHỮ KÝ SỐ", h[:8] + " " + h[8:16], "HỢP LỆ — tài liệu có 1 chữ ký", "Nguyễn Văn An", "CCCD:********2345", "Trung tâm Chứng thực điện tử kyso"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the printed report lacks %q:\n…%s", want, txt[max(0, len(txt)-1200):])
		}
	}
	if strings.Contains(txt, "001099012345") {
		t.Errorf("the public printed report shows the whole CCCD")
	}

	// The CLI fetches the signed report from the server.
	in := writeFileT(t, filepath.Join(e.dir, "signed.pdf"), doc)
	path := filepath.Join(e.dir, "bien-ban-cli.pdf")
	if code, text := kysoVerify(t, "--data", e.dir, "--report", path, "--server", e.env["KYSO_URL"], in); code != exitPassed {
		t.Fatalf("kyso verify --report --server = %d:\n%s", code, text)
	}
	cli, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.verifyAPI(t, cli); !got.Valid || got.Signatures[0].Level != verifier.LevelBLT {
		t.Errorf("the report kyso verify --server wrote: %+v", got.Signatures)
	}
}
