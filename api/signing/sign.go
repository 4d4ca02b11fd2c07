package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// Signing is the signing service (app.Sign). SetSealImage is not called
// here: package api hands it to app.Admin, behind api/admin's seal images.
type Signing interface {
	SignPDF(ctx context.Context, caller model.Caller, req app.PDFRequest, in io.ReadSeeker, size int64, out io.Writer) (*app.PDFResult, error)
	SignCMS(ctx context.Context, caller model.Caller, req app.CMSRequest, content io.Reader) ([]byte, error)
	SignHashes(ctx context.Context, caller model.Caller, req app.HashRequest) ([][]byte, error)
	SignPDFBatch(ctx context.Context, caller model.Caller, req app.PDFRequest, docs []app.BatchDocument) ([]app.BatchResult, error)
	SetSealImage(ctx context.Context, organization string, image []byte) error
}

// memoryDocumentBytes returns the largest document held in memory while it
// is signed: an eighth of Config.MemoryBytes (32 MiB of the default
// 256 MiB), and at least minMemoryDocumentBytes. Larger ones are spooled to
// temporary files, so that one document takes at most a fair share of the
// budget. Documents in memory skip the file system: for a 20 MB PDF,
// writing the upload to its file, reading it back to send the answer and
// removing the file were a quarter of the CPU of signing it (make bench,
// 2026-12-07). All documents held in memory at once share
// Config.MemoryBytes; beyond it they go to files too, so a burst of
// batches cannot exhaust memory.
func (s *Handler) memoryDocumentBytes() int64 {
	return max(s.cfg.MemoryBytes/8, minMemoryDocumentBytes)
}

// minMemoryDocumentBytes is the in-memory bound of a document under a
// small Config.MemoryBytes: most decisions and permits fit.
const minMemoryDocumentBytes = 4 << 20

// memoryBudget hands out bytes of the documents held in memory.
type memoryBudget struct {
	mu   sync.Mutex
	left int64
}

func (b *memoryBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.left {
		return false
	}
	b.left -= n
	return true
}

func (b *memoryBudget) give(n int64) {
	b.mu.Lock()
	b.left += n
	b.mu.Unlock()
}

// document is an uploaded document, in memory or in a temporary file.
type document struct {
	r    readSeekerAt
	f    *os.File  // the temporary file; nil when in memory
	mem  *memBytes // the document when in memory
	size int64

	budget *memoryBudget // what held the memory, returned by Close
	held   int64
}

type readSeekerAt interface {
	io.ReadSeeker
	io.ReaderAt
}

func (d *document) Close() {
	if d == nil {
		return
	}
	if d.f != nil {
		name := d.f.Name()
		d.f.Close()
		os.Remove(name)
		d.f = nil
	}
	if d.mem != nil {
		d.mem.release()
		d.mem = nil
	}
	if d.held > 0 {
		d.budget.give(d.held)
		d.held = 0
	}
}

// spool reads at most MaxDocumentBytes of r: into memory up to
// memoryDocumentBytes while the memory budget allows, else into a temporary
// file. hint is the expected size (-1 if unknown).
func (s *Handler) spool(r io.Reader, hint int64) (*document, error) {
	limit := s.cfg.MaxDocumentBytes
	memMax := min(limit, s.memoryDocumentBytes()) + 1 // one byte more tells "larger"
	d := &document{budget: s.mem}
	var buf []byte
	// A body that may fit in memory is read into pooled chunks; one
	// announced larger than memory allows goes to a file from its first
	// byte (reading it into memory up to the bound only to copy it out).
	if hint < memMax {
		pool := sizedChunks
		if hint <= 0 {
			pool = spoolChunks
		}
		d, head, err := s.spoolChunked(r, memMax, pool, hint >= hashAheadBytes)
		if d != nil || err != nil {
			return d, err
		}
		buf = head
	}
	// Larger than memory allows: the bytes read so far start the file.
	n := int64(len(buf))
	if n > limit {
		d.Close()
		return nil, s.tooLarge()
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "kyso-doc-*")
	if err != nil {
		d.Close()
		return nil, tempFileError(err)
	}
	d.f = f
	// The upload is hashed as it is written, on a second goroutine: pades
	// then resumes this SHA-256 state instead of reading the file back to
	// hash it, and the hash overlaps the reading of the body.
	h := sha256.New()
	m, err := copyHashed(f, h, buf, io.LimitReader(r, limit+1-n))
	buf = nil
	m -= n // copyHashed counts the head
	if err != nil {
		d.Close()
		return nil, s.readError(err)
	}
	if n+m > limit {
		d.Close()
		return nil, s.tooLarge()
	}
	if n+m == 0 {
		d.Close()
		return nil, errkind.New(errkind.Invalid, "the uploaded document is empty")
	}
	d.size = n + m
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		d.Close()
		return nil, err
	}
	state, _ := h.(encoding.BinaryMarshaler).MarshalBinary() // nil on error: pades then reads the file to hash it
	d.r = prehashedFile{File: f, state: state, n: d.size}
	return d, nil
}

// fileCopyBuffers are the buffers a body larger than memory allows is
// copied to its temporary file through.
var fileCopyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyHashed writes head and then r to f and hashes, with h, exactly the
// bytes written, on a goroutine of its own: the hash of one buffer
// overlaps reading and writing the next (two pooled 256 KiB buffers take
// turns; a buffer is read into again only once the hash has taken it).
// Writing through f.Write also avoids the file's ReadFrom, which copies
// through a 32 KiB buffer of its own (1300 system calls for 20 MB). It
// returns the bytes written, head's included, and returns only after the
// hashing goroutine has ended.
func copyHashed(f *os.File, h hash.Hash, head []byte, r io.Reader) (int64, error) {
	type chunk struct {
		data []byte
		buf  *[]byte // the pooled buffer data is in; nil for head
	}
	todo := make(chan chunk, 2)
	free := make(chan *[]byte, 2)
	free <- fileCopyBuffers.Get().(*[]byte)
	free <- fileCopyBuffers.Get().(*[]byte)
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for c := range todo {
			h.Write(c.data)
			if c.buf != nil {
				free <- c.buf
			}
		}
	}()
	var written int64
	var err error
	if len(head) > 0 {
		if _, err = f.Write(head); err == nil {
			written += int64(len(head))
			todo <- chunk{data: head}
		}
	}
	for err == nil {
		bp := <-free
		n, rerr := io.ReadFull(r, *bp)
		if n > 0 {
			if _, err = f.Write((*bp)[:n]); err != nil {
				free <- bp
				break
			}
			written += int64(n)
			todo <- chunk{data: (*bp)[:n], buf: bp}
		} else {
			free <- bp
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		err = rerr
	}
	close(todo)
	<-hashed
	fileCopyBuffers.Put(<-free)
	fileCopyBuffers.Put(<-free)
	return written, err
}

// prehashedFile is a spooled upload that knows the SHA-256 state of its
// n bytes (pades.PrehashedInput; state nil: it does not).
type prehashedFile struct {
	*os.File
	state []byte
	n     int64
}

func (p prehashedFile) SHA256State() ([]byte, int64, bool) {
	return p.state, p.n, p.state != nil
}

func (s *Handler) readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return s.tooLarge()
	}
	// Writing the temporary file failed (a full disk: storage_full): the
	// server's fault, not the upload's. Reading a request body never
	// fails with a *PathError.
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("api: spool the document: %w", tempFileError(err))
	}
	return errkind.New(errkind.Invalid, "cannot read the uploaded document")
}

// tempFileError classifies a failure to create or write a temporary file
// for a document: a full disk or quota is errkind.Full (nothing was
// stored; 507), anything else stays as it is (internal).
func tempFileError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return errkind.Wrap(errkind.Full, err, "")
	}
	return err
}

// signedOutput receives a signed document: in memory when its input was,
// else in a temporary file. In memory, it keeps only what follows the
// input: a signed PDF is its input followed by the appended revisions, so
// while what is written equals the input (the prefix) it is counted, not
// copied, and a batch holds each document once instead of twice.
type signedOutput struct {
	buf     *bytes.Buffer
	prefix  *memBytes // the input, while the output still matches it
	matched int64     // bytes of prefix written so far
	f       *os.File
	budget  *memoryBudget
	held    int64
}

// signedTailBytes is what an in-memory signed output is expected to add to
// its input (the signature's revision; more for B-LT).
const signedTailBytes = 64 << 10

// tailBuffers hold what in-memory signed outputs add to their input.
var tailBuffers = sync.Pool{New: func() any { b := make([]byte, signedTailBytes); return &b }}

func (s *Handler) outputFor(d *document) (*signedOutput, error) {
	if d.f == nil {
		n := int64(signedTailBytes)
		if s.mem.take(n) {
			// The buffer is made at the first byte past the input: in a
			// batch, when the document is signed, not while it waits.
			return &signedOutput{buf: new(bytes.Buffer), prefix: d.mem, budget: s.mem, held: n}, nil
		}
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "kyso-signed-*")
	if err != nil {
		return nil, tempFileError(err)
	}
	return &signedOutput{f: f}, nil
}

func (o *signedOutput) Write(p []byte) (int, error) {
	if o.f != nil {
		n, err := o.f.Write(p)
		return n, tempFileError(err)
	}
	n := len(p)
	if o.buf.Len() == 0 && o.prefix != nil && o.matched < o.prefix.size {
		k := min(int64(len(p)), o.prefix.size-o.matched)
		if !o.prefix.equalAt(p[:k], o.matched) {
			// Not the input after all: keep what was counted as bytes.
			io.Copy(o.buf, io.NewSectionReader(o.prefix, 0, o.matched))
			o.prefix, o.matched = nil, 0
		} else {
			o.matched += k
			p = p[k:]
		}
	}
	if o.buf.Cap() == 0 && len(p) > 0 {
		// A pooled tail: a fresh 64 KiB for each document of a batch
		// was zeroed (and faulted in) at each signature.
		*o.buf = *bytes.NewBuffer((*tailBuffers.Get().(*[]byte))[:0])
	}
	o.buf.Write(p)
	return n, nil
}

// contents returns what was written and its size.
func (o *signedOutput) contents() (io.Reader, int64, error) {
	if o.f == nil {
		if o.prefix == nil {
			return bytes.NewReader(o.buf.Bytes()), int64(o.buf.Len()), nil
		}
		return io.MultiReader(io.NewSectionReader(o.prefix, 0, o.matched), bytes.NewReader(o.buf.Bytes())),
			o.matched + int64(o.buf.Len()), nil
	}
	size, err := o.f.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = o.f.Seek(0, io.SeekStart)
	}
	return o.f, size, err
}

// ReadBack returns what was written and its size, to be read at any
// offset (app.ExtendSpool: an extension is checked before it is sent).
func (o *signedOutput) ReadBack() (io.ReaderAt, int64, error) {
	if o.f != nil {
		size, err := o.f.Seek(0, io.SeekCurrent)
		return o.f, size, err
	}
	if o.prefix == nil {
		return bytes.NewReader(o.buf.Bytes()), int64(o.buf.Len()), nil
	}
	return prefixedTail{head: o.prefix, n: o.matched, tail: o.buf.Bytes()}, o.matched + int64(o.buf.Len()), nil
}

// prefixedTail reads the first n bytes of head followed by tail.
type prefixedTail struct {
	head io.ReaderAt
	n    int64
	tail []byte
}

func (p prefixedTail) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("signing: negative offset")
	}
	n := 0
	if off < p.n {
		k := min(int64(len(b)), p.n-off)
		m, err := p.head.ReadAt(b[:k], off)
		if n = m; int64(m) < k {
			return n, err
		}
		off += k
	}
	if t := off - p.n; n < len(b) && t < int64(len(p.tail)) {
		n += copy(b[n:], p.tail[t:])
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (o *signedOutput) Close() {
	if o == nil {
		return
	}
	if o.f != nil {
		o.f.Close()
		os.Remove(o.f.Name())
		o.f = nil
	}
	if o.buf != nil && o.buf.Cap() == signedTailBytes {
		// Still the pooled tail (a grown one is a new array): nothing
		// reads it after Close.
		b := o.buf.Bytes()[:0]
		tailBuffers.Put(&b)
	}
	o.buf, o.prefix = nil, nil
	if o.held > 0 {
		o.budget.give(o.held)
		o.held = 0
	}
}

func (s *Handler) tooLarge() error {
	return errkind.New(errkind.TooLarge, fmt.Sprintf("the document is larger than %d bytes", s.cfg.MaxDocumentBytes))
}

// readUpload reads a signing request: multipart/form-data with a "file"
// part and an "options" JSON part, or the document as the whole body with
// the options JSON in the Kyso-Options header.
func (s *Handler) readUpload(w http.ResponseWriter, r *http.Request, opts any, bodyType string) (*document, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxDocumentBytes+1<<20)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, errkind.New(errkind.UnsupportedMedia, "send multipart/form-data (parts \"file\" and \"options\") or "+bodyType)
	}
	decodeOpts := func(data []byte) error {
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(opts); err != nil {
			return errkind.New(errkind.Malformed, "malformed options JSON: "+kit.JSONErrorText(err))
		}
		if _, err := dec.Token(); err != io.EOF {
			return errkind.New(errkind.Malformed, "malformed options JSON: trailing data after the object")
		}
		return nil
	}
	switch {
	case mt == "multipart/form-data":
		mr := newMultipartReader(r.Body, params["boundary"])
		var doc *document
		haveOpts := false
		for parts := 0; ; parts++ {
			if parts >= 8 {
				doc.Close()
				return nil, errkind.New(errkind.Invalid, "too many multipart parts (want \"file\" and \"options\")")
			}
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				doc.Close()
				return nil, errkind.New(errkind.Invalid, "malformed multipart body")
			}
			switch p.FormName() {
			case "file":
				if doc != nil {
					doc.Close()
					return nil, errkind.New(errkind.Invalid, "more than one \"file\" part")
				}
				if doc, err = s.spool(p, -1); err != nil {
					return nil, err
				}
			case "options":
				if haveOpts {
					doc.Close()
					return nil, errkind.New(errkind.Invalid, "more than one \"options\" part")
				}
				data, err := io.ReadAll(io.LimitReader(p, 1<<20))
				if err != nil {
					doc.Close()
					return nil, errkind.New(errkind.Invalid, "cannot read the options part")
				}
				if err := decodeOpts(data); err != nil {
					doc.Close()
					return nil, err
				}
				haveOpts = true
			default:
				doc.Close()
				return nil, errkind.New(errkind.Invalid, fmt.Sprintf("unexpected multipart part %q (want \"file\" and \"options\")", p.FormName()))
			}
		}
		if doc == nil || !haveOpts {
			doc.Close()
			return nil, errkind.New(errkind.Invalid, "the request needs a \"file\" part and an \"options\" part")
		}
		return doc, nil
	case mt == bodyType || (bodyType == "application/octet-stream" && mt != ""):
		h := r.Header.Get("Kyso-Options")
		if h == "" {
			return nil, errkind.New(errkind.Invalid, "send the options as JSON in the Kyso-Options header")
		}
		if err := decodeOpts([]byte(h)); err != nil {
			return nil, err
		}
		return s.spool(r.Body, r.ContentLength)
	}
	return nil, errkind.New(errkind.UnsupportedMedia, "send multipart/form-data (parts \"file\" and \"options\") or "+bodyType)
}

func (s *Handler) signPDF(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	var req app.PDFRequest
	doc, err := s.readUpload(w, r, &req, "application/pdf")
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	defer doc.Close()
	w, claim, done := s.idempotentUpload(w, r, caller, "sign.pdf", doc, req.WithoutConsent())
	if done {
		return
	}
	defer finish(claim, r)
	// The signed PDF streams to the client as it is written: the original
	// (from memory or its temporary file) and then the appended revisions.
	out := &pdfResponse{w: w}
	if _, err := s.deps.Signing.SignPDF(r.Context(), caller, req, doc.r, doc.size, out); err != nil {
		if out.started {
			// The signature was made and recorded; only sending it
			// failed (the client went away). The body is cut short of
			// its Content-Length, which the client sees.
			s.kit.Log.WarnContext(r.Context(), "sending the signed PDF failed", "request_id", kit.RequestID(r.Context()), "err", err)
			return
		}
		s.kit.RenderError(w, r, err)
	}
}

// clientActor names a client system in Idempotency-Key records.
func clientActor(c model.Caller) string { return "client:" + c.ClientID }

// idempotentUpload is beginIdempotent for a request with one document,
// whose digest is part of the fingerprint.
func (s *Handler) idempotentUpload(w http.ResponseWriter, r *http.Request, caller model.Caller, route string, doc *document, opts any) (http.ResponseWriter, kit.Claim, bool) {
	if _, present := r.Header[kit.IdempotencyHeader]; !present {
		return w, nil, false
	}
	dg, err := documentDigest(doc)
	if err != nil {
		s.kit.RenderError(w, r, s.readError(err))
		return w, nil, true
	}
	return s.kit.BeginIdempotent(w, r, clientActor(caller), route, opts, dg)
}

// pdfResponse is the HTTP answer of a signing: the result goes into the
// headers before the signed PDF is written as the body.
type pdfResponse struct {
	w       http.ResponseWriter
	started bool
}

func (p *pdfResponse) BeginResult(res *app.PDFResult) error {
	p.w.Header().Set("Content-Type", "application/pdf")
	p.w.Header().Set("Content-Length", strconv.FormatInt(res.Size, 10))
	p.w.Header().Set("Kyso-Signature-Field", res.SignatureField)
	p.w.Header().Set("Kyso-Document-SHA256", hex.EncodeToString(res.DocumentDigest))
	p.w.Header().Set("Kyso-Level", res.Level)
	p.w.WriteHeader(http.StatusOK)
	p.started = true
	return nil
}

func (p *pdfResponse) Write(b []byte) (int, error) {
	if !p.started {
		return 0, errors.New("api: signed PDF written before its result")
	}
	return p.w.Write(b)
}

func (s *Handler) signCMS(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	var req app.CMSRequest
	doc, err := s.readUpload(w, r, &req, "application/octet-stream")
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	defer doc.Close()
	w, claim, done := s.idempotentUpload(w, r, caller, "sign.cms", doc, req.WithoutConsent())
	if done {
		return
	}
	defer finish(claim, r)
	sig, err := s.deps.Signing.SignCMS(r.Context(), caller, req, doc.r)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pkcs7-signature")
	w.Header().Set("Content-Disposition", `attachment; filename="signature.p7s"`)
	_, _ = w.Write(sig)
}

func (s *Handler) signHash(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	var req app.HashRequest
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	w, claim, done := s.kit.BeginIdempotent(w, r, clientActor(caller), "sign.hash", req.WithoutConsent())
	if done {
		return
	}
	defer finish(claim, r)
	sigs, err := s.deps.Signing.SignHashes(r.Context(), caller, req)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	type item struct {
		CMS string `json:"cms"`
	}
	out := make([]item, len(sigs))
	for i, sig := range sigs {
		out[i] = item{CMS: base64.StdEncoding.EncodeToString(sig)}
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"signatures": out})
}

// signPDFBatch signs the "file" parts of a multipart request with the
// options of its "options" part, in one Vault round trip, and answers with
// a result per document, in order: the signed PDF (base64) or the error.
func (s *Handler) signPDFBatch(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	var req app.PDFRequest
	var docs []*document
	defer func() {
		for _, d := range docs {
			d.Close()
		}
	}()
	names, ok := s.readBatch(w, r, &req, func(p *multipart.Part) (int64, error) {
		d, err := s.spool(p, -1)
		if err != nil {
			return 0, err
		}
		docs = append(docs, d)
		return d.size, nil
	})
	if !ok {
		return
	}
	var claim kit.Claim
	if _, present := r.Header[kit.IdempotencyHeader]; present {
		parts := []any{req.WithoutConsent(), names}
		if wantsMultipart(r) {
			// A retry asking for the other form of answer is another request.
			parts = append(parts, "answer:"+multipartMixed)
		}
		for _, d := range docs {
			dg, err := documentDigest(d)
			if err != nil {
				s.kit.RenderError(w, r, s.readError(err))
				return
			}
			parts = append(parts, dg)
		}
		var done bool
		if w, claim, done = s.kit.BeginIdempotent(w, r, clientActor(caller), "sign.pdf.batch", parts...); done {
			return
		}
		defer finish(claim, r)
	}
	batch := make([]app.BatchDocument, len(docs))
	outs := make([]*signedOutput, len(docs))
	defer func() {
		for _, o := range outs {
			o.Close()
		}
	}()
	results := make([]app.BatchResult, len(docs))
	// Each document's index is sent once its result is known; the
	// channel holds them all, so Done never waits for the answer.
	finished := make(chan int, len(docs))
	for i, d := range docs {
		o, err := s.outputFor(d)
		if err != nil {
			s.kit.RenderError(w, r, err)
			return
		}
		outs[i] = o
		batch[i] = app.BatchDocument{Name: names[i], In: d.r, Size: d.size, Out: o,
			Done: func(res app.BatchResult) { results[i] = res; finished <- i }}
	}
	signed := make(chan error, 1)
	signing := make(chan struct{})
	// Whatever ends this handler (a panic too), the documents and outputs
	// are released only once nothing signs them any more.
	defer func() { <-signing }()
	go func() {
		defer close(signing)
		_, err := s.deps.Signing.SignPDFBatch(r.Context(), caller, req, batch)
		signed <- err
	}()
	s.streamBatchAnswer(w, r, names, docs, outs, results, finished, signed)
}

// streamBatchAnswer answers a batch while it is signed: each document's
// result is written, in order, as soon as it and the ones before it are
// known, and its input and output are released once written, so the
// answer holds few signed documents at once. The answer begins (200)
// with the first result: SignPDFBatch refuses a batch as a whole (signed
// receives its error) before any document's result. It returns once
// SignPDFBatch has: only then are docs and outs no longer in use.
func (s *Handler) streamBatchAnswer(w http.ResponseWriter, r *http.Request, names []string, docs []*document, outs []*signedOutput,
	results []app.BatchResult, finished <-chan int, signed <-chan error) {
	ans := s.newBatchAnswer(w, r)
	ready := make([]bool, len(docs))
	next := 0
	started, gone := false, false
	take := func(i int) {
		if !started {
			ans.begin()
			started = true
		}
		ready[i] = true
		for ; next < len(docs) && ready[next]; next++ {
			if !gone && !ans.item(next, names[next], results[next], outs[next]) {
				// The client went away: the documents still signed are
				// recorded but not sent, as for POST /v1/sign/pdf.
				s.kit.Log.WarnContext(r.Context(), "sending the batch answer failed", "request_id", kit.RequestID(r.Context()), "index", next)
				gone = true
			}
			outs[next].Close()
			docs[next].Close()
		}
	}
	for {
		select {
		case i := <-finished:
			take(i)
		case err := <-signed:
			if err != nil {
				if started {
					// Not reached: a batch refused as a whole has no results.
					s.kit.Log.ErrorContext(r.Context(), "batch refused after its first result", "request_id", kit.RequestID(r.Context()), "err", err)
					return
				}
				s.kit.RenderError(w, r, err)
				return
			}
			// Every Done ran before SignPDFBatch returned.
			for len(finished) > 0 {
				take(<-finished)
			}
			if next < len(docs) {
				s.kit.Log.ErrorContext(r.Context(), "batch answer incomplete", "request_id", kit.RequestID(r.Context()), "answered", next, "documents", len(docs))
				return
			}
			if !gone {
				ans.end()
			}
			return
		}
	}
}

// readBatch reads the multipart body of a batch signing request: exactly
// one "options" part, decoded strictly into opts, and one to
// app.MaxBatchDocuments "file" parts, each handed to file, which keeps
// it and returns its size (the sizes together at most MaxBatchBytes). It
// returns the files' names; on any error it renders the answer and
// reports false (file may have kept some parts: the caller releases them).
func (s *Handler) readBatch(w http.ResponseWriter, r *http.Request, opts any, file func(*multipart.Part) (int64, error)) ([]string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBatchBytes+1<<20)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		s.kit.RenderError(w, r, errkind.New(errkind.UnsupportedMedia, "send multipart/form-data: one \"options\" part and up to 100 \"file\" parts"))
		return nil, false
	}
	var names []string
	haveOpts := false
	var total int64
	mr := newMultipartReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				s.kit.RenderError(w, r, s.tooLarge())
			} else {
				s.kit.RenderError(w, r, errkind.New(errkind.Invalid, "malformed multipart body"))
			}
			return nil, false
		}
		switch p.FormName() {
		case "options":
			if haveOpts {
				s.kit.RenderError(w, r, errkind.New(errkind.Invalid, "more than one \"options\" part"))
				return nil, false
			}
			data, err := io.ReadAll(io.LimitReader(p, 1<<20))
			if err == nil {
				dec := json.NewDecoder(strings.NewReader(string(data)))
				dec.DisallowUnknownFields()
				if err = dec.Decode(opts); err == nil {
					if _, terr := dec.Token(); terr != io.EOF {
						err = kit.ErrTrailing
					}
				}
			}
			if err != nil {
				s.kit.RenderError(w, r, errkind.New(errkind.Malformed, "malformed options JSON: "+kit.JSONErrorText(err)))
				return nil, false
			}
			haveOpts = true
		case "file":
			if len(names) == app.MaxBatchDocuments {
				s.kit.RenderError(w, r, errkind.New(errkind.Invalid, fmt.Sprintf("a batch holds at most %d documents", app.MaxBatchDocuments)))
				return nil, false
			}
			n, err := file(p)
			if err != nil {
				s.kit.RenderError(w, r, err)
				return nil, false
			}
			names = append(names, p.FileName())
			if total += n; total > s.cfg.MaxBatchBytes {
				s.kit.RenderError(w, r, errkind.New(errkind.TooLarge, fmt.Sprintf("the batch is larger than %d bytes", s.cfg.MaxBatchBytes)))
				return nil, false
			}
		default:
			s.kit.RenderError(w, r, errkind.New(errkind.Invalid, fmt.Sprintf("unexpected multipart part %q (want \"options\" and \"file\")", p.FormName())))
			return nil, false
		}
	}
	if !haveOpts || len(names) == 0 {
		s.kit.RenderError(w, r, errkind.New(errkind.Invalid, "the batch needs an \"options\" part and at least one \"file\" part"))
		return nil, false
	}
	return names, true
}

// documentDigest hashes a spooled document for a fingerprint and rewinds it.
func documentDigest(d *document) ([]byte, error) {
	if p, ok := d.r.(interface {
		SHA256State() ([]byte, int64, bool)
	}); ok {
		if state, n, ok := p.SHA256State(); ok && n == d.size {
			h := sha256.New()
			if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err == nil {
				return h.Sum(nil), nil
			}
		}
	}
	if _, err := d.r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, d.r); err != nil {
		return nil, err
	}
	if _, err := d.r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
