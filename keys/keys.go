package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"
)

// KeyType is the algorithm and size of a key, named as Transit names it.
type KeyType string

// The key types kyso signs with.
const (
	RSA2048   KeyType = "rsa-2048"
	RSA3072   KeyType = "rsa-3072"
	RSA4096   KeyType = "rsa-4096"
	ECDSAP256 KeyType = "ecdsa-p256"
	ECDSAP384 KeyType = "ecdsa-p384"
)

// ParseKeyType returns the KeyType named s (for example "rsa-3072"). Names
// are matched exactly; an unknown name is an ErrInvalid error.
func ParseKeyType(s string) (KeyType, error) {
	switch t := KeyType(s); t {
	case RSA2048, RSA3072, RSA4096, ECDSAP256, ECDSAP384:
		return t, nil
	}
	return "", invalidf("unknown key type %q (want one of rsa-2048, rsa-3072, rsa-4096, ecdsa-p256, ecdsa-p384)", s)
}

// String returns the Transit name of t.
func (t KeyType) String() string { return string(t) }

// rsaBits returns the modulus size of an RSA type, 0 for other types.
func (t KeyType) rsaBits() int {
	switch t {
	case RSA2048:
		return 2048
	case RSA3072:
		return 3072
	case RSA4096:
		return 4096
	}
	return 0
}

// curve returns the curve of an ECDSA type, nil for other types.
func (t KeyType) curve() elliptic.Curve {
	switch t {
	case ECDSAP256:
		return elliptic.P256()
	case ECDSAP384:
		return elliptic.P384()
	}
	return nil
}

// Defaults for Config.
const (
	DefaultMount         = "transit"
	DefaultTimeout       = 10 * time.Second
	DefaultCreateTimeout = 2 * time.Minute
)

// Config configures a Manager. The zero value is usable.
type Config struct {
	// Mount is the path of the Transit secrets engine. Default "transit".
	Mount string
	// Timeout bounds each call to Vault, on top of the caller's context,
	// except the one that creates a key (see CreateTimeout). Default 10s.
	Timeout time.Duration
	// CreateTimeout bounds the call that creates a key (Create), on top of
	// the caller's context. Generating an RSA key is the slowest thing
	// Transit does: an RSA-4096 key takes a quiet server seconds and a
	// loaded one minutes, far beyond what a signature should be allowed.
	// Default 2m. The Vault client's own timeout (api.Config.Timeout, 60s
	// unless set) bounds every call as well: give the client at least
	// this much.
	CreateTimeout time.Duration
	// Session, if set, is the Session that authenticates the client given
	// to New. When Vault denies a call (HTTP 403) and the session's AppRole
	// token turns out to be expired or revoked, the Manager has the session
	// log in again and retries the call once. Vault acts on nothing it
	// denies, so the retry cannot apply a write twice. Without a Session a
	// 403 is returned as it is.
	Session *Session
	// Coalesce makes concurrent signatures with the same key version share
	// Transit batch_input requests (see coalesce.go): no signature waits
	// while few are in flight, a burst costs a few Vault round trips.
	Coalesce bool
	// Observe, if set, is told of every call to Transit (one per try:
	// a call retried after a re-login counts twice): see Call. It must be
	// cheap and safe for concurrent use (cmd/kyso's metrics).
	Observe func(Call)
}

// Call describes one call to Vault, for Config.Observe.
type Call struct {
	// Op names what was asked, from a bounded set: "sign", "sign_batch",
	// "encrypt", "decrypt", "hmac", "read_key", "create_key", "rotate_key",
	// "list_keys", "health" (the readiness probe) or "other".
	Op string
	// Digests is the number of digests of a "sign" (1) or "sign_batch"
	// call; 0 for the other operations.
	Digests  int
	Duration time.Duration
	// Err is nil or classified as this package's errors are. The
	// readiness probe's "not found" (the probe key need not exist) is
	// reported as nil: Transit answered.
	Err error
}

// logicalAPI is the slice of the Vault client's logical API that keys calls.
// *api.Logical implements it.
type logicalAPI interface {
	ReadWithContext(ctx context.Context, path string) (*api.Secret, error)
	WriteWithContext(ctx context.Context, path string, data map[string]any) (*api.Secret, error)
	ListWithContext(ctx context.Context, path string) (*api.Secret, error)
}

// sysAPI is the slice of the Vault client's system API that keys calls.
// *api.Sys implements it.
type sysAPI interface {
	HealthWithContext(ctx context.Context) (*api.HealthResponse, error)
}

// Manager manages the keys of one Transit mount. It is safe for concurrent
// use.
type Manager struct {
	logical logicalAPI
	sys     sysAPI
	mount   string
	timeout time.Duration
	create  time.Duration // bound of the call that creates a key
	session *Session      // nil: no re-login on 403
	observe func(Call)

	addr     string // Vault's address, set by Open
	coalesce bool
	batchers sync.Map // "name@version" -> *batcher
	calls    signCounters
}

var (
	// nameRE is what a key name must match: 1 to 128 characters from
	// [A-Za-z0-9._-], starting with a letter or digit. It keeps names usable
	// as one Vault path segment and in policies. Transit's own route also
	// requires the last character to be a letter, digit or '_' (else the
	// path is unsupported and reads as "not found"), and Vault refuses ".."
	// anywhere in a path; checkName enforces both so that such names are
	// ErrInvalid here rather than confusing errors from Vault.
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9_])?$`)
	mountRE = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$`)
)

// New returns a Manager for the Transit mount cfg.Mount, calling Vault
// through client. client must already be authenticated (see Login); its
// address, TLS settings, retries and token are the caller's to configure,
// and a later change of token (re-login) is picked up by the Manager.
//
// The API client retries 5xx answers and connection errors (twice, a second
// or more apart, by default); a sealed or unreachable Vault is reported as
// ErrUnavailable after those retries or after cfg.Timeout, whichever comes
// first. Lower the client's MaxRetries to fail faster.
func New(client *api.Client, cfg Config) (*Manager, error) {
	if client == nil {
		return nil, errors.New("keys: nil vault client")
	}
	mount := strings.Trim(cfg.Mount, "/")
	if mount == "" {
		mount = DefaultMount
	}
	if !validMount(mount) {
		return nil, fmt.Errorf("keys: invalid transit mount path %q", cfg.Mount)
	}
	timeout := cfg.Timeout
	switch {
	case timeout < 0:
		return nil, fmt.Errorf("keys: negative timeout %v", timeout)
	case timeout == 0:
		timeout = DefaultTimeout
	}
	create := cfg.CreateTimeout
	switch {
	case create < 0:
		return nil, fmt.Errorf("keys: negative key creation timeout %v", create)
	case create == 0:
		create = DefaultCreateTimeout
	}
	if cfg.Session != nil && cfg.Session.client != client {
		return nil, errors.New("keys: config's session authenticates another vault client")
	}
	return &Manager{logical: client.Logical(), sys: client.Sys(), mount: mount, timeout: timeout, create: create,
		session: cfg.Session, coalesce: cfg.Coalesce, observe: cfg.Observe}, nil
}

// KeyInfo describes a Transit key.
type KeyInfo struct {
	Name string
	// Type is the key's Transit type. Keys of types this package does not
	// sign with are reported as Transit names them.
	Type          KeyType
	LatestVersion int
	// Exportable and AllowPlaintextBackup are false for every key made by
	// Create; true means the private key can leave Vault.
	Exportable           bool
	AllowPlaintextBackup bool
}

// keyRecord is a parsed transit/keys/<name> response.
type keyRecord struct {
	info       KeyInfo
	publicKeys map[int]string // PEM by version
}

// Create creates a non-exportable key (exportable=false,
// allow_plaintext_backup=false) of type t named name. If a key of that name
// and type already exists Create returns nil, so it is safe to repeat. If
// the existing key has another type, or could be exported or backed up in
// plain text, Create returns an ErrConflict error.
//
// The call that creates the key is bounded by Config.CreateTimeout, not by
// Config.Timeout. When it fails in a way that leaves its outcome unknown —
// it timed out on kyso's side, the connection broke, Vault answered 5xx —
// Vault may have created the key, or may still be creating it. Create then
// reads the key once: if Vault has it and it is the key asked for (same
// type, not exportable, no plaintext backup), Create returns nil and the
// key is used; if it differs, an ErrConflict error. Otherwise it returns
// the ErrUnavailable error, and the key Vault may finish later is the one
// the next Create of the same name returns: a key name is never given to
// two keys, so a retry reuses what the cut-short call made.
func (m *Manager) Create(ctx context.Context, name string, t KeyType) error {
	if err := checkName(name); err != nil {
		return err
	}
	if _, err := ParseKeyType(string(t)); err != nil {
		return err
	}
	path := m.path("keys", name)
	s, err := m.callOp(ctx, Call{Op: "create_key"}, m.create, func(ctx context.Context) (*api.Secret, error) {
		return m.logical.WriteWithContext(ctx, path, map[string]any{
			"type":                   string(t),
			"exportable":             false,
			"allow_plaintext_backup": false,
		})
	})
	if err != nil {
		if !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
			return fmt.Errorf("create key %q: %w", name, err)
		}
		// The outcome is unknown: look whether Vault made the key.
		info, rerr := m.Info(ctx, name)
		if rerr != nil {
			return fmt.Errorf("create key %q: %w; Vault may still create it, and creating it again reuses it", name, err)
		}
		return checkCreated(name, t, info)
	}
	var info *KeyInfo
	if s != nil && s.Data["type"] != nil {
		rec, err := parseKey(name, s.Data)
		if err != nil {
			return fmt.Errorf("create key %q: %w", name, err)
		}
		info = &rec.info
	} else if info, err = m.Info(ctx, name); err != nil {
		return fmt.Errorf("create key %q: %w", name, err)
	}
	return checkCreated(name, t, info)
}

// checkCreated returns nil if info describes the key Create asked for: of
// type t, neither exportable nor backed up in plain text.
func checkCreated(name string, t KeyType, info *KeyInfo) error {
	switch {
	case info.Type != t:
		return fmt.Errorf("create key %q of type %s: %w: it has type %s", name, t, ErrConflict, info.Type)
	case info.Exportable || info.AllowPlaintextBackup:
		return fmt.Errorf("create key %q: %w: the existing key is exportable (%t) or allows plaintext backup (%t)",
			name, ErrConflict, info.Exportable, info.AllowPlaintextBackup)
	}
	return nil
}

// Info returns the metadata of the key named name.
func (m *Manager) Info(ctx context.Context, name string) (*KeyInfo, error) {
	rec, err := m.readKey(ctx, name)
	if err != nil {
		return nil, err
	}
	return &rec.info, nil
}

// List returns the names of every key on the mount, sorted. It needs the
// "list" capability on <mount>/keys (deploy/vault/kyso-policy.hcl grants
// it); kyso doctor uses it to find keys no record names.
func (m *Manager) List(ctx context.Context) ([]string, error) {
	s, err := m.callOp(ctx, Call{Op: "list_keys"}, m.timeout, func(ctx context.Context) (*api.Secret, error) {
		return m.logical.ListWithContext(ctx, m.path("keys"))
	})
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	if s == nil || s.Data["keys"] == nil { // no key yet: Vault answers 404
		return nil, nil
	}
	raw, ok := s.Data["keys"].([]any)
	if !ok {
		return nil, fmt.Errorf("list keys: unexpected answer %T", s.Data["keys"])
	}
	out := make([]string, 0, len(raw))
	for _, k := range raw {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("list keys: unexpected key name %T", k)
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// Rotate adds a new version to the key named name and returns it. Signers
// pinned to earlier versions keep signing with their version.
func (m *Manager) Rotate(ctx context.Context, name string) (int, error) {
	if err := checkName(name); err != nil {
		return 0, err
	}
	s, err := m.write(ctx, m.path("keys", name, "rotate"), map[string]any{})
	if err != nil {
		return 0, fmt.Errorf("rotate key %q: %w", name, err)
	}
	if s != nil && s.Data["latest_version"] != nil {
		v, err := intField(s.Data, "latest_version")
		if err != nil {
			return 0, fmt.Errorf("rotate key %q: %w", name, err)
		}
		return v, nil
	}
	info, err := m.Info(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("rotate key %q: %w", name, err)
	}
	return info.LatestVersion, nil
}

// PublicKey returns the public key of version version (≥ 1) of the key
// named name: an *rsa.PublicKey or an *ecdsa.PublicKey.
func (m *Manager) PublicKey(ctx context.Context, name string, version int) (crypto.PublicKey, error) {
	_, pub, err := m.publicKey(ctx, name, version)
	return pub, err
}

// Signer returns a crypto.Signer for version version (≥ 1) of the key named
// name. The version is pinned: the signer keeps signing with it after the
// key is rotated. Its public key is read now, once.
func (m *Manager) Signer(ctx context.Context, name string, version int) (*Signer, error) {
	t, pub, err := m.publicKey(ctx, name, version)
	if err != nil {
		return nil, err
	}
	return &Signer{m: m, name: name, version: version, typ: t, pub: pub}, nil
}

// Health returns nil if Vault is reachable, initialised and unsealed, and an
// ErrUnavailable error otherwise.
func (m *Manager) Health(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	start := time.Now()
	h, err := m.sys.HealthWithContext(ctx)
	if m.observe != nil {
		var oerr error
		if err != nil {
			oerr = &vaultError{ErrUnavailable, err}
		}
		m.observe(Call{Op: "health", Duration: time.Since(start), Err: oerr})
	}
	switch {
	case err != nil:
		// sys/health answers every state of a reachable server with a
		// status the client accepts, so any error means unavailable.
		return fmt.Errorf("vault health: %w", &vaultError{ErrUnavailable, err})
	case !h.Initialized:
		return fmt.Errorf("vault health: %w: vault is not initialised", ErrUnavailable)
	case h.Sealed:
		return fmt.Errorf("vault health: %w: vault is sealed", ErrUnavailable)
	}
	return nil
}

// publicKey reads and parses one version's public key, checking that it
// matches the key's type.
func (m *Manager) publicKey(ctx context.Context, name string, version int) (KeyType, crypto.PublicKey, error) {
	if version < 1 {
		return "", nil, fmt.Errorf("key %q: %w", name, invalidf("key version %d: versions start at 1", version))
	}
	rec, err := m.readKey(ctx, name)
	if err != nil {
		return "", nil, err
	}
	t, err := ParseKeyType(string(rec.info.Type))
	if err != nil {
		return "", nil, fmt.Errorf("key %q: %w: keys does not sign with Transit type %q", name, ErrInvalid, rec.info.Type)
	}
	p, ok := rec.publicKeys[version]
	if !ok {
		return "", nil, fmt.Errorf("key %q: %w: no version %d (latest is %d)", name, ErrNotFound, version, rec.info.LatestVersion)
	}
	pub, err := parsePublicKey(t, p)
	if err != nil {
		return "", nil, fmt.Errorf("key %q version %d: %w", name, version, err)
	}
	return t, pub, nil
}

// readKey reads transit/keys/<name>.
func (m *Manager) readKey(ctx context.Context, name string) (*keyRecord, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	s, err := m.read(ctx, m.path("keys", name))
	if err != nil {
		return nil, fmt.Errorf("read key %q: %w", name, err)
	}
	if s == nil || s.Data == nil {
		// The API client turns Transit's empty 404 into a nil secret.
		return nil, fmt.Errorf("read key %q: %w", name, ErrNotFound)
	}
	rec, err := parseKey(name, s.Data)
	if err != nil {
		return nil, fmt.Errorf("read key %q: %w", name, err)
	}
	return rec, nil
}

// parseKey parses the data of a transit/keys/<name> response.
func parseKey(name string, data map[string]any) (*keyRecord, error) {
	t, _ := data["type"].(string)
	if t == "" {
		return nil, integrityf("no key type in vault's answer")
	}
	latest, err := intField(data, "latest_version")
	if err != nil {
		return nil, err
	}
	exp, ok1 := data["exportable"].(bool)
	backup, ok2 := data["allow_plaintext_backup"].(bool)
	if !ok1 || !ok2 {
		return nil, integrityf("no exportable or allow_plaintext_backup flag in vault's answer")
	}
	rec := &keyRecord{
		info: KeyInfo{
			Name:                 name,
			Type:                 KeyType(t),
			LatestVersion:        latest,
			Exportable:           exp,
			AllowPlaintextBackup: backup,
		},
		publicKeys: map[int]string{},
	}
	versions, _ := data["keys"].(map[string]any)
	for k, v := range versions {
		n, err := strconv.Atoi(k)
		if err != nil {
			return nil, integrityf("key version %q is not a number", k)
		}
		if entry, ok := v.(map[string]any); ok {
			if p, ok := entry["public_key"].(string); ok && p != "" {
				rec.publicKeys[n] = p
			}
		}
	}
	return rec, nil
}

// parsePublicKey parses a PEM public key as Transit returns it and checks
// that it is a key of type t.
func parsePublicKey(t KeyType, p string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, integrityf("public key is not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		if rsaPub, err2 := x509.ParsePKCS1PublicKey(block.Bytes); err2 == nil {
			pub, err = rsaPub, nil
		} else {
			return nil, integrityf("parse public key: %v", err)
		}
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := t.rsaBits(); bits == 0 || k.N.BitLen() != bits {
			return nil, integrityf("%d-bit RSA public key for a %s key", k.N.BitLen(), t)
		}
	case *ecdsa.PublicKey:
		if c := t.curve(); c == nil || k.Curve != c {
			return nil, integrityf("ECDSA %s public key for a %s key", k.Curve.Params().Name, t)
		}
	default:
		return nil, integrityf("%T public key for a %s key", pub, t)
	}
	return pub, nil
}

// intField reads an integer from a Vault response, which the API client
// decodes as json.Number.
func intField(data map[string]any, key string) (int, error) {
	switch v := data[key].(type) {
	case json.Number:
		n, err := strconv.Atoi(v.String())
		if err == nil {
			return n, nil
		}
	case float64:
		return int(v), nil
	case int:
		return v, nil
	}
	return 0, integrityf("field %q is %v, want an integer", key, data[key])
}

// validMount reports whether p, trimmed of slashes, is a usable mount
// path: segments of [A-Za-z0-9._-], none of them "." or "..".
func validMount(p string) bool {
	if !mountRE.MatchString(p) {
		return false
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// checkName returns an ErrInvalid error if name is not a valid key name.
func checkName(name string) error {
	if !nameRE.MatchString(name) || strings.Contains(name, "..") {
		return invalidf("key name %q: want 1 to 128 of [A-Za-z0-9._-], starting with a letter or digit, "+
			"ending with a letter, digit or '_', without \"..\"", name)
	}
	return nil
}

// path joins the mount and elems into a Vault API path.
func (m *Manager) path(elems ...string) string {
	return m.mount + "/" + strings.Join(elems, "/")
}

// read calls Vault's logical read with the per-call timeout and classifies
// failures.
func (m *Manager) read(ctx context.Context, path string) (*api.Secret, error) {
	return m.callOp(ctx, m.operation(path, nil), m.timeout, func(ctx context.Context) (*api.Secret, error) {
		return m.logical.ReadWithContext(ctx, path)
	})
}

// write calls Vault's logical write with the per-call timeout and
// classifies failures.
func (m *Manager) write(ctx context.Context, path string, data map[string]any) (*api.Secret, error) {
	return m.callOp(ctx, m.operation(path, data), m.timeout, func(ctx context.Context) (*api.Secret, error) {
		return m.logical.WriteWithContext(ctx, path, data)
	})
}

// operation names a read (data nil) or write of path on the mount for
// Config.Observe.
func (m *Manager) operation(path string, data map[string]any) Call {
	rest, ok := strings.CutPrefix(path, m.mount+"/")
	if !ok {
		return Call{Op: "other"}
	}
	seg := strings.Split(rest, "/")
	switch {
	case seg[0] == "sign" && data != nil:
		if items, ok := data["batch_input"].([]map[string]any); ok {
			return Call{Op: "sign_batch", Digests: len(items)}
		}
		return Call{Op: "sign", Digests: 1}
	case seg[0] == "encrypt" && data != nil, seg[0] == "decrypt" && data != nil, seg[0] == "hmac" && data != nil:
		return Call{Op: seg[0]}
	case seg[0] == "keys" && len(seg) == 2 && seg[1] == probeKey && data == nil:
		return Call{Op: "health"}
	case seg[0] == "keys" && len(seg) == 2 && data == nil:
		return Call{Op: "read_key"}
	case seg[0] == "keys" && len(seg) == 2:
		return Call{Op: "create_key"}
	case seg[0] == "keys" && len(seg) == 3 && seg[2] == "rotate":
		return Call{Op: "rotate_key"}
	}
	return Call{Op: "other"}
}

// call makes one Vault call bounded by timeout and classifies its
// failure. If Vault denies it and the Manager's session logs in again
// (see Config.Session), call makes it once more, with a fresh timeout.
// Config.Observe sees it as an "other" operation: callOp names it.
func (m *Manager) call(ctx context.Context, timeout time.Duration, f func(context.Context) (*api.Secret, error)) (*api.Secret, error) {
	return m.callOp(ctx, Call{Op: "other"}, timeout, f)
}

// callOp is call, reported to Config.Observe as op.
func (m *Manager) callOp(ctx context.Context, op Call, timeout time.Duration, f func(context.Context) (*api.Secret, error)) (*api.Secret, error) {
	var token string
	if m.session != nil {
		token = m.session.client.Token()
	}
	s, err := m.try(ctx, op, timeout, f)
	if err != nil && m.session != nil && errors.Is(err, ErrForbidden) && m.session.refresh(ctx, token) {
		s, err = m.try(ctx, op, timeout, f)
	}
	return s, err
}

// try makes one Vault call bounded by timeout and classifies its failure.
func (m *Manager) try(ctx context.Context, op Call, timeout time.Duration, f func(context.Context) (*api.Secret, error)) (*api.Secret, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	s, err := f(ctx)
	err = classify(ctx, err)
	if m.observe != nil {
		op.Duration, op.Err = time.Since(start), err
		if op.Op == "health" && errors.Is(err, ErrNotFound) {
			op.Err = nil
		}
		m.observe(op)
	}
	return s, err
}
