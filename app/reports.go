package app

import (
	"crypto/sha256"
	"fmt"
	"io"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/verifier"
	"github.com/kyso-vn/kyso/verifier/etsireport"
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
	Report *verifier.Report
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
	if rec.Report == nil || len(rec.Report.Signatures) == 0 {
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
	return etsireport.Marshal(rec.Report, etsireport.Options{
		ValidationTime: at,
		Document:       etsireport.Document{Name: rec.Name, MimeType: rec.MediaType, SHA256: sum},
	})
}

// documentDigest is the SHA-256 of the document as received.
func documentDigest(r io.ReaderAt, size int64) ([]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return nil, fmt.Errorf("app: read the verified document: %w", err)
	}
	return h.Sum(nil), nil
}
