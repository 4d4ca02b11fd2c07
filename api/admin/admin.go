package admin

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
)

// Deps are the deciding floor behind the admin routes. Enroll, Admin and
// Certs are required; a nil Trust answers /v1/admin/trust/refresh with
// 503 (not configured), as Has does the routes of the services app.Admin
// was built without.
type Deps struct {
	Enroll *app.Enroll
	Admin  *app.Admin
	Certs  *app.Certificates
	Trust  *app.Trust
	Has    Configured
}

// Configured says which of app.Admin's optional services this kyso has;
// the routes of a missing one answer 503 (not configured).
type Configured struct {
	// Clients: client systems' API keys (/v1/clients*).
	Clients bool
	// ClientCerts: client systems' TLS client certificates.
	ClientCerts bool
	// PINs: citizens' PINs (/v1/credentials/{id}/pin and unlock).
	PINs bool
	// Seals: agencies' seal images (the signing service).
	Seals bool
	// Citizens and Credentials: citizens' client bindings and second
	// factor (/v1/credentials/{id}/clients and totp).
	Citizens, Credentials bool
}

// Handler serves the admin API.
type Handler struct {
	deps Deps
	kit  kit.Kit
}

// New returns the admin routes on deps, rendering through k.
func New(deps Deps, k kit.Kit) *Handler { return &Handler{deps: deps, kit: k} }

// Mount registers the routes on r, each behind auth (package api's admin
// authentication, which puts the admin in the request's context:
// kit.Actor). They are registered on r itself, not on a mux subrouter,
// which would answer a wrong method with 404 instead of 405.
func (s *Handler) Mount(r *mux.Router, auth func(http.Handler) http.Handler) {
	admin := func(h http.HandlerFunc) http.Handler { return auth(h) }
	r.Handle("/v1/certificates", admin(s.issue)).Methods(http.MethodPost)
	r.Handle("/v1/certificates", admin(s.list)).Methods(http.MethodGet)
	r.Handle("/v1/certificates/{id}", admin(s.get)).Methods(http.MethodGet)
	r.Handle("/v1/certificates/{id}/rotate", admin(s.rotate)).Methods(http.MethodPost)
	r.Handle("/v1/certificates/{id}/renew", admin(s.renew)).Methods(http.MethodPost)
	r.Handle("/v1/certificates/{id}/revoke", admin(s.revoke)).Methods(http.MethodPost)
	r.Handle("/v1/ca/issuers", admin(s.issuers)).Methods(http.MethodGet)
	r.Handle("/v1/ca/rotate", admin(s.rotateCA)).Methods(http.MethodPost)
	r.Handle("/v1/ca/external", admin(s.initExternal)).Methods(http.MethodPost)
	r.Handle("/v1/ca/external", admin(s.cancelExternal)).Methods(http.MethodDelete)
	r.Handle("/v1/ca/import-chain", admin(s.importChain)).Methods(http.MethodPost)
	r.Handle("/v1/clients", admin(s.createClient)).Methods(http.MethodPost)
	r.Handle("/v1/clients", admin(s.listClients)).Methods(http.MethodGet)
	r.Handle("/v1/clients/{id}", admin(s.deleteClient)).Methods(http.MethodDelete)
	r.Handle("/v1/clients/{id}/disable", admin(s.disableClient)).Methods(http.MethodPost)
	r.Handle("/v1/clients/{id}/enable", admin(s.enableClient)).Methods(http.MethodPost)
	r.Handle("/v1/clients/{id}/rotate", admin(s.rotateClientKey)).Methods(http.MethodPost)
	r.Handle("/v1/admin/tokens", admin(s.createAdminToken)).Methods(http.MethodPost)
	r.Handle("/v1/admin/tokens", admin(s.listAdminTokens)).Methods(http.MethodGet)
	r.Handle("/v1/admin/tokens/{id}", admin(s.revokeAdminToken)).Methods(http.MethodDelete)
	r.Handle("/v1/admin/tokens/{id}/rotate", admin(s.rotateAdminToken)).Methods(http.MethodPost)
	r.Handle("/v1/clients/{id}/certificate", admin(s.issueClientCert)).Methods(http.MethodPost)
	r.Handle("/v1/credentials/{id}/pin", admin(s.setPIN)).Methods(http.MethodPost)
	r.Handle("/v1/credentials/{id}/unlock", admin(s.unlockCredential)).Methods(http.MethodPost)
	r.Handle("/v1/credentials/{id}/clients", admin(s.bindClient)).Methods(http.MethodPost)
	r.Handle("/v1/credentials/{id}/totp", admin(s.enrolTOTP)).Methods(http.MethodPost)
	r.Handle("/v1/seal-images/{organization}", admin(s.putSealImage)).Methods(http.MethodPut)
	r.Handle("/v1/admin/trust/refresh", admin(s.refreshTrust)).Methods(http.MethodPost)
}

// pathID is the {id} of a certificate or credential route.
func pathID(r *http.Request) (string, error) {
	return kit.PathID(r, "certificate or credential")
}
