package keys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Addresses is the list of Vault addresses the section names: Addrs, then
// the comma-separated addresses of Addr, without blanks or repeats. Empty
// when neither is set (the client then reads $VAULT_ADDR).
func (s Section) Addresses() []string {
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		a = strings.TrimRight(strings.TrimSpace(a), "/")
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, a := range s.Addrs {
		add(a)
	}
	for a := range strings.SplitSeq(s.Addr, ",") {
		add(a)
	}
	return out
}

// validateAddresses checks that each address is an http(s) URL with a host.
// A single address may also be a unix socket (unix:///path), which the
// Vault client dials itself; failover needs host addresses.
func validateAddresses(addrs []string) error {
	for _, a := range addrs {
		u, err := url.Parse(a)
		if err == nil && u.Scheme == "unix" && len(addrs) == 1 {
			continue
		}
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: vault address %q: want http(s)://host:port", a)
		}
	}
	return nil
}

// failover is the Vault client's transport when the section names several
// Vault addresses. It sends each request to the address that answered
// last; when that address cannot be reached, or answers 503 (sealed, or a
// standby that has no active node to forward to) or 429 (a standby's
// answer to sys/health), it tries the next addresses in turn and keeps the
// first that answers otherwise; a redirect to one of the addresses (a
// standby that does not forward) moves it there. A request whose context
// is done is not tried further.
type failover struct {
	next  http.RoundTripper
	addrs []*url.URL
	cur   atomic.Int32
	// onMove, if set, is told when the address in use changes.
	onMove func(from, to string)
}

func newFailover(next http.RoundTripper, addrs []string) (*failover, error) {
	f := &failover{next: next}
	for _, a := range addrs {
		u, err := url.Parse(a)
		if err != nil {
			return nil, fmt.Errorf("vault address %q: %w", a, err)
		}
		f.addrs = append(f.addrs, u)
	}
	if len(f.addrs) == 0 {
		return nil, errors.New("vault: no address")
	}
	return f, nil
}

// RoundTrip implements http.RoundTripper.
func (f *failover) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != f.addrs[0].Scheme || req.URL.Host != f.addrs[0].Host {
		// Not a call to the client's address (which is the first): the
		// Vault client following a redirect elsewhere.
		return f.next.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		// Vault requests are small (digests, not documents): read the body
		// once so that every address gets it whole.
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	start := int(f.cur.Load())
	var resp *http.Response
	var err error
	for i := range f.addrs {
		idx := (start + i) % len(f.addrs)
		if resp != nil {
			drop(resp)
		}
		resp, err = f.next.RoundTrip(f.to(req, idx, body))
		if req.Context().Err() != nil {
			return resp, err
		}
		if err == nil && resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusTooManyRequests {
			if j, ok := f.redirect(resp); ok && j != idx {
				// A standby that redirects rather than forwards names the
				// active node: when it is one of ours, use it from now on.
				drop(resp)
				idx = j
				resp, err = f.next.RoundTrip(f.to(req, idx, body))
				if err != nil {
					return resp, err
				}
			}
			if idx != start && f.cur.CompareAndSwap(int32(start), int32(idx)) && f.onMove != nil {
				f.onMove(f.addrs[start].String(), f.addrs[idx].String())
			}
			return resp, nil
		}
	}
	return resp, err
}

// redirect returns the index of the address a redirect answer names, if it
// is one of f's.
func (f *failover) redirect(resp *http.Response) (int, bool) {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return 0, false
	}
	loc, err := resp.Location()
	if err != nil {
		return 0, false
	}
	for j, a := range f.addrs {
		if loc.Scheme == a.Scheme && loc.Host == a.Host {
			return j, true
		}
	}
	return 0, false
}

// drop reads a little of an answer that is not used and closes it, so that
// its connection can be used again.
func drop(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// to returns a copy of req aimed at address idx, with a fresh body.
func (f *failover) to(req *http.Request, idx int, body []byte) *http.Request {
	r := req.Clone(req.Context())
	a := f.addrs[idx]
	r.URL.Scheme, r.URL.Host = a.Scheme, a.Host
	r.Host = a.Host
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
	}
	return r
}

// probeKey is the Transit key the readiness probe reads. It need not
// exist: Transit's answer for a missing key proves as much as for a real
// one (Vault reachable, unsealed and active, the token valid and allowed
// on the mount).
const probeKey = "kyso-readiness-probe"

// probeTTL is how long a probe's result is kept: a load balancer polling
// every node every second costs Vault one read per node per probeTTL.
const probeTTL = 1500 * time.Millisecond

// Probe checks that a Manager can use Transit now (see Check). It keeps
// its last result for 1.5 s, so that frequent health checks cost Vault
// little. Make one with Manager.NewProbe.
type Probe struct {
	m   *Manager
	mu  sync.Mutex
	at  time.Time
	err error
}

// NewProbe returns a Probe of m's Vault.
func (m *Manager) NewProbe() *Probe { return &Probe{m: m} }

// Check reports whether the Manager can use Transit now: it reads a key's
// metadata on the mount, the cheapest call that goes through Vault's
// active node, the token's policy and the Transit backend (with the
// Manager's session logging in again on a refused token, as for any
// call). A result younger than 1.5 s is returned again. A failure is
// ErrUnavailable, ErrForbidden or another of the package's kinds.
func (p *Probe) Check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.at.IsZero() && time.Since(p.at) < probeTTL {
		return p.err
	}
	_, err := p.m.read(ctx, p.m.path("keys", probeKey))
	if errors.Is(err, ErrNotFound) {
		err = nil // Transit answered: the key need not exist
	}
	if err != nil {
		err = fmt.Errorf("vault transit probe: %w", err)
	}
	if ctx.Err() == nil {
		// A probe cut short by its caller says nothing of Vault.
		p.at, p.err = time.Now(), err
	}
	return err
}
