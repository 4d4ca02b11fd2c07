package api_test

import (
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/api"
	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/verifier"
)

// corpusTrust is the trust of the real-world corpus (its roots/), as the
// trust store's snapshot.
type corpusTrust struct{ o verifier.Options }

func (c corpusTrust) Snapshot(context.Context) (verifier.Options, error) { return c.o, nil }

func corpusVerify(t *testing.T) kapp.Verify {
	t.Helper()
	roots, inter, err := verifier.LoadTrustDir(filepath.Join(realworld, "roots"))
	if err != nil {
		t.Fatalf("LoadTrustDir = %v", err)
	}
	return kapp.Verify{Trust: corpusTrust{verifier.Options{Roots: roots, Intermediates: inter}}}
}

// etsiSchemaValid checks body against the ETSI TS 119 102-2 schema with
// xmllint, offline (verifier/etsireport/testdata/xsd).
func etsiSchemaValid(t *testing.T, body []byte) {
	t.Helper()
	dir, err := filepath.Abs("../verifier/etsireport/testdata/xsd")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(f, body, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xmllint", "--nonet", "--noout", "--schema", filepath.Join(dir, "TS119102-2-v122.xsd"), f)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(dir, "catalog.xml"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmllint --schema: %v\n%s", err, out)
	}
}

// TestVerifyETSIFormat: ?format=etsi answers the ETSI validation report
// (application/xml, schema-valid) for a PDF sent as the body or as a
// multipart part and for an XML signature; a document without signature,
// ?format=report on a kyso without report seal and an unknown format are
// JSON errors with their codes. (The signed printed report:
// cmd/kyso TestVerifyReportSigned, with Vault.)
func TestVerifyETSIFormat(t *testing.T) {
	srv := verifyServer(t, api.Config{}, corpusVerify(t))
	doc := corpusFile(t, "vn-nom-vn/hanoi_qd_2280_water.pdf")

	ct, body := multipartBody(t, map[string][]byte{"file": doc}, "file")
	for name, a := range map[string]answer{
		"body":      post(t, srv.URL+"/v1/verify/pdf?format=etsi", "application/pdf", doc, nil),
		"multipart": post(t, srv.URL+"/v1/verify/pdf?format=etsi", ct, body, nil),
	} {
		t.Run(name, func(t *testing.T) {
			if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/xml") {
				t.Fatalf("verify?format=etsi = %d %s %.300s", a.status, a.header.Get("Content-Type"), a.body)
			}
			etsiSchemaValid(t, a.body)
			var r struct {
				Main []string `xml:"SignatureValidationReport>SignatureValidationStatus>MainIndication"`
			}
			if err := xml.Unmarshal(a.body, &r); err != nil {
				t.Fatal(err)
			}
			if len(r.Main) != 7 {
				t.Errorf("%d signature reports, want the decision's 7", len(r.Main))
			}
		})
	}

	x, err := os.ReadFile("../../shared/testdata/realworld-xml/dss/xades-lta-valid.xml")
	if err != nil {
		t.Fatal(err)
	}
	a := post(t, srv.URL+"/v1/verify/xml?format=etsi", "application/xml", x, nil)
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/xml") {
		t.Fatalf("verify/xml?format=etsi = %d %.300s", a.status, a.body)
	}
	etsiSchemaValid(t, a.body)

	if a := post(t, srv.URL+"/v1/verify/pdf?format=etsi", "application/pdf", testpdf.Make(1, 100), nil); a.status != 422 || a.errorCode(t) != "invalid_document" {
		t.Errorf("unsigned ?format=etsi = %d %s, want 422 invalid_document", a.status, a.body)
	}
	if a := post(t, srv.URL+"/v1/verify/pdf?format=report", "application/pdf", doc, nil); a.status != 503 || a.errorCode(t) != "not_configured" {
		t.Errorf("?format=report without a report seal = %d %s, want 503 not_configured", a.status, a.body)
	}
	if a := post(t, srv.URL+"/v1/verify/pdf?format=docx", "application/pdf", doc, nil); a.status != 400 || a.errorCode(t) != "invalid_request" {
		t.Errorf("?format=docx = %d %s, want 400 invalid_request", a.status, a.body)
	}
	if a := post(t, srv.URL+"/v1/verify/pdf?format=json", "application/pdf", doc, nil); a.status != 200 || len(a.report(t).Signatures) != 7 {
		t.Errorf("?format=json = %d, want the JSON report", a.status)
	}
}

// TestVerifyReportLimit: signed printed reports have their own limit per
// address (each is a signature in Vault): past its burst of 2,
// ?format=report is 429 rate_limited with Retry-After, while the JSON and
// ETSI answers go on.
func TestVerifyReportLimit(t *testing.T) {
	srv := verifyServer(t, api.Config{VerifyPerMinute: -1, ReportsPerMinute: 1}, corpusVerify(t))
	doc := corpusFile(t, "itext/B-T.pdf")
	for i := 0; i < 2; i++ {
		if a := post(t, srv.URL+"/v1/verify/pdf?format=report", "application/pdf", doc, nil); a.status != 503 {
			t.Fatalf("report %d = %d %s, want 503 not_configured (within the burst)", i+1, a.status, a.body)
		}
	}
	a := post(t, srv.URL+"/v1/verify/pdf?format=report", "application/pdf", doc, nil)
	if a.status != 429 || a.errorCode(t) != "rate_limited" || a.header.Get("Retry-After") == "" {
		t.Errorf("third report = %d %s (Retry-After %q), want 429 rate_limited", a.status, a.body, a.header.Get("Retry-After"))
	}
	if a := post(t, srv.URL+"/v1/verify/xml?format=report", "application/xml", []byte("<a/>"), nil); a.status != 429 {
		t.Errorf("a report of an XML file after the limit = %d, want 429", a.status)
	}
	for _, f := range []string{"json", "etsi"} {
		if a := post(t, srv.URL+"/v1/verify/pdf?format="+f, "application/pdf", doc, nil); a.status != 200 {
			t.Errorf("format=%s after the report limit = %d %s, want 200", f, a.status, a.body)
		}
	}
}
