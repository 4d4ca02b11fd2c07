package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// devRun is one `kyso dev` process run in-process.
type devRun struct {
	cancel  context.CancelFunc
	done    chan error
	env     map[string]string
	stopped bool
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startDev runs `kyso dev` on dir and waits until it has written dev.env
// and answers /readyz with 200.
func startDev(t testing.TB, dir string) *devRun {
	t.Helper()
	bin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	envPath := filepath.Join(dir, "dev.env")
	_ = os.Remove(envPath)
	ctx, cancel := context.WithCancel(context.Background())
	r := &devRun{cancel: cancel, done: make(chan error, 1)}
	go func() {
		r.done <- run(ctx, io.Discard, []string{"dev", "--data", dir, "--listen", "127.0.0.1:0", "--vault-listen", freePort(t), "--vault-bin", bin,
			// Tests verify many documents from one address; the limit
			// itself is tested in package api.
			"--verify-per-minute", "-1"})
	}()
	deadline := time.Now().Add(2 * time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-r.done:
			t.Fatalf("kyso dev exited early: %v", err)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("kyso dev did not become ready within 2 minutes")
		}
		if env := devReady(envPath); env != nil {
			r.env = env
			return r
		}
	}
}

// devReady returns the dev.env of a kyso dev once it has written it and
// answers /readyz with 200, else nil.
func devReady(envPath string) map[string]string {
	env, err := readEnvFile(envPath)
	if err != nil {
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

// stop stops kyso dev and its Vault; a second call does nothing.
func (r *devRun) stop(t testing.TB) {
	t.Helper()
	if r.stopped {
		return
	}
	r.stopped = true
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("kyso dev stopped with %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("kyso dev did not stop within a minute")
	}
}

func (r *devRun) call(t testing.TB, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, r.env["KYSO_URL"]+path, rd)
	req.Header.Set("Authorization", "Bearer "+r.env["KYSO_ADMIN_TOKEN"])
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

func (r *devRun) get(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := http.Get(r.env["KYSO_URL"] + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d", path, resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	return b
}

func pemCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatalf("no PEM in %q", s)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (r *devRun) ocspStatus(t *testing.T, leaf, issuer *x509.Certificate) int {
	t.Helper()
	req, err := ocsp.CreateRequest(leaf, issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(r.env["KYSO_URL"]+"/pki/ocsp", "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	o, err := ocsp.ParseResponseForCert(b, leaf, issuer)
	if err != nil {
		t.Fatalf("OCSP response: %v", err)
	}
	return o.Status
}

// TestDevSurvivesRestart runs the embedded default twice on one data
// directory: keys, certificates, revocations and the rotated CA survive,
// and every Transit key kyso created is non-exportable.
func TestDevSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	first := startDev(t, dir)
	citizen := map[string]any{"profile": "citizen", "subject": map[string]string{
		"name": "Nguyễn Văn An", "cccd": "001099012345", "locality": "Hà Nội", "province": "Hà Nội"}}
	code, a := first.call(t, "POST", "/v1/certificates", citizen)
	if code != 201 {
		t.Fatalf("issue = %d %v", code, a)
	}
	other := map[string]any{"profile": "citizen", "subject": map[string]string{ // one active certificate per CCCD
		"name": "Trần Văn Bình", "cccd": "001099054321", "locality": "Hà Nội", "province": "Hà Nội"}}
	code, b := first.call(t, "POST", "/v1/certificates", other)
	if code != 201 {
		t.Fatalf("issue = %d %v", code, b)
	}
	if code, out := first.call(t, "POST", "/v1/certificates/"+a["id"].(string)+"/revoke", map[string]string{"reason": "keyCompromise"}); code != 200 {
		t.Fatalf("revoke = %d %v", code, out)
	}
	if code, out := first.call(t, "POST", "/v1/ca/rotate", nil); code != 201 {
		t.Fatalf("ca rotate = %d %v", code, out)
	}
	root1 := first.get(t, "/pki/root.crt")
	token := first.env["KYSO_ADMIN_TOKEN"]
	first.stop(t)

	second := startDev(t, dir)
	defer second.stop(t)
	if second.env["KYSO_ADMIN_TOKEN"] != token {
		t.Error("admin token changed across restart")
	}
	if !bytes.Equal(second.get(t, "/pki/root.crt"), root1) {
		t.Error("root certificate changed across restart")
	}
	leafA, issuerA := pemCert(t, a["certificate"].(string)), pemCert(t, a["chain"].(string))
	leafB := pemCert(t, b["certificate"].(string))
	if got := second.ocspStatus(t, leafA, issuerA); got != ocsp.Revoked {
		t.Errorf("OCSP for the revoked certificate after restart = %d, want revoked", got)
	}
	if got := second.ocspStatus(t, leafB, issuerA); got != ocsp.Good {
		t.Errorf("OCSP for the good certificate (retired issuer) after restart = %d, want good", got)
	}
	crl, err := x509.ParseRevocationList(second.get(t, "/pki/crl/issuing-1.crl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(leafA.SerialNumber) != 0 {
		t.Errorf("CRL after restart lists %d entries, want the revoked serial", len(crl.RevokedCertificateEntries))
	}
	code, got := second.call(t, "GET", "/v1/certificates/"+a["id"].(string), nil)
	if code != 200 || got["status"] != "revoked" {
		t.Errorf("certificate after restart = %d %v", code, got["status"])
	}
	// The keys in Vault survived: rotate b's key (new version) and issue
	// under the rotated issuing CA.
	code, rot := second.call(t, "POST", "/v1/certificates/"+b["id"].(string)+"/rotate", nil)
	if code != 201 || rot["key_version"].(float64) != 2 {
		t.Fatalf("rotate after restart = %d %v", code, rot)
	}
	if pemCert(t, rot["chain"].(string)).Subject.CommonName != "kyso Issuing CA 2" {
		t.Errorf("new certificate not issued by the rotated issuing CA")
	}

	// Every Transit key kyso created is non-exportable.
	vc := vaulttest.Connect(t, second.env["VAULT_ADDR"], second.env["VAULT_TOKEN"])
	names := vc.TransitKeys("transit")
	if len(names) < 6 { // root, 2 issuing, 2 OCSP responders, 2 credentials
		t.Errorf("only %d Transit keys: %v", len(names), names)
	}
	for _, n := range names {
		if k := vc.TransitKey("transit", n); k.Exportable || k.AllowPlaintextBackup {
			t.Errorf("key %s: exportable=%v allow_plaintext_backup=%v", n, k.Exportable, k.AllowPlaintextBackup)
		}
	}

	// The CLI talks to the same server through dev.env.
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"cert", "list", "--env", filepath.Join(dir, "dev.env"), "--status", "revoked"}); err != nil {
		t.Fatalf("kyso cert list: %v", err)
	}
	if !strings.Contains(out.String(), a["id"].(string)) {
		t.Errorf("kyso cert list --status revoked does not show %s:\n%s", a["id"], out.String())
	}
}
