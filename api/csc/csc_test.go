package csc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
)

func TestMain(m *testing.M) { os.Exit(vaulttest.Main(m)) }

// clientTable is a table of clients, what the tokens read on each request.
type clientTable map[string]*model.Client

func (t clientTable) Authenticate(context.Context, string) (*model.Client, error) {
	return nil, errkind.New(errkind.Unauthorized, "no")
}

func (t clientTable) Client(_ context.Context, id string) (*model.Client, error) {
	c, ok := t[id]
	if !ok {
		return nil, errkind.New(errkind.NotFound, "no such client")
	}
	cp := *c
	return &cp, nil
}

// tokenKey is a MAC on a fresh Transit mount of the test Vault.
func tokenKey(t *testing.T) *keys.MAC {
	t.Helper()
	m, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t)})
	if err != nil {
		t.Fatal(err)
	}
	k, err := m.MAC(context.Background(), "kyso-csc-tokens")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestTokens: a token names its client until it expires, and fails at
// once when the client is disabled, deleted or its key rotated, or when a
// byte of it changes; its tag is made in Vault, so a token tagged with
// anything kyso's database holds (the client's key hash, as before) is
// refused.
func TestTokens(t *testing.T) {
	now := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	keyHash := sha256.Sum256([]byte("kyso_cli_a"))
	table := clientTable{"cli_a": {ID: "cli_a", KeyHash: keyHash[:]}}
	tk := &Tokens{clients: table, key: tokenKey(t), ttl: 10 * time.Minute, now: func() time.Time { return now }}
	ctx := context.Background()
	tok, ttl, err := tk.Issue(ctx, table["cli_a"])
	if err != nil || ttl != 10*time.Minute {
		t.Fatalf("Issue = %v, %v", ttl, err)
	}
	if c, err := tk.Check(ctx, tok); err != nil || c.ID != "cli_a" {
		t.Fatalf("Check(fresh token) = %v, %v; want cli_a", c, err)
	}
	refused := func(name string, tok string) {
		t.Helper()
		if _, err := tk.Check(ctx, tok); classify(err).Name != ErrInvalidToken {
			t.Errorf("%s: Check = %v, want invalid_token", name, err)
		}
	}
	flipped := []byte(tok)
	flipped[len(tokenPrefix)+2] ^= 1
	refused("a byte changed", string(flipped))
	refused("another prefix", "kyso_cli_"+tok[len(tokenPrefix):])

	// Forged by someone who read the clients table: the payload of a
	// real token for a later expiry, tagged with the key hash.
	p64, _, _ := strings.Cut(strings.TrimPrefix(tok, tokenPrefix), ".")
	payload, _ := base64.RawURLEncoding.DecodeString(p64)
	parts := strings.Split(string(payload), "|")
	forgedPayload := parts[0] + "|" + strconv.FormatInt(now.Add(time.Hour).Unix(), 10) + "|" + parts[2]
	m := hmac.New(sha256.New, keyHash[:])
	m.Write(tokenMessage(keyHash[:], forgedPayload))
	b := base64.RawURLEncoding
	refused("tagged with the stored key hash", tokenPrefix+b.EncodeToString([]byte(forgedPayload))+"."+b.EncodeToString(m.Sum(nil)))
	refused("tagged as Vault would, with the key hash", tokenPrefix+b.EncodeToString([]byte(forgedPayload))+"."+
		b.EncodeToString([]byte("vault:v1:"+base64.StdEncoding.EncodeToString(m.Sum(nil)))))

	now = now.Add(10 * time.Minute)
	refused("expired", tok)
	now = now.Add(-10 * time.Minute)

	table["cli_a"].Disabled = true
	refused("client disabled", tok)
	table["cli_a"].Disabled = false

	other := sha256.Sum256([]byte("kyso_cli_rotated"))
	table["cli_a"].KeyHash = other[:]
	refused("key rotated", tok)
	table["cli_a"].KeyHash = keyHash[:]

	table["cli_a"].ExpiresAt = now
	refused("client expired", tok)
	table["cli_a"].ExpiresAt = time.Time{}

	if _, err := tk.Check(ctx, tok); err != nil {
		t.Fatalf("Check(the token, its client as it was) = %v", err)
	}
	delete(table, "cli_a")
	refused("client deleted", tok)

	// Without a token key no token is issued (503) and none is accepted.
	none := &Tokens{clients: table, ttl: time.Minute, now: time.Now}
	if _, _, err := none.Issue(ctx, &model.Client{ID: "cli_a"}); classify(err).Status != 503 {
		t.Errorf("Issue without a token key = %v, want 503", err)
	}
}

func pssParamsB64(t *testing.T, h, mgf string, salt int) string {
	t.Helper()
	mgfHash, err := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: oid(mgf)})
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(pssParams{
		Hash:         pkix.AlgorithmIdentifier{Algorithm: oid(h)},
		MGF:          pkix.AlgorithmIdentifier{Algorithm: oid(oidMGF1), Parameters: asn1.RawValue{FullBytes: mgfHash}},
		SaltLength:   salt,
		TrailerField: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func oid(s string) asn1.ObjectIdentifier {
	var o asn1.ObjectIdentifier
	n := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			o = append(o, n)
			n = 0
			continue
		}
		n = n*10 + int(s[i]-'0')
	}
	return o
}

// TestScheme: signAlgo, signAlgoParams and the digest algorithm become the
// signer options, or a clear invalid_request.
func TestScheme(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                 string
		pub                  crypto.PublicKey
		algo, params, hash   string
		wantHash             crypto.Hash
		wantPSS, wantRefused bool
	}{
		{"rsaEncryption with SHA-256", &rk.PublicKey, oidRSA, "", oidSHA256, crypto.SHA256, false, false},
		{"sha384WithRSA, hash implied", &rk.PublicKey, oidSHA384RSA, "", "", crypto.SHA384, false, false},
		{"rsaEncryption without hash", &rk.PublicKey, oidRSA, "", "", 0, false, true},
		{"sha256WithRSA and hashAlgo SHA-512", &rk.PublicKey, oidSHA256RSA, "", oidSHA512, 0, false, true},
		{"PSS SHA-256", &rk.PublicKey, oidRSAPSS, pssParamsB64(t, oidSHA256, oidSHA256, 32), oidSHA256, crypto.SHA256, true, false},
		{"PSS SHA-512, no hashAlgo", &rk.PublicKey, oidRSAPSS, pssParamsB64(t, oidSHA512, oidSHA512, 64), "", crypto.SHA512, true, false},
		{"PSS without params", &rk.PublicKey, oidRSAPSS, "", oidSHA256, 0, true, true},
		{"PSS salt 20", &rk.PublicKey, oidRSAPSS, pssParamsB64(t, oidSHA256, oidSHA256, 20), oidSHA256, 0, true, true},
		{"PSS MGF1 with another hash", &rk.PublicKey, oidRSAPSS, pssParamsB64(t, oidSHA256, oidSHA384, 32), oidSHA256, 0, true, true},
		{"PSS params not DER", &rk.PublicKey, oidRSAPSS, "AAAA", oidSHA256, 0, true, true},
		{"params with PKCS#1", &rk.PublicKey, oidSHA256RSA, pssParamsB64(t, oidSHA256, oidSHA256, 32), "", 0, false, true},
		{"SHA-1", &rk.PublicKey, oidSHA1RSA, "", "", 0, false, true},
		{"hashAlgo SHA-1", &rk.PublicKey, oidRSA, "", oidSHA1, 0, false, true},
		{"ECDSA on an RSA key", &rk.PublicKey, oidECDSASHA256, "", "", 0, false, true},
		{"RSA on an EC key", &ek.PublicKey, oidRSA, "", oidSHA256, 0, false, true},
		{"ECDSA SHA-384", &ek.PublicKey, oidECDSASHA384, "", "", crypto.SHA384, false, false},
		{"no signAlgo", &rk.PublicKey, "", "", oidSHA256, 0, false, true},
		{"unknown OID", &rk.PublicKey, "1.2.3.4", "", oidSHA256, 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scheme(tc.pub, tc.algo, tc.params, tc.hash)
			if tc.wantRefused {
				if classify(err).Name != ErrInvalidRequest {
					t.Fatalf("scheme = %+v, %v; want invalid_request", s, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("scheme: %v", err)
			}
			if s.hash != tc.wantHash || s.opts.HashFunc() != tc.wantHash {
				t.Errorf("scheme hash = %v (opts %v), want %v", s.hash, s.opts.HashFunc(), tc.wantHash)
			}
			pss, isPSS := s.opts.(*rsa.PSSOptions)
			if isPSS != tc.wantPSS || isPSS && pss.SaltLength != tc.wantHash.Size() {
				t.Errorf("scheme opts = %#v, want PSS %t with a digest-long salt", s.opts, tc.wantPSS)
			}
		})
	}
}

// TestHashList: hashes of the wrong length, both v1 and v2 names, or more
// than multisign are refused.
func TestHashList(t *testing.T) {
	h := New(Config{Multisign: 2}, Deps{})
	d32 := base64.StdEncoding.EncodeToString(make([]byte, 32))
	d48 := base64.StdEncoding.EncodeToString(make([]byte, 48))
	if _, alg, err := h.hashList(nil, []string{d48}, ""); err != nil || alg != crypto.SHA384 {
		t.Errorf("hashList(48 bytes) = %v, %v; want SHA-384", alg, err)
	}
	for name, tc := range map[string]struct {
		v1, v2 []string
		oid    string
	}{
		"both names":       {[]string{d32}, []string{d32}, ""},
		"wrong length":     {nil, []string{d32}, oidSHA512},
		"mixed lengths":    {nil, []string{d32, d48}, ""},
		"beyond multisign": {nil, []string{d32, d32, d32}, ""},
		"not base64":       {nil, []string{"%%%"}, ""},
		"SHA-1":            {nil, []string{d32}, oidSHA1},
	} {
		if _, _, err := h.hashList(tc.v1, tc.v2, tc.oid); classify(err).Name != ErrInvalidRequest {
			t.Errorf("hashList(%s) = %v, want invalid_request", name, err)
		}
	}
}
