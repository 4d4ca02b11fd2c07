package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/errkind"
)

// An external root (the Government's specialised CA, or a licensed CA
// under the national root) certifies kyso's issuing CA, perhaps through an
// intermediate. kyso answers OCSP and publishes CRLs for what it issues,
// but the status of its issuing CA certificate, and of any intermediate
// above it, comes from the external CAs. A B-LT or B-LTA signature must
// carry that status too (ETSI EN 319 142-1, 5.4), so kyso obtains it here:
// from the OCSP responder and CRL distribution points the certificates
// name, or from CRLs the operator supplies when the network is closed.

// UpstreamSource is a CRL of an external CA supplied by the operator: a
// file kept current (read by package main, which owns files) or a mirror
// URL (HTTPSource). Load returns its current content, DER or PEM; a PEM
// source may hold several CRLs. kyso uses the ones signed by the CA it
// needs and not past their nextUpdate.
type UpstreamSource interface {
	// Name identifies the source in errors, e.g. "file /etc/kyso/gov.crl".
	Name() string
	Load(ctx context.Context) ([]byte, error)
}

// UpstreamConfig says how kyso obtains the revocation data of the
// external CAs above its issuing CA. The zero value fetches from the
// addresses in the certificates with a 10-second timeout.
type UpstreamConfig struct {
	// Sources are operator-supplied CRLs, tried before the network.
	Sources []UpstreamSource
	// NoFetch forbids fetching from the CRL distribution points and OCSP
	// responders named in the certificates (a closed network).
	NoFetch bool
	// Client makes the requests (default: an http.Client with Timeout).
	Client *http.Client
	// Timeout bounds one request (default 10s).
	Timeout time.Duration
}

// maxUpstreamCRL bounds a CRL read from the network or a source: a
// national CA's CRL is a few megabytes.
const maxUpstreamCRL = 32 << 20

// maxUpstreamOCSP bounds an OCSP response.
const maxUpstreamOCSP = 64 << 10

// upstreamRetry is how long a failed fetch is not repeated, so that a
// closed network costs one timeout a minute, not one per signature.
const upstreamRetry = time.Minute

// ErrRevocationUnavailable reports that kyso has no current revocation
// data for a CA certificate it does not operate (its issuing CA under an
// external root) and so cannot make a B-LT or B-LTA signature. The message
// names the certificate and every address and source tried.
var ErrRevocationUnavailable = errkind.New(errkind.RevocationUnavailable, "ca: revocation data unavailable")

// HTTPSource is an operator-supplied CRL at url (an internal mirror of the
// external CA's CRL). client nil: the upstream client.
func HTTPSource(url string, client *http.Client) UpstreamSource {
	return httpSource{url: url, client: client}
}

type httpSource struct {
	url    string
	client *http.Client
}

func (h httpSource) Name() string { return h.url }

func (h httpSource) Load(ctx context.Context) ([]byte, error) {
	c := h.client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	return httpGet(ctx, c, h.url, maxUpstreamCRL)
}

// upstream caches the external CAs' CRLs and OCSP responses for as long
// as they are current.
type upstream struct {
	mu     sync.Mutex
	crls   map[string]*cachedCRL  // by the issuer certificate's DER
	ocsps  map[string]*cachedOCSP // by the certificate's DER
	failed map[string]time.Time   // URL → last failure
}

type cachedCRL struct {
	der []byte
	rl  *x509.RevocationList
}

type cachedOCSP struct {
	der        []byte
	nextUpdate time.Time
}

// upstreamLink is a certificate of kyso's chains issued by a CA kyso does
// not operate.
type upstreamLink struct {
	cert, issuer *x509.Certificate
}

// upstreamLinks returns the certificates of kyso's issuers' chains whose
// issuer is an external CA: each issuing CA certificate under an external
// chain, and each intermediate below the external root.
func (a *Authority) upstreamLinks(ctx context.Context) ([]upstreamLink, error) {
	all, err := a.sync(ctx)
	if err != nil {
		return nil, err
	}
	var out []upstreamLink
	for _, is := range all {
		if is.cert == nil || !is.rec.External {
			continue
		}
		path := append([]*x509.Certificate{is.cert}, is.chain...)
		for i := 0; i+1 < len(path); i++ {
			out = append(out, upstreamLink{cert: path[i], issuer: path[i+1]})
		}
	}
	return out, nil
}

func (a *Authority) upstreamClient() *http.Client {
	if a.cfg.Upstream.Client != nil {
		return a.cfg.Upstream.Client
	}
	t := a.cfg.Upstream.Timeout
	if t <= 0 {
		t = 10 * time.Second
	}
	return &http.Client{Timeout: t}
}

// UpstreamOCSP returns an OCSP response for cert from its issuer's
// responder when cert is kyso's issuing CA (or an intermediate) under an
// external root: what a B-LT signature embeds for a certificate kyso does
// not answer for. It returns nil, nil when cert is not such a certificate,
// or when it names no responder (or one that cannot be reached) but its
// issuer's CRL is at hand (UpstreamCRL then serves it). When neither can
// be had it returns ErrRevocationUnavailable, naming what was tried.
func (a *Authority) UpstreamOCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	links, err := a.upstreamLinks(ctx)
	if err != nil {
		return nil, err
	}
	known := false
	for _, l := range links {
		if l.cert.Equal(cert) && l.issuer.Equal(issuer) {
			known = true
			break
		}
	}
	if !known {
		return nil, nil
	}
	var tried []string
	der, err := a.upstreamOCSP(ctx, cert, issuer)
	switch {
	case err != nil:
		tried = append(tried, err.Error())
	case der != nil:
		return der, nil
	}
	if _, err := a.upstreamCRL(ctx, issuer, links); err != nil {
		tried = append(tried, err.Error())
	} else {
		return nil, nil
	}
	return nil, ErrRevocationUnavailable.Errorf("no OCSP response and no current CRL for %q from its issuer %q (%s); B-LT and B-LTA signatures need one. Let kyso reach the addresses in the certificate, or supply the external CA's CRL in ca.external_revocation.crl_sources (a file kept current or a mirror URL)", cert.Subject.CommonName, issuer.Subject.CommonName, strings.Join(tried, "; "))
}

// UpstreamCRL returns the current CRL of issuer when it is an external CA
// above kyso's issuing CA, from the cache, the operator's sources or the
// CRL distribution points of the certificates it issued. It returns nil,
// nil for any other issuer and when no CRL can be had (UpstreamOCSP has
// then said why, or supplied an OCSP response instead).
func (a *Authority) UpstreamCRL(ctx context.Context, issuer *x509.Certificate) ([]byte, error) {
	links, err := a.upstreamLinks(ctx)
	if err != nil {
		return nil, err
	}
	external := false
	for _, l := range links {
		if l.issuer.Equal(issuer) {
			external = true
			break
		}
	}
	if !external {
		return nil, nil
	}
	c, err := a.upstreamCRL(ctx, issuer, links)
	if err != nil {
		return nil, nil
	}
	return c.der, nil
}

// upstreamCRL returns issuer's current CRL. A cached CRL is used until
// half of its validity has passed, then refreshed; if the refresh fails it
// is still used until its nextUpdate.
func (a *Authority) upstreamCRL(ctx context.Context, issuer *x509.Certificate, links []upstreamLink) (*cachedCRL, error) {
	now := a.cfg.Now()
	u := &a.upstream
	key := string(issuer.Raw)
	u.mu.Lock()
	cached := u.crls[key]
	u.mu.Unlock()
	if cached != nil && now.Before(cached.rl.ThisUpdate.Add(cached.rl.NextUpdate.Sub(cached.rl.ThisUpdate)/2)) {
		return cached, nil
	}
	var tried []string
	check := func(from string, data []byte) *cachedCRL {
		c, err := a.pickCRL(data, issuer, now)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", from, err))
			return nil
		}
		return c
	}
	var found *cachedCRL
	for _, src := range a.cfg.Upstream.Sources {
		data, err := src.Load(ctx)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", src.Name(), err))
			continue
		}
		if c := check(src.Name(), data); c != nil && (found == nil || c.rl.ThisUpdate.After(found.rl.ThisUpdate)) {
			found = c
		}
	}
	if found == nil {
		urls := crlURLs(issuer, links)
		if len(urls) == 0 {
			tried = append(tried, "the certificates it issued name no CRL distribution point")
		}
		for _, url := range urls {
			if a.cfg.Upstream.NoFetch {
				tried = append(tried, url+": fetching is off (ca.external_revocation.fetch)")
				continue
			}
			data, err := a.fetch(ctx, url, maxUpstreamCRL)
			if err != nil {
				tried = append(tried, fmt.Sprintf("%s: %v", url, err))
				continue
			}
			if found = check(url, data); found != nil {
				break
			}
		}
	}
	if len(a.cfg.Upstream.Sources) == 0 {
		tried = append(tried, "no CRL source is configured")
	}
	if found == nil {
		if cached != nil && now.Before(cached.rl.NextUpdate) {
			return cached, nil
		}
		return nil, fmt.Errorf("CRL of %q: %s", issuer.Subject.CommonName, strings.Join(tried, "; "))
	}
	u.mu.Lock()
	if u.crls == nil {
		u.crls = map[string]*cachedCRL{}
	}
	u.crls[key] = found
	u.mu.Unlock()
	return found, nil
}

// pickCRL returns the newest CRL in data (DER, or PEM with one or more
// X509 CRL blocks) that issuer signed and that is current at now.
func (a *Authority) pickCRL(data []byte, issuer *x509.Certificate, now time.Time) (*cachedCRL, error) {
	var ders [][]byte
	if rest := bytes.TrimSpace(data); bytes.HasPrefix(rest, []byte("-----BEGIN")) {
		for len(rest) > 0 {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if b.Type == "X509 CRL" {
				ders = append(ders, b.Bytes)
			}
		}
		if len(ders) == 0 {
			return nil, errors.New("no X509 CRL in the PEM data")
		}
	} else {
		ders = [][]byte{data}
	}
	var best *cachedCRL
	var errs []string
	for _, der := range ders {
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			errs = append(errs, fmt.Sprintf("not a CRL: %v", err))
			continue
		}
		if !bytes.Equal(rl.RawIssuer, issuer.RawSubject) || rl.CheckSignatureFrom(issuer) != nil {
			errs = append(errs, fmt.Sprintf("a CRL of %q, not signed by %q", rl.Issuer.CommonName, issuer.Subject.CommonName))
			continue
		}
		switch {
		case rl.NextUpdate.IsZero():
			errs = append(errs, "the CRL has no nextUpdate")
			continue
		case !now.Before(rl.NextUpdate):
			errs = append(errs, fmt.Sprintf("the CRL expired at %s", rl.NextUpdate.UTC().Format(time.RFC3339)))
			continue
		case rl.ThisUpdate.After(now.Add(5 * time.Minute)):
			errs = append(errs, fmt.Sprintf("the CRL starts in the future (%s)", rl.ThisUpdate.UTC().Format(time.RFC3339)))
			continue
		}
		if best == nil || rl.ThisUpdate.After(best.rl.ThisUpdate) {
			best = &cachedCRL{der: der, rl: rl}
		}
	}
	if best == nil {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return best, nil
}

// crlURLs returns the http(s) CRL distribution points of the certificates
// in links that issuer issued, without repeats.
func crlURLs(issuer *x509.Certificate, links []upstreamLink) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range links {
		if !l.issuer.Equal(issuer) {
			continue
		}
		for _, u := range l.cert.CRLDistributionPoints {
			if !seen[u] && (strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}

// upstreamOCSP asks the responders cert names for its status. It returns
// nil, nil when cert names none.
func (a *Authority) upstreamOCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	now := a.cfg.Now()
	u := &a.upstream
	key := string(cert.Raw)
	u.mu.Lock()
	cached := u.ocsps[key]
	u.mu.Unlock()
	if cached != nil && now.Before(cached.nextUpdate) {
		return cached.der, nil
	}
	var urls []string
	for _, s := range cert.OCSPServer {
		if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
			urls = append(urls, s)
		}
	}
	if len(urls) == 0 {
		return nil, nil
	}
	if a.cfg.Upstream.NoFetch {
		return nil, fmt.Errorf("OCSP %s: fetching is off (ca.external_revocation.fetch)", urls[0])
	}
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		return nil, fmt.Errorf("OCSP request: %w", err)
	}
	var tried []string
	for _, url := range urls {
		der, err := a.post(ctx, url, req)
		if err != nil {
			tried = append(tried, fmt.Sprintf("OCSP %s: %v", url, err))
			continue
		}
		resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
		if err != nil {
			tried = append(tried, fmt.Sprintf("OCSP %s: %v", url, err))
			continue
		}
		switch {
		case resp.Status == ocsp.Revoked:
			// A definitive answer: the signer refuses to sign with a
			// revoked chain and says so.
			return der, nil
		case resp.Status != ocsp.Good:
			tried = append(tried, fmt.Sprintf("OCSP %s: status unknown", url))
			continue
		case !resp.NextUpdate.IsZero() && !now.Before(resp.NextUpdate):
			tried = append(tried, fmt.Sprintf("OCSP %s: the response expired at %s", url, resp.NextUpdate.UTC().Format(time.RFC3339)))
			continue
		}
		next := resp.NextUpdate
		if next.IsZero() {
			// No nextUpdate: newer information is always available
			// (RFC 6960, 4.2.2.1); keep the answer a few minutes only.
			next = now.Add(5 * time.Minute)
		}
		u.mu.Lock()
		if u.ocsps == nil {
			u.ocsps = map[string]*cachedOCSP{}
		}
		u.ocsps[key] = &cachedOCSP{der: der, nextUpdate: next}
		u.mu.Unlock()
		return der, nil
	}
	return nil, errors.New(strings.Join(tried, "; "))
}

// fetch GETs url, at most once per upstreamRetry after a failure.
func (a *Authority) fetch(ctx context.Context, url string, limit int64) ([]byte, error) {
	if err := a.recentFailure(url); err != nil {
		return nil, err
	}
	b, err := httpGet(ctx, a.upstreamClient(), url, limit)
	a.noteFailure(url, err)
	return b, err
}

// post sends an OCSP request to url, at most once per upstreamRetry after
// a failure.
func (a *Authority) post(ctx context.Context, url string, req []byte) ([]byte, error) {
	if err := a.recentFailure(url); err != nil {
		return nil, err
	}
	b, err := httpDo(ctx, a.upstreamClient(), http.MethodPost, url, req, maxUpstreamOCSP)
	a.noteFailure(url, err)
	return b, err
}

func (a *Authority) recentFailure(url string) error {
	u := &a.upstream
	u.mu.Lock()
	defer u.mu.Unlock()
	if at, ok := u.failed[url]; ok && a.cfg.Now().Before(at.Add(upstreamRetry)) {
		return fmt.Errorf("failed at %s; retried after %s", at.UTC().Format(time.RFC3339), upstreamRetry)
	}
	return nil
}

func (a *Authority) noteFailure(url string, err error) {
	u := &a.upstream
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed == nil {
		u.failed = map[string]time.Time{}
	}
	if err != nil {
		u.failed[url] = a.cfg.Now()
	} else {
		delete(u.failed, url)
	}
}

func httpGet(ctx context.Context, c *http.Client, url string, limit int64) ([]byte, error) {
	return httpDo(ctx, c, http.MethodGet, url, nil, limit)
}

func httpDo(ctx context.Context, c *http.Client, method, url string, body []byte, limit int64) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/ocsp-request")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}
