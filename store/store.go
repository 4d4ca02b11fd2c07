package store

import (
	"context"
	"errors"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// Sentinel errors. Implementations wrap them so callers can use errors.Is.
// They are errkind errors: ErrNotFound of kind errkind.NotFound,
// ErrUnavailable errkind.DBUnavailable, ErrFull errkind.Full; ErrConflict is
// errkind.Internal (the caller, such as ca, says what the conflict means).
var (
	// ErrNotFound reports that the requested record does not exist.
	ErrNotFound = errkind.Wrap(errkind.NotFound, errors.New("store: not found"), "no such credential or record")
	// ErrConflict reports a uniqueness violation (duplicate serial, name, key)
	// or a state change the record's current state does not allow (such as
	// revoking a revoked certificate).
	ErrConflict = errkind.New(errkind.Internal, "store: conflict")
	// ErrHolderTaken reports a credential created for a holder (a
	// citizen's CCCD) that another active credential already claims
	// (Credential.Holder). It matches ErrConflict too.
	ErrHolderTaken = ErrConflict.Errorf("holder already has an active credential")
	// ErrUnavailable reports that the database cannot be reached or is locked
	// beyond the busy timeout; the caller may retry later.
	ErrUnavailable = errkind.New(errkind.DBUnavailable, "store: unavailable")
	// ErrFull reports that the database cannot grow: its disk or quota is
	// full (SQLITE_FULL, PostgreSQL's disk_full). The failed write changed
	// nothing. ErrFull matches ErrUnavailable too: the caller may retry
	// once an operator has made room.
	ErrFull = errkind.Wrap(errkind.Full, fullError{}, "store: storage full")
)

// fullError is the cause of ErrFull, which makes it match ErrUnavailable.
type fullError struct{}

func (fullError) Error() string { return "store: storage full" }

// Is reports whether target is ErrUnavailable.
func (fullError) Is(target error) bool { return target == ErrUnavailable }

// The rows of the store are kyso's domain types (package model); these
// names are kept so that the store's methods read as before.
type (
	Issuer           = model.Issuer
	IssuerKind       = model.IssuerKind
	IssuerStatus     = model.IssuerStatus
	Credential       = model.Credential
	CredentialStatus = model.CredentialStatus
	Certificate      = model.Certificate
	CertStatus       = model.CertStatus
	Client           = model.Client
)

// Issuer kinds and states, credential and certificate states (package
// model).
const (
	IssuerRoot        = model.IssuerRoot
	IssuerIssuing     = model.IssuerIssuing
	IssuerPending     = model.IssuerPending
	IssuerActive      = model.IssuerActive
	IssuerRetired     = model.IssuerRetired
	CredentialActive  = model.CredentialActive
	CredentialRevoked = model.CredentialRevoked
	CertPending       = model.CertPending
	CertActive        = model.CertActive
	CertSuperseded    = model.CertSuperseded
	CertRevoked       = model.CertRevoked
	CertFailed        = model.CertFailed
)

// CertFilter selects certificates in ListCertificates. Zero fields do not
// filter.
type CertFilter struct {
	Status        CertStatus
	IssuerID      string
	CredentialID  string
	Profile       string
	ExpiringUntil time.Time // NotAfter <= ExpiringUntil
	Limit         int       // 0 means the implementation default (100); max 1000
	After         string    // ID cursor: return certificates ordered after this ID
}

// CRL is the latest CRL an issuer published.
type CRL struct {
	IssuerID   string
	Number     int64
	ThisUpdate time.Time
	NextUpdate time.Time
	DER        []byte
}

// AdminToken is an API credential for administrators; only its SHA-256
// hash is stored.
type AdminToken = model.AdminToken

// AuditRecord is one entry of the audit log, a hash chain. The store keeps
// the chain's order and links; the hash itself is computed by the chain
// function given to AppendAudit (package audit defines it).
type AuditRecord struct {
	Seq      int64 // 1, 2, 3, ... in append order, without gaps
	At       time.Time
	Actor    string // who: an admin token ID, a client ID, "system"
	Action   string // what: "cert.issue", "sign.pdf", ...
	Target   string // on what: a certificate, credential or client ID
	Details  string // JSON text, stored and returned byte for byte
	PrevHash []byte // Hash of record Seq-1; empty for the first record
	Hash     []byte
}

// Store is kyso's persistence. Every method is safe for concurrent use.
// Methods that change several records do so in one transaction.
//
// Common rules of the implementations in this package: IDs are chosen by
// the caller; a zero CreatedAt (and UpdatedAt) passed to a create method is
// set to the current time and written back into the argument; times come
// back in UTC with nanoseconds kept; a missing record is ErrNotFound, and
// so is a reference to one (an unknown issuer or credential); a duplicate
// ID, name, serial, key name or token hash is ErrConflict, as is a state
// change the record's state does not allow.
type Store interface {
	// Ping checks that the database is reachable.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error

	// CreateIssuer inserts is. Names are unique.
	CreateIssuer(ctx context.Context, is *Issuer) error
	// UpdateIssuer replaces the mutable fields (Status, KeyVersion, CertPEM,
	// ChainPEM, CSRPEM, OCSP*, NotBefore, NotAfter) of the issuer with is.ID.
	UpdateIssuer(ctx context.Context, is *Issuer) error
	GetIssuer(ctx context.Context, id string) (*Issuer, error)
	GetIssuerByName(ctx context.Context, name string) (*Issuer, error)
	// ListIssuers returns all issuers, oldest first.
	ListIssuers(ctx context.Context) ([]*Issuer, error)

	// CreateCredential inserts a credential together with its first
	// certificate (normally pending) in one transaction. first may be nil;
	// an empty first.CredentialID is set to cr.ID. cr.CurrentCertID is
	// normally empty: ActivateCertificate sets it. Key names are unique.
	CreateCredential(ctx context.Context, cr *Credential, first *Certificate) error
	GetCredential(ctx context.Context, id string) (*Credential, error)
	// GetCredentialCertificate returns a credential and its current
	// certificate in one read (nil if it has none): the lookup of every
	// signature. ErrNotFound if there is no such credential. epoch is the
	// authorisation version read with them (0 when there is no current
	// certificate): every committed change to a credential or a
	// certificate raises it, so rows read at an epoch that a later read
	// still returns are unchanged.
	GetCredentialCertificate(ctx context.Context, id string) (cred *Credential, cert *Certificate, epoch int64, err error)
	// UpdateCredential replaces Profile, SubjectJSON, CurrentCertID, Status
	// and UpdatedAt of the credential with cr.ID; ID, KeyName, KeyType and
	// CreatedAt never change.
	UpdateCredential(ctx context.Context, cr *Credential) error

	// CreateCertificate inserts a certificate (normally pending).
	CreateCertificate(ctx context.Context, c *Certificate) error
	// ActivateCertificate stores the signed PEM and validity, marks the
	// certificate active and, if it has a credential, makes it the
	// credential's current certificate; if supersede is non-empty that
	// certificate is marked superseded by c.ID. One transaction.
	//
	// Serial, Subject and KeyVersion are stored as given too. c must be
	// pending (ErrNotFound if missing, ErrConflict otherwise); supersede
	// must exist (ErrNotFound), be active and belong to the same credential
	// (ErrConflict). On error nothing changes; on success c.Status is
	// CertActive.
	ActivateCertificate(ctx context.Context, c *Certificate, supersede string) error
	// FailCertificate marks a pending certificate failed; ErrConflict if it
	// is not pending.
	FailCertificate(ctx context.Context, id string) error
	GetCertificate(ctx context.Context, id string) (*Certificate, error)
	GetCertificateBySerial(ctx context.Context, issuerID, serial string) (*Certificate, error)
	// ListCertificates returns the certificates matching f, ordered by ID.
	// Certificates without a NotAfter never match ExpiringUntil.
	ListCertificates(ctx context.Context, f CertFilter) ([]*Certificate, error)
	// RevokeCertificate marks an active or superseded certificate revoked.
	// Revoking an already revoked certificate returns ErrConflict, as does
	// revoking a pending or failed one. A zero at means now.
	RevokeCertificate(ctx context.Context, id string, at time.Time, reason int) error
	// ListRevoked returns the revoked certificates of an issuer that have
	// not yet expired at the given time (RFC 5280 5.3: expired entries may
	// be dropped from the CRL). A certificate whose NotAfter equals now is
	// still listed. Ordered by ID.
	ListRevoked(ctx context.Context, issuerID string, now time.Time) ([]*Certificate, error)

	// SaveCRL stores crl if its Number is greater than the stored one, and
	// returns ErrConflict otherwise. Only the latest CRL is kept.
	SaveCRL(ctx context.Context, crl *CRL) error
	// LatestCRL returns the newest CRL of an issuer, or ErrNotFound.
	LatestCRL(ctx context.Context, issuerID string) (*CRL, error)

	// CreateAdminToken inserts t. Hashes are unique.
	CreateAdminToken(ctx context.Context, t *AdminToken) error
	// FindAdminToken returns the token whose hash equals hash.
	FindAdminToken(ctx context.Context, hash []byte) (*AdminToken, error)
	CountAdminTokens(ctx context.Context) (int, error)
	// ListAdminTokens returns all admin tokens, oldest first.
	ListAdminTokens(ctx context.Context) ([]*AdminToken, error)
	// DeleteAdminToken deletes the token with the given ID (ErrNotFound if
	// none): it stops working at once.
	DeleteAdminToken(ctx context.Context, id string) error
	// SetAdminTokenHash replaces the hash and expiry (zero: never) of the
	// token with the given ID, so the old token stops working at once.
	SetAdminTokenHash(ctx context.Context, id string, hash []byte, expiresAt time.Time) error

	// CreateClient inserts c. Key hashes are unique.
	CreateClient(ctx context.Context, c *Client) error
	GetClient(ctx context.Context, id string) (*Client, error)
	// AuthEpoch returns the authorisation version: every committed change
	// to a client, a credential or a certificate raises it, in the same
	// transaction (see GetCredentialCertificate).
	AuthEpoch(ctx context.Context) (int64, error)
	// FindClientByKeyHash returns the client whose key hash equals hash,
	// disabled or not, with the authorisation version read in the same
	// statement (Client.AuthEpoch; see GetCredentialCertificate).
	FindClientByKeyHash(ctx context.Context, hash []byte) (*Client, error)
	// ListClients returns all clients, oldest first.
	ListClients(ctx context.Context) ([]*Client, error)
	// SetClientDisabled disables or re-enables the client with the given ID.
	SetClientDisabled(ctx context.Context, id string, disabled bool) error
	// SetClientKeyHash replaces the API key hash and expiry (zero: never)
	// of the client with the given ID, so the old key stops working at
	// once.
	SetClientKeyHash(ctx context.Context, id string, hash []byte, expiresAt time.Time) error
	// DeleteClient deletes the client with the given ID (ErrNotFound if
	// none).
	DeleteClient(ctx context.Context, id string) error

	// SetCredentialPIN stores the PIN hash (a PHC string; never the PIN) of
	// a credential and sets the failure counter of the PIN check before
	// SCAL 2 to zero; it leaves that check's lock (see UnlockCredential).
	SetCredentialPIN(ctx context.Context, credID, hash string) error
	// GetCredentialPIN returns a credential's PIN hash ("" if none was
	// set).
	GetCredentialPIN(ctx context.Context, credID string) (hash string, err error)
	// UnlockCredential clears the credential-level lock and failure
	// counter that kyso's PIN check before SCAL 2 kept: this version
	// neither sets nor reads them, but a database written by an older one
	// may hold a lock, which older nodes still serving during a rolling
	// upgrade enforce.
	UnlockCredential(ctx context.Context, credID string) error

	// AppendAudit appends rec to the audit log in one write transaction
	// that excludes every other appender (of every kyso node): it sets
	// rec.Seq to the last record's Seq + 1 (1 for the first), rec.PrevHash
	// to the last record's Hash (empty for the first), a zero rec.At to the
	// current time, then rec.Hash = chain(rec.PrevHash, rec), and inserts
	// the record. chain runs inside the transaction and must not call the
	// store. On error rec is left unchanged.
	AppendAudit(ctx context.Context, rec *AuditRecord, chain func(prev []byte, rec *AuditRecord) []byte) error
	// AppendAudits appends recs in order as AppendAudit would one after
	// the other, in ONE transaction: all are appended or none (on error
	// every record is left unchanged). Concurrent appenders share one
	// commit this way instead of taking turns for one each.
	AppendAudits(ctx context.Context, recs []*AuditRecord, chain func(prev []byte, rec *AuditRecord) []byte) error
	// ListAudit returns up to limit records with Seq > afterSeq, in Seq
	// order. A limit <= 0 means DefaultListLimit; at most MaxListLimit.
	ListAudit(ctx context.Context, afterSeq int64, limit int) ([]*AuditRecord, error)

	// ClaimIdempotencyKey records a pending Idempotency-Key record, or
	// takes over an expired one or a pending one whose holder's lock ran
	// out (same fingerprint only), and returns the record as stored; the
	// caller holds the key when the returned Token equals rec.Token.
	ClaimIdempotencyKey(ctx context.Context, rec *IdempotencyRecord) (*IdempotencyRecord, error)
	// SetIdempotencyResource records what the holder is about to create.
	SetIdempotencyResource(ctx context.Context, actor, key, token, resource string) error
	// CompleteIdempotencyKey keeps the answer of a held record and marks it
	// done. ErrConflict, like the two methods around it, when token no
	// longer holds the key.
	CompleteIdempotencyKey(ctx context.Context, rec *IdempotencyRecord) error
	// ReleaseIdempotencyKey forgets a pending record held by token.
	ReleaseIdempotencyKey(ctx context.Context, actor, key, token string) error
	// UnlockIdempotencyKey ends the lock of a pending record held by
	// token, keeping it for a retry to take over.
	UnlockIdempotencyKey(ctx context.Context, actor, key, token string) error
	// PurgeIdempotencyKeys deletes the records expired at or before before.
	PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int64, error)

	// ListCredentials returns up to limit credentials after the ID after,
	// ordered by ID (for kyso doctor's walk over every key).
	ListCredentials(ctx context.Context, after string, limit int) ([]*Credential, error)
	// BundleVersion returns the highest version of the trust bundle name
	// this deployment has accepted and the digest of its contents (0 and
	// "": none yet).
	BundleVersion(ctx context.Context, name string) (version uint64, digest string, err error)
	// RecordBundleVersion records version of the trust bundle name, with
	// the digest of its contents, as accepted: ErrConflict if a higher
	// version was, or the same version with another digest (a rollback);
	// recording the version in place again is not an error.
	RecordBundleVersion(ctx context.Context, name string, version uint64, digest string) error
	// ListUsableCredentials returns up to limit active credentials of
	// profile whose current certificate is active, after the ID after,
	// ordered by ID: the credentials a client system may be shown (CSC
	// credentials/list), read by profile so that an agency's listing does
	// not walk every citizen's certificate.
	ListUsableCredentials(ctx context.Context, profile, after string, limit int) ([]*Credential, error)
	// QuarantineKey records a Transit key no record refers to;
	// ErrConflict if it is already quarantined.
	QuarantineKey(ctx context.Context, k *QuarantinedKey) error
	// ListQuarantinedKeys returns the quarantined keys by name.
	ListQuarantinedKeys(ctx context.Context) ([]*QuarantinedKey, error)

	// PutSealImage stores or replaces an agency's seal image.
	PutSealImage(ctx context.Context, img *SealImage) error
	// GetSealImage returns an agency's seal image, or ErrNotFound.
	GetSealImage(ctx context.Context, organization string) (*SealImage, error)
}

// Consent is the part of the store behind a citizen's sole control
// (SCAL2): TOTP seeds, the clients a credential is bound to, wrong
// attempts per (credential, client), SADs and signing transactions.
// Store implementations in this package implement it; Consent(s) returns
// it.
type Consent interface {
	// SetTOTP stores (or replaces, from step 0) a credential's encrypted
	// TOTP seed.
	SetTOTP(ctx context.Context, credID string, ciphertext []byte) error
	// GetTOTP returns the encrypted seed and the last accepted step;
	// ErrNotFound if the credential has none.
	GetTOTP(ctx context.Context, credID string) (ciphertext []byte, lastStep int64, err error)
	// UseTOTPStep records the step of an accepted code if it is later
	// than the last one, and is ErrConflict otherwise (a replay).
	UseTOTPStep(ctx context.Context, credID string, step int64) error

	// BindClient binds a credential to a client (again: no error).
	BindClient(ctx context.Context, credID, clientID string) error
	// ClientBound reports whether the credential is bound to the client.
	ClientBound(ctx context.Context, credID, clientID string) (bool, error)
	// CredentialClients and ClientCredentials list the bindings, sorted.
	CredentialClients(ctx context.Context, credID string) ([]string, error)
	ClientCredentials(ctx context.Context, clientID string) ([]string, error)

	// GetConsentAttempts returns one client's attempts on a credential.
	GetConsentAttempts(ctx context.Context, credID, clientID string) (*model.ConsentAttempts, error)
	// CountConsentAttempt counts an attempt before it is checked and
	// returns its number.
	CountConsentAttempt(ctx context.Context, credID, clientID string) (int, error)
	// LockConsent locks the client out until until and returns the
	// number of lockouts, this one included.
	LockConsent(ctx context.Context, credID, clientID string, until time.Time) (int, error)
	// ResetConsentFailures zeroes the failure count after a success.
	ResetConsentFailures(ctx context.Context, credID, clientID string) error
	// ClearConsentLocks forgets every client's attempts on a credential.
	ClearConsentLocks(ctx context.Context, credID string) error

	// CreateSAD stores a SAD.
	CreateSAD(ctx context.Context, d *model.SAD) error
	// ConsumeSAD uses a SAD once, atomically, if it matches exactly;
	// ErrNotFound otherwise.
	ConsumeSAD(ctx context.Context, tokenHash []byte, credID, clientID, hashAlg, hashes string, now time.Time) (*model.SAD, error)
	// ExtendSAD moves an unused, unexpired SAD to a new token and expiry.
	ExtendSAD(ctx context.Context, oldHash, newHash []byte, credID, clientID string, now, expiresAt time.Time) error

	// CreateTransaction, GetTransaction and MoveTransaction keep the
	// signing transactions of the confirmation mode.
	CreateTransaction(ctx context.Context, t *model.SigningTransaction) error
	GetTransaction(ctx context.Context, id string) (*model.SigningTransaction, error)
	MoveTransaction(ctx context.Context, id, from, to string, at time.Time) (bool, error)
}

// ConsentOf returns the Consent part of a Store opened by this package,
// or nil for another implementation.
func ConsentOf(s Store) Consent {
	c, _ := s.(Consent)
	return c
}
