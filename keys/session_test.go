package keys_test

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
)

// newAppRole enables AppRole at a fresh auth mount with a role "kyso" whose
// tokens may read keys and sign on the Transit mount, with the extra role
// parameters in role (token_ttl, …). It returns the credentials of a new
// secret ID.
func newAppRole(t *testing.T, root *api.Client, mount string, role map[string]any) keys.Auth {
	t.Helper()
	authMount := "approle-" + strings.ReplaceAll(mount, "/", "-")
	if err := root.Sys().EnableAuthWithOptions(authMount, &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatalf("enable approle: %v", err)
	}
	t.Cleanup(func() {
		if err := root.Sys().DisableAuth(authMount); err != nil {
			t.Errorf("disable approle: %v", err)
		}
	})
	policy := signerPolicy(t, root, mount)
	params := map[string]any{"token_policies": []string{policy}}
	for k, v := range role {
		params[k] = v
	}
	if _, err := root.Logical().Write("auth/"+authMount+"/role/kyso", params); err != nil {
		t.Fatalf("write approle role: %v", err)
	}
	rid, err := root.Logical().Read("auth/" + authMount + "/role/kyso/role-id")
	if err != nil {
		t.Fatalf("read role ID: %v", err)
	}
	sid, err := root.Logical().Write("auth/"+authMount+"/role/kyso/secret-id", nil)
	if err != nil {
		t.Fatalf("make secret ID: %v", err)
	}
	return keys.Auth{
		Method:   "approle",
		RoleID:   rid.Data["role_id"].(string),
		SecretID: sid.Data["secret_id"].(string),
		Mount:    authMount,
	}
}

// signerPolicy writes a policy that may read keys and sign on mount, and
// returns its name.
func signerPolicy(t *testing.T, root *api.Client, mount string) string {
	t.Helper()
	policy := "kyso-signer-" + mount
	rules := fmt.Sprintf(`
path "%[1]s/keys/*" { capabilities = ["read"] }
path "%[1]s/sign/*" { capabilities = ["update"] }
`, mount)
	if err := root.Sys().PutPolicy(policy, rules); err != nil {
		t.Fatalf("write policy: %v", err)
	}
	t.Cleanup(func() { _ = root.Sys().DeletePolicy(policy) })
	return policy
}

// destroySecretID revokes a's secret ID.
func destroySecretID(t *testing.T, root *api.Client, a keys.Auth) {
	t.Helper()
	if _, err := root.Logical().Write("auth/"+a.Mount+"/role/kyso/secret-id/destroy",
		map[string]any{"secret_id": a.SecretID}); err != nil {
		t.Fatalf("destroy secret ID: %v", err)
	}
}

// tokenlessClient returns a clone of root's client without a token.
func tokenlessClient(t *testing.T, root *api.Client) *api.Client {
	t.Helper()
	c, err := root.Clone()
	if err != nil {
		t.Fatal(err)
	}
	c.ClearToken()
	return c
}

// recorder records a session's events.
type recorder struct {
	mu      sync.Mutex
	events  []string
	errs    []error
	changed chan struct{}
}

func record(s *keys.Session) *recorder {
	r := &recorder{changed: make(chan struct{}, 1)}
	keys.SetSessionHook(s, func(event string, err error) {
		r.mu.Lock()
		r.events = append(r.events, event)
		r.errs = append(r.errs, err)
		r.mu.Unlock()
		select {
		case r.changed <- struct{}{}:
		default:
		}
	})
	return r
}

func (r *recorder) count(event string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e == event {
			n++
		}
	}
	return n
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for i, e := range r.events {
		if r.errs[i] != nil {
			fmt.Fprintf(&b, "%s (%v); ", e, r.errs[i])
		} else {
			fmt.Fprintf(&b, "%s; ", e)
		}
	}
	return b.String()
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for a test logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// checkLogSecrets fails if the log contains any of secrets.
func checkLogSecrets(t *testing.T, log string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			t.Errorf("the session's log contains a token or secret ID:\n%s", log)
			return
		}
	}
}

// runSession runs s.Run(ctx) in a goroutine; its result arrives on the
// returned channel.
func runSession(ctx context.Context, s *keys.Session) <-chan error {
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return done
}

// wait returns Run's result, or fails the test if it takes over d.
func wait(t *testing.T, done <-chan error, d time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("Run did not return within %v", d)
		return nil
	}
}

// TestSessionAppRole signs, through a Manager that cannot log in itself,
// until the session has renewed its token and logged in twice, and past the
// max TTL of the first token, which by then no longer works.
func TestSessionAppRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := vaulttest.Client(t)
	mount := vaulttest.NewMount(t)
	if err := managerFor(t, root, mount).Create(ctx, "k", keys.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	const maxTTL = 6 * time.Second
	a := newAppRole(t, root, mount, map[string]any{"token_ttl": "3s", "token_max_ttl": "6s"})

	var logBuf syncBuffer
	c := tokenlessClient(t, root)
	sess, err := keys.NewSession(ctx, c, a, keys.SessionConfig{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	if err != nil {
		t.Fatalf("NewSession(approle) = %v", err)
	}
	firstDeadline := time.Now().Add(maxTTL) // later than the first token's end
	first := c.Token()
	if first == "" || first == root.Token() {
		t.Fatalf("NewSession(approle) set token %q", first)
	}
	rec := record(sess)
	s, err := managerFor(t, c, mount).Signer(ctx, "k", 1) // no Config.Session: only Run helps
	if err != nil {
		t.Fatalf("Signer = %v", err)
	}
	// A control: the same key through a client that keeps the first token.
	ctl, err := root.Clone()
	if err != nil {
		t.Fatal(err)
	}
	ctl.SetToken(first)
	ctlSigner, err := managerFor(t, ctl, mount).Signer(ctx, "k", 1)
	if err != nil {
		t.Fatalf("Signer with the first token = %v", err)
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := runSession(runCtx, sess)

	start := time.Now()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	signs := 0
	for rec.count("renewed") < 1 || rec.count("login") < 2 || time.Now().Before(firstDeadline.Add(time.Second)) {
		select {
		case <-deadline:
			t.Fatalf("after %v: events %s; want a renewal and two re-logins", time.Since(start), rec)
		case err := <-done:
			t.Fatalf("Run = %v before its context ended; events %s", err, rec)
		case <-tick.C:
		}
		d := digestOf(crypto.SHA256, fmt.Sprint("session ", signs))
		if _, err := s.SignContext(ctx, d, crypto.SHA256); err != nil {
			t.Fatalf("SignContext after %v = %v; events %s", time.Since(start), err, rec)
		}
		if err := sess.Health(ctx); err != nil {
			t.Fatalf("Health after %v = %v", time.Since(start), err)
		}
		signs++
	}
	t.Logf("%d signatures in %v; events %s", signs, time.Since(start), rec)
	if got := rec.count("renew-failed") + rec.count("login-failed"); got != 0 {
		t.Errorf("events %s, want no failures", rec)
	}
	if c.Token() == first {
		t.Errorf("the client still holds the first token after %d re-logins", rec.count("login"))
	}
	// The first token is past its max TTL: without the session, signing
	// fails. Vault revokes expired tokens itself, so allow it a moment.
	expired := time.After(10 * time.Second)
	for {
		_, err := ctlSigner.SignContext(ctx, digestOf(crypto.SHA256, "control"), crypto.SHA256)
		if errors.Is(err, keys.ErrForbidden) {
			break
		}
		select {
		case <-expired:
			t.Fatalf("SignContext with the first token past its max TTL = %v, want ErrForbidden", err)
		case <-tick.C:
		}
	}

	stop()
	if err := wait(t, done, 10*time.Second); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	log := logBuf.String()
	if !strings.Contains(log, "vault token renewed") || !strings.Contains(log, "vault re-login") {
		t.Errorf("the session's log lacks renewal or re-login events:\n%s", log)
	}
	checkLogSecrets(t, log, a.SecretID, a.RoleID, first, c.Token())
}

// TestSessionRevokedSecretID: the secret ID is revoked while the session
// runs, so that the next re-login fails for good.
func TestSessionRevokedSecretID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := vaulttest.Client(t)
	mount := vaulttest.NewMount(t)
	// Batch tokens cannot be renewed: the session logs in again after
	// two thirds of the TTL.
	a := newAppRole(t, root, mount, map[string]any{"token_type": "batch", "token_ttl": "2s"})
	var logBuf syncBuffer
	c := tokenlessClient(t, root)
	sess, err := keys.NewSession(ctx, c, a, keys.SessionConfig{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	if err != nil {
		t.Fatalf("NewSession(approle) = %v", err)
	}
	rec := record(sess)
	destroySecretID(t, root, a)

	err = wait(t, runSession(ctx, sess), 30*time.Second)
	if !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Run with a revoked secret ID = %v, want ErrForbidden; events %s", err, rec)
	}
	if err := sess.Health(ctx); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Health after Run failed = %v, want ErrForbidden", err)
	}
	if got := rec.count("login-failed"); got != 1 {
		t.Errorf("events %s, want one login-failed", rec)
	}
	if err := wait(t, runSession(ctx, sess), 10*time.Second); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Run again = %v, want ErrForbidden at once", err)
	}
	checkLogSecrets(t, logBuf.String(), a.SecretID, a.RoleID)
}

// TestManagerRelogin: a Manager given the session logs in again, once, when
// Vault denies a call because the token was revoked, and not when the
// policy denies it.
func TestManagerRelogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := vaulttest.Client(t)
	mount := vaulttest.NewMount(t)
	if err := managerFor(t, root, mount).Create(ctx, "k", keys.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	a := newAppRole(t, root, mount, map[string]any{"token_ttl": "10m"})
	c := tokenlessClient(t, root)
	sess, err := keys.NewSession(ctx, c, a, keys.SessionConfig{})
	if err != nil {
		t.Fatalf("NewSession(approle) = %v", err)
	}
	rec := record(sess)
	m, err := keys.New(c, keys.Config{Mount: mount, Session: sess})
	if err != nil {
		t.Fatalf("keys.New with session = %v", err)
	}
	s, err := m.Signer(ctx, "k", 1)
	if err != nil {
		t.Fatalf("Signer = %v", err)
	}
	sign := func(msg string) error {
		_, err := s.SignContext(ctx, digestOf(crypto.SHA256, msg), crypto.SHA256)
		return err
	}
	revoke := func() {
		t.Helper()
		if err := root.Auth().Token().RevokeOrphanWithContext(ctx, c.Token()); err != nil {
			t.Fatalf("revoke the session's token: %v", err)
		}
	}

	// Concurrent calls denied with the same revoked token share one
	// re-login.
	revoke()
	old := c.Token()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = sign(fmt.Sprint("revoked ", i)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("SignContext %d after the token was revoked = %v, want nil", i, err)
		}
	}
	if got := rec.count("login"); got != 1 {
		t.Errorf("events %s, want one login", rec)
	}
	if c.Token() == old {
		t.Errorf("the client still holds the revoked token")
	}

	// The policy does not allow rotating: a valid token gets 403 and no
	// re-login helps.
	tok := c.Token()
	if _, err := m.Rotate(ctx, "k"); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Rotate with the signer policy = %v, want ErrForbidden", err)
	}
	if got := rec.count("login"); got != 1 || c.Token() != tok {
		t.Errorf("Rotate denied by policy: events %s, token changed %t; want no re-login", rec, c.Token() != tok)
	}

	// Without a valid secret ID, the re-login fails for good.
	destroySecretID(t, root, a)
	revoke()
	if err := sign("no secret ID"); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("SignContext with token and secret ID revoked = %v, want ErrForbidden", err)
	}
	if err := sess.Health(ctx); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Health after a failed re-login = %v, want ErrForbidden", err)
	}
	if err := wait(t, runSession(ctx, sess), 10*time.Second); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Run after a failed re-login = %v, want ErrForbidden", err)
	}
	if err := sign("still no secret ID"); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("SignContext after the session failed = %v, want ErrForbidden", err)
	}
	if got := rec.count("login-failed"); got != 1 {
		t.Errorf("events %s, want one login-failed: a failed session does not try again", rec)
	}
}

// TestSessionToken covers the "token" method: a token without TTL is left
// alone, a renewable one is renewed until its max TTL and then expires for
// good, an invalid one is refused.
func TestSessionToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := vaulttest.Client(t)

	t.Run("root", func(t *testing.T) {
		t.Parallel()
		c := tokenlessClient(t, root)
		sess, err := keys.NewSession(ctx, c, keys.Auth{Token: root.Token()}, keys.SessionConfig{})
		if err != nil {
			t.Fatalf("NewSession(root token) = %v", err)
		}
		if c.Token() != root.Token() {
			t.Errorf("NewSession(root token) did not set the token")
		}
		rec := record(sess)
		runCtx, stop := context.WithCancel(ctx)
		a, b := runSession(runCtx, sess), runSession(runCtx, sess)
		// One of two concurrent Runs is refused at once.
		select {
		case err := <-a:
			if err == nil {
				t.Errorf("Run twice: the second = nil, want an error")
			}
			a = b
		case err := <-b:
			if err == nil {
				t.Errorf("Run twice: the second = nil, want an error")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run twice: neither returned")
		}
		if err := sess.Health(ctx); err != nil {
			t.Errorf("Health = %v, want nil", err)
		}
		stop()
		if err := wait(t, a, 10*time.Second); err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
		if rec.String() != "" {
			t.Errorf("events %s, want none for a token without TTL", rec)
		}
	})

	t.Run("renewable", func(t *testing.T) {
		t.Parallel()
		policy := signerPolicy(t, root, vaulttest.NewMount(t))
		tok, err := root.Auth().Token().CreateWithContext(ctx, &api.TokenCreateRequest{
			// Long enough that the renewal, due two thirds into the TTL,
			// is not late under a loaded machine's scheduling (with 2s it
			// once failed during six packages' parallel tests); the max
			// TTL still ends the test within seconds.
			Policies: []string{policy}, TTL: "4s", ExplicitMaxTTL: "6s",
		})
		if err != nil {
			t.Fatal(err)
		}
		c := tokenlessClient(t, root)
		sess, err := keys.NewSession(ctx, c, keys.Auth{Method: "token", Token: tok.Auth.ClientToken}, keys.SessionConfig{})
		if err != nil {
			t.Fatalf("NewSession(token) = %v", err)
		}
		rec := record(sess)
		err = wait(t, runSession(ctx, sess), 30*time.Second)
		if !errors.Is(err, keys.ErrForbidden) {
			t.Errorf("Run with a token past its max TTL = %v, want ErrForbidden", err)
		}
		if err := sess.Health(ctx); !errors.Is(err, keys.ErrForbidden) {
			t.Errorf("Health after expiry = %v, want ErrForbidden", err)
		}
		if rec.count("renewed") < 1 || rec.count("expired") != 1 {
			t.Errorf("events %s, want renewals, then expired", rec)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		t.Parallel()
		_, err := keys.NewSession(ctx, tokenlessClient(t, root), keys.Auth{Token: "hvs.not-a-token"}, keys.SessionConfig{})
		if !errors.Is(err, keys.ErrForbidden) {
			t.Errorf("NewSession(invalid token) = %v, want ErrForbidden", err)
		}
	})
}

func TestNewSessionInvalid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := vaulttest.Client(t)
	if _, err := keys.NewSession(ctx, nil, keys.Auth{Token: "x"}, keys.SessionConfig{}); err == nil {
		t.Errorf("NewSession(nil client) = nil, want an error")
	}
	if _, err := keys.NewSession(ctx, root, keys.Auth{Token: root.Token()}, keys.SessionConfig{Timeout: -time.Second}); err == nil {
		t.Errorf("NewSession(timeout -1s) = nil, want an error")
	}
	for _, a := range []keys.Auth{
		{},
		{Method: "approle"},
		{Method: "approle", RoleID: "r", Mount: "../x"},
		{Method: "userpass", Token: "x"},
	} {
		if _, err := keys.NewSession(ctx, tokenlessClient(t, root), a, keys.SessionConfig{}); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("NewSession(%+v) = %v, want ErrInvalid", a, err)
		}
	}

	a := newAppRole(t, root, vaulttest.NewMount(t), nil)
	a.SecretID = "00000000-0000-0000-0000-000000000000"
	if _, err := keys.NewSession(ctx, tokenlessClient(t, root), a, keys.SessionConfig{}); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("NewSession(approle, wrong secret ID) = %v, want ErrForbidden", err)
	}

	sess, err := keys.NewSession(ctx, tokenlessClient(t, root), keys.Auth{Token: root.Token()}, keys.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.New(root, keys.Config{Session: sess}); err == nil {
		t.Errorf("keys.New with another client's session = nil, want an error")
	}
}
