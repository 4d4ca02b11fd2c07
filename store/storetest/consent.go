package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

func consentOf(t *testing.T, s store.Store) store.Consent {
	t.Helper()
	c := store.ConsentOf(s)
	if c == nil {
		t.Fatalf("store %T does not implement store.Consent", s)
	}
	return c
}

// testTOTP pins the replay rule: a time step is accepted once, and never
// after a later one.
func testTOTP(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	c := consentOf(t, s)
	ctx := ctxOf(t)
	mustCredential(t, s, "c1", nil)
	wantErr(t, "SetTOTP(unknown)", c.SetTOTP(ctx, "nope", []byte("vault:v1:x")), store.ErrNotFound)
	_, _, err := c.GetTOTP(ctx, "c1")
	wantErr(t, "GetTOTP(before SetTOTP)", err, store.ErrNotFound)
	wantErr(t, "SetTOTP", c.SetTOTP(ctx, "c1", []byte("vault:v1:x")), nil)
	wantErr(t, "UseTOTPStep(100)", c.UseTOTPStep(ctx, "c1", 100), nil)
	wantErr(t, "UseTOTPStep(100) again", c.UseTOTPStep(ctx, "c1", 100), store.ErrConflict)
	wantErr(t, "UseTOTPStep(99)", c.UseTOTPStep(ctx, "c1", 99), store.ErrConflict)
	wantErr(t, "UseTOTPStep(101)", c.UseTOTPStep(ctx, "c1", 101), nil)
	ct, last, err := c.GetTOTP(ctx, "c1")
	if err != nil || string(ct) != "vault:v1:x" || last != 101 {
		t.Fatalf("GetTOTP = %q, %d, %v; want vault:v1:x, 101", ct, last, err)
	}
	// A new seed starts from step 0.
	wantErr(t, "SetTOTP(new seed)", c.SetTOTP(ctx, "c1", []byte("vault:v1:y")), nil)
	wantErr(t, "UseTOTPStep(50) with the new seed", c.UseTOTPStep(ctx, "c1", 50), nil)

	// Concurrent uses of one step: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if c.UseTOTPStep(ctx, "c1", 200) == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d of 8 concurrent UseTOTPStep(200) succeeded, want 1", n)
	}
}

func testClientBinding(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	c := consentOf(t, s)
	ctx := ctxOf(t)
	mustCredential(t, s, "c1", nil)
	mustCredential(t, s, "c2", nil)
	wantErr(t, "BindClient(unknown credential)", c.BindClient(ctx, "nope", "a"), store.ErrNotFound)
	for _, b := range [][2]string{{"c1", "b"}, {"c1", "a"}, {"c1", "a"}, {"c2", "a"}} {
		wantErr(t, "BindClient", c.BindClient(ctx, b[0], b[1]), nil)
	}
	if ok, err := c.ClientBound(ctx, "c1", "a"); !ok || err != nil {
		t.Errorf("ClientBound(c1, a) = %t, %v, want true", ok, err)
	}
	if ok, err := c.ClientBound(ctx, "c2", "b"); ok || err != nil {
		t.Errorf("ClientBound(c2, b) = %t, %v, want false", ok, err)
	}
	if got, err := c.CredentialClients(ctx, "c1"); err != nil || len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("CredentialClients(c1) = %v, %v, want [a b]", got, err)
	}
	if got, err := c.ClientCredentials(ctx, "a"); err != nil || len(got) != 2 || got[0] != "c1" || got[1] != "c2" {
		t.Errorf("ClientCredentials(a) = %v, %v, want [c1 c2]", got, err)
	}
}

func testConsentAttempts(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	c := consentOf(t, s)
	ctx := ctxOf(t)
	if a, err := c.GetConsentAttempts(ctx, "c1", "a"); err != nil || *a != (model.ConsentAttempts{}) {
		t.Fatalf("GetConsentAttempts before any = %+v, %v, want zero", a, err)
	}
	for want := 1; want <= 3; want++ {
		if n, err := c.CountConsentAttempt(ctx, "c1", "a"); n != want || err != nil {
			t.Fatalf("CountConsentAttempt = %d, %v, want %d", n, err, want)
		}
	}
	if n, err := c.CountConsentAttempt(ctx, "c1", "b"); n != 1 || err != nil {
		t.Fatalf("CountConsentAttempt(other client) = %d, %v, want 1", n, err)
	}
	until := t0.Add(time.Minute)
	if n, err := c.LockConsent(ctx, "c1", "a", until); n != 1 || err != nil {
		t.Fatalf("LockConsent = %d, %v, want 1", n, err)
	}
	a, err := c.GetConsentAttempts(ctx, "c1", "a")
	if err != nil || a.Failures != 0 || a.Lockouts != 1 || !a.LockedUntil.Equal(until) {
		t.Fatalf("GetConsentAttempts(a) = %+v, %v, want 0 failures, 1 lockout, until %v", a, err, until)
	}
	if b, err := c.GetConsentAttempts(ctx, "c1", "b"); err != nil || b.Failures != 1 || !b.LockedUntil.IsZero() {
		t.Fatalf("GetConsentAttempts(b) = %+v, %v, want 1 failure, not locked", b, err)
	}
	wantErr(t, "ResetConsentFailures", c.ResetConsentFailures(ctx, "c1", "b"), nil)
	if b, _ := c.GetConsentAttempts(ctx, "c1", "b"); b.Failures != 0 {
		t.Fatalf("after ResetConsentFailures: %+v", b)
	}
	wantErr(t, "ClearConsentLocks", c.ClearConsentLocks(ctx, "c1"), nil)
	if a, _ := c.GetConsentAttempts(ctx, "c1", "a"); *a != (model.ConsentAttempts{}) {
		t.Fatalf("after ClearConsentLocks: %+v, want zero", a)
	}
}

// testSADs pins the single use of a SAD: it is consumed once, only for
// its credential, client, algorithm and hashes, and only before expiry.
func testSADs(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	c := consentOf(t, s)
	ctx := ctxOf(t)
	now := t0
	d := &model.SAD{TokenHash: []byte("token-1"), CredentialID: "c1", ClientID: "a", HashAlgorithm: "sha-256",
		Hashes: "aa,bb", NumSignatures: 2, DocID: "HS-1", Mode: "explicit", ExpiresAt: now.Add(5 * time.Minute)}
	wantErr(t, "CreateSAD", c.CreateSAD(ctx, d), nil)
	wantErr(t, "CreateSAD(same token)", c.CreateSAD(ctx, &model.SAD{TokenHash: []byte("token-1"), CredentialID: "c1",
		ClientID: "a", HashAlgorithm: "sha-256", Hashes: "aa", NumSignatures: 1, Mode: "explicit", ExpiresAt: now}), store.ErrConflict)
	for _, tc := range []struct {
		name                      string
		token                     string
		cred, client, alg, hashes string
		at                        time.Time
	}{
		{"other token", "token-2", "c1", "a", "sha-256", "aa,bb", now},
		{"other credential", "token-1", "c2", "a", "sha-256", "aa,bb", now},
		{"other client", "token-1", "c1", "b", "sha-256", "aa,bb", now},
		{"other algorithm", "token-1", "c1", "a", "sha-512", "aa,bb", now},
		{"other hashes", "token-1", "c1", "a", "sha-256", "aa,cc", now},
		{"fewer hashes", "token-1", "c1", "a", "sha-256", "aa", now},
		{"expired", "token-1", "c1", "a", "sha-256", "aa,bb", now.Add(5 * time.Minute)},
	} {
		_, err := c.ConsumeSAD(ctx, []byte(tc.token), tc.cred, tc.client, tc.alg, tc.hashes, tc.at)
		wantErr(t, "ConsumeSAD("+tc.name+")", err, store.ErrNotFound)
	}
	// Extend: the old token stops working, the new one works once.
	wantErr(t, "ExtendSAD(other client)", c.ExtendSAD(ctx, []byte("token-1"), []byte("token-x"), "c1", "b", now, now.Add(time.Hour)), store.ErrNotFound)
	wantErr(t, "ExtendSAD", c.ExtendSAD(ctx, []byte("token-1"), []byte("token-3"), "c1", "a", now, now.Add(10*time.Minute)), nil)
	_, err := c.ConsumeSAD(ctx, []byte("token-1"), "c1", "a", "sha-256", "aa,bb", now)
	wantErr(t, "ConsumeSAD(extended token)", err, store.ErrNotFound)

	var wins atomic.Int32
	var wg sync.WaitGroup
	at := now.Add(7 * time.Minute) // past the first expiry, within the extended one
	for range 8 {
		wg.Go(func() {
			if got, err := c.ConsumeSAD(ctx, []byte("token-3"), "c1", "a", "sha-256", "aa,bb", at); err == nil {
				if got.DocID != "HS-1" || got.NumSignatures != 2 || !got.UsedAt.Equal(at) {
					t.Errorf("ConsumeSAD = %+v", got)
				}
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d of 8 concurrent ConsumeSAD succeeded, want 1", n)
	}
}

func testSigningTransactions(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	c := consentOf(t, s)
	ctx := ctxOf(t)
	tx := &model.SigningTransaction{ID: "t1", TokenHash: []byte("tok"), CredentialID: "c1", ClientID: "a",
		HashAlgorithm: "sha-256", Hashes: "aa", NumSignatures: 1, DocID: "HS-1", DocName: "Đơn.pdf",
		State: "pending", CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	wantErr(t, "CreateTransaction", c.CreateTransaction(ctx, tx), nil)
	got, err := c.GetTransaction(ctx, "t1")
	if err != nil || got.DocName != "Đơn.pdf" || got.State != "pending" || !got.ExpiresAt.Equal(tx.ExpiresAt) || string(got.TokenHash) != "tok" {
		t.Fatalf("GetTransaction = %+v, %v", got, err)
	}
	for _, m := range []struct {
		name     string
		from, to string
		at       time.Time
		want     bool
	}{
		{"expired", "pending", "confirmed", t0.Add(10 * time.Minute), false},
		{"confirm", "pending", "confirmed", t0.Add(time.Minute), true},
		{"refuse after confirm", "pending", "refused", t0.Add(time.Minute), false},
		{"deliver", "confirmed", "delivered", t0.Add(20 * time.Minute), true},
		{"deliver twice", "confirmed", "delivered", t0.Add(20 * time.Minute), false},
	} {
		if moved, err := c.MoveTransaction(ctx, "t1", m.from, m.to, m.at); moved != m.want || err != nil {
			t.Fatalf("MoveTransaction(%s) = %t, %v, want %t", m.name, moved, err, m.want)
		}
	}
	_, err = c.MoveTransaction(ctx, "nope", "pending", "refused", t0)
	wantErr(t, "MoveTransaction(unknown)", err, store.ErrNotFound)
	_, err = c.GetTransaction(ctx, "nope")
	wantErr(t, "GetTransaction(unknown)", err, store.ErrNotFound)
}
