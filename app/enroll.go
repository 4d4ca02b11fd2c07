package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// Issuance is what Enroll needs of the CA (ca.Authority).
type Issuance interface {
	Issue(ctx context.Context, req ca.Request) (*ca.Issued, error)
	Get(ctx context.Context, id string) (*ca.Issued, error)
	List(ctx context.Context, f ca.ListFilter) ([]*model.Certificate, error)
}

// PINSetter sets the PIN of a citizen credential (auth.PINs).
type PINSetter interface {
	SetPIN(ctx context.Context, credID, pin string) error
}

// Attempt ties an issuance to the Idempotency-Key of its request, so that
// a retry after a crash finishes what the first attempt started instead
// of issuing twice. api's idempotency claim implements it.
type Attempt interface {
	// Resource is the credential ID an earlier attempt recorded, or "".
	Resource() string
	// SetResource records the ID of the credential this attempt creates,
	// before it is created.
	SetResource(ctx context.Context, id string) error
	// Made marks that the attempt created its credential: a failure after
	// it leaves the key to the retry, which finishes the work rather than
	// issuing again.
	Made()
}

// Enroll issues certificates to holders: the CA's issuance, the citizen's
// PIN (the consent that unlocks the credential) and the recovery of an
// issuance a crash cut short.
type Enroll struct {
	ca       Issuance
	pins     PINSetter    // nil: no PINs (a request with one is refused before Issue)
	citizens *CitizenDeps // nil: no second factor, no client bindings
	rec      recorder
}

// NewEnroll returns the enrolment floor; pins, citizens and au may be nil.
func NewEnroll(c Issuance, pins PINSetter, citizens *CitizenDeps, au Auditor, log *slog.Logger) *Enroll {
	return &Enroll{ca: c, pins: pins, citizens: citizens, rec: recorder{au, log}}
}

// CheckPIN checks the PIN of a request to issue a credential of profile,
// before anything is issued: only a citizen's credential has one, this
// kyso must keep PINs, and it must meet auth's rules (an Invalid error on
// field "pin" says which it breaks). An empty PIN passes.
func (e *Enroll) CheckPIN(profile, pin string) error {
	if pin == "" {
		return nil
	}
	if profile != ca.ProfileCitizen {
		return errkind.InvalidField("pin", "only citizen credentials have a PIN")
	}
	if e.pins == nil {
		return errkind.New(errkind.NotConfigured, "this kyso is not configured for this operation")
	}
	if err := auth.ValidatePIN(pin); err != nil {
		return errkind.InvalidField("pin", errkind.Message(err))
	}
	return nil
}

// Holder is what a citizen's enrolment sets besides the certificate: the
// PIN (knowledge factor) and the client system the citizen enrols through
// (the first client bound to the credential).
type Holder struct {
	PIN      string
	ClientID string
}

// Enrolled is the result of Enroll.Issue.
type Enrolled struct {
	*Issued
	// Recovered marks an issuance finished by a retry after the first
	// attempt was cut short.
	Recovered bool
	// TOTP is a new citizen credential's one-time-code seed, for the
	// holder's authenticator app: handed out here once, never again.
	TOTP *TOTPEnrolment
}

// Issue issues a certificate for req on behalf of actor and, when pin is
// set, makes it the new citizen credential's PIN; the request's shape
// (profile given, the PIN's rules, a PIN only for citizens) is checked by
// the caller. The PIN never reaches the CA: it is hashed into the
// credential's consent record.
//
// With an Attempt (a request sent with an Idempotency-Key), the new
// credential's ID is chosen and recorded first: a retry after a crash
// finds the credential if the first attempt got as far as issuing it, and
// answers with it; if not, it finishes that credential (ca.Issue resumes
// it, with the key Vault made for it, even one Vault finished after the
// first attempt gave up waiting).
func (e *Enroll) Issue(ctx context.Context, actor string, ir IssueRequest, holder Holder, at Attempt) (*Enrolled, error) {
	req := ir.ca()
	if holder.ClientID != "" {
		if req.Profile != ca.ProfileCitizen {
			return nil, errkind.InvalidField("client_id", "only a citizen's credential is bound to client systems")
		}
		if e.citizens == nil || e.citizens.Bindings == nil {
			return nil, errkind.New(errkind.NotConfigured, "this kyso binds no clients to citizens")
		}
		if e.citizens.Clients != nil {
			if _, err := e.citizens.Clients.GetClient(ctx, holder.ClientID); err != nil {
				if errkind.KindOf(err) == errkind.NotFound {
					return nil, errkind.InvalidField("client_id", "no such client system")
				}
				return nil, err
			}
		}
	}
	if at != nil {
		if id := at.Resource(); id != "" {
			out, err := e.issuedEarlier(ctx, id)
			if err != nil {
				return nil, err
			}
			if out != nil {
				at.Made()
				return e.afterIssue(ctx, actor, out, holder, true)
			}
			req.CredentialID = id
		} else if err := newCredentialID(ctx, at, &req); err != nil {
			return nil, err
		}
	}
	out, err := e.ca.Issue(ctx, req)
	if at != nil && errors.Is(err, ca.ErrCredentialRetired) {
		// The credential the earlier attempt started was retired
		// meanwhile (kyso doctor): start again with a new one.
		if err = newCredentialID(ctx, at, &req); err == nil {
			out, err = e.ca.Issue(ctx, req)
		}
	}
	if err != nil {
		if at != nil && ca.MayPass(err) {
			// Vault or the database was unavailable or too slow (a key
			// creation cut short, which Vault may still complete): the
			// credential stays for the retry with this Idempotency-Key,
			// which may take the key over at once (503, Retry-After) and
			// finishes it.
			at.Made()
		}
		return nil, err
	}
	if at != nil {
		at.Made() // a PIN that fails to be set must not make the retry issue again
	}
	return e.afterIssue(ctx, actor, out, holder, false)
}

// newCredentialID chooses the ID of the credential an idempotent issuance
// creates and records it with its Idempotency-Key first.
func newCredentialID(ctx context.Context, at Attempt, req *ca.Request) error {
	id, err := ca.NewCredentialID()
	if err == nil {
		err = at.SetResource(ctx, id)
	}
	if err != nil {
		return err
	}
	req.CredentialID = id
	return nil
}

// issuedEarlier returns the active certificate of a credential an earlier
// attempt of the same idempotent request was creating, or nil if that
// attempt did not get as far (the retry then finishes the credential).
func (e *Enroll) issuedEarlier(ctx context.Context, credID string) (*ca.Issued, error) {
	certs, err := e.ca.List(ctx, ca.ListFilter{CredentialID: credID, Status: string(model.CertActive), Limit: 1})
	if err != nil || len(certs) == 0 {
		return nil, err
	}
	return e.ca.Get(ctx, certs[0].ID)
}

// afterIssue sets the PIN of a new citizen credential, its second factor
// and its first client, and records the issuance.
func (e *Enroll) afterIssue(ctx context.Context, actor string, out *ca.Issued, holder Holder, recovered bool) (*Enrolled, error) {
	credID := out.Record.CredentialID
	if holder.PIN != "" {
		if err := e.pins.SetPIN(ctx, credID, holder.PIN); err != nil {
			// The certificate exists; without a PIN the credential cannot
			// sign until one is set with POST /v1/credentials/{id}/pin.
			return nil, fmt.Errorf("set PIN of credential %s: %w", credID, err)
		}
	}
	is, _ := issued(out, nil)
	res := &Enrolled{Issued: is, Recovered: recovered}
	details := map[string]any{"credential": credID, "profile": out.Record.Profile, "serial": out.Record.Serial}
	if out.Record.Profile == ca.ProfileCitizen && e.citizens != nil && e.citizens.TOTP != nil {
		// A retry after a crash enrols a new seed: the first one was
		// never shown.
		var err error
		if res.TOTP, err = e.citizens.TOTP.Enroll(ctx, credID, totpAccount(out)); err != nil {
			return nil, fmt.Errorf("enrol the one-time-code factor of credential %s: %w", credID, err)
		}
		details["factors"] = []string{"pin", "totp"}
	}
	if holder.ClientID != "" {
		if err := e.citizens.bindClient(ctx, credID, holder.ClientID); err != nil {
			return nil, fmt.Errorf("bind credential %s to client %s: %w", credID, holder.ClientID, err)
		}
		details["client"] = holder.ClientID
	}
	if recovered {
		details["recovered"] = true
	}
	e.rec.record(ctx, actor, audit.ActionCertIssue, out.Record.ID, details)
	return res, nil
}

// totpAccount labels the seed in the holder's app: the holder's name.
func totpAccount(out *ca.Issued) string {
	if out.Leaf != nil && out.Leaf.Subject.CommonName != "" {
		return out.Leaf.Subject.CommonName
	}
	return out.Record.CredentialID
}
