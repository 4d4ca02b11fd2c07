package admin

import (
	"net/http"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/errkind"
)

// issueClientCert is POST /v1/clients/{id}/certificate: a TLS client
// certificate for the client's own key, from its CSR ({"csr": "<PEM>"}).
func (s *Handler) issueClientCert(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if !s.deps.Has.ClientCerts {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	var req struct {
		CSR string `json:"csr"`
	}
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if req.CSR == "" {
		s.kit.RenderError(w, r, errkind.InvalidField("csr", "is required: a PEM CERTIFICATE REQUEST for the client's own key"))
		return
	}
	out, err := s.deps.Admin.IssueClientCert(r.Context(), kit.Actor(r), id, []byte(req.CSR))
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/certificates/"+out.Record.ID)
	kit.WriteJSON(w, http.StatusCreated, issuedJSON(out))
}
