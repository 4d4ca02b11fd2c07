package app_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/store"
)

func TestMain(m *testing.M) { os.Exit(vaulttest.Main(m)) }

const (
	citizenPIN = "274839"
	hanoi      = "Ủy ban nhân dân Thành phố Hà Nội"
)

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// scal2 is the remote-signing floor over real SQLite and a real Vault
// Transit key (the TOTP seeds), with a citizen "cred_citizen" bound to
// client A, enrolled with citizenPIN and a TOTP seed. The signing keys
// are test keys in memory: the CA's lookup is not what these tests are
// about.
type scal2 struct {
	st       store.Store
	remote   *app.Remote
	sign     *app.Sign
	factors  *auth.Factors
	pins     *auth.PINs
	totp     *auth.TOTP
	creds    credentials
	clock    *testClock
	seed     string
	pub      *rsa.PublicKey // of the citizen's key, in Vault Transit
	a, b, c  model.Caller   // A and B bound to the citizen, C not
	official model.Caller   // bound to the agency only
}

func newSCAL2(t *testing.T) *scal2 {
	t.Helper()
	ctx := t.Context()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range []string{"cred_citizen", "cred_other"} {
		if err := st.CreateCredential(ctx, &model.Credential{ID: id, Profile: "citizen", SubjectJSON: "{}", KeyName: "k_" + id,
			KeyType: "rsa-2048", Status: model.CredentialActive}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"cli_a", "cli_b", "cli_c"} {
		if err := st.CreateClient(ctx, &model.Client{ID: c, Name: "Cổng dịch vụ công " + c, Organizations: []string{hanoi},
			KeyHash: []byte("hash-" + c)}); err != nil {
			t.Fatal(err)
		}
	}
	km, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t)})
	if err != nil {
		t.Fatal(err)
	}
	cipher, err := km.Cipher(ctx, "kyso-totp")
	if err != nil {
		t.Fatal(err)
	}
	consent := store.ConsentOf(st)
	clock := &testClock{t: time.Date(2026, 12, 7, 8, 0, 5, 0, time.UTC)}
	pins := auth.NewPINs(st)
	totp := auth.NewTOTP(consent, cipher, clock.now)
	seeds := map[string]string{}
	for _, id := range []string{"cred_citizen", "cred_other"} {
		if err := pins.SetPIN(ctx, id, citizenPIN); err != nil {
			t.Fatal(err)
		}
		enr, err := totp.Enroll(ctx, id, "Nguyễn Văn An")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(enr.URI)
		seeds[id] = u.Query().Get("secret")
	}
	for _, b := range [][2]string{{"cred_citizen", "cli_a"}, {"cred_citizen", "cli_b"}, {"cred_other", "cli_a"}} {
		if err := consent.BindClient(ctx, b[0], b[1]); err != nil {
			t.Fatal(err)
		}
	}
	// The signing key is a real Transit key: Remote.SignHashes goes
	// through keys.Signer's batch path (one Transit call per request).
	if err := km.Create(ctx, "k-citizen", keys.RSA2048); err != nil {
		t.Fatal(err)
	}
	key, err := km.Signer(ctx, "k-citizen", 1)
	if err != nil {
		t.Fatal(err)
	}
	cert := selfSigned(t, key)
	creds := credentials{
		"cred_citizen":  {ID: "cred_citizen", Profile: "citizen", HolderName: "Nguyễn Văn An", CCCD: "001099012345", Key: model.Key{Signer: key, Cert: cert}},
		"cred_other":    {ID: "cred_other", Profile: "citizen", HolderName: "Trần Thị Bình", Key: model.Key{Signer: key, Cert: cert}},
		"cred_official": {ID: "cred_official", Profile: "official", Organization: hanoi, Key: model.Key{Signer: key, Cert: cert}},
	}
	factors := auth.NewFactors(pins, totp, consent, clock.now)
	au := auditLog{audit.New(st)}
	remote := app.NewRemote(app.RemoteDeps{Credentials: creds, Factors: factors, Consent: consent, Clients: st, Audit: au},
		app.RemoteConfig{Now: clock.now, ConfirmBaseURL: "https://kyso.test/confirm"})
	sign := app.NewSign(app.SignDeps{Credentials: creds, SAD: remote, Audit: au}, signer.Config{})
	mayUse := func(o string) bool { return o == hanoi }
	return &scal2{st: st, remote: remote, sign: sign, factors: factors, pins: pins, totp: totp, creds: creds, clock: clock, seed: seeds["cred_citizen"], pub: key.Public().(*rsa.PublicKey),
		a:        model.Caller{ClientID: "cli_a", MayUse: mayUse},
		b:        model.Caller{ClientID: "cli_b", MayUse: mayUse},
		c:        model.Caller{ClientID: "cli_c", MayUse: mayUse},
		official: model.Caller{ClientID: "cli_c", MayUse: mayUse}}
}

func selfSigned(t *testing.T, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// otp is the citizen's phone: the code of now. Each call moves the clock
// to the next 30-second step, so that every authorisation has a fresh
// code (a code is accepted once).
func (s *scal2) otp(t *testing.T) string {
	t.Helper()
	s.clock.add(30 * time.Second)
	c, err := auth.Code(s.seed, s.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func digest(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func (s *scal2) authorize(t *testing.T, caller model.Caller, hashes ...[]byte) string {
	t.Helper()
	sad, exp, err := s.remote.Authorize(t.Context(), caller, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: hashes,
		HashAlgorithm: crypto.SHA256, NumSignatures: len(hashes), PIN: citizenPIN, OTP: s.otp(t), DocID: "HS-2026-001", DocName: "Đơn đăng ký.pdf"})
	if err != nil {
		t.Fatalf("Authorize(%s) = %v", caller.ClientID, err)
	}
	if !strings.HasPrefix(sad, "kyso_sad_") || !exp.Equal(s.clock.now().Add(app.DefaultSADLifetime)) {
		t.Fatalf("Authorize = %q, expires %v; want a kyso_sad_ token for %v", sad, exp, app.DefaultSADLifetime)
	}
	return sad
}

func wantKind(t *testing.T, call string, err error, k errkind.Kind) {
	t.Helper()
	if err == nil || errkind.KindOf(err) != k {
		t.Fatalf("%s = %v (kind %v), want kind %v", call, err, errkind.KindOf(err), k)
	}
}

func TestRemoteSignHashes(t *testing.T) {
	s := newSCAL2(t)
	ctx := t.Context()
	h1, h2 := digest("tờ khai 1"), digest("tờ khai 2")
	sad := s.authorize(t, s.a, h1, h2)
	sigs, err := s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h2, h1}, crypto.SHA256)
	if err != nil || len(sigs) != 2 {
		t.Fatalf("SignHashes = %d signatures, %v", len(sigs), err)
	}
	if err := rsa.VerifyPKCS1v15(s.pub, crypto.SHA256, h2, sigs[0]); err != nil {
		t.Errorf("signature 0 does not verify over h2: %v", err)
	}
	// RSASSA-PSS.
	sad = s.authorize(t, s.a, h1)
	pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	sigs, err = s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h1}, pss)
	if err != nil {
		t.Fatalf("SignHashes(PSS) = %v", err)
	}
	if err := rsa.VerifyPSS(s.pub, crypto.SHA256, h1, sigs[0], pss); err != nil {
		t.Errorf("PSS signature does not verify: %v", err)
	}
	// The evidence: the authorisation and its use, with client, hashes,
	// doc_id and factors.
	recs, err := s.st.ListAudit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var authorize, use int
	for _, r := range recs {
		switch r.Action {
		case audit.ActionConsentAuthorize:
			authorize++
			for _, want := range []string{`"client":"cli_a"`, `"doc_id":"HS-2026-001"`, `"factors":["pin","totp"]`, `"mode":"explicit"`, hexOf(h1)} {
				if !strings.Contains(r.Details, want) {
					t.Errorf("authorisation record %s lacks %s", r.Details, want)
				}
			}
			if strings.Contains(r.Details, citizenPIN) || strings.Contains(r.Details, "kyso_sad_") {
				t.Errorf("authorisation record %s holds the PIN or the SAD", r.Details)
			}
		case audit.ActionConsentUse:
			use++
		}
	}
	if authorize != 2 || use != 2 {
		t.Errorf("%d authorisation and %d use records, want 2 and 2", authorize, use)
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// TestRemoteRedTeam: each finding of issue #14 on consent, as an attack
// that must now fail.
func TestRemoteRedTeam(t *testing.T) {
	s := newSCAL2(t)
	ctx := t.Context()
	h1, h2 := digest("hồ sơ 1"), digest("hồ sơ 2")

	t.Run("leaked PIN alone cannot authorise", func(t *testing.T) {
		_, _, err := s.remote.Authorize(ctx, s.a, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h1}, PIN: citizenPIN})
		wantKind(t, "Authorize(PIN, no code)", err, errkind.Consent)
		_, _, err = s.remote.Authorize(ctx, s.a, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h1}, PIN: citizenPIN, OTP: "123456"})
		wantKind(t, "Authorize(PIN, guessed code)", err, errkind.Consent)
	})
	t.Run("leaked PIN alone cannot sign", func(t *testing.T) {
		_, err := s.sign.SignHashes(ctx, s.a, app.HashRequest{CMSRequest: app.CMSRequest{CredentialID: "cred_citizen", PIN: citizenPIN},
			Hashes: [][]byte{h1}})
		wantKind(t, "/v1/sign/hash with a PIN and no SAD", err, errkind.Consent)
		_, err = s.remote.SignHashes(ctx, s.a, "cred_citizen", "", [][]byte{h1}, crypto.SHA256)
		wantKind(t, "SignHashes without a SAD", err, errkind.Consent)
	})
	t.Run("unbound client cannot authorise", func(t *testing.T) {
		_, _, err := s.remote.Authorize(ctx, s.c, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h1}, PIN: citizenPIN, OTP: s.otp(t)})
		wantKind(t, "Authorize(unbound client)", err, errkind.Forbidden)
		_, err = s.remote.OpenTransaction(ctx, s.c, app.TransactionRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h1}})
		wantKind(t, "OpenTransaction(unbound client)", err, errkind.Forbidden)
	})
	t.Run("SAD used twice", func(t *testing.T) {
		sad := s.authorize(t, s.a, h1)
		if _, err := s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h1}, crypto.SHA256); err != nil {
			t.Fatalf("first use = %v", err)
		}
		_, err := s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h1}, crypto.SHA256)
		wantKind(t, "second use", err, errkind.Consent)
	})
	t.Run("SAD used twice at once", func(t *testing.T) {
		sad := s.authorize(t, s.a, h1)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 6 {
			wg.Go(func() {
				if _, err := s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h1}, crypto.SHA256); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d of 6 concurrent uses of one SAD signed, want 1", ok)
		}
	})
	t.Run("SAD for another hash", func(t *testing.T) {
		sad := s.authorize(t, s.a, h1)
		_, err := s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h2}, crypto.SHA256)
		wantKind(t, "SignHashes(other hash)", err, errkind.Consent)
		_, err = s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h1, h2}, crypto.SHA256)
		wantKind(t, "SignHashes(one hash more)", err, errkind.Consent)
		// A refused use does not burn the SAD for its rightful use.
		if _, err := s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h1}, crypto.SHA256); err != nil {
			t.Fatalf("SignHashes(authorised hash) after refused attempts = %v", err)
		}
	})
	t.Run("SAD for another credential", func(t *testing.T) {
		sad := s.authorize(t, s.a, h1)
		_, err := s.remote.SignHashes(ctx, s.a, "cred_other", sad, [][]byte{h1}, crypto.SHA256)
		wantKind(t, "SignHashes(other credential)", err, errkind.Consent)
	})
	t.Run("SAD used by another client", func(t *testing.T) {
		sad := s.authorize(t, s.a, h1)
		// B is bound to the citizen too, but the SAD was given to A.
		_, err := s.remote.SignHashes(ctx, s.b, "cred_citizen", sad, [][]byte{h1}, crypto.SHA256)
		wantKind(t, "SignHashes(client B with A's SAD)", err, errkind.Consent)
		_, err = s.remote.SignHashes(ctx, s.c, "cred_citizen", sad, [][]byte{h1}, crypto.SHA256)
		wantKind(t, "SignHashes(unbound client with A's SAD)", err, errkind.Forbidden)
		_, err = s.sign.SignHashes(ctx, s.b, app.HashRequest{CMSRequest: app.CMSRequest{CredentialID: "cred_citizen", SAD: sad}, Hashes: [][]byte{h1}})
		wantKind(t, "/v1/sign/hash(client B with A's SAD)", err, errkind.Consent)
	})
	t.Run("SAD after expiry", func(t *testing.T) {
		sad := s.authorize(t, s.a, h1)
		s.clock.add(app.DefaultSADLifetime)
		_, err := s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h1}, crypto.SHA256)
		wantKind(t, "SignHashes(expired SAD)", err, errkind.Consent)
	})
	t.Run("extended SAD", func(t *testing.T) {
		sad := s.authorize(t, s.a, h1)
		s.clock.add(4 * time.Minute)
		newSAD, exp, err := s.remote.ExtendSAD(ctx, s.a, "cred_citizen", sad)
		if err != nil || !exp.Equal(s.clock.now().Add(app.DefaultSADLifetime)) {
			t.Fatalf("ExtendSAD = %v, %v", exp, err)
		}
		_, _, err = s.remote.ExtendSAD(ctx, s.b, "cred_citizen", newSAD)
		wantKind(t, "ExtendSAD(other client)", err, errkind.Consent)
		s.clock.add(2 * time.Minute) // past the first expiry
		_, err = s.remote.SignHashes(ctx, s.a, "cred_citizen", sad, [][]byte{h1}, crypto.SHA256)
		wantKind(t, "SignHashes(the replaced SAD)", err, errkind.Consent)
		if _, err := s.remote.SignHashes(ctx, s.a, "cred_citizen", newSAD, [][]byte{h1}, crypto.SHA256); err != nil {
			t.Fatalf("SignHashes(extended SAD) = %v", err)
		}
	})
	t.Run("one client's wrong codes do not lock the others out", func(t *testing.T) {
		for range auth.MaxFactorFailures {
			_, _, err := s.remote.Authorize(ctx, s.b, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h1}, PIN: "999999", OTP: "000000"})
			if err == nil {
				t.Fatal("Authorize(wrong PIN and code) succeeded")
			}
		}
		_, _, err := s.remote.Authorize(ctx, s.b, app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h1}, PIN: citizenPIN, OTP: s.otp(t)})
		wantKind(t, "Authorize(B, right factors, B locked out)", err, errkind.Locked)
		s.authorize(t, s.a, h1) // A still authorises
	})
}

// TestRemoteNativeSigning: /v1/sign/cms (app.Sign) signs a citizen's
// document only with a SAD for that document's SHA-256.
func TestRemoteNativeSigning(t *testing.T) {
	s := newSCAL2(t)
	ctx := t.Context()
	doc := "Tờ khai đăng ký thường trú"
	other := "Một tài liệu khác"
	sad := s.authorize(t, s.a, digest(doc))
	_, err := s.sign.SignCMS(ctx, s.a, app.CMSRequest{CredentialID: "cred_citizen", SAD: sad}, strings.NewReader(other))
	wantKind(t, "SignCMS(another document)", err, errkind.Consent)
	if _, err := s.sign.SignCMS(ctx, s.a, app.CMSRequest{CredentialID: "cred_citizen", SAD: sad}, strings.NewReader(doc)); err != nil {
		t.Fatalf("SignCMS(authorised document) = %v", err)
	}
	_, err = s.sign.SignCMS(ctx, s.a, app.CMSRequest{CredentialID: "cred_citizen", SAD: sad}, strings.NewReader(doc))
	wantKind(t, "SignCMS(SAD again)", err, errkind.Consent)
	// An official's credential signs with the agency binding, no SAD.
	if _, err := s.sign.SignCMS(ctx, s.official, app.CMSRequest{CredentialID: "cred_official"}, strings.NewReader(doc)); err != nil {
		t.Fatalf("SignCMS(official) = %v", err)
	}
}

// TestRemoteConfirmation: the confirmation mode, from the client's
// transaction to the citizen's page and back.
func TestRemoteConfirmation(t *testing.T) {
	s := newSCAL2(t)
	ctx := t.Context()
	h := digest("giấy khai sinh")
	tx, err := s.remote.OpenTransaction(ctx, s.a, app.TransactionRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h},
		DocID: "HS-77", DocName: "Giấy khai sinh.pdf"})
	if err != nil {
		t.Fatalf("OpenTransaction = %v", err)
	}
	u, err := url.Parse(tx.ConfirmURL)
	if err != nil || !strings.HasPrefix(tx.ConfirmURL, "https://kyso.test/confirm/"+tx.ID+"#t=") || u.RawQuery != "" {
		t.Fatalf("ConfirmURL = %q, want the token in the fragment only", tx.ConfirmURL)
	}
	token := strings.TrimPrefix(u.Fragment, "t=")
	if _, err := s.remote.View(ctx, tx.ID, token+"x"); errkind.KindOf(err) != errkind.NotFound {
		t.Fatalf("View(wrong token) = %v, want not found", err)
	}
	v, err := s.remote.View(ctx, tx.ID, token)
	if err != nil || v.DocID != "HS-77" || v.Agency != hanoi || v.State != app.TxPending || len(v.HashPrefixes) != 1 ||
		!strings.HasPrefix(hexOf(h), v.HashPrefixes[0]) || v.HolderMasked != "N. V. An (001******345)" {
		t.Fatalf("View = %+v, %v", v, err)
	}
	// Another client cannot see or poll it.
	if _, err := s.remote.Poll(ctx, s.b, tx.ID); errkind.KindOf(err) != errkind.NotFound {
		t.Fatalf("Poll(client B) = %v, want not found", err)
	}
	if p, err := s.remote.Poll(ctx, s.a, tx.ID); err != nil || p.State != app.TxPending || p.SAD != "" {
		t.Fatalf("Poll(pending) = %+v, %v", p, err)
	}
	wantKind(t, "Confirm(wrong PIN)", s.remote.Confirm(ctx, tx.ID, token, "999999", s.otp(t)), errkind.Consent)
	if err := s.remote.Confirm(ctx, tx.ID, token, citizenPIN, s.otp(t)); err != nil {
		t.Fatalf("Confirm = %v", err)
	}
	wantKind(t, "Confirm again", s.remote.Confirm(ctx, tx.ID, token, citizenPIN, s.otp(t)), errkind.Conflict)
	wantKind(t, "Refuse after confirm", s.remote.Refuse(ctx, tx.ID, token), errkind.Conflict)
	p, err := s.remote.Poll(ctx, s.a, tx.ID)
	if err != nil || p.State != app.TxConfirmed || p.SAD == "" {
		t.Fatalf("Poll(confirmed) = %+v, %v", p, err)
	}
	if p2, err := s.remote.Poll(ctx, s.a, tx.ID); err != nil || p2.State != app.TxConfirmed || p2.SAD != "" {
		t.Fatalf("second Poll(confirmed) = %+v, %v; want no SAD", p2, err)
	}
	if _, err := s.remote.SignHashes(ctx, s.a, "cred_citizen", p.SAD, [][]byte{h}, crypto.SHA256); err != nil {
		t.Fatalf("SignHashes(confirmed SAD) = %v", err)
	}

	// Refused, and expired.
	tx2, err := s.remote.OpenTransaction(ctx, s.a, app.TransactionRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h}})
	if err != nil {
		t.Fatal(err)
	}
	u2, _ := url.Parse(tx2.ConfirmURL)
	if err := s.remote.Refuse(ctx, tx2.ID, strings.TrimPrefix(u2.Fragment, "t=")); err != nil {
		t.Fatalf("Refuse = %v", err)
	}
	if p, err := s.remote.Poll(ctx, s.a, tx2.ID); err != nil || p.State != app.TxRefused || p.SAD != "" {
		t.Fatalf("Poll(refused) = %+v, %v", p, err)
	}
	tx3, err := s.remote.OpenTransaction(ctx, s.a, app.TransactionRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h}})
	if err != nil {
		t.Fatal(err)
	}
	u3, _ := url.Parse(tx3.ConfirmURL)
	s.clock.add(app.DefaultTransactionLifetime)
	wantKind(t, "Confirm(expired)", s.remote.Confirm(ctx, tx3.ID, strings.TrimPrefix(u3.Fragment, "t="), citizenPIN, s.otp(t)), errkind.Conflict)
	if p, err := s.remote.Poll(ctx, s.a, tx3.ID); err != nil || p.State != app.TxExpired {
		t.Fatalf("Poll(expired) = %+v, %v", p, err)
	}
}

func TestAuthorizeChecksShape(t *testing.T) {
	s := newSCAL2(t)
	ctx := t.Context()
	h := digest("x")
	for _, tc := range []struct {
		name string
		req  app.AuthorizeRequest
	}{
		{"no hashes", app.AuthorizeRequest{CredentialID: "cred_citizen", PIN: citizenPIN, OTP: "123456"}},
		{"count differs", app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h}, NumSignatures: 2, PIN: citizenPIN, OTP: "123456"}},
		{"short hash", app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h[:20]}, PIN: citizenPIN, OTP: "123456"}},
		{"SHA-1", app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h[:20]}, HashAlgorithm: crypto.SHA1, PIN: citizenPIN, OTP: "123456"}},
		{"bidi in doc_name", app.AuthorizeRequest{CredentialID: "cred_citizen", Hashes: [][]byte{h}, DocName: "hoadon\u202efdp.exe", PIN: citizenPIN, OTP: "123456"}},
	} {
		_, _, err := s.remote.Authorize(ctx, s.a, tc.req)
		wantKind(t, "Authorize("+tc.name+")", err, errkind.Invalid)
	}
	// None of them counted against the client.
	a, err := store.ConsentOf(s.st).GetConsentAttempts(ctx, "cred_citizen", "cli_a")
	if err != nil || a.Failures != 0 {
		t.Fatalf("attempts after malformed requests = %+v, %v; want none", a, err)
	}
}
