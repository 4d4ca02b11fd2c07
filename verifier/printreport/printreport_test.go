package printreport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testltv"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/verifier"
)

const realworld = "../../../shared/testdata/realworld"

// newPKI is the test PKI of the reports: a citizen of Hà Nội signs, and
// kyso's signer makes B-LT with its TSA and revocation answers.
func newPKI(t *testing.T) *testltv.PKI {
	return testltv.New(t, pkix.Name{CommonName: "Nguyễn Văn An", Organization: []string{"UBND Thành phố Hà Nội"}, Country: []string{"VN"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: "CCCD:001099012345"}}})
}

func options(p *testltv.PKI) verifier.Options { return verifier.Options{Roots: p.Roots()} }

func dejaVu(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../signer/appearance/fonts/DejaVuSans.ttf")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var checkedAt = time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)

// render verifies doc and renders its report.
func render(t *testing.T, doc []byte, o verifier.Options, public, signed bool) []byte {
	t.Helper()
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), o)
	if err != nil {
		t.Fatalf("VerifyPDF = %v", err)
	}
	sum := sha256.Sum256(doc)
	out, err := Render(Input{Report: rep, DocumentName: "quyet-dinh.pdf", DocumentSHA256: sum[:], CheckedAt: checkedAt, Public: public, Signed: signed, Sealer: "Dịch vụ kyso", Font: dejaVu(t)})
	if err != nil {
		t.Fatalf("Render = %v", err)
	}
	return out
}

// text extracts the report's text with poppler's pdftotext, and checks the
// file with qpdf.
func text(t *testing.T, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// pdftotext may break a line anywhere; compare without line breaks.
	return strings.Join(strings.Fields(string(out)), " ")
}

// TestKysoBLT: the report of a kyso B-LT PDF is a PDF (qpdf) whose text
// (pdftotext) is Vietnamese and names the document's SHA-256, the
// verdict, the signer, the chain and the revocation data used; the public
// variant masks the signer's CCCD, the other shows it.
func TestKysoBLT(t *testing.T) {
	p := newPKI(t)
	doc := p.Sign(t, pades.LevelBLT)
	sum := sha256.Sum256(doc)
	h := hex.EncodeToString(sum[:])

	txt := text(t, render(t, doc, options(p), true, true))
	for _, want := range []string{
		"BIÊN BẢN KIỂM TRA CHỮ KÝ SỐ",
		"quyet-dinh.pdf",
		groupHex(h),
		"07/12/2026 16:30:00",
		"HỢP LỆ — tài liệu có 1 chữ ký, tất cả đều hợp lệ.",
		"Chữ ký số: HỢP LỆ",
		"Nguyễn Văn An — UBND Thành phố Hà Nội",
		"CCCD:********2345 (căn cước công dân)",
		"kyso Test Root CA",
		"Nguyễn Văn An → cấp bởi kyso Test Issuing CA",
		"không bị thu hồi, theo phản hồi OCSP kèm trong tài liệu (DSS)",
		"PAdES B-LT (kèm dữ liệu kiểm tra dài hạn)",
		"Phê duyệt",
		"được ký số bằng con dấu số của Dịch vụ kyso",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("the report lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "001099012345") {
		t.Errorf("the public report shows the whole CCCD")
	}
	if txt := text(t, render(t, doc, options(p), false, false)); !strings.Contains(txt, "CCCD:001099012345") || !strings.Contains(txt, "KHÔNG được ký số") {
		t.Errorf("the unsigned, non-public report: CCCD whole %v, says unsigned %v", strings.Contains(txt, "CCCD:001099012345"), strings.Contains(txt, "KHÔNG được ký số"))
	}
}

// TestTampered: a document changed after signing is reported not valid,
// with the page's sentence for HASH_FAILURE.
func TestTampered(t *testing.T) {
	p := newPKI(t)
	doc := p.Sign(t, pades.LevelBLT)
	j := bytes.LastIndex(doc[:bytes.Index(doc, []byte("/ByteRange"))], []byte("stream"))
	doc[j+8] ^= 1
	txt := text(t, render(t, doc, options(p), true, true))
	for _, want := range []string{"KHÔNG HỢP LỆ — tài liệu có 1 chữ ký, trong đó 1 không hợp lệ.", "Tài liệu đã bị thay đổi sau khi ký. (mã: HASH_FAILURE)"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the report lacks %q:\n%s", want, txt)
		}
	}
}

// TestHanoiDecision: the seven signatures of the Hanoi People's
// Committee's decision are each reported with the verifier's verdict, in
// Vietnamese, with no English warning text. (Their verdict depends on the
// revocation policy — the file carries no revocation data — which is not
// this package's to judge: the printed verdicts are checked against the
// report's.)
func TestHanoiDecision(t *testing.T) {
	roots, inter, err := verifier.LoadTrustDir(filepath.Join(realworld, "roots"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(realworld, "vn-nom-vn", "hanoi_qd_2280_water.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	o := verifier.Options{Roots: roots, Intermediates: inter}
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), o)
	if err != nil {
		t.Fatal(err)
	}
	txt := text(t, render(t, doc, o, true, true))
	if len(rep.Signatures) != 7 {
		t.Fatalf("%d signatures, want 7", len(rep.Signatures))
	}
	for i, s := range rep.Signatures {
		if want := fmt.Sprintf("Mục %d/7 — Chữ ký số: %s", i+1, verdictVI(s.Indication)); !strings.Contains(txt, want) {
			t.Errorf("the report lacks %q", want)
		}
		if want := explain(&s); !strings.Contains(txt, want) {
			t.Errorf("the report lacks the explanation %q", want)
		}
	}
	// Field names ("SignService-Signature") are the document's; the
	// verifier's sentences and names are not to be read here.
	for _, english := range []string{"certificate", "revocation", "time-stamp", "the document", " with ", " not "} {
		if strings.Contains(strings.ToLower(txt), english) {
			t.Errorf("the report says %q in English:\n%s", english, txt)
		}
	}
}

// TestCatalogComplete: every sub-indication, level and change kind the
// verifier writes has Vietnamese words here (the warnings' are
// internal/warnvi's, which checks its own).
func TestCatalogComplete(t *testing.T) {
	for _, s := range []verifier.SubIndication{verifier.FormatFailure, verifier.HashFailure, verifier.SigCryptoFailure, verifier.Revoked, verifier.Expired,
		verifier.NotYetValid, verifier.ChangedAfterSigning, verifier.AmbiguousRevision, verifier.NoSigningCertificateFound, verifier.NoCertificateChainFound,
		verifier.ChainConstraintsFailure, verifier.CryptoConstraintsFailureNoPOE, verifier.OutOfBoundsNoPOE, verifier.RevokedNoPOE, verifier.RevokedCANoPOE,
		verifier.TryLater, verifier.SignedDataNotFound} {
		if subVI[string(s)] == "" {
			t.Errorf("sub-indication %s has no Vietnamese sentence", s)
		}
	}
	for _, l := range []string{verifier.LevelBB, verifier.LevelBT, verifier.LevelBLT, verifier.LevelBLTA, verifier.LevelNotPAdES} {
		if levelVI[l] == "" {
			t.Errorf("level %q has no Vietnamese name", l)
		}
	}
	for _, k := range []string{verifier.ChangeSignatureAdded, verifier.ChangeTimestampAdded, verifier.ChangeDSS, verifier.ChangeFormFilled, verifier.ChangeFieldAdded,
		verifier.ChangeFieldModified, verifier.ChangeFieldRemoved, verifier.ChangeAnnotationAdded, verifier.ChangeAnnotationChanged, verifier.ChangeAnnotationRemoved,
		verifier.ChangePageContent, verifier.ChangeResources, verifier.ChangePageAdded, verifier.ChangePageRemoved, verifier.ChangePage, verifier.ChangeSignatureModified,
		verifier.ChangeCatalog, verifier.ChangeForm, verifier.ChangeMetadata, verifier.ChangeStructure, verifier.ChangeObject, verifier.ChangeUnreferenced,
		verifier.ChangeUnknown, verifier.ChangeLockedField, verifier.ChangeDrawnOver} {
		if kindVI[k] == "" {
			t.Errorf("change kind %q has no Vietnamese name", k)
		}
	}
}

// TestMask: personal identifiers are masked but their last four
// characters; tax codes are not.
func TestMask(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"CCCD:001099012345", "CCCD:********2345"},
		{"MST:0101234567", "MST:0101234567"},
		{"079188000123", "********0123"},
	} {
		if got := maskIdentifier(tt.in); got != tt.want {
			t.Errorf("maskIdentifier(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := maskText("UID=CCCD:001099012345, CN=An"); got != "UID=CCCD:********2345, CN=An" {
		t.Errorf("maskText = %q", got)
	}
}

// TestHostileStrings: the document's strings are the sender's. A reason
// of 100,000 characters, control characters and bidirectional overrides
// in a signer's name and field name are printed cut and cleaned, an
// unknown warning code is said in the page's general sentence, and the
// report is still made.
func TestHostileStrings(t *testing.T) {
	rep := &verifier.Report{Signatures: []verifier.Signature{{
		Field:         "Signature1\u202eKÝ HỢP LỆ\u202c",
		Type:          verifier.TypeSignature,
		Indication:    verifier.TotalFailed,
		SubIndication: verifier.HashFailure,
		Signer:        verifier.Signer{Name: "Nguyễn\x00\x1b[31m Văn\u2066 An", Identifiers: []string{"CCCD:001099012345"}},
		Reason:        strings.Repeat("Đồng ý ", 100000/7),
		WarningCodes:  []verifier.Warning{{Code: "no_such_code", Text: "english"}},
	}}}
	sum := sha256.Sum256([]byte("doc"))
	out, err := Render(Input{Report: rep, DocumentSHA256: sum[:], CheckedAt: checkedAt, Public: true, Signed: true, Font: dejaVu(t)})
	if err != nil {
		t.Fatalf("Render = %v", err)
	}
	txt := text(t, out)
	for _, bad := range []string{"\u202e", "\u2066", "\x1b", "001099012345", strings.Repeat("Đồng ý ", 200)} {
		if strings.Contains(txt, bad) {
			t.Errorf("the report prints %q", bad)
		}
	}
	for _, want := range []string{"Nguyễn[31m Văn An", "(đã cắt bớt)", "Có một lưu ý kỹ thuật khác về chữ ký này.", "KHÔNG HỢP LỆ"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the report lacks %q:\n%s", want, txt)
		}
	}
	if len(out) > 200<<10 {
		t.Errorf("the report of one signature is %d bytes", len(out))
	}
}

// TestEInvoice: an e-invoice's signature is printed with the invoice's
// facts, whether the certificate's tax code is the signing party's, and
// what each reference covers, in the page's words.
func TestEInvoice(t *testing.T) {
	no := false
	rep := &verifier.Report{Signatures: []verifier.Signature{{
		Field: "/HDon/DSCKS/NBan/Signature", Type: verifier.TypeSignature, Indication: verifier.TotalPassed, Level: verifier.LevelXMLDSig,
		Signer: verifier.Signer{Name: "Công ty TNHH Sao Mai", Identifiers: []string{"MST:0101234567"}},
		References: []verifier.XMLReference{
			{URI: "#data", Covers: "/HDon/DLHDon", DigestValid: true},
			{URI: "#sp", Covers: "", DigestValid: false},
		},
		EInvoice: &verifier.EInvoice{Block: "seller", Seller: "Công ty TNHH Sao Mai", SellerTaxCode: "0101234567", Buyer: "Nguyễn Văn An",
			Series: "C26TAA", Number: "123", IssueDate: "2026-12-01", Total: "1100000", Currency: "VND",
			CertificateTaxCode: "0109999999", TaxCodeMatch: &no, DataCovered: true},
	}}}
	sum := sha256.Sum256([]byte("hoadon"))
	out, err := Render(Input{Report: rep, DocumentName: "hoadon.xml", DocumentSHA256: sum[:], CheckedAt: checkedAt, Public: true, Signed: true, Font: dejaVu(t)})
	if err != nil {
		t.Fatalf("Render = %v", err)
	}
	txt := text(t, out)
	for _, want := range []string{"Chữ ký của người bán", "Người bán Công ty TNHH Sao Mai (MST: 0101234567)", "Người mua Nguyễn Văn An",
		"Số 123, ký hiệu C26TAA, ngày lập 2026-12-01", "1100000 VND", "0109999999: KHÁC với MST của người bán",
		"/HDon/DLHDon (khớp)", "#sp (KHÔNG khớp)", "XMLDSig"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the report lacks %q:\n%s", want, txt)
		}
	}
}
