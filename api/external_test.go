package api_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/ca"
)

// TestExternalRootWithOpenSSL runs the external-root flow end to end with
// openssl playing the external root (in production: the Government's
// specialised CA or a licensed public CA): kyso creates the issuing key in
// Vault and a CSR, openssl signs it, kyso imports the chain and issues
// certificates that openssl verifies up to the external root.
func TestExternalRootWithOpenSSL(t *testing.T) {
	// openssl plays the external root; kyso pins it in its configuration.
	d := t.TempDir()
	rootKey, rootCrt := filepath.Join(d, "ext-root.key"), filepath.Join(d, "ext-root.pem")
	mustOpenSSL(t, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", rootKey, "-out", rootCrt,
		"-days", "3650", "-subj", "/C=VN/O=External Root Authority/CN=External Test Root CA",
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	pinned := pemCert(t, readFile(t, rootCrt))
	s := newStack(t, stackOpts{noBootstrap: true, mutate: func(c *ca.Config) { c.ExternalRoots = []*x509.Certificate{pinned} }})

	// Before the chain is imported kyso cannot issue, and says why.
	if code, body := s.call("POST", "/v1/certificates", citizenReq); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "ca_not_ready") {
		t.Fatalf("issue before import = %d %s, want 503 ca_not_ready", code, body)
	}

	req := map[string]string{"common_name": "Hà Nội Issuing CA", "organization": "Sở Thông tin và Truyền thông Hà Nội"}
	code, body := s.call("POST", "/v1/ca/external", req)
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/ca/external = %d %s", code, body)
	}
	var pending struct {
		Name, Status, CSR string
	}
	if err := json.Unmarshal(body, &pending); err != nil {
		t.Fatal(err)
	}
	if pending.Status != "pending" || !strings.Contains(pending.CSR, "CERTIFICATE REQUEST") {
		t.Fatalf("pending issuer = %s", body)
	}
	// The same request again: the same issuer and CSR; another: 409.
	if code, again := s.call("POST", "/v1/ca/external", req); code != http.StatusCreated || !strings.Contains(string(again), strings.ReplaceAll(pending.CSR, "\n", "\\n")) {
		t.Errorf("repeated POST /v1/ca/external = %d %s, want 201 with the same CSR", code, again)
	}
	if code, other := s.call("POST", "/v1/ca/external", map[string]string{"common_name": "Other CA", "organization": "Other"}); code != http.StatusConflict {
		t.Errorf("another POST /v1/ca/external while pending = %d %s, want 409", code, other)
	}
	csr := writeFile(t, filepath.Join(d, "issuing.csr"), pending.CSR)
	if out := mustOpenSSL(t, "req", "-in", csr, "-noout", "-verify"); !strings.Contains(out, "verify OK") && !strings.Contains(out, "Certificate request self-signature verify OK") {
		t.Fatalf("openssl req -verify: %s", out)
	}

	ext := writeFile(t, filepath.Join(d, "ca.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncertificatePolicies=2.5.29.32.0\n")
	issuing := filepath.Join(d, "issuing.pem")
	mustOpenSSL(t, "x509", "-req", "-in", csr, "-CA", rootCrt, "-CAkey", rootKey, "-CAcreateserial",
		"-days", "1825", "-sha256", "-extfile", ext, "-out", issuing)

	// A chain whose first certificate belongs to another key is refused.
	if code, body := s.raw("POST", "/v1/ca/import-chain", "application/pem-certificate-chain", readFile(t, rootCrt)+readFile(t, rootCrt), s.token); code != http.StatusConflict {
		t.Errorf("import of a foreign key = %d %s, want 409", code, body)
	}

	// The root may be left out: it comes from the configuration.
	code, body = s.raw("POST", "/v1/ca/import-chain", "application/pem-certificate-chain", readFile(t, issuing), s.token)
	if code != http.StatusOK {
		t.Fatalf("import-chain = %d %s", code, body)
	}
	// kyso's own root is not used: /pki/root.crt is the external root.
	gotRoot := s.fetchPEM("/pki/root.crt", "served-root.pem")
	if strings.TrimSpace(readFile(t, gotRoot)) != strings.TrimSpace(readFile(t, rootCrt)) {
		t.Error("/pki/root.crt is not the external root")
	}
	// Nothing is pending any more.
	if code, body := s.call("DELETE", "/v1/ca/external", nil); code != http.StatusNotFound {
		t.Errorf("DELETE /v1/ca/external with none pending = %d %s, want 404", code, body)
	}

	c := s.issue(citizenReq)
	leaf := writeFile(t, filepath.Join(d, "leaf.pem"), c.Certificate)
	chain := writeFile(t, filepath.Join(d, "chain.pem"), c.Chain)
	if out := mustOpenSSL(t, "verify", "-CAfile", rootCrt, "-untrusted", chain, leaf); !strings.Contains(out, ": OK") {
		t.Fatalf("openssl verify under the external root: %s", out)
	}
	if out := mustOpenSSL(t, "ocsp", "-issuer", issuing, "-cert", leaf, "-url", s.srv.URL+"/pki/ocsp", "-CAfile", rootCrt); !strings.Contains(out, "leaf.pem: good") || !strings.Contains(out, "Response verify OK") {
		t.Errorf("openssl ocsp under the external root:\n%s", out)
	}
	if _, err := os.Stat(leaf); err != nil {
		t.Fatal(err)
	}

	// A pending issuer can be cancelled.
	if code, body := s.call("POST", "/v1/ca/external", map[string]string{"common_name": "Hà Nội Issuing CA 2", "organization": "Sở Thông tin và Truyền thông Hà Nội"}); code != http.StatusCreated {
		t.Fatalf("POST /v1/ca/external = %d %s", code, body)
	}
	code, body = s.call("DELETE", "/v1/ca/external", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"status":"cancelled"`) {
		t.Fatalf("DELETE /v1/ca/external = %d %s, want 200 cancelled", code, body)
	}
	s.issue(citizenNo(1)) // the active issuing CA is untouched
}

func pemCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatal("no PEM certificate")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
