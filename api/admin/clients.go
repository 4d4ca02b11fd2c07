package admin

import (
	"net/http"
	"time"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// maxTTL bounds a ttl: beyond it, leave the key without an expiry.
const maxTTL = 100 * 365 * 24 * time.Hour

// expiry is the optional expiry of a new or rotated key: an instant
// (expires_at, RFC 3339) or a duration from now (ttl, as "720h" or
// "90m"), not both.
type expiry struct {
	ExpiresAt *time.Time `json:"expires_at"`
	TTL       string     `json:"ttl"`
}

// at returns the expiry the request asks for; zero: never.
func (e expiry) at(now time.Time) (time.Time, error) {
	switch {
	case e.ExpiresAt != nil && e.TTL != "":
		return time.Time{}, errkind.InvalidField("ttl", "give expires_at or ttl, not both")
	case e.ExpiresAt != nil:
		if !e.ExpiresAt.After(now) {
			return time.Time{}, errkind.InvalidField("expires_at", "must be in the future")
		}
		return e.ExpiresAt.UTC(), nil
	case e.TTL != "":
		d, err := time.ParseDuration(e.TTL)
		if err != nil || d <= 0 || d > maxTTL {
			return time.Time{}, errkind.InvalidField("ttl", `want a positive duration such as "720h" (at most 100 years)`)
		}
		return now.Add(d).UTC(), nil
	}
	return time.Time{}, nil
}

func expiresJSON(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func clientJSON(c *model.Client, now time.Time) map[string]any {
	status := "active"
	switch {
	case c.Disabled:
		status = "disabled"
	case c.Expired(now):
		status = "expired"
	}
	orgs := c.Organizations
	if orgs == nil {
		orgs = []string{}
	}
	return map[string]any{"id": c.ID, "name": c.Name, "organizations": orgs, "created_at": c.CreatedAt.UTC(),
		"expires_at": expiresJSON(c.ExpiresAt), "disabled": c.Disabled, "status": status}
}

func adminTokenJSON(t *model.AdminToken, now time.Time) map[string]any {
	status := "active"
	if t.Expired(now) {
		status = "expired"
	}
	return map[string]any{"id": t.ID, "name": t.Name, "created_at": t.CreatedAt.UTC(),
		"expires_at": expiresJSON(t.ExpiresAt), "status": status}
}

func (s *Handler) createClient(w http.ResponseWriter, r *http.Request) {
	if !s.deps.Has.Clients {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	var req struct {
		Name          string   `json:"name"`
		Organizations []string `json:"organizations"`
		expiry
	}
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	now := time.Now()
	exp, err := req.at(now)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	key, c, err := s.deps.Admin.CreateClient(r.Context(), kit.Actor(r), req.Name, req.Organizations, exp)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	out := clientJSON(c, now)
	out["api_key"] = key // shown once; only its hash is stored
	kit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Handler) listClients(w http.ResponseWriter, r *http.Request) {
	if !s.deps.Has.Clients {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	cls, err := s.deps.Admin.ListClients(r.Context())
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	now := time.Now()
	out := make([]map[string]any, 0, len(cls))
	for _, c := range cls {
		out = append(out, clientJSON(c, now))
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"clients": out})
}

func (s *Handler) disableClient(w http.ResponseWriter, r *http.Request) {
	s.setClientDisabled(w, r, true)
}
func (s *Handler) enableClient(w http.ResponseWriter, r *http.Request) {
	s.setClientDisabled(w, r, false)
}

func (s *Handler) setClientDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	if !s.deps.Has.Clients {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	id, err := kit.PathID(r, "client")
	if err == nil {
		if err = s.kit.DecodeJSON(w, r, &struct{}{}, true); err == nil {
			err = s.deps.Admin.SetClientDisabled(r.Context(), kit.Actor(r), id, disabled)
		}
	}
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	status := "active"
	if disabled {
		status = "disabled"
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "disabled": disabled, "status": status})
}

func (s *Handler) deleteClient(w http.ResponseWriter, r *http.Request) {
	if !s.deps.Has.Clients {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	id, err := kit.PathID(r, "client")
	if err == nil {
		err = s.deps.Admin.DeleteClient(r.Context(), kit.Actor(r), id)
	}
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handler) rotateClientKey(w http.ResponseWriter, r *http.Request) {
	if !s.deps.Has.Clients {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	id, now, exp, err := s.rotation(w, r, "client")
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	key, c, err := s.deps.Admin.RotateClientKey(r.Context(), kit.Actor(r), id, exp)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	out := clientJSON(c, now)
	out["api_key"] = key // shown once; only its hash is stored
	kit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Handler) createAdminToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
		expiry
	}
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	now := time.Now()
	exp, err := req.at(now)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	tok, t, err := s.deps.Admin.CreateAdminToken(r.Context(), kit.Actor(r), req.Name, exp)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	out := adminTokenJSON(t, now)
	out["token"] = tok // shown once; only its hash is stored
	kit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Handler) listAdminTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.deps.Admin.ListAdminTokens(r.Context())
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	now := time.Now()
	out := make([]map[string]any, 0, len(ts))
	for _, t := range ts {
		out = append(out, adminTokenJSON(t, now))
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (s *Handler) revokeAdminToken(w http.ResponseWriter, r *http.Request) {
	id, err := kit.PathID(r, "admin token")
	if err == nil {
		err = s.deps.Admin.RevokeAdminToken(r.Context(), kit.Actor(r), id)
	}
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handler) rotateAdminToken(w http.ResponseWriter, r *http.Request) {
	id, now, exp, err := s.rotation(w, r, "admin token")
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	tok, t, err := s.deps.Admin.RotateAdminToken(r.Context(), kit.Actor(r), id, exp)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	out := adminTokenJSON(t, now)
	out["token"] = tok // shown once; only its hash is stored
	kit.WriteJSON(w, http.StatusCreated, out)
}

// rotation reads a rotate request of a client key or an admin token: the
// id in the path and the optional expiry of the new secret in the body.
func (s *Handler) rotation(w http.ResponseWriter, r *http.Request, what string) (id string, now, exp time.Time, err error) {
	if id, err = kit.PathID(r, what); err != nil {
		return "", now, exp, err
	}
	var req expiry
	if err = s.kit.DecodeJSON(w, r, &req, true); err != nil {
		return "", now, exp, err
	}
	now = time.Now()
	exp, err = req.at(now)
	return id, now, exp, err
}
