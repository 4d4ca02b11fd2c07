package store_test

import (
	"database/sql"
	"testing"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

// TestOldPINLock: a credential locked by kyso's PIN check before SCAL 2
// (pin_failures and pin_locked_at, which this version no longer sets) in a
// database an older version wrote: a new PIN sets the old failure count to
// zero and leaves the lock, as that check expects, and UnlockCredential
// clears both, so that an older node still serving in a rolling upgrade
// lets the credential sign again. On SQLite and PostgreSQL.
func TestOldPINLock(t *testing.T) {
	for _, open := range []func(*testing.T) *storetest.DB{storetest.OpenSQLite, storetest.OpenPostgres} {
		db := open(t)
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := t.Context()
			s := db.Store
			if err := s.CreateCredential(ctx, &store.Credential{ID: "cr1", Profile: "citizen", SubjectJSON: "{}",
				KeyName: "key-cr1", KeyType: "rsa-3072", Status: store.CredentialActive}, nil); err != nil {
				t.Fatal(err)
			}
			const h1, h2 = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdDI$aGFzaDI"
			if err := s.SetCredentialPIN(ctx, "cr1", h1); err != nil {
				t.Fatal(err)
			}
			lock := func(failures int) {
				t.Helper()
				if _, err := db.SQL.ExecContext(ctx, `UPDATE credentials SET pin_failures = $1, pin_locked_at = $2 WHERE id = $3`,
					failures, "2026-03-04T05:06:07.000000000Z", "cr1"); err != nil {
					t.Fatalf("lock cr1 as an older version did: %v", err)
				}
			}
			want := func(what, hash string, failures int, locked bool) {
				t.Helper()
				var h string
				var n int
				var lockedAt sql.NullString
				if err := db.SQL.QueryRowContext(ctx, `SELECT pin_hash, pin_failures, pin_locked_at FROM credentials WHERE id = $1`,
					"cr1").Scan(&h, &n, &lockedAt); err != nil {
					t.Fatal(err)
				}
				if h != hash || n != failures || lockedAt.Valid != locked {
					t.Errorf("after %s: pin_hash %q, pin_failures %d, locked %t; want %q, %d, %t", what, h, n, lockedAt.Valid, hash, failures, locked)
				}
			}

			lock(5)
			if err := s.SetCredentialPIN(ctx, "cr1", h2); err != nil {
				t.Fatalf("SetCredentialPIN(locked cr1) = %v", err)
			}
			want("a new PIN", h2, 0, true)
			if got, err := s.GetCredentialPIN(ctx, "cr1"); err != nil || got != h2 {
				t.Errorf("GetCredentialPIN(locked cr1) = %q, %v; want %q, nil", got, err, h2)
			}

			lock(7)
			if err := s.UnlockCredential(ctx, "cr1"); err != nil {
				t.Fatalf("UnlockCredential(locked cr1) = %v", err)
			}
			want("UnlockCredential", h2, 0, false)
			if err := s.UnlockCredential(ctx, "cr1"); err != nil {
				t.Errorf("UnlockCredential(unlocked cr1) = %v, want nil", err)
			}
			want("a second UnlockCredential", h2, 0, false)
		})
	}
}
