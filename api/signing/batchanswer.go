package signing

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
)

// multipartMixed is the media type of the binary batch answer.
const multipartMixed = "multipart/mixed"

// wantsMultipart reports whether a batch request's Accept header asks for
// multipart/mixed. JSON stays the answer for every other Accept.
func wantsMultipart(r *http.Request) bool {
	for _, h := range r.Header.Values("Accept") {
		for _, v := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(v))
			if err == nil && mt == multipartMixed && params["q"] != "0" {
				return true
			}
		}
	}
	return false
}

// writeBatchAnswer writes the answer of a PDF batch: multipart/mixed when
// the client asked for it, else JSON.
func (s *Handler) writeBatchAnswer(w http.ResponseWriter, r *http.Request, names []string, results []app.BatchResult, outs []*signedOutput) {
	if wantsMultipart(r) {
		s.writeBatchMultipart(w, r, names, results, outs)
		return
	}
	s.writeBatchJSON(w, r, names, results, outs)
}

// batchItem is the JSON of one document's outcome, without the PDF; it
// returns the signed PDF's reader for a signed document, else nil.
func (s *Handler) batchItem(r *http.Request, i int, name string, res app.BatchResult, out *signedOutput) (map[string]any, io.Reader, int64) {
	item := map[string]any{"index": i, "name": name}
	if res.Err != nil {
		status, detail := s.kit.Classify(res.Err)
		if status >= 500 {
			s.kit.Log.ErrorContext(r.Context(), "batch document failed", "request_id", kit.RequestID(r.Context()), "index", i, "err", res.Err)
		}
		item["status"], item["error"] = "failed", detail
		return item, nil, 0
	}
	rd, size, err := out.contents()
	if err != nil {
		_, detail := s.kit.Classify(err)
		item["status"], item["error"] = "failed", detail
		return item, nil, 0
	}
	item["status"] = "signed"
	item["signature_field"] = res.Result.SignatureField
	item["document_sha256"] = hex.EncodeToString(res.Result.DocumentDigest)
	item["level"] = res.Result.Level
	return item, rd, size
}

// writeBatchJSON streams the JSON answer: one document's base64 in memory
// at a time.
func (s *Handler) writeBatchJSON(w http.ResponseWriter, r *http.Request, names []string, results []app.BatchResult, outs []*signedOutput) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"results":[`)
	for i, res := range results {
		item, signed, _ := s.batchItem(r, i, names[i], res, outs[i])
		if i > 0 {
			io.WriteString(w, ",")
		}
		b, _ := json.Marshal(item)
		if signed == nil {
			w.Write(b)
			continue
		}
		// The signed PDF is base64-encoded straight into the answer as
		// the item's last member, without a copy of it in memory.
		w.Write(b[:len(b)-1])
		io.WriteString(w, `,"pdf":"`)
		enc := base64.NewEncoder(base64.StdEncoding, w)
		io.Copy(enc, signed)
		enc.Close()
		io.WriteString(w, `"}`)
	}
	io.WriteString(w, "]}\n")
}

// writeBatchMultipart streams the multipart/mixed answer: one part per
// document, in order. A signed document's part is the signed PDF as it
// is (application/pdf) with the headers of POST /v1/sign/pdf's answer; a
// failed one's is its JSON result (application/json). Every part carries
// Kyso-Index, Kyso-Status and, in Content-Disposition, the file's name.
func (s *Handler) writeBatchMultipart(w http.ResponseWriter, r *http.Request, names []string, results []app.BatchResult, outs []*signedOutput) {
	mw := multipart.NewWriter(w)
	w.Header().Set("Content-Type", mime.FormatMediaType(multipartMixed, map[string]string{"boundary": mw.Boundary()}))
	w.WriteHeader(http.StatusOK)
	for i, res := range results {
		item, signed, size := s.batchItem(r, i, names[i], res, outs[i])
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": names[i]}))
		h.Set("Kyso-Index", strconv.Itoa(i))
		h.Set("Kyso-Status", item["status"].(string))
		if signed != nil {
			h.Set("Content-Type", "application/pdf")
			h.Set("Content-Length", strconv.FormatInt(size, 10))
			h.Set("Kyso-Signature-Field", item["signature_field"].(string))
			h.Set("Kyso-Document-SHA256", item["document_sha256"].(string))
			h.Set("Kyso-Level", item["level"].(string))
		} else {
			h.Set("Content-Type", "application/json; charset=utf-8")
		}
		pw, err := mw.CreatePart(h)
		if err != nil {
			return // the client went away
		}
		if signed != nil {
			if _, err := io.Copy(pw, signed); err != nil {
				return
			}
			continue
		}
		b, _ := json.Marshal(item)
		pw.Write(b)
	}
	mw.Close()
}
