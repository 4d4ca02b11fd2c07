package app

import (
	"context"
	"log/slog"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/truststore"
)

// TrustRefresher refreshes the trust bundle (truststore.Store).
type TrustRefresher interface {
	Refresh(ctx context.Context) (truststore.Status, error)
}

// Trust carries out administrators' actions on the trust store.
type Trust struct {
	rec   recorder
	store TrustRefresher
}

// NewTrust returns the trust store's admin actions; audit may be nil.
func NewTrust(store TrustRefresher, a Auditor, log *slog.Logger) *Trust {
	return &Trust{rec: recorder{audit: a, log: log}, store: store}
}

// Refresh reads the trust bundle now, as the periodic refresh would, and
// records who asked and what came of it. A refused or unreachable bundle
// leaves the one in use in place; the error says why.
func (t *Trust) Refresh(ctx context.Context, actor string) (truststore.Status, error) {
	st, err := t.store.Refresh(ctx)
	details := map[string]any{"changed": st.Changed}
	if st.Bundle != nil {
		details["version"] = st.Bundle.Version
	}
	if err != nil {
		details["error"] = err.Error()
	}
	t.rec.record(ctx, actor, audit.ActionTrustRefresh, "trust-bundle", details)
	return st, err
}

// ErrNoTrustBundle is Refresh's error when kyso has no trust bundle
// configured (trust.bundle_path, trust.bundle_url).
var ErrNoTrustBundle = truststore.ErrNoBundle
