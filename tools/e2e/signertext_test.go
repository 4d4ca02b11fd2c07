package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/verifier"
)

// TestPageSignerTextIsInert shows what a signer wrote — the reason,
// location and contact of the signature dictionary — on the card, as
// text: markup stays text and runs nothing, bidirectional overrides are
// left out (the verifier leaves them out too; the page does whatever the
// report holds), a citizen ID in it is masked. The card also says that the
// revocation status was not checked, in Vietnamese.
func TestPageSignerTextIsInert(t *testing.T) {
	sig := verifier.Signature{
		Field: "Signature1", Type: verifier.TypeSignature,
		Indication: verifier.Indeterminate, SubIndication: verifier.TryLater,
		Detail:      "the revocation status of the signer's certificate is unknown: the document holds no OCSP response or CRL about it, and online checking is off",
		Signer:      verifier.Signer{Name: "Nguyễn Văn Hùng", Identifiers: []string{"CCCD:001085012345"}, Organization: "UBND phường Láng Hạ"},
		ClaimedTime: "2025-03-13T15:02:00+07:00", ProvenTime: "2025-03-13T15:02:05+07:00", TimestampAuthority: "Máy chủ cấp dấu thời gian 01",
		Level: verifier.LevelBT, Revision: 1, Revisions: 1, Chain: []verifier.ChainCert{},
		Reason:      "<img src=x onerror=\"window.__pwned=1\">Đồng ý chi \u202e000 001\u202c đồng",
		Location:    "\u2067Hà Nội\u2069<b>bold</b>",
		ContactInfo: "CCCD:001085012345, 0912 345 678",
		Revocation:  &verifier.RevocationCheck{Status: verifier.RevocationUnknown},
		Warnings:    []string{}, WarningCodes: []verifier.Warning{},
	}
	body, err := json.Marshal(verifier.Report{SignatureCount: 1, Signatures: []verifier.Signature{sig}})
	if err != nil {
		t.Fatal(err)
	}
	fk := &fakeKyso{custom: body}
	s := Start(t, fk.server(t).URL, artefacts(t))
	s.Phone()
	s.Open()
	s.Upload("hostile-reason.pdf", customPDF)
	s.ExpectVerdict("indeterminate", "INDETERMINATE")

	if n := s.count(".sig-card img, .sig-card b, .sig-card script"); n != 0 {
		t.Errorf("the signer's text made %d elements on the card", n)
	}
	if got := s.Eval("window.__pwned"); got != "undefined" {
		t.Errorf("the signer's markup ran: window.__pwned = %s", got)
	}
	texts := s.Eval(`Array.prototype.map.call(document.querySelectorAll('.sig-card bdi.signer-text'), function(n){return n.textContent;}).join('\n')`)
	for _, want := range []string{`<img src=x onerror="window.__pwned=1">Đồng ý chi 000 001 đồng`, "Hà Nội<b>bold</b>", "CCCD:********2345, 0912 345 678"} {
		if !strings.Contains(texts, want) {
			t.Errorf("the card's signer texts %q lack %q", texts, want)
		}
	}
	if strings.ContainsAny(texts, "\u202e\u202c\u2067\u2069") {
		t.Errorf("the card's signer texts keep bidirectional controls: %q", texts)
	}
	for _, label := range []string{"Lý do ký", "Nơi ký", "Liên hệ của người ký"} {
		if s.count(".sig-card dt") == 0 || !strings.Contains(s.Eval(`document.querySelector('.sig-card .facts').textContent`), label) {
			t.Errorf("the card has no %q line", label)
		}
	}
	s.ExpectText(".sig-card .row-revocation[data-revocation=unknown]", "Chưa kiểm tra được tình trạng thu hồi chứng thư số")
	s.ExpectText(".sig-card .sig-explain", "Chưa kiểm tra được tình trạng thu hồi chứng thư số của người ký")
	s.ExpectMaskedIdentifiers()
	s.Screenshot("signer-text-vi.png")
	s.ExpectCleanConsole()
}
