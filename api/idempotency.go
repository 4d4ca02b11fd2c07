package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// IdempotencyStore keeps Idempotency-Key records (store.Store implements
// it).
type IdempotencyStore interface {
	ClaimIdempotencyKey(ctx context.Context, rec *model.IdempotencyRecord) (*model.IdempotencyRecord, error)
	SetIdempotencyResource(ctx context.Context, actor, key, token, resource string) error
	CompleteIdempotencyKey(ctx context.Context, rec *model.IdempotencyRecord) error
	ReleaseIdempotencyKey(ctx context.Context, actor, key, token string) error
	UnlockIdempotencyKey(ctx context.Context, actor, key, token string) error
}

// Error codes of Idempotency-Key handling.
const (
	CodeIdempotencyKeyInvalid = "idempotency_key_invalid"
	CodeIdempotencyKeyReused  = "idempotency_key_reused"
	CodeIdempotencyInProgress = "idempotency_in_progress"
	CodeIdempotencyNotKept    = "idempotency_answer_not_kept"
	CodeIdempotencyEvicted    = "idempotency_answer_evicted"
)

// IdempotencyHeader is the request header that makes a POST safe to retry
// (the IETF httpapi draft "The Idempotency-Key HTTP Header Field").
const IdempotencyHeader = kit.IdempotencyHeader

// maxIdempotencyKey bounds the header's length.
const maxIdempotencyKey = 255

// replayedHeaders are the answer headers kept and sent again on a replay.
var replayedHeaders = []string{"Content-Type", "Content-Disposition", "Location",
	"Kyso-Signature-Field", "Kyso-Document-SHA256", "Kyso-Level"}

// idemClaim is a request that holds an Idempotency-Key: its answer is
// captured as it is written and kept by finish.
type idemClaim struct {
	s   *Server
	rec model.IdempotencyRecord
	// resource is what a crashed earlier holder was creating.
	resource string
	// made is set once the request created its resource: a failure after
	// it must leave the key to the retry, which finishes the work.
	made bool
	w    *captureWriter
}

// idempotent starts an idempotent request for actor. Without an
// Idempotency-Key header it returns (nil, false): go on as usual. When the
// key was already used it writes the answer — the kept one, or an error —
// and returns (nil, true). Otherwise the request holds the key: it writes
// its answer through c.w and must call c.finish (deferred) when done.
//
// fingerprint identifies what the request asks for (never a secret such
// as a PIN): the same key sent with another request is refused.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, actor string, fingerprint []byte) (*idemClaim, bool) {
	raw, present := r.Header[IdempotencyHeader]
	if !present {
		return nil, false
	}
	key, ok := idempotencyKey(raw)
	if !ok {
		s.renderError(w, r, errkind.New(errkind.IdempotencyKeyInvalid, fmt.Sprintf("Idempotency-Key must be one value of 1 to %d visible ASCII characters, e.g. a UUID", maxIdempotencyKey)))
		return nil, true
	}
	if s.deps.Idempotency == nil {
		s.renderError(w, r, errNotConfigured)
		return nil, true
	}
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	now := time.Now().UTC()
	rec := model.IdempotencyRecord{Actor: actor, Key: key, Fingerprint: fingerprint, Token: hex.EncodeToString(tok),
		LockedUntil: now.Add(s.idempotencyLock()), ExpiresAt: now.Add(s.cfg.IdempotencyTTL)}
	got, err := s.deps.Idempotency.ClaimIdempotencyKey(r.Context(), &rec)
	if err == nil && got.Token != rec.Token && got.State == model.IdempotencyPending && bytes.Equal(got.Fingerprint, fingerprint) {
		// Held by a request of this node that failed while the database
		// was away and could not let go of it then: let go now (the
		// database answered the claim) and claim again.
		var settled bool
		if settled, err = s.releases.settle(r.Context(), s.deps.Idempotency, actor, key, got.Token); err == nil && settled {
			got, err = s.deps.Idempotency.ClaimIdempotencyKey(r.Context(), &rec)
		}
	}
	if err != nil {
		s.renderError(w, r, err)
		return nil, true
	}
	switch {
	case got.Token == rec.Token:
		return &idemClaim{s: s, rec: rec, resource: got.Resource,
			w: &captureWriter{ResponseWriter: w, max: s.cfg.IdempotencyMaxAnswerBytes}}, false
	case !bytes.Equal(got.Fingerprint, fingerprint):
		s.renderError(w, r, errkind.New(errkind.IdempotencyKeyReused, "this Idempotency-Key was already used for a different request; send a new key for a new request"))
	case got.State == model.IdempotencyPending:
		wait := max(1, int(time.Until(got.LockedUntil).Seconds()+1))
		w.Header().Set("Retry-After", strconv.Itoa(min(wait, 5)))
		s.renderError(w, r, errkind.New(errkind.IdempotencyInProgress, "a request with this Idempotency-Key is still in progress; retry in a few seconds"))
	case got.Evicted:
		s.renderError(w, r, errkind.New(errkind.IdempotencyEvicted, fmt.Sprintf(
			"the request with this Idempotency-Key succeeded at %s, but its answer is no longer kept: newer answers of this caller "+
				"took its place (http.idempotency_quota_bytes); it is not done again: send a new Idempotency-Key to do it again",
			got.CreatedAt.Format(time.RFC3339))))
	case got.Body == nil:
		s.renderError(w, r, errkind.New(errkind.IdempotencyNotKept, fmt.Sprintf(
			"the request with this Idempotency-Key succeeded at %s, but its answer (%d bytes) was larger than kyso keeps for retries; "+
				"it is not done again: send a new Idempotency-Key to do it again", got.CreatedAt.Format(time.RFC3339), got.BodySize)))
	default:
		replay(w, got)
	}
	return nil, true
}

// idempotencyLock is how long a holder keeps a key before a retry may
// take it over: past the request deadline, the holder has given up (or
// crashed).
func (s *Server) idempotencyLock() time.Duration { return s.cfg.RequestTimeout + 15*time.Second }

// idempotencyKey returns the key of an Idempotency-Key header: one value,
// a bare token or a structured-field string ("..."), of visible ASCII.
func idempotencyKey(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	k := strings.TrimSpace(values[0])
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	if k == "" || len(k) > maxIdempotencyKey {
		return "", false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return "", false
		}
	}
	return k, true
}

func replay(w http.ResponseWriter, rec *model.IdempotencyRecord) {
	var h map[string]string
	_ = json.Unmarshal([]byte(rec.Header), &h)
	for _, name := range replayedHeaders {
		if v, ok := h[name]; ok {
			w.Header().Set(name, v)
		}
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.Header().Set("Content-Length", strconv.Itoa(len(rec.Body)))
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
}

// Resource implements app.Attempt: what a crashed earlier holder of the
// key was creating, or "".
func (c *idemClaim) Resource() string { return c.resource }

// SetResource implements app.Attempt: it records what the request is
// about to create.
func (c *idemClaim) SetResource(ctx context.Context, resource string) error {
	return c.s.deps.Idempotency.SetIdempotencyResource(ctx, c.rec.Actor, c.rec.Key, c.rec.Token, resource)
}

// Made implements app.Attempt: the request created its resource, so a
// failure after it leaves the key to the retry.
func (c *idemClaim) Made() { c.made = true }

// finish keeps a successful answer for retries, or releases the key so
// that a retry does the work, and then sends the answer it held back. The
// record is written before the client can have the answer, so that a
// client that got it and retries after a crash gets it again rather than a
// second signature. It runs on a fresh context: the request's may be over.
func (c *idemClaim) finish(r *http.Request) {
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	st := c.s.deps.Idempotency
	w := c.w
	var err error
	// letGo: the request lets go of the key (release or unlock) rather
	// than keeping its answer.
	letGo, unlock := true, false
	switch ok := w.status >= 200 && w.status < 300; {
	case ok && !w.streaming, ok && w.clientErr == nil:
		letGo = false
		h := map[string]string{}
		for _, name := range replayedHeaders {
			if v := w.Header().Get(name); v != "" {
				h[name] = v
			}
		}
		hj, _ := json.Marshal(h)
		rec := c.rec
		rec.Status, rec.Header, rec.BodySize = w.status, string(hj), w.size
		if !w.streaming {
			rec.Body = append([]byte{}, w.buf.Bytes()...)
		}
		err = st.CompleteIdempotencyKey(ctx, &rec)
	case c.made:
		// Failed after creating its resource: the retry takes the key
		// over at once and finishes from what was made.
		unlock = true
		err = st.UnlockIdempotencyKey(ctx, c.rec.Actor, c.rec.Key, c.rec.Token)
	default:
		// Failed, or too large to keep and the client did not get it
		// all: a retry does the work again.
		err = st.ReleaseIdempotencyKey(ctx, c.rec.Actor, c.rec.Key, c.rec.Token)
	}
	if err != nil {
		c.s.log.ErrorContext(r.Context(), "idempotency record not updated", "request_id", requestID(r.Context()), "err", err)
		if letGo && !errors.Is(err, model.ErrIdempotencyNotHeld) {
			// The database is away (or too slow): the key must not stay
			// locked until its holder's lock runs out (docs/errors.md: a
			// request that fails does not use its key up). Let go of it
			// as soon as the database is back. Releasing with the token
			// is safe to repeat: it touches only the record the token
			// holds.
			c.s.releases.owe(c.s, idemRelease{actor: c.rec.Actor, key: c.rec.Key, token: c.rec.Token,
				unlock: unlock, until: c.rec.LockedUntil})
		}
	}
	w.flush()
}

// idemRelease is a release (or, for a request that made its resource, an
// unlock) of an Idempotency-Key that failed because the database was away.
type idemRelease struct {
	actor, key, token string
	unlock            bool
	// until is when the holder's lock runs out: from then on a retry
	// takes the key over anyway, and the release is no longer owed.
	until time.Time
}

// idemReleases are the releases this node owes. Each is retried in the
// background until the database takes it, and done at once when a retry
// of its request reaches this node (settle): the first retry after the
// database is back gets on with the work, not 409 idempotency_in_progress
// for the rest of the dead request's lock. On another node the retry gets
// 409 with Retry-After until the background release lands.
type idemReleases struct {
	mu   sync.Mutex
	owed map[[2]string]idemRelease // by actor, key
}

// idemRetryFirst and idemRetryMax bound the pause between two attempts of
// an owed release.
const (
	idemRetryFirst = 100 * time.Millisecond
	idemRetryMax   = 2 * time.Second
)

// owe records rel and retries it until it is done or no longer owed.
func (o *idemReleases) owe(s *Server, rel idemRelease) {
	o.mu.Lock()
	if o.owed == nil {
		o.owed = map[[2]string]idemRelease{}
	}
	o.owed[[2]string{rel.actor, rel.key}] = rel
	o.mu.Unlock()
	go func() {
		pause := idemRetryFirst
		for {
			t := time.NewTimer(pause)
			<-t.C
			pause = min(2*pause, idemRetryMax)
			if !time.Now().Before(rel.until) {
				o.drop(rel)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			done, err := o.settle(ctx, s.deps.Idempotency, rel.actor, rel.key, rel.token)
			cancel()
			if err == nil {
				if done {
					s.log.Info("idempotency key released after the database came back", "unlock", rel.unlock)
				}
				return
			}
		}
	}()
}

// drop forgets rel if it is still the one owed for its key.
func (o *idemReleases) drop(rel idemRelease) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := [2]string{rel.actor, rel.key}
	if cur, ok := o.owed[k]; ok && cur.token == rel.token {
		delete(o.owed, k)
	}
}

// settle does the release owed for actor's key held by token, if this node
// owes one. done reports whether one was owed; err, whether it failed (it
// stays owed). A release the store refuses with ErrConflict — the key was
// taken over or purged meanwhile — is no longer owed.
func (o *idemReleases) settle(ctx context.Context, st IdempotencyStore, actor, key, token string) (done bool, err error) {
	o.mu.Lock()
	rel, ok := o.owed[[2]string{actor, key}]
	o.mu.Unlock()
	if !ok || rel.token != token {
		return false, nil
	}
	if rel.unlock {
		err = st.UnlockIdempotencyKey(ctx, actor, key, token)
	} else {
		err = st.ReleaseIdempotencyKey(ctx, actor, key, token)
	}
	if err != nil && !errors.Is(err, model.ErrIdempotencyNotHeld) {
		return true, err
	}
	o.drop(rel)
	return true, nil
}

// captureWriter holds an answer back, up to max bytes, until finish has
// recorded it; a larger answer goes to the client as it is written (and is
// not kept).
type captureWriter struct {
	http.ResponseWriter
	max       int64
	status    int
	buf       bytes.Buffer
	size      int64
	streaming bool
	clientErr error
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status != 0 {
		return
	}
	c.status = code
	if c.streaming {
		c.ResponseWriter.WriteHeader(code)
	}
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.size += int64(len(p))
	if !c.streaming {
		if int64(c.buf.Len()+len(p)) <= c.max {
			return c.buf.Write(p)
		}
		c.streaming = true
		c.ResponseWriter.WriteHeader(c.status)
		if _, err := c.ResponseWriter.Write(c.buf.Bytes()); err != nil {
			c.clientErr = err
		}
		c.buf = bytes.Buffer{}
	}
	if c.clientErr != nil {
		return 0, c.clientErr
	}
	n, err := c.ResponseWriter.Write(p)
	if err != nil {
		c.clientErr = err
	}
	return n, err
}

// flush sends an answer held back.
func (c *captureWriter) flush() {
	if c.streaming || c.status == 0 {
		return
	}
	c.ResponseWriter.WriteHeader(c.status)
	_, _ = c.ResponseWriter.Write(c.buf.Bytes())
	c.buf = bytes.Buffer{}
}

// Unwrap lets http.ResponseController reach the connection.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// beginIdempotent is idempotent with the fingerprint of route and parts.
// It returns the writer the handler must answer through, the claim (nil
// without an Idempotency-Key; defer its finish, which is nil-safe) and
// whether the answer was already written.
func (s *Server) beginIdempotent(w http.ResponseWriter, r *http.Request, actor, route string, parts ...any) (http.ResponseWriter, *idemClaim, bool) {
	if _, present := r.Header[IdempotencyHeader]; !present {
		return w, nil, false
	}
	fp, err := newFingerprint(route, parts...)
	if err != nil {
		s.renderError(w, r, err)
		return w, nil, true
	}
	c, done := s.idempotent(w, r, actor, fp)
	if c == nil {
		return w, nil, done
	}
	return c.w, c, false
}

// Finish is finish, for sub-routers (kit.Claim).
func (c *idemClaim) Finish(r *http.Request) { c.finish(r) }

// beginKitIdempotent is beginIdempotent as kit.Kit lends it: without a
// claim, the Claim is nil itself (not a nil *idemClaim).
func (s *Server) beginKitIdempotent(w http.ResponseWriter, r *http.Request, actor, route string, parts ...any) (http.ResponseWriter, kit.Claim, bool) {
	w, c, done := s.beginIdempotent(w, r, actor, route, parts...)
	if c == nil {
		return w, nil, done
	}
	return w, c, done
}

// newFingerprint hashes the parts of a request that say what it asks for.
func newFingerprint(route string, parts ...any) ([]byte, error) {
	d := sha256.New()
	io.WriteString(d, route)
	for _, p := range parts {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("api: fingerprint: %w", err)
		}
		fmt.Fprintf(d, "\n%d:", len(b))
		d.Write(b)
	}
	return d.Sum(nil), nil
}
