package auth

import (
	"fmt"
	"testing"

	"github.com/kyso-vn/kyso/errkind"
)

// TestCheckPINKinds: what a client is told about each consent failure is
// decided here, by kind and message, not by the API's reading of the
// error text. The message never holds the PIN.
func TestCheckPINKinds(t *testing.T) {
	p, _ := pinFixture(t)
	ctx := t.Context()
	for i := 1; i <= MaxPINFailures; i++ {
		err := p.CheckPIN(ctx, "cr1", wrongPIN)
		wantKind, wantMsg := errkind.Consent, fmt.Sprintf("wrong PIN (sai mã PIN); %d attempts left", MaxPINFailures-i)
		if i == MaxPINFailures {
			wantKind, wantMsg = errkind.Locked, "wrong PIN (sai mã PIN); the credential is now locked"
		}
		if k, msg := errkind.KindOf(err), errkind.Message(err); k != wantKind || msg != wantMsg {
			t.Errorf("CheckPIN(wrong) #%d = kind %v, message %q; want %v, %q", i, k, msg, wantKind, wantMsg)
		}
	}
	if err := p.CheckPIN(ctx, "cr1", testPIN); errkind.KindOf(err) != errkind.Locked {
		t.Errorf("CheckPIN on a locked credential = %v (kind %v), want kind Locked", err, errkind.KindOf(err))
	}
	if err := p.CheckPIN(ctx, "cr2", testPIN); errkind.KindOf(err) != errkind.Consent ||
		errkind.Message(err) != "the credential has no PIN yet; an administrator sets it (POST /v1/credentials/{id}/pin)" {
		t.Errorf("CheckPIN(no PIN set) = %v (kind %v, message %q), want Consent with the no-PIN message", err, errkind.KindOf(err), errkind.Message(err))
	}
	if err := ValidatePIN("1"); errkind.KindOf(err) != errkind.Invalid {
		t.Errorf("ValidatePIN(\"1\") = %v, want kind Invalid", err)
	}
}
