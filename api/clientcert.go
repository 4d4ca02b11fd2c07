package api

import (
	"net/http"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

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
