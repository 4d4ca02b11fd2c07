package admin

import (
	"encoding/base64"
	"net/http"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
)

// The bodies of the citizens' enrolment events, each with the identity
// proofing behind it: binding a client, setting a PIN, unlocking.
type (
	bindClientRequest struct {
		ClientID string        `json:"client_id"`
		Evidence *app.Evidence `json:"evidence"`
	}
	pinRequest struct {
		PIN      string        `json:"pin"`
		Evidence *app.Evidence `json:"evidence"`
	}
	unlockRequest struct {
		Evidence *app.Evidence `json:"evidence"`
	}
	totpRequest struct {
		Evidence *app.Evidence `json:"evidence"`
	}
)

// enrolTOTP is POST /v1/credentials/{id}/totp (admin): a new one-time-code
// seed for a citizen, answered once.
func (s *Handler) enrolTOTP(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if !s.deps.Has.Citizens || !s.deps.Has.Credentials {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	var req totpRequest
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	enr, err := s.deps.Admin.EnrolTOTP(r.Context(), kit.Actor(r), id, req.Evidence)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"credential_id": id,
		"totp": totpJSON{URI: enr.URI, QRPNG: base64.StdEncoding.EncodeToString(enr.QRPNG)}})
}

// bindClient is POST /v1/credentials/{id}/clients (admin).
func (s *Handler) bindClient(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if !s.deps.Has.Citizens {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	var req bindClientRequest
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if err := s.deps.Admin.BindClient(r.Context(), kit.Actor(r), id, req.ClientID, req.Evidence); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]string{"credential_id": id, "client_id": req.ClientID, "status": "bound"})
}

// setPIN is POST /v1/credentials/{id}/pin (admin): a citizen's new PIN,
// after identity proofing.
func (s *Handler) setPIN(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if !s.deps.Has.PINs {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	var req pinRequest
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if err := s.deps.Admin.SetPIN(r.Context(), kit.Actor(r), id, req.PIN, req.Evidence); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]string{"credential_id": id, "status": "pin_set"})
}

// unlockCredential is POST /v1/credentials/{id}/unlock (admin): lifts a
// credential's lock-out after wrong PINs or codes, after identity proofing.
func (s *Handler) unlockCredential(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if !s.deps.Has.PINs {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	var req unlockRequest
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if err := s.deps.Admin.Unlock(r.Context(), kit.Actor(r), id, req.Evidence); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]string{"credential_id": id, "status": "unlocked"})
}

// totpJSON is a new citizen credential's second factor, in the issuance
// answer only.
type totpJSON struct {
	URI   string `json:"uri"`
	QRPNG string `json:"qr_png"` // base64
}

// enrolledJSON is the issuance answer: the certificate and, for a
// citizen, the one-time-code seed, shown this once.
type enrolledJSON struct {
	certificateJSON
	TOTP *totpJSON `json:"totp,omitempty"`
}

func enrolledAnswer(out *app.Enrolled) enrolledJSON {
	e := enrolledJSON{certificateJSON: issuedJSON(out.Issued)}
	if out.TOTP != nil {
		e.TOTP = &totpJSON{URI: out.TOTP.URI, QRPNG: base64.StdEncoding.EncodeToString(out.TOTP.QRPNG)}
	}
	return e
}
