package signing

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/model"
)

// Extender raises signed PDFs to PAdES B-LT or B-LTA (app.Extend).
type Extender interface {
	ExtendPDF(ctx context.Context, actor string, req app.ExtendRequest, in io.ReadSeeker, size int64, out io.Writer) (*app.ExtendResult, error)
}

// extendPDF is POST /v1/extend/pdf: the document as the body (or the
// multipart "file" part with an "options" {"level"} part), the level in
// the "level" query parameter or the options. A client's key is needed:
// an extension costs kyso's time-stamp.
func (s *Handler) extendPDF(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	if s.deps.Extend == nil {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	var req app.ExtendRequest
	if r.Header.Get("Kyso-Options") == "" {
		// The options are optional here: the level can be in the query.
		r.Header.Set("Kyso-Options", "{}")
	}
	doc, err := s.readUpload(w, r, &req, "application/pdf")
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	defer doc.Close()
	if l := r.URL.Query().Get("level"); l != "" {
		req.Level = l
	}
	// The extended PDF is held while it is checked as a signed one is:
	// within the memory budget (only what follows the input), else in a
	// temporary file.
	out := &extendResponse{w: w, spoolFor: func() (*signedOutput, error) { return s.outputFor(doc) }}
	defer func() { out.spooled.Close() }()
	if _, err := s.deps.Extend.ExtendPDF(r.Context(), clientActor(caller), req, doc.r, doc.size, out); err != nil {
		if out.started {
			s.kit.Log.WarnContext(r.Context(), "sending the extended PDF failed", "request_id", kit.RequestID(r.Context()), "err", err)
			return
		}
		s.kit.RenderError(w, r, err)
	}
}

// extendResponse is the HTTP answer of an extension: the result goes into
// the headers before the PDF is written as the body.
type extendResponse struct {
	w        http.ResponseWriter
	started  bool
	spoolFor func() (*signedOutput, error)
	spooled  *signedOutput // closed by the handler
}

// Spool implements app.Spooler.
func (p *extendResponse) Spool() (app.ExtendSpool, error) {
	o, err := p.spoolFor()
	if err != nil {
		return nil, err
	}
	p.spooled = o
	return o, nil
}

func (p *extendResponse) BeginExtend(res *app.ExtendResult) error {
	p.w.Header().Set("Content-Type", "application/pdf")
	p.w.Header().Set("Content-Length", strconv.FormatInt(res.Size, 10))
	p.w.Header().Set("Kyso-Document-SHA256", hex.EncodeToString(res.DocumentDigest))
	p.w.Header().Set("Kyso-Level", res.Level)
	p.w.WriteHeader(http.StatusOK)
	p.started = true
	return nil
}

func (p *extendResponse) Write(b []byte) (int, error) {
	if !p.started {
		return 0, errors.New("api: extended PDF written before its result")
	}
	return p.w.Write(b)
}
