package devvault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// The tests in this package start their own servers and do not run in
// parallel, so that TestStartCanceled can check that this process has no
// child left.

func bin(t *testing.T) string {
	t.Helper()
	b, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func start(t *testing.T, cfg devvault.Config) *devvault.Vault {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	v, err := devvault.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start(%+v) = %v", cfg, err)
	}
	return v
}

// TestRestartKeepsKeys: keys survive a stop and a start on the same Dir.
func TestRestartKeepsKeys(t *testing.T) {
	dir := t.TempDir()
	var log syncBuffer
	cfg := devvault.Config{Bin: bin(t), Dir: dir, Log: &log, Mount: "kyso-transit"}
	v := start(t, cfg)
	if !strings.HasPrefix(v.Addr, "http://127.0.0.1:") || v.RootToken == "" || v.Mount != "kyso-transit" {
		t.Errorf("Start = {Addr: %q, RootToken set: %t, Mount: %q}", v.Addr, v.RootToken != "", v.Mount)
	}

	st, err := os.Stat(filepath.Join(dir, "unseal.json"))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("unseal.json mode = %v, want 0600", st.Mode().Perm())
	}
	b, err := os.ReadFile(filepath.Join(dir, "unseal.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m["warning"], "INSECURE") || !strings.Contains(m["warning"], "Production") ||
		m["unseal_key"] == "" || m["root_token"] != v.RootToken {
		t.Errorf("unseal.json = %s, want a warning, the unseal key and the root token", b)
	}

	c, err := v.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Write("kyso-transit/keys/k", map[string]any{"type": "ecdsa-p256"}); err != nil {
		t.Fatalf("create key: %v", err)
	}
	pub1 := publicKey(t, v)
	if err := v.Stop(); err != nil {
		t.Fatalf("Stop = %v", err)
	}
	if err := v.Stop(); err != nil {
		t.Errorf("second Stop = %v, want nil", err)
	}
	if !strings.Contains(log.String(), "Vault server started") {
		t.Errorf("Config.Log did not receive Vault's output; got %q", log.String())
	}

	v2 := start(t, cfg)
	defer v2.Stop()
	if v2.RootToken != v.RootToken {
		t.Error("root token changed across restart")
	}
	if pub2 := publicKey(t, v2); pub2 != pub1 {
		t.Errorf("public key after restart = %q, want %q", pub2, pub1)
	}

	// Fault-test helpers: seal, then unseal.
	ctx := context.Background()
	if err := v2.Seal(ctx); err != nil {
		t.Fatalf("Seal = %v", err)
	}
	c2, err := v2.Client()
	if err != nil {
		t.Fatal(err)
	}
	if h, err := c2.Sys().Health(); err != nil || !h.Sealed {
		t.Errorf("Health after Seal = %+v, %v, want sealed", h, err)
	}
	if err := v2.Unseal(ctx); err != nil {
		t.Fatalf("Unseal = %v", err)
	}
	if pub := publicKey(t, v2); pub != pub1 {
		t.Errorf("public key after unseal = %q, want %q", pub, pub1)
	}
}

func publicKey(t *testing.T, v *devvault.Vault) string {
	t.Helper()
	c, err := v.Client()
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Logical().Read(v.Mount + "/keys/k")
	if err != nil || s == nil {
		t.Fatalf("read key: %v, %v", s, err)
	}
	p, _ := s.Data["keys"].(map[string]any)["1"].(map[string]any)["public_key"].(string)
	if p == "" {
		t.Fatalf("no public key in %v", s.Data)
	}
	return p
}

// TestStartEarlyExit: a Vault that exits during start-up is reported with
// its log. The real binary is run through a wrapper that adds an invalid
// flag value, which Vault rejects after it has started.
func TestStartEarlyExit(t *testing.T) {
	wrapper := filepath.Join(t.TempDir(), "vault-bad-flag")
	script := "#!/bin/sh\nexec " + shellQuote(bin(t)) + " \"$@\" -log-level=not-a-level\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := devvault.Start(context.Background(), devvault.Config{Bin: wrapper, Dir: t.TempDir()})
	if err == nil {
		t.Fatal("Start with a Vault that exits = nil error")
	}
	if !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "not-a-level") {
		t.Errorf("Start with a Vault that exits = %v, want an exit error with Vault's log tail", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Start took %v to notice the exit", d)
	}
	checkNoChildren(t)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// TestStartCanceled: a start-up cut short by its context leaves no process
// behind.
func TestStartCanceled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := devvault.Start(ctx, devvault.Config{Bin: bin(t), Dir: t.TempDir()})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Start with a 50ms deadline = %v, want DeadlineExceeded", err)
	}
	checkNoChildren(t)
}

func TestStartConfigErrors(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range []devvault.Config{
		{Dir: t.TempDir()},
		{Bin: bin(t)},
		{Bin: filepath.Join(t.TempDir(), "no-vault"), Dir: t.TempDir()},
		{Bin: bin(t), Dir: t.TempDir(), Listen: "no-port"},
	} {
		if v, err := devvault.Start(ctx, cfg); err == nil {
			v.Stop()
			t.Errorf("Start(%+v) = nil error", cfg)
		}
	}
}

// TestStartInitialisedWithoutUnsealFile: losing unseal.json is reported,
// not papered over by re-initialising.
func TestStartInitialisedWithoutUnsealFile(t *testing.T) {
	dir := t.TempDir()
	cfg := devvault.Config{Bin: bin(t), Dir: dir}
	if err := start(t, cfg).Stop(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "unseal.json")); err != nil {
		t.Fatal(err)
	}
	if v, err := devvault.Start(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "unseal") {
		if v != nil {
			v.Stop()
		}
		t.Errorf("Start without unseal.json = %v, want an error about the unseal material", err)
	}
	checkNoChildren(t)
}

// checkNoChildren fails if this process has a child process, running or
// zombie. Linux only; elsewhere it checks nothing.
func checkNoChildren(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone
		}
		// pid (comm) state ppid ...; comm may contain spaces.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) >= 2 && fields[1] == self {
			t.Errorf("child process left behind: %s", strings.TrimSpace(s))
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the log copier and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStartRefusesBusyAddress: a Vault (or anything) already listening on
// the address must not be mistaken for ours.
func TestStartRefusesBusyAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = devvault.Start(context.Background(), devvault.Config{Bin: bin(t), Dir: t.TempDir(), Listen: l.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("Start on a busy address = %v, want an 'already in use' error", err)
	}
}

// TestStartRelativeBinAndPortZero: a vault binary given relative to the
// working directory, and a listen address with port 0, both work (Vault
// runs in its data directory, and needs a fixed address in its config).
func TestStartRelativeBinAndPortZero(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, bin(t))
	if err != nil {
		t.Fatal(err)
	}
	v, err := devvault.Start(context.Background(), devvault.Config{Bin: rel, Dir: t.TempDir(), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("Start(%s, 127.0.0.1:0) = %v", rel, err)
	}
	defer v.Stop()
	if strings.HasSuffix(v.Addr, ":0") {
		t.Errorf("Addr = %s, want the port actually used", v.Addr)
	}
	if _, err := v.Client(); err != nil {
		t.Error(err)
	}
}

// TestAttach: a handle found by Attach seals and unseals a Vault another
// Start runs, and does not own its process.
func TestAttach(t *testing.T) {
	dir := t.TempDir()
	v := start(t, devvault.Config{Bin: bin(t), Dir: dir})
	defer v.Stop()

	if _, err := devvault.Attach(t.TempDir(), v.Addr); err == nil || !strings.Contains(err.Error(), "unseal") {
		t.Errorf("Attach on a directory without unseal.json = %v, want an error about the unseal material", err)
	}
	a, err := devvault.Attach(dir, v.Addr)
	if err != nil {
		t.Fatalf("Attach = %v", err)
	}
	if a.RootToken != v.RootToken || a.Addr != v.Addr || a.PID() != 0 {
		t.Errorf("Attach = {Addr: %q, root token is Start's: %t, PID: %d}, want %q, true, 0",
			a.Addr, a.RootToken == v.RootToken, a.PID(), v.Addr)
	}

	ctx := context.Background()
	if err := a.Seal(ctx); err != nil {
		t.Fatalf("Seal = %v", err)
	}
	c, err := v.Client()
	if err != nil {
		t.Fatal(err)
	}
	if h, err := c.Sys().Health(); err != nil || !h.Sealed {
		t.Errorf("Health after the attached Seal = %+v, %v, want sealed", h, err)
	}
	if err := a.Unseal(ctx); err != nil {
		t.Fatalf("Unseal = %v", err)
	}
	if h, err := c.Sys().Health(); err != nil || h.Sealed || h.Standby {
		t.Errorf("Health after the attached Unseal = %+v, %v, want unsealed and active", h, err)
	}

	if err := a.Stop(); err == nil {
		t.Error("Stop of an attached Vault = nil, want an error")
	}
	if h, err := c.Sys().Health(); err != nil || h.Sealed {
		t.Errorf("Health after the attached Stop = %+v, %v, want Vault still running", h, err)
	}
}
