package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/verifier"
)

// customPDF makes the stand-in answer the report its test set
// (fakeKyso.custom).
var customPDF = []byte("%PDF-1.7\n% CUSTOM report\n%%EOF\n")

// englishError is what the verifier puts in an error or reason parameter:
// English text that the Vietnamese page must leave out.
const englishError = "the response is not signed by the issuer of the certificate"

// changeDetails are details the verifier writes in changes_after
// (verifier/changes.go), each with a kind.
var changeDetails = [][2]string{
	{verifier.ChangeDSS, "document security store"},
	{verifier.ChangeFieldAdded, `field "SignService-Signature"`},
	{verifier.ChangeSignatureAdded, `empty signature field "Signature3"`},
	{verifier.ChangePageContent, "page 1: content stream (object 12)"},
	{verifier.ChangeResources, "page 2: resources (object 40)"},
	{verifier.ChangeMetadata, "XMP metadata"},
	{verifier.ChangeCatalog, "catalog /OpenAction"},
	{verifier.ChangeUnreferenced, "3 objects that the document does not use"},
	{verifier.ChangeDrawnOver, "page 1: a Square annotation (object 55) at [10 10 200 80] is drawn over text of the signed page"},
	{verifier.ChangeFieldModified, `field "Ho ten": V`},
}

// wordsReport builds the report: for each entry of verifier.WarningCodes a
// warning written with its format and sample parameters (English for error
// and reason), a failed check's reason, and changes with every detail above.
func wordsReport(t *testing.T) ([]byte, []string) {
	t.Helper()
	verb := regexp.MustCompile(`%[sdvq]`)
	sig := verifier.Signature{
		Field: "Signature1", Type: verifier.TypeSignature,
		Indication: verifier.Indeterminate, SubIndication: verifier.NoCertificateChainFound,
		Signer:      verifier.Signer{Name: "Nguyễn Văn Hùng", Identifiers: []string{"CCCD:001085012345"}, Organization: "UBND phường Láng Hạ"},
		ClaimedTime: "2025-03-13T15:02:00+07:00", Level: verifier.LevelBB, Revision: 1, Revisions: 2,
		Chain: []verifier.ChainCert{},
	}
	var english []string
	sample := func(name string, i int) any {
		switch name {
		case "error", "reason":
			return englishError
		case "time", "timestamp_time", "expiry", "proven_time", "revocation_time":
			return "2025-03-13T15:02:00+07:00"
		case "url":
			return "http://ocsp.ca.gov.vn"
		}
		return "Sở Tư pháp " + strconv.Itoa(i)
	}
	for _, d := range verifier.WarningCodes {
		verbs := verb.FindAllString(d.Format, -1)
		var args []any
		params := map[string]string{}
		for i, v := range verbs {
			var a any = sample(d.Params[i], i)
			if v == "%d" {
				a = 10 + i
			}
			args = append(args, a)
			params[d.Params[i]] = fmt.Sprint(a)
		}
		text := fmt.Sprintf(d.Format, args...)
		w := verifier.Warning{Code: d.Code, Params: params, Text: text}
		if d.Code == "signature_timestamp_warning" {
			inner := "the time-stamp token is signed with SHA-1, which is weak"
			text = "signature time-stamp: " + inner
			w = verifier.Warning{Code: d.Code, Params: map[string]string{"warning": inner}, Text: text,
				Inner: &verifier.Warning{Code: "timestamp_sha1", Text: inner}}
		}
		sig.Warnings = append(sig.Warnings, text)
		sig.WarningCodes = append(sig.WarningCodes, w)
		english = append(english, text)
	}
	failed := "the signer's certificate \"Nguyễn Văn Hùng\" is not valid for signing documents"
	sig.Warnings = append(sig.Warnings, failed)
	sig.WarningCodes = append(sig.WarningCodes, verifier.Warning{Code: verifier.WarnCheckFailed,
		Params: map[string]string{"indication": string(verifier.Indeterminate), "sub_indication": string(verifier.ChainConstraintsFailure)}, Text: failed})
	english = append(english, failed)
	// The revocation policy's reasons (verifier/revocation.go
	// signerUnchecked, verifier/overlap.go): a TRY_LATER check that is not
	// the card's first is said by its sub-indication, in Vietnamese.
	for _, reason := range []string{
		"the revocation status of the signer's certificate is unknown: the document holds no OCSP response or CRL about it, and online checking is off",
		"the revocation status of the signer's certificate is unknown: the document holds revocation data about it, but none that can be used (" + englishError + ")",
		"the revocation status of the signer's certificate could not be obtained online",
		`after this signature, the appearance of signature "Signature2" was drawn over what it signed (page 1: a Widget annotation (object 55) at [10 10 200 80] is drawn over text of the signed page): it is accepted only once that signature is valid, and the revocation status of its signer's certificate is unknown`,
	} {
		sig.Warnings = append(sig.Warnings, reason)
		sig.WarningCodes = append(sig.WarningCodes, verifier.Warning{Code: verifier.WarnCheckFailed,
			Params: map[string]string{"indication": string(verifier.Indeterminate), "sub_indication": string(verifier.TryLater)}, Text: reason})
		english = append(english, reason)
	}
	// The revocation line, the reason and the location.
	sig.Revocation = &verifier.RevocationCheck{Status: verifier.RevocationUnknown, Online: true}
	sig.Reason, sig.Location = "Phê duyệt", "Hà Nội"
	for _, c := range changeDetails {
		sig.ChangesAfter = append(sig.ChangesAfter, verifier.Change{Kind: c[0], Allowed: c[0] == verifier.ChangeDSS, Detail: c[1]})
		english = append(english, c[1])
	}
	rep := verifier.Report{Valid: false, SignatureCount: 1, Signatures: []verifier.Signature{sig}}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return b, english
}

// englishWords finds a run of three English words, the mark of an
// English sentence left on the Vietnamese page.
var englishWords = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:the|is|not|of|by|was|which|and|with|after|could|be|no|in|a|to|for|are|from|does|has|have|uses|read|checked|signature|certificate|document)[ ,:;]+[a-z-]+[ ,:;]+[a-z-]+(?:[^\p{L}]|$)`)

// TestPageSaysEveryWarningInVietnamese loads a report with every warning
// code of the verifier and change details: the Vietnamese page shows none
// of their English sentences, the English page shows them.
func TestPageSaysEveryWarningInVietnamese(t *testing.T) {
	report, english := wordsReport(t)
	f := &fakeKyso{custom: report}
	srv := f.server(t)
	s := Start(t, srv.URL, artefacts(t))
	s.Phone()
	s.Open()
	s.ExpectLang("vi")
	s.Upload("moi-luu-y.pdf", customPDF)
	s.ExpectVerdict("indeterminate", "INDETERMINATE")
	if n, want := s.count(".sig-card .warnings li[data-code]"), len(verifier.WarningCodes)+5; n != want {
		t.Errorf("the card shows %d coded warnings, want %d", n, want)
	}
	// The card, technical details left out (certificate names, field
	// names and result codes are not sentences).
	text := s.Eval(`(function(){var c=document.querySelector('.sig-card').cloneNode(true);` +
		`c.querySelectorAll('.tech').forEach(function(n){n.remove();});return c.textContent;})()`)
	for _, e := range english {
		if strings.Contains(text, e) {
			t.Errorf("the Vietnamese page shows the English %q", e)
		}
	}
	if strings.Contains(text, englishError) {
		t.Errorf("the Vietnamese page shows an English error parameter")
	}
	if m := englishWords.FindAllString(text, -1); len(m) > 0 {
		t.Errorf("the Vietnamese page shows English: %q", m)
	}
	s.ExpectText(".sig-card .warnings li[data-code=revocation_not_checked]", "Chưa kiểm tra tình trạng thu hồi")
	s.ExpectText(".sig-card .row-revocation[data-revocation=unknown]", "Chưa kiểm tra được tình trạng thu hồi chứng thư số: tài liệu không kèm dữ liệu thu hồi dùng được, và tra cứu trực tuyến không có kết quả.")
	s.ExpectText(".sig-card .facts", "Lý do ký")
	s.ExpectText(".sig-card .facts", "Nơi ký")
	s.ExpectText(".sig-card .warnings li[data-code=signature_timestamp_warning]", "Dấu thời gian được ký bằng SHA-1")
	s.ExpectText(".sig-card .changes", `ô "SignService-Signature"`)
	s.ExpectText(".sig-card .changes", "kho dữ liệu kiểm tra (DSS)")
	s.Screenshot("warnings-vi.png")

	s.Click("#lang")
	s.ExpectLang("en")
	s.ExpectText(".sig-card .warnings li[data-code=revocation_not_checked]", "revocation status not checked for")
	s.ExpectText(".sig-card .changes", "document security store")
	s.Screenshot("warnings-en.png")
	s.ExpectCleanConsole()
}
