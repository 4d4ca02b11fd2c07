package app

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
)

// Defaults of RemoteConfig.
const (
	DefaultSADLifetime         = 5 * time.Minute
	DefaultTransactionLifetime = 10 * time.Minute
	// MaxSADHashes bounds the hashes one authorisation covers (CSC's
	// multisign; the batch limit of /v1/sign/hash).
	MaxSADHashes = signer.MaxHashes
	// maxDocText bounds DocID and DocName (characters).
	maxDocText = 200
)

// Transaction states.
const (
	TxPending   = "pending"
	TxConfirmed = "confirmed"
	TxRefused   = "refused"
	TxExpired   = "expired"
	// txDelivered is a confirmed transaction whose client got its SAD;
	// clients see it as confirmed.
	txDelivered = "delivered"
)

// Modes of an authorisation, as recorded in the evidence.
const (
	ModeExplicit     = "explicit"
	ModeConfirmation = "confirmation"
	// modeAgency: an official's or seal's SAD, given on the strength of
	// the client's binding to the agency (SCAL1).
	modeAgency = "agency"
)

// Errors of remote signing. Their kinds are errkind's: Consent for a SAD
// that is missing, unknown, used, expired or for something else, Forbidden
// for a client the citizen is not bound to.
var (
	// ErrSAD: the SAD does not authorise this request. One message for
	// every reason, so that a client learns nothing of someone else's SAD.
	ErrSAD = errkind.New(errkind.Consent,
		"the SAD is unknown, already used, expired, or authorises other hashes, another credential or another client")
	// ErrNotBound: the client is not one the citizen enrolled through.
	ErrNotBound = errkind.New(errkind.Forbidden,
		"this client is not bound to the citizen's credential; the citizen binds it at an enrolment (POST /v1/credentials/{id}/clients)")
	// ErrNeedSAD: a citizen credential signs only with a SAD.
	ErrNeedSAD = errkind.New(errkind.Consent,
		"a citizen credential signs only with a SAD (\"sad\"): the citizen authorises the document first with PIN and one-time code "+
			"(POST /v1/credentials/{id}/authorize); a PIN alone is not consent")
	errNoTransaction = errkind.New(errkind.NotFound, "no such signing transaction")
)

// AuthorizeRequest is a citizen's authorisation of signatures over exact
// hashes, in the explicit mode (the client relays the PIN and the one-time
// code, as a kiosk does).
type AuthorizeRequest struct {
	CredentialID string
	// Hashes are the raw digests to be signed (signHash), or the SHA-256
	// of each document (signDoc, /v1/sign/pdf, xml, cms).
	Hashes        [][]byte
	HashAlgorithm crypto.Hash
	// NumSignatures must equal len(Hashes) when Hashes are given.
	NumSignatures int
	PIN, OTP      string
	// DocID and DocName are shown to the citizen and kept in the evidence.
	DocID, DocName string
}

// TransactionRequest opens a signing transaction the citizen confirms on
// kyso's page (the confirmation mode).
type TransactionRequest struct {
	CredentialID   string
	Hashes         [][]byte
	HashAlgorithm  crypto.Hash
	NumSignatures  int
	DocID, DocName string
	// CallbackURL, if set (http or https), is told when the citizen
	// decides (RemoteDeps.Notify).
	CallbackURL string
}

// Transaction is a signing transaction as its opening client sees it.
type Transaction struct {
	ID         string
	ConfirmURL string
	ExpiresAt  time.Time
	State      string // pending, confirmed, refused, expired
	// SAD is set once confirmed, in the first Poll answer to the opening
	// client only.
	SAD string
	// SADExpiresAt is the SAD's expiry, when SAD is set.
	SADExpiresAt time.Time
}

// TransactionView is what the citizen's confirmation page shows.
type TransactionView struct {
	Agency, ClientName, DocID, DocName string
	// HashPrefixes are the first hex digits of each hash, for the citizen
	// to compare with what the client shows.
	HashPrefixes  []string
	NumSignatures int
	ExpiresAt     time.Time
	State         string
	HolderMasked  string
}

// RemoteConfig configures Remote. The zero value takes the defaults.
type RemoteConfig struct {
	// SADLifetime is how long a SAD stays usable (default 5 min).
	SADLifetime time.Duration
	// TransactionLifetime is how long a transaction waits for the
	// citizen (default 10 min).
	TransactionLifetime time.Duration
	// ConfirmBaseURL is the address of the confirmation page (default
	// "/confirm"); ConfirmURL is ConfirmBaseURL + "/" + id + "#t=" +
	// token: in the fragment, which browsers send to no server, so that
	// no proxy's or server's log in front of kyso records it.
	ConfirmBaseURL string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Factors checks a citizen's PIN and one-time code for one client, with
// that client's attempt limits (auth.Factors).
type Factors interface {
	Check(ctx context.Context, credID, clientID, pin, otp string) error
}

// ConsentStore keeps bindings, SADs and transactions (store.Consent).
type ConsentStore interface {
	ClientBound(ctx context.Context, credID, clientID string) (bool, error)
	ClientCredentials(ctx context.Context, clientID string) ([]string, error)
	CreateSAD(ctx context.Context, d *model.SAD) error
	ConsumeSAD(ctx context.Context, tokenHash []byte, credID, clientID, hashAlg, hashes string, now time.Time) (*model.SAD, error)
	ExtendSAD(ctx context.Context, oldHash, newHash []byte, credID, clientID string, now, expiresAt time.Time) error
	CreateTransaction(ctx context.Context, t *model.SigningTransaction) error
	GetTransaction(ctx context.Context, id string) (*model.SigningTransaction, error)
	MoveTransaction(ctx context.Context, id, from, to string, at time.Time) (bool, error)
}

// ClientDirectory names client systems (store.Store).
type ClientDirectory interface {
	GetClient(ctx context.Context, id string) (*model.Client, error)
}

// Notifier tells a client's callback address that a transaction was
// decided. It must not block (cmd wires an HTTP notifier that posts in
// the background); app does no HTTP.
type Notifier interface {
	Notify(callbackURL, transactionID, state string)
}

// RemoteDeps are the services behind Remote. Notify may be nil.
type RemoteDeps struct {
	Credentials Credentials
	Factors     Factors
	Consent     ConsentStore
	Clients     ClientDirectory
	Notify      Notifier
	Audit       Auditor
	Log         *slog.Logger
}

// Remote is remote signing under the citizen's sole control (SCAL2): a
// citizen authorises signatures over exact hashes with two factors (PIN
// and TOTP), for one client, which gets a single-use Signature Activation
// Data (SAD) token; the signatures are made only with it. Officials and
// seals use the same API with their agency binding (SCAL1).
type Remote struct {
	d   RemoteDeps
	cfg RemoteConfig
	rec recorder
}

// NewRemote returns the remote-signing floor.
func NewRemote(d RemoteDeps, cfg RemoteConfig) *Remote {
	if cfg.SADLifetime <= 0 {
		cfg.SADLifetime = DefaultSADLifetime
	}
	if cfg.TransactionLifetime <= 0 {
		cfg.TransactionLifetime = DefaultTransactionLifetime
	}
	if cfg.ConfirmBaseURL == "" {
		cfg.ConfirmBaseURL = "/confirm"
	}
	cfg.ConfirmBaseURL = strings.TrimRight(cfg.ConfirmBaseURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Remote{d: d, cfg: cfg, rec: recorder{d.Audit, d.Log}}
}

// SADLifetime is how long a new SAD stays usable.
func (r *Remote) SADLifetime() time.Duration { return r.cfg.SADLifetime }

// hashSet is a validated set of hashes to authorise.
type hashSet struct {
	alg    crypto.Hash
	hashes [][]byte
}

// key is the stored form the SAD is matched against: the hashes in
// lower-case hex, sorted, comma-separated.
func (h hashSet) key() string { return hashesKey(h.hashes) }

func hashesKey(hashes [][]byte) string {
	hx := hexList(hashes)
	slices.Sort(hx)
	return strings.Join(hx, ",")
}

func hexList(hashes [][]byte) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = hex.EncodeToString(h)
	}
	return out
}

// algName is the stored name of a hash algorithm.
func algName(h crypto.Hash) string {
	switch h {
	case crypto.SHA256:
		return "sha-256"
	case crypto.SHA384:
		return "sha-384"
	case crypto.SHA512:
		return "sha-512"
	}
	return ""
}

// checkHashes validates what an authorisation covers.
func checkHashes(hashes [][]byte, alg crypto.Hash, num int) (hashSet, error) {
	if alg == 0 {
		alg = crypto.SHA256
	}
	if algName(alg) == "" {
		return hashSet{}, errkind.InvalidField("hash_algorithm", "want SHA-256, SHA-384 or SHA-512")
	}
	if len(hashes) == 0 || len(hashes) > MaxSADHashes {
		return hashSet{}, errkind.InvalidField("hashes", fmt.Sprintf("an authorisation covers 1 to %d hashes, the exact ones to be signed", MaxSADHashes))
	}
	if num != 0 && num != len(hashes) {
		return hashSet{}, errkind.InvalidField("num_signatures", fmt.Sprintf("is %d, but %d hashes are given", num, len(hashes)))
	}
	for i, h := range hashes {
		if len(h) != alg.Size() {
			return hashSet{}, errkind.InvalidField("hashes", fmt.Sprintf("hashes[%d] is %d bytes; a %s digest is %d", i, len(h), alg, alg.Size()))
		}
	}
	return hashSet{alg: alg, hashes: hashes}, nil
}

func checkDocText(docID, docName string) error {
	for field, v := range map[string]string{"doc_id": docID, "doc_name": docName} {
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxDocText || strings.ContainsFunc(v, isControl) {
			return errkind.InvalidField(field, fmt.Sprintf("must be valid UTF-8 text of at most %d characters, without control characters", maxDocText))
		}
	}
	return nil
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) ||
		(r >= 0x2066 && r <= 0x2069) || r == 0xfeff
}

// newToken returns a random token with prefix, and its SHA-256.
func newToken(prefix string) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("app: random token: %w", err)
	}
	tok := prefix + base64.RawURLEncoding.EncodeToString(b)
	return tok, tokenHash(tok), nil
}

func tokenHash(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// sadPrefix marks kyso's SADs (secret scanners can find them).
const sadPrefix = "kyso_sad_"

// credentialFor resolves a credential and checks that caller may ask for
// its signatures: a citizen's only through a client the citizen is bound
// to, an official's or seal's only through a client bound to the agency.
func (r *Remote) credentialFor(ctx context.Context, caller model.Caller, credID string) (*model.SigningCredential, error) {
	if credID == "" {
		return nil, errkind.InvalidField("credential_id", "is required")
	}
	if caller.ClientID == "" {
		return nil, errkind.New(errkind.Unauthorized, "remote signing is for authenticated client systems")
	}
	cred, err := r.d.Credentials.SigningCredential(ctx, credID)
	if err != nil {
		return nil, err
	}
	switch cred.Profile {
	case ca.ProfileCitizen:
		ok, err := r.d.Consent.ClientBound(ctx, credID, caller.ClientID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrNotBound
		}
	case ca.ProfileOfficial, ca.ProfileSeal:
		if caller.MayUse == nil || !caller.MayUse(cred.Organization) {
			return nil, signer.ErrForbidden.Errorf("this client is not bound to the credential's agency")
		}
	default:
		return nil, signer.ErrForbidden.Errorf("%s credentials do not sign", cred.Profile)
	}
	return cred, nil
}

// Credentials returns the IDs of the citizen credentials bound to the
// caller (CSC's credentials/list).
func (r *Remote) Credentials(ctx context.Context, caller model.Caller) ([]string, error) {
	if caller.ClientID == "" {
		return nil, errkind.New(errkind.Unauthorized, "remote signing is for authenticated client systems")
	}
	return r.d.Consent.ClientCredentials(ctx, caller.ClientID)
}

// Authorize checks the citizen's PIN and one-time code for caller and
// returns a SAD bound to the credential, the client, the exact hashes and
// their number, and its expiry. A wrong PIN or code counts against this
// client only. For an official's or seal's credential the client's binding
// to the agency is the authorisation (no factors).
func (r *Remote) Authorize(ctx context.Context, caller model.Caller, req AuthorizeRequest) (sad string, expiresAt time.Time, err error) {
	hs, err := checkHashes(req.Hashes, req.HashAlgorithm, req.NumSignatures)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := checkDocText(req.DocID, req.DocName); err != nil {
		return "", time.Time{}, err
	}
	cred, err := r.credentialFor(ctx, caller, req.CredentialID)
	if err != nil {
		return "", time.Time{}, err
	}
	mode, factors := modeAgency, []string{"client_binding"}
	if cred.Profile == ca.ProfileCitizen {
		if err := r.checkFactors(ctx, cred.ID, caller.ClientID, req.PIN, req.OTP, ModeExplicit); err != nil {
			return "", time.Time{}, err
		}
		mode, factors = ModeExplicit, []string{"pin", "totp"}
	}
	r.rec.record(ctx, caller.ClientID, audit.ActionConsentAuthorize, cred.ID, evidence(caller.ClientID, hs, req.DocID, req.DocName, factors, mode))
	return r.issueSAD(ctx, cred.ID, caller.ClientID, hs, req.DocID, mode)
}

// checkFactors checks the citizen's factors and records a failure.
func (r *Remote) checkFactors(ctx context.Context, credID, clientID, pin, otp, mode string) error {
	if pin == "" || otp == "" {
		return errkind.New(errkind.Consent, "a citizen authorises with both the PIN (\"pin\") and the one-time code of the authenticator app (\"otp\")")
	}
	err := r.d.Factors.Check(ctx, credID, clientID, pin, otp)
	if err != nil {
		switch k := errkind.KindOf(err); k {
		case errkind.Consent, errkind.Locked:
			r.rec.record(ctx, clientID, audit.ActionConsentFailure, credID, map[string]any{"client": clientID, "mode": mode, "locked": k == errkind.Locked})
		}
	}
	return err
}

// evidence is what an authorisation's audit record holds.
func evidence(clientID string, hs hashSet, docID, docName string, factors []string, mode string) map[string]any {
	return map[string]any{
		"client": clientID, "hashes": hexList(hs.hashes), "hash_algorithm": algName(hs.alg), "num_signatures": len(hs.hashes),
		"doc_id": docID, "doc_name": docName, "factors": factors, "mode": mode,
	}
}

// issueSAD makes and stores a SAD for hs.
func (r *Remote) issueSAD(ctx context.Context, credID, clientID string, hs hashSet, docID, mode string) (string, time.Time, error) {
	tok, h, err := newToken(sadPrefix)
	if err != nil {
		return "", time.Time{}, err
	}
	now := r.cfg.Now()
	exp := now.Add(r.cfg.SADLifetime)
	d := &model.SAD{TokenHash: h, CredentialID: credID, ClientID: clientID, HashAlgorithm: algName(hs.alg), Hashes: hs.key(),
		NumSignatures: len(hs.hashes), DocID: docID, Mode: mode, CreatedAt: now, ExpiresAt: exp}
	if err := r.d.Consent.CreateSAD(ctx, d); err != nil {
		return "", time.Time{}, err
	}
	return tok, exp, nil
}

// ExtendSAD replaces an unused, unexpired SAD with a new one for the same
// authorisation and a new expiry (CSC's extendTransaction); the old one
// stops working.
func (r *Remote) ExtendSAD(ctx context.Context, caller model.Caller, credentialID, sad string) (string, time.Time, error) {
	if _, err := r.credentialFor(ctx, caller, credentialID); err != nil {
		return "", time.Time{}, err
	}
	if sad == "" {
		return "", time.Time{}, ErrSAD
	}
	tok, h, err := newToken(sadPrefix)
	if err != nil {
		return "", time.Time{}, err
	}
	now := r.cfg.Now()
	exp := now.Add(r.cfg.SADLifetime)
	if err := r.d.Consent.ExtendSAD(ctx, tokenHash(sad), h, credentialID, caller.ClientID, now, exp); err != nil {
		if errkind.KindOf(err) == errkind.NotFound {
			return "", time.Time{}, ErrSAD
		}
		return "", time.Time{}, err
	}
	r.rec.record(ctx, caller.ClientID, audit.ActionConsentExtend, credentialID, map[string]any{"client": caller.ClientID, "expires_at": exp.UTC().Format(time.RFC3339)})
	return tok, exp, nil
}

// consume uses sad for hashes, once; what was used is recorded.
func (r *Remote) consume(ctx context.Context, caller model.Caller, credID, sad string, alg crypto.Hash, hashes [][]byte, use string) error {
	if sad == "" {
		return ErrNeedSAD
	}
	if alg == 0 {
		alg = crypto.SHA256
	}
	d, err := r.d.Consent.ConsumeSAD(ctx, tokenHash(sad), credID, caller.ClientID, algName(alg), hashesKey(hashes), r.cfg.Now())
	if err != nil {
		if errkind.KindOf(err) == errkind.NotFound {
			r.rec.record(ctx, caller.ClientID, audit.ActionConsentFailure, credID, map[string]any{"client": caller.ClientID, "reason": "sad refused", "use": use})
			return ErrSAD
		}
		return err
	}
	r.rec.record(ctx, caller.ClientID, audit.ActionConsentUse, credID, map[string]any{
		"client": caller.ClientID, "hashes": hexList(hashes), "hash_algorithm": algName(alg), "num_signatures": len(hashes),
		"doc_id": d.DocID, "mode": d.Mode, "use": use})
	return nil
}

// ConsumeSAD uses a citizen's SAD for a native signing request (app.Sign):
// hashes are the SHA-256 of the documents, or a hash request's digests.
func (r *Remote) ConsumeSAD(ctx context.Context, caller model.Caller, credID, sad string, alg crypto.Hash, hashes [][]byte, use string) error {
	return r.consume(ctx, caller, credID, sad, alg, hashes, use)
}

// batchSigner signs many digests in one call (keys.Signer: one Transit
// batch request).
type batchSigner interface {
	SignBatch(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error)
}

// SignHashes consumes sad and signs each hash (raw signatures: PKCS #1
// v1.5, RSASSA-PSS with *rsa.PSSOptions, or ECDSA). The hashes must be
// exactly those authorised. An official's or seal's credential signs
// without a SAD (SCAL1) through a client bound to its agency; a SAD given
// for one is used all the same.
func (r *Remote) SignHashes(ctx context.Context, caller model.Caller, credentialID, sad string, hashes [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	if opts == nil {
		return nil, errkind.InvalidField("hash_algorithm", "is required")
	}
	hs, err := checkHashes(hashes, opts.HashFunc(), 0)
	if err != nil {
		return nil, err
	}
	cred, err := r.credentialFor(ctx, caller, credentialID)
	if err != nil {
		return nil, err
	}
	if cred.Profile == ca.ProfileCitizen || sad != "" {
		if err := r.consume(ctx, caller, cred.ID, sad, hs.alg, hashes, "sign_hash"); err != nil {
			return nil, err
		}
	}
	var sigs [][]byte
	if bs, ok := cred.Signer.(batchSigner); ok {
		sigs, err = bs.SignBatch(ctx, hashes, opts)
	} else {
		for _, h := range hashes {
			var sig []byte
			if sig, err = cred.Signer.Sign(rand.Reader, h, opts); err != nil {
				break
			}
			sigs = append(sigs, sig)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("app: sign hashes: %w", err)
	}
	if r.d.Audit != nil {
		for _, h := range hashes {
			sum := h
			if hs.alg != crypto.SHA256 {
				s2 := sha256.Sum256(h)
				sum = s2[:]
			}
			serial := ""
			if cred.Cert != nil {
				serial = fmt.Sprintf("%x", cred.Cert.SerialNumber.Bytes())
			}
			e, err := audit.SignEvent(audit.Signing{Action: audit.ActionSignHash, Client: caller.ClientID, Credential: cred.ID,
				Certificate: serial, DocumentSHA256: sum, Level: "raw"})
			if err == nil {
				err = r.d.Audit.Record(ctx, AuditEvent(e))
			}
			if err != nil {
				// A signature the audit log cannot hold is not handed out.
				return nil, fmt.Errorf("app: audit: %w", err)
			}
		}
	}
	return sigs, nil
}

// OpenTransaction opens a transaction for the citizen to confirm on
// kyso's page: the client shows the citizen the ConfirmURL (a link, a QR
// code) and polls.
func (r *Remote) OpenTransaction(ctx context.Context, caller model.Caller, req TransactionRequest) (*Transaction, error) {
	hs, err := checkHashes(req.Hashes, req.HashAlgorithm, req.NumSignatures)
	if err != nil {
		return nil, err
	}
	if err := checkDocText(req.DocID, req.DocName); err != nil {
		return nil, err
	}
	if req.CallbackURL != "" {
		u, err := url.Parse(req.CallbackURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(req.CallbackURL) > 2048 {
			return nil, errkind.InvalidField("callback_url", "must be an absolute http or https URL without credentials")
		}
	}
	cred, err := r.credentialFor(ctx, caller, req.CredentialID)
	if err != nil {
		return nil, err
	}
	if cred.Profile != ca.ProfileCitizen {
		return nil, errkind.New(errkind.Invalid, "only a citizen confirms a transaction; an official's or seal's credential is authorised directly")
	}
	id, _, err := newToken("tx_")
	if err != nil {
		return nil, err
	}
	confirm, th, err := newToken("")
	if err != nil {
		return nil, err
	}
	now := r.cfg.Now()
	t := &model.SigningTransaction{ID: id, TokenHash: th, CredentialID: cred.ID, ClientID: caller.ClientID,
		HashAlgorithm: algName(hs.alg), Hashes: strings.Join(hexList(hs.hashes), ","), NumSignatures: len(hs.hashes),
		DocID: req.DocID, DocName: req.DocName, CallbackURL: req.CallbackURL, State: TxPending,
		CreatedAt: now, ExpiresAt: now.Add(r.cfg.TransactionLifetime)}
	if err := r.d.Consent.CreateTransaction(ctx, t); err != nil {
		return nil, err
	}
	r.rec.record(ctx, caller.ClientID, audit.ActionTxOpen, cred.ID, map[string]any{"transaction": id, "client": caller.ClientID,
		"hashes": hexList(hs.hashes), "doc_id": req.DocID, "doc_name": req.DocName})
	return &Transaction{ID: id, ConfirmURL: r.cfg.ConfirmBaseURL + "/" + url.PathEscape(id) + "#t=" + confirm,
		ExpiresAt: t.ExpiresAt, State: TxPending}, nil
}

// state is what a transaction's state is at now.
func (r *Remote) state(t *model.SigningTransaction, now time.Time) string {
	switch {
	case t.State == TxPending && !now.Before(t.ExpiresAt):
		return TxExpired
	case t.State == txDelivered:
		return TxConfirmed
	}
	return t.State
}

// Poll returns the state of a transaction to the client that opened it,
// with a SAD in the first answer after the citizen confirmed (later
// answers say confirmed, without it).
func (r *Remote) Poll(ctx context.Context, caller model.Caller, id string) (*Transaction, error) {
	t, err := r.d.Consent.GetTransaction(ctx, id)
	if err != nil {
		if errkind.KindOf(err) == errkind.NotFound {
			return nil, errNoTransaction
		}
		return nil, err
	}
	if caller.ClientID == "" || subtle.ConstantTimeCompare([]byte(t.ClientID), []byte(caller.ClientID)) != 1 {
		return nil, errNoTransaction // another client's transaction does not exist for this one
	}
	now := r.cfg.Now()
	out := &Transaction{ID: t.ID, ExpiresAt: t.ExpiresAt, State: r.state(t, now)}
	if t.State != TxConfirmed {
		return out, nil
	}
	// The one move from confirmed to delivered hands out the SAD: of
	// concurrent polls (on any node) one gets it.
	moved, err := r.d.Consent.MoveTransaction(ctx, t.ID, TxConfirmed, txDelivered, now)
	if err != nil {
		return nil, err
	}
	if !moved {
		return out, nil // another poll got the SAD
	}
	hashes, err := decodeHexList(t.Hashes)
	if err != nil {
		return nil, err
	}
	alg := algOf(t.HashAlgorithm)
	out.SAD, out.SADExpiresAt, err = r.issueSAD(ctx, t.CredentialID, t.ClientID, hashSet{alg: alg, hashes: hashes}, t.DocID, ModeConfirmation)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func decodeHexList(s string) ([][]byte, error) {
	var out [][]byte
	for _, h := range strings.Split(s, ",") {
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("app: stored hashes: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}

func algOf(name string) crypto.Hash {
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		if algName(h) == name {
			return h
		}
	}
	return 0
}

// transaction returns the transaction whose confirmation token is
// confirmToken; any mismatch is "no such transaction".
func (r *Remote) transaction(ctx context.Context, id, confirmToken string) (*model.SigningTransaction, error) {
	if id == "" || confirmToken == "" {
		return nil, errNoTransaction
	}
	t, err := r.d.Consent.GetTransaction(ctx, id)
	if err != nil {
		if errkind.KindOf(err) == errkind.NotFound {
			return nil, errNoTransaction
		}
		return nil, err
	}
	if subtle.ConstantTimeCompare(t.TokenHash, tokenHash(confirmToken)) != 1 {
		return nil, errNoTransaction
	}
	return t, nil
}

// View returns what the confirmation page shows of a transaction; the
// token is the unguessable one in its ConfirmURL.
func (r *Remote) View(ctx context.Context, id, confirmToken string) (*TransactionView, error) {
	t, err := r.transaction(ctx, id, confirmToken)
	if err != nil {
		return nil, err
	}
	v := &TransactionView{DocID: t.DocID, DocName: t.DocName, NumSignatures: t.NumSignatures, ExpiresAt: t.ExpiresAt,
		State: r.state(t, r.cfg.Now())}
	for _, h := range strings.Split(t.Hashes, ",") {
		v.HashPrefixes = append(v.HashPrefixes, h[:min(len(h), 16)])
	}
	v.ClientName, v.Agency = t.ClientID, t.ClientID
	if r.d.Clients != nil {
		if c, err := r.d.Clients.GetClient(ctx, t.ClientID); err == nil {
			v.ClientName, v.Agency = c.Name, c.Name
			if len(c.Organizations) > 0 {
				v.Agency = c.Organizations[0]
			}
		}
	}
	if cred, err := r.d.Credentials.SigningCredential(ctx, t.CredentialID); err == nil {
		v.HolderMasked = maskHolder(cred.HolderName, cred.CCCD)
	}
	return v, nil
}

// maskHolder shows enough of the holder for the citizen to recognise
// themselves, not enough for an onlooker: the initials of the name but
// the given name, and the CCCD's first three and last three digits.
func maskHolder(name, cccd string) string {
	words := strings.Fields(name)
	for i := 0; i < len(words)-1; i++ {
		r, _ := utf8.DecodeRuneInString(words[i])
		words[i] = string(r) + "."
	}
	out := strings.Join(words, " ")
	if n := len(cccd); n > 6 {
		out += " (" + cccd[:3] + strings.Repeat("*", n-6) + cccd[n-3:] + ")"
	}
	return out
}

// Confirm is the citizen's consent to a transaction, with PIN and code; a
// wrong one counts against the client that opened the transaction.
func (r *Remote) Confirm(ctx context.Context, id, confirmToken, pin, otp string) error {
	t, err := r.transaction(ctx, id, confirmToken)
	if err != nil {
		return err
	}
	if st := r.state(t, r.cfg.Now()); st != TxPending {
		return errkind.New(errkind.Conflict, "this transaction is "+st+"; it can no longer be confirmed")
	}
	if err := r.checkFactors(ctx, t.CredentialID, t.ClientID, pin, otp, ModeConfirmation); err != nil {
		return err
	}
	moved, err := r.d.Consent.MoveTransaction(ctx, t.ID, TxPending, TxConfirmed, r.cfg.Now())
	if err != nil {
		return err
	}
	if !moved {
		return errkind.New(errkind.Conflict, "this transaction was decided or expired meanwhile")
	}
	hashes, err := decodeHexList(t.Hashes)
	if err != nil {
		return err
	}
	r.rec.record(ctx, t.ClientID, audit.ActionConsentAuthorize, t.CredentialID,
		evidence(t.ClientID, hashSet{alg: algOf(t.HashAlgorithm), hashes: hashes}, t.DocID, t.DocName, []string{"pin", "totp"}, ModeConfirmation))
	r.notify(t, TxConfirmed)
	return nil
}

// Refuse is the citizen's refusal of a transaction.
func (r *Remote) Refuse(ctx context.Context, id, confirmToken string) error {
	t, err := r.transaction(ctx, id, confirmToken)
	if err != nil {
		return err
	}
	moved, err := r.d.Consent.MoveTransaction(ctx, t.ID, TxPending, TxRefused, r.cfg.Now())
	if err != nil {
		return err
	}
	if !moved {
		return errkind.New(errkind.Conflict, "this transaction was decided or expired already")
	}
	r.rec.record(ctx, t.ClientID, audit.ActionConsentRefuse, t.CredentialID, map[string]any{"transaction": t.ID, "client": t.ClientID, "doc_id": t.DocID})
	r.notify(t, TxRefused)
	return nil
}

func (r *Remote) notify(t *model.SigningTransaction, state string) {
	if r.d.Notify != nil && t.CallbackURL != "" {
		r.d.Notify.Notify(t.CallbackURL, t.ID, state)
	}
}
