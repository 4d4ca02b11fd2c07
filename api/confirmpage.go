package api

import (
	"net/http"
	"time"

	"github.com/kyso-vn/kyso/errkind"
)

// The confirmation page's JSON endpoints (the confirmation mode of remote
// signing): the page (api/confirm) reads the transaction, then sends the
// citizen's PIN and TOTP code, or a refusal. The token that proves the
// caller holds the page's address travels in the body, never in a URL.

func (s *Server) confirmRemote(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.deps.Remote == nil {
		s.renderError(w, r, errNotConfigured)
		return "", false
	}
	id, err := pathID(r)
	if err != nil {
		s.renderError(w, r, errkind.New(errkind.NotFound, "no such signing request"))
		return "", false
	}
	w.Header().Set("Cache-Control", "no-store")
	return id, true
}

// confirmView answers what the page shows of a transaction.
func (s *Server) confirmView(w http.ResponseWriter, r *http.Request) {
	id, ok := s.confirmRemote(w, r)
	if !ok {
		return
	}
	var req struct {
		Token string `json:"token"`
	}
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.renderError(w, r, err)
		return
	}
	v, err := s.deps.Remote.View(r.Context(), id, req.Token)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	prefixes := v.HashPrefixes
	if prefixes == nil {
		prefixes = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"agency": v.Agency, "client_name": v.ClientName, "doc_id": v.DocID, "doc_name": v.DocName,
		"hash_prefixes": prefixes, "num_signatures": v.NumSignatures,
		"expires_at": v.ExpiresAt.UTC().Format(time.RFC3339), "state": v.State, "holder": v.HolderMasked,
	})
}

// confirmConfirm is the citizen's consent: PIN and TOTP code.
func (s *Server) confirmConfirm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.confirmRemote(w, r)
	if !ok {
		return
	}
	var req struct {
		Token string `json:"token"`
		PIN   string `json:"pin"`
		OTP   string `json:"otp"`
	}
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.renderError(w, r, err)
		return
	}
	if req.PIN == "" || req.OTP == "" {
		s.renderError(w, r, errkind.New(errkind.Invalid, "pin and otp are required"))
		return
	}
	if err := s.deps.Remote.Confirm(r.Context(), id, req.Token, req.PIN, req.OTP); err != nil {
		s.renderError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "state": "confirmed"})
}

// confirmRefuse is the citizen's refusal.
func (s *Server) confirmRefuse(w http.ResponseWriter, r *http.Request) {
	id, ok := s.confirmRemote(w, r)
	if !ok {
		return
	}
	var req struct {
		Token string `json:"token"`
	}
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.deps.Remote.Refuse(r.Context(), id, req.Token); err != nil {
		s.renderError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "state": "refused"})
}
