package api

import (
	"net/http"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// issueClientCert is POST /v1/clients/{id}/certificate: a TLS client
// certificate for the client's own key, from its CSR ({"csr": "<PEM>"}).
func (s *Server) issueClientCert(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if s.deps.ClientCerts == nil {
		s.renderError(w, r, errNotConfigured)
		return
	}
	var req struct {
		CSR string `json:"csr"`
	}
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.renderError(w, r, err)
		return
	}
	if req.CSR == "" {
		s.renderError(w, r, errkind.InvalidField("csr", "is required: a PEM CERTIFICATE REQUEST for the client's own key"))
		return
	}
	out, err := s.admin.IssueClientCert(r.Context(), actorOf(r), id, []byte(req.CSR))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/certificates/"+out.Record.ID)
	writeJSON(w, http.StatusCreated, issuedJSON(out))
}

// clientByCert maps the verified TLS client certificate of r to its client
// system. The handshake checked the chain against kyso's CAs; this checks
// that kyso issued it to a client, that it is not revoked, and that the
// client is enabled. A refusal is a 401 and an audited auth failure.
func (s *Server) clientByCert(r *http.Request) (*model.Client, error) {
	if s.deps.ClientCerts == nil || len(r.TLS.VerifiedChains) == 0 {
		// A certificate the TLS layer did not verify is never an identity.
		return nil, s.certRefused(r, "the TLS client certificate was not verified")
	}
	c, err := s.deps.ClientCerts.ClientByCert(r.Context(), r.TLS.PeerCertificates[0])
	if errkind.KindOf(err) == errkind.Unauthorized {
		return nil, s.certRefused(r, errkind.Message(err))
	}
	return c, err
}

func (s *Server) certRefused(r *http.Request, why string) error {
	s.recordAuthFailure(r, "client-certificate", map[string]any{"serial": r.TLS.PeerCertificates[0].SerialNumber.Text(16)})
	return errkind.New(errkind.Unauthorized, "the TLS client certificate is not accepted: "+why)
}
