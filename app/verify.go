package app

import (
	"context"
	"io"

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

// VerifyPDF validates the signatures and document time-stamps of a PDF.
func (v Verify) VerifyPDF(ctx context.Context, r io.ReaderAt, size int64) (*verifier.Report, error) {
	o, err := v.Trust.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return verifier.VerifyPDF(ctx, r, size, o)
}

// VerifyCMS validates a detached CMS signature over content.
func (v Verify) VerifyCMS(ctx context.Context, content io.Reader, sig []byte) (*verifier.Report, error) {
	o, err := v.Trust.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return verifier.VerifyCMS(ctx, content, sig, o)
}

// VerifyXML validates the enveloped XML signatures of doc.
func (v Verify) VerifyXML(ctx context.Context, doc []byte) (*verifier.Report, error) {
	o, err := v.Trust.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return verifier.VerifyXML(ctx, doc, o)
}

// VerifyXMLDetached validates a detached XML signature over content, the
// document its reference names by uri.
func (v Verify) VerifyXMLDetached(ctx context.Context, doc []byte, uri string, content []byte) (*verifier.Report, error) {
	o, err := v.Trust.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return verifier.VerifyXMLDetached(ctx, doc, uri, content, o)
}
