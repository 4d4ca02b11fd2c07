package signing

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/kyso-vn/kyso/api/kit"
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

// signXML signs an XML document sent as multipart/form-data ("file" and
// "options") or as an application/xml body with the options in the
// Kyso-Options header, and answers with the signed document.
func (s *Handler) signXML(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	xs, ok := s.deps.Signing.(XMLSigning)
	if !ok {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	var req app.XMLRequest
	doc, err := s.readUpload(w, r, &req, "application/xml")
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	defer doc.Close()
	if doc.size > app.MaxXMLBytes {
		s.kit.RenderError(w, r, errkind.New(errkind.TooLarge, fmt.Sprintf("an XML document to sign is at most %d bytes", app.MaxXMLBytes)))
		return
	}
	w, claim, done := s.idempotentUpload(w, r, caller, "sign.xml", doc, req.WithoutConsent())
	if done {
		return
	}
	defer finish(claim, r)
	data := make([]byte, doc.size)
	if _, err := doc.r.Seek(0, io.SeekStart); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if _, err := io.ReadFull(doc.r, data); err != nil {
		s.kit.RenderError(w, r, s.readError(err))
		return
	}
	res, err := xs.SignXML(r.Context(), caller, req, data)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Kyso-Document-SHA256", hex.EncodeToString(res.DocumentDigest))
	w.Header().Set("Kyso-Signature-Id", res.SignatureID)
	w.Header().Set("Kyso-Level", res.Profile)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Document)
}

// signXMLBatch signs the "file" parts of a multipart request with the
// options of its "options" part, their signature values in one Vault round
// trip, and answers with a result per document, in order: the signed XML
// (base64) or the error.
func (s *Handler) signXMLBatch(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	xs, ok := s.deps.Signing.(XMLSigning)
	if !ok {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
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
	if _, present := r.Header[kit.IdempotencyHeader]; present {
		parts := []any{req.WithoutConsent(), names}
		for _, d := range docs {
			sum := sha256.Sum256(d)
			parts = append(parts, sum[:])
		}
		var claim kit.Claim
		var done bool
		if w, claim, done = s.kit.BeginIdempotent(w, r, clientActor(caller), "sign.xml.batch", parts...); done {
			return
		}
		defer finish(claim, r)
	}
	results, err := xs.SignXMLBatch(r.Context(), caller, req, docs)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"results":[`)
	for i, res := range results {
		item := map[string]any{"index": i, "name": names[i]}
		if res.Err != nil {
			status, detail := s.kit.Classify(res.Err)
			if status >= 500 {
				s.kit.Log.ErrorContext(r.Context(), "batch document failed", "request_id", kit.RequestID(r.Context()), "index", i, "err", res.Err)
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
