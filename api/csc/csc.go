package csc

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// Clients authenticates client systems (auth.Clients, through package api).
type Clients interface {
	// Authenticate returns the enabled client whose API key is key.
	Authenticate(ctx context.Context, key string) (*model.Client, error)
	// Client returns the client with the given ID (NotFound when none).
	Client(ctx context.Context, id string) (*model.Client, error)
}

// Credentials says which credentials a client may use.
type Credentials interface {
	// List returns the IDs of the credentials c may sign with; userID,
	// when given, narrows it to one holder.
	List(ctx context.Context, c *model.Client, userID string) ([]string, error)
	// Info returns one of them, with its certificate, chain and SCAL
	// (no signer: the CSC API signs through Remote); NotFound (or
	// Forbidden) for any other.
	Info(ctx context.Context, c *model.Client, id string) (*model.SigningCredential, error)
	// Key is Info without the check that c may use the credential, for
	// the signing routes, where app decides that when it signs (and a
	// citizen's binding need not be looked up twice).
	Key(ctx context.Context, c *model.Client, id string) (*model.SigningCredential, error)
}

// AuthorizeRequest is a credentials/authorize request in kyso's terms.
type AuthorizeRequest struct {
	CredentialID  string
	Hashes        [][]byte
	HashAlgorithm crypto.Hash
	NumSignatures int
	PIN, OTP      string
	DocID         string
	DocName       string
}

// Remote is the holder's authorisation (SAD) and the raw signatures
// (app.Remote, through package api).
type Remote interface {
	Authorize(ctx context.Context, c *model.Client, req AuthorizeRequest) (sad string, expiresAt time.Time, err error)
	ExtendSAD(ctx context.Context, c *model.Client, credentialID, sad string) (string, time.Time, error)
	SignHashes(ctx context.Context, c *model.Client, credentialID, sad string, hashes [][]byte, opts crypto.SignerOpts) ([][]byte, error)
}

// TransactionRequest opens a transaction of the confirmation mode: the
// holder confirms on kyso's page (ConfirmURL) instead of the client
// relaying the PIN and code.
type TransactionRequest struct {
	CredentialID  string
	Hashes        [][]byte
	HashAlgorithm crypto.Hash
	NumSignatures int
	DocID         string
	DocName       string
	CallbackURL   string
}

// Transaction is an open or finished transaction of the confirmation mode.
type Transaction struct {
	ID         string
	ConfirmURL string
	ExpiresAt  time.Time
	State      string // pending, confirmed, refused, expired
	// SAD is set once the holder confirmed, for the client that opened it.
	SAD string
	// Hashes are the hashes the holder confirmed, in order.
	Hashes [][]byte
}

// Transactions are the confirmation mode's transactions (app.Remote).
type Transactions interface {
	Open(ctx context.Context, c *model.Client, req TransactionRequest) (*Transaction, error)
	Poll(ctx context.Context, c *model.Client, id string) (*Transaction, error)
}

// DocumentRequest is one document of signatures/signDoc.
type DocumentRequest struct {
	CredentialID string
	SAD          string
	// Format is "pdf" (PAdES) or "xml" (XAdES).
	Format string
	// Format is "pdf" (PAdES), "xml" (XAdES) or "cms" (a detached CMS of
	// Digest).
	// Level is the baseline level: B-B, B-T, B-LT or B-LTA.
	Level           string
	Document        []byte
	Digest          []byte
	DigestAlgorithm crypto.Hash
}

// Documents signs whole documents (app.Sign, through package api).
type Documents interface {
	// SignDocuments signs every document with one credential and one
	// authorisation, and returns the signed documents (or CMS
	// signatures), in order.
	SignDocuments(ctx context.Context, c *model.Client, docs []DocumentRequest) ([][]byte, error)
}

// Deps are the services behind the CSC routes. Clients and Credentials are
// required; a nil Remote, Transactions or Documents leaves its routes
// answering temporarily_unavailable.
type Deps struct {
	Clients      Clients
	Credentials  Credentials
	Remote       Remote
	Transactions Transactions
	Documents    Documents
	// TokenKey tags the access tokens of oauth2/token and auth/login;
	// nil: no access tokens (a client's API key is still its bearer token).
	TokenKey TokenKey
}

// Config configures the CSC API. Zero values are usable defaults.
type Config struct {
	Logger *slog.Logger
	// TokenTTL is how long an access token is valid (default 10 minutes).
	TokenTTL time.Duration
	// MaxBodyBytes bounds a request body (default 64 MiB: signDoc carries
	// base64 documents).
	MaxBodyBytes int64
	// Multisign is the most hashes one authorisation or signHash may carry
	// (default 50).
	Multisign int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// BaseURL is kyso's public URL (config base_url), from which info
	// announces its OAuth 2.0 endpoint and logo. Empty: the scheme and
	// Host of the request, which a client or a proxy chooses — only for
	// tests and embedding.
	BaseURL string
	// Admit, if set, is called once a request's client is known, before
	// the request is served: it may refuse it (a bound on the client's
	// requests in progress) and returns what to call when it is done.
	Admit func(r *http.Request, clientID string) (done func(), err error)
}

// Handler serves the CSC API.
type Handler struct {
	cfg    Config
	d      Deps
	log    *slog.Logger
	tokens *Tokens
}

// New returns the CSC API's handler.
func New(cfg Config, d Deps) *Handler {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 10 * time.Minute
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 20
	}
	if cfg.Multisign <= 0 {
		cfg.Multisign = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, d: d, log: cfg.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.tokens = &Tokens{clients: d.Clients, key: d.TokenKey, ttl: cfg.TokenTTL, now: cfg.Now}
	return h
}

// Versions are the path prefixes of the API: v2 (CSC v2.0.0.2) and v1
// (CSC v1.0.4.0). Both accept both versions' field names; they differ in
// what info announces.
var Versions = []string{"/csc/v2", "/csc/v1"}

// Paths are the CSC methods kyso serves, under each of Versions.
var Paths = []string{
	"/info", "/auth/login", "/oauth2/token",
	"/credentials/list", "/credentials/info", "/credentials/authorize", "/credentials/extendTransaction",
	"/signatures/signHash", "/signatures/signDoc", "/signatures/signPolling",
}

// Mount registers every CSC route on r (all POST, as the specification
// has them), under /csc/v2 and /csc/v1.
func (h *Handler) Mount(r *mux.Router) {
	for _, v := range Versions {
		v1 := v == "/csc/v1"
		handlers := map[string]http.HandlerFunc{
			"/info":                          func(w http.ResponseWriter, r *http.Request) { h.info(w, r, v1) },
			"/auth/login":                    h.login,
			"/oauth2/token":                  h.oauth2Token,
			"/credentials/list":              h.withClient(h.credentialsList),
			"/credentials/info":              h.withClient(h.credentialsInfo),
			"/credentials/authorize":         h.withClient(h.authorize),
			"/credentials/extendTransaction": h.withClient(h.extendTransaction),
			"/signatures/signHash":           h.withClient(h.signHash),
			"/signatures/signDoc":            h.withClient(h.signDoc),
			"/signatures/signPolling":        h.withClient(h.signPolling),
		}
		for _, p := range Paths {
			r.Handle(v+p, handlers[p]).Methods(http.MethodPost)
		}
	}
}

type clientHandler func(w http.ResponseWriter, r *http.Request, c *model.Client)

// withClient authenticates the client by its bearer token: an access token
// of oauth2/token or auth/login, or (for systems that call kyso's native
// API too) its API key itself.
func (h *Handler) withClient(next clientHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		tok = strings.TrimSpace(tok)
		if !ok || tok == "" {
			h.render(w, r, cscError(http.StatusUnauthorized, ErrInvalidToken, "an access token is required: Authorization: Bearer <token> (from oauth2/token or auth/login)"))
			return
		}
		var c *model.Client
		var err error
		if strings.HasPrefix(tok, tokenPrefix) {
			c, err = h.tokens.Check(r.Context(), tok)
		} else {
			c, err = h.d.Clients.Authenticate(r.Context(), tok)
			if errkind.KindOf(err) == errkind.Unauthorized {
				err = errBadToken
			}
		}
		if err != nil {
			h.render(w, r, err)
			return
		}
		if h.cfg.Admit != nil {
			done, err := h.cfg.Admit(r, c.ID)
			if err != nil {
				h.render(w, r, err)
				return
			}
			defer done()
		}
		next(w, r, c)
	}
}

// decode reads a JSON request body into v. Unknown fields are ignored:
// CSC clients send fields of later versions and of their own (clientData,
// lang, profile...) that kyso has no use for, and refusing them would
// break interoperability. An empty body is {}.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return cscError(http.StatusUnsupportedMediaType, ErrInvalidRequest, "send the body as application/json")
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return cscError(http.StatusRequestEntityTooLarge, ErrTooLarge, "the request body is too large")
		}
		return badRequest("cannot read the request body")
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return badRequest("field " + te.Field + " must be " + te.Type.String())
		}
		return badRequest("the body is not a JSON object")
	}
	return nil
}

// b64List decodes a list of base64 values (standard alphabet, as CSC has
// them; URL-safe accepted too).
func b64List(field string, in []string) ([][]byte, error) {
	out := make([][]byte, len(in))
	for i, s := range in {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			if b, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
				return nil, badRequest(field + ": an entry is not base64")
			}
		}
		out[i] = b
	}
	return out, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
