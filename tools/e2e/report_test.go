package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/verifier"
)

// TestReportDownloadInChromium: the page's "Tải biên bản kiểm tra" button,
// in headless Chromium, against a real `kyso dev` (Vault, kyso's CA and
// TSA) whose report.seal_credential is a seal of its CA: after a valid
// verdict the button is shown, and pressing it saves the printed report,
// a PDF that kyso's verifier finds signed by that seal at PAdES B-LT and
// valid. The screenshot is a test artefact.
func TestReportDownloadInChromium(t *testing.T) {
	vaultBin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	bin := buildKyso(t)
	data := filepath.Join(t.TempDir(), "data")
	k, stop := runKyso(t, bin, vaultBin, data)
	const hanoi = "Ủy ban nhân dân Thành phố Hà Nội"
	var client struct {
		APIKey string `json:"api_key"`
	}
	k.admin(t, "/v1/clients", map[string]any{"name": "e-office Hà Nội", "organizations": []string{hanoi}}, http.StatusCreated, &client)
	var official, seal struct {
		CredentialID string `json:"credential_id"`
	}
	k.admin(t, "/v1/certificates", map[string]any{"profile": "official", "subject": map[string]string{
		"name": "Trần Sỹ Thanh", "cccd": "001075000001", "title": "Chủ tịch", "organization": hanoi, "locality": "Hà Nội"}},
		http.StatusCreated, &official)
	k.admin(t, "/v1/certificates", map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": "Trung tâm Chứng thực điện tử kyso", "tax_code": "0109999999", "locality": "Hà Nội"}},
		http.StatusCreated, &seal)
	signed := k.signPDF(t, client.APIKey, testpdf.Make(1, 10<<10), map[string]any{
		"credential_id": official.CredentialID, "level": "B-T", "reason": "Phê duyệt"})
	addr := strings.TrimPrefix(k.env["KYSO_URL"], "http://")
	stop()
	// The same address: kyso's certificates name it for OCSP and CRLs.
	k, _ = runKyso(t, bin, vaultBin, data, "--listen", addr, "--report-seal", seal.CredentialID)

	s := Start(t, k.env["KYSO_URL"], "")
	s.Desktop()
	s.Open()
	s.Upload("quyet-dinh.pdf", signed)
	s.ExpectVerdict("valid", "TOTAL_PASSED")
	if hidden := s.Eval("document.getElementById('download-report').hidden"); hidden != "false" {
		s.fail("the download button is hidden after a valid verdict")
	}
	s.ExpectText("#download-report", "Tải biên bản kiểm tra")
	// The page saves the report through an object URL; keep what it saves.
	s.eval("hook the download", `(function () {
		window.__report = '';
		var create = URL.createObjectURL;
		URL.createObjectURL = function (blob) {
			var r = new FileReader();
			r.onload = function () { window.__report = String(r.result); };
			r.readAsDataURL(blob);
			return create.call(URL, blob);
		};
		return '';
	})()`)
	s.Click("#download-report")
	ctx, cancel := context.WithTimeout(s.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("window.__report.length > 0", chromedp.WithPollingTimeout(stepTimeout))); err != nil {
		s.fail("the printed report was not saved: %v (status: %s)", err, s.Eval("document.getElementById('download-status').textContent"))
	}
	s.Screenshot("report-downloaded.png")
	url := s.eval("the saved report", "window.__report")
	b64, ok := strings.CutPrefix(url, "data:application/pdf;base64,")
	if !ok {
		t.Fatalf("the saved report is not a PDF: %.100s", url)
	}
	pdf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(k.env["KYSO_URL"] + "/pki/root.crt")
	if err != nil {
		t.Fatal(err)
	}
	var root bytes.Buffer
	_, err = root.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	rootCert, err := x509.ParseCertificate(root.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(rootCert)
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), verifier.Options{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Valid || len(rep.Signatures) != 1 || rep.Signatures[0].Level != verifier.LevelBLT || rep.Signatures[0].Signer.Organization != "Trung tâm Chứng thực điện tử kyso" {
		t.Errorf("the saved report: %+v, want one valid B-LT signature of the report seal", rep.Signatures)
	}
	s.ExpectCleanConsole()
}

// buildKyso builds cmd/kyso of this checkout (see startKyso).
func buildKyso(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kyso")
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/kyso-vn/kyso").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/kyso-vn/kyso: %v", err)
	}
	build := exec.Command("go", "build", "-o", bin, "./cmd/kyso")
	build.Dir = strings.TrimSpace(string(root))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/kyso in %s: %v\n%s", build.Dir, err, out)
	}
	return bin
}

// runKyso starts `kyso dev` on data with extra flags (later flags win)
// and waits until it is ready; stop ends it (also run when the test
// ends).
func runKyso(t *testing.T, bin, vaultBin, data string, extra ...string) (*kysoDev, func()) {
	t.Helper()
	_ = os.Remove(filepath.Join(data, "dev.env"))
	ctx, cancel := context.WithCancel(context.Background())
	args := append([]string{"dev", "--data", data, "--listen", "127.0.0.1:0", "--vault-listen", freeAddr(t), "--vault-bin", vaultBin,
		"--verify-per-minute", "-1"}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	deadline := time.After(2 * time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			t.Fatalf("kyso dev exited early: %v\n%s", err, log.String())
		case <-deadline:
			t.Fatalf("kyso dev did not become ready within 2 minutes:\n%s", log.String())
		case <-tick.C:
		}
		if env := devReady(filepath.Join(data, "dev.env")); env != nil {
			return &kysoDev{env: env}, stop
		}
	}
}
