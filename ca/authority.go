package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// Config configures an Authority. Every field has a usable zero value.
type Config struct {
	// BaseURL is the public URL under which kyso serves /pki/...; it goes
	// into AIA and CRL distribution point extensions. Required.
	BaseURL string
	// Profiles override DefaultProfiles per profile name.
	Profiles map[string]ProfileConfig
	// RootKeyType and IssuingKeyType are the Transit key types of kyso's
	// own root and issuing CAs (default rsa-4096 and rsa-3072).
	RootKeyType    string
	IssuingKeyType string
	// RootValidity and IssuingValidity default to 20 and 10 years.
	RootValidity    time.Duration
	IssuingValidity time.Duration
	// RootName and OrgName build the CA subjects (defaults "kyso Root CA"
	// and "kyso").
	RootName string
	OrgName  string
	// CRLValidity is the time between thisUpdate and nextUpdate (default
	// 24h); a CRL is rebuilt on revocation and once half of it has passed.
	CRLValidity time.Duration
	// OCSPValidity is the nextUpdate distance of OCSP responses (default 1h).
	OCSPValidity time.Duration
	// KeyPrefix prefixes every Transit key name kyso creates (default "kyso-").
	KeyPrefix string
	// Progress, if set, is told when the creation of one of the CA's own
	// keys in Vault starts and ends (Bootstrap, RotateCA, a new OCSP
	// responder), so that a first start can show what it is waiting for.
	// It is called on the caller's goroutine and must return quickly.
	Progress func(KeyEvent)
	// Now and Rand are the clock and randomness source (defaults time.Now
	// and crypto/rand.Reader). Tests inject them.
	Now  func() time.Time
	Rand io.Reader
	// ExternalRoots are the pinned external roots (ca.external_root): an
	// imported chain must end in one of them. None: no chain is imported.
	ExternalRoots []*x509.Certificate
	// Upstream says how the external CAs' revocation data is obtained
	// for B-LT signatures (see upstream.go).
	Upstream UpstreamConfig
}

func (c *Config) setDefaults() error {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.BaseURL == "" {
		return errors.New("ca: BaseURL is required")
	}
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("ca: BaseURL %q must be an http(s) URL", c.BaseURL)
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	defd := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.RootKeyType, "rsa-4096")
	def(&c.IssuingKeyType, "rsa-3072")
	def(&c.RootName, "kyso Root CA")
	def(&c.OrgName, "kyso")
	def(&c.KeyPrefix, "kyso-")
	defd(&c.RootValidity, 20*365*24*time.Hour)
	defd(&c.IssuingValidity, 10*365*24*time.Hour)
	defd(&c.CRLValidity, 24*time.Hour)
	defd(&c.OCSPValidity, time.Hour)
	for _, kt := range []string{c.RootKeyType, c.IssuingKeyType} {
		if !slices.Contains(signingKeyTypes, kt) {
			return fmt.Errorf("ca: CA key type %q unknown (want one of %s)", kt, strings.Join(signingKeyTypes, ", "))
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	return nil
}

// Authority is kyso's certificate authority. It is safe for concurrent use
// and for use by several processes sharing one store and one Vault: issuer
// state is re-read from the store on every operation that depends on which
// issuers exist or their status (certifiedIssuer says why signing need not).
type Authority struct {
	cfg      Config
	store    Store
	keys     Keys
	profiles map[string]*profile
	linter   *linter

	mu      sync.Mutex
	issuers map[string]*issuer // by issuer ID, rebuilt from the store

	signers  signerCache  // credential signers by key name and version
	leaves   leafCache    // parsed end-entity certificates by certificate ID
	credRows credRowCache // credential and certificate rows by credential ID, with their version

	upstream upstream // the external CAs' CRLs and OCSP responses
}

// issuer is an issuer record with its parsed certificates and signers.
type issuer struct {
	rec        *store.Issuer
	cert       *x509.Certificate   // nil while pending
	chain      []*x509.Certificate // above cert, root last; empty for a root
	signer     crypto.Signer
	ocspCert   *x509.Certificate
	ocspSigner crypto.Signer
}

// root returns the trust anchor this issuer chains to.
func (is *issuer) root() *x509.Certificate {
	if len(is.chain) == 0 {
		return is.cert
	}
	return is.chain[len(is.chain)-1]
}

// New returns an Authority. Call Bootstrap (or the external flow) before
// issuing.
func New(cfg Config, st Store, k Keys) (*Authority, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	profiles, err := buildProfiles(cfg.Profiles)
	if err != nil {
		return nil, err
	}
	return &Authority{
		cfg:      cfg,
		store:    st,
		keys:     k,
		profiles: profiles,
		linter:   newLinter(),
		issuers:  map[string]*issuer{},
	}, nil
}

// backendErr classifies an error from Vault or the store.
func backendErr(what string, err error) error {
	if MayPass(err) {
		// Already of its kind (vault or database unavailable, storage
		// full): keep it, with what failed.
		return fmt.Errorf("ca: %s: %w", what, err)
	}
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound.Errorf("%s", what)
	}
	if errors.Is(err, store.ErrConflict) {
		return ErrConflict.Errorf("%s: already exists or changed meanwhile", what)
	}
	return fmt.Errorf("ca: %s: %w", what, err)
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a random identifier with a type prefix, e.g. "crt_…".
func (a *Authority) newID(prefix string) (string, error) {
	b := make([]byte, 10)
	if _, err := io.ReadFull(a.cfg.Rand, b); err != nil {
		return "", fmt.Errorf("ca: random id: %w", err)
	}
	return prefix + "_" + idEncoding.EncodeToString(b), nil
}

// sync refreshes the issuer cache from the store and returns it. Signers
// are created once per issuer key version; at that moment the signer's
// public key must equal the certificate's, or the issuer is refused.
func (a *Authority) sync(ctx context.Context) (map[string]*issuer, error) {
	recs, err := a.store.ListIssuers(ctx)
	if err != nil {
		return nil, backendErr("list issuers", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range recs {
		old := a.issuers[r.ID]
		if old != nil && sameIssuerState(old.rec, r) {
			continue
		}
		is, err := a.loadIssuer(ctx, r)
		if err != nil {
			return nil, err
		}
		a.issuers[r.ID] = is
	}
	out := make(map[string]*issuer, len(a.issuers))
	for id, is := range a.issuers {
		out[id] = is
	}
	return out, nil
}

func (a *Authority) loadIssuer(ctx context.Context, r *store.Issuer) (*issuer, error) {
	rec := *r
	is := &issuer{rec: &rec}
	if r.Status == store.IssuerPending || r.CertPEM == "" {
		return is, nil // pending, or cancelled before its chain came
	}
	var err error
	if is.cert, err = parseCertPEM(r.CertPEM); err != nil {
		return nil, fmt.Errorf("ca: issuer %s certificate: %w", r.Name, err)
	}
	if r.ChainPEM != "" {
		if is.chain, err = parseCertsPEM([]byte(r.ChainPEM)); err != nil {
			return nil, fmt.Errorf("ca: issuer %s chain: %w", r.Name, err)
		}
	}
	{
		if is.signer, err = a.keys.KeySigner(ctx, r.KeyName, r.KeyVersion); err != nil {
			return nil, backendErr("issuer "+r.Name+" signer", err)
		}
		if err := samePublicKey(is.signer.Public(), is.cert.PublicKey); err != nil {
			return nil, fmt.Errorf("ca: issuer %s: Vault key %s v%d does not match its certificate: %w", r.Name, r.KeyName, r.KeyVersion, err)
		}
	}
	if r.OCSPCertPEM != "" {
		if is.ocspCert, err = parseCertPEM(r.OCSPCertPEM); err != nil {
			return nil, fmt.Errorf("ca: issuer %s OCSP certificate: %w", r.Name, err)
		}
		if is.ocspSigner, err = a.keys.KeySigner(ctx, r.OCSPKeyName, r.OCSPKeyVersion); err != nil {
			return nil, backendErr("issuer "+r.Name+" OCSP signer", err)
		}
		if err := samePublicKey(is.ocspSigner.Public(), is.ocspCert.PublicKey); err != nil {
			return nil, fmt.Errorf("ca: issuer %s: OCSP key does not match its certificate: %w", r.Name, err)
		}
	}
	return is, nil
}

func samePublicKey(a, b crypto.PublicKey) error {
	ak, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !ak.Equal(b) {
		return errors.New("public keys differ")
	}
	return nil
}

// certifiedIssuer returns issuer id once it has its certificate, or nil
// while it has none (pending, cancelled) or does not exist.
//
// An issuer's certificate and chain never change once set: a rotation or
// a new key is a new issuer with a new ID, and retiring one changes only
// its status. So an issuer found in the cache with its certificate is
// returned as it is, without re-reading the issuer list: the signing path
// asks for its credential's chain on every signature. Any other issuer
// (one created by another node since, or still pending here) is looked up
// in the store, so a chain imported or a CA rotated on another node is
// seen at once.
func (a *Authority) certifiedIssuer(ctx context.Context, id string) (*issuer, error) {
	a.mu.Lock()
	is := a.issuers[id]
	a.mu.Unlock()
	if is == nil || is.cert == nil {
		all, err := a.sync(ctx)
		if err != nil {
			return nil, err
		}
		is = all[id]
	}
	if is == nil || is.cert == nil {
		return nil, nil
	}
	return is, nil
}

// leafCache keeps end-entity certificates parsed from their stored PEM, so
// that signing does not decode its certificate for every document. An
// entry is used only for the very PEM text it was parsed from; the cache
// is emptied when it reaches leafCacheMax entries.
type leafCache struct {
	mu sync.Mutex
	m  map[string]parsedLeaf
}

type parsedLeaf struct {
	pem  string
	cert *x509.Certificate
}

const leafCacheMax = 4096

func (c *leafCache) parse(id, certPEM string) (*x509.Certificate, error) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && e.pem == certPEM {
		return e.cert, nil
	}
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= leafCacheMax {
		c.m = map[string]parsedLeaf{}
	}
	c.m[id] = parsedLeaf{pem: certPEM, cert: cert}
	c.mu.Unlock()
	return cert, nil
}

// activeIssuer returns the newest active issuing CA.
func (a *Authority) activeIssuer(ctx context.Context) (*issuer, error) {
	all, err := a.sync(ctx)
	if err != nil {
		return nil, err
	}
	var best *issuer
	for _, is := range all {
		if is.rec.Kind != store.IssuerIssuing || is.rec.Status != store.IssuerActive {
			continue
		}
		if best == nil || is.rec.CreatedAt.After(best.rec.CreatedAt) {
			best = is
		}
	}
	if best == nil {
		return nil, ErrNotReady
	}
	return best, nil
}

// ownRoot returns kyso's own root CA, if it has one.
func (a *Authority) ownRoot(ctx context.Context) (*issuer, error) {
	all, err := a.sync(ctx)
	if err != nil {
		return nil, err
	}
	for _, is := range all {
		if is.rec.Kind == store.IssuerRoot {
			return is, nil
		}
	}
	return nil, ErrConflict.Errorf("kyso has no root of its own (external root in use)")
}

func parseCertPEM(s string) (*x509.Certificate, error) {
	certs, err := parseCertsPEM([]byte(s))
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("want 1 certificate, found %d", len(certs))
	}
	return certs[0], nil
}

// parseCertsPEM parses every CERTIFICATE block; other block types are an
// error so a private key pasted by mistake is never silently accepted.
func parseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := bytes.TrimSpace(data)
	for len(rest) > 0 {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("not PEM data")
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("unexpected PEM block %q", b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		rest = bytes.TrimSpace(rest)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate found")
	}
	return out, nil
}

func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func chainPEM(certs ...*x509.Certificate) string {
	var b strings.Builder
	for _, c := range certs {
		b.WriteString(certPEM(c.Raw))
	}
	return b.String()
}

// caSubject builds a CA's distinguished name.
func (a *Authority) caSubject(cn string) pkix.Name {
	return pkix.Name{Country: []string{"VN"}, Organization: []string{a.cfg.OrgName}, CommonName: cn}
}

// sameIssuerState reports whether two records of one issuer need the same
// certificates and signers.
func sameIssuerState(a, b *store.Issuer) bool {
	return a.Status == b.Status && a.KeyVersion == b.KeyVersion && a.CertPEM == b.CertPEM &&
		a.ChainPEM == b.ChainPEM && a.OCSPCertPEM == b.OCSPCertPEM && a.OCSPKeyVersion == b.OCSPKeyVersion
}
