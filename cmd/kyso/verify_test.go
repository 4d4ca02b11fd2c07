package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/verifier"
)

const realworld = "../../../shared/testdata/realworld"

// verifyAPI posts doc to kyso's public verification endpoint (no key).
func (e *signEnv) verifyAPI(t *testing.T, doc []byte) *verifier.Report {
	t.Helper()
	resp, err := http.Post(e.env["KYSO_URL"]+"/v1/verify/pdf", "application/pdf", bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("POST /v1/verify/pdf = %d %s", resp.StatusCode, b)
	}
	var rep verifier.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	return &rep
}

// kysoVerify runs `kyso verify` in process and returns its exit status and
// output.
func kysoVerify(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), &out, append([]string{"verify"}, args...))
	var ee *exitError
	switch {
	case err == nil:
		return exitPassed, out.String()
	case errors.As(err, &ee):
		return ee.code, out.String() + "\n" + ee.Error()
	}
	t.Fatalf("kyso verify %v: %v", args, err)
	return -1, ""
}

func (e *signEnv) sign(t *testing.T, cred string, doc []byte, opts map[string]any) []byte {
	t.Helper()
	opts["credential_id"] = cred
	code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, opts)
	if code != 200 {
		t.Fatalf("sign %v = %d %s", opts, code, out)
	}
	return out
}

// TestVerifyKysoSigned signs with kyso at every level, PKCS#1 v1.5 and
// RSASSA-PSS, and verifies through the public API and `kyso verify`: every
// signature TOTAL_PASSED at the level made. A byte of page content changed
// is TOTAL_FAILED/HASH_FAILURE; a signature with no proof of time made
// with a certificate revoked since is REVOKED. Then kyso is stopped and
// the B-LT and B-LTA documents validate offline from what they carry.
func TestVerifyKysoSigned(t *testing.T) {
	e := newSignEnv(t)
	doc := testpdf.Make(2, 30<<10)
	kept := map[string][]byte{}
	for _, level := range []string{"B-B", "B-T", "B-LT", "B-LTA"} {
		for _, scheme := range []string{"pkcs1v15", "pss"} {
			t.Run(level+"/"+scheme, func(t *testing.T) {
				signed := e.sign(t, e.official, doc, map[string]any{"level": level, "scheme": scheme, "reason": "Phê duyệt"})
				rep := e.verifyAPI(t, signed)
				if !rep.Valid {
					t.Fatalf("not valid: %+v", rep)
				}
				s := rep.Signatures[0]
				if s.Indication != verifier.TotalPassed || s.Level != level || s.Signer.Name != "Lê Thị Hoa" || !slices.Contains(s.Signer.Identifiers, "CCCD:001185000123") {
					t.Errorf("signature = %s/%s level %s signer %+v", s.Indication, s.SubIndication, s.Level, s.Signer)
				}
				if s.Signer.Organization != hanoi {
					t.Errorf("organization = %q", s.Signer.Organization)
				}
				if (level != "B-B") != (s.ProvenTime != "") {
					t.Errorf("proven_time = %q at level %s", s.ProvenTime, level)
				}
				if level == "B-LTA" && (len(rep.Signatures) != 2 || rep.Signatures[1].Type != verifier.TypeDocumentTimestamp || rep.Signatures[1].Indication != verifier.TotalPassed) {
					t.Errorf("B-LTA: want a passed document time-stamp after the signature: %+v", rep.Signatures)
				}
				p := writeFileT(t, filepath.Join(e.dir, "v-"+level+"-"+scheme+".pdf"), signed)
				if code, out := kysoVerify(t, "--lang", "en", "--data", e.dir, p); code != exitPassed || !strings.Contains(out, "VALID") {
					t.Errorf("kyso verify = %d:\n%s", code, out)
				}
				kept[level+"/"+scheme] = signed
			})
		}
	}

	t.Run("tampered", func(t *testing.T) {
		signed := bytes.Clone(kept["B-T/pkcs1v15"])
		i := bytes.Index(signed, []byte(testpdf.Marker))
		if i < 0 {
			t.Fatal("page content marker not found")
		}
		signed[i] ^= 0x20 // one letter's case, inside the page's content stream
		rep := e.verifyAPI(t, signed)
		if s := rep.Signatures[0]; rep.Valid || s.Indication != verifier.TotalFailed || s.SubIndication != verifier.HashFailure {
			t.Errorf("tampered = %s/%s, want TOTAL_FAILED/HASH_FAILURE", s.Indication, s.SubIndication)
		}
		p := writeFileT(t, filepath.Join(e.dir, "tampered.pdf"), signed)
		if code, out := kysoVerify(t, "--data", e.dir, p); code != exitFailed {
			t.Errorf("kyso verify of a tampered file = %d, want 1:\n%s", code, out)
		}
	})

	t.Run("revoked", func(t *testing.T) {
		code, out := e.call(t, "POST", "/v1/certificates", map[string]any{"profile": "official", "subject": map[string]string{
			"name": "Phạm Văn Nam", "cccd": "001080000777", "title": "Phó Chánh Văn phòng", "organization": hanoi, "locality": "Hà Nội"}})
		if code != 201 {
			t.Fatalf("issue = %d %v", code, out)
		}
		signed := e.sign(t, out["credential_id"].(string), doc, map[string]any{"level": "B-B"})
		if rep := e.verifyAPI(t, signed); !rep.Valid {
			t.Fatalf("before revocation: %+v", rep.Signatures)
		}
		if code, r := e.call(t, "POST", "/v1/certificates/"+out["id"].(string)+"/revoke", map[string]string{"reason": "keyCompromise"}); code != 200 {
			t.Fatalf("revoke = %d %v", code, r)
		}
		// B-B proves no signing time: it is judged now, after the
		// revocation.
		rep := e.verifyAPI(t, signed)
		s := rep.Signatures[0]
		if rep.Valid || s.Indication == verifier.TotalPassed || !strings.HasPrefix(string(s.SubIndication), "REVOKED") {
			t.Errorf("after revocation = %s/%s, want REVOKED", s.Indication, s.SubIndication)
		}
	})

	// Stop kyso (and its Vault): the long-term documents carry their own
	// proof. kyso's CA certificates are read from the database file only.
	e.stop(t)
	for _, name := range []string{"B-LT/pkcs1v15", "B-LT/pss", "B-LTA/pss"} {
		p := writeFileT(t, filepath.Join(e.dir, "offline.pdf"), kept[name])
		if code, out := kysoVerify(t, "--data", e.dir, p); code != exitPassed {
			t.Errorf("%s offline with kyso stopped = %d, want 0:\n%s", name, code, out)
		}
		// A third party with only kyso's root certificate.
		trustDir := filepath.Join(e.dir, "third-party-trust")
		os.MkdirAll(trustDir, 0o700)
		writeFileT(t, filepath.Join(trustDir, "kyso-root.pem"), mustRead(t, e.rootPEM))
		code, out := kysoVerify(t, "--no-kyso", "--trust", trustDir, "--json", p)
		if code != exitPassed {
			t.Errorf("%s with only kyso's root = %d, want 0:\n%s", name, code, out)
		}
		var rep verifier.Report
		if err := json.Unmarshal([]byte(strings.SplitN(out, "\n\n", 2)[0]), &rep); err != nil || !rep.Valid {
			t.Errorf("--json output: %v\n%s", err, out)
		}
		// Nobody trusted: indeterminate, not failed.
		if code, out := kysoVerify(t, "--no-kyso", p); code != exitIndeterminate {
			t.Errorf("%s with no trust anchor = %d, want 2:\n%s", name, code, out)
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyCLIBadTrustCertificate: a certificate crypto/x509 cannot
// parse in a trust directory — testdata/negative-serial-root.pem, made
// with `openssl req -x509 -set_serial -4660` — is left out with a warning
// on standard error, and the directory's other certificates still trust
// the Hanoi decision (its seven signatures INDETERMINATE/TRY_LATER: every
// check passed but revocation, as the file holds no revocation data and
// the CLI is offline); it once made every file exit 3.
func TestVerifyCLIBadTrustCertificate(t *testing.T) {
	dir := t.TempDir()
	entries, err := os.ReadDir("../../trust/vn")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		writeFileT(t, filepath.Join(dir, e.Name()), mustRead(t, filepath.Join("../../trust/vn", e.Name())))
	}
	writeFileT(t, filepath.Join(dir, "negative-serial-root.pem"), mustRead(t, "testdata/negative-serial-root.pem"))
	hanoiDoc := filepath.Join(realworld, "vn-nom-vn", "hanoi_qd_2280_water.pdf")
	if code, out := kysoVerify(t, "--no-kyso", "--trust", dir, hanoiDoc); code != exitIndeterminate || strings.Count(out, "INDETERMINATE/TRY_LATER") != 7 {
		t.Errorf("with a negative-serial certificate in the trust directory = %d, want 2 and 7 signatures INDETERMINATE/TRY_LATER:\n%s", code, out)
	}
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, []string{"trust", "list", "--no-kyso", "--trust", dir}); err != nil {
		t.Fatalf("kyso trust list = %v", err)
	}
	if !strings.Contains(buf.String(), "skipped  trust directory "+dir+": negative-serial-root.pem: certificate 1 cannot be read by crypto/x509 (x509: negative serial number); it is left out") {
		t.Errorf("kyso trust list does not name the skipped certificate:\n%s", buf.String())
	}
}

// TestVerifyCLIRealWorld: the Hanoi People's Committee decision (seven
// VGCA signatures, time-stamped, some certificates expired since) passes
// every check with the shipped trust/vn directory but revocation — it
// holds no revocation data and the CLI is offline: INDETERMINATE/TRY_LATER
// (docs/verification.md, "Revocation policy") — and has no chain without
// it; a file that is not a PDF exits 3.
func TestVerifyCLIRealWorld(t *testing.T) {
	hanoiDoc := filepath.Join(realworld, "vn-nom-vn", "hanoi_qd_2280_water.pdf")
	code, out := kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", hanoiDoc)
	if code != exitIndeterminate || strings.Count(out, "INDETERMINATE/TRY_LATER") != 7 {
		t.Errorf("with trust/vn = %d, want 2 and 7 signatures INDETERMINATE/TRY_LATER:\n%s", code, out)
	}
	if code, out := kysoVerify(t, "--no-kyso", hanoiDoc); code != exitIndeterminate || !strings.Contains(out, "NO_CERTIFICATE_CHAIN_FOUND") {
		t.Errorf("without trust = %d, want 2 with NO_CERTIFICATE_CHAIN_FOUND:\n%s", code, out)
	}
	notPDF := writeFileT(t, filepath.Join(t.TempDir(), "x.pdf"), []byte("<html>not a pdf</html>"))
	if code, out := kysoVerify(t, "--no-kyso", notPDF); code != exitUnreadable {
		t.Errorf("not a PDF = %d, want 3:\n%s", code, out)
	}
	if code, _ := kysoVerify(t, "--no-kyso", filepath.Join(t.TempDir(), "missing.pdf")); code != exitUnreadable {
		t.Errorf("missing file = %d, want 3", code)
	}
	if code, _ := kysoVerify(t, "--no-kyso", "--trust", t.TempDir(), hanoiDoc); code != exitUnreadable {
		t.Errorf("empty trust directory = %d, want 3", code)
	}

	// Several files in one process: the worst status, one JSON line each.
	itext := filepath.Join(realworld, "itext", "B-T.pdf")
	if code, out := kysoVerify(t, "--lang", "en", "--no-kyso", "--trust", "../../trust/vn", hanoiDoc, hanoiDoc); code != exitIndeterminate || strings.Count(out, ": INDETERMINATE — ") != 2 {
		t.Errorf("two files without revocation data = %d:\n%s", code, out)
	}
	if code, _ := kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", hanoiDoc, itext); code != exitIndeterminate {
		t.Errorf("no revocation data + untrusted = %d, want 2", code)
	}
	code, out = kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", "--json", itext, notPDF, hanoiDoc)
	if code != exitUnreadable {
		t.Errorf("with an unreadable file = %d, want 3", code)
	}
	lines := strings.Split(strings.TrimSpace(strings.SplitN(out, "\n\n", 2)[0]), "\n")
	if len(lines) != 3 {
		t.Fatalf("--json with 3 files printed %d lines:\n%s", len(lines), out)
	}
	for i, l := range lines {
		var v struct {
			File   string           `json:"file"`
			Report *verifier.Report `json:"report"`
			Error  string           `json:"error"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.File == "" || (v.Report == nil) == (v.Error == "") {
			t.Errorf("line %d = %q (%v)", i, l, err)
		}
		if i == 2 && (v.Report == nil || v.Report.SignatureCount != 7) {
			t.Errorf("the Hanoi decision after an unreadable file: %q", l)
		}
	}

	var buf bytes.Buffer
	if err := run(context.Background(), &buf, []string{"trust", "list", "--no-kyso", "--trust", "../../trust/vn"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RootCA chuyên dùng Chính phủ G2", "CA phục vụ các cơ quan Nhà nước G2", "Vietnam National Root CA",
		"f04ba4b459a7c9a1b971ad9b1cb833e695a80c79aea63b174b66a70edfe2fdb8", "0 kyso CA certificate(s), 9 from trust directories"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("kyso trust list lacks %q:\n%s", want, buf.String())
		}
	}
}
