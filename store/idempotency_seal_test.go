package store_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

// gcmCipher is an AEAD with associated data, as Vault Transit's
// aes256-gcm96 keys are, with its key in the test (the store's contract
// with its cipher; cmd/kyso's tests run the real Transit key).
type gcmCipher struct{ aead cipher.AEAD }

func newGCMCipher(t *testing.T) *gcmCipher {
	key := make([]byte, 32)
	rand.Read(key)
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		t.Fatal(err)
	}
	return &gcmCipher{a}
}

func (c *gcmCipher) Encrypt(_ context.Context, plaintext, ad []byte) ([]byte, error) {
	nonce := make([]byte, c.aead.NonceSize())
	rand.Read(nonce)
	return []byte("vault:v1:" + base64.StdEncoding.EncodeToString(c.aead.Seal(nonce, nonce, plaintext, ad))), nil
}

func (c *gcmCipher) Decrypt(_ context.Context, ciphertext, ad []byte) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(ciphertext), "vault:v1:"))
	if err != nil || len(raw) < c.aead.NonceSize() {
		return nil, errors.New("malformed ciphertext")
	}
	return c.aead.Open(nil, raw[:c.aead.NonceSize()], raw[c.aead.NonceSize():], ad)
}

type answerConfigurable interface {
	SetAnswerConfig(store.AnswerConfig)
}

func configure(t *testing.T, s store.Store, c store.AnswerConfig) {
	t.Helper()
	a, ok := s.(answerConfigurable)
	if !ok {
		t.Fatalf("%T has no SetAnswerConfig", s)
	}
	a.SetAnswerConfig(c)
}

// keep claims actor's key and completes it with body; it returns the
// record a replay (a later claim) sees, or its error.
func keep(t *testing.T, s store.Store, actor, key string, body []byte) {
	t.Helper()
	ctx := t.Context()
	now := time.Now()
	rec := &store.IdempotencyRecord{Actor: actor, Key: key, Token: "tok-" + key, Fingerprint: []byte("fp"),
		LockedUntil: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour)}
	got, err := s.ClaimIdempotencyKey(ctx, rec)
	if err != nil || got.Token != rec.Token {
		t.Fatalf("ClaimIdempotencyKey(%s, %s) = %+v, %v; want it held", actor, key, got, err)
	}
	rec.Status, rec.Header, rec.Body, rec.BodySize = 200, `{"Content-Type":"application/pdf","Kyso-Document-SHA256":"marker-header"}`, body, int64(len(body))
	if err := s.CompleteIdempotencyKey(ctx, rec); err != nil {
		t.Fatalf("CompleteIdempotencyKey(%s, %s) = %v", actor, key, err)
	}
}

func replayOf(t *testing.T, s store.Store, actor, key string) (*store.IdempotencyRecord, error) {
	t.Helper()
	now := time.Now()
	return s.ClaimIdempotencyKey(t.Context(), &store.IdempotencyRecord{Actor: actor, Key: key, Token: "retry", Fingerprint: []byte("fp"),
		LockedUntil: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour)})
}

// pdfWith returns n bytes of a "document" carrying marker several times.
func pdfWith(marker string, n int) []byte {
	b := []byte("%PDF-1.7\n")
	for len(b) < n {
		b = append(b, marker...)
		b = append(b, '\n')
	}
	return b[:n]
}

// TestSealedAnswers: a kept answer is sealed before it reaches the
// database (no byte of the document or its headers in the row), replays
// as it was, also from a store opened afresh on the same database; a
// sealed answer moved into another actor's or key's row, or altered, does
// not decrypt (an internal error, not a crash nor another client's
// document).
func TestSealedAnswers(t *testing.T) {
	for _, b := range []struct {
		name string
		open func(*testing.T) *storetest.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := t.Context()
			c := newGCMCipher(t)
			configure(t, db.Store, store.AnswerConfig{Cipher: c})
			const marker = "KYSO-SECRET-MARKER-4711"
			doc := pdfWith(marker, 64<<10)
			keep(t, db.Store, "client:a", "k1", doc)

			var body []byte
			var header string
			var sealed, stored int64
			if err := db.SQL.QueryRowContext(ctx, `SELECT body, header_json, sealed, stored_bytes FROM idempotency_keys
				WHERE actor = 'client:a' AND idem_key = 'k1'`).Scan(&body, &header, &sealed, &stored); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(body, []byte(marker)) || bytes.Contains(body, []byte("%PDF")) || strings.Contains(header, "marker-header") {
				t.Errorf("the row holds the answer in clear")
			}
			if sealed != 1 || stored != int64(len(body)) || len(body) < len(doc) {
				t.Errorf("row: sealed %d, stored_bytes %d, body %d bytes; want sealed, its length counted", sealed, stored, len(body))
			}

			got, err := replayOf(t, db.Store, "client:a", "k1")
			if err != nil || got.State != store.IdempotencyDone || !bytes.Equal(got.Body, doc) || !strings.Contains(got.Header, "marker-header") || got.Status != 200 {
				t.Fatalf("replay = %+v, %v; want the kept answer", got, err)
			}
			if db.Dialect == "sqlite" {
				// kyso restarted: another store on the same file, the same key.
				again, err := store.OpenSQLite(ctx, db.Path)
				if err != nil {
					t.Fatal(err)
				}
				defer again.Close()
				configure(t, again, store.AnswerConfig{Cipher: c})
				if got, err := replayOf(t, again, "client:a", "k1"); err != nil || !bytes.Equal(got.Body, doc) {
					t.Errorf("replay after a restart = %v; want the kept answer", err)
				}
			}

			// The sealed row copied into another actor's row, and into
			// another key of the same actor; then altered in place.
			keep(t, db.Store, "client:b", "k1", []byte("b's own answer"))
			keep(t, db.Store, "client:a", "k2", []byte("a's second answer"))
			for _, dst := range [][2]string{{"client:b", "k1"}, {"client:a", "k2"}} {
				if _, err := db.SQL.ExecContext(ctx, `UPDATE idempotency_keys SET body = $1, sealed = 1, header_json = '{}'
					WHERE actor = $2 AND idem_key = $3`, body, dst[0], dst[1]); err != nil {
					t.Fatal(err)
				}
				got, err := replayOf(t, db.Store, dst[0], dst[1])
				if !errors.Is(err, store.ErrAnswerUnreadable) || errkind.KindOf(err) != errkind.Internal || got != nil {
					t.Errorf("replay of %s/%s holding a/k1's sealed answer = %+v, %v; want ErrAnswerUnreadable (internal)", dst[0], dst[1], got, err)
				}
			}
			bad := bytes.Clone(body)
			bad[len(bad)-40] ^= 1
			if _, err := db.SQL.ExecContext(ctx, `UPDATE idempotency_keys SET body = $1 WHERE actor = 'client:a' AND idem_key = 'k1'`, bad); err != nil {
				t.Fatal(err)
			}
			if _, err := replayOf(t, db.Store, "client:a", "k1"); !errors.Is(err, store.ErrAnswerUnreadable) {
				t.Errorf("replay of an altered sealed answer = %v; want ErrAnswerUnreadable", err)
			}
			// Without a cipher a sealed answer is not replayed either.
			configure(t, db.Store, store.AnswerConfig{})
			if _, err := replayOf(t, db.Store, "client:b", "k1"); !errors.Is(err, store.ErrAnswerUnreadable) {
				t.Errorf("replay of a sealed answer without a cipher = %v; want ErrAnswerUnreadable", err)
			}
		})
	}
}

type failingCipher struct{ gcmCipher }

func (failingCipher) Encrypt(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errkind.New(errkind.Unavailable, "vault sealed")
}

// TestAnswerNotSealed: an answer that cannot be sealed (Vault away) is
// not kept, neither in clear: the record is done without it, so its retry
// is not done again.
func TestAnswerNotSealed(t *testing.T) {
	db := storetest.OpenSQLite(t)
	ctx := t.Context()
	configure(t, db.Store, store.AnswerConfig{Cipher: &failingCipher{}})
	now := time.Now()
	rec := &store.IdempotencyRecord{Actor: "client:a", Key: "k", Token: "t", Fingerprint: []byte("fp"),
		LockedUntil: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour)}
	if _, err := db.Store.ClaimIdempotencyKey(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Status, rec.Body, rec.BodySize = 200, []byte("%PDF-1.7 secret"), 15
	if err := db.Store.CompleteIdempotencyKey(ctx, rec); !errors.Is(err, store.ErrAnswerNotSealed) {
		t.Fatalf("CompleteIdempotencyKey with a failing cipher = %v, want ErrAnswerNotSealed", err)
	}
	var n int
	if err := db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM idempotency_keys WHERE body IS NOT NULL`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rows with a body = %d, %v; want none", n, err)
	}
	got, err := replayOf(t, db.Store, "client:a", "k")
	if err != nil || got.State != store.IdempotencyDone || got.Body != nil || got.BodySize != 15 || got.Token != "t" {
		t.Errorf("retry = %+v, %v; want the done record without its answer", got, err)
	}
}

// TestAnswerQuota: an actor's kept answers stay within the quota; keeping
// one evicts that actor's oldest first, never another actor's, and an
// evicted key replays as Evicted (done, no body), not as a fresh key. An
// answer larger than the quota is not kept, and evicts nothing.
func TestAnswerQuota(t *testing.T) {
	for _, b := range []struct {
		name string
		open func(*testing.T) *storetest.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := t.Context()
			// Each sealed answer of 1000 bytes costs about 1,200: the
			// quota holds two.
			configure(t, db.Store, store.AnswerConfig{Cipher: newGCMCipher(t), QuotaBytes: 2600})
			doc := func(i int) []byte { return bytes.Repeat([]byte{byte('0' + i)}, 1000) }
			keep(t, db.Store, "client:b", "other", doc(9))
			for i := 1; i <= 3; i++ {
				keep(t, db.Store, "client:a", "k"+string(rune('0'+i)), doc(i))
			}
			state := func() string {
				var out []string
				for _, k := range []string{"k1", "k2", "k3", "k4", "big"} {
					got, err := replayOf(t, db.Store, "client:a", k)
					switch {
					case err != nil:
						t.Fatalf("replay of %s = %v", k, err)
					case got.Token == "retry":
						// never completed: the claim took it; let go
						if err := db.Store.ReleaseIdempotencyKey(ctx, "client:a", k, "retry"); err != nil {
							t.Fatal(err)
						}
						continue
					case got.Evicted && got.Body == nil && got.State == store.IdempotencyDone:
						out = append(out, k+":evicted")
					case got.Body == nil:
						out = append(out, k+":not-kept")
					case bytes.Equal(got.Body, doc(int(k[1]-'0'))):
						out = append(out, k+":kept")
					default:
						out = append(out, k+":wrong")
					}
				}
				return strings.Join(out, " ")
			}
			if got, want := state(), "k1:evicted k2:kept k3:kept"; got != want {
				t.Errorf("after three answers: %s; want %s", got, want)
			}
			keep(t, db.Store, "client:a", "k4", doc(4))
			if got, want := state(), "k1:evicted k2:evicted k3:kept k4:kept"; got != want {
				t.Errorf("after four answers: %s; want %s", got, want)
			}
			keep(t, db.Store, "client:a", "big", bytes.Repeat([]byte("x"), 3000))
			if got, want := state(), "k1:evicted k2:evicted k3:kept k4:kept big:not-kept"; got != want {
				t.Errorf("after an answer over the quota: %s; want %s", got, want)
			}
			if got, err := replayOf(t, db.Store, "client:b", "other"); err != nil || !bytes.Equal(got.Body, doc(9)) {
				t.Errorf("another actor's answer = %v; want it kept", err)
			}
			var total int64
			if err := db.SQL.QueryRowContext(ctx, `SELECT SUM(stored_bytes) FROM idempotency_keys WHERE actor = 'client:a'`).Scan(&total); err != nil {
				t.Fatal(err)
			}
			if total > 2600 {
				t.Errorf("client:a keeps %d bytes, over its quota of 2600", total)
			}
		})
	}
}
