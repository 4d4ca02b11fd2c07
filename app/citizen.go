package app

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
)

// TOTPEnroller creates a credential's one-time-code seed and returns it,
// once, for the holder's authenticator app (cmd/kyso wires it to
// auth.TOTP).
type TOTPEnroller interface {
	Enroll(ctx context.Context, credID, account string) (*TOTPEnrolment, error)
}

// TOTPEnrolment is a new one-time-code seed as the holder's authenticator
// app takes it: the otpauth:// URI and the same as a QR code (PNG). It is
// handed out once, never again.
type TOTPEnrolment struct {
	URI   string
	QRPNG []byte
}

// ClientBinder binds a citizen credential to a client system
// (store.Consent).
type ClientBinder interface {
	BindClient(ctx context.Context, credID, clientID string) error
}

// LockClearer forgets every client's wrong attempts on a credential
// (auth.Factors).
type LockClearer interface {
	ClearLocks(ctx context.Context, credID string) error
}

// CitizenDeps are the services of a citizen's enrolment: the second
// factor, the client bindings, the attempt locks. With none of them (a
// nil *CitizenDeps) citizens get no second factor and cannot sign.
type CitizenDeps struct {
	TOTP     TOTPEnroller
	Bindings ClientBinder
	Locks    LockClearer
	// Clients checks that a client named at enrolment exists.
	Clients ClientDirectory
}

// Identity-proofing methods an enrolment event may record.
var proofingMethods = []string{"cccd_chip", "in_person", "vneid"}

// Evidence is the identity proofing behind an enrolment event (a client
// bound, an unlock, a new PIN): an officer checked the holder's identity,
// how, and where that check is on record. It is kept in the audit record.
type Evidence struct {
	// Method is how the identity was checked: "cccd_chip" (the chip of
	// the citizen identity card read and verified), "in_person" (the card
	// shown to the officer), "vneid" (VNeID level 2).
	Method string `json:"method"`
	// Reference locates the check's record (a case number, the chip
	// reading's ID).
	Reference string `json:"reference"`
	// Officer is who checked.
	Officer string `json:"officer"`
}

// check returns an Invalid error unless every field is given, the method
// is known and the text is plain.
func (e *Evidence) check() error {
	if e == nil {
		return errkind.InvalidField("evidence", "an enrolment event needs identity proofing: "+
			`{"method": "cccd_chip"|"in_person"|"vneid", "reference": "...", "officer": "..."}; an admin token alone is not enough`)
	}
	known := false
	for _, m := range proofingMethods {
		known = known || e.Method == m
	}
	if !known {
		return errkind.InvalidField("evidence.method", "must be one of "+strings.Join(proofingMethods, ", "))
	}
	for field, v := range map[string]string{"evidence.reference": e.Reference, "evidence.officer": e.Officer} {
		v = strings.TrimSpace(v)
		if v == "" || !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxDocText || strings.ContainsFunc(v, isControl) {
			return errkind.InvalidField(field, fmt.Sprintf("is required: plain text of at most %d characters", maxDocText))
		}
	}
	return nil
}

func (e *Evidence) details() map[string]any {
	return map[string]any{"method": e.Method, "reference": strings.TrimSpace(e.Reference), "officer": strings.TrimSpace(e.Officer)}
}

// bindClient checks that the client exists and binds the credential to it.
func (d *CitizenDeps) bindClient(ctx context.Context, credID, clientID string) error {
	if d == nil || d.Bindings == nil {
		return errkind.New(errkind.NotConfigured, "this kyso binds no clients to citizens")
	}
	if d.Clients != nil {
		if _, err := d.Clients.GetClient(ctx, clientID); err != nil {
			if errkind.KindOf(err) == errkind.NotFound {
				return errkind.InvalidField("client_id", "no such client system")
			}
			return err
		}
	}
	return d.Bindings.BindClient(ctx, credID, clientID)
}

// BindClient binds a citizen credential to one more client system: an
// enrolment event, recorded with its identity proofing.
func (a *Admin) BindClient(ctx context.Context, actor, credID, clientID string, ev *Evidence) error {
	if clientID == "" {
		return errkind.InvalidField("client_id", "is required")
	}
	if err := ev.check(); err != nil {
		return err
	}
	if err := a.citizenCredential(ctx, credID); err != nil {
		return err
	}
	if err := a.d.Citizens.bindClient(ctx, credID, clientID); err != nil {
		return err
	}
	a.rec.record(ctx, actor, audit.ActionClientBind, credID, map[string]any{"client": clientID, "evidence": ev.details()})
	return nil
}

// citizenCredential returns an error unless credID is a citizen's.
func (a *Admin) citizenCredential(ctx context.Context, credID string) error {
	if a.d.Credentials == nil {
		return nil
	}
	cred, err := a.d.Credentials.SigningCredential(ctx, credID)
	if err != nil {
		return err
	}
	if cred.Profile != ca.ProfileCitizen {
		return errkind.New(errkind.Invalid, "only a citizen's credential is bound to client systems; "+
			"an official's or seal's follows its agency")
	}
	return nil
}

// EnrolTOTP gives a citizen credential a new one-time-code seed (a lost or
// replaced phone, or an issuance whose seed was never shown): an enrolment
// event, which needs the identity proofing ev. The old seed stops working
// at once; the new one is returned this once.
func (a *Admin) EnrolTOTP(ctx context.Context, actor, credID string, ev *Evidence) (*TOTPEnrolment, error) {
	if err := ev.check(); err != nil {
		return nil, err
	}
	if a.d.Citizens == nil || a.d.Citizens.TOTP == nil {
		return nil, errkind.New(errkind.NotConfigured, "this kyso enrols no one-time-code factors")
	}
	cred, err := a.d.Credentials.SigningCredential(ctx, credID)
	if err != nil {
		return nil, err
	}
	if cred.Profile != ca.ProfileCitizen {
		return nil, errkind.New(errkind.Invalid, "only a citizen's credential has a one-time-code factor")
	}
	account := cred.HolderName
	if account == "" {
		account = credID
	}
	enr, err := a.d.Citizens.TOTP.Enroll(ctx, credID, account)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionTOTPEnrol, credID, map[string]any{"evidence": ev.details()})
	return enr, nil
}
