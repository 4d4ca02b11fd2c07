package signing

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/model"
)

// Config bounds the signing routes; package api fills it from its own
// Config, defaults applied.
type Config struct {
	// MaxDocumentBytes bounds a document to sign.
	MaxDocumentBytes int64
	// MaxBatchBytes bounds all documents of one batch.
	MaxBatchBytes int64
	// MemoryBytes bounds the documents held in memory at once while they
	// are signed; documents beyond it, and any larger than an eighth of it
	// (at least 4 MiB), are spooled to temporary files.
	MemoryBytes int64
	// TempDir holds documents while they are signed ("": os.TempDir()).
	TempDir string
}

// Deps are what the routes call. Signing is required (package api answers
// the routes 503 without it, before they run); a nil Extend or Remote
// answers its routes 503 (not configured), and the XML routes need
// Signing to be an XMLSigning too.
type Deps struct {
	Signing Signing
	Extend  Extender
	Remote  *app.Remote
}

// Handler serves the signing API.
type Handler struct {
	cfg  Config
	deps Deps
	kit  kit.Kit
	mem  *memoryBudget
}

// New returns the signing routes on deps, rendering through k.
func New(cfg Config, deps Deps, k kit.Kit) *Handler {
	return &Handler{cfg: cfg, deps: deps, kit: k, mem: &memoryBudget{left: cfg.MemoryBytes}}
}

// Mount registers the routes on r, each behind client (package api's
// client authentication, which hands the handler the caller).
func (s *Handler) Mount(r *mux.Router, client func(func(http.ResponseWriter, *http.Request, model.Caller)) http.Handler) {
	r.Handle("/v1/sign/pdf", client(s.signPDF)).Methods(http.MethodPost)
	r.Handle("/v1/sign/pdf/batch", client(s.signPDFBatch)).Methods(http.MethodPost)
	r.Handle("/v1/sign/cms", client(s.signCMS)).Methods(http.MethodPost)
	r.Handle("/v1/sign/hash", client(s.signHash)).Methods(http.MethodPost)
	r.Handle("/v1/sign/xml", client(s.signXML)).Methods(http.MethodPost)
	r.Handle("/v1/sign/xml/batch", client(s.signXMLBatch)).Methods(http.MethodPost)
	r.Handle("/v1/extend/pdf", client(s.extendPDF)).Methods(http.MethodPost)
	r.Handle("/v1/credentials/{id}/authorize", client(s.authorize)).Methods(http.MethodPost)
}

// finish finishes an Idempotency-Key claim, if the request holds one.
func finish(c kit.Claim, r *http.Request) {
	if c != nil {
		c.Finish(r)
	}
}

// pathID is the {id} of a credential route.
func pathID(r *http.Request) (string, error) {
	return kit.PathID(r, "certificate or credential")
}
