package api

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/errkind"
)

// maxOCSPRequest bounds OCSP request bodies (a request is ~100 bytes).
const maxOCSPRequest = 8 << 10

func (s *Server) rootCert(w http.ResponseWriter, r *http.Request) {
	s.serveCert(w, r, "root")
}

func (s *Server) issuerCert(w http.ResponseWriter, r *http.Request) {
	s.serveCert(w, r, mux.Vars(r)["name"])
}

// serveCert answers with a DER certificate (RFC 5280, 4.2.2.1:
// application/pkix-cert).
func (s *Server) serveCert(w http.ResponseWriter, r *http.Request, name string) {
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	der, err := s.ca.IssuerCert(r.Context(), name)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-cert")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+".crt"))
	_, _ = w.Write(der)
}

// crl answers with the issuer's DER CRL (RFC 5280, 5: application/pkix-crl).
func (s *Server) crl(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	der, err := s.ca.CRL(r.Context(), name)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(der)
}

func (s *Server) ocspPost(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/ocsp-request") {
		s.renderError(w, r, errkind.New(errkind.UnsupportedMedia, "send the OCSP request as application/ocsp-request"))
		return
	}
	req, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOCSPRequest))
	if err != nil {
		s.renderError(w, r, errkind.New(errkind.TooLarge, "the OCSP request is too large"))
		return
	}
	s.ocsp(w, r, req, false)
}

// ocspGet serves RFC 6960 A.1 GET requests: the base64 DER request,
// URL-encoded, as the last path segment(s).
func (s *Server) ocspGet(w http.ResponseWriter, r *http.Request) {
	raw := mux.Vars(r)["request"]
	if len(raw) > 2*maxOCSPRequest {
		s.renderError(w, r, errkind.New(errkind.TooLarge, "the OCSP request is too large"))
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
	s.ocsp(w, r, req, true)
}

func (s *Server) ocsp(w http.ResponseWriter, r *http.Request, req []byte, cacheable bool) {
	resp, err := s.ca.Respond(r.Context(), req)
	if err != nil {
		s.log.WarnContext(r.Context(), "ocsp tryLater", "request_id", requestID(r.Context()), "err", err)
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
