package signing

import (
	"bufio"
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
	"sync"

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

// batchAnswer writes the answer of a PDF batch one document at a time, in
// order, as the documents are signed: multipart/mixed when the client
// asked for it, else JSON. begin writes the status and the headers, once
// the batch as a whole is accepted; item writes one document's result and
// reports false when the client went away; end closes the answer.
type batchAnswer interface {
	begin()
	item(i int, name string, res app.BatchResult, out *signedOutput) bool
	end()
}

func (s *Handler) newBatchAnswer(w http.ResponseWriter, r *http.Request) batchAnswer {
	if wantsMultipart(r) {
		return &multipartAnswer{s: s, w: w, r: r}
	}
	return &jsonAnswer{s: s, w: w, r: r}
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

// jsonAnswer streams the JSON answer: one document's base64 in memory at
// a time.
type jsonAnswer struct {
	s     *Handler
	w     http.ResponseWriter
	r     *http.Request
	bw    *bufio.Writer // over w: base64's encoder writes 1 KiB at a time
	items int
}

func (a *jsonAnswer) begin() {
	a.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	a.w.WriteHeader(http.StatusOK)
	a.bw = bufio.NewWriterSize(a.w, 64<<10)
	a.bw.WriteString(`{"results":[`)
}

func (a *jsonAnswer) item(i int, name string, res app.BatchResult, out *signedOutput) bool {
	item, signed, _ := a.s.batchItem(a.r, i, name, res, out)
	if a.items++; a.items > 1 {
		a.bw.WriteString(",")
	}
	b, _ := json.Marshal(item)
	if signed == nil {
		a.bw.Write(b)
		return a.bw.Flush() == nil
	}
	// The signed PDF is base64-encoded straight into the answer as the
	// item's last member, without a copy of it in memory.
	a.bw.Write(b[:len(b)-1])
	a.bw.WriteString(`,"pdf":"`)
	enc := base64.NewEncoder(base64.StdEncoding, a.bw)
	_, err := io.Copy(enc, signed)
	if err == nil {
		err = enc.Close()
	}
	if err == nil {
		a.bw.WriteString(`"}`)
		err = a.bw.Flush()
	}
	return err == nil
}

func (a *jsonAnswer) end() {
	a.bw.WriteString("]}\n")
	a.bw.Flush()
}

// multipartAnswer streams the multipart/mixed answer: one part per
// document, in order. A signed document's part is the signed PDF as it
// is (application/pdf) with the headers of POST /v1/sign/pdf's answer; a
// failed one's is its JSON result (application/json). Every part carries
// Kyso-Index, Kyso-Status and, in Content-Disposition, the file's name.
type multipartAnswer struct {
	s  *Handler
	w  http.ResponseWriter
	r  *http.Request
	mw *multipart.Writer
}

func (a *multipartAnswer) begin() {
	a.mw = multipart.NewWriter(a.w)
	a.w.Header().Set("Content-Type", mime.FormatMediaType(multipartMixed, map[string]string{"boundary": a.mw.Boundary()}))
	a.w.WriteHeader(http.StatusOK)
}

func (a *multipartAnswer) item(i int, name string, res app.BatchResult, out *signedOutput) bool {
	item, signed, size := a.s.batchItem(a.r, i, name, res, out)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
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
	pw, err := a.mw.CreatePart(h)
	if err != nil {
		return false // the client went away
	}
	if signed != nil {
		return copyLarge(pw, signed) == nil
	}
	b, _ := json.Marshal(item)
	_, err = pw.Write(b)
	return err == nil
}

func (a *multipartAnswer) end() { a.mw.Close() }

// answerWriteBytes is the most of a batch answer written to the
// connection at once. A signed document copied through io.Copy's 32 KiB
// took seven writes, each a chunk of the chunked answer and two system
// calls.
const answerWriteBytes = 256 << 10

var answerBuffers = sync.Pool{New: func() any { b := make([]byte, answerWriteBytes); return &b }}

// copyLarge copies r to w in writes of up to answerWriteBytes.
func copyLarge(w io.Writer, r io.Reader) error {
	bp := answerBuffers.Get().(*[]byte)
	defer answerBuffers.Put(bp)
	for {
		n, err := io.ReadFull(r, *bp)
		if n > 0 {
			if _, werr := w.Write((*bp)[:n]); werr != nil {
				return werr
			}
		}
		switch err {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			return nil
		default:
			return err
		}
	}
}
