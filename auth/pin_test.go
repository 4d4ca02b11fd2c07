package auth

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

const (
	testPIN  = "739164205813"
	wrongPIN = "739164205814"
)

// pinFixture is a store with one credential ("cr1") whose PIN is testPIN.
func pinFixture(t *testing.T) (*PINs, store.Store) {
	t.Helper()
	db := storetest.OpenSQLite(t)
	ctx := t.Context()
	for _, id := range []string{"cr1", "cr2"} {
		err := db.Store.CreateCredential(ctx, &store.Credential{ID: id, Profile: "citizen", SubjectJSON: "{}",
			KeyName: "key-" + id, KeyType: "rsa-2048", Status: store.CredentialActive}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	p := NewPINs(db.Store)
	if err := p.SetPIN(ctx, "cr1", testPIN); err != nil {
		t.Fatalf("SetPIN = %v", err)
	}
	return p, db.Store
}

func failures(t *testing.T, s store.Store, id string) (int, bool) {
	t.Helper()
	_, n, locked, err := s.GetCredentialPIN(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return n, locked
}

// checkNoPIN fails if err's text holds a PIN.
func checkNoPIN(t *testing.T, err error) {
	t.Helper()
	if err != nil && (strings.Contains(err.Error(), testPIN) || strings.Contains(err.Error(), wrongPIN)) {
		t.Errorf("error %q contains the PIN", err)
	}
}

func TestValidatePIN(t *testing.T) {
	tests := []struct {
		pin string
		ok  bool
	}{
		{"739164", true},
		{"739164205813", true},
		{"120000", true},
		{"13579", false},         // too short
		{"7391642058131", false}, // too long
		{"", false},
		{"73916a", false},
		{"７３９１６４", false}, // full-width digits
		{" 739164", false},
		{"000000", false},
		{"123456", false},
		{"987654", false},
		{"23456789", false},
		{"234567890", true},  // 9 -> 0 is not a run
		{"1234567890", true}, // 9 -> 0 is not a run
	}
	for _, tt := range tests {
		err := ValidatePIN(tt.pin)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidPIN)) {
			t.Errorf("ValidatePIN(%q) = %v, want ok=%t", tt.pin, err, tt.ok)
		}
		if err != nil && tt.pin != "" && strings.Contains(err.Error(), tt.pin) {
			t.Errorf("ValidatePIN(%q) error %q contains the PIN", tt.pin, err)
		}
		if _, herr := HashPIN(tt.pin); (herr == nil) != tt.ok {
			t.Errorf("HashPIN(%q) = %v, want ok=%t", tt.pin, herr, tt.ok)
		}
	}
}

func TestHashPIN(t *testing.T) {
	h1, err := HashPIN(testPIN)
	if err != nil {
		t.Fatalf("HashPIN = %v", err)
	}
	h2, err := HashPIN(testPIN)
	if err != nil {
		t.Fatalf("HashPIN = %v", err)
	}
	phcRE := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	for _, h := range []string{h1, h2} {
		if !phcRE.MatchString(h) {
			t.Errorf("HashPIN = %q, want an argon2id PHC string (m=19456,t=2,p=1, 16-byte salt, 32-byte hash)", h)
		}
		if strings.Contains(h, testPIN) {
			t.Errorf("HashPIN = %q contains the PIN", h)
		}
	}
	if h1 == h2 {
		t.Error("two hashes of one PIN are equal: salt not random")
	}
	p := &PINs{sem: make(chan struct{}, 1)}
	for _, tt := range []struct {
		pin  string
		want bool
	}{{testPIN, true}, {wrongPIN, false}, {"", false}, {testPIN + "0", false}} {
		got, err := p.matches(t.Context(), h1, tt.pin)
		if err != nil || got != tt.want {
			t.Errorf("matches(%q) = %t, %v; want %t", tt.pin, got, err, tt.want)
		}
	}
}

func TestParsePHC(t *testing.T) {
	good, err := HashPIN(testPIN)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := []struct {
		name string
		s    string
		ok   bool
	}{
		{"kyso's", good, true},
		{"other parameters", "$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$" + key, true},
		{"empty", "", false},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key, false},
		{"old version", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key, false},
		{"memory bomb", "$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + key, false},
		{"time bomb", "$argon2id$v=19$m=19456,t=1000,p=1$" + salt + "$" + key, false},
		{"zero time", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key, false},
		{"zero lanes", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key, false},
		{"parameters reordered", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key, false},
		{"missing parameter", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key, false},
		{"extra parameter", "$argon2id$v=19$m=19456,t=2,p=1,x=1$" + salt + "$" + key, false},
		{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key, false},
		{"short hash", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$aGFzaA", false},
		{"padded base64", good + "=", false},
		{"trailing field", good + "$x", false},
	}
	for _, tt := range tests {
		if _, err := parsePHC(tt.s); (err == nil) != tt.ok {
			t.Errorf("parsePHC(%s) = %v, want ok=%t", tt.name, err, tt.ok)
		} else if err != nil && strings.Contains(err.Error(), salt) {
			t.Errorf("parsePHC(%s) error %q contains the stored hash", tt.name, err)
		}
	}
}

func TestCheckPIN(t *testing.T) {
	p, s := pinFixture(t)
	ctx := t.Context()

	if err := p.CheckPIN(ctx, "cr1", testPIN); err != nil {
		t.Fatalf("CheckPIN(right) = %v", err)
	}
	// Four wrong PINs, then the right one: the count goes back to zero.
	for i := 1; i <= MaxPINFailures-1; i++ {
		err := p.CheckPIN(ctx, "cr1", wrongPIN)
		checkNoPIN(t, err)
		var pe *PINError
		if !errors.As(err, &pe) || pe.Failures != i || pe.Locked || !errors.Is(err, ErrBadPIN) || errors.Is(err, ErrLocked) {
			t.Fatalf("CheckPIN(wrong) #%d = %v, want ErrBadPIN with %d failures, not locked", i, err, i)
		}
	}
	if n, _ := failures(t, s, "cr1"); n != MaxPINFailures-1 {
		t.Errorf("failures = %d, want %d", n, MaxPINFailures-1)
	}
	if err := p.CheckPIN(ctx, "cr1", testPIN); err != nil {
		t.Fatalf("CheckPIN(right) after %d failures = %v", MaxPINFailures-1, err)
	}
	if n, locked := failures(t, s, "cr1"); n != 0 || locked {
		t.Errorf("after the right PIN: failures = %d, locked = %t; want 0, false", n, locked)
	}

	// Four wrong, then the right one as the fifth attempt: it succeeds
	// and does not leave the credential locked.
	for range MaxPINFailures - 1 {
		_ = p.CheckPIN(ctx, "cr1", wrongPIN)
	}
	if err := p.CheckPIN(ctx, "cr1", testPIN); err != nil {
		t.Fatalf("CheckPIN(right) as attempt %d = %v", MaxPINFailures, err)
	}
	if n, locked := failures(t, s, "cr1"); n != 0 || locked {
		t.Errorf("after the right PIN as attempt %d: failures = %d, locked = %t; want 0, false", MaxPINFailures, n, locked)
	}

	// Five wrong PINs lock the credential; the fifth error says so.
	for i := 1; i <= MaxPINFailures; i++ {
		err := p.CheckPIN(ctx, "cr1", wrongPIN)
		checkNoPIN(t, err)
		last := i == MaxPINFailures
		if !errors.Is(err, ErrBadPIN) || errors.Is(err, ErrLocked) != last {
			t.Fatalf("CheckPIN(wrong) #%d = %v, want ErrBadPIN, locked=%t", i, err, last)
		}
	}
	// Locked: the right PIN is refused too, and nothing more is counted.
	for _, pin := range []string{testPIN, wrongPIN, testPIN} {
		if err := p.CheckPIN(ctx, "cr1", pin); !errors.Is(err, ErrLocked) || errors.Is(err, ErrBadPIN) {
			t.Fatalf("CheckPIN on a locked credential = %v, want ErrLocked only", err)
		}
	}
	if n, locked := failures(t, s, "cr1"); n != MaxPINFailures || !locked {
		t.Errorf("locked: failures = %d, locked = %t; want %d, true", n, locked, MaxPINFailures)
	}
	// A new PIN does not unlock either.
	if err := p.SetPIN(ctx, "cr1", "582039"); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckPIN(ctx, "cr1", "582039"); !errors.Is(err, ErrLocked) {
		t.Fatalf("CheckPIN(new PIN) on a locked credential = %v, want ErrLocked", err)
	}
	if err := p.Unlock(ctx, "cr1"); err != nil {
		t.Fatalf("Unlock = %v", err)
	}
	if err := p.CheckPIN(ctx, "cr1", testPIN); !errors.Is(err, ErrBadPIN) {
		t.Errorf("CheckPIN(old PIN) after Unlock = %v, want ErrBadPIN", err)
	}
	if err := p.CheckPIN(ctx, "cr1", "582039"); err != nil {
		t.Errorf("CheckPIN(new PIN) after Unlock = %v", err)
	}
	if n, locked := failures(t, s, "cr1"); n != 0 || locked {
		t.Errorf("after Unlock and the right PIN: failures = %d, locked = %t", n, locked)
	}
}

func TestCheckPINErrors(t *testing.T) {
	p, s := pinFixture(t)
	ctx := t.Context()
	if err := p.CheckPIN(ctx, "cr2", testPIN); !errors.Is(err, ErrNoPIN) {
		t.Errorf("CheckPIN(no PIN set) = %v, want ErrNoPIN", err)
	}
	if err := p.CheckPIN(ctx, "nope", testPIN); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CheckPIN(unknown credential) = %v, want ErrNotFound", err)
	}
	if err := p.SetPIN(ctx, "nope", testPIN); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPIN(unknown credential) = %v, want ErrNotFound", err)
	}
	if err := p.SetPIN(ctx, "cr2", "1234"); !errors.Is(err, ErrInvalidPIN) {
		t.Errorf("SetPIN(weak) = %v, want ErrInvalidPIN", err)
	}
	if err := s.CreateCredential(ctx, &store.Credential{ID: "seal1", Profile: "seal", SubjectJSON: "{}", KeyName: "key-seal1", KeyType: "rsa-2048", Status: store.CredentialActive}, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.SetPIN(ctx, "seal1", "582039"); !errors.Is(err, ErrInvalidPIN) {
		t.Errorf("SetPIN(seal credential) = %v, want ErrInvalidPIN", err)
	}
	if err := p.Unlock(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Unlock(unknown credential) = %v, want ErrNotFound", err)
	}
	// A malformed PIN is a wrong PIN, and counts.
	if err := p.CheckPIN(ctx, "cr1", "not a pin"); !errors.Is(err, ErrBadPIN) {
		t.Errorf("CheckPIN(malformed) = %v, want ErrBadPIN", err)
	}
	// A stored hash with absurd parameters is refused without running it.
	if err := s.SetCredentialPIN(ctx, "cr2", "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckPIN(ctx, "cr2", testPIN); err == nil || errors.Is(err, ErrBadPIN) {
		t.Errorf("CheckPIN(bad stored hash) = %v, want an error that is not ErrBadPIN", err)
	}
}

// TestCheckPINParallel: guesses sent at once get no more tries than guesses
// sent one by one.
func TestCheckPINParallel(t *testing.T) {
	p, s := pinFixture(t)
	ctx := t.Context()
	const n = 2 * MaxPINFailures
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = p.CheckPIN(ctx, "cr1", wrongPIN) })
	}
	wg.Wait()
	compared, lockedBy := 0, 0
	for i, err := range errs {
		checkNoPIN(t, err)
		switch {
		case errors.Is(err, ErrBadPIN):
			compared++
			if errors.Is(err, ErrLocked) {
				lockedBy++
			}
		case errors.Is(err, ErrLocked):
		default:
			t.Errorf("parallel CheckPIN #%d = %v, want ErrBadPIN or ErrLocked", i, err)
		}
	}
	if compared != MaxPINFailures || lockedBy != 1 {
		t.Errorf("%d of %d parallel wrong PINs were compared (%d locked it); want %d compared, 1 locking",
			compared, n, lockedBy, MaxPINFailures)
	}
	if _, locked := failures(t, s, "cr1"); !locked {
		t.Error("credential not locked after parallel wrong PINs")
	}
	if err := p.CheckPIN(ctx, "cr1", testPIN); !errors.Is(err, ErrLocked) {
		t.Errorf("CheckPIN(right) after parallel wrong PINs = %v, want ErrLocked", err)
	}
}
