package tsa

import (
	"github.com/kyso-vn/kyso/errkind"
)

// Error kinds, for callers to test with errors.Is. They are errkind errors
// of kind errkind.Internal: a time-stamp is kyso's own work, and none of
// them is a client's to fix. A malformed or refused
// TimeStampReq is not an error: Respond answers it with a rejection.
var (
	// ErrInvalid reports an invalid Config or an invalid Timestamp argument
	// (an unsupported hash or a digest of the wrong length). The error text
	// is safe to show to the caller.
	ErrInvalid = errkind.New(errkind.Internal, "tsa: invalid argument")
	// ErrCertificate reports a TSA certificate that is not fit for
	// time-stamping (RFC 3161, 2.3), a chain that does not certify it, or a
	// certificate that is not valid at the time of a stamp.
	ErrCertificate = errkind.New(errkind.Internal, "tsa: certificate not fit for time-stamping")
	// ErrKeyMismatch reports a signer whose public key is not the TSA
	// certificate's.
	ErrKeyMismatch = errkind.New(errkind.Internal, "tsa: signer key does not match certificate")
	// ErrIntegrity reports a token that failed verification after signing;
	// nothing was returned.
	ErrIntegrity = errkind.New(errkind.Internal, "tsa: token failed verification")
)
