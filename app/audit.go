package app

import (
	"context"
	"log/slog"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/signer"
)

// Auditor appends to the audit log (cmd/kyso wires it to audit.Log).
type Auditor interface {
	Record(ctx context.Context, e AuditEvent) error
}

// AuditEvent is one record of the audit log, as app writes it: the
// fields of audit.Event, which app and cmd/kyso convert it to and from
// (a conversion that compiles only while the two are alike).
type AuditEvent struct {
	Actor  string // who: an admin token ID, a client ID, "system"
	Action string // what: one of audit's Action* constants
	Target string // on what: a certificate, credential or client ID; may be empty
	// Details is a small JSON object of non-secret facts; nil is {}.
	Details map[string]any
}

// recorder writes the audit records of the decisions app makes. The
// action already happened; a failure to record it is logged loudly (and
// /readyz-visible problems with the database will show up there), and the
// action stands: the caller must learn that it was done.
type recorder struct {
	audit Auditor // nil: no audit log
	log   *slog.Logger
}

func (r recorder) record(ctx context.Context, actor, action, target string, details map[string]any) {
	if r.audit == nil {
		return
	}
	if actor == "" {
		actor = "anonymous"
	}
	if err := r.audit.Record(ctx, AuditEvent{Actor: actor, Action: action, Target: target, Details: details}); err != nil && r.log != nil {
		r.log.ErrorContext(ctx, "audit record failed", "action", action, "target", target, "err", err)
	}
}

// signingAudit is the formats' signer.Recorder: it writes each signature
// they make to the audit log. Unlike recorder's, its failure is the
// signature's: the formats hand out no signature the log does not hold.
type signingAudit struct{ audit Auditor }

// signingActions are the audit actions of the formats' signatures.
var signingActions = map[signer.Format]string{
	signer.FormatPDF:  audit.ActionSignPDF,
	signer.FormatCMS:  audit.ActionSignCMS,
	signer.FormatHash: audit.ActionSignHash,
	signer.FormatXML:  audit.ActionSignXML,
}

func (r signingAudit) RecordSigning(ctx context.Context, e signer.SigningEvent) error {
	ev, err := audit.SignEvent(audit.Signing{Action: signingActions[e.Format], Client: e.Client, Credential: e.Credential,
		Certificate: e.Certificate, DocumentSHA256: e.DocumentSHA256, Level: e.Level})
	if err != nil {
		return err
	}
	return r.audit.Record(ctx, AuditEvent(ev))
}
