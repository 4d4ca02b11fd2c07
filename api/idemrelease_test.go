package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/api"
)

// lockAfterResource takes the real database's write lock (BEGIN EXCLUSIVE
// on a connection of the test's own) right after an issuance recorded the
// credential it is about to create: the database goes away in the middle
// of a request that holds an Idempotency-Key.
type lockAfterResource struct {
	api.IdempotencyStore
	lock func()
}

func (l *lockAfterResource) SetIdempotencyResource(ctx context.Context, actor, key, token, resource string) error {
	err := l.IdempotencyStore.SetIdempotencyResource(ctx, actor, key, token, resource)
	if err == nil {
		l.lock()
	}
	return err
}

// dbLock holds SQLite's write lock on kyso's database file from a
// connection of its own.
type dbLock struct {
	t    *testing.T
	db   *sql.DB
	mu   sync.Mutex
	conn *sql.Conn
}

func (l *dbLock) lock() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		return
	}
	c, err := l.db.Conn(context.Background())
	if err == nil {
		_, err = c.ExecContext(context.Background(), `BEGIN EXCLUSIVE`)
	}
	if err != nil {
		l.t.Errorf("BEGIN EXCLUSIVE: %v", err)
		return
	}
	l.conn = c
}

func (l *dbLock) unlock() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		l.t.Fatal("the database was not locked")
	}
	if _, err := l.conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
		l.t.Fatalf("ROLLBACK: %v", err)
	}
	l.conn.Close()
	l.conn = nil
}

// TestIdempotencyKeyAfterDatabaseOutage: an issuance with an
// Idempotency-Key fails because the database went away after the key was
// claimed, so the key cannot be let go of either. Once the database is
// back, the key is free again at once (docs/errors.md: a request that
// fails does not use its key up) — not 409 idempotency_in_progress for the
// rest of the dead request's lock (~40 s by default):
//   - a retry that reaches the node lets go of the key itself and is done;
//   - without a retry the node lets go of it in the background, so a retry
//     that reaches another node finds it free.
//
// Each retry issues exactly once.
func TestIdempotencyKeyAfterDatabaseOutage(t *testing.T) {
	var lk *dbLock
	var armed sync.Mutex
	arm := false
	s := newStack(t, stackOpts{idempotency: true, idemHook: func(st api.IdempotencyStore) api.IdempotencyStore {
		return &lockAfterResource{IdempotencyStore: st, lock: func() {
			armed.Lock()
			defer armed.Unlock()
			if arm {
				arm = false
				lk.lock()
			}
		}}
	}})
	dbPath := filepath.Join(s.dir, "kyso.db")
	db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	lk = &dbLock{t: t, db: db}

	seal := map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": "Ủy ban nhân dân Thành phố Hà Nội", "tax_code": "0103410294", "locality": "Hà Nội"}}
	issue := func(key string) (int, map[string]any, http.Header) {
		t.Helper()
		b, _ := json.Marshal(seal)
		req, _ := http.NewRequest("POST", s.srv.URL+"/v1/certificates", strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+s.token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out, resp.Header
	}
	errCode := func(out map[string]any) string {
		e, _ := out["error"].(map[string]any)
		c, _ := e["code"].(string)
		return c
	}
	lockedUntil := func(key string) string {
		var v string
		if err := db.QueryRow(`SELECT locked_until FROM idempotency_keys WHERE idem_key = ?`, key).Scan(&v); err != nil {
			t.Fatalf("read the record of %s: %v", key, err)
		}
		return v
	}
	outage := func(key string) string {
		t.Helper()
		armed.Lock()
		arm = true
		armed.Unlock()
		code, out, _ := issue(key)
		if code != http.StatusServiceUnavailable || errCode(out) != api.CodeDBUnavailable {
			t.Fatalf("issue while the database is locked = %d %v, want 503 %s", code, out, api.CodeDBUnavailable)
		}
		// The key is still locked in the database: letting go of it
		// failed as well.
		held := lockedUntil(key)
		lk.unlock()
		return held
	}
	certs := func() int {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM certificates WHERE profile = 'seal' AND status = 'active'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("retry on the same node", func(t *testing.T) {
		outage("outage-1")
		before := certs()
		code, out, _ := issue("outage-1")
		if code != http.StatusCreated {
			t.Fatalf("retry once the database is back = %d %v, want 201", code, out)
		}
		if n := certs(); n != before+1 {
			t.Errorf("%d seal certificates after the retry, want %d", n, before+1)
		}
		if code, again, h := issue("outage-1"); code != http.StatusCreated || h.Get("Idempotent-Replayed") != "true" || again["id"] != out["id"] {
			t.Errorf("second retry = %d %v (replayed %q), want the first retry's answer replayed", code, again, h.Get("Idempotent-Replayed"))
		}
	})

	t.Run("released in the background", func(t *testing.T) {
		held := outage("outage-2")
		// No request reaches the node: it lets go of the key by itself
		// once the database takes writes again.
		deadline := time.Now().Add(15 * time.Second)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for lockedUntil("outage-2") == held {
			if time.Now().After(deadline) {
				t.Fatalf("the key is still held by the failed request 15 s after the database came back (locked until %s)", held)
			}
			<-tick.C
		}
		before := certs()
		if code, out, _ := issue("outage-2"); code != http.StatusCreated {
			t.Fatalf("retry after the background release = %d %v, want 201", code, out)
		}
		if n := certs(); n != before+1 {
			t.Errorf("%d seal certificates after the retry, want %d", n, before+1)
		}
	})
}
