package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExternalRootWithOpenSSL runs the external-root flow end to end with
// openssl playing the external root (in production: the Government's
// specialised CA or a licensed public CA): kyso creates the issuing key in
// Vault and a CSR, openssl signs it, kyso imports the chain and issues
// certificates that openssl verifies up to the external root.
func TestExternalRootWithOpenSSL(t *testing.T) {
	s := newStack(t, stackOpts{noBootstrap: true})
	d := s.dir

	// Before the chain is imported kyso cannot issue, and says why.
	if code, body := s.call("POST", "/v1/certificates", citizenReq); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "ca_not_ready") {
		t.Fatalf("issue before import = %d %s, want 503 ca_not_ready", code, body)
	}

	code, body := s.call("POST", "/v1/ca/external", map[string]string{"common_name": "Hà Nội Issuing CA", "organization": "Sở Thông tin và Truyền thông Hà Nội"})
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
	csr := writeFile(t, filepath.Join(d, "issuing.csr"), pending.CSR)
	if out := mustOpenSSL(t, "req", "-in", csr, "-noout", "-verify"); !strings.Contains(out, "verify OK") && !strings.Contains(out, "Certificate request self-signature verify OK") {
		t.Fatalf("openssl req -verify: %s", out)
	}

	// openssl plays the external root.
	rootKey, rootCrt := filepath.Join(d, "ext-root.key"), filepath.Join(d, "ext-root.pem")
	mustOpenSSL(t, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", rootKey, "-out", rootCrt,
		"-days", "3650", "-subj", "/C=VN/O=External Root Authority/CN=External Test Root CA",
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	ext := writeFile(t, filepath.Join(d, "ca.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
	issuing := filepath.Join(d, "issuing.pem")
	mustOpenSSL(t, "x509", "-req", "-in", csr, "-CA", rootCrt, "-CAkey", rootKey, "-CAcreateserial",
		"-days", "1825", "-sha256", "-extfile", ext, "-out", issuing)

	// A chain that does not end in a self-signed root is refused, and so is
	// one whose first certificate belongs to another key.
	if code, body := s.raw("POST", "/v1/ca/import-chain", "application/pem-certificate-chain", readFile(t, issuing), s.token); code != http.StatusBadRequest {
		t.Errorf("import without root = %d %s, want 400", code, body)
	}
	if code, body := s.raw("POST", "/v1/ca/import-chain", "application/pem-certificate-chain", readFile(t, rootCrt)+readFile(t, rootCrt), s.token); code != http.StatusConflict {
		t.Errorf("import of a foreign key = %d %s, want 409", code, body)
	}

	chain := readFile(t, issuing) + readFile(t, rootCrt)
	code, body = s.raw("POST", "/v1/ca/import-chain", "application/pem-certificate-chain", chain, s.token)
	if code != http.StatusOK {
		t.Fatalf("import-chain = %d %s", code, body)
	}
	// kyso's own root is not used: /pki/root.crt is the external root.
	gotRoot := s.fetchPEM("/pki/root.crt", "served-root.pem")
	if strings.TrimSpace(readFile(t, gotRoot)) != strings.TrimSpace(readFile(t, rootCrt)) {
		t.Error("/pki/root.crt is not the external root")
	}

	c := s.issue(citizenReq)
	leaf := writeFile(t, filepath.Join(d, "leaf.pem"), c.Certificate)
	if out := mustOpenSSL(t, "verify", "-CAfile", rootCrt, "-untrusted", issuing, leaf); !strings.Contains(out, ": OK") {
		t.Fatalf("openssl verify under the external root: %s", out)
	}
	if out := mustOpenSSL(t, "ocsp", "-issuer", issuing, "-cert", leaf, "-url", s.srv.URL+"/pki/ocsp", "-CAfile", rootCrt); !strings.Contains(out, "leaf.pem: good") || !strings.Contains(out, "Response verify OK") {
		t.Errorf("openssl ocsp under the external root:\n%s", out)
	}
	if _, err := os.Stat(leaf); err != nil {
		t.Fatal(err)
	}
}
