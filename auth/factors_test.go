package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(vaulttest.Main(m)) }

const factorPIN = "739164205813"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// factorFixture is a citizen credential "cr1" with factorPIN and a TOTP
// seed encrypted by a real Vault Transit key, on real SQLite.
type factorFixture struct {
	factors *auth.Factors
	totp    *auth.TOTP
	store   store.Store
	db      *storetest.DB
	clock   *clock
	seed    string
}

func newFactorFixture(t *testing.T) *factorFixture {
	t.Helper()
	ctx := t.Context()
	db := storetest.OpenSQLite(t)
	if err := db.Store.CreateCredential(ctx, &store.Credential{ID: "cr1", Profile: "citizen", SubjectJSON: "{}",
		KeyName: "key-cr1", KeyType: "rsa-2048", Status: store.CredentialActive}, nil); err != nil {
		t.Fatal(err)
	}
	km, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t)})
	if err != nil {
		t.Fatal(err)
	}
	cipher, err := km.Cipher(ctx, "kyso-totp")
	if err != nil {
		t.Fatal(err)
	}
	pins := auth.NewPINs(db.Store)
	if err := pins.SetPIN(ctx, "cr1", factorPIN); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 12, 7, 8, 0, 10, 0, time.UTC)}
	consent := store.ConsentOf(db.Store)
	tp := auth.NewTOTP(consent, cipher, c.now)
	enr, err := tp.Enroll(ctx, "cr1", "Nguyễn Văn An")
	if err != nil {
		t.Fatalf("Enroll = %v", err)
	}
	u, err := url.Parse(enr.URI)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("issuer") != "kyso" || !strings.HasPrefix(u.Path, "/kyso:") ||
		u.Query().Get("digits") != "6" || u.Query().Get("period") != "30" || u.Query().Get("algorithm") != "SHA1" {
		t.Fatalf("Enroll URI = %q, want otpauth://totp/kyso:…?issuer=kyso, SHA1, 6 digits, 30 s", enr.URI)
	}
	if len(enr.QRPNG) < 100 || string(enr.QRPNG[1:4]) != "PNG" {
		t.Fatalf("Enroll QR code is not a PNG (%d bytes)", len(enr.QRPNG))
	}
	// The seed is stored encrypted only.
	ct, _, err := consent.GetTOTP(ctx, "cr1")
	seed := u.Query().Get("secret")
	if err != nil || !strings.HasPrefix(string(ct), "vault:v1:") || strings.Contains(string(ct), seed) {
		t.Fatalf("stored seed = %q, %v; want a Transit ciphertext", ct, err)
	}
	return &factorFixture{factors: auth.NewFactors(pins, tp, consent, c.now), totp: tp, store: db.Store, db: db, clock: c, seed: seed}
}

func (f *factorFixture) code(t *testing.T, skew time.Duration) string {
	t.Helper()
	c, err := auth.Code(f.seed, f.clock.now().Add(skew))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantKind(t *testing.T, call string, err error, k errkind.Kind) {
	t.Helper()
	if got := errkind.KindOf(err); err == nil || got != k {
		t.Fatalf("%s = %v (kind %v), want kind %v", call, err, got, k)
	}
}

func TestFactorsCheck(t *testing.T) {
	f := newFactorFixture(t)
	ctx := t.Context()
	if err := f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 0)); err != nil {
		t.Fatalf("Check(right PIN, right code) = %v", err)
	}
	// The same code again, in the same step: a replay.
	wantKind(t, "Check(replayed code)", f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 0)), errkind.Consent)
	f.clock.add(30 * time.Second)
	// One step of drift either way is accepted, once.
	if err := f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 30*time.Second)); err != nil {
		t.Fatalf("Check(code of the next step) = %v", err)
	}
	// An earlier step than one already used is a replay too.
	wantKind(t, "Check(code of the previous step)", f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, -30*time.Second)), errkind.Consent)
	f.clock.add(90 * time.Second)
	wantKind(t, "Check(code two steps old)", f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, -60*time.Second)), errkind.Consent)
	wantKind(t, "Check(right code, wrong PIN)", f.factors.Check(ctx, "cr1", "client-a", "739164205814", f.code(t, 0)), errkind.Consent)
	wantKind(t, "Check(right PIN, no code)", f.factors.Check(ctx, "cr1", "client-a", factorPIN, ""), errkind.Consent)
	err := f.factors.Check(ctx, "cr1", "client-c", factorPIN, "12345")
	wantKind(t, "Check(5-digit code)", err, errkind.Consent)
	if strings.Contains(err.Error(), factorPIN) {
		t.Errorf("error %q holds the PIN", err)
	}
	// The PIN alone is not consent: a credential without a second factor
	// cannot authorise.
	if err := f.store.CreateCredential(ctx, &store.Credential{ID: "cr2", Profile: "citizen", SubjectJSON: "{}",
		KeyName: "key-cr2", KeyType: "rsa-2048", Status: store.CredentialActive}, nil); err != nil {
		t.Fatal(err)
	}
	if err := auth.NewPINs(f.store).SetPIN(ctx, "cr2", factorPIN); err != nil {
		t.Fatal(err)
	}
	if err := f.factors.Check(ctx, "cr2", "client-a", factorPIN, "123456"); !errors.Is(err, auth.ErrNoTOTP) {
		t.Fatalf("Check(credential without TOTP) = %v, want ErrNoTOTP", err)
	}
}

// TestFactorsCheckErrors: a credential without a PIN, an unknown one, a
// malformed PIN and a stored hash kyso refuses to run each get their own
// answer, and only the malformed PIN is a wrong attempt.
func TestFactorsCheckErrors(t *testing.T) {
	f := newFactorFixture(t)
	ctx := t.Context()
	if err := f.store.CreateCredential(ctx, &store.Credential{ID: "cr2", Profile: "citizen", SubjectJSON: "{}",
		KeyName: "key-cr2", KeyType: "rsa-2048", Status: store.CredentialActive}, nil); err != nil {
		t.Fatal(err)
	}
	err := f.factors.Check(ctx, "cr2", "client-a", factorPIN, f.code(t, 0))
	if !errors.Is(err, auth.ErrNoPIN) || errkind.KindOf(err) != errkind.Consent ||
		errkind.Message(err) != "the credential has no PIN yet; an administrator sets it (POST /v1/credentials/{id}/pin)" {
		t.Errorf("Check(no PIN set) = %v (kind %v, message %q), want ErrNoPIN, Consent with the no-PIN message",
			err, errkind.KindOf(err), errkind.Message(err))
	}
	if err := f.factors.Check(ctx, "nope", "client-a", factorPIN, f.code(t, 0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Check(unknown credential) = %v, want ErrNotFound", err)
	}
	// A malformed PIN is a wrong one, and counts: the attempts left go
	// down by one.
	err = f.factors.Check(ctx, "cr1", "client-a", "not a pin", f.code(t, 0))
	wantKind(t, "Check(malformed PIN)", err, errkind.Consent)
	if want := fmt.Sprintf("%d attempts left", auth.MaxFactorFailures-1); !strings.Contains(errkind.Message(err), want) {
		t.Errorf("Check(malformed PIN) message %q, want it to say %q", errkind.Message(err), want)
	}
	// A stored hash with absurd parameters is refused without running it:
	// an error, but not a wrong PIN.
	if err := f.store.SetCredentialPIN(ctx, "cr1", "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"); err != nil {
		t.Fatal(err)
	}
	if err := f.factors.Check(ctx, "cr1", "client-b", factorPIN, f.code(t, 0)); err == nil || errkind.KindOf(err) == errkind.Consent {
		t.Errorf("Check(bad stored hash) = %v (kind %v), want an error that is not a wrong PIN", err, errkind.KindOf(err))
	}
}

// TestFactorsOldPINLock: the lock kyso's PIN check before SCAL 2 put on a
// whole credential after 5 wrong PINs, left in a database an older version
// wrote, is not a lock Factors keeps: the citizen authorises with the right
// factors (docs/operations.md says so), the wrong ones are counted per
// client as for any credential, and the old lock stays for older nodes
// until an unlock.
func TestFactorsOldPINLock(t *testing.T) {
	f := newFactorFixture(t)
	ctx := t.Context()
	if _, err := f.db.SQL.ExecContext(ctx, `UPDATE credentials SET pin_failures = 5, pin_locked_at = $1 WHERE id = $2`,
		"2026-03-04T05:06:07.000000000Z", "cr1"); err != nil {
		t.Fatal(err)
	}
	if err := f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 0)); err != nil {
		t.Fatalf("Check(right factors, old lock) = %v, want nil", err)
	}
	f.clock.add(30 * time.Second)
	err := f.factors.Check(ctx, "cr1", "client-a", "111111", f.code(t, 0))
	wantKind(t, "Check(wrong PIN, old lock)", err, errkind.Consent)
	if want := fmt.Sprintf("%d attempts left", auth.MaxFactorFailures-1); !strings.Contains(errkind.Message(err), want) {
		t.Errorf("Check(wrong PIN, old lock) message %q, want it to say %q", errkind.Message(err), want)
	}
	var locked bool
	if err := f.db.SQL.QueryRowContext(ctx, `SELECT pin_locked_at IS NOT NULL FROM credentials WHERE id = $1`, "cr1").Scan(&locked); err != nil || !locked {
		t.Errorf("old lock after Check = %t, %v; want it left for older nodes", locked, err)
	}
}

// TestFactorsLockOnlyThatClient: wrong attempts lock the client that sent
// them out of the credential, for a time that doubles; the citizen's
// other clients still authorise.
func TestFactorsLockOnlyThatClient(t *testing.T) {
	f := newFactorFixture(t)
	ctx := t.Context()
	for i := 1; i < auth.MaxFactorFailures; i++ {
		wantKind(t, "Check(wrong PIN)", f.factors.Check(ctx, "cr1", "client-a", "111111", f.code(t, 0)), errkind.Consent)
	}
	wantKind(t, "Check(last wrong PIN)", f.factors.Check(ctx, "cr1", "client-a", "111111", f.code(t, 0)), errkind.Locked)
	// Locked for client A, even with the right factors.
	wantKind(t, "Check(A, right factors, locked)", f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 0)), errkind.Locked)
	// Client B is not affected.
	if err := f.factors.Check(ctx, "cr1", "client-b", factorPIN, f.code(t, 0)); err != nil {
		t.Fatalf("Check(B) after A locked itself out = %v, want nil", err)
	}
	// After the first lockout (1 min) A may try again.
	f.clock.add(auth.FactorLockout + time.Second)
	if err := f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 0)); err != nil {
		t.Fatalf("Check(A) after the lockout = %v, want nil", err)
	}
	// The second lockout lasts twice as long.
	for range auth.MaxFactorFailures {
		_ = f.factors.Check(ctx, "cr1", "client-a", "111111", "000000")
	}
	f.clock.add(auth.FactorLockout + time.Second)
	wantKind(t, "Check(A) 1 min into the second lockout", f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 0)), errkind.Locked)
	f.clock.add(auth.FactorLockout)
	if err := f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 0)); err != nil {
		t.Fatalf("Check(A) after the second lockout = %v", err)
	}
	// ClearLocks (an officer's unlock, a new PIN) forgets the lockouts.
	for range auth.MaxFactorFailures {
		_ = f.factors.Check(ctx, "cr1", "client-a", "111111", "000000")
	}
	if err := f.factors.ClearLocks(ctx, "cr1"); err != nil {
		t.Fatal(err)
	}
	f.clock.add(30 * time.Second)
	if err := f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 0)); err != nil {
		t.Fatalf("Check(A) after ClearLocks = %v", err)
	}
}

// TestFactorsParallelGuesses: guesses sent at once get no more tries
// than guesses sent one by one.
func TestFactorsParallelGuesses(t *testing.T) {
	f := newFactorFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	compared := 0
	for range 3 * auth.MaxFactorFailures {
		wg.Go(func() {
			err := f.factors.Check(ctx, "cr1", "client-a", "111111", "000000")
			if errkind.KindOf(err) == errkind.Consent {
				mu.Lock()
				compared++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if compared > auth.MaxFactorFailures-1 {
		t.Fatalf("%d parallel guesses were answered 'wrong', want at most %d (the rest locked)", compared, auth.MaxFactorFailures-1)
	}
	wantKind(t, "Check after parallel guesses", f.factors.Check(ctx, "cr1", "client-a", factorPIN, f.code(t, 0)), errkind.Locked)
}
