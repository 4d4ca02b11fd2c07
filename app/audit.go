package app

import (
	"context"
	"log/slog"

	"github.com/kyso-vn/kyso/audit"
)

// Auditor appends to the audit log (audit.Log).
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
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
	if err := r.audit.Record(ctx, audit.Event{Actor: actor, Action: action, Target: target, Details: details}); err != nil && r.log != nil {
		r.log.ErrorContext(ctx, "audit record failed", "action", action, "target", target, "err", err)
	}
}
