package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/store"
)

// Actions recorded in the audit log.
const (
	ActionCertIssue        = "cert.issue"
	ActionCertRotate       = "cert.rotate"
	ActionCertRenew        = "cert.renew"
	ActionCertRevoke       = "cert.revoke"
	ActionCARotate         = "ca.rotate"
	ActionCAExternalInit   = "ca.external_init"
	ActionCAImportChain    = "ca.import_chain"
	ActionCAExternalCancel = "ca.external_cancel"
	ActionSignPDF          = "sign.pdf"
	ActionSignCMS          = "sign.cms"
	ActionSignHash         = "sign.hash"
	ActionSignXML          = "sign.xml"
	ActionAuthFailure      = "auth.failure"
	// ActionPINFailure and ActionPINLocked are no longer written: kyso
	// before SCAL 2 recorded a wrong PIN at signing, and the credential
	// it locked, with them. Logs written by those versions hold them, and
	// the log is append-only; failures are ActionConsentFailure now.
	ActionPINFailure       = "pin.failure"
	ActionPINLocked        = "pin.locked"
	ActionCredentialUnlock = "credential.unlock"
	ActionClientCreate     = "client.create"
	ActionClientDisable    = "client.disable"
	ActionClientEnable     = "client.enable"
	ActionClientDelete     = "client.delete"
	ActionClientRotate     = "client.rotate"
	ActionAdminTokenCreate = "admin_token.create"
	ActionAdminTokenRevoke = "admin_token.revoke"
	ActionAdminTokenRotate = "admin_token.rotate"
	ActionSealImage        = "seal.image"
	ActionPINSet           = "pin.set"
	ActionTrustRefresh     = "trust.refresh"
	// A citizen's sole control (SCAL2): the evidence of each
	// authorisation (who, which hashes, which factors), each use of it,
	// the failures, and the enrolment events.
	ActionConsentAuthorize = "consent.authorize"
	ActionConsentUse       = "consent.use"
	ActionConsentExtend    = "consent.extend"
	ActionConsentFailure   = "consent.failure"
	ActionConsentRefuse    = "consent.refuse"
	ActionTxOpen           = "consent.transaction_open"
	ActionClientBind       = "credential.bind_client"
	ActionTOTPEnrol        = "totp.enrol"
)

// ErrInvalidEvent reports an event Record refuses: no actor, a malformed
// action, details that are not JSON, too large, or with a key that names a
// secret.
var ErrInvalidEvent = errkind.New(errkind.Internal, "audit: invalid event")

// MaxDetailsBytes bounds the canonical JSON of an event's details.
const MaxDetailsBytes = 16 << 10

// Store is the slice of store.Store that audit uses.
type Store interface {
	AppendAudit(ctx context.Context, rec *store.AuditRecord, chain func(prev []byte, rec *store.AuditRecord) []byte) error
	AppendAudits(ctx context.Context, recs []*store.AuditRecord, chain func(prev []byte, rec *store.AuditRecord) []byte) error
	ListAudit(ctx context.Context, afterSeq int64, limit int) ([]*store.AuditRecord, error)
}

// Event is one thing to record.
type Event struct {
	Actor  string // who: an admin token ID, a client ID, "system"
	Action string // what: one of the Action* constants
	Target string // on what: a certificate, credential or client ID; may be empty
	// Details is a small JSON object of non-secret facts; nil is {}.
	Details map[string]any
}

// Log appends to and verifies the audit log.
type Log struct {
	store    Store
	pageSize int // records Verify reads per query
	appender appender
}

// New returns a Log backed by s.
func New(s Store) *Log { return &Log{store: s, pageSize: store.MaxListLimit} }

var actionPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

// Record appends e to the log, in one transaction with the records of
// other goroutines recording at the same time (group commit); it returns
// once e is committed. The store sets the sequence number and the
// time inside the transaction that links the record to the previous one,
// so seq order is append order on every node.
//
// Details are written in canonical JSON (see the package documentation).
// Record refuses, with ErrInvalidEvent, details larger than
// MaxDetailsBytes and details with a key, at any depth, that names a
// secret: a key with a word (split at punctuation and camelCase) that is
// pin, puk, password, passphrase, secret or token, or whose words run
// together contain "apikey" or "privatekey" — so "pin", "user_pin",
// "pinHash", "api-key" and "privateKey" are refused, "key_name",
// "pinned" and "spin" are not. This is a net under the rule, not the rule:
// callers put only non-secret facts in details.
func (l *Log) Record(ctx context.Context, e Event) error {
	if strings.TrimSpace(e.Actor) == "" {
		return fmt.Errorf("%w: empty actor", ErrInvalidEvent)
	}
	if !actionPattern.MatchString(e.Action) {
		return fmt.Errorf("%w: malformed action %q", ErrInvalidEvent, e.Action)
	}
	details, err := canonicalDetails(e.Details)
	if err != nil {
		return err
	}
	rec := &store.AuditRecord{Actor: e.Actor, Action: e.Action, Target: e.Target, Details: details}
	if err := l.append(ctx, rec); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// Hash returns the version 1 hash of rec chained to prev (see the package
// documentation); rec.Hash and rec.PrevHash are not read.
func Hash(prev []byte, rec *store.AuditRecord) []byte {
	h := sha256.New()
	field := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], uint64(rec.Seq))
	field([]byte("kyso-audit-v1"))
	field(prev)
	field(seq[:])
	field([]byte(rec.At.UTC().Format(timeLayout)))
	field([]byte(rec.Actor))
	field([]byte(rec.Action))
	field([]byte(rec.Target))
	field([]byte(rec.Details))
	field([]byte("end"))
	return h.Sum(nil)
}

// timeLayout is how record times are hashed: RFC 3339, UTC, nine
// fractional digits — the store's own text form.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// canonicalDetails returns d as canonical JSON text, checking its size and
// keys.
func canonicalDetails(d map[string]any) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	var v any = d
	if !plain(d) {
		raw, err := marshal(d)
		if err != nil {
			return "", fmt.Errorf("%w: details: %w", ErrInvalidEvent, err)
		}
		// Decode and encode again: every object becomes a map, whose keys
		// encoding/json sorts, and numbers keep their text (UseNumber).
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return "", fmt.Errorf("%w: details: %w", ErrInvalidEvent, err)
		}
	}
	if key := secretKey(v); key != "" {
		return "", fmt.Errorf("%w: details key %q names a secret; secrets are never audited", ErrInvalidEvent, key)
	}
	out, err := marshal(v)
	if err != nil {
		return "", fmt.Errorf("%w: details: %w", ErrInvalidEvent, err)
	}
	if len(out) > MaxDetailsBytes {
		return "", fmt.Errorf("%w: details are %d bytes, more than %d", ErrInvalidEvent, len(out), MaxDetailsBytes)
	}
	return string(out), nil
}

// plain reports whether v is made only of maps with string keys, slices
// of any, UTF-8 strings, booleans, integers and nil: what decoding its JSON
// gives back as it is (an integer as a json.Number of the same text), so
// that its encoding is already canonical and canonicalDetails need not
// decode and encode it again. Every signature's details are plain; a
// struct or a float is not, and takes the longer way.
func plain(v any) bool {
	switch v := v.(type) {
	case nil, bool, int, int64, json.Number:
		return true
	case string:
		// encoding/json writes a byte that is not UTF-8 as the escape
		// \ufffd, which decodes to the character itself.
		return utf8.ValidString(v)
	case map[string]any:
		for k, x := range v {
			if !utf8.ValidString(k) || !plain(x) {
				return false
			}
		}
		return true
	case []any:
		for _, x := range v {
			if !plain(x) {
				return false
			}
		}
		return true
	}
	return false
}

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

var secretWords = map[string]bool{
	"pin": true, "puk": true, "password": true, "passphrase": true, "secret": true, "token": true,
}

// secretKey returns the first object key in v that names a secret, or "".
func secretKey(v any) string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if isSecretKey(k) {
				return k
			}
			if s := secretKey(x); s != "" {
				return s
			}
		}
	case []any:
		for _, x := range v {
			if s := secretKey(x); s != "" {
				return s
			}
		}
	}
	return ""
}

func isSecretKey(k string) bool {
	for _, w := range keyWords(k) {
		if secretWords[w] {
			return true
		}
	}
	squashed := strings.ToLower(strings.Join(keyWords(k), ""))
	return strings.Contains(squashed, "apikey") || strings.Contains(squashed, "privatekey")
}

// keyWords splits a JSON key into lower-case words at anything that is not
// a letter or digit and where a lower-case letter meets an upper-case one:
// "user_pin", "user-pin" and "userPin" are all "user", "pin".
func keyWords(k string) []string {
	var words []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range k {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r)
	}
	flush()
	return words
}

// Report is the result of Verify.
type Report struct {
	// Records is the number of records read (all of them, also after a
	// break).
	Records int64 `json:"records"`
	// OK is true if every link holds.
	OK bool `json:"ok"`
	// FirstBroken is the first seq at fault when !OK: the edited record,
	// the missing seq, or the first record whose link does not hold.
	FirstBroken int64 `json:"first_broken,omitempty"`
	// Reason says what is wrong at FirstBroken.
	Reason string `json:"reason,omitempty"`
	// LastSeq and Head are the last record's seq and hash: keep them
	// outside the database to detect, later, a log cut short or rewritten
	// from some record on.
	LastSeq int64  `json:"last_seq"`
	Head    []byte `json:"head,omitempty"`
}

// Verify reads the whole log, a page at a time, and checks every link (see
// the package documentation). A broken chain is a Report with OK false,
// not an error; the error is for a log that could not be read.
func (l *Log) Verify(ctx context.Context) (*Report, error) {
	rep := &Report{OK: true}
	var prev []byte
	var after int64
	broken := func(seq int64, format string, args ...any) {
		rep.OK = false
		rep.FirstBroken = seq
		rep.Reason = fmt.Sprintf(format, args...)
	}
	for {
		recs, err := l.store.ListAudit(ctx, after, l.pageSize)
		if err != nil {
			return nil, fmt.Errorf("audit: verify: %w", err)
		}
		for _, r := range recs {
			rep.Records++
			if rep.OK {
				want := rep.LastSeq + 1
				switch {
				case r.Seq != want:
					broken(want, "record %d is missing (the next record is %d)", want, r.Seq)
				case !bytes.Equal(r.PrevHash, prev) && r.Seq == 1:
					broken(r.Seq, "the first record has a previous hash %s; want none", short(r.PrevHash))
				case !bytes.Equal(r.PrevHash, prev):
					broken(r.Seq, "previous hash %s does not match record %d's hash %s",
						short(r.PrevHash), r.Seq-1, short(prev))
				case !bytes.Equal(Hash(r.PrevHash, r), r.Hash):
					broken(r.Seq, "hash mismatch: the record was changed after it was written")
				}
			}
			prev = r.Hash
			rep.LastSeq = r.Seq
			rep.Head = r.Hash
		}
		if len(recs) < l.pageSize {
			return rep, nil
		}
		after = recs[len(recs)-1].Seq
	}
}

// short returns the first bytes of a hash in hex, for messages.
func short(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	if len(b) > 8 {
		return hex.EncodeToString(b[:8]) + "…"
	}
	return hex.EncodeToString(b)
}

// Signing is what the audit log keeps of one signature: who asked, with
// which credential, over which content, at which level. Never the content.
type Signing struct {
	Action      string // ActionSignPDF, ActionSignCMS, ActionSignHash or ActionSignXML
	Client      string // ID of the client system that asked; the event's actor
	Credential  string // ID of the credential that signed; the event's target
	Certificate string // serial (hex) of the signing certificate; optional
	// DocumentSHA256 is the SHA-256 of what was signed: the signed PDF
	// as returned (sign.pdf; the Kyso-Document-SHA256 the caller
	// receives), the signed XML document (sign.xml), the data
	// (sign.cms) or, for sign.hash, the digest the client sent if it is a
	// SHA-256 digest, else the SHA-256 of that digest's bytes.
	DocumentSHA256 []byte
	Level          string // PAdES baseline level ("B-B", "B-T", "B-LT", "B-LTA") or CMS form; optional
}

// SignEvent returns the event recording s. It checks that the action is a
// signing action, that client and credential are named and that the digest
// is 32 bytes.
func SignEvent(s Signing) (Event, error) {
	switch s.Action {
	case ActionSignPDF, ActionSignCMS, ActionSignHash, ActionSignXML:
	default:
		return Event{}, fmt.Errorf("%w: %q is not a signing action", ErrInvalidEvent, s.Action)
	}
	if s.Client == "" || s.Credential == "" {
		return Event{}, fmt.Errorf("%w: signing event without client or credential", ErrInvalidEvent)
	}
	if len(s.DocumentSHA256) != sha256.Size {
		return Event{}, fmt.Errorf("%w: document digest is %d bytes, want a SHA-256 (%d)",
			ErrInvalidEvent, len(s.DocumentSHA256), sha256.Size)
	}
	d := map[string]any{
		"client":          s.Client,
		"credential":      s.Credential,
		"document_sha256": hex.EncodeToString(s.DocumentSHA256),
	}
	if s.Certificate != "" {
		d["certificate_serial"] = s.Certificate
	}
	if s.Level != "" {
		d["level"] = s.Level
	}
	return Event{Actor: s.Client, Action: s.Action, Target: s.Credential, Details: d}, nil
}
