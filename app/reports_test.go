package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/testltv"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/verifier"
)

// newSealPKI is a CA for kyso's report seal with a time-stamp authority
// and OCSP and CRL answers, in memory: the signing formats with test keys
// (the Vault-backed signer is cmd/kyso's to wire).
func newSealPKI(t *testing.T) *testltv.PKI {
	return testltv.New(t, pkix.Name{CommonName: "Dịch vụ kiểm tra chữ ký số kyso", Organization: []string{"kyso"}, Country: []string{"VN"}})
}

// trustOf is a trust snapshot of fixed roots and intermediates.
type trustOf struct{ o verifier.Options }

func (s trustOf) Snapshot(context.Context) (verifier.Options, error) { return s.o, nil }

// TestPrintReportSigned: the printed report of the Hanoi decision is a PDF
// signed by kyso's seal at PAdES B-LT: kyso's verifier finds it valid at
// B-LT, poppler's pdfsig (NSS) finds its signature valid and its
// certificate trusted, qpdf finds the file sound, and its text (pdftotext)
// is Vietnamese and names the decision's SHA-256.
func TestPrintReportSigned(t *testing.T) {
	p := newSealPKI(t)
	const org = "kyso"
	sign := app.NewSign(app.SignDeps{Credentials: credentials{
		"cred_report": {ID: "cred_report", Profile: "seal", Organization: org, Key: p.Signer},
	}}, signer.Config{PDF: pades.New(p.TSA, p), Timestamper: p.TSA, Revocation: p})
	roots, inter, err := verifier.LoadTrustDir(filepath.Join(realworld, "roots"))
	if err != nil {
		t.Fatal(err)
	}
	v := app.Verify{
		Trust: trustOf{verifier.Options{Roots: roots, Intermediates: inter}},
		Seal:  &app.ReportSeal{Sign: sign, Credential: "cred_report", Name: "Dịch vụ kiểm tra chữ ký số kyso"},
	}
	doc, err := os.ReadFile(filepath.Join(realworld, "vn-nom-vn", "hanoi_qd_2280_water.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep, err := v.VerifyPDF(ctx, bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := v.PrintReport(ctx, app.Record{Report: rep, Document: bytes.NewReader(doc), Size: int64(len(doc)), Name: "hanoi_qd_2280_water.pdf", MediaType: "application/pdf"}, app.PrintOptions{Public: true})
	if err != nil {
		t.Fatalf("PrintReport = %v", err)
	}

	// kyso's verifier, trusting the seal's root only.
	own := x509.NewCertPool()
	own.AddCert(p.Root.Cert)
	got, err := verifier.VerifyPDF(ctx, bytes.NewReader(out), int64(len(out)), verifier.Options{Roots: own})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Valid || len(got.Signatures) != 1 || got.Signatures[0].Level != verifier.LevelBLT {
		t.Fatalf("the printed report: valid %v, %d signatures, level %q, want one valid B-LT signature: %+v", got.Valid, len(got.Signatures), got.Signatures[0].Level, got.Signatures)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "bien-ban.pdf")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	rootPEM := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(rootPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	nss := filepath.Join(dir, "nss")
	if err := os.Mkdir(nss, 0o700); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) string {
		t.Helper()
		b, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
		}
		return string(b)
	}
	run("certutil", "-N", "-d", "sql:"+nss, "--empty-password")
	run("certutil", "-A", "-d", "sql:"+nss, "-n", "report-root", "-t", "CT,C,C", "-i", rootPEM)
	sig := run("pdfsig", "-nssdir", "sql:"+nss, file)
	if !strings.Contains(sig, "Signature Validation: Signature is Valid.") || !strings.Contains(sig, "Certificate Validation: Certificate is Trusted.") {
		t.Errorf("pdfsig does not find the report's signature valid and trusted:\n%s", sig)
	}
	run("qpdf", "--check", file)
	txt := strings.Join(strings.Fields(run("pdftotext", "-enc", "UTF-8", file, "-")), " ")
	sum := sha256.Sum256(doc)
	h := hex.EncodeToString(sum[:])
	for _, want := range []string{"BIÊN BẢN KIỂM TRA CHỮ KÝ SỐ", "hanoi_qd_2280_water.pdf", h[:8] + " " + h[8:16], "tài liệu có 7 chữ ký", "Dịch vụ kiểm tra chữ ký số kyso"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the report's text lacks %q:\n%s", want, txt)
		}
	}
}

// TestPrintReportNoSeal: without report.seal_credential a signed report is
// NotConfigured; an unsigned one is still printed, and says so.
func TestPrintReportNoSeal(t *testing.T) {
	v := app.Verify{Trust: trustOf{}}
	doc, err := os.ReadFile(filepath.Join(realworld, "itext", "B-T.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep, err := v.VerifyPDF(ctx, bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	rec := app.Record{Report: rep, Document: bytes.NewReader(doc), Size: int64(len(doc))}
	if _, err := v.PrintReport(ctx, rec, app.PrintOptions{}); errkind.KindOf(err) != errkind.NotConfigured {
		t.Errorf("PrintReport without a seal = %v, want NotConfigured", err)
	}
	out, err := v.PrintReport(ctx, rec, app.PrintOptions{Unsigned: true})
	if err != nil || !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("unsigned PrintReport = %v", err)
	}
	rep2, err := verifier.VerifyPDF(ctx, bytes.NewReader(out), int64(len(out)), verifier.Options{})
	if err != nil || len(rep2.Signatures) != 0 {
		t.Errorf("the unsigned report has %d signatures (%v), want none", len(rep2.Signatures), err)
	}
	// A seal the credentials do not know is the operator's problem.
	v.Seal = &app.ReportSeal{Sign: app.NewSign(app.SignDeps{Credentials: credentials{}}, signer.Config{}), Credential: "cred_missing"}
	if _, err := v.PrintReport(ctx, rec, app.PrintOptions{}); errkind.KindOf(err) != errkind.NotConfigured {
		t.Errorf("PrintReport with an unknown seal = %v (%v), want NotConfigured", err, errors.Unwrap(err))
	}
}
