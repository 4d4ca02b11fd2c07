package app_test

import (
	"context"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
)

// auditLog is app's Auditor on a real audit log, as cmd/kyso wires it.
type auditLog struct{ log *audit.Log }

func (a auditLog) Record(ctx context.Context, e app.AuditEvent) error {
	return a.log.Record(ctx, audit.Event(e))
}

// totpEnroller is app's TOTPEnroller on auth.TOTP, as cmd/kyso wires it.
type totpEnroller struct{ totp *auth.TOTP }

func (t totpEnroller) Enroll(ctx context.Context, credID, account string) (*app.TOTPEnrolment, error) {
	e, err := t.totp.Enroll(ctx, credID, account)
	return (*app.TOTPEnrolment)(e), err
}
