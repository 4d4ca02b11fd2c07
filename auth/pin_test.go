package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/errkind"
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

// TestSetPINErrors: SetPIN refuses an unknown credential, a PIN that breaks
// the rules and a credential that is not a citizen's; Unlock an unknown
// credential.
func TestSetPINErrors(t *testing.T) {
	p, s := pinFixture(t)
	ctx := t.Context()
	if err := p.SetPIN(ctx, "nope", testPIN); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPIN(unknown credential) = %v, want ErrNotFound", err)
	}
	if err := p.SetPIN(ctx, "cr2", "1234"); !errors.Is(err, ErrInvalidPIN) || errkind.KindOf(err) != errkind.Invalid {
		t.Errorf("SetPIN(weak) = %v (kind %v), want ErrInvalidPIN of kind Invalid", err, errkind.KindOf(err))
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
	if err := p.Unlock(ctx, "cr1"); err != nil {
		t.Errorf("Unlock(credential not locked) = %v, want nil", err)
	}
}
