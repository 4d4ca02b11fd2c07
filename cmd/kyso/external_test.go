package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/extca"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/verifier"
)

// startDevWith runs `kyso dev` with extra flags and waits until it has
// written dev.env and answers /healthz (with an external root, /readyz
// says "ca": "fail" until the chain is imported).
func startDevWith(t *testing.T, dir string, extra ...string) *devRun {
	t.Helper()
	bin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	envPath := filepath.Join(dir, "dev.env")
	_ = os.Remove(envPath)
	ctx, cancel := context.WithCancel(context.Background())
	r := &devRun{cancel: cancel, done: make(chan error, 1)}
	args := append([]string{"dev", "--data", dir, "--listen", "127.0.0.1:0", "--vault-listen", freePort(t), "--vault-bin", bin, "--verify-per-minute", "-1"}, extra...)
	go func() { r.done <- run(ctx, io.Discard, args) }()
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
			t.Fatal("kyso dev did not start within 2 minutes")
		}
		env, err := readEnvFile(envPath)
		if err != nil {
			continue
		}
		resp, err := http.Get(env["KYSO_URL"] + "/healthz")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			r.env = env
			return r
		}
	}
}

// importChain posts a PEM chain to /v1/ca/import-chain.
func (r *devRun) importChain(t *testing.T, chain string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", r.env["KYSO_URL"]+"/v1/ca/import-chain", strings.NewReader(chain))
	req.Header.Set("Authorization", "Bearer "+r.env["KYSO_ADMIN_TOKEN"])
	req.Header.Set("Content-Type", "application/pem-certificate-chain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// requestCSR asks for a new external issuer and writes its CSR.
func (r *devRun) requestCSR(t *testing.T, dir, cn string) (string, string) {
	t.Helper()
	code, out := r.call(t, "POST", "/v1/ca/external", map[string]string{"common_name": cn, "organization": hanoi, "key_type": "rsa-2048"})
	if code != 201 {
		t.Fatalf("POST /v1/ca/external = %d %v", code, out)
	}
	name := out["name"].(string)
	return name, writeFileT(t, filepath.Join(dir, name+".csr"), []byte(out["csr"].(string)))
}

func issuerStatuses(t *testing.T, r *devRun) map[string]string {
	t.Helper()
	code, out := r.call(t, "GET", "/v1/ca/issuers", nil)
	if code != 200 {
		t.Fatalf("GET /v1/ca/issuers = %d %v", code, out)
	}
	st := map[string]string{}
	for _, is := range out["issuers"].([]any) {
		m := is.(map[string]any)
		st[m["name"].(string)] = m["status"].(string)
	}
	return st
}

func hasUnchecked(s verifier.Signature) bool {
	for _, w := range s.Warnings {
		if strings.Contains(w, "revocation status not checked") {
			return true
		}
	}
	return false
}

// TestExternalRootEndToEnd runs the mode officials need: kyso's issuing CA
// under an external root (openssl plays the Government CA: a root and an
// intermediate, whose CRLs a loopback HTTP server publishes at the
// addresses in their certificates), with `kyso dev --external-root`.
//
//   - A pending issuer can be cancelled; a chain under another root is
//     refused; the working chain is imported.
//   - B-LT and B-LTA signing embed the external CAs' CRLs; the documents
//     verify offline, with only the external root trusted, in kyso verify
//     (TOTAL_PASSED, every status checked) and in pdfsig.
//   - The API's report of a B-T document shows that the issuing CA's
//     revocation was not checked (kyso does not answer for a CA the
//     external root certified).
//   - A rotation to a chain under a different root is refused and the
//     working issuer keeps signing.
//   - Restarted with another root pinned, kyso never rates a document
//     under the old, now unconfigured, root TOTAL_PASSED, although that
//     root is still in its database.
func TestExternalRootEndToEnd(t *testing.T) {
	for _, name := range []string{"pdfsig", "certutil", "openssl", "qpdf"} {
		if _, err := exec.LookPath(name); err != nil {
			t.Fatalf("%s not found: install poppler-utils, libnss3-tools, openssl, qpdf", name)
		}
	}
	dir := t.TempDir()
	pki := filepath.Join(dir, "pki")
	crls := extca.NewServer()
	srv := httptest.NewServer(crls)
	defer srv.Close()
	crlDP := func(ca string) string { return "crlDistributionPoints=URI:" + srv.URL + "/" + ca + ".crl\n" }
	root := extca.NewRoot(t, pki, "root", extca.Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test Government Root CA"})
	inter := root.NewIntermediate(t, pki, "inter", extca.Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test Government CA", Ext: extca.DefaultCAExt + crlDP("root")})
	other := extca.NewRoot(t, pki, "other", extca.Opts{Subject: "/C=VN/O=Other/CN=Other Root CA"})
	otherInter := other.NewIntermediate(t, pki, "otherInter", extca.Opts{Subject: "/C=VN/O=Other/CN=Other CA", Ext: extca.DefaultCAExt + crlDP("other")})
	for _, c := range []*extca.CA{root, inter, other, otherInter} {
		crls.Add(c)
	}
	issuingExt := func(ca string) string {
		return "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\ncertificatePolicies=2.5.29.32.0\n" + crlDP(ca)
	}

	data := filepath.Join(dir, "data")
	r := startDevWith(t, data, "--external-root", root.CertPEM)
	defer func() { r.stop(t) }()
	if code, out := r.call(t, "POST", "/v1/certificates", map[string]any{"profile": "citizen", "subject": map[string]string{
		"name": "Nguyễn Văn An", "cccd": "001099012345", "locality": "Hà Nội"}}); code != 503 || !strings.Contains(fmt.Sprint(out), "ca_not_ready") {
		t.Errorf("issue before the import = %d %v, want 503 ca_not_ready", code, out)
	}

	// A pending issuer: the same request again gives the same CSR, another
	// is refused until it is cancelled.
	first, csr := r.requestCSR(t, dir, "Hà Nội Issuing CA")
	if name, again := r.requestCSR(t, dir, "Hà Nội Issuing CA"); name != first || readFileT(t, again) != readFileT(t, csr) {
		t.Errorf("repeated request = %s, want the pending %s and its CSR", name, first)
	}
	if code, out := r.call(t, "POST", "/v1/ca/external", map[string]string{"common_name": "Other name", "organization": hanoi}); code != 409 {
		t.Errorf("another request while pending = %d %v, want 409", code, out)
	}
	if code, out := r.call(t, "DELETE", "/v1/ca/external", nil); code != 200 || out["status"] != "cancelled" || out["name"] != first {
		t.Fatalf("DELETE /v1/ca/external = %d %v, want %s cancelled", code, out, first)
	}
	name, csr := r.requestCSR(t, dir, "UBND TP Hà Nội Issuing CA")

	// A chain under another root is refused; the working one imported.
	bad := otherInter.Sign(t, csr, filepath.Join(dir, "bad.pem"), extca.Opts{Ext: issuingExt("otherInter")})
	if code, out := r.importChain(t, readFileT(t, bad)+otherInter.PEM(t)+other.PEM(t)); code != 400 || !strings.Contains(fmt.Sprint(out), "not the external root pinned") {
		t.Fatalf("import under another root = %d %v, want 400 naming the pinned root", code, out)
	}
	issuing := inter.Sign(t, csr, filepath.Join(dir, "issuing.pem"), extca.Opts{Ext: issuingExt("inter")})
	if code, out := r.importChain(t, readFileT(t, issuing)+inter.PEM(t)); code != 200 || out["status"] != "active" || out["name"] != name {
		t.Fatalf("import = %d %v, want %s active", code, out, name)
	}

	// Credentials and a client system, then B-LT and B-LTA signatures.
	e := &signEnv{devRun: r, dir: dir}
	code, out := r.call(t, "POST", "/v1/clients", map[string]any{"name": "e-office Hà Nội", "organizations": []string{hanoi}})
	if code != 201 {
		t.Fatalf("create client = %d %v", code, out)
	}
	e.clientHN = out["api_key"].(string)
	code, out = r.call(t, "POST", "/v1/certificates", map[string]any{"profile": "seal", "key_type": "rsa-2048", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "locality": "Hà Nội"}})
	if code != 201 {
		t.Fatalf("issue seal = %d %v", code, out)
	}
	e.seal = out["credential_id"].(string)
	leaf := writeFileT(t, filepath.Join(dir, "leaf.pem"), []byte(out["certificate"].(string)))
	// The README's and docs/issuance.md's openssl recipes, with an
	// intermediate: the whole chain untrusted, only the root trusted.
	chainFile := writeFileT(t, filepath.Join(dir, "chain.pem"), []byte(out["chain"].(string)))
	if v := tool(t, "openssl", "verify", "-CAfile", root.CertPEM, "-untrusted", chainFile, leaf); !strings.Contains(v, ": OK") {
		t.Fatalf("openssl verify of the seal certificate: %s", v)
	}
	if v := tool(t, "openssl", "ocsp", "-issuer", issuing, "-cert", leaf, "-url", r.env["KYSO_URL"]+"/pki/ocsp", "-CAfile", root.CertPEM, "-verify_other", chainFile); !strings.Contains(v, "leaf.pem: good") || !strings.Contains(v, "Response verify OK") {
		t.Errorf("openssl ocsp with the external chain:\n%s", v)
	}

	// pdfsig and kyso verify trust the external root only.
	e.nss = filepath.Join(dir, "nss")
	if err := os.MkdirAll(e.nss, 0o700); err != nil {
		t.Fatal(err)
	}
	tool(t, "certutil", "-N", "-d", "sql:"+e.nss, "--empty-password")
	tool(t, "certutil", "-A", "-d", "sql:"+e.nss, "-n", "external-root", "-t", "CT,C,C", "-i", root.CertPEM)
	trustDir := filepath.Join(dir, "trust")
	if err := os.MkdirAll(trustDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFileT(t, filepath.Join(trustDir, "root.pem"), []byte(root.PEM(t)))

	doc := testpdf.Make(1, 10<<10)
	signed := map[string][]byte{}
	for _, level := range []string{"B-T", "B-LT", "B-LTA"} {
		code, body, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal, "level": level, "reason": "Đóng dấu"})
		if code != 200 {
			t.Fatalf("sign %s = %d %s", level, code, body)
		}
		signed[level] = body
	}
	if crls.Count("/inter.crl") == 0 || crls.Count("/root.crl") == 0 {
		t.Errorf("CRL requests: inter %d, root %d; want the external CAs' CRLs fetched", crls.Count("/inter.crl"), crls.Count("/root.crl"))
	}
	for _, level := range []string{"B-LT", "B-LTA"} {
		t.Run(level, func(t *testing.T) {
			e.checkPDF(t, "signed-"+level+".pdf", signed[level], 1)
			path := filepath.Join(dir, "signed-"+level+".pdf")
			code, text := kysoVerify(t, "--no-kyso", "--trust", trustDir, "--json", path)
			if code != exitPassed {
				t.Fatalf("kyso verify --no-kyso (offline, external root only) = %d:\n%s", code, text)
			}
			var rep verifier.Report
			if err := json.Unmarshal([]byte(text), &rep); err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if s.Indication != verifier.TotalPassed || s.Level != level || hasUnchecked(s) {
				t.Errorf("kyso verify: %s level %s, warnings %q; want TOTAL_PASSED at %s with every status checked", s.Indication, s.Level, s.Warnings, level)
			}
		})
	}
	// B-T carries no validation data: the API's report says the issuing
	// CA's status was not checked, as the CLI does.
	rep := e.verifyAPI(t, signed["B-T"])
	if s := rep.Signatures[0]; !hasUnchecked(s) || !strings.Contains(strings.Join(s.Warnings, " "), `"UBND TP Hà Nội Issuing CA"`) {
		t.Errorf("API report of a B-T document: warnings %q, want the issuing CA's revocation not checked", s.Warnings)
	}
	if err := os.WriteFile(filepath.Join(dir, "signed-B-T.pdf"), signed["B-T"], 0o600); err != nil {
		t.Fatal(err)
	}
	_, cliText := kysoVerify(t, "--lang", "en", "--no-kyso", "--trust", trustDir, filepath.Join(dir, "signed-B-T.pdf"))
	if !strings.Contains(cliText, "revocation status not checked for ") || !strings.Contains(cliText, `"UBND TP Hà Nội Issuing CA", "Test Government CA": no OCSP response or CRL`) {
		t.Errorf("kyso verify of a B-T document lacks the issuing CA warning:\n%s", cliText)
	}

	// Rotation to a chain under a different root: refused, and the
	// working issuer keeps signing.
	_, csr2 := r.requestCSR(t, dir, "UBND TP Hà Nội Issuing CA 2")
	rot := otherInter.Sign(t, csr2, filepath.Join(dir, "rotation.pem"), extca.Opts{Ext: issuingExt("otherInter")})
	if code, out := r.importChain(t, readFileT(t, rot)+otherInter.PEM(t)+other.PEM(t)); code != 400 {
		t.Fatalf("rotation under another root = %d %v, want 400", code, out)
	}
	if st := issuerStatuses(t, r); st[name] != "active" {
		t.Fatalf("issuers after the refused rotation = %v, want %s active", st, name)
	}
	if code, body, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal, "level": "B-LT"}); code != 200 {
		t.Fatalf("sign after the refused rotation = %d %s", code, body)
	}
	if code, _ := r.call(t, "DELETE", "/v1/ca/external", nil); code != 200 {
		t.Fatalf("cancel the rotation = %d", code)
	}

	// Another root pinned: the old root, still in the database, is not
	// trusted any more; the document is not TOTAL_PASSED in the API nor
	// in kyso verify --data.
	r.stop(t)
	r = startDevWith(t, data, "--external-root", other.CertPEM)
	e.devRun = r
	for _, level := range []string{"B-LT", "B-LTA"} {
		rep := e.verifyAPI(t, signed[level])
		s := rep.Signatures[0]
		if rep.Valid || s.Indication == verifier.TotalPassed || !strings.Contains(s.Detail, "signer's certificate") {
			t.Errorf("%s under an unconfigured root: API says valid=%v %s/%s (%s), want not TOTAL_PASSED for want of a trusted chain", level, rep.Valid, s.Indication, s.SubIndication, s.Detail)
		}
		t.Logf("%s under an unconfigured root: %s/%s: %s", level, s.Indication, s.SubIndication, s.Detail)
		if code, text := kysoVerify(t, "--data", data, filepath.Join(dir, "signed-"+level+".pdf")); code == exitPassed {
			t.Errorf("kyso verify --data of %s under an unconfigured root passed:\n%s", level, text)
		}
	}

	// The external CA's CRLs cannot be had (this kyso has none cached):
	// B-LT signing says what is missing, B-T still works.
	crls.SetDown(true)
	code, body, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal, "level": "B-LT"})
	for _, want := range []string{`"code":"revocation_unavailable"`, `no OCSP response and no current CRL for \"UBND TP Hà Nội Issuing CA\"`, srv.URL + "/inter.crl: HTTP 503", "ca.external_revocation.crl_sources"} {
		if code != 503 || !strings.Contains(string(body), want) {
			t.Errorf("B-LT with the external CA unreachable = %d %s, want 503 containing %s", code, body, want)
		}
	}
	if code, body, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal, "level": "B-T"}); code != 200 {
		t.Errorf("B-T with the external CA unreachable = %d %s", code, body)
	}

	// A closed network: the operator supplies the CRL files (kyso dev
	// --external-crl is ca.external_revocation.crl_sources), and B-LTA
	// works again, verifying offline with the external root alone.
	r.stop(t)
	r = startDevWith(t, data, "--external-root", root.CertPEM, "--external-crl", inter.CRLFile(), "--external-crl", root.CRLFile())
	e.devRun = r
	code, body, _ = e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal, "level": "B-LTA"})
	if code != 200 {
		t.Fatalf("B-LTA with CRL files on a closed network = %d %s", code, body)
	}
	path := writeFileT(t, filepath.Join(dir, "closed-network.pdf"), body)
	if code, text := kysoVerify(t, "--lang", "en", "--no-kyso", "--trust", trustDir, path); code != exitPassed || strings.Contains(text, "not checked") {
		t.Errorf("kyso verify of the closed-network B-LTA document = %d:\n%s", code, text)
	}
	if rep := e.verifyAPI(t, body); !rep.Valid || rep.Signatures[0].Indication != verifier.TotalPassed {
		t.Errorf("API verify with the root pinned again: valid=%v %s", rep.Valid, rep.Signatures[0].Indication)
	}
}

func readFileT(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCAHelp: kyso ca --help lists the subcommands instead of saying
// "unknown subcommand".
func TestCAHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		var out strings.Builder
		if err := run(context.Background(), &out, []string{"ca", arg}); err != nil {
			t.Errorf("kyso ca %s = %v", arg, err)
		}
		for _, want := range []string{"import-chain", "cancel", "--external"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("kyso ca %s does not mention %s:\n%s", arg, want, out.String())
			}
		}
	}
}

// TestExternalRootConfig: ca.external_root is read and checked against
// its fingerprint at start; a wrong fingerprint or a certificate that is
// not a self-signed CA stops kyso with a message.
func TestExternalRootConfig(t *testing.T) {
	dir := t.TempDir()
	root := extca.NewRoot(t, dir, "root", extca.Opts{Subject: "/C=VN/CN=Pinned Root"})
	inter := root.NewIntermediate(t, dir, "inter", extca.Opts{Subject: "/C=VN/CN=Not a root"})
	colons := strings.ToUpper(root.Fingerprint())
	var b strings.Builder
	for i := 0; i < len(colons); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(colons[i : i+2])
	}
	tests := []struct {
		name, file, sha256, wantErr string
	}{
		{"openssl's form", root.CertPEM, "sha256 Fingerprint=" + b.String(), ""},
		{"plain hex", root.CertPEM, root.Fingerprint(), ""},
		{"wrong fingerprint", root.CertPEM, inter.Fingerprint(), "not the configured"},
		{"not a root", inter.CertPEM, inter.Fingerprint(), "not a self-signed CA certificate"},
		{"missing file", filepath.Join(dir, "none.pem"), root.Fingerprint(), "none.pem"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Config{CA: CAConfig{Mode: "external", ExternalRoot: &ExternalRootConfig{File: tc.file, SHA256: tc.sha256}}}
			if err := c.setDefaults(); err != nil {
				t.Fatal(err)
			}
			roots, err := c.externalRoots()
			switch {
			case tc.wantErr == "" && (err != nil || len(roots) != 1 || !roots[0].Equal(root.Cert)):
				t.Errorf("externalRoots() = %v, %v; want the pinned root", roots, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("externalRoots() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	c := &Config{CA: CAConfig{ExternalRoot: &ExternalRootConfig{File: root.CertPEM, SHA256: "abc"}}}
	if err := c.setDefaults(); err == nil || !strings.Contains(err.Error(), "ca.external_root needs file and sha256") {
		t.Errorf("setDefaults() with a malformed fingerprint = %v", err)
	}
}
