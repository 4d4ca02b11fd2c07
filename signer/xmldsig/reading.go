package xmldsig

import "github.com/kyso-vn/kyso/internal/xmlsig"

// What Sign's callers see of the reading of XML signatures, which lives in
// internal/xmlsig (shared with the verifier, which imports no signing
// format): the Limits of Options, the Document of CheckSignature, and the
// errors of parsing that Sign returns.

// Limits bound the work of parsing one document (xmlsig.Limits). A zero
// field takes its default.
type Limits = xmlsig.Limits

// Document is a parsed XML document (xmlsig.Document).
type Document = xmlsig.Document

// DefaultMaxBytes is the size of document Limits allow by default.
const DefaultMaxBytes = xmlsig.DefaultMaxBytes

// Errors of reading that Sign returns (wrapped).
var (
	// ErrMalformed means the input is not a well-formed XML document as
	// Parse reads it (xmlsig.ErrMalformed).
	ErrMalformed = xmlsig.ErrMalformed
	// ErrLimit means the input exceeds one of the Limits.
	ErrLimit = xmlsig.ErrLimit
	// ErrUnsupported means a document uses an algorithm, transform or
	// reference that is not processed.
	ErrUnsupported = xmlsig.ErrUnsupported
)

// Parse reads an XML document under lim, as Sign does before signing it
// and as the verifier does (xmlsig.Parse): a signed document is parsed
// with it for CheckSignature.
func Parse(data []byte, lim Limits) (*Document, error) { return xmlsig.Parse(data, lim) }
