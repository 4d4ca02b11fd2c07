package pki

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/errkind"
)

// PKI is what the public PKI endpoints need of the CA.
type PKI interface {
	// IssuerCert is the DER certificate of the named issuer ("root" for
	// the root CA).
	IssuerCert(ctx context.Context, name string) ([]byte, error)
	// CRL is the named issuer's current DER CRL.
	CRL(ctx context.Context, issuerName string) ([]byte, error)
	// Respond answers a DER OCSP request; on error the response is still
	// one to send (tryLater, malformedRequest...).
	Respond(ctx context.Context, ocspRequest []byte) ([]byte, error)
}

// TSA answers RFC 3161 time-stamp requests.
type TSA interface {
	Respond(ctx context.Context, req []byte) ([]byte, error)
}

// Deps are what the routes call. PKI is required; a nil TSA answers
// /pki/tsa with 503 (not configured).
type Deps struct {
	PKI PKI
	TSA TSA
}

// Handler serves the public PKI endpoints.
type Handler struct {
	deps Deps
	kit  kit.Kit
}

// New returns the PKI routes on deps, rendering through k.
func New(deps Deps, k kit.Kit) *Handler { return &Handler{deps: deps, kit: k} }

// Mount registers the routes on r.
func (h *Handler) Mount(r *mux.Router) {
	r.HandleFunc("/pki/root.crt", h.rootCert).Methods(http.MethodGet)
	r.HandleFunc("/pki/issuers/{name}.crt", h.issuerCert).Methods(http.MethodGet)
	r.HandleFunc("/pki/crl/{name}.crl", h.crl).Methods(http.MethodGet)
	r.HandleFunc("/pki/ocsp", h.ocspPost).Methods(http.MethodPost)
	r.HandleFunc("/pki/ocsp/{request:.+}", h.ocspGet).Methods(http.MethodGet)
	r.HandleFunc("/pki/tsa", h.tsa).Methods(http.MethodPost)
}

// maxOCSPRequest bounds OCSP request bodies (a request is ~100 bytes).
const maxOCSPRequest = 8 << 10

// maxTSARequest bounds RFC 3161 requests (a request is ~100 bytes).
const maxTSARequest = 16 << 10

func (h *Handler) rootCert(w http.ResponseWriter, r *http.Request) {
	h.serveCert(w, r, "root")
}

func (h *Handler) issuerCert(w http.ResponseWriter, r *http.Request) {
	h.serveCert(w, r, mux.Vars(r)["name"])
}

// serveCert answers with a DER certificate (RFC 5280, 4.2.2.1:
// application/pkix-cert).
func (h *Handler) serveCert(w http.ResponseWriter, r *http.Request, name string) {
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	der, err := h.deps.PKI.IssuerCert(r.Context(), name)
	if err != nil {
		h.kit.RenderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-cert")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+".crt"))
	_, _ = w.Write(der)
}

// crl answers with the issuer's DER CRL (RFC 5280, 5: application/pkix-crl).
func (h *Handler) crl(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	der, err := h.deps.PKI.CRL(r.Context(), name)
	if err != nil {
		h.kit.RenderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(der)
}

func (h *Handler) ocspPost(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/ocsp-request") {
		h.kit.RenderError(w, r, errkind.New(errkind.UnsupportedMedia, "send the OCSP request as application/ocsp-request"))
		return
	}
	req, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOCSPRequest))
	if err != nil {
		h.kit.RenderError(w, r, errkind.New(errkind.TooLarge, "the OCSP request is too large"))
		return
	}
	h.ocsp(w, r, req, false)
}

// ocspGet serves RFC 6960 A.1 GET requests: the base64 DER request,
// URL-encoded, as the last path segment(s).
func (h *Handler) ocspGet(w http.ResponseWriter, r *http.Request) {
	raw := mux.Vars(r)["request"]
	if len(raw) > 2*maxOCSPRequest {
		h.kit.RenderError(w, r, errkind.New(errkind.TooLarge, "the OCSP request is too large"))
		return
	}
	// A request that is not base64 is answered like any malformed OCSP
	// request: with an OCSP malformedRequest response, which is what OCSP
	// clients understand (RFC 6960 2.3).
	var req []byte
	if unesc, err := url.PathUnescape(raw); err == nil {
		if req, err = base64.StdEncoding.DecodeString(unesc); err != nil {
			req, _ = base64.RawURLEncoding.DecodeString(strings.TrimRight(unesc, "="))
		}
	}
	h.ocsp(w, r, req, true)
}

func (h *Handler) ocsp(w http.ResponseWriter, r *http.Request, req []byte, cacheable bool) {
	resp, err := h.deps.PKI.Respond(r.Context(), req)
	if err != nil {
		h.kit.Log.WarnContext(r.Context(), "ocsp tryLater", "request_id", kit.RequestID(r.Context()), "err", err)
		cacheable = false
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	if cacheable {
		w.Header().Set("Cache-Control", "public, max-age=300")
	} else {
		w.Header().Set("Cache-Control", "no-store")
	}
	_, _ = w.Write(resp)
}

// tsa answers an RFC 3161 time-stamp request (3.4: POST,
// application/timestamp-query).
func (h *Handler) tsa(w http.ResponseWriter, r *http.Request) {
	if h.deps.TSA == nil {
		h.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/timestamp-query") {
		h.kit.RenderError(w, r, errkind.New(errkind.UnsupportedMedia, "send the request as application/timestamp-query"))
		return
	}
	req, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTSARequest))
	if err != nil {
		h.kit.RenderError(w, r, errkind.New(errkind.TooLarge, "the time-stamp request is too large"))
		return
	}
	resp, err := h.deps.TSA.Respond(r.Context(), req)
	if err != nil {
		h.kit.RenderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(resp)
}
