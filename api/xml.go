package api

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"

	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

// XMLSigning is the part of the signing service that signs XML documents
// (signer.Service implements it).
type XMLSigning interface {
	SignXML(ctx context.Context, caller signer.Caller, req signer.XMLRequest, doc []byte) (*signer.XMLResult, error)
}

// XMLVerifier is the part of the verifier that validates XML signatures.
type XMLVerifier interface {
	VerifyXML(ctx context.Context, doc []byte) (*verifier.Report, error)
}

// signXML signs an XML document sent as multipart/form-data ("file" and
// "options") or as an application/xml body with the options in the
// Kyso-Options header, and answers with the signed document.
func (s *Server) signXML(w http.ResponseWriter, r *http.Request, caller signer.Caller) {
	xs, ok := s.deps.Signing.(XMLSigning)
	if !ok {
		s.renderError(w, r, errNotConfigured)
		return
	}
	var req signer.XMLRequest
	doc, err := s.readUpload(w, r, &req, "application/xml")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	defer doc.Close()
	if doc.size > signer.MaxXMLBytes {
		s.renderError(w, r, &apiError{http.StatusRequestEntityTooLarge, CodeBodyTooLarge, fmt.Sprintf("an XML document to sign is at most %d bytes", signer.MaxXMLBytes)})
		return
	}
	fpReq := req
	fpReq.PIN = ""
	w, claim, done := s.idempotentUpload(w, r, caller, "sign.xml", doc, fpReq)
	if done {
		return
	}
	defer claim.finish(r)
	data := make([]byte, doc.size)
	if _, err := doc.r.Seek(0, io.SeekStart); err != nil {
		s.renderError(w, r, err)
		return
	}
	if _, err := io.ReadFull(doc.r, data); err != nil {
		s.renderError(w, r, s.readError(err))
		return
	}
	res, err := xs.SignXML(r.Context(), caller, req, data)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Kyso-Document-SHA256", hex.EncodeToString(res.DocumentDigest))
	w.Header().Set("Kyso-Signature-Id", res.SignatureID)
	w.Header().Set("Kyso-Level", res.Profile)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Document)
}

// verifyXML validates the XML signatures of a document sent as the body
// (application/xml, text/xml or application/octet-stream) or as the
// "file" part of a multipart/form-data body.
func (s *Server) verifyXML(w http.ResponseWriter, r *http.Request) {
	xv, ok := s.deps.Verifier.(XMLVerifier)
	if !ok {
		s.renderError(w, r, errNotConfigured)
		return
	}
	limit := min(s.cfg.MaxVerifyBytes, signer.MaxXMLBytes)
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	var f *os.File
	switch mt {
	case "application/xml", "text/xml", "application/octet-stream":
		f, _, err = s.anonymousFile(r.Body, limit, "document")
	case "multipart/form-data":
		var parts map[string]*os.File
		if parts, err = s.readParts(r.Body, params["boundary"], map[string]int64{"file": limit}); err == nil {
			f = parts["file"]
		}
	default:
		err = &apiError{http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send the XML as the body with Content-Type: application/xml, or as the \"file\" part of multipart/form-data"}
	}
	if f != nil {
		defer f.Close()
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	data, err := io.ReadAll(f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rep, err := xv.VerifyXML(r.Context(), data)
	if err != nil {
		s.renderError(w, r, verifyError(err, "XML document"))
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
