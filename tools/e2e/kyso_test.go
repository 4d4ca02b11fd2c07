package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// TestVerifyPageInChromium: a citizen's journey on kyso's own page, in
// headless Chromium, against a real `kyso dev` (its own process, with a
// real Vault): a kyso-signed decision is valid (green), the same with a
// byte of content changed is invalid (red). Screenshots are test
// artefacts (go test -artifacts).
func TestVerifyPageInChromium(t *testing.T) {
	k := startKyso(t)
	const hanoi = "Ủy ban nhân dân Thành phố Hà Nội"
	var client struct {
		APIKey string `json:"api_key"`
	}
	k.admin(t, "/v1/clients", map[string]any{"name": "e-office Hà Nội", "organizations": []string{hanoi}}, http.StatusCreated, &client)
	var cred struct {
		CredentialID string `json:"credential_id"`
	}
	k.admin(t, "/v1/certificates", map[string]any{"profile": "official", "subject": map[string]string{
		"name": "Trần Sỹ Thanh", "cccd": "001075000001", "title": "Chủ tịch", "organization": hanoi, "locality": "Hà Nội"}},
		http.StatusCreated, &cred)
	if client.APIKey == "" || cred.CredentialID == "" {
		t.Fatalf("kyso dev gave no API key (%q) or credential (%q)", client.APIKey, cred.CredentialID)
	}
	signed := k.signPDF(t, client.APIKey, testpdf.Make(1, 10<<10), map[string]any{
		"credential_id": cred.CredentialID, "level": "B-T", "reason": "Phê duyệt",
		"appearance": map[string]any{"template": "leader", "page": 1, "rect": []float64{330, 80, 560, 180}}})
	tampered := bytes.Clone(signed)
	i := bytes.Index(tampered, []byte(testpdf.Marker))
	if i < 0 {
		t.Fatal("page content marker not found")
	}
	tampered[i] ^= 0x20
	Run(t, k.env["KYSO_URL"], signed, tampered, "")
}

// kysoDev is a `kyso dev` process built from this checkout.
type kysoDev struct {
	env map[string]string // its dev.env
}

// startKyso builds cmd/kyso in kyso's module (which the tools module's
// replace names: this checkout), starts `kyso dev` on a temporary directory with the Vault
// binary of vaulttest.Bin (KYSO_VAULT_BIN), and waits until it has written
// dev.env and answers /readyz. The process is stopped when the test ends.
// env are extra NAME=VALUE variables for it (config overrides,
// KYSO_<PATH>).
func startKyso(t *testing.T, env ...string) *kysoDev {
	t.Helper()
	return startKysoArgs(t, nil, env...)
}

// startKysoArgs is startKyso with extra arguments for kyso dev (--trust
// DIR).
func startKysoArgs(t *testing.T, args []string, env ...string) *kysoDev {
	t.Helper()
	vaultBin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kyso")
	// Built in kyso's own module (its go.sum), which the replace names.
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/kyso-vn/kyso").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/kyso-vn/kyso: %v", err)
	}
	build := exec.Command("go", "build", "-o", bin, "./cmd/kyso")
	build.Dir = strings.TrimSpace(string(root))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/kyso in %s: %v\n%s", build.Dir, err, out)
	}
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	argv := append([]string{"dev", "--data", data, "--listen", "127.0.0.1:0",
		"--vault-listen", freeAddr(t), "--vault-bin", vaultBin,
		// One address verifies several documents; the limit is tested in package api.
		"--verify-per-minute", "-1"}, args...)
	cmd := exec.CommandContext(ctx, bin, argv...)
	cmd.Env = append(os.Environ(), env...)
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
	t.Cleanup(func() {
		cancel()
		<-done
	})
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
			return &kysoDev{env: env}
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// devReady returns dev.env once it is written and /readyz answers 200.
func devReady(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	if env["KYSO_URL"] == "" || env["KYSO_ADMIN_TOKEN"] == "" {
		return nil
	}
	resp, err := http.Get(env["KYSO_URL"] + "/readyz")
	if err != nil {
		return nil
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return env
}

// admin posts a JSON body with the admin token and decodes the answer.
func (k *kysoDev) admin(t *testing.T, path string, body any, want int, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, k.env["KYSO_URL"]+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+k.env["KYSO_ADMIN_TOKEN"])
	req.Header.Set("Content-Type", "application/json")
	got := k.do(t, req, want)
	if err := json.Unmarshal(got, out); err != nil {
		t.Fatalf("POST %s: %v: %s", path, err, got)
	}
}

// signPDF signs doc through POST /v1/sign/pdf (multipart: file, options).
func (k *kysoDev) signPDF(t *testing.T, apiKey string, doc []byte, opts map[string]any) []byte {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "doc.pdf")
	if err == nil {
		_, err = fw.Write(doc)
	}
	if err != nil {
		t.Fatal(err)
	}
	ow, err := mw.CreateFormField("options")
	if err == nil {
		err = json.NewEncoder(ow).Encode(opts)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, k.env["KYSO_URL"]+"/v1/sign/pdf", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+apiKey)
	return k.do(t, req, http.StatusOK)
}

func (k *kysoDev) do(t *testing.T, req *http.Request, want int) []byte {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, out)
	}
	return out
}

// TestVerifyXMLPageInChromium: an e-invoice (Circular 78) signed by the
// agency's seal and countersigned in the tax authority's block through a
// real `kyso dev`, checked on the page at / in headless Chromium: valid,
// each card with the invoice's facts and what each reference covers;
// with a changed amount it is invalid and the reference to the invoice
// data is shown broken, in Vietnamese and in English.
func TestVerifyXMLPageInChromium(t *testing.T) {
	k := startKyso(t)
	const hanoi = "Ủy ban nhân dân Thành phố Hà Nội"
	var client struct {
		APIKey string `json:"api_key"`
	}
	k.admin(t, "/v1/clients", map[string]any{"name": "e-office Hà Nội", "organizations": []string{hanoi}}, http.StatusCreated, &client)
	var seal, official struct {
		CredentialID string `json:"credential_id"`
	}
	k.admin(t, "/v1/certificates", map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "budget_code": "1058600", "locality": "Hà Nội"}}, http.StatusCreated, &seal)
	k.admin(t, "/v1/certificates", map[string]any{"profile": "official", "subject": map[string]string{
		"name": "Lê Thị Hoa", "cccd": "001185000123", "title": "Chuyên viên", "unit": "Văn phòng", "organization": hanoi, "locality": "Hà Nội"}},
		http.StatusCreated, &official)
	inv := xmltest.Invoice{Number: 7, Items: 4, Seller: hanoi, SellerMST: "0103410294", WithMCCQT: true}.Make()
	signed := k.signXML(t, client.APIKey, inv, map[string]any{"credential_id": seal.CredentialID, "include_chain": true, "signature_id": "seller"})
	both := k.signXML(t, client.APIKey, signed, map[string]any{"credential_id": official.CredentialID, "location": "/HDon/DSCKS/CQT",
		"references": []string{"mccqt", "seller"}, "include_chain": true, "signature_id": "cqt"})
	changed := bytes.Replace(both, []byte("<DGia>150000"), []byte("<DGia>150001"), 1)
	if bytes.Equal(changed, both) {
		t.Fatal("the invoice has no <DGia>150000 to change")
	}

	s := Start(t, k.env["KYSO_URL"], "")
	s.Phone()
	s.Open()
	s.Upload("hoadon.xml", both)
	s.ExpectVerdict("valid", "TOTAL_PASSED")
	s.ExpectText("#verdict-text", "2 chữ ký")
	s.ExpectText(".sig-card [data-einvoice=seller]", "0103410294")
	s.ExpectText(".sig-card [data-einvoice=number]", "Số 7")
	s.ExpectText(".sig-card [data-einvoice=tax-code-match]", "trùng với MST của người bán")
	s.ExpectText(".sig-card [data-reference=valid]", "/HDon/DLHDon")
	s.ExpectText(".sig-card:nth-child(2)", "cơ quan thuế")
	s.Screenshot("einvoice.png")
	s.Again()
	s.Upload("hoadon-sua.xml", changed)
	s.ExpectVerdict("invalid", "TOTAL_FAILED")
	s.ExpectText(".sig-card[data-indication=TOTAL_FAILED] .sig-explain", "Tài liệu đã bị thay đổi sau khi ký")
	s.ExpectText(".sig-card[data-indication=TOTAL_FAILED] [data-reference=invalid]", "/HDon/DLHDon")
	s.Click("#lang")
	s.ExpectText(".sig-card[data-indication=TOTAL_FAILED] [data-reference=invalid]", "does not match")
	s.Screenshot("einvoice-changed-en.png")
	s.ExpectCleanConsole()
}

// signXML signs doc through POST /v1/sign/xml (the XML as the body, the
// options in the Kyso-Options header).
func (k *kysoDev) signXML(t *testing.T, apiKey string, doc []byte, opts map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, k.env["KYSO_URL"]+"/v1/sign/xml", bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Kyso-Options", string(b))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	return k.do(t, req, http.StatusOK)
}
