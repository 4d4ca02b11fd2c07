package app_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/store"
)

var proofed = &app.Evidence{Method: "cccd_chip", Reference: "HS-2026-000123", Officer: "Nguyễn Thị Lan"}

// lockOut sends wrong factors from caller until it is locked out.
func (s *scal2) lockOut(t *testing.T, clientID string) {
	t.Helper()
	for range auth.MaxFactorFailures {
		_ = s.factors.Check(t.Context(), "cred_citizen", clientID, "999999", "000000")
	}
	if err := s.factors.Check(t.Context(), "cred_citizen", clientID, citizenPIN, "000000"); errkind.KindOf(err) != errkind.Locked {
		t.Fatalf("after %d wrong attempts: %v, want locked", auth.MaxFactorFailures, err)
	}
}

// TestEnrolmentEvents: a new PIN, an unlock and one more client are
// enrolment events: an admin alone, without identity proofing, does none
// of them (red team, issue #14); with it each is done, recorded with its
// evidence, and a new PIN or an unlock lifts every client's lock.
func TestEnrolmentEvents(t *testing.T) {
	s := newSCAL2(t)
	ctx := t.Context()
	consent := store.ConsentOf(s.st)
	admin := app.NewAdmin(app.AdminDeps{PINs: s.pins, Citizens: &app.CitizenDeps{TOTP: totpEnroller{s.totp}, Bindings: consent, Locks: s.factors, Clients: s.st},
		Credentials: s.creds, Audit: auditLog{audit.New(s.st)}})

	for _, ev := range []*app.Evidence{
		nil,
		{},
		{Method: "phone_call", Reference: "x", Officer: "y"},
		{Method: "cccd_chip", Reference: " ", Officer: "Lan"},
		{Method: "cccd_chip", Reference: "HS-1", Officer: "Lan\u202e"},
	} {
		wantKind(t, "SetPIN(no proper evidence)", admin.SetPIN(ctx, "adm_1", "cred_citizen", "975318", ev), errkind.Invalid)
		wantKind(t, "Unlock(no proper evidence)", admin.Unlock(ctx, "adm_1", "cred_citizen", ev), errkind.Invalid)
		wantKind(t, "BindClient(no proper evidence)", admin.BindClient(ctx, "adm_1", "cred_citizen", "cli_c", ev), errkind.Invalid)
	}
	// Nothing changed: the old PIN still works, C is still not bound.
	s.authorize(t, s.a, digest("a"))
	_, _, err := s.remote.Authorize(ctx, s.c, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{digest("a")}, PIN: citizenPIN, OTP: s.otp(t)})
	wantKind(t, "Authorize(C before binding)", err, errkind.Forbidden)

	// Binding.
	wantKind(t, "BindClient(unknown client)", admin.BindClient(ctx, "adm_1", "cred_citizen", "cli_nobody", proofed), errkind.Invalid)
	wantKind(t, "BindClient(an official's credential)", admin.BindClient(ctx, "adm_1", "cred_official", "cli_c", proofed), errkind.Invalid)
	if err := admin.BindClient(ctx, "adm_1", "cred_citizen", "cli_c", proofed); err != nil {
		t.Fatalf("BindClient = %v", err)
	}
	s.authorize(t, s.c, digest("b"))

	// Unlock lifts every client's lock.
	s.lockOut(t, "cli_a")
	s.lockOut(t, "cli_b")
	if err := admin.Unlock(ctx, "adm_1", "cred_citizen", proofed); err != nil {
		t.Fatalf("Unlock = %v", err)
	}
	s.authorize(t, s.a, digest("c"))
	s.authorize(t, s.b, digest("d"))

	// A new PIN lifts them too, and the old PIN stops working.
	s.lockOut(t, "cli_a")
	if err := admin.SetPIN(ctx, "adm_1", "cred_citizen", "975318", proofed); err != nil {
		t.Fatalf("SetPIN = %v", err)
	}
	_, _, err = s.remote.Authorize(ctx, s.a, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{digest("e")}, PIN: citizenPIN, OTP: s.otp(t)})
	wantKind(t, "Authorize(old PIN)", err, errkind.Consent)
	if _, _, err := s.remote.Authorize(ctx, s.a, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{digest("e")}, PIN: "975318", OTP: s.otp(t)}); err != nil {
		t.Fatalf("Authorize(new PIN) = %v", err)
	}

	// A new phone: a new seed, only with identity proofing; the old
	// seed's codes stop working.
	if _, err := admin.EnrolTOTP(ctx, "adm_1", "cred_citizen", nil); errkind.KindOf(err) != errkind.Invalid {
		t.Fatalf("EnrolTOTP(no evidence) = %v, want invalid", err)
	}
	if _, err := admin.EnrolTOTP(ctx, "adm_1", "cred_official", proofed); errkind.KindOf(err) != errkind.Invalid {
		t.Fatalf("EnrolTOTP(an official) = %v, want invalid", err)
	}
	enr, err := admin.EnrolTOTP(ctx, "adm_1", "cred_citizen", proofed)
	if err != nil || !strings.HasPrefix(enr.URI, "otpauth://totp/kyso:") || len(enr.QRPNG) == 0 {
		t.Fatalf("EnrolTOTP = %+v, %v", enr, err)
	}
	_, _, err = s.remote.Authorize(ctx, s.a, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{digest("f")}, PIN: "975318", OTP: s.otp(t)})
	wantKind(t, "Authorize(old phone)", err, errkind.Consent)
	s.seed = seedOf(t, enr.URI)
	if _, _, err := s.remote.Authorize(ctx, s.a, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{digest("f")}, PIN: "975318", OTP: s.otp(t)}); err != nil {
		t.Fatalf("Authorize(new phone) = %v", err)
	}

	// Each event is recorded with its evidence.
	recs, err := s.st.ListAudit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		switch r.Action {
		case audit.ActionPINSet, audit.ActionCredentialUnlock, audit.ActionClientBind, audit.ActionTOTPEnrol:
			if r.Actor != "adm_1" || !contains(r.Details, `"method":"cccd_chip"`, `"officer":"Nguyễn Thị Lan"`, `"reference":"HS-2026-000123"`) {
				t.Errorf("%s record = %s by %s, want the evidence and the admin", r.Action, r.Details, r.Actor)
			}
			seen[r.Action] = true
		}
	}
	if len(seen) != 4 {
		t.Errorf("enrolment records seen: %v, want pin.set, credential.unlock, credential.bind_client and totp.enrol", seen)
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func seedOf(t *testing.T, uri string) string {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil || u.Query().Get("secret") == "" {
		t.Fatalf("TOTP URI %q has no secret", uri)
	}
	return u.Query().Get("secret")
}
