package verify

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
)

// Verifier validates signed documents for anyone (app.Verify). Its
// reports are answered as they are: an invalid signature is a 200 with a
// report that says so, not an error.
type Verifier interface {
	VerifyPDF(ctx context.Context, r io.ReaderAt, size int64) (*app.Report, error)
	// VerifyCMS takes the signature as sent: DER, PEM or base64 DER.
	VerifyCMS(ctx context.Context, content io.Reader, sig []byte) (*app.Report, error)
}

// Config bounds the verification routes; package api fills it from its
// own Config, defaults applied.
type Config struct {
	// MaxVerifyBytes bounds a document sent to the verifier.
	MaxVerifyBytes int64
	// VerifyPerMinute and VerifyBurst limit each client address's
	// requests (VerifyPerMinute negative: no limit); ReportsPerMinute its
	// signed printed reports on top of that (negative: no limit).
	VerifyPerMinute  float64
	VerifyBurst      int
	ReportsPerMinute float64
	// VerifyConcurrency bounds verifications in progress.
	VerifyConcurrency int
	// VerifyUploadsPerAddress bounds the uploads one client address may
	// have in progress (negative: no bound).
	VerifyUploadsPerAddress int
	// TempDir holds the uploads while they are verified.
	TempDir string
}

// Deps are what the verification routes call: app.Verify. A nil Verifier
// answers every route 503 (not configured); the XML route needs it to be
// an XMLVerifier too, ?format=etsi and report a RecordWriter.
type Deps struct {
	Verifier Verifier
}

// Handler serves the public verification API.
type Handler struct {
	cfg  Config
	deps Deps
	kit  kit.Kit

	limiter     *ipLimiter
	reports     *ipLimiter // signed printed reports, per address
	uploads     *uploadSlots
	verifySlots chan struct{}
}

// New returns the verification routes over d.
func New(cfg Config, d Deps, k kit.Kit) *Handler {
	return &Handler{cfg: cfg, deps: d, kit: k,
		limiter:     newIPLimiter(cfg.VerifyPerMinute, cfg.VerifyBurst),
		reports:     newIPLimiter(cfg.ReportsPerMinute, reportBurst),
		verifySlots: make(chan struct{}, max(cfg.VerifyConcurrency, 1)),
		uploads:     newUploadSlots(cfg.VerifyUploadsPerAddress),
	}
}

// Mount registers the verification routes on r (whose middleware they
// get).
func (s *Handler) Mount(r *mux.Router) {
	r.Handle("/v1/verify/pdf", s.verifyGate(s.verifyPDF)).Methods(http.MethodPost)
	r.Handle("/v1/verify/cms", s.verifyGate(s.verifyCMS)).Methods(http.MethodPost)
	r.Handle("/v1/verify/xml", s.verifyGate(s.verifyXML)).Methods(http.MethodPost)
}

func (s *Handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	s.kit.RenderError(w, r, err)
}

func (s *Handler) clientIP(r *http.Request) netip.Addr { return s.kit.ClientIP(r) }

// multipartReadBuffer is how much of a multipart body is read at a time
// (as package api's newMultipartReader: mime/multipart's own 4 KiB buffer
// alone costs many small reads).
const multipartReadBuffer = 64 << 10

// readError classifies a failure to read a multipart upload of at most
// limit bytes a part: too large, a temporary file that could not be
// written (storage_full), or an unreadable upload.
func (s *Handler) readError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errkind.New(errkind.TooLarge, fmt.Sprintf("the document is larger than %d bytes (tệp quá lớn)", limit))
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("api: spool the document: %w", tempFileError(err))
	}
	return errkind.New(errkind.Invalid, "cannot read the uploaded document")
}

var errNotConfigured = kit.ErrNotConfigured

// tempFileError gives a temporary file's write error its kind: a full
// disk or quota is Full (507 storage_full), as package api's.
func tempFileError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return errkind.Wrap(errkind.Full, err, "")
	}
	return err
}

// maxCMSBytes bounds a detached CMS signature upload. Real signatures are
// a few KiB to a few hundred KiB (with embedded revocation data).
const maxCMSBytes = 16 << 20

// verifyGate applies the public verification endpoints' protections, in
// order: the per-client rate limit; a cap on the uploads each client
// address may have in progress (VerifyUploadsPerAddress); the body read
// whole (spooled) before anything else; then a bounded number of
// verifications in progress (waiting for a slot at most until the
// request's deadline). The slot is taken only once the body is here: a
// client that sends its body slowly holds a slot of its own address's cap,
// never one of the verifier's, so three slow uploads do not keep a small
// verification from someone else waiting.
func (s *Handler) verifyGate(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Verifier == nil {
			s.renderError(w, r, errNotConfigured)
			return
		}
		ip := s.clientIP(r)
		if ok, retry := s.limiter.allow(ip); !ok {
			w.Header().Set("Retry-After", fmt.Sprint(retry))
			s.renderError(w, r, errkind.New(errkind.RateLimited, fmt.Sprintf("too many verification requests from your address; try again in %d s (quá nhiều yêu cầu, vui lòng thử lại sau)", retry)))
			return
		}
		if !s.uploads.acquire(ip) {
			w.Header().Set("Retry-After", "5")
			s.renderError(w, r, errkind.New(errkind.RateLimited,
				fmt.Sprintf("%d uploads from your address are still in progress; wait for them to finish (quá nhiều tệp đang tải lên)", s.cfg.VerifyUploadsPerAddress)))
			return
		}
		body, err := s.spoolBody(w, r)
		s.uploads.release(ip)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		defer body.Close()
		r.Body, r.ContentLength = body, body.size
		select {
		case s.verifySlots <- struct{}{}:
			defer func() { <-s.verifySlots }()
		case <-r.Context().Done():
			w.Header().Set("Retry-After", "5")
			s.renderError(w, r, errkind.New(errkind.Busy, "the verification service is busy; try again shortly (hệ thống đang bận)"))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		next(w, r)
	})
}

// maxVerifyBody bounds what verifyGate spools: the largest body a
// verification endpoint accepts (a document, a detached CMS signature,
// multipart framing). Each endpoint bounds its own parts after.
func (s *Handler) maxVerifyBody() int64 { return s.cfg.MaxVerifyBytes + maxCMSBytes + 1<<20 }

// spoolMemory is how much of a verification body is held in memory; a
// larger body goes to an anonymous file.
const spoolMemory = 256 << 10

// spooledBody is a request body read whole: in memory when small, else in
// an anonymous file (see anonymousFile).
type spooledBody struct {
	io.Reader
	f    *os.File // nil: in memory
	size int64
}

func (b *spooledBody) Close() error {
	if b.f != nil {
		return b.f.Close()
	}
	return nil
}

// spoolBody reads r's body whole, at most maxVerifyBody bytes.
func (s *Handler) spoolBody(w http.ResponseWriter, r *http.Request) (*spooledBody, error) {
	max := s.maxVerifyBody()
	body := http.MaxBytesReader(w, r.Body, max)
	head, err := io.ReadAll(io.LimitReader(body, spoolMemory+1))
	if err != nil {
		return nil, s.spoolError(err)
	}
	if len(head) <= spoolMemory {
		return &spooledBody{Reader: bytes.NewReader(head), size: int64(len(head))}, nil
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "kyso-verify-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	n, err := io.Copy(f, io.MultiReader(bytes.NewReader(head), body))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, s.spoolError(err)
	}
	return &spooledBody{Reader: f, f: f, size: n}, nil
}

func (s *Handler) spoolError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errkind.New(errkind.TooLarge, fmt.Sprintf("the upload is larger than %d bytes (tệp quá lớn)", s.maxVerifyBody()))
	}
	var pe *os.PathError // writing the file failed (storage_full), see readError
	if errors.As(err, &pe) {
		return fmt.Errorf("api: spool the upload: %w", tempFileError(err))
	}
	return errkind.New(errkind.Invalid, "cannot read the upload")
}

// uploadSlots counts the verification uploads in progress per client
// address (IPv6 per /64, as the rate limit): an address may have max at
// once. A slow upload holds its address's slot, not the verifier's.
type uploadSlots struct {
	max int
	mu  sync.Mutex
	n   map[netip.Addr]int
}

func newUploadSlots(max int) *uploadSlots {
	return &uploadSlots{max: max, n: map[netip.Addr]int{}}
}

func (u *uploadSlots) acquire(addr netip.Addr) bool {
	if u.max < 0 {
		return true // no bound (verify.uploads_per_address -1)
	}
	addr = limitKey(addr)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.n[addr] >= u.max {
		return false
	}
	u.n[addr]++
	return true
}

func (u *uploadSlots) release(addr netip.Addr) {
	if u.max < 0 {
		return
	}
	addr = limitKey(addr)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.n[addr]--; u.n[addr] <= 0 {
		delete(u.n, addr)
	}
}

// anonymousFile spools at most max bytes of r to a temporary file that is
// removed from the directory at once: the upload has no name on disk, no
// other process can open it, and the kernel frees it when the request
// closes it, even if kyso is killed. Uploads to the public verifier are
// never kept.
func (s *Handler) anonymousFile(r io.Reader, max int64, what string) (*os.File, int64, error) {
	f, err := os.CreateTemp(s.cfg.TempDir, "kyso-verify-*")
	if err != nil {
		return nil, 0, tempFileError(err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if err != nil {
		f.Close()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, 0, s.verifyTooLarge(what)
		}
		var pe *os.PathError // writing the file failed (storage_full), see readError
		if errors.As(err, &pe) {
			return nil, 0, fmt.Errorf("api: spool the %s: %w", what, tempFileError(err))
		}
		return nil, 0, errkind.New(errkind.Invalid, "cannot read the uploaded "+what)
	}
	if n > max {
		f.Close()
		return nil, 0, s.verifyTooLarge(what)
	}
	if n == 0 {
		f.Close()
		return nil, 0, errkind.New(errkind.Invalid, "the uploaded "+what+" is empty")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, n, nil
}

func (s *Handler) verifyTooLarge(what string) error {
	return errkind.New(errkind.TooLarge, fmt.Sprintf("the %s is larger than %d bytes (tệp quá lớn)", what, s.cfg.MaxVerifyBytes))
}

// RecordWriter writes the reports kept for the record of a verification
// (app.Verify): the ETSI TS 119 102-2 validation report and the printed
// report signed by kyso.
type RecordWriter interface {
	ETSIReport(rec app.Record) ([]byte, error)
	PrintReport(ctx context.Context, rec app.Record, o app.PrintOptions) ([]byte, error)
}

// verifyFormat reads a verification's ?format=: json (the default), etsi
// or report.
func verifyFormat(r *http.Request) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", app.FormatJSON:
		return app.FormatJSON, nil
	case app.FormatETSI, app.FormatReport:
		return f, nil
	default:
		return "", errkind.New(errkind.Invalid, fmt.Sprintf("unknown format %q: use json, etsi or report", f))
	}
}

// reportBurst is the burst of ReportsPerMinute.
const reportBurst = 2

// allowReport applies the per-address limit of signed printed reports
// (Config.ReportsPerMinute) to a request for one; false when it answered
// 429.
func (s *Handler) allowReport(w http.ResponseWriter, r *http.Request, format string) bool {
	if format != app.FormatReport {
		return true
	}
	if ok, retry := s.reports.allow(s.clientIP(r)); !ok {
		w.Header().Set("Retry-After", fmt.Sprint(retry))
		s.renderError(w, r, errkind.New(errkind.RateLimited, fmt.Sprintf("too many signed reports asked from your address; try again in %d s (quá nhiều yêu cầu lập biên bản, vui lòng thử lại sau)", retry)))
		return false
	}
	return true
}

// answerVerification answers with the report in the format asked: the
// JSON report, the ETSI validation report (application/xml) or the
// printed report signed by kyso (application/pdf; personal identifiers
// masked, as on the public page).
func (s *Handler) answerVerification(w http.ResponseWriter, r *http.Request, format string, rec app.Record) {
	if format == app.FormatJSON {
		kit.WriteJSON(w, http.StatusOK, rec.Report)
		return
	}
	rw, ok := s.deps.Verifier.(RecordWriter)
	if !ok {
		s.renderError(w, r, errNotConfigured)
		return
	}
	var (
		out       []byte
		err       error
		mediaType = "application/xml; charset=utf-8"
		name      = "validation-report.xml"
	)
	if format == app.FormatETSI {
		out, err = rw.ETSIReport(rec)
	} else {
		out, err = rw.PrintReport(r.Context(), rec, app.PrintOptions{Public: true})
		mediaType, name = "application/pdf", "bien-ban-kiem-tra-chu-ky-so.pdf"
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// verifyPDF validates a signed PDF sent as the body (application/pdf) or
// as the "file" part of a multipart/form-data body; ?format=etsi answers
// with the ETSI validation report instead of the JSON one, ?format=report
// with the printed report signed by kyso.
func (s *Handler) verifyPDF(w http.ResponseWriter, r *http.Request) {
	format, err := verifyFormat(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !s.allowReport(w, r, format) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxVerifyBytes+1<<20)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	var (
		f    *os.File
		size int64
	)
	switch mt {
	case "application/pdf", "application/octet-stream":
		f, size, err = s.anonymousFile(r.Body, s.cfg.MaxVerifyBytes, "document")
	case "multipart/form-data":
		var parts map[string]*os.File
		parts, err = s.readParts(r.Body, params["boundary"], map[string]int64{"file": s.cfg.MaxVerifyBytes})
		if err == nil {
			f = parts["file"]
			size, err = f.Seek(0, io.SeekEnd)
			if err == nil {
				_, err = f.Seek(0, io.SeekStart)
			}
		}
	default:
		err = errkind.New(errkind.UnsupportedMedia, "send the PDF as the body with Content-Type: application/pdf, or as the \"file\" part of multipart/form-data")
	}
	if f != nil {
		defer f.Close()
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rep, err := s.deps.Verifier.VerifyPDF(r.Context(), f, size)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.answerVerification(w, r, format, app.Record{Report: rep, Document: f, Size: size, MediaType: "application/pdf"})
}

// verifyCMS validates a detached CMS signature: multipart/form-data with
// the signed content in part "data" and the signature (DER, PEM or
// base64) in part "signature".
func (s *Handler) verifyCMS(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxVerifyBytes+maxCMSBytes+1<<20)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		s.renderError(w, r, errkind.New(errkind.UnsupportedMedia, "send multipart/form-data with parts \"data\" (the signed file) and \"signature\" (the detached CMS, DER or PEM)"))
		return
	}
	parts, err := s.readParts(r.Body, params["boundary"], map[string]int64{"data": s.cfg.MaxVerifyBytes, "signature": maxCMSBytes})
	for _, f := range parts {
		defer f.Close()
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	raw, err := io.ReadAll(parts["signature"])
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rep, err := s.deps.Verifier.VerifyCMS(r.Context(), parts["data"], raw)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, rep)
}

// readParts reads exactly the named parts of a multipart body, each into
// an anonymous file of at most its limit. Any other part, a repeated part
// or a missing one is an error; on error every file is closed.
func (s *Handler) readParts(body io.Reader, boundary string, limits map[string]int64) (files map[string]*os.File, err error) {
	files = map[string]*os.File{}
	defer func() {
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			files = nil
		}
	}()
	var names []string
	for n := range limits {
		names = append(names, fmt.Sprintf("%q", n))
	}
	want := strings.Join(names, " and ")
	if boundary == "" {
		return files, errkind.New(errkind.Invalid, "malformed multipart body: no boundary")
	}
	mr := multipart.NewReader(body, boundary)
	for count := 0; ; count++ {
		if count > len(limits) {
			return files, errkind.New(errkind.Invalid, "too many multipart parts (want "+want+")")
		}
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return files, s.verifyTooLarge("upload")
			}
			return files, errkind.New(errkind.Invalid, "malformed multipart body")
		}
		name := p.FormName()
		limit, ok := limits[name]
		if !ok {
			return files, errkind.New(errkind.Invalid, fmt.Sprintf("unexpected multipart part %q (want %s)", name, want))
		}
		if files[name] != nil {
			return files, errkind.New(errkind.Invalid, fmt.Sprintf("more than one %q part", name))
		}
		f, _, err := s.anonymousFile(p, limit, name)
		if err != nil {
			return files, err
		}
		files[name] = f
	}
	for n := range limits {
		if files[n] == nil {
			return files, errkind.New(errkind.Invalid, "the request needs the parts "+want)
		}
	}
	return files, nil
}

// XMLVerifier is the part of the verifier that validates XML signatures.
type XMLVerifier interface {
	VerifyXML(ctx context.Context, doc []byte) (*app.Report, error)
	VerifyXMLDetached(ctx context.Context, doc []byte, uri string, content []byte) (*app.Report, error)
}

// verifyXML validates the XML signatures of a document sent as the body
// (application/xml, text/xml or application/octet-stream) or as the
// "file" part of a multipart/form-data body, with, for a detached
// signature, the signed file as a "data" part whose filename is the
// reference's URI.
func (s *Handler) verifyXML(w http.ResponseWriter, r *http.Request) {
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

// readXMLParts reads the parts of an XML verification: "file" (the signed
// XML, required) and "data" (the content of a detached signature, whose
// filename is the URI its reference names), each into an anonymous file.
func (s *Handler) readXMLParts(body io.Reader, boundary string, limit int64) (file, data *os.File, uri string, err error) {
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
	mr := multipart.NewReader(bufio.NewReaderSize(body, multipartReadBuffer), boundary)
	for count := 0; ; count++ {
		if count > 2 {
			return file, data, "", errkind.New(errkind.Invalid, "too many multipart parts (want \"file\" and, for a detached signature, \"data\")")
		}
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return file, data, "", s.readError(err, limit)
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
