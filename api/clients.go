package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// ClientLifecycle manages client systems' API keys (auth.Clients). An
// expiresAt of zero is "never".
type ClientLifecycle interface {
	CreateExpiring(ctx context.Context, name string, orgs []string, expiresAt time.Time) (string, *model.Client, error)
	List(ctx context.Context) ([]*model.Client, error)
	SetDisabled(ctx context.Context, id string, disabled bool) error
	Delete(ctx context.Context, id string) error
	Rotate(ctx context.Context, id string, expiresAt time.Time) (string, *model.Client, error)
}

// AdminTokens manages admin tokens (auth.Admins). An expiresAt of zero is
// "never".
type AdminTokens interface {
	CreateExpiring(ctx context.Context, name string, expiresAt time.Time) (string, *model.AdminToken, error)
	List(ctx context.Context) ([]*model.AdminToken, error)
	Revoke(ctx context.Context, id string) error
	Rotate(ctx context.Context, id string, expiresAt time.Time) (string, *model.AdminToken, error)
}

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

// lifecycleID is the {id} of a client or admin token route.
func lifecycleID(r *http.Request, what string) (string, error) {
	id := mux.Vars(r)["id"]
	if id == "" || len(id) > maxIDLen || strings.ContainsAny(id, "/%") {
		return "", errkind.New(errkind.NotFound, "no such "+what)
	}
	return id, nil
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

func (s *Server) createClient(w http.ResponseWriter, r *http.Request) {
	if s.deps.Clients == nil {
		s.renderError(w, r, errNotConfigured)
		return
	}
	var req struct {
		Name          string   `json:"name"`
		Organizations []string `json:"organizations"`
		expiry
	}
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.renderError(w, r, err)
		return
	}
	now := time.Now()
	exp, err := req.at(now)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	key, c, err := s.admin.CreateClient(r.Context(), actorOf(r), req.Name, req.Organizations, exp)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	out := clientJSON(c, now)
	out["api_key"] = key // shown once; only its hash is stored
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listClients(w http.ResponseWriter, r *http.Request) {
	if s.deps.Clients == nil {
		s.renderError(w, r, errNotConfigured)
		return
	}
	cls, err := s.admin.ListClients(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	now := time.Now()
	out := make([]map[string]any, 0, len(cls))
	for _, c := range cls {
		out = append(out, clientJSON(c, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"clients": out})
}

func (s *Server) disableClient(w http.ResponseWriter, r *http.Request) {
	s.setClientDisabled(w, r, true)
}
func (s *Server) enableClient(w http.ResponseWriter, r *http.Request) {
	s.setClientDisabled(w, r, false)
}

func (s *Server) setClientDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	if s.deps.Clients == nil {
		s.renderError(w, r, errNotConfigured)
		return
	}
	id, err := lifecycleID(r, "client")
	if err == nil {
		if err = s.decodeJSON(w, r, &struct{}{}, true); err == nil {
			err = s.admin.SetClientDisabled(r.Context(), actorOf(r), id, disabled)
		}
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	status := "active"
	if disabled {
		status = "disabled"
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "disabled": disabled, "status": status})
}

func (s *Server) deleteClient(w http.ResponseWriter, r *http.Request) {
	if s.deps.Clients == nil {
		s.renderError(w, r, errNotConfigured)
		return
	}
	id, err := lifecycleID(r, "client")
	if err == nil {
		err = s.admin.DeleteClient(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) rotateClientKey(w http.ResponseWriter, r *http.Request) {
	if s.deps.Clients == nil {
		s.renderError(w, r, errNotConfigured)
		return
	}
	id, now, exp, err := s.rotation(w, r, "client")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	key, c, err := s.admin.RotateClientKey(r.Context(), actorOf(r), id, exp)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	out := clientJSON(c, now)
	out["api_key"] = key // shown once; only its hash is stored
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) createAdminToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
		expiry
	}
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.renderError(w, r, err)
		return
	}
	now := time.Now()
	exp, err := req.at(now)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	tok, t, err := s.admin.CreateAdminToken(r.Context(), actorOf(r), req.Name, exp)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	out := adminTokenJSON(t, now)
	out["token"] = tok // shown once; only its hash is stored
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listAdminTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.admin.ListAdminTokens(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	now := time.Now()
	out := make([]map[string]any, 0, len(ts))
	for _, t := range ts {
		out = append(out, adminTokenJSON(t, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (s *Server) revokeAdminToken(w http.ResponseWriter, r *http.Request) {
	id, err := lifecycleID(r, "admin token")
	if err == nil {
		err = s.admin.RevokeAdminToken(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) rotateAdminToken(w http.ResponseWriter, r *http.Request) {
	id, now, exp, err := s.rotation(w, r, "admin token")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	tok, t, err := s.admin.RotateAdminToken(r.Context(), actorOf(r), id, exp)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	out := adminTokenJSON(t, now)
	out["token"] = tok // shown once; only its hash is stored
	writeJSON(w, http.StatusCreated, out)
}

// rotation reads a rotate request of a client key or an admin token: the
// id in the path and the optional expiry of the new secret in the body.
func (s *Server) rotation(w http.ResponseWriter, r *http.Request, what string) (id string, now, exp time.Time, err error) {
	if id, err = lifecycleID(r, what); err != nil {
		return "", now, exp, err
	}
	var req expiry
	if err = s.decodeJSON(w, r, &req, true); err != nil {
		return "", now, exp, err
	}
	now = time.Now()
	exp, err = req.at(now)
	return id, now, exp, err
}
