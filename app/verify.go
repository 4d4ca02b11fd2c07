package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/verifier"
)

// TrustSnapshot is what Verify needs of the trust store
// (truststore.Store): what the verifier trusts now.
type TrustSnapshot interface {
	Snapshot(ctx context.Context) (verifier.Options, error)
}

// Verify validates signed documents for anyone: each call takes the trust
// store's current snapshot and hands it to the verifier. It is the
// verification API's, the web page's and kyso verify's one way in.
type Verify struct {
	Trust TrustSnapshot
	// Seal signs the printed reports (PrintReport); nil: none is signed.
	Seal *ReportSeal
}

// Report is the outcome of one verification as Verify hands it out: the
// verifier's report, which renders as its JSON (the API's answer and the
// page's) and from which the ETSI and printed reports are made (Record).
type Report struct {
	rep *verifier.Report
}

// MarshalJSON renders the report as the verification API answers it:
// the verifier's report as encoding/json writes it, with "<", ">" and "&"
// left as they are (an encoder that escapes them still does).
func (r *Report) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.Detail()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Detail is the verifier's report itself (kyso verify prints it); nil for
// a nil Report.
func (r *Report) Detail() *verifier.Report {
	if r == nil {
		return nil
	}
	return r.rep
}

// report wraps the verifier's answer; what names the input in an error
// ("PDF", "CMS signature", "XML document").
func report(rep *verifier.Report, err error, what string) (*Report, error) {
	if err != nil {
		return nil, verifyError(err, what)
	}
	return &Report{rep: rep}, nil
}

// verifyError gives a verifier error its kind for the caller: an input
// the verifier cannot read at all is the caller's problem, with the
// reason; a verification cut short by its deadline is Busy. The cause is
// kept (its text stays the log's and kyso verify's).
func verifyError(err error, what string) error {
	if errors.Is(err, verifier.ErrUnreadable) {
		msg := ""
		if err != verifier.ErrUnreadable {
			msg = ": " + errkind.Message(err) // the reason, without the sentinel's text
		}
		return errkind.Wrap(errkind.Unreadable, err, "the "+what+" cannot be read as a signed document (không đọc được tệp)"+msg)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errkind.Wrap(errkind.Busy, err, "the verification took longer than the server allows; try again later (quá thời gian xử lý)")
	}
	return err
}

// VerifyPDF validates the signatures and document time-stamps of a PDF.
func (v Verify) VerifyPDF(ctx context.Context, r io.ReaderAt, size int64) (*Report, error) {
	o, err := v.Trust.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := verifier.VerifyPDF(ctx, r, size, o)
	return report(rep, err, "PDF")
}

// VerifyCMS validates a detached CMS signature over content; sig is the
// signature as DER, PEM or base64 DER.
func (v Verify) VerifyCMS(ctx context.Context, content io.Reader, sig []byte) (*Report, error) {
	o, err := v.Trust.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := verifier.VerifyCMS(ctx, content, verifier.SignatureDER(sig), o)
	return report(rep, err, "CMS signature")
}

// VerifyXML validates the enveloped XML signatures of doc.
func (v Verify) VerifyXML(ctx context.Context, doc []byte) (*Report, error) {
	o, err := v.Trust.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := verifier.VerifyXML(ctx, doc, o)
	return report(rep, err, "XML document")
}

// VerifyXMLDetached validates a detached XML signature over content, the
// document its reference names by uri.
func (v Verify) VerifyXMLDetached(ctx context.Context, doc []byte, uri string, content []byte) (*Report, error) {
	o, err := v.Trust.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := verifier.VerifyXMLDetached(ctx, doc, uri, content, o)
	return report(rep, err, "XML document")
}
