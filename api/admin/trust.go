package admin

import (
	"errors"
	"net/http"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
)

// refreshTrust is POST /v1/admin/trust/refresh: read the trust bundle now.
// The answer is 200 whenever a bundle is configured: "ok" says whether the
// bundle read was accepted (or was the one in use), "changed" whether it
// replaced the one in use, and "last_error" why it was refused or could
// not be read — the bundle in use then stays.
func (s *Handler) refreshTrust(w http.ResponseWriter, r *http.Request) {
	if s.deps.Trust == nil {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	st, err := s.deps.Trust.Refresh(r.Context(), kit.Actor(r))
	if errors.Is(err, app.ErrNoTrustBundle) {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{
		"ok": err == nil, "changed": st.Changed, "bundle": st.Bundle,
		"last_check": st.LastCheck, "last_error": st.LastError,
	})
}
