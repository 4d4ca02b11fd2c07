package etsireport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/internal/testltv"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/verifier"
)

const (
	realworld    = "../../../shared/testdata/realworld"
	realworldXML = "../../../shared/testdata/realworld-xml"
)

// newPKI is the test PKI of the reports: a citizen of Hà Nội signs, and
// kyso's signer makes B-LT with its TSA and revocation answers.
func newPKI(t *testing.T) *testltv.PKI {
	return testltv.New(t, pkix.Name{CommonName: "Nguyễn Văn An", Organization: []string{"UBND Thành phố Hà Nội"}, Country: []string{"VN"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: "CCCD:001099012345"}}})
}

func options(p *testltv.PKI) verifier.Options { return verifier.Options{Roots: p.Roots()} }

// schemaValid runs xmllint --schema on report against the vendored ETSI
// schema, offline.
func schemaValid(t *testing.T, report []byte) {
	t.Helper()
	dir, err := filepath.Abs("testdata/xsd")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(f, report, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xmllint", "--nonet", "--noout", "--schema", filepath.Join(dir, "TS119102-2-v122.xsd"), f)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(dir, "catalog.xml"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmllint --schema: %v\n%s\nreport:\n%s", err, out, report)
	}
}

// parsed is what the tests read back from a report.
type parsed struct {
	Reports []struct {
		Identifier struct {
			DigestValue  string `xml:"DigestAlgAndValue>DigestValue"`
			DAIdentifier string
		} `xml:"SignatureIdentifier"`
		BestTime string   `xml:"ValidationTimeInfo>BestSignatureTime>POETime"`
		Signer   string   `xml:"SignerInformation>Signer"`
		SignerVO voRef    `xml:"SignerInformation>SignerCertificate"`
		Main     string   `xml:"SignatureValidationStatus>MainIndication"`
		Sub      []string `xml:"SignatureValidationStatus>SubIndication"`
		Data     []struct {
			Anchor voRef `xml:"TrustAnchor"`
			Extra  []struct {
				Type  string
				Value string
			} `xml:"AdditionalValidationReportData>ReportData"`
		} `xml:"SignatureValidationStatus>AssociatedValidationReportData"`
	} `xml:"SignatureValidationReport"`
	Objects []struct {
		ID     string `xml:"id,attr"`
		Type   string `xml:"ObjectType"`
		Base64 string `xml:"ValidationObjectRepresentation>base64"`
	} `xml:"SignatureValidationObjects>ValidationObject"`
}

func parse(t *testing.T, report []byte) parsed {
	t.Helper()
	var p parsed
	if err := xml.Unmarshal(report, &p); err != nil {
		t.Fatalf("xml.Unmarshal(report) = %v", err)
	}
	return p
}

func (p parsed) count(typ string) int {
	n := 0
	for _, o := range p.Objects {
		if o.Type == typ {
			n++
		}
	}
	return n
}

var at = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

func marshal(t *testing.T, rep *verifier.Report, doc []byte, mime string) []byte {
	t.Helper()
	sum := sha256.Sum256(doc)
	x, err := Marshal(rep, Options{ValidationTime: at, Document: Document{MimeType: mime, SHA256: sum[:]}})
	if err != nil {
		t.Fatalf("Marshal = %v", err)
	}
	return x
}

func verifyPDF(t *testing.T, doc []byte, o verifier.Options) *verifier.Report {
	t.Helper()
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), o)
	if err != nil {
		t.Fatalf("VerifyPDF = %v", err)
	}
	return rep
}

// TestKysoBLT: a B-LT PDF of kyso's signer gives a schema-valid report,
// total-passed, with the chain (signer, CA, root as trust anchor) and the
// OCSP responses and CRLs of the DSS as validation objects.
func TestKysoBLT(t *testing.T) {
	p := newPKI(t)
	doc := p.Sign(t, pades.LevelBLT)
	rep := verifyPDF(t, doc, options(p))
	if !rep.Valid || rep.Signatures[0].Level != verifier.LevelBLT {
		t.Fatalf("kyso's B-LT: valid %v level %q, want valid B-LT", rep.Valid, rep.Signatures[0].Level)
	}
	x := marshal(t, rep, doc, "application/pdf")
	schemaValid(t, x)
	r := parse(t, x)
	if len(r.Reports) != 1 {
		t.Fatalf("%d SignatureValidationReport, want 1", len(r.Reports))
	}
	s := r.Reports[0]
	if s.Main != urnPassed || len(s.Sub) != 0 {
		t.Errorf("status %s %v, want %s", s.Main, s.Sub, urnPassed)
	}
	if !strings.Contains(s.Signer, "Nguyễn Văn An") {
		t.Errorf("Signer %q, want the signer's name", s.Signer)
	}
	if got := r.count(urnCertificate); got < 3 {
		t.Errorf("%d certificates, want the chain's 3 (signer, CA, root)", got)
	}
	if r.count(urnOCSP)+r.count(urnCRL) == 0 {
		t.Errorf("no OCSP response or CRL among the validation objects:\n%s", x)
	}
	byID := map[string]string{}
	for _, o := range r.Objects {
		byID[o.ID] = o.Base64
	}
	signerDER, _ := base64.StdEncoding.DecodeString(byID[s.SignerVO.Ref])
	if !bytes.Equal(signerDER, p.Signer.Cert.Raw) {
		t.Errorf("SignerCertificate %s is not the signer's certificate", s.SignerVO.Ref)
	}
	rootDER, _ := base64.StdEncoding.DecodeString(byID[s.Data[0].Anchor.Ref])
	if !bytes.Equal(rootDER, p.Root.Cert.Raw) {
		t.Errorf("TrustAnchor %q is not the test root", s.Data[0].Anchor.Ref)
	}
	// Each revocation object named as used is in the list, and parses.
	used := 0
	for _, e := range s.Data[0].Extra {
		if e.Type != urnRevocationUsed {
			continue
		}
		used++
		der, err := base64.StdEncoding.DecodeString(byID[e.Value])
		if err != nil || len(der) == 0 {
			t.Errorf("revocation object %s not in SignatureValidationObjects", e.Value)
			continue
		}
		_, errOCSP := ocsp.ParseResponse(der, nil)
		_, errCRL := x509.ParseRevocationList(der)
		if errOCSP != nil && errCRL != nil {
			t.Errorf("revocation object %s is neither an OCSP response nor a CRL", e.Value)
		}
	}
	if used == 0 {
		t.Errorf("no revocation data named as used")
	}
	sv := rep.Signatures[0].Evidence.SignatureValue
	sum := sha256.Sum256(sv)
	if s.Identifier.DigestValue != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Errorf("SignatureIdentifier digest %s, want SHA-256 of the signature value", s.Identifier.DigestValue)
	}
	docSum := sha256.Sum256(doc)
	if r.count(urnSignedData) != 1 || !bytes.Contains(x, []byte("D-"+strings.ToLower(hexOf(docSum[:])))) {
		t.Errorf("the document's digest is not a validation object")
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestKysoTampered: a byte changed in what the signature covers gives a
// schema-valid total-failed report with HASH_FAILURE.
func TestKysoTampered(t *testing.T) {
	p := newPKI(t)
	doc := p.Sign(t, pades.LevelBLT)
	j := bytes.LastIndex(doc[:bytes.Index(doc, []byte("/ByteRange"))], []byte("stream"))
	if j < 0 {
		t.Fatal("no stream before the signature")
	}
	doc[j+8] ^= 1 // a byte of the page content, inside the signed range
	rep := verifyPDF(t, doc, options(p))
	x := marshal(t, rep, doc, "application/pdf")
	schemaValid(t, x)
	s := parse(t, x).Reports[0]
	if s.Main != urnFailed || len(s.Sub) != 1 || s.Sub[0] != urnSubETSI+string(verifier.HashFailure) {
		t.Errorf("status %s %v, want %s %s", s.Main, s.Sub, urnFailed, urnSubETSI+string(verifier.HashFailure))
	}
}

// TestRealWorld: third-party documents — the Hanoi decision with seven
// signatures (VGCA), EU DSS's B-LT with a document time-stamp, iText's
// untrusted B-LTA — give schema-valid reports with one
// SignatureValidationReport per signature and time-stamp.
func TestRealWorld(t *testing.T) {
	roots, inter, err := verifier.LoadTrustDir(filepath.Join(realworld, "roots"))
	if err != nil {
		t.Fatalf("LoadTrustDir = %v", err)
	}
	for _, tt := range []struct {
		file  string
		trust bool
		n     int
	}{
		{"vn-nom-vn/hanoi_qd_2280_water.pdf", true, 7},
		{"dss/PAdES-LT.pdf", false, 4},
		{"itext/B-LTA.pdf", false, 2},
		{"pdfsign/sigmodified.pdf", false, 1},
	} {
		t.Run(tt.file, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join(realworld, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var o verifier.Options
			if tt.trust {
				o = verifier.Options{Roots: roots, Intermediates: inter}
			}
			rep := verifyPDF(t, doc, o)
			x := marshal(t, rep, doc, "application/pdf")
			schemaValid(t, x)
			r := parse(t, x)
			if len(r.Reports) != tt.n {
				t.Fatalf("%d SignatureValidationReport, want %d", len(r.Reports), tt.n)
			}
			for i, s := range r.Reports {
				if want := mainIndication(rep.Signatures[i].Indication); s.Main != want {
					t.Errorf("[%d] MainIndication %s, want %s", i, s.Main, want)
				}
			}
			if r.count(urnCertificate) == 0 {
				t.Errorf("no certificate among the validation objects")
			}
		})
	}
}

// TestXML: an XAdES signature (EU DSS) gives a schema-valid report.
func TestXML(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(realworldXML, "dss", "xades-lta-valid.xml"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verifier.VerifyXML(context.Background(), doc, verifier.Options{})
	if err != nil {
		t.Fatalf("VerifyXML = %v", err)
	}
	x := marshal(t, rep, doc, "text/xml")
	schemaValid(t, x)
	if r := parse(t, x); len(r.Reports) != len(rep.Signatures) || r.count(urnCertificate) == 0 {
		t.Errorf("%d reports and %d certificates for %d signatures", len(r.Reports), r.count(urnCertificate), len(rep.Signatures))
	}
}

// TestNoSignature: a report without signatures cannot be an ETSI report
// (the schema wants one SignatureValidationReport at least).
func TestNoSignature(t *testing.T) {
	if _, err := Marshal(&verifier.Report{}, Options{ValidationTime: at}); err == nil {
		t.Errorf("Marshal(no signatures) = nil error, want one")
	}
}
