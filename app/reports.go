package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/appearance"
	"github.com/kyso-vn/kyso/verifier/etsireport"
	"github.com/kyso-vn/kyso/verifier/printreport"
)

// Formats of a verification's answer: the JSON report (the default), the
// ETSI TS 119 102-2 validation report, and the printable report signed by
// kyso ("Biên bản kiểm tra chữ ký số", a PDF).
const (
	FormatJSON   = "json"
	FormatETSI   = "etsi"
	FormatReport = "report"
)

// Record is a verification to keep: the report, the document it is about
// and when it was checked. The reports kept for the record are made from
// it.
type Record struct {
	Report *Report
	// Document is the verified document as received, Size bytes.
	Document io.ReaderAt
	Size     int64
	// Name is the document's file name ("" when unknown); MediaType its
	// type (application/pdf, application/xml).
	Name, MediaType string
	// CheckedAt is when it was verified; zero means now.
	CheckedAt time.Time
}

// ETSIReport writes the verification as an ETSI TS 119 102-2 validation
// report (XML), with the chain and the revocation data each signature's
// validation used. A document without signatures has no such report: an
// InvalidDocument error.
func (v Verify) ETSIReport(rec Record) ([]byte, error) {
	if rec.Report == nil || len(rec.Report.Detail().Signatures) == 0 {
		return nil, errkind.New(errkind.InvalidDocument, "the document has no signature: an ETSI validation report needs at least one (tài liệu không có chữ ký)")
	}
	sum, err := documentDigest(rec.Document, rec.Size)
	if err != nil {
		return nil, err
	}
	at := rec.CheckedAt
	if at.IsZero() {
		at = time.Now()
	}
	return etsireport.Marshal(rec.Report.rep, etsireport.Options{
		ValidationTime: at,
		Document:       etsireport.Document{MimeType: rec.MediaType, SHA256: sum},
	})
}

// ReportSection is the "report" section of kyso's config file
// (docs/verification.md, "Printed report"): which credential seals the
// printed verification reports.
type ReportSection struct {
	// SealCredential is the ID of a seal credential (profile seal) of
	// kyso's CA that signs the printed reports at PAdES B-LT; "" (the
	// default) means kyso prints no signed report.
	SealCredential string `json:"seal_credential"`
	// PerMinute is how many signed reports each client address may ask
	// for a minute, in bursts of 2, on top of the verification limit
	// (default 4; negative: no limit).
	PerMinute float64 `json:"per_minute"`
}

// PDFSigner is what the printed report's seal needs of Sign.
type PDFSigner interface {
	SignPDF(ctx context.Context, caller model.Caller, req PDFRequest, in io.ReadSeeker, size int64, out io.Writer) (*PDFResult, error)
}

// ReportSeal signs the printed verification reports: kyso's own seal
// credential, through Sign (which audits each signature), at PAdES B-LT so
// that the report can be verified after its certificate expires.
type ReportSeal struct {
	Sign PDFSigner
	// Credential is report.seal_credential; Name the seal's holder,
	// printed on the report.
	Credential string
	Name       string
}

// ReportClient is the client the report seal signs as, in the audit log.
const ReportClient = "kyso-report"

// PrintOptions choose the printed report's variant.
type PrintOptions struct {
	// Public masks personal identifiers (the public API and page).
	Public bool
	// Unsigned writes the report without kyso's seal, saying so in print
	// (kyso verify offline); otherwise Verify.Seal signs it.
	Unsigned bool
}

// PrintReport writes the verification as the printed report in
// Vietnamese ("Biên bản kiểm tra chữ ký số"), signed by kyso's seal at
// PAdES B-LT unless o.Unsigned. Without a seal configured, a signed report
// is a NotConfigured error.
func (v Verify) PrintReport(ctx context.Context, rec Record, o PrintOptions) ([]byte, error) {
	if !o.Unsigned && (v.Seal == nil || v.Seal.Credential == "") {
		return nil, errkind.New(errkind.NotConfigured, "no seal signs the printed report on this kyso: set report.seal_credential (chưa cấu hình con dấu ký biên bản)")
	}
	sum, err := documentDigest(rec.Document, rec.Size)
	if err != nil {
		return nil, err
	}
	at := rec.CheckedAt
	if at.IsZero() {
		at = time.Now()
	}
	in := printreport.Input{
		Report: rec.Report.Detail(), DocumentName: rec.Name, DocumentSHA256: sum, CheckedAt: at,
		Public: o.Public, Signed: !o.Unsigned, Font: appearance.FontTTF(),
	}
	if v.Seal != nil {
		in.Sealer = v.Seal.Name
	}
	doc, err := printreport.Render(in)
	if err != nil || o.Unsigned {
		return doc, err
	}
	// kyso signs as itself with the seal its operator configured: the
	// agency binding of client systems does not apply.
	caller := model.Caller{ClientID: ReportClient, MayUse: func(string) bool { return true }}
	var out bytes.Buffer
	if _, err := v.Seal.Sign.SignPDF(ctx, caller, PDFRequest{
		CredentialID: v.Seal.Credential,
		Level:        "B-LT",
		Reason:       "Biên bản kiểm tra chữ ký số",
	}, bytes.NewReader(doc), int64(len(doc)), &out); err != nil {
		switch errkind.KindOf(err) {
		case errkind.NotFound, errkind.Forbidden, errkind.Consent, errkind.Invalid, errkind.CredentialUnusable:
			// The configured seal cannot sign: the operator's to fix,
			// not the caller's, who asked for a report.
			return nil, errkind.Wrap(errkind.NotConfigured, err, "the seal of the printed report (report.seal_credential) cannot sign: "+errkind.Message(err))
		}
		return nil, fmt.Errorf("app: sign the printed report: %w", err)
	}
	return out.Bytes(), nil
}

// documentDigest is the SHA-256 of the document as received.
func documentDigest(r io.ReaderAt, size int64) ([]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return nil, fmt.Errorf("app: read the verified document: %w", err)
	}
	return h.Sum(nil), nil
}
