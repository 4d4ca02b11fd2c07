package app

import (
	"context"
	"crypto"
	"log/slog"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/signer"
)

// Defaults of RemoteConfig.
const (
	DefaultSADLifetime         = 5 * time.Minute
	DefaultTransactionLifetime = 10 * time.Minute
	// MaxSADHashes bounds the hashes one authorisation covers (CSC's
	// multisign; the batch limit of /v1/sign/hash).
	MaxSADHashes = signer.MaxHashes
)

// Transaction states.
const (
	TxPending   = "pending"
	TxConfirmed = "confirmed"
	TxRefused   = "refused"
	TxExpired   = "expired"
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
	// CallbackURL, if set, is told when the transaction is decided.
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
	// ConfirmBaseURL is the address of the confirmation page; the
	// transaction's ID and token are appended (ConfirmURL).
	ConfirmBaseURL string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// RemoteDeps are the services behind Remote.
type RemoteDeps struct {
	Credentials Credentials
	Audit       Auditor
	Log         *slog.Logger
}

// Remote is remote signing under the citizen's sole control (SCAL2): a
// citizen authorises signatures over exact hashes with two factors (PIN
// and TOTP), for one client, which gets a single-use Signature Activation
// Data (SAD) token; the signatures are made only with it.
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
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Remote{d: d, cfg: cfg, rec: recorder{d.Audit, d.Log}}
}

var errRemoteUnavailable = errkind.New(errkind.NotConfigured, "remote signing is not available yet")

// Authorize checks the citizen's PIN and one-time code for caller and
// returns a SAD bound to the credential, the client, the exact hashes and
// their number, and its expiry.
func (r *Remote) Authorize(ctx context.Context, caller signer.Caller, req AuthorizeRequest) (sad string, expiresAt time.Time, err error) {
	return "", time.Time{}, errRemoteUnavailable
}

// ExtendSAD replaces an unused, unexpired SAD with a new one for the same
// authorisation and a new expiry (CSC's extendTransaction).
func (r *Remote) ExtendSAD(ctx context.Context, caller signer.Caller, credentialID, sad string) (string, time.Time, error) {
	return "", time.Time{}, errRemoteUnavailable
}

// SignHashes consumes sad and signs each hash (raw signatures: PKCS #1
// v1.5, RSASSA-PSS with *rsa.PSSOptions, or ECDSA).
func (r *Remote) SignHashes(ctx context.Context, caller signer.Caller, credentialID, sad string, hashes [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	return nil, errRemoteUnavailable
}

// OpenTransaction opens a transaction for the citizen to confirm.
func (r *Remote) OpenTransaction(ctx context.Context, caller signer.Caller, req TransactionRequest) (*Transaction, error) {
	return nil, errRemoteUnavailable
}

// Poll returns the state of a transaction to the client that opened it,
// with the SAD once confirmed (in the first answer after confirmation).
func (r *Remote) Poll(ctx context.Context, caller signer.Caller, id string) (*Transaction, error) {
	return nil, errRemoteUnavailable
}

// View returns what the confirmation page shows of a transaction; the
// token is the unguessable one in its ConfirmURL.
func (r *Remote) View(ctx context.Context, id, confirmToken string) (*TransactionView, error) {
	return nil, errRemoteUnavailable
}

// Confirm is the citizen's consent to a transaction, with PIN and code.
func (r *Remote) Confirm(ctx context.Context, id, confirmToken, pin, otp string) error {
	return errRemoteUnavailable
}

// Refuse is the citizen's refusal of a transaction.
func (r *Remote) Refuse(ctx context.Context, id, confirmToken string) error {
	return errRemoteUnavailable
}
