package cscclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kyso is a `kyso dev` process built from this checkout, driven from
// outside: its HTTP API only.
type kyso struct {
	url, adminToken string
	dir             string
}

// startKyso builds cmd/kyso of the checkout this module sits in (../..),
// starts `kyso dev` on a temporary directory with the Vault binary of
// KYSO_VAULT_BIN (else the checkout's bin/vault), and waits until it has
// written dev.env and answers /readyz. extraEnv is added to its
// environment (configuration as KYSO_* variables). The process is stopped
// when the test ends.
func startKyso(t *testing.T, extraEnv ...string) *kyso {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	vaultBin := os.Getenv("KYSO_VAULT_BIN")
	if vaultBin == "" {
		vaultBin = filepath.Join(root, "bin", "vault")
	}
	if _, err := os.Stat(vaultBin); err != nil {
		t.Fatalf("no Vault binary at %s (set KYSO_VAULT_BIN): %v", vaultBin, err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kyso")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kyso")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/kyso in %s: %v\n%s", root, err, out)
	}
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "dev", "--data", data, "--listen", "127.0.0.1:0",
		"--vault-listen", freeAddr(t), "--vault-bin", vaultBin, "--verify-per-minute", "-1")
	cmd.Env = append(os.Environ(), extraEnv...)
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
		if t.Failed() {
			t.Logf("kyso dev log:\n%s", log.String())
		}
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
			return &kyso{url: env["KYSO_URL"], adminToken: env["KYSO_ADMIN_TOKEN"], dir: dir}
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

// admin calls kyso's admin API with the dev admin token.
func (k *kyso) admin(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, k.url+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+k.adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, want, got)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, got)
		}
	}
}

// get fetches a public resource.
func (k *kyso) get(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := http.Get(k.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", path, resp.StatusCode, b)
	}
	return b
}

// verifyPDF posts doc to kyso's public verifier and returns whether the
// report says valid, with each signature's indication.
func (k *kyso) verifyPDF(t *testing.T, doc []byte) (bool, []string) {
	t.Helper()
	resp, err := http.Post(k.url+"/v1/verify/pdf", "application/pdf", bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/verify/pdf = %d: %s", resp.StatusCode, b)
	}
	var rep struct {
		Valid      bool `json:"valid"`
		Signatures []struct {
			Indication string `json:"indication"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	var each []string
	for _, s := range rep.Signatures {
		each = append(each, s.Indication)
	}
	if !rep.Valid {
		t.Logf("verify report: %s", b)
	}
	return rep.Valid, each
}

// minimalPDF is a one-page PDF 1.7 with a line of text, its cross-reference
// table at the right offsets.
func minimalPDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 14 Tf 72 770 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
