package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/kyso-vn/kyso/api/pki"
	"github.com/kyso-vn/kyso/api/signing"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// ClientAuth registers, authenticates and manages client systems.
type ClientAuth interface {
	Authenticate(ctx context.Context, key string) (*model.Client, error)
	app.ClientRegistry
}

// Signing is the signing service (api/signing serves it).
type Signing = signing.Signing

// Extender raises signed PDFs to PAdES B-LT or B-LTA (app.Extend; api/signing
// serves it).
type Extender = signing.Extender

// XMLSigning is the part of the signing service that signs XML documents
// (app.Sign implements it; api/signing serves it).
type XMLSigning = signing.XMLSigning

// PINAdmin sets and unlocks citizen PINs.
type PINAdmin interface {
	SetPIN(ctx context.Context, credID, pin string) error
	Unlock(ctx context.Context, credID string) error
}

// TSA answers RFC 3161 requests (api/pki serves them).
type TSA = pki.TSA

// Error codes of the signing API.
const (
	CodeForbidden      = "forbidden"
	CodeConsentFailed  = "consent_failed"
	CodeLocked         = "credential_locked"
	CodeInvalidDoc     = "invalid_document"
	CodeNotConfigured  = "not_configured"
	CodeCredentialBusy = "credential_unusable"
)

var errNotConfigured = errkind.New(errkind.NotConfigured, "this kyso is not configured for this operation")

// requireClient authenticates a client system by its API key, by the
// kyso-issued TLS client certificate it presented (mutual TLS), or by
// both, which must then name the same client. A presented credential that
// fails is refused even when the other one would pass.
func (s *Server) requireClient(h func(http.ResponseWriter, *http.Request, model.Caller)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Clients == nil || s.deps.Signing == nil {
			s.renderError(w, r, errNotConfigured)
			return
		}
		var byCert *model.Client
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			c, err := s.clientByCert(r)
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			byCert = c
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if (!ok || strings.TrimSpace(tok) == "") && byCert == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kyso"`)
			s.renderError(w, r, errkind.New(errkind.Unauthorized, "a client API key is required: Authorization: Bearer <key> (or a kyso client certificate over mutual TLS)"))
			return
		}
		c := byCert
		if ok && strings.TrimSpace(tok) != "" {
			byKey, err := s.deps.Clients.Authenticate(r.Context(), strings.TrimSpace(tok))
			if err != nil {
				s.authFailure(r, "client", err)
				w.Header().Set("WWW-Authenticate", `Bearer realm="kyso", error="invalid_token"`)
				if errkind.KindOf(err) == errkind.Unauthorized {
					err = errkind.New(errkind.Unauthorized, "a valid client API key is required: Authorization: Bearer <key>")
				}
				s.renderError(w, r, err)
				return
			}
			if byCert != nil && byCert.ID != byKey.ID {
				s.renderError(w, r, errkind.New(errkind.Forbidden, "the TLS client certificate and the API key belong to different client systems"))
				return
			}
			c = byKey
		}
		noteActor(r.Context(), "client:"+c.ID)
		if !s.slots.acquire(c.ID) {
			w.Header().Set("Retry-After", "1")
			s.renderError(w, r, s.tooManyInFlight())
			return
		}
		defer s.slots.release(c.ID)
		h(w, r, app.CallerOf(c))
	})
}
