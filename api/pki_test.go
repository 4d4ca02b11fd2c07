package api_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ocsp"
)

var citizenReq = map[string]any{
	"profile": "citizen", "key_type": "rsa-2048",
	"subject": map[string]string{"name": "Nguyễn Văn An", "cccd": "001099012345", "locality": "Hà Nội", "province": "Hà Nội"},
}

// citizenNo is citizenReq for another citizen (another CCCD): one citizen
// holds one active citizen certificate.
func citizenNo(i int) map[string]any {
	return map[string]any{
		"profile": "citizen", "key_type": "rsa-2048",
		"subject": map[string]string{"name": "Nguyễn Văn An", "cccd": fmt.Sprintf("0010980%05d", i), "locality": "Hà Nội", "province": "Hà Nội"},
	}
}

// TestCitizenLifecycleWithOpenSSL is the foundation issue's walkthrough,
// judged by openssl: issue a citizen certificate over the API, verify the
// chain, revoke it, and see OCSP and the CRL say so.
func TestCitizenLifecycleWithOpenSSL(t *testing.T) {
	s := newStack(t, stackOpts{})
	c := s.issue(citizenReq)
	if c.Status != "active" || c.CredentialID == "" || len(c.Serial) < 30 {
		t.Fatalf("issued = %+v", c)
	}
	chain := splitPEM(t, c.Chain)
	if len(chain) != 2 {
		t.Fatalf("chain has %d certificates, want issuing CA + root", len(chain))
	}
	leaf := writeFile(t, filepath.Join(s.dir, "leaf.pem"), c.Certificate)
	issuing := writeFile(t, filepath.Join(s.dir, "issuing.pem"), chain[0])
	root := s.fetchPEM("/pki/root.crt", "root.pem")
	if !bytes.Equal([]byte(strings.TrimSpace(readFile(t, root))), []byte(strings.TrimSpace(chain[1]))) {
		t.Error("/pki/root.crt differs from the chain's root")
	}
	s.fetchPEM("/pki/issuers/issuing-1.crt", "issuing-fetched.pem")

	if out := mustOpenSSL(t, "verify", "-CAfile", root, "-untrusted", issuing, leaf); !strings.Contains(out, ": OK") {
		t.Fatalf("openssl verify: %s", out)
	}
	subj := mustOpenSSL(t, "x509", "-in", leaf, "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb")
	if !strings.Contains(subj, "UID=CCCD:001099012345") || !strings.Contains(subj, "CN=Nguyễn Văn An") || !strings.Contains(subj, "C=VN") {
		t.Errorf("subject = %s", subj)
	}

	ocspArgs := []string{"ocsp", "-issuer", issuing, "-cert", leaf, "-url", s.srv.URL + "/pki/ocsp", "-CAfile", root}
	if out := mustOpenSSL(t, ocspArgs...); !strings.Contains(out, "leaf.pem: good") || !strings.Contains(out, "Response verify OK") || strings.Contains(out, "WARNING") {
		t.Fatalf("openssl ocsp before revocation:\n%s", out)
	}

	code, body := s.call("POST", "/v1/certificates/"+c.ID+"/revoke", map[string]string{"reason": "keyCompromise"})
	if code != 200 {
		t.Fatalf("revoke = %d %s", code, body)
	}
	var rv certResp
	_ = json.Unmarshal(body, &rv)
	if rv.Status != "revoked" || rv.RevocationReason != "keyCompromise" {
		t.Errorf("revoke response = %s", body)
	}
	out := mustOpenSSL(t, ocspArgs...)
	if !strings.Contains(out, "leaf.pem: revoked") || !strings.Contains(out, "Reason: keyCompromise") || !strings.Contains(out, "Response verify OK") {
		t.Fatalf("openssl ocsp after revocation:\n%s", out)
	}

	code, crlDER := s.raw("GET", "/pki/crl/issuing-1.crl", "", nil, "")
	if code != 200 {
		t.Fatalf("GET CRL = %d", code)
	}
	crlFile := writeFile(t, filepath.Join(s.dir, "issuing.crl"), string(crlDER))
	crlText := mustOpenSSL(t, "crl", "-inform", "DER", "-in", crlFile, "-noout", "-text", "-CAfile", issuing)
	if !strings.Contains(strings.ToUpper(crlText), "SERIAL NUMBER: "+strings.ToUpper(c.Serial)) || !strings.Contains(crlText, "Key Compromise") {
		t.Errorf("CRL does not list serial %s with keyCompromise:\n%s", c.Serial, crlText)
	}
	// The CRL and the leaf verify together (openssl -crl_check).
	crlPEM := writeFile(t, filepath.Join(s.dir, "issuing-crl.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlDER})))
	if out, err := openssl(t, "verify", "-crl_check", "-CAfile", root, "-untrusted", issuing, "-CRLfile", crlPEM, leaf); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Errorf("openssl verify -crl_check accepted a revoked certificate: %v\n%s", err, out)
	}

	// A second revocation is a conflict, not a new CRL entry.
	if code, body := s.call("POST", "/v1/certificates/"+c.ID+"/revoke", map[string]string{"reason": "keyCompromise"}); code != http.StatusConflict {
		t.Errorf("second revoke = %d %s, want 409", code, body)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOCSPGetAndUnknown checks RFC 6960 A.1 GET requests, the nonce echo,
// and "unknown" for a serial kyso never issued.
func TestOCSPGetAndUnknown(t *testing.T) {
	s := newStack(t, stackOpts{})
	c := s.issue(citizenReq)
	leaf := parsePEM(t, c.Certificate)
	issuer := parsePEM(t, splitPEM(t, c.Chain)[0])

	req, err := ocsp.CreateRequest(leaf, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	code, body := s.raw("GET", "/pki/ocsp/"+url.PathEscape(base64.StdEncoding.EncodeToString(req)), "", nil, "")
	if code != 200 {
		t.Fatalf("GET ocsp = %d %s", code, body)
	}
	resp, err := ocsp.ParseResponseForCert(body, leaf, issuer)
	if err != nil {
		t.Fatalf("ParseResponse: %v", err)
	}
	if resp.Status != ocsp.Good {
		t.Errorf("status = %d, want good", resp.Status)
	}

	unknown := *leaf
	unknown.SerialNumber = big.NewInt(12345)
	req2, err := ocsp.CreateRequest(&unknown, issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	code, body = s.raw("POST", "/pki/ocsp", "application/ocsp-request", req2, "")
	if code != 200 {
		t.Fatalf("POST ocsp = %d", code)
	}
	resp, err = ocsp.ParseResponse(body, issuer)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != ocsp.Unknown {
		t.Errorf("status for a serial never issued = %d, want unknown (2)", resp.Status)
	}

	// Garbage gets an OCSP malformedRequest answer, not a crash or a 500.
	code, body = s.raw("POST", "/pki/ocsp", "application/ocsp-request", []byte("not der"), "")
	if code != 200 || !bytes.Equal(body, ocsp.MalformedRequestErrorResponse) {
		t.Errorf("garbage OCSP request = %d %x, want malformedRequest", code, body)
	}
	code, body = s.raw("GET", "/pki/ocsp/!!!not-base64!!!", "", nil, "")
	if code != 200 || !bytes.Equal(body, ocsp.MalformedRequestErrorResponse) {
		t.Errorf("non-base64 OCSP GET = %d %x, want malformedRequest", code, body)
	}
}

func parsePEM(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatal("no PEM")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRotateCAKeepsOldCertificatesValid rotates the issuing CA: certificates
// from before and after both verify with openssl, and OCSP still answers
// for the old ones (signed by the retired issuer's responder).
func TestRotateCAKeepsOldCertificatesValid(t *testing.T) {
	s := newStack(t, stackOpts{})
	before := s.issue(citizenReq)
	code, body := s.call("POST", "/v1/ca/rotate", nil)
	if code != http.StatusCreated {
		t.Fatalf("POST /v1/ca/rotate = %d %s", code, body)
	}
	after := s.issue(citizenNo(1))
	root := s.fetchPEM("/pki/root.crt", "root.pem")
	for _, c := range []struct {
		name string
		cert certResp
	}{{"before", before}, {"after", after}} {
		leaf := writeFile(t, filepath.Join(s.dir, c.name+".pem"), c.cert.Certificate)
		issuing := writeFile(t, filepath.Join(s.dir, c.name+"-issuing.pem"), splitPEM(t, c.cert.Chain)[0])
		if out := mustOpenSSL(t, "verify", "-CAfile", root, "-untrusted", issuing, leaf); !strings.Contains(out, ": OK") {
			t.Errorf("%s: openssl verify: %s", c.name, out)
		}
		out := mustOpenSSL(t, "ocsp", "-issuer", issuing, "-cert", leaf, "-url", s.srv.URL+"/pki/ocsp", "-CAfile", root)
		if !strings.Contains(out, c.name+".pem: good") || !strings.Contains(out, "Response verify OK") {
			t.Errorf("%s: openssl ocsp:\n%s", c.name, out)
		}
	}
	if splitPEM(t, before.Chain)[0] == splitPEM(t, after.Chain)[0] {
		t.Error("the same issuing CA signed before and after rotation")
	}
	// Old issuer's CRL is still served.
	if code, _ := s.raw("GET", "/pki/crl/issuing-1.crl", "", nil, ""); code != 200 {
		t.Errorf("retired issuer CRL = %d", code)
	}
}

// TestIssuanceHygiene reproduces the issuance findings of issue #14 over
// the API: a second certificate for one CCCD under another name, and names
// with a right-to-left override, a zero-width space, invalid UTF-8 or a
// Cyrillic look-alike of an agency's name, are refused with a code and the
// field at fault.
func TestIssuanceHygiene(t *testing.T) {
	s := newStack(t, stackOpts{})
	s.issue(citizenReq)
	errorOf := func(b []byte) (code, field string) {
		var e struct {
			Error struct{ Code, Field string } `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		return e.Error.Code, e.Error.Field
	}
	impostor := map[string]any{"profile": "citizen", "subject": map[string]string{
		"name": "Trần Văn Bình", "cccd": "001099012345", "locality": "Hà Nội"}}
	code, body := s.call("POST", "/v1/certificates", impostor)
	if c, f := errorOf(body); code != http.StatusConflict || c != "holder_has_certificate" || f != "subject.cccd" {
		t.Errorf("second certificate for one CCCD = %d %s, want 409 holder_has_certificate on subject.cccd", code, body)
	}
	tests := []struct {
		name, body, field string
	}{
		{"right-to-left override", `{"profile":"citizen","subject":{"name":"Nguyễn Văn \u202eAn","cccd":"001099054321","locality":"Hà Nội"}}`, "subject.name"},
		{"zero-width space", `{"profile":"citizen","subject":{"name":"Nguyễn\u200bVăn An","cccd":"001099054321","locality":"Hà Nội"}}`, "subject.name"},
		{"invalid UTF-8", "{\"profile\":\"citizen\",\"subject\":{\"name\":\"Nguy\xe1n\",\"cccd\":\"001099054321\",\"locality\":\"Hà Nội\"}}", "subject.name"},
		{"cyrillic look-alike", `{"profile":"seal","subject":{"organization":"\u0423\u0309y ban nhân dân Thành phố Hà Nội","locality":"Hà Nội","tax_code":"0103410294"}}`, "subject.organization"},
	}
	for _, tt := range tests {
		code, body := s.raw("POST", "/v1/certificates", "application/json", tt.body, s.token)
		if c, f := errorOf(body); code != http.StatusBadRequest || c != "invalid_request" || f != tt.field {
			t.Errorf("%s: POST /v1/certificates = %d %s, want 400 invalid_request on %s", tt.name, code, body, tt.field)
		}
	}
}
