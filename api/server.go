package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/api/admin"
	"github.com/kyso-vn/kyso/api/confirm"
	"github.com/kyso-vn/kyso/api/csc"
	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/api/pki"
	"github.com/kyso-vn/kyso/api/signing"
	"github.com/kyso-vn/kyso/api/verify"
	"github.com/kyso-vn/kyso/api/web"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
)

// PKI is what the public PKI endpoints (api/pki) need.
type PKI = pki.PKI

// Authority is the full CA surface the server is built on: what app's
// operations drive, and the public PKI endpoints.
type Authority interface {
	app.Authority
	PKI
}

// AdminAuth checks admin bearer tokens and names the admin (by token ID),
// and manages them.
type AdminAuth interface {
	AdminID(ctx context.Context, token string) (string, error)
	app.AdminTokens
}

// Check is one readiness check (Transit answers, DB reachable, CA ready).
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Config configures the HTTP server. Zero values are usable defaults.
type Config struct {
	Logger *slog.Logger
	// MaxBodyBytes bounds JSON request bodies (default 1 MiB).
	MaxBodyBytes int64
	// MaxDocumentBytes bounds a document to sign (default 50 MiB).
	MaxDocumentBytes int64
	// MaxBatchBytes bounds all documents of one batch (default 256 MiB).
	MaxBatchBytes int64
	// MemoryBytes bounds the documents held in memory at once while they
	// are signed (default 256 MiB); documents beyond it, and any larger
	// than an eighth of it (at least 4 MiB), are spooled to temporary files.
	MemoryBytes int64
	// TempDir holds documents while they are signed (default os.TempDir()).
	TempDir string
	// RequestTimeout bounds the work of one request (default 30s).
	RequestTimeout time.Duration
	// Ready lists the readiness checks of /readyz.
	Ready []Check
	// BaseURL is kyso's public URL (config base_url): the CSC API's info
	// announces its endpoints under it, not under the request's Host.
	BaseURL string

	// MaxVerifyBytes bounds a document sent to the public verifier
	// (default 50 MiB, what the verification page accepts).
	MaxVerifyBytes int64
	// VerifyPerMinute is the sustained rate of verification requests each
	// client address may make (default 30; negative disables the limit),
	// with bursts of VerifyBurst (default 10).
	VerifyPerMinute float64
	VerifyBurst     int
	// ReportsPerMinute is the sustained rate of signed printed reports
	// (?format=report: a signature in Vault each) each client address may
	// ask for, with bursts of 2, on top of VerifyPerMinute
	// (default 4; negative: no limit).
	ReportsPerMinute float64
	// VerifyConcurrency bounds verifications in progress (default 4);
	// further requests wait for a slot until their deadline. A request
	// takes its slot once its body is read whole.
	VerifyConcurrency int
	// VerifyUploadsPerAddress bounds the verification uploads one client
	// address (IPv6: one /64) may have in progress (default 8; negative:
	// no bound); a further one is 429 rate_limited.
	VerifyUploadsPerAddress int
	// ClientConcurrency bounds the requests each client system may have
	// in progress at once on the signing API (default 32; negative: no
	// bound). Further requests get 429 too_many_requests_in_progress.
	ClientConcurrency int
	// IdempotencyTTL is how long the answer to a request sent with an
	// Idempotency-Key is kept for retries (default 24h).
	IdempotencyTTL time.Duration
	// IdempotencyMaxAnswerBytes bounds a kept answer (default 16 MiB);
	// a larger one is not kept, and its retry is refused rather than done
	// twice.
	IdempotencyMaxAnswerBytes int64
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client for rate limiting. Empty: the TCP peer is the client.
	TrustedProxies []netip.Prefix
	// Observer is told of every answered request (metrics); nil: none.
	Observer Observer
	// Page is who runs the verification page at / (name, contact, logo);
	// the zero value is kyso's own.
	Page web.Branding
	// CSCTokenTTL is how long a CSC access token is valid (default 10
	// minutes).
	CSCTokenTTL time.Duration
}

// Deps are the domain services behind the routes. CA and Admins are
// required; a nil Signing, Clients, PINs or TSA leaves its routes answering
// 503 (not configured). The admin routes reach CA, Clients, ClientCerts,
// PINs and Signing's seal images through app.Enroll and app.Admin, which
// New builds from them with Audit; Signing is normally app.Sign and
// Verifier app.Verify.
type Deps struct {
	CA      Authority
	Admins  AdminAuth
	Clients ClientAuth
	Signing Signing
	PINs    PINAdmin
	TSA     TSA
	Audit   app.Auditor
	// Idempotency keeps Idempotency-Key records; nil answers requests
	// that carry the header with 503 (not configured).
	Idempotency IdempotencyStore
	// Verifier serves the public verification API and page.
	Verifier Verifier
	// ClientCerts issues client systems' TLS certificates and recognises
	// them on the signing API (mutual TLS); nil: neither.
	ClientCerts app.ClientCerts
	// Extend raises signed PDFs to B-LT/B-LTA for clients; nil answers
	// 503 (not configured).
	Extend Extender
	// Trust refreshes the trust bundle (POST /v1/admin/trust/refresh);
	// nil: not configured.
	Trust *app.Trust
	// Remote is the citizens' remote signing under sole control (SCAL2:
	// authorisations and SADs), also behind the CSC API and the
	// confirmation page; nil answers its routes with 503.
	Remote *app.Remote
	// Citizens enrols citizens' second factor and client bindings, and
	// Credentials resolves credentials for those enrolment events; nil
	// Citizens: neither.
	Citizens    *app.CitizenDeps
	Credentials app.Credentials
	// CSCTokenKey tags the CSC API's access tokens (a Transit HMAC key);
	// nil: oauth2/token and auth/login answer 503.
	CSCTokenKey csc.TokenKey
}

// Server is kyso's HTTP handler.
type Server struct {
	cfg    Config
	log    *slog.Logger
	ca     Authority
	admins AdminAuth
	deps   Deps
	router *mux.Router
	// enroll and admin are the deciding floor behind the admin routes,
	// built from deps: each admin request makes one call into them.
	enroll *app.Enroll
	admin  *app.Admin
	certs  *app.Certificates
	// handler is router behind the access log (observe).
	handler http.Handler

	// verify serves the public verification API (api/verify).
	verify *verify.Handler
	slots  *clientSlots
	// releases are the Idempotency-Key releases owed since a database
	// outage (idempotency.go).
	releases idemReleases
	// authFails records rejected credentials in the audit log.
	authFails *app.AuthFailures
	// readyFailing holds the names of the readiness checks that failed
	// last time, so that a failure is logged when it starts and ends, not
	// on every probe of a load balancer.
	readyFailing sync.Map
}

// New returns the HTTP server for the given services.
func New(cfg Config, deps Deps) *Server {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxDocumentBytes == 0 {
		cfg.MaxDocumentBytes = DefaultMaxDocumentBytes
	}
	if cfg.MaxBatchBytes == 0 {
		cfg.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if cfg.MaxVerifyBytes == 0 {
		cfg.MaxVerifyBytes = verify.DefaultMaxDocumentBytes
	}
	if cfg.VerifyPerMinute == 0 {
		cfg.VerifyPerMinute = verify.DefaultPerMinute
	}
	if cfg.VerifyBurst == 0 {
		cfg.VerifyBurst = verify.DefaultBurst
	}
	if cfg.ReportsPerMinute == 0 {
		cfg.ReportsPerMinute = 4
	}
	if cfg.VerifyConcurrency <= 0 {
		cfg.VerifyConcurrency = verify.DefaultConcurrency
	}
	if cfg.VerifyUploadsPerAddress == 0 {
		cfg.VerifyUploadsPerAddress = verify.DefaultUploadsPerAddress
	}
	if cfg.ClientConcurrency == 0 {
		cfg.ClientConcurrency = DefaultClientConcurrency
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if cfg.CSCTokenTTL <= 0 {
		cfg.CSCTokenTTL = DefaultCSCTokenTTL
	}
	if cfg.IdempotencyMaxAnswerBytes <= 0 {
		cfg.IdempotencyMaxAnswerBytes = DefaultIdempotencyMaxAnswerBytes
	}
	if cfg.MemoryBytes <= 0 {
		cfg.MemoryBytes = DefaultMemoryBytes
	}
	s := &Server{cfg: cfg, log: cfg.Logger, ca: deps.CA, admins: deps.Admins, deps: deps,
		slots:     newClientSlots(cfg.ClientConcurrency),
		authFails: app.NewAuthFailures(deps.Audit),
	}
	if s.log == nil {
		s.log = discardLogger
	}
	s.enroll = app.NewEnroll(deps.CA, deps.PINs, deps.Citizens, deps.Audit, s.log)
	s.admin = app.NewAdmin(app.AdminDeps{Certs: deps.CA, Issuers: deps.CA, Clients: deps.Clients, Tokens: deps.Admins, ClientCerts: deps.ClientCerts,
		PINs: deps.PINs, Seals: deps.Signing, Citizens: deps.Citizens, Credentials: deps.Credentials, Audit: deps.Audit, Log: s.log})
	s.certs = app.NewCertificates(deps.CA, deps.Remote)
	s.verify = verify.New(verify.Config{
		MaxVerifyBytes: cfg.MaxVerifyBytes, VerifyPerMinute: cfg.VerifyPerMinute, VerifyBurst: cfg.VerifyBurst,
		ReportsPerMinute: cfg.ReportsPerMinute, VerifyConcurrency: cfg.VerifyConcurrency,
		VerifyUploadsPerAddress: cfg.VerifyUploadsPerAddress, TempDir: cfg.TempDir,
	}, verify.Deps{Verifier: deps.Verifier}, s.kit())
	s.router = s.routes()
	s.handler = s.observe(s.router)
	return s
}

// kit is what the server lends its sub-routers.
func (s *Server) kit() kit.Kit {
	return kit.Kit{RenderError: s.renderError, DecodeJSON: s.decodeJSON, MaxBodyBytes: s.cfg.MaxBodyBytes,
		ClientIP: s.clientIP, Classify: classifyDetail, BeginIdempotent: s.beginKitIdempotent, Log: s.log}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Router exposes the route table (for documentation checks).
func (s *Server) Router() *mux.Router { return s.router }

// routes is the whole route table of kyso's API.
func (s *Server) routes() *mux.Router {
	r := mux.NewRouter()
	r.SkipClean(true)  // base64 OCSP requests may contain "//"
	r.UseEncodedPath() // and percent-encoded "/" that must not split the path
	r.Use(s.noteRoute, s.withRequestID, s.recoverPanics, s.withTimeout)
	// mux does not run middleware for these two, so they get it here.
	notFound := s.withRequestID(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.renderError(w, req, errkind.New(errkind.NotFound, "no such endpoint: "+req.Method+" "+req.URL.Path))
	}))
	notAllowed := s.withRequestID(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.renderError(w, req, errkind.New(errkind.MethodNotAllowed, "method "+req.Method+" is not allowed on "+req.URL.Path))
	}))
	r.NotFoundHandler, r.MethodNotAllowedHandler = notFound, notAllowed

	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)

	// Public PKI endpoints (api/pki: RFC 5280 AIA/CDP, RFC 6960 OCSP,
	// the RFC 3161 time-stamp authority).
	pki.New(pki.Deps{PKI: s.ca, TSA: s.deps.TSA}, s.kit()).Mount(r)

	// Admin API (api/admin), behind the admin authentication.
	d := s.deps
	admin.New(admin.Deps{Enroll: s.enroll, Admin: s.admin, Certs: s.certs, Trust: d.Trust,
		Has: admin.Configured{Clients: d.Clients != nil, ClientCerts: d.ClientCerts != nil, PINs: d.PINs != nil,
			Seals: d.Signing != nil, Citizens: d.Citizens != nil, Credentials: d.Credentials != nil},
	}, s.kit()).Mount(r, s.requireAdmin)

	// Signing API (api/signing), for registered client systems.
	signing.New(signing.Config{MaxDocumentBytes: s.cfg.MaxDocumentBytes, MaxBatchBytes: s.cfg.MaxBatchBytes,
		MemoryBytes: s.cfg.MemoryBytes, TempDir: s.cfg.TempDir},
		signing.Deps{Signing: d.Signing, Extend: d.Extend, Remote: d.Remote}, s.kit()).Mount(r, s.requireClient)

	// CSC API (api/csc) under /csc/v2 and /csc/v1, and the citizen's
	// confirmation page of remote signing (api/confirm) with its JSON.
	s.cscHandler().Mount(r)
	confirmPage := confirm.Handler()
	r.Handle("/confirm/assets/{name}", confirmPage).Methods(http.MethodGet)
	r.Handle("/confirm/{id}", confirmPage).Methods(http.MethodGet)
	r.HandleFunc("/confirm/{id}/view", s.confirmView).Methods(http.MethodPost)
	r.HandleFunc("/confirm/{id}/confirm", s.confirmConfirm).Methods(http.MethodPost)
	r.HandleFunc("/confirm/{id}/refuse", s.confirmRefuse).Methods(http.MethodPost)

	// Verification, public: the API and the citizens' page.
	s.verify.Mount(r)
	page := web.NewHandler(s.cfg.Page)
	r.Handle("/", page).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/assets/{name}", page).Methods(http.MethodGet, http.MethodHead)
	return r
}

// pathID is the {id} of a certificate or credential route.
func pathID(r *http.Request) (string, error) { return kit.PathID(r, "certificate or credential") }

// authFailure records a rejected credential (never the credential itself).
func (s *Server) authFailure(r *http.Request, kind string, err error) {
	if errkind.KindOf(err) != errkind.Unauthorized {
		return // not a rejected credential: the database, say, did not answer
	}
	s.recordAuthFailure(r, kind, nil)
}

func requestID(ctx context.Context) string { return kit.RequestID(ctx) }

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(kit.WithRequestID(r.Context(), id)))
	})
}

// recoverPanics turns a panic in a handler into a logged 500 so one bad
// request never takes the process down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.renderError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) withTimeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kyso"`)
			s.renderError(w, r, errkind.New(errkind.Unauthorized, "a valid admin token is required: Authorization: Bearer <token>"))
			return
		}
		id, err := s.admins.AdminID(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			s.authFailure(r, "admin", err)
			w.Header().Set("WWW-Authenticate", `Bearer realm="kyso", error="invalid_token"`)
			s.renderError(w, r, err)
			return
		}
		noteActor(r.Context(), "admin:"+id)
		next.ServeHTTP(w, r.WithContext(kit.WithActor(r.Context(), "admin:"+id)))
	})
}

// decodeJSON reads a bounded JSON body into v, strictly: unknown fields and
// trailing data are errors. An empty body decodes as {} when allowEmpty.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return errkind.New(errkind.UnsupportedMedia, "send the body as application/json")
		}
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errkind.New(errkind.TooLarge, fmt.Sprintf("the request body is larger than %d bytes", s.cfg.MaxBodyBytes))
		}
		return errkind.New(errkind.Malformed, "cannot read the request body")
	}
	// JSON's whitespace only (RFC 8259): "\v" or U+00A0 is not an empty body.
	if len(strings.Trim(string(data), " \t\r\n")) == 0 {
		if allowEmpty {
			return nil
		}
		return errkind.New(errkind.Malformed, "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errkind.New(errkind.Malformed, "malformed JSON: "+jsonErrorText(err))
	}
	// Anything after the value but whitespace — another value, or a
	// stray "}" or "]", which dec.More does not see — is an error.
	if _, err := dec.Token(); err != io.EOF {
		return errkind.New(errkind.Malformed, "malformed JSON: trailing data after the object")
	}
	return nil
}

// jsonErrorText describes a decoding error without echoing request data
// beyond field names and offsets.
func jsonErrorText(err error) string { return kit.JSONErrorText(err) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports 200 only when every check passes: the node can sign now
// (in kyso serve: a Transit call answers, the database answers, an active
// issuing CA). The answer lists each check's state; the reasons are logged
// only.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	// The checks run at once, each with its own 5 s: a hung Vault must not
	// use up the database check's time and have it reported as failed.
	errs := make([]error, len(s.cfg.Ready))
	var wg sync.WaitGroup
	for i, c := range s.cfg.Ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
			defer cancel()
			errs[i] = c.Fn(ctx)
		}()
	}
	wg.Wait()
	checks := map[string]string{}
	ok := true
	for i, c := range s.cfg.Ready {
		if err := errs[i]; err != nil {
			ok = false
			checks[c.Name] = "fail"
			level := slog.LevelDebug
			if _, was := s.readyFailing.Swap(c.Name, true); !was {
				level = slog.LevelWarn
			}
			s.log.Log(r.Context(), level, "readiness check failed", "check", c.Name, "err", err)
			continue
		}
		checks[c.Name] = "ok"
		if _, was := s.readyFailing.LoadAndDelete(c.Name); was {
			s.log.InfoContext(r.Context(), "readiness check passes again", "check", c.Name)
		}
	}
	if !ok {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{
			"status": "unavailable", "checks": checks,
			"error": errorDetail{Code: CodeNotReady, Message: "kyso is not ready: see checks", RequestID: requestID(r.Context())},
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "checks": checks})
}
