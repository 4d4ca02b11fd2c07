package vaulttest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"
)

// SlowTransit is a reverse proxy in front of a real Vault that holds back
// Transit key creation (PUT or POST <mount>/keys/<name>), for tests of
// what a slow Vault does to kyso: a real server cannot be made slow on cue
// while it stays correct. Vault still does all the work: every creation
// reaches it, on a context of its own, so that Vault finishes it whatever
// the client does; the proxy only changes when (or whether) the client
// hears of it. Every other request passes through unchanged, except that
// a request about a key whose creation Vault is still doing waits for it,
// as Vault's own per-key lock would make it wait.
type SlowTransit struct {
	// URL is the proxy's address: the Vault address to give the client.
	URL string

	target *url.URL
	proxy  *httputil.ReverseProxy
	client *http.Client
	closed chan struct{}

	mu        sync.Mutex
	rule      func(key string, attempt int) Hold
	attempts  map[string]int             // creations seen, by key path
	late      map[string][]*heldCreation // Late creations not yet forwarded, by key path
	inflight  map[string]chan struct{}   // closed when Vault answers the creation it is doing, by key path
	creations []*Creation
}

// Hold is what SlowTransit does with one key creation. The zero Hold
// passes it through.
type Hold struct {
	// Delay holds Vault's answer until this long after the request came.
	Delay time.Duration
	// CutOff never sends the answer: the client gives up waiting (its
	// deadline passes) while Vault creates the key.
	CutOff bool
	// Late, with CutOff, forwards the creation to Vault only when the next
	// creation of the same key comes, or ForwardLate is called: the key
	// appears in Vault after the client gave up and looked for it.
	Late bool
}

// Creation is what became of one key creation request.
type Creation struct {
	Key     string // the key's name
	Attempt int    // 1 for the first creation of this key, and so on
	Hold    Hold
	// Status is Vault's answer to the creation, 0 while it has not
	// answered (a Late creation not yet forwarded).
	Status int
	// Answered reports that the client got Vault's answer; GaveUp, that
	// the client gave up before.
	Answered, GaveUp bool
}

// heldCreation is a Late creation waiting to be forwarded.
type heldCreation struct {
	c      *Creation
	path   string // the key's path, /v1/<mount>/keys/<name>
	method string
	uri    string
	header http.Header
	body   []byte
}

// keyPath matches Transit key paths: /v1/<mount>/keys/<name>, with a
// suffix (/rotate, /config) for other operations on the key.
var keyPath = regexp.MustCompile(`^(/v1/.+/keys/([^/]+))(/[^/]+)?$`)

// NewSlowTransit starts a SlowTransit in front of the Vault at target (an
// http:// address) and stops it when the test ends. With no rule it holds
// nothing back.
func NewSlowTransit(t testing.TB, target string) *SlowTransit {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("vaulttest: slow transit target %q: %v", target, err)
	}
	p := &SlowTransit{
		target:   u,
		proxy:    httputil.NewSingleHostReverseProxy(u),
		client:   &http.Client{},
		closed:   make(chan struct{}),
		attempts: map[string]int{},
		late:     map[string][]*heldCreation{},
		inflight: map[string]chan struct{}{},
	}
	srv := httptest.NewServer(p)
	p.URL = srv.URL
	t.Cleanup(func() {
		close(p.closed)
		srv.Close()
	})
	return p
}

// SetRule makes the proxy hold each later key creation as rule says; key is
// the key's name and attempt counts the creations of that key seen so far,
// this one included. A nil rule holds nothing back.
func (p *SlowTransit) SetRule(rule func(key string, attempt int) Hold) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rule = rule
}

// Creations returns what became of every key creation so far, in the
// order they came.
func (p *SlowTransit) Creations() []Creation {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Creation, len(p.creations))
	for i, c := range p.creations {
		out[i] = *c
	}
	return out
}

// ForwardLate forwards every Late creation not yet forwarded, and returns
// when Vault has answered them: the keys exist in Vault afterwards.
func (p *SlowTransit) ForwardLate() {
	p.mu.Lock()
	var all []*heldCreation
	for path, held := range p.late {
		all = append(all, held...)
		delete(p.late, path)
	}
	p.mu.Unlock()
	for _, h := range all {
		p.forwardHeld(h)
	}
}

func (p *SlowTransit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := keyPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		p.proxy.ServeHTTP(w, r)
		return
	}
	path, name := m[1], m[2]
	if m[3] != "" || (r.Method != http.MethodPut && r.Method != http.MethodPost) {
		// Another request about the key: wait for a creation Vault is
		// doing, as its per-key lock would.
		if !p.waitInflight(r.Context(), path) {
			return
		}
		p.proxy.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	came := time.Now()
	p.mu.Lock()
	p.attempts[path]++
	var hold Hold
	if p.rule != nil {
		hold = p.rule(name, p.attempts[path])
	}
	c := &Creation{Key: name, Attempt: p.attempts[path], Hold: hold}
	p.creations = append(p.creations, c)
	late := p.late[path]
	delete(p.late, path)
	p.mu.Unlock()
	// Vault finishes the creations held back before it sees this one.
	for _, h := range late {
		p.forwardHeld(h)
	}
	h := &heldCreation{c: c, path: path, method: r.Method, uri: r.URL.RequestURI(), header: r.Header.Clone(), body: body}
	if hold.Late {
		p.mu.Lock()
		p.late[path] = append(p.late[path], h)
		p.mu.Unlock()
		p.waitGiveUp(r.Context(), c)
		return
	}
	status, header, answer := p.forwardHeld(h)
	switch {
	case hold.CutOff:
		p.waitGiveUp(r.Context(), c)
		return
	case hold.Delay > 0:
		t := time.NewTimer(time.Until(came.Add(hold.Delay)))
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			p.gaveUp(c)
			return
		case <-p.closed:
			return
		}
	}
	if r.Context().Err() != nil {
		p.gaveUp(c)
		return
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(answer)
	p.mu.Lock()
	c.Answered = true
	p.mu.Unlock()
}

// forwardHeld sends a creation to Vault on a context of its own, marking
// it in flight until Vault answers, and returns the answer. A creation of
// the same key already in flight is waited for first.
func (p *SlowTransit) forwardHeld(h *heldCreation) (int, http.Header, []byte) {
	path := h.path
	var mine chan struct{}
	for mine == nil {
		p.mu.Lock()
		ch, busy := p.inflight[path]
		if !busy {
			mine = make(chan struct{})
			p.inflight[path] = mine
		}
		p.mu.Unlock()
		if busy {
			select {
			case <-ch:
			case <-p.closed:
				return http.StatusBadGateway, nil, nil
			}
		}
	}
	defer func() {
		p.mu.Lock()
		delete(p.inflight, path)
		p.mu.Unlock()
		close(mine)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, h.method, p.target.String()+h.uri, bytes.NewReader(h.body))
	if err != nil {
		return http.StatusBadGateway, nil, []byte(err.Error())
	}
	req.Header = h.header
	resp, err := p.client.Do(req)
	if err != nil {
		return http.StatusBadGateway, nil, []byte(err.Error())
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return http.StatusBadGateway, nil, []byte(err.Error())
	}
	p.mu.Lock()
	h.c.Status = resp.StatusCode
	p.mu.Unlock()
	header := resp.Header.Clone()
	header.Del("Content-Length")
	return resp.StatusCode, header, answer
}

// waitInflight waits until Vault is doing no creation of the key at path.
// It reports false if the client gave up meanwhile.
func (p *SlowTransit) waitInflight(ctx context.Context, path string) bool {
	for {
		p.mu.Lock()
		ch, busy := p.inflight[path]
		p.mu.Unlock()
		if !busy {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		case <-p.closed:
			return false
		}
	}
}

// waitGiveUp sends no answer: it waits until the client gives up.
func (p *SlowTransit) waitGiveUp(ctx context.Context, c *Creation) {
	select {
	case <-ctx.Done():
		p.gaveUp(c)
	case <-p.closed:
	}
}

func (p *SlowTransit) gaveUp(c *Creation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.GaveUp = true
}
