package devvault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/vault/api"
)

// File and directory names inside Config.Dir.
const (
	configFile = "vault.hcl"
	dataDir    = "data"
	unsealFile = "unseal.json"
)

const (
	// DefaultMount is the Transit mount Start enables when Config.Mount is empty.
	DefaultMount = "transit"

	// defaultStartTimeout bounds Start when its context has no deadline.
	defaultStartTimeout = 60 * time.Second
	// stopTimeout is how long Stop waits after SIGTERM before it kills Vault.
	stopTimeout = 15 * time.Second
	// pollInterval is the pause between two readiness probes of sys/health.
	pollInterval = 50 * time.Millisecond
	// probeTimeout bounds one readiness probe.
	probeTimeout = 2 * time.Second
	// logTailSize is how much of Vault's output is kept for error messages.
	logTailSize = 8 << 10
)

// unsealWarning is written into unseal.json so nobody mistakes the file for
// a production practice.
const unsealWarning = "INSECURE, DEVELOPMENT ONLY: this file holds the only unseal key and the root token " +
	"of this Vault, in clear text, so that kyso dev can unseal it automatically. Anyone who can read it " +
	"controls every key in this Vault. Production must use a real unseal method (auto-unseal through a " +
	"KMS/HSM or Shamir shares held by different people) and must never write this file."

// Config describes the Vault server Start runs. Bin and Dir are required;
// every other field has a usable zero value.
type Config struct {
	// Bin is the path of the vault binary.
	Bin string
	// Dir holds everything Vault needs across restarts: file storage in
	// Dir/data, the server configuration Dir/vault.hcl and the insecure
	// development unseal material Dir/unseal.json. Created if absent.
	Dir string
	// Listen is the host:port Vault listens on. Empty means a free port on
	// 127.0.0.1.
	Listen string
	// Log receives Vault's stdout and stderr. Nil discards them (the last
	// few kilobytes are still kept for start-up error messages).
	Log io.Writer
	// Mount is the path of the Transit secrets engine Start enables if it is
	// absent. Empty means DefaultMount.
	Mount string
}

// Vault is a running Vault server process started by Start.
type Vault struct {
	// Addr is the server's base address, e.g. http://127.0.0.1:8200.
	Addr string
	// RootToken is the root token created when Dir was first initialised.
	RootToken string
	// Mount is the path of the Transit mount Start ensured.
	Mount string

	unsealKey string
	cmd       *exec.Cmd
	tail      *tailBuffer

	exited  chan struct{} // closed once the process has been reaped
	waitErr error         // the process's exit status; read only after exited is closed

	stopOnce sync.Once
	stopErr  error
}

// unsealMaterial is the content of Dir/unseal.json.
type unsealMaterial struct {
	Warning   string `json:"warning"`
	UnsealKey string `json:"unseal_key"`
	RootToken string `json:"root_token"`
}

// Start runs a Vault server as configured by cfg and returns once it is
// initialised, unsealed, active and has the Transit mount enabled.
//
// On the first start in cfg.Dir it initialises Vault (one key share,
// threshold one) and writes Dir/unseal.json with mode 0600; later starts
// unseal from that file, so keys persist across restarts.
//
// ctx bounds the start-up only (60 seconds if it has no deadline); the
// process keeps running after Start returns until Stop is called. If start-up
// fails or ctx ends first, the process is killed and reaped before Start
// returns, and the error carries the tail of Vault's log.
func Start(ctx context.Context, cfg Config) (*Vault, error) {
	if cfg.Bin == "" {
		return nil, errors.New("devvault: Config.Bin is required")
	}
	if cfg.Dir == "" {
		return nil, errors.New("devvault: Config.Dir is required")
	}
	if _, err := os.Stat(cfg.Bin); err != nil {
		return nil, fmt.Errorf("devvault: vault binary: %w", err)
	}
	// Vault runs in the data directory: a relative binary path must not
	// be resolved from there.
	bin, err := filepath.Abs(cfg.Bin)
	if err != nil {
		return nil, fmt.Errorf("devvault: vault binary: %w", err)
	}
	cfg.Bin = bin
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("devvault: data dir: %w", err)
	}
	mount := strings.Trim(cfg.Mount, "/")
	if mount == "" {
		mount = DefaultMount
	}
	listen := cfg.Listen
	if _, port, err := net.SplitHostPort(listen); err == nil && port == "0" {
		// Port 0: a free port now (Vault needs a fixed address in its
		// configuration).
		l, err := net.Listen("tcp", listen)
		if err != nil {
			return nil, fmt.Errorf("devvault: listen %s: %w", listen, err)
		}
		listen = l.Addr().String()
		l.Close()
	}
	if listen == "" {
		if listen, err = freeAddr(); err != nil {
			return nil, err
		}
	} else if l, err := net.Listen("tcp", listen); err != nil {
		// Without this check a Vault already listening there (another
		// kyso dev) would answer our health checks in place of ours.
		return nil, fmt.Errorf("devvault: %s is already in use (another kyso dev or Vault?); choose another address: %w", listen, err)
	} else {
		l.Close()
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("devvault: listen address %q: %w", listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	addr := "http://" + net.JoinHostPort(host, port)

	if err := os.MkdirAll(filepath.Join(dir, dataDir), 0o700); err != nil {
		return nil, fmt.Errorf("devvault: data dir: %w", err)
	}
	hcl, err := serverConfig(filepath.Join(dir, dataDir), listen, addr)
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, configFile)
	if err := os.WriteFile(cfgPath, []byte(hcl), 0o600); err != nil {
		return nil, fmt.Errorf("devvault: write server config: %w", err)
	}

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}

	v := &Vault{
		Addr:   addr,
		Mount:  mount,
		tail:   &tailBuffer{max: logTailSize},
		exited: make(chan struct{}),
	}
	var out io.Writer = v.tail
	if cfg.Log != nil {
		out = &teeWriter{tail: v.tail, log: cfg.Log}
	}
	// exec.Command, not CommandContext: ctx bounds start-up, not the
	// server's lifetime.
	cmd := exec.Command(cfg.Bin, "server", "-config="+cfgPath)
	cmd.Dir = dir
	cmd.Env = serverEnv()
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devvault: start %s: %w", cfg.Bin, err)
	}
	v.cmd = cmd
	// The only Wait: it reaps the process whatever happens next, so no
	// zombie is left behind.
	go func() {
		v.waitErr = cmd.Wait()
		close(v.exited)
	}()

	if err := v.bootstrap(ctx, dir); err != nil {
		_ = cmd.Process.Kill()
		<-v.exited
		return nil, fmt.Errorf("%w\nvault log tail:\n%s", err, v.tail.String())
	}
	return v, nil
}

// Attach returns a handle on the Vault that a Start in another process
// (kyso dev, say) runs on dir and serves at addr, for tests that seal and
// unseal it: it reads dir/unseal.json for the root token and the unseal
// key. The handle does not own the process: its Mount is empty, PID is 0
// and Stop returns an error.
func Attach(dir, addr string) (*Vault, error) {
	if dir == "" || addr == "" {
		return nil, errors.New("devvault: Attach needs a data dir and an address")
	}
	m, err := readUnsealFile(filepath.Join(dir, unsealFile))
	if err != nil {
		return nil, err
	}
	return &Vault{Addr: addr, RootToken: m.RootToken, unsealKey: m.UnsealKey, tail: &tailBuffer{max: logTailSize}}, nil
}

// bootstrap brings a freshly started server to a usable state: it waits
// for the listener, initialises on first use, unseals and ensures the
// Transit mount.
func (v *Vault) bootstrap(ctx context.Context, dir string) error {
	h, err := v.waitHealth(ctx, func(*api.HealthResponse) bool { return true })
	if err != nil {
		return err
	}
	probe, err := v.newClient("", 0)
	if err != nil {
		return err
	}

	path := filepath.Join(dir, unsealFile)
	var m unsealMaterial
	if !h.Initialized {
		resp, err := probe.Sys().InitWithContext(ctx, &api.InitRequest{SecretShares: 1, SecretThreshold: 1})
		if err != nil {
			return fmt.Errorf("devvault: initialise vault: %w", err)
		}
		if len(resp.KeysB64) != 1 || resp.RootToken == "" {
			return fmt.Errorf("devvault: initialise vault: got %d unseal keys and root token %t, want 1 and true",
				len(resp.KeysB64), resp.RootToken != "")
		}
		m = unsealMaterial{Warning: unsealWarning, UnsealKey: resp.KeysB64[0], RootToken: resp.RootToken}
		if err := writeUnsealFile(path, m); err != nil {
			return err
		}
	} else if m, err = readUnsealFile(path); err != nil {
		return err
	}
	v.unsealKey = m.UnsealKey
	v.RootToken = m.RootToken

	if err := v.Unseal(ctx); err != nil {
		return err
	}
	return v.ensureMount(ctx)
}

// ensureMount enables the Transit engine at v.Mount unless it is already
// there; a different engine at that path is an error.
func (v *Vault) ensureMount(ctx context.Context) error {
	c, err := v.Client()
	if err != nil {
		return err
	}
	mounts, err := c.Sys().ListMountsWithContext(ctx)
	if err != nil {
		return fmt.Errorf("devvault: list mounts: %w", err)
	}
	if m, ok := mounts[v.Mount+"/"]; ok {
		if m.Type != "transit" {
			return fmt.Errorf("devvault: mount %q is a %q engine, want transit", v.Mount, m.Type)
		}
		return nil
	}
	err = c.Sys().MountWithContext(ctx, v.Mount, &api.MountInput{Type: "transit", Description: "kyso keys"})
	if err != nil {
		return fmt.Errorf("devvault: enable transit at %q: %w", v.Mount, err)
	}
	return nil
}

// Client returns a new Vault API client for v authenticated with the root
// token.
func (v *Vault) Client() (*api.Client, error) {
	return v.newClient(v.RootToken, -1)
}

// newClient returns a client for v.Addr with the given token (none if
// empty). maxRetries < 0 keeps the API library's default.
//
// api.DefaultConfig and api.NewClient read VAULT_* variables; the address,
// token and namespace are overridden so that the environment cannot point
// the client at another server.
func (v *Vault) newClient(token string, maxRetries int) (*api.Client, error) {
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, fmt.Errorf("devvault: vault client config: %w", cfg.Error)
	}
	cfg.Address = v.Addr
	if maxRetries >= 0 {
		cfg.MaxRetries = maxRetries
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("devvault: vault client: %w", err)
	}
	c.ClearNamespace()
	if token == "" {
		c.ClearToken()
	} else {
		c.SetToken(token)
	}
	return c, nil
}

// Seal seals Vault, as an operator would in an incident. Calls to Transit
// then fail until Unseal. It is meant for fault tests.
func (v *Vault) Seal(ctx context.Context) error {
	c, err := v.Client()
	if err != nil {
		return err
	}
	if err := c.Sys().SealWithContext(ctx); err != nil {
		return fmt.Errorf("devvault: seal: %w", err)
	}
	return nil
}

// Unseal unseals Vault with the development unseal key and waits until it is
// active again. It is a no-op on an unsealed Vault.
func (v *Vault) Unseal(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}
	c, err := v.newClient("", 0)
	if err != nil {
		return err
	}
	st, err := c.Sys().SealStatusWithContext(ctx)
	if err != nil {
		return fmt.Errorf("devvault: seal status: %w", err)
	}
	if st.Sealed {
		st, err = c.Sys().UnsealWithContext(ctx, v.unsealKey)
		if err != nil {
			return fmt.Errorf("devvault: unseal: %w", err)
		}
		if st.Sealed {
			return errors.New("devvault: unseal: vault is still sealed after the unseal key was accepted")
		}
	}
	_, err = v.waitHealth(ctx, func(h *api.HealthResponse) bool {
		return h.Initialized && !h.Sealed && !h.Standby
	})
	return err
}

// waitHealth polls sys/health until ready reports true, the process exits
// or ctx ends.
func (v *Vault) waitHealth(ctx context.Context, ready func(*api.HealthResponse) bool) (*api.HealthResponse, error) {
	c, err := v.newClient("", 0)
	if err != nil {
		return nil, err
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last error
	for {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		h, err := c.Sys().HealthWithContext(pctx)
		cancel()
		switch {
		case err != nil:
			last = err
		case ready(h):
			return h, nil
		default:
			last = fmt.Errorf("not ready: initialized=%t sealed=%t standby=%t", h.Initialized, h.Sealed, h.Standby)
		}
		select {
		case <-v.exited:
			return nil, fmt.Errorf("devvault: vault exited: %v", v.waitErr)
		case <-ctx.Done():
			return nil, fmt.Errorf("devvault: waiting for vault at %s (last probe: %v): %w", v.Addr, last, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop asks Vault to shut down with SIGTERM and waits for it to exit,
// killing it if it has not exited after 15 seconds. It is safe to call more
// than once; it returns an error if Vault had exited on its own before.
func (v *Vault) Stop() error {
	v.stopOnce.Do(func() { v.stopErr = v.stop(stopTimeout) })
	return v.stopErr
}

// PID is the Vault process's id, for tests that signal it (SIGSTOP makes
// a Vault that accepts connections and answers nothing). It is 0 for a
// Vault found by Attach.
func (v *Vault) PID() int {
	if v.cmd == nil {
		return 0
	}
	return v.cmd.Process.Pid
}

func (v *Vault) stop(timeout time.Duration) error {
	if v.cmd == nil {
		return errors.New("devvault: Stop of a Vault found by Attach: its process belongs to whoever started it")
	}
	select {
	case <-v.exited:
		return fmt.Errorf("devvault: vault had exited unexpectedly: %v\nvault log tail:\n%s", v.waitErr, v.tail.String())
	default:
	}
	if err := v.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		// Not supported on this platform, or already gone: kill.
		_ = v.cmd.Process.Kill()
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-v.exited:
		return nil
	case <-timer.C:
		_ = v.cmd.Process.Kill()
		<-v.exited
		return fmt.Errorf("devvault: vault did not exit within %v of SIGTERM and was killed", timeout)
	}
}

// serverConfig renders the HCL configuration of a single dev node.
func serverConfig(storagePath, listen, apiAddr string) (string, error) {
	sp, err := hclString(storagePath)
	if err != nil {
		return "", err
	}
	la, err := hclString(listen)
	if err != nil {
		return "", err
	}
	aa, err := hclString(apiAddr)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`# Written by kyso's devvault. DEVELOPMENT ONLY: plain HTTP, file storage,
# auto-unseal from unseal.json. Do not use in production.
storage "file" {
  path = %s
}

listener "tcp" {
  address     = %s
  tls_disable = true
}

# No cluster listener: a single node needs none, and it would also bind
# the listener's port + 1.
disable_clustering = true
disable_mlock      = true
api_addr           = %s
ui                 = false
`, sp, la, aa), nil
}

// hclString quotes s as an HCL string literal.
func hclString(s string) (string, error) {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("devvault: control character in %q", s)
		}
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`, nil
}

// serverEnv is the process environment without VAULT_* variables, which
// would otherwise change the server's behaviour (VAULT_API_ADDR,
// VAULT_SEAL_TYPE, ...) behind the configuration written by Start.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") {
			env = append(env, kv)
		}
	}
	return env
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("devvault: find a free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("devvault: find a free port: %w", err)
	}
	return addr, nil
}

// writeUnsealFile writes m to path with mode 0600, atomically.
func writeUnsealFile(path string, m unsealMaterial) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("devvault: encode unseal material: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".unseal-*.json")
	if err != nil {
		return fmt.Errorf("devvault: write unseal material: %w", err)
	}
	defer os.Remove(f.Name()) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("devvault: write unseal material: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("devvault: write unseal material: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("devvault: write unseal material: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("devvault: write unseal material: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("devvault: write unseal material: %w", err)
	}
	return nil
}

// readUnsealFile reads the material written by writeUnsealFile.
func readUnsealFile(path string) (unsealMaterial, error) {
	var m unsealMaterial
	b, err := os.ReadFile(path)
	if err != nil {
		return m, fmt.Errorf("devvault: vault is initialised but its unseal material is unreadable: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("devvault: decode %s: %w", path, err)
	}
	if m.UnsealKey == "" || m.RootToken == "" {
		return m, fmt.Errorf("devvault: %s lacks the unseal key or the root token", path)
	}
	return m, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if n := len(t.buf) - t.max; n > 0 {
		t.buf = append(t.buf[:0], t.buf[n:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// teeWriter copies Vault's output to the tail and to the configured log.
// Errors from the log are ignored: a failing log writer must not break
// Vault's stdout pipe.
type teeWriter struct {
	tail *tailBuffer
	log  io.Writer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.tail.Write(p)
	_, _ = w.log.Write(p)
	return len(p), nil
}
