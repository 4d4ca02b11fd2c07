package keys_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
)

// slowEnv is a Manager that reaches the shared Vault through a SlowTransit
// proxy, on a fresh mount, and a Manager that reaches it directly, for
// looking at what Vault holds.
type slowEnv struct {
	m, direct *keys.Manager
	client    *api.Client // the proxy's client of m
	proxy     *vaulttest.SlowTransit
	mount     string
}

func newSlowEnv(t *testing.T, cfg keys.Config) *slowEnv {
	t.Helper()
	root := vaulttest.Client(t)
	p := vaulttest.NewSlowTransit(t, vaulttest.Server().Addr)
	c, err := root.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetAddress(p.URL); err != nil {
		t.Fatal(err)
	}
	c.SetToken(root.Token())
	cfg.Mount = vaulttest.NewMount(t)
	m, err := keys.New(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &slowEnv{m: m, direct: managerFor(t, root, cfg.Mount), client: c, proxy: p, mount: cfg.Mount}
}

// checkKey checks that Vault holds name as Create makes it: of type kt,
// not exportable, one version.
func checkKey(t *testing.T, m *keys.Manager, name string, kt keys.KeyType) {
	t.Helper()
	info, err := m.Info(context.Background(), name)
	if err != nil {
		t.Fatalf("Info(%q) = %v", name, err)
	}
	if info.Type != kt || info.Exportable || info.AllowPlaintextBackup || info.LatestVersion != 1 {
		t.Errorf("Info(%q) = %+v, want a non-exportable %s key with one version", name, info, kt)
	}
}

// TestCreateSlowerThanTimeout: Vault takes longer to create a key than
// Config.Timeout allows a call; the creation has its own deadline and
// succeeds.
func TestCreateSlowerThanTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 2 * time.Second
	e := newSlowEnv(t, keys.Config{Timeout: timeout})
	m, direct, p := e.m, e.direct, e.proxy
	p.SetRule(func(string, int) vaulttest.Hold { return vaulttest.Hold{Delay: timeout + time.Second} })
	if err := m.Create(context.Background(), "slow", keys.RSA2048); err != nil {
		t.Fatalf("Create(slow) = %v, want nil", err)
	}
	got := p.Creations()
	if len(got) != 1 || !got[0].Answered || got[0].GaveUp {
		t.Errorf("creations = %+v, want one, answered after %v", got, timeout+time.Second)
	}
	checkKey(t, direct, "slow", keys.RSA2048)
}

// TestCreateCutOffReconciled: the creation outlives CreateTimeout and kyso
// gives up, but Vault creates the key: Create finds it and uses it.
func TestCreateCutOffReconciled(t *testing.T) {
	t.Parallel()
	e := newSlowEnv(t, keys.Config{CreateTimeout: time.Second})
	m, direct, p := e.m, e.direct, e.proxy
	p.SetRule(func(_ string, attempt int) vaulttest.Hold { return vaulttest.Hold{CutOff: attempt == 1} })
	if err := m.Create(context.Background(), "cut", keys.RSA2048); err != nil {
		t.Fatalf("Create(cut) = %v, want nil (the key Vault made)", err)
	}
	got := p.Creations()
	if len(got) != 1 || !got[0].GaveUp || got[0].Status != 200 {
		t.Errorf("creations = %+v, want one, made by Vault after kyso gave up", got)
	}
	checkKey(t, direct, "cut", keys.RSA2048)
}

// TestCreateCutOffLate: Vault creates the key only after kyso gave up and
// looked for it. Create reports Vault unavailable, and the next Create of
// the name returns the key Vault made meanwhile.
func TestCreateCutOffLate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSlowEnv(t, keys.Config{CreateTimeout: time.Second})
	m, direct, p := e.m, e.direct, e.proxy
	p.SetRule(func(_ string, attempt int) vaulttest.Hold {
		return vaulttest.Hold{CutOff: attempt == 1, Late: attempt == 1}
	})
	err := m.Create(ctx, "late", keys.RSA2048)
	if !errors.Is(err, keys.ErrUnavailable) || !strings.Contains(err.Error(), "creating it again reuses it") {
		t.Fatalf("Create(late) = %v, want ErrUnavailable saying a retry reuses the key", err)
	}
	if _, err := direct.Info(ctx, "late"); !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("Info(late) before the retry = %v, want ErrNotFound", err)
	}
	// Again, as kyso restarted with the default creation deadline: the
	// held creation reaches Vault first, then this one.
	if err := managerFor(t, e.client, e.mount).Create(ctx, "late", keys.RSA2048); err != nil {
		t.Fatalf("Create(late) again = %v, want nil", err)
	}
	got := p.Creations()
	if len(got) != 2 || !got[0].GaveUp || got[0].Status != 200 || !got[1].Answered || got[1].Status != 200 {
		t.Errorf("creations = %+v, want the first made by Vault after kyso gave up, the second answered", got)
	}
	checkKey(t, direct, "late", keys.RSA2048)
}

// TestCreateCutOffOtherKey: a creation cut off on kyso's side is not
// reconciled with a key of the same name that is not the one asked for.
func TestCreateCutOffOtherKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSlowEnv(t, keys.Config{CreateTimeout: time.Second})
	if _, err := vaulttest.Client(t).Logical().Write(e.mount+"/keys/other", map[string]any{"type": "rsa-2048", "exportable": true}); err != nil {
		t.Fatal(err)
	}
	e.proxy.SetRule(func(string, int) vaulttest.Hold { return vaulttest.Hold{CutOff: true} })
	if err := e.m.Create(ctx, "other", keys.RSA2048); !errors.Is(err, keys.ErrConflict) {
		t.Errorf("Create(other) = %v, want ErrConflict (the key in Vault is exportable)", err)
	}
}
