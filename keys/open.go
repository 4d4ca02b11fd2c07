package keys

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
)

// maxIdleVaultConns is how many idle connections to each Vault address
// the client keeps: more than kyso has requests at Vault at once under
// load, so that requests reuse connections.
const maxIdleVaultConns = 64

// Open builds the Vault client the section describes, logs in and returns
// a Manager on the section's Transit mount with the Session that
// authenticates it. It is the only place kyso makes a Vault client.
//
// secret is the token (auth "token") or the AppRole secret ID (auth
// "approle"); the caller reads it from the environment or the file the
// section names. The section must have had Defaults applied. Run the
// session (Session.Run) for the life of a long-running process, so that
// its token is renewed or replaced before it expires.
//
// The client makes one quick retry: a sealed or unreachable Vault must
// become ErrUnavailable within a request's time, not after the client's
// default backoff. Its own timeout is the section's ClientTimeout, so that
// it never cuts a key creation short; each call has its own bound.
func Open(ctx context.Context, s Section, secret string, log *slog.Logger) (*Manager, *Session, error) {
	vc := api.DefaultConfig()
	if vc.Error != nil {
		return nil, nil, fmt.Errorf("vault config: %w", vc.Error)
	}
	// The client's transport keeps GOMAXPROCS+1 idle connections a
	// host: under concurrent signatures (four Transit requests a key
	// version at once, several keys, OCSP and CRL signing beside) most
	// requests found none idle and opened a new connection — a TLS
	// handshake on both sides where Vault is reached over TLS — which
	// then closed into TIME_WAIT (TestOpenKeepsConnections).
	if t, ok := vc.HttpClient.Transport.(*http.Transport); ok {
		t.MaxIdleConnsPerHost = maxIdleVaultConns
		t.MaxIdleConns = max(t.MaxIdleConns, maxIdleVaultConns)
	}
	addrs := s.Addresses()
	if len(addrs) > 0 {
		vc.Address = addrs[0]
	}
	if s.CACert != "" {
		if err := vc.ConfigureTLS(&api.TLSConfig{CACert: s.CACert}); err != nil {
			return nil, nil, fmt.Errorf("vault TLS: %w", err)
		}
	}
	if len(addrs) > 1 {
		// Several nodes: every call, the session's included, fails over
		// from one to the next (failover). The TLS settings above are on
		// the transport it wraps.
		f, err := newFailover(vc.HttpClient.Transport, addrs)
		if err != nil {
			return nil, nil, err
		}
		if log != nil {
			f.onMove = func(from, to string) { log.Warn("vault: turned to another address", "from", from, "to", to) }
		}
		vc.HttpClient.Transport = f
	}
	vc.Timeout = s.ClientTimeout()
	vc.MaxRetries = 1
	client, err := api.NewClient(vc)
	if err != nil {
		return nil, nil, fmt.Errorf("vault client: %w", err)
	}
	a := Auth{Method: s.Auth, RoleID: s.RoleID, Mount: s.AppRoleMount}
	if s.Auth == "approle" {
		a.SecretID = secret
	} else {
		a.Token = secret
	}
	// The session logs in and keeps the token alive: AppRole tokens are
	// renewed before they expire and replaced by a new login when they
	// cannot be renewed any more.
	sess, err := NewSession(ctx, client, a, SessionConfig{Logger: log, Timeout: time.Duration(s.Timeout)})
	if err != nil {
		return nil, nil, fmt.Errorf("vault login: %w", err)
	}
	m, err := New(client, Config{Mount: s.Mount, Timeout: time.Duration(s.Timeout),
		CreateTimeout: time.Duration(s.CreateTimeout), Session: sess, Coalesce: s.CoalesceOn()})
	if err != nil {
		return nil, nil, err
	}
	m.addr = client.Address()
	if len(addrs) > 1 {
		m.addr = strings.Join(addrs, ",")
	}
	return m, sess, nil
}

// Addr is the address of the Vault the Manager calls, for messages; empty
// for a Manager made by New.
func (m *Manager) Addr() string { return m.addr }

// SetObserver sets the function told of every call to Transit (see
// Config.Observe). It is for wiring, before the Manager is used: it is not
// safe to call while keys are in use.
func (m *Manager) SetObserver(f func(Call)) { m.observe = f }
