package pades

import (
	"github.com/kyso-vn/kyso/errkind"
)

// Error kinds. Errors returned by this package wrap at most one of them, or
// the error of the signer, time-stamper or revocation source they came
// from; test with errors.Is. They are errkind errors (ErrInvalid: Invalid;
// ErrConflict, ErrUnsupported: InvalidDocument; ErrRevoked:
// CredentialUnusable; ErrIntegrity: Internal).
var (
	// ErrInvalid means the request cannot be carried out as asked: bad
	// options, a credential whose key is not the certificate's, a field
	// that does not exist or is already signed, a page out of range, or an
	// input that is not a PDF digitorus/pdf can read. An HTTP API maps it
	// to 400.
	ErrInvalid = errkind.New(errkind.Invalid, "pades: invalid request")
	// ErrConflict means the document does not allow the signature: it is
	// certified with no changes allowed (DocMDP P=1), or a certification
	// signature was asked for on a document that is already signed.
	ErrConflict = errkind.New(errkind.InvalidDocument, "pades: document does not allow this signature")
	// ErrUnsupported means the input uses something this package does not
	// handle, such as encryption, or the key type is not RSA or ECDSA.
	ErrUnsupported = errkind.New(errkind.InvalidDocument, "pades: unsupported document or key")
	// ErrRevoked means the revocation source reports a certificate of the
	// signature or time-stamp as revoked, so a B-LT or B-LTA signature
	// cannot be completed.
	ErrRevoked = errkind.New(errkind.CredentialUnusable, "pades: certificate revoked")
	// ErrIntegrity means something produced for the signature does not
	// check out: the CMS does not verify over the document's byte range, a
	// time-stamp token is not over what was asked, or an OCSP response is
	// not for the certificate. It is never the caller's fault and nothing
	// is written.
	ErrIntegrity = errkind.New(errkind.Internal, "pades: integrity check failed")
)
