package truststore

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/verifier"
)

// Registry is what the trust store reads of kyso's database: kyso's CA
// certificates and the certificates they issued.
type Registry interface {
	ListIssuers(ctx context.Context) ([]*store.Issuer, error)
	GetCertificateBySerial(ctx context.Context, issuerID, serial string) (*store.Certificate, error)
}

// Source supplies trusted certificates from outside kyso's registry: a
// trust directory today, a published trust list later.
type Source interface {
	// Name names the source in messages.
	Name() string
	// Certificates returns the source's certificates, and names those
	// that could not be read and were left out.
	Certificates(ctx context.Context) (certs []verifier.TrustCert, skipped []string, err error)
}

// Dir is a trust directory of PEM or DER certificates
// (verifier.ReadTrustDir): its self-signed certificates are roots, the
// others intermediates.
type Dir string

// Name implements Source.
func (d Dir) Name() string { return "trust directory " + string(d) }

// Certificates implements Source.
func (d Dir) Certificates(context.Context) ([]verifier.TrustCert, []string, error) {
	return verifier.ReadTrustDir(string(d))
}

// Anchors are the roots configuration makes trusted besides the sources.
type Anchors struct {
	// External are the roots pinned in ca.external_root.
	External []*x509.Certificate
	// OwnRoot trusts kyso's own root from the registry (ca.mode own).
	OwnRoot bool
}

// Config configures a Store.
type Config struct {
	Anchors Anchors
	Sources []Source
	// Online lets the verifier fetch OCSP responses and CRLs, through
	// OnlineRevocation (http.DefaultClient, DefaultOnlineTimeout).
	Online bool
	// TTL is how long kyso's CA certificates read from the registry are
	// used before they are read again (default 30 s).
	TTL time.Duration
	// Bundle are the locations of the signed trust bundle (bundle.go): the
	// first is read by New and must load; Refresh reads the last (a URL
	// after a local copy, say). None: no bundle.
	Bundle []Location
	// BundleSigners are the certificates whose keys may sign the bundle's
	// manifest (trust.bundle_signer).
	BundleSigners []*x509.Certificate
	// Versions remembers the bundle versions accepted (the database), so
	// that a rollback is refused across restarts and nodes; nil: only
	// while this Store lives (kyso verify).
	Versions BundleVersions
}

// BundleVersions remembers, per bundle name, the highest version a
// deployment has accepted and a digest of its contents (store).
type BundleVersions interface {
	BundleVersion(ctx context.Context, name string) (version uint64, digest string, err error)
	// RecordBundleVersion fails if a higher version, or the same with
	// another digest, was recorded.
	RecordBundleVersion(ctx context.Context, name string, version uint64, digest string) error
}

// Store is what kyso's verifier trusts, and nothing else (see the package
// comment). It is safe for concurrent use.
type Store struct {
	reg     Registry // nil: no kyso CA (kyso verify without a database)
	anchors Anchors
	extra   []verifier.TrustCert
	skipped []string
	online  bool
	ttl     time.Duration

	bundleLocs []Location
	signers    []*x509.Certificate
	versions   BundleVersions
	// refreshing serialises Refresh: one bundle is checked and swapped in
	// at a time, so that the version check and the swap are one step.
	refreshing sync.Mutex

	mu     sync.Mutex
	bundle *Bundle // the bundle in use; nil: none
	status Status
	stale  bool // the bundle changed: rebuild the pools on the next load
	at     time.Time
	kyso   []kysoIssuer
	roots  *x509.CertPool
	inter  *x509.CertPool
	certs  []*x509.Certificate // those of roots and inter, as a list
}

// kysoIssuer is one of kyso's CA certificates.
type kysoIssuer struct {
	id   string // store issuer ID; "" for a certificate above it (external chain)
	cert *x509.Certificate
	root bool // a root: trusted only when it is kyso's own and OwnRoot is set
	// answers: kyso knows this CA certificate's status because kyso
	// itself certified it (its own root and the issuing CAs under it). An
	// issuing CA under an external root is the external CA's to answer.
	answers bool
}

// New reads the sources once; reg may be nil (no kyso CA). A source that
// cannot be read is an error; certificates a source left out are named by
// Skipped.
func New(ctx context.Context, reg Registry, cfg Config) (*Store, error) {
	s := &Store{reg: reg, anchors: cfg.Anchors, online: cfg.Online, ttl: cfg.TTL}
	if s.ttl <= 0 {
		s.ttl = 30 * time.Second
	}
	s.bundleLocs, s.signers, s.versions = cfg.Bundle, cfg.BundleSigners, cfg.Versions
	if len(cfg.Bundle) > 0 {
		loc := cfg.Bundle[0]
		b, err := LoadBundle(ctx, loc, cfg.BundleSigners)
		if err == nil {
			err = s.record(ctx, b)
		}
		if errors.Is(err, ErrBundleRefused) && len(cfg.Bundle) > 1 {
			// The local copy is older than a bundle another node (or this
			// one before a restart) took in from the URL: start from the
			// URL's, as a refresh would have.
			last := cfg.Bundle[len(cfg.Bundle)-1]
			if lb, lerr := LoadBundle(ctx, last, cfg.BundleSigners); lerr == nil && s.record(ctx, lb) == nil {
				b, loc, err = lb, last, nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", loc, err)
		}
		s.bundle = b
		s.status = Status{Bundle: b.info(loc), LastCheck: time.Now()}
	}
	for _, src := range cfg.Sources {
		certs, skipped, err := src.Certificates(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.Name(), err)
		}
		s.extra = append(s.extra, certs...)
		for _, sk := range skipped {
			s.skipped = append(s.skipped, fmt.Sprintf("%s: %s", src.Name(), sk))
		}
	}
	return s, nil
}

// Sourced is the number of certificates read from the sources (trust
// directories): kyso serve's start-up line names it.
func (s *Store) Sourced() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.extra)
	if s.bundle != nil {
		n += len(s.bundle.Certs)
	}
	return n
}

// Skipped names the certificates of the sources that could not be read
// and were left out: kyso verify prints them, kyso serve logs them.
func (s *Store) Skipped() []string { return s.skipped }

// load refreshes kyso's own issuers from the registry at most every ttl: a
// CA rotation on another node is seen within that time.
func (s *Store) load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.roots != nil && !s.stale && time.Since(s.at) < s.ttl {
		return nil
	}
	kyso, err := s.readKyso(ctx)
	if err != nil {
		if s.roots == nil {
			return err
		}
		if !s.stale {
			return nil // keep the last good set while the database is away
		}
		kyso = s.kyso // a new bundle: rebuild with the last good kyso set
	}
	s.build(kyso)
	return nil
}

// readKyso reads kyso's CA certificates from the registry.
func (s *Store) readKyso(ctx context.Context) ([]kysoIssuer, error) {
	var kyso []kysoIssuer
	var chains []*x509.Certificate
	if s.reg != nil {
		list, err := s.reg.ListIssuers(ctx)
		if err != nil {
			return nil, fmt.Errorf("read kyso's CA certificates: %w", err)
		}
		for _, is := range list {
			if is.CertPEM == "" {
				continue // pending or cancelled external issuer
			}
			certs := parsePEMCerts(is.CertPEM)
			if len(certs) == 0 {
				continue
			}
			kyso = append(kyso, kysoIssuer{id: is.ID, cert: certs[0], root: is.Kind == store.IssuerRoot, answers: !is.External})
			chains = append(chains, parsePEMCerts(is.ChainPEM)...)
		}
	}
	// The certificates above the issuers, each once: every issuing CA's
	// chain repeats its root (kyso's own, or the external one), which is
	// an issuer of its own when kyso made it.
	for _, c := range chains {
		if !slices.ContainsFunc(kyso, func(k kysoIssuer) bool { return k.cert.Equal(c) }) {
			kyso = append(kyso, kysoIssuer{cert: c, root: verifier.IsSelfSigned(c)})
		}
	}
	return kyso, nil
}

// build makes the pools from kyso's CA certificates, the pinned roots,
// the sources and the bundle; s.mu is held. Each build makes new pools,
// so a snapshot handed out before keeps what it had.
func (s *Store) build(kyso []kysoIssuer) {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	var certs []*x509.Certificate
	for _, k := range kyso {
		switch {
		case !k.root:
			certs = append(certs, k.cert)
			inter.AddCert(k.cert)
		case k.id != "" && s.anchors.OwnRoot:
			certs = append(certs, k.cert)
			roots.AddCert(k.cert) // kyso's own root, made by kyso itself
		}
		// Any other root came with an imported chain: not an anchor.
	}
	for _, c := range s.anchors.External {
		certs = append(certs, c)
		roots.AddCert(c)
	}
	for _, c := range s.sourced() {
		certs = append(certs, c.Cert)
		if c.Root {
			roots.AddCert(c.Cert)
		} else {
			inter.AddCert(c.Cert)
		}
	}
	s.kyso, s.roots, s.inter, s.certs, s.at, s.stale = kyso, roots, inter, certs, time.Now(), false
}

// sourced are the sources' certificates, then the bundle's; s.mu is held.
func (s *Store) sourced() []verifier.TrustCert {
	out := s.extra
	if s.bundle != nil {
		out = append(slices.Clip(out), s.bundle.Certs...)
	}
	return out
}

// Snapshot returns what the verifier trusts now: kyso's CA certificates
// re-read from the registry when older than the TTL, the registry as the
// verifier's revocation checker when there is one, and OnlineRevocation
// as its online source when Config.Online is set.
func (s *Store) Snapshot(ctx context.Context) (verifier.Options, error) {
	if err := s.load(ctx); err != nil {
		return verifier.Options{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := verifier.Options{Roots: s.roots, Intermediates: s.inter, TrustCerts: s.certs}
	if s.online {
		o.Online = OnlineRevocation{}
	}
	if s.reg != nil {
		o.Revocation = s
	}
	return o, nil
}

// CertificateStatus implements verifier.RevocationChecker from kyso's
// registry: a certificate kyso issued is found by its issuer and serial
// number and must be byte-for-byte the one on record. The CA certificates
// kyso made itself (its own root and the issuing CAs under it) are known
// and never revoked (a retired CA stays valid for what it signed). An
// issuing CA certified by an external root is not kyso's to answer: its
// status comes from the external CA (the document's validation data, or
// online), and without it the report says it was not checked. Anything
// else is not kyso's to answer either.
func (s *Store) CertificateStatus(ctx context.Context, cert, issuer *x509.Certificate) (verifier.CertificateStatus, error) {
	s.mu.Lock()
	kyso := s.kyso
	s.mu.Unlock()
	for _, k := range kyso {
		if k.id != "" && k.cert.Equal(cert) {
			return verifier.CertificateStatus{Known: k.answers}, nil
		}
	}
	for _, k := range kyso {
		if k.id == "" || !k.cert.Equal(issuer) {
			continue
		}
		rec, err := s.reg.GetCertificateBySerial(ctx, k.id, hex.EncodeToString(cert.SerialNumber.Bytes()))
		if errors.Is(err, store.ErrNotFound) {
			return verifier.CertificateStatus{}, nil
		}
		if err != nil {
			return verifier.CertificateStatus{}, err
		}
		if c := parsePEMCerts(rec.CertPEM); len(c) == 0 || !c[0].Equal(cert) {
			return verifier.CertificateStatus{}, nil
		}
		st := verifier.CertificateStatus{Known: true}
		if rec.Status == store.CertRevoked && rec.RevokedAt != nil {
			st.Revoked, st.RevokedAt, st.Reason = true, *rec.RevokedAt, rec.RevocationReason
		}
		return st, nil
	}
	return verifier.CertificateStatus{}, nil
}

// Kind says how the trust store treats a listed certificate.
type Kind string

// Kinds of listed certificates.
const (
	KindRoot         Kind = "root"      // a trust anchor
	KindIntermediate Kind = "inter"     // offered to build chains
	KindUntrusted    Kind = "untrusted" // a root listed but not trusted
)

// Origin says where a listed certificate came from.
type Origin int

// Origins of listed certificates.
const (
	FromKyso   Origin = iota // kyso's registry
	FromConfig               // pinned in ca.external_root
	FromSource               // a Source (a trust directory)
	FromBundle               // the signed trust bundle
)

// Entry is one certificate of the trust store, as kyso trust list shows it.
type Entry struct {
	Origin Origin
	// File names the file of a trust directory it came from (FromSource).
	File string
	Kind Kind
	Cert *x509.Certificate
}

// List returns every certificate of the trust store: kyso's CA
// certificates (a root that came with an imported chain, or kyso's own
// root outside ca.mode own, is listed as untrusted), the pinned external
// roots, then the sources' certificates.
func (s *Store) List(ctx context.Context) ([]Entry, error) {
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	kyso := s.kyso
	var bundle []verifier.TrustCert
	if s.bundle != nil {
		bundle = s.bundle.Certs
	}
	s.mu.Unlock()
	var out []Entry
	for _, k := range kyso {
		kind := KindIntermediate
		switch {
		case k.root && (k.id != "" && s.anchors.OwnRoot || s.configured(k.cert)):
			kind = KindRoot
		case k.root:
			kind = KindUntrusted
		}
		out = append(out, Entry{Origin: FromKyso, Kind: kind, Cert: k.cert})
	}
	for _, c := range s.anchors.External {
		out = append(out, Entry{Origin: FromConfig, Kind: KindRoot, Cert: c})
	}
	for _, c := range s.extra {
		kind := KindIntermediate
		if c.Root {
			kind = KindRoot
		}
		out = append(out, Entry{Origin: FromSource, File: c.File, Kind: kind, Cert: c.Cert})
	}
	for _, c := range bundle {
		kind := KindIntermediate
		if c.Root {
			kind = KindRoot
		}
		out = append(out, Entry{Origin: FromBundle, File: c.File, Kind: kind, Cert: c.Cert})
	}
	return out, nil
}

// configured reports whether c is a root the configuration trusts: a
// pinned external root or a root of a source.
func (s *Store) configured(c *x509.Certificate) bool {
	for _, r := range s.anchors.External {
		if r.Equal(c) {
			return true
		}
	}
	s.mu.Lock()
	src := s.sourced()
	s.mu.Unlock()
	for _, e := range src {
		if e.Root && e.Cert.Equal(c) {
			return true
		}
	}
	return false
}

func parsePEMCerts(s string) []*x509.Certificate {
	var out []*x509.Certificate
	for rest := []byte(s); ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, c)
		}
	}
}
