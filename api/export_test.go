package api

import "github.com/kyso-vn/kyso/ca"

// IssueFingerprint is the fingerprint an Idempotency-Key record of POST
// /v1/certificates holds, for tests that play a crashed holder's record.
func IssueFingerprint(req ca.Request) ([]byte, error) {
	return newFingerprint("certificates.issue", req)
}
