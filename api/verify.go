package api

import (
	"context"
	"io"

	"github.com/kyso-vn/kyso/app"
)

// Verifier validates signed documents for anyone. Its reports are
// answered as they are: an invalid signature is a 200 with a report that
// says so, not an error.
type Verifier interface {
	VerifyPDF(ctx context.Context, r io.ReaderAt, size int64) (*app.Report, error)
	// VerifyCMS takes the signature as sent: DER, PEM or base64 DER.
	VerifyCMS(ctx context.Context, content io.Reader, sig []byte) (*app.Report, error)
}

// Error codes of the verification API.
const (
	CodeUnreadable  = "unreadable_document"
	CodeRateLimited = "rate_limited"
	CodeBusy        = "busy"
)
