package cscclient

import (
	"context"
	"crypto/sha256"
	"testing"
)

// TestCSCLockoutPerClient: wrong codes sent through the CSC API count
// against the client that sent them only. Client A locks itself out of a
// citizen's credential (credential_locked, even with the right code
// then); client B, bound to the same citizen by an enrolment event with
// identity-proofing evidence, still authorises and signs.
func TestCSCLockoutPerClient(t *testing.T) {
	e := newEnv(t, 1)
	ctx := context.Background()
	c := e.citizens[0]
	e.k.admin(t, "POST", "/v1/credentials/"+c.CredentialID+"/clients", map[string]any{"client_id": e.b.ID,
		"evidence": map[string]string{"method": "cccd_chip", "reference": "BD-2026-0042", "officer": "Lê Thị Hoa"}}, 200, nil)
	a := e.login(t, "v2", e.a)
	b := e.login(t, "v2", e.b)
	h := sha256.Sum256([]byte("hồ sơ"))
	hashes := [][]byte{h[:]}

	locked := false
	for i := 0; i < 10 && !locked; i++ {
		_, _, err := a.Authorize(ctx, c.CredentialID, hashes, OIDSHA256, citizenPIN, c.codes.wrong(t))
		if err == nil {
			t.Fatal("a wrong code authorised")
		}
		switch name := cscErr(t, "wrong code", err); name {
		case "invalid_grant":
		case "credential_locked":
			locked = true
		default:
			t.Fatalf("wrong code %d: %s, want invalid_grant or credential_locked", i+1, name)
		}
	}
	_, _, err := a.Authorize(ctx, c.CredentialID, hashes, OIDSHA256, citizenPIN, c.codes.next(t))
	if err == nil {
		t.Fatal("client A authorised after its wrong codes")
	}
	if name := cscErr(t, "locked client", err); name != "credential_locked" {
		t.Errorf("client A after its wrong codes: %s, want credential_locked", name)
	}

	sad, _, err := b.Authorize(ctx, c.CredentialID, hashes, OIDSHA256, citizenPIN, c.codes.next(t))
	if err != nil {
		t.Fatalf("client B, bound to the citizen, is locked out by client A's wrong codes: %v", err)
	}
	if _, err := b.SignHash(ctx, c.CredentialID, sad, hashes, OIDSHA256, OIDRSA, ""); err != nil {
		t.Errorf("client B's signHash: %v", err)
	}
}
