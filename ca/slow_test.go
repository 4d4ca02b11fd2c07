package ca_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/store"
)

// slowEnv is a CA whose Vault calls go through a SlowTransit proxy (a
// real Vault behind it, fresh Transit mount), with real SQLite.
type slowEnv struct {
	proxy  *vaulttest.SlowTransit
	direct *keys.Manager // straight to Vault, to see what it holds
	mount  string
	store  store.Store

	mu     sync.Mutex
	events []ca.KeyEvent
}

func newSlowEnv(t *testing.T) *slowEnv {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mount := vaulttest.NewMount(t)
	direct, err := keys.New(vaulttest.Client(t), keys.Config{Mount: mount})
	if err != nil {
		t.Fatal(err)
	}
	return &slowEnv{proxy: vaulttest.NewSlowTransit(t, vaulttest.Server().Addr), direct: direct, mount: mount, store: st}
}

// authority returns a CA on the env's store whose keys.Manager, configured
// as kc, reaches Vault through the proxy. Several authorities on one env
// stand for kyso restarted with another configuration.
func (e *slowEnv) authority(t *testing.T, kc keys.Config) *ca.Authority {
	t.Helper()
	root := vaulttest.Client(t)
	c, err := root.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAddress(e.proxy.URL); err != nil {
		t.Fatal(err)
	}
	c.SetToken(root.Token())
	kc.Mount = e.mount
	km, err := keys.New(c, kc)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ca.New(ca.Config{
		BaseURL:        "http://kyso.test",
		RootKeyType:    "rsa-2048", // fast key generation; the proxy supplies the slowness
		IssuingKeyType: "rsa-2048",
		Progress: func(ev ca.KeyEvent) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.events = append(e.events, ev)
		},
	}, e.store, vaultKeys(km))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// progress returns the key events so far, one line each.
func (e *slowEnv) progress() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.events {
		s := "start " + ev.Role + " " + ev.Key + " " + ev.Type
		if ev.Done {
			s = "done " + ev.Role + " " + ev.Key
			if ev.Err != nil {
				s += " failed"
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

// doctor runs Doctor with the keys Vault holds and no grace period.
func (e *slowEnv) doctor(t *testing.T, a *ca.Authority, repair bool) *ca.DoctorReport {
	t.Helper()
	names, err := e.direct.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := a.Doctor(context.Background(), ca.DoctorOptions{Keys: names, Repair: repair})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// creations returns the proxy's record of the creations of key.
func (e *slowEnv) creations(key string) []vaulttest.Creation {
	var out []vaulttest.Creation
	for _, c := range e.proxy.Creations() {
		if c.Key == key {
			out = append(out, c)
		}
	}
	return out
}

// TestBootstrapSlowKeys: Vault takes longer to create each CA key than a
// Vault call may take; Bootstrap waits for each (keys' creation deadline),
// telling Progress when each starts and ends.
func TestBootstrapSlowKeys(t *testing.T) {
	t.Parallel()
	const timeout = 4 * time.Second
	e := newSlowEnv(t)
	e.proxy.SetRule(func(string, int) vaulttest.Hold { return vaulttest.Hold{Delay: timeout + time.Second} })
	a := e.authority(t, keys.Config{Timeout: timeout})
	if created, err := a.Bootstrap(context.Background()); err != nil || !created {
		t.Fatalf("Bootstrap() = %v, %v; want true, nil", created, err)
	}
	want := strings.Join([]string{
		"start root kyso-root rsa-2048", "done root kyso-root",
		"start issuing CA kyso-issuing-1 rsa-2048", "done issuing CA kyso-issuing-1",
		"start OCSP responder kyso-ocsp-issuing-1 rsa-2048", "done OCSP responder kyso-ocsp-issuing-1",
	}, "\n")
	if got := e.progress(); got != want {
		t.Errorf("progress:\n%s\nwant:\n%s", got, want)
	}
	for _, c := range e.proxy.Creations() {
		if !c.Answered || c.Attempt != 1 {
			t.Errorf("creation %+v: want answered, once, after %v", c, timeout+time.Second)
		}
	}
}

// TestBootstrapAfterCutOffRootKey: the root key's creation is cut off on
// kyso's side and Vault makes the key only afterwards. Bootstrap fails
// with Vault unavailable (errkind.Unavailable); kyso doctor reports the key for information
// (not an orphan to quarantine); the next Bootstrap uses that key.
func TestBootstrapAfterCutOffRootKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSlowEnv(t)
	e.proxy.SetRule(func(key string, attempt int) vaulttest.Hold {
		cut := key == "kyso-root" && attempt == 1
		return vaulttest.Hold{CutOff: cut, Late: cut}
	})
	a := e.authority(t, keys.Config{CreateTimeout: time.Second})
	if _, err := a.Bootstrap(ctx); errkind.KindOf(err) != errkind.Unavailable {
		t.Fatalf("Bootstrap() with the root key cut off = %v, want a Vault-unavailable error", err)
	}
	if got, want := e.progress(), "start root kyso-root rsa-2048\ndone root kyso-root failed"; got != want {
		t.Errorf("progress:\n%s\nwant:\n%s", got, want)
	}
	e.proxy.ForwardLate() // Vault makes the key after kyso gave up
	rep := e.doctor(t, a, true)
	if got := findingKinds(rep); got != "unfinished_ca_key:info" || rep.Problems() != 0 || rep.Findings[0].Subject != "kyso-root" {
		t.Fatalf("Doctor(repair) after the cut-off = %s %+v; want kyso-root as unfinished_ca_key, no problem", got, rep.Findings)
	}
	if q, err := e.store.ListQuarantinedKeys(ctx); err != nil || len(q) != 0 {
		t.Errorf("quarantined keys = %v, %v; want none", q, err)
	}
	made, err := e.direct.PublicKey(ctx, "kyso-root", 1)
	if err != nil {
		t.Fatal(err)
	}

	// Next start, with the default creation deadline.
	a = e.authority(t, keys.Config{})
	if created, err := a.Bootstrap(ctx); err != nil || !created {
		t.Fatalf("Bootstrap() again = %v, %v; want true, nil", created, err)
	}
	rootDER, err := a.IssuerCert(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		t.Fatal(err)
	}
	if !made.(*rsa.PublicKey).Equal(root.PublicKey) {
		t.Error("the root certificate is not for the key Vault made after the cut-off")
	}
	info, err := e.direct.Info(ctx, "kyso-root")
	if err != nil || info.LatestVersion != 1 {
		t.Errorf("Info(kyso-root) = %+v, %v; want one version", info, err)
	}
	if c := e.creations("kyso-root"); len(c) != 2 || !c[0].GaveUp || c[0].Status != 200 || !c[1].Answered {
		t.Errorf("creations of kyso-root = %+v; want one cut off (made by Vault later), one answered", c)
	}
	if rep := e.doctor(t, a, false); len(rep.Findings) != 0 {
		t.Errorf("Doctor() after the second Bootstrap = %s, want nothing", findingKinds(rep))
	}
}

// TestIssueRSA4096SlowerThanTimeout: a subject's RSA-4096 key takes Vault
// longer to create than a Vault call may take; issuance waits for it.
func TestIssueRSA4096SlowerThanTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 4 * time.Second
	e := newSlowEnv(t)
	a := e.authority(t, keys.Config{Timeout: timeout})
	if _, err := a.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.proxy.SetRule(func(string, int) vaulttest.Hold { return vaulttest.Hold{Delay: timeout + time.Second} })
	req := citizen
	req.KeyType = "rsa-4096"
	out, err := a.Issue(context.Background(), req)
	if err != nil {
		t.Fatalf("Issue(rsa-4096) = %v", err)
	}
	if k, ok := out.Leaf.PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() != 4096 {
		t.Errorf("certificate key = %T, want a 4096-bit RSA key", out.Leaf.PublicKey)
	}
	if c := e.creations(out.Record.KeyName); len(c) != 1 || !c[0].Answered {
		t.Errorf("creations of %s = %+v, want one, answered after %v", out.Record.KeyName, c, timeout+time.Second)
	}
}

// TestIssueResumesCutOffKey: the subject key's creation is cut off on
// kyso's side and Vault makes it only later. Issue with a credential ID
// the caller chose fails with Vault unavailable and leaves the
// credential to finish; the same request again (kyso restarted with the
// default creation deadline) resumes that credential with the key Vault
// made. Nothing is left for kyso doctor.
func TestIssueResumesCutOffKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSlowEnv(t)
	a := e.authority(t, keys.Config{CreateTimeout: time.Second})
	if _, err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	e.proxy.SetRule(func(key string, attempt int) vaulttest.Hold {
		cut := strings.HasPrefix(key, "kyso-cred_") && attempt == 1
		return vaulttest.Hold{CutOff: cut, Late: cut}
	})
	id, err := ca.NewCredentialID()
	if err != nil {
		t.Fatal(err)
	}
	req := citizen
	req.CredentialID = id
	if _, err := a.Issue(ctx, req); errkind.KindOf(err) != errkind.Unavailable {
		t.Fatalf("Issue() with the key creation cut off = %v, want a Vault-unavailable error", err)
	}
	if cr, err := e.store.GetCredential(ctx, id); err != nil || cr.Status != store.CredentialActive || cr.CurrentCertID != "" {
		t.Fatalf("credential after the cut-off = %+v, %v; want active, without certificate", cr, err)
	}

	again := e.authority(t, keys.Config{})
	out, err := again.Issue(ctx, req)
	if err != nil {
		t.Fatalf("Issue() again = %v", err)
	}
	if out.Record.CredentialID != id || out.Record.KeyName != "kyso-"+id {
		t.Errorf("Issue() again made credential %s (key %s), want %s resumed", out.Record.CredentialID, out.Record.KeyName, id)
	}
	pub, err := e.direct.PublicKey(ctx, out.Record.KeyName, 1)
	if err != nil || !pub.(*rsa.PublicKey).Equal(out.Leaf.PublicKey) {
		t.Errorf("certificate key differs from Vault's key %s v1 (%v)", out.Record.KeyName, err)
	}
	if c := e.creations(out.Record.KeyName); len(c) != 2 || !c[0].GaveUp || c[0].Status != 200 || !c[1].Answered {
		t.Errorf("creations of %s = %+v; want one cut off (made by Vault later), one answered", out.Record.KeyName, c)
	}
	if rep := e.doctor(t, again, false); len(rep.Findings) != 0 || rep.Credentials != 1 {
		t.Errorf("Doctor() = %s (%d credentials); want nothing, 1 credential", findingKinds(rep), rep.Credentials)
	}
}

// TestIssueCutOffRetires: without a credential ID chosen by the caller,
// nobody finishes the credential: Issue retires it. The key Vault makes
// later is named by that record (no orphan), and the credential cannot be
// resumed.
func TestIssueCutOffRetires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSlowEnv(t)
	a := e.authority(t, keys.Config{CreateTimeout: time.Second})
	if _, err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	e.proxy.SetRule(func(key string, attempt int) vaulttest.Hold {
		cut := strings.HasPrefix(key, "kyso-cred_")
		return vaulttest.Hold{CutOff: cut, Late: cut}
	})
	if _, err := a.Issue(ctx, citizen); errkind.KindOf(err) != errkind.Unavailable {
		t.Fatalf("Issue() with the key creation cut off = %v, want a Vault-unavailable error", err)
	}
	creds, err := e.store.ListCredentials(ctx, "", 10)
	if err != nil || len(creds) != 1 || creds[0].Status != store.CredentialRevoked {
		t.Fatalf("credentials = %+v, %v; want one, retired", creds, err)
	}
	e.proxy.ForwardLate() // Vault makes the key after kyso gave up
	if _, err := e.direct.Info(ctx, creds[0].KeyName); err != nil {
		t.Fatalf("Info(%s) = %v", creds[0].KeyName, err)
	}
	if rep := e.doctor(t, a, false); len(rep.Findings) != 0 {
		t.Errorf("Doctor() = %s, want nothing (the key is the retired credential's)", findingKinds(rep))
	}
	req := citizen
	req.CredentialID = creds[0].ID
	if _, err := a.Issue(ctx, req); !errors.Is(err, ca.ErrCredentialRetired) || !errors.Is(err, ca.ErrConflict) {
		t.Errorf("Issue(retired credential) = %v, want ErrCredentialRetired", err)
	}
}
