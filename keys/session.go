package keys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"
)

// Timing of a Session's retries after a failure that may pass (Vault
// sealed, unreachable or timing out): the first retry waits minRetry, each
// next one twice as long, up to maxRetry.
const (
	minRetry = time.Second
	maxRetry = 30 * time.Second
)

// SessionConfig configures a Session. The zero value is usable.
type SessionConfig struct {
	// Logger receives the session's events: token renewed, re-login,
	// failures. It never receives a token, accessor or secret ID. Nil
	// discards them.
	Logger *slog.Logger
	// Timeout bounds each login, renewal or token lookup, on top of the
	// caller's context. Default DefaultTimeout.
	Timeout time.Duration
}

// Session authenticates a Vault client and keeps it authenticated for as
// long as a process runs. It is safe for concurrent use.
//
// NewSession logs in; Run keeps the token alive: it renews the token
// (auth/token/renew-self) when two thirds of its TTL have passed and, for
// AppRole, logs in again with the role and secret ID when the token cannot
// be renewed any further: a renewal granted less than the full TTL (the
// max TTL is near), the token is not renewable (two thirds into its TTL),
// or Vault refused to renew it. Every new token is set on the same
// *api.Client, so a Manager made on that client keeps working; give the
// session to it too (Config.Session) and the Manager also logs in again,
// once, when Vault turns a call down because the token was revoked.
//
// With the "token" method the session renews a renewable token and
// otherwise only watches it: it cannot log in again, so when the token
// expires for good Run returns an error.
type Session struct {
	client  *api.Client // the client whose token the session manages
	aux     *api.Client // a clone of client for auth calls; used only under opMu
	auth    Auth        // normalised
	log     *slog.Logger
	timeout time.Duration
	hook    func(event string, err error) // set by tests, before Run
	wake    chan struct{}                 // tells Run the state changed
	running atomic.Bool

	// opMu serialises logins, renewals and lookups, so that Run and
	// Managers reacting to a 403 never log in twice for one stale token.
	// It is taken before mu.
	opMu sync.Mutex

	mu       sync.Mutex // guards the fields below
	life     tokenLife
	failures int       // consecutive failures that may pass
	retryAt  time.Time // when to retry after such a failure
	lastErr  error     // the latest such failure; nil after a success
	fatal    error     // set once the session cannot recover
}

// tokenLife is what a Session knows of the lifetime of its current token.
type tokenLife struct {
	obtained  time.Time // when the login, lookup or renewal that set expiry was sent
	expiry    time.Time // zero if the token does not expire
	renewable bool
	// capped reports that the last renewal granted less than the longest
	// TTL seen: the token's max TTL is near and renewing is pointless.
	capped  bool
	longest time.Duration
}

// NewSession authenticates client as a says and returns a Session that
// keeps it authenticated once Run is called.
//
// The "approle" method logs in now; rejected credentials are an
// ErrForbidden error. The "token" method sets a.Token on client and looks
// it up (auth/token/lookup-self, which Vault's default policy allows) to
// learn its TTL; an invalid or expired token is an ErrForbidden error.
func NewSession(ctx context.Context, client *api.Client, a Auth, cfg SessionConfig) (*Session, error) {
	if client == nil {
		return nil, errors.New("keys: nil vault client")
	}
	a, err := a.normalize()
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	switch {
	case timeout < 0:
		return nil, fmt.Errorf("keys: negative timeout %v", timeout)
	case timeout == 0:
		timeout = DefaultTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Auth calls go through a clone so that the token each one sends is
	// chosen explicitly, never whatever client holds at that moment.
	aux, err := client.CloneWithHeaders() // keeps the namespace header
	if err != nil {
		return nil, fmt.Errorf("vault session: %w", err)
	}
	aux.ClearToken()
	s := &Session{
		client:  client,
		aux:     aux,
		auth:    a,
		log:     log.With("vault_auth", a.Method),
		timeout: timeout,
		wake:    make(chan struct{}, 1),
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if a.Method == "token" {
		client.SetToken(a.Token)
		if err := s.lookup(ctx); err != nil {
			return nil, err
		}
		return s, nil
	}
	if _, err := s.login(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Run keeps the session's token alive until ctx is done, then returns nil.
// Call it once, in its own goroutine.
//
// Failures that may pass (Vault sealed, unreachable, timing out) are
// logged and retried, a second apart at first and at most 30s apart;
// Health reports them once the token has expired. Run returns an error
// only when the session cannot recover: Vault rejected the AppRole
// credentials (ErrForbidden, for example because the secret ID was revoked
// or has expired), or the "token" method's token expired (ErrForbidden).
// Health reports that error too. The caller should then stop the process,
// so that it is restarted with fresh credentials.
func (s *Session) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("keys: session already running")
	}
	defer s.running.Store(false)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		s.mu.Lock()
		act, at := s.next(time.Now())
		fatal := s.fatal
		s.mu.Unlock()
		if act == actStop {
			return fatal
		}
		var due <-chan time.Time
		if act != actWait {
			timer.Reset(time.Until(at))
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
			// Another goroutine logged in or failed; plan again.
		case <-due:
			if err := s.step(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// Health returns nil while the session holds a token that has not expired.
// Otherwise it returns why: the error that stopped Run, or an error saying
// when the token expired that wraps the last failure to replace it
// (ErrUnavailable if Vault could not be reached) or else ErrForbidden.
// It does not call Vault.
func (s *Session) Health(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fatal != nil {
		return s.fatal
	}
	if exp := s.life.expiry; !exp.IsZero() && !time.Now().Before(exp) {
		kind := s.lastErr
		if kind == nil {
			kind = ErrForbidden
		}
		return fmt.Errorf("vault %s token expired at %s: %w", s.auth.Method, exp.Format(time.RFC3339), kind)
	}
	return nil
}

// action is what a Session does next.
type action int

const (
	actWait   action = iota // nothing, until the context is done
	actRenew                // renew the token
	actLogin                // log in again (AppRole)
	actExpire               // the "token" method's token expires for good
	actStop                 // nothing ever again: the session failed
)

// next returns the session's next action and when it is due. s.mu must
// be held.
func (s *Session) next(now time.Time) (action, time.Time) {
	if s.fatal != nil {
		return actStop, time.Time{}
	}
	l := s.life
	if l.expiry.IsZero() {
		return actWait, time.Time{}
	}
	at := l.obtained.Add(l.expiry.Sub(l.obtained) * 2 / 3)
	if s.failures > 0 {
		at = s.retryAt
	}
	expired := !now.Before(l.expiry)
	canRenew := l.renewable && !l.capped && !expired
	switch {
	case s.auth.Method == "approle" && canRenew:
		return actRenew, at
	case s.auth.Method == "approle":
		return actLogin, at
	case canRenew:
		return actRenew, at
	}
	return actExpire, l.expiry
}

// step does the action that is due, if it still is. It returns an error
// only when the session failed for good.
func (s *Session) step(ctx context.Context) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	now := time.Now()
	s.mu.Lock()
	act, at := s.next(now)
	l, fatal := s.life, s.fatal
	s.mu.Unlock()
	switch {
	case act == actStop:
		return fatal
	case act == actWait || now.Before(at):
		return nil // the state changed meanwhile
	}
	switch act {
	case actRenew:
		return s.renewOrLogIn(ctx)
	case actLogin:
		reason := "token expired"
		switch {
		case !l.renewable:
			reason = "token not renewable"
		case l.capped:
			reason = "token max TTL reached"
		}
		return s.relogin(ctx, reason)
	case actExpire:
		err := fmt.Errorf("vault token expired at %s: %w: the token auth method cannot log in again; "+
			"restart kyso with a new token", l.expiry.Format(time.RFC3339), ErrForbidden)
		s.setFatal(err)
		s.log.Error("vault token expired", "expired_at", l.expiry)
		s.event("expired", err)
		return err
	}
	return nil
}

// renewOrLogIn renews the token. If Vault refuses, an AppRole session logs
// in again at once, and a "token" session stops renewing and waits for
// the token to expire. s.opMu must be held.
func (s *Session) renewOrLogIn(ctx context.Context) error {
	ttl, err := s.renew(ctx)
	switch {
	case err == nil:
		s.succeeded()
		s.mu.Lock()
		capped, expiry := s.life.capped, s.life.expiry
		s.mu.Unlock()
		s.log.Info("vault token renewed", "ttl", ttl)
		s.event("renewed", nil)
		switch {
		case !capped:
		case s.auth.Method == "approle":
			// The token ends at its max TTL, soon: replace it now rather
			// than in the last third of what is left.
			return s.relogin(ctx, "token max TTL reached")
		default:
			s.log.Warn("vault token reached its max TTL and cannot be renewed further", "expires_at", expiry)
		}
		return nil
	case ctx.Err() != nil:
		return nil
	case errors.Is(err, ErrUnavailable):
		d := s.retry(err)
		s.log.Warn("vault token renewal failed", "err", err, "retry_in", d)
		s.event("renew-failed", err)
		return nil
	case s.auth.Method == "approle":
		// Typically a 403: the token was revoked or has expired.
		s.log.Warn("vault refused to renew the token; logging in again", "err", err)
		return s.relogin(ctx, "renewal refused")
	}
	s.mu.Lock()
	s.life.capped = true
	expiry := s.life.expiry
	s.mu.Unlock()
	s.log.Warn("vault refused to renew the token; it will expire", "err", err, "expires_at", expiry)
	s.event("renew-failed", err)
	return nil
}

// relogin logs in again with the AppRole credentials. It returns an error
// only when Vault rejected them, which is final. s.opMu must be held.
func (s *Session) relogin(ctx context.Context, reason string) error {
	ttl, err := s.login(ctx)
	switch {
	case err == nil:
		s.succeeded()
		s.log.Info("vault re-login", "reason", reason, "ttl", ttl)
		s.event("login", nil)
		return nil
	case ctx.Err() != nil:
		return nil
	case errors.Is(err, ErrForbidden) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrNotFound):
		err = fmt.Errorf("vault re-login: %w", err)
		s.setFatal(err)
		s.log.Error("vault re-login failed; giving up", "reason", reason, "err", err)
		s.event("login-failed", err)
		return err
	}
	d := s.retry(err)
	s.log.Warn("vault re-login failed", "reason", reason, "err", err, "retry_in", d)
	s.event("login-failed", err)
	return nil
}

// refresh is called by a Manager whose call, made with token failed, was
// denied (HTTP 403). It reports whether the call is worth retrying once:
// the client now holds another token, because another goroutine or this
// call logged in again. It logs in again only for AppRole, and only if
// Vault confirms that failed itself is no longer valid: a 403 from a valid
// token is the policy's answer, and logging in again would not change it.
func (s *Session) refresh(ctx context.Context, failed string) bool {
	if s.auth.Method != "approle" {
		return false
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	fatal := s.fatal
	s.mu.Unlock()
	switch {
	case fatal != nil:
		return false
	case s.client.Token() != failed:
		return true
	}
	lctx, cancel := context.WithTimeout(ctx, s.timeout)
	s.aux.SetToken(failed)
	_, err := s.aux.Auth().Token().LookupSelfWithContext(lctx)
	s.aux.ClearToken()
	err = classify(lctx, err)
	cancel()
	if !errors.Is(err, ErrForbidden) {
		return false
	}
	defer s.wakeRun()
	return s.relogin(ctx, "token rejected") == nil && s.client.Token() != failed
}

// login logs in with the AppRole credentials, sets the new token on the
// client and returns its TTL. s.opMu must be held.
func (s *Session) login(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.aux.ClearToken()
	sent := time.Now()
	auth, err := appRoleLogin(ctx, s.aux, s.auth)
	if err != nil {
		return 0, err
	}
	s.client.SetToken(auth.ClientToken)
	ttl := time.Duration(auth.LeaseDuration) * time.Second
	s.setLife(sent, ttl, expiryOf(sent, ttl), auth.Renewable, false)
	return ttl, nil
}

// lookup reads the TTL of the client's token. s.opMu must be held.
func (s *Session) lookup(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.aux.SetToken(s.client.Token())
	defer s.aux.ClearToken()
	sent := time.Now()
	sec, err := s.aux.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		return fmt.Errorf("vault token lookup: %w", classify(ctx, err))
	}
	ttl, err := sec.TokenTTL()
	if err != nil {
		return fmt.Errorf("vault token lookup: %w", integrityf("ttl: %v", err))
	}
	renewable, err := sec.TokenIsRenewable()
	if err != nil {
		return fmt.Errorf("vault token lookup: %w", integrityf("renewable: %v", err))
	}
	s.setLife(sent, ttl, expiryOf(sent, ttl), renewable, false)
	return nil
}

// renew renews the client's token (auth/token/renew-self) and returns its
// new TTL. s.opMu must be held.
func (s *Session) renew(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	sent := time.Now()
	// Increment 0 asks for the TTL the token was issued with (the role's
	// token_ttl for AppRole), within its max TTL.
	sec, err := s.aux.Auth().Token().RenewTokenAsSelfWithContext(ctx, s.client.Token(), 0)
	if err != nil {
		return 0, fmt.Errorf("vault token renewal: %w", classify(ctx, err))
	}
	if sec == nil || sec.Auth == nil {
		return 0, fmt.Errorf("vault token renewal: %w", integrityf("no auth data in vault's answer"))
	}
	ttl := time.Duration(sec.Auth.LeaseDuration) * time.Second
	s.mu.Lock()
	capped := ttl < s.life.longest
	s.mu.Unlock()
	// A renewal's TTL of 0 means the token expires now, not never.
	s.setLife(sent, ttl, sent.Add(ttl), sec.Auth.Renewable, capped)
	return ttl, nil
}

// setLife records the lifetime of the token as of sent, when the request
// that reported ttl was sent: dating it from then errs on the early side.
// A zero expiry means the token does not expire.
func (s *Session) setLife(sent time.Time, ttl time.Duration, expiry time.Time, renewable, capped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	longest := ttl // a new token, or one renewed in full
	if capped {
		longest = s.life.longest
	}
	s.life = tokenLife{obtained: sent, expiry: expiry, renewable: renewable, capped: capped, longest: longest}
}

// expiryOf returns when a token issued at sent with ttl expires: never
// (zero) if ttl is 0, as for a root token.
func expiryOf(sent time.Time, ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return sent.Add(ttl)
}

// succeeded clears the record of failures.
func (s *Session) succeeded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures, s.retryAt, s.lastErr = 0, time.Time{}, nil
}

// retry records a failure that may pass and returns how long to wait
// before trying again.
func (s *Session) retry(err error) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := maxRetry
	if s.failures < 5 { // 1s << 5 already exceeds maxRetry
		d = min(minRetry<<s.failures, maxRetry)
	}
	s.failures++
	s.retryAt = time.Now().Add(d)
	s.lastErr = err
	return d
}

// setFatal records the failure that ends the session.
func (s *Session) setFatal(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fatal == nil {
		s.fatal = err
	}
}

// wakeRun tells Run to plan again.
func (s *Session) wakeRun() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// event reports an event to the test hook, if any.
func (s *Session) event(name string, err error) {
	if s.hook != nil {
		s.hook(name, err)
	}
}
