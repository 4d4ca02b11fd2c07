package truststore

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
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
	// Online lets the verifier fetch OCSP responses and CRLs.
	Online bool
	// TTL is how long kyso's CA certificates read from the registry are
	// used before they are read again (default 30 s).
	TTL time.Duration
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

	mu    sync.Mutex
	at    time.Time
	kyso  []kysoIssuer
	roots *x509.CertPool
	inter *x509.CertPool
	certs []*x509.Certificate // those of roots and inter, as a list
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
func (s *Store) Sourced() int { return len(s.extra) }

// Skipped names the certificates of the sources that could not be read
// and were left out: kyso verify prints them, kyso serve logs them.
func (s *Store) Skipped() []string { return s.skipped }

// load refreshes kyso's own issuers from the registry at most every ttl: a
// CA rotation on another node is seen within that time.
func (s *Store) load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.roots != nil && time.Since(s.at) < s.ttl {
		return nil
	}
	var kyso []kysoIssuer
	if s.reg != nil {
		list, err := s.reg.ListIssuers(ctx)
		if err != nil {
			if s.roots != nil {
				return nil // keep the last good set while the database is away
			}
			return fmt.Errorf("read kyso's CA certificates: %w", err)
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
			for _, c := range parsePEMCerts(is.ChainPEM) {
				kyso = append(kyso, kysoIssuer{cert: c, root: verifier.IsSelfSigned(c)})
			}
		}
	}
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
	for _, c := range s.extra {
		certs = append(certs, c.Cert)
		if c.Root {
			roots.AddCert(c.Cert)
		} else {
			inter.AddCert(c.Cert)
		}
	}
	s.kyso, s.roots, s.inter, s.certs, s.at = kyso, roots, inter, certs, time.Now()
	return nil
}

// Snapshot returns what the verifier trusts now: kyso's CA certificates
// re-read from the registry when older than the TTL, and the registry as
// the verifier's revocation checker when there is one.
func (s *Store) Snapshot(ctx context.Context) (verifier.Options, error) {
	if err := s.load(ctx); err != nil {
		return verifier.Options{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := verifier.Options{Roots: s.roots, Intermediates: s.inter, TrustCerts: s.certs, Online: s.online}
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
	for _, e := range s.extra {
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
