package auth

import (
	"testing"

	"github.com/kyso-vn/kyso/errkind"
)

// TestPINErrorKinds: what a client is told about a PIN is decided here, by
// kind and message, not by the API's reading of the error text.
func TestPINErrorKinds(t *testing.T) {
	if err := ValidatePIN("1"); errkind.KindOf(err) != errkind.Invalid {
		t.Errorf("ValidatePIN(\"1\") = %v, want kind Invalid", err)
	}
	if k, msg := errkind.KindOf(ErrNoPIN), errkind.Message(ErrNoPIN); k != errkind.Consent ||
		msg != "the credential has no PIN yet; an administrator sets it (POST /v1/credentials/{id}/pin)" {
		t.Errorf("ErrNoPIN = kind %v, message %q; want Consent with the no-PIN message", k, msg)
	}
}
