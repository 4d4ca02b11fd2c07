package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// XMLSigning is the part of the signing service that signs XML documents
// (app.Sign implements it).
type XMLSigning interface {
	SignXML(ctx context.Context, caller model.Caller, req app.XMLRequest, doc []byte) (*app.XMLResult, error)
	SignXMLBatch(ctx context.Context, caller model.Caller, req app.XMLRequest, docs [][]byte) ([]app.XMLBatchResult, error)
}

// XMLVerifier is the part of the verifier that validates XML signatures.
type XMLVerifier interface {
	VerifyXML(ctx context.Context, doc []byte) (*app.Report, error)
	VerifyXMLDetached(ctx context.Context, doc []byte, uri string, content []byte) (*app.Report, error)
}

// signXML signs an XML document sent as multipart/form-data ("file" and
// "options") or as an application/xml body with the options in the
// Kyso-Options header, and answers with the signed document.
func (s *Server) signXML(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	xs, ok := s.deps.Signing.(XMLSigning)
	if !ok {
		s.renderError(w, r, errNotConfigured)
		return
	}
	var req app.XMLRequest
	doc, err := s.readUpload(w, r, &req, "application/xml")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	defer doc.Close()
	if doc.size > app.MaxXMLBytes {
		s.renderError(w, r, errkind.New(errkind.TooLarge, fmt.Sprintf("an XML document to sign is at most %d bytes", app.MaxXMLBytes)))
		return
	}
	fpReq := req
	fpReq.PIN = ""
	fpReq.SAD = ""
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
// "file" part of a multipart/form-data body, with, for a detached
// signature, the signed file as a "data" part whose filename is the
// reference's URI.
func (s *Server) verifyXML(w http.ResponseWriter, r *http.Request) {
	xv, ok := s.deps.Verifier.(XMLVerifier)
	if !ok {
		s.renderError(w, r, errNotConfigured)
		return
	}
	format, err := verifyFormat(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !s.allowReport(w, r, format) {
		return
	}
	limit := min(s.cfg.MaxVerifyBytes, app.MaxXMLBytes)
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	var (
		f, content *os.File
		uri        string
	)
	switch mt {
	case "application/xml", "text/xml", "application/octet-stream":
		f, _, err = s.anonymousFile(r.Body, limit, "document")
	case "multipart/form-data":
		f, content, uri, err = s.readXMLParts(r.Body, params["boundary"], limit)
		if content != nil {
			defer content.Close()
		}
	default:
		err = errkind.New(errkind.UnsupportedMedia, "send the XML as the body with Content-Type: application/xml, or as the \"file\" part of multipart/form-data")
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
	var rep *app.Report
	if content != nil {
		var c []byte
		if c, err = io.ReadAll(content); err == nil {
			rep, err = xv.VerifyXMLDetached(r.Context(), data, uri, c)
		}
	} else {
		rep, err = xv.VerifyXML(r.Context(), data)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.answerVerification(w, r, format, app.Record{Report: rep, Document: bytes.NewReader(data), Size: int64(len(data)), MediaType: "application/xml"})
}

// signXMLBatch signs the "file" parts of a multipart request with the
// options of its "options" part, their signature values in one Vault round
// trip, and answers with a result per document, in order: the signed XML
// (base64) or the error.
func (s *Server) signXMLBatch(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	xs, ok := s.deps.Signing.(XMLSigning)
	if !ok {
		s.renderError(w, r, errNotConfigured)
		return
	}
	perDoc := min(s.cfg.MaxDocumentBytes, app.MaxXMLBytes)
	var (
		req  app.XMLRequest
		docs [][]byte
	)
	names, ok := s.readBatch(w, r, &req, func(p *multipart.Part) (int64, error) {
		data, err := io.ReadAll(io.LimitReader(p, perDoc+1))
		switch {
		case err != nil:
			return 0, s.readError(err)
		case int64(len(data)) > perDoc:
			return 0, errkind.New(errkind.TooLarge, fmt.Sprintf("an XML document to sign is at most %d bytes", perDoc))
		case len(data) == 0:
			return 0, errkind.New(errkind.Invalid, "an uploaded document is empty")
		}
		docs = append(docs, data)
		return int64(len(data)), nil
	})
	if !ok {
		return
	}
	if _, present := r.Header[IdempotencyHeader]; present {
		fpReq := req
		fpReq.PIN = ""
		fpReq.SAD = ""
		parts := []any{fpReq, names}
		for _, d := range docs {
			sum := sha256.Sum256(d)
			parts = append(parts, sum[:])
		}
		var claim *idemClaim
		var done bool
		if w, claim, done = s.beginIdempotent(w, r, clientActor(caller), "sign.xml.batch", parts...); done {
			return
		}
		defer claim.finish(r)
	}
	results, err := xs.SignXMLBatch(r.Context(), caller, req, docs)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"results":[`)
	for i, res := range results {
		item := map[string]any{"index": i, "name": names[i]}
		if res.Err != nil {
			status, detail := classify(res.Err)
			if status >= 500 {
				s.log.ErrorContext(r.Context(), "batch document failed", "request_id", requestID(r.Context()), "index", i, "err", res.Err)
			}
			item["status"], item["error"] = "failed", detail
		} else {
			item["status"] = "signed"
			item["signature_id"] = res.Result.SignatureID
			item["document_sha256"] = hex.EncodeToString(res.Result.DocumentDigest)
			item["level"] = res.Result.Profile
			item["xml"] = base64.StdEncoding.EncodeToString(res.Result.Document)
		}
		if i > 0 {
			io.WriteString(w, ",")
		}
		b, _ := json.Marshal(item)
		w.Write(b)
	}
	io.WriteString(w, "]}\n")
}

// readXMLParts reads the parts of an XML verification: "file" (the signed
// XML, required) and "data" (the content of a detached signature, whose
// filename is the URI its reference names), each into an anonymous file.
func (s *Server) readXMLParts(body io.Reader, boundary string, limit int64) (file, data *os.File, uri string, err error) {
	defer func() {
		if err != nil {
			if file != nil {
				file.Close()
			}
			if data != nil {
				data.Close()
			}
			file, data = nil, nil
		}
	}()
	if boundary == "" {
		return nil, nil, "", errkind.New(errkind.Invalid, "malformed multipart body: no boundary")
	}
	mr := newMultipartReader(body, boundary)
	for count := 0; ; count++ {
		if count > 2 {
			return file, data, "", errkind.New(errkind.Invalid, "too many multipart parts (want \"file\" and, for a detached signature, \"data\")")
		}
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return file, data, "", s.readError(err)
		}
		switch p.FormName() {
		case "file":
			if file != nil {
				return file, data, "", errkind.New(errkind.Invalid, "more than one \"file\" part")
			}
			if file, _, err = s.anonymousFile(p, limit, "document"); err != nil {
				return file, data, "", err
			}
		case "data":
			if data != nil {
				return file, data, "", errkind.New(errkind.Invalid, "more than one \"data\" part")
			}
			if uri = p.FileName(); uri == "" {
				return file, data, "", errkind.New(errkind.Invalid, "the \"data\" part needs a filename: the URI the detached signature names")
			}
			if data, _, err = s.anonymousFile(p, limit, "data"); err != nil {
				return file, data, "", err
			}
		default:
			return file, data, "", errkind.New(errkind.Invalid, fmt.Sprintf("unexpected multipart part %q (want \"file\" and, for a detached signature, \"data\")", p.FormName()))
		}
	}
	if file == nil {
		return file, data, "", errkind.New(errkind.Invalid, "the request needs a \"file\" part")
	}
	return file, data, uri, nil
}
