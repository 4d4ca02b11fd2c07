// Package vaulttest runs one real Vault server per `go test` package run and
// gives each test its own Transit mount.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(vaulttest.Main(m)) }
//
// The vault binary is taken from $KYSO_VAULT_BIN, else from bin/vault in the
// kyso module root (build it with "make bin/vault"). A missing binary makes
// the package's tests fail, loudly; they are never skipped.
//
// Set KYSO_VAULT_LOG to a file path to keep Vault's log, or to "-" for
// standard error.
//
// Tests outside package keys do not import Vault's client: Conn (from
// Connect or Root) does what they set up or check in a Vault themselves
// (Transit keys' configuration, policies, AppRole), ClientThrough makes a
// client that tests watch, for keys.New, and devvault.Vault seals and
// unseals.
//
// SlowTransit is a proxy to put in front of a real Vault that holds back
// the answers to Transit key creation, for tests of a Vault too slow to
// create keys (a fault a real server cannot be made to show on cue).
package vaulttest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/kyso-vn/kyso/internal/devvault"
)

// modulePath identifies kyso's root go.mod when looking for bin/vault.
const modulePath = "github.com/kyso-vn/kyso"

// startTimeout bounds the start of the shared server.
const startTimeout = 2 * time.Minute

var (
	server   *devvault.Vault
	mountSeq atomic.Int64
)

// Main starts one Vault server in a temporary directory, runs the package's
// tests, stops the server, removes the directory and returns the exit code
// for os.Exit. If the binary is missing or the server cannot start, it
// prints why to standard error and returns 1.
func Main(m *testing.M) int {
	bin, err := Bin()
	if err != nil {
		fmt.Fprintf(os.Stderr, "\n%v\n\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "kyso-vaulttest-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "vaulttest: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	log, closeLog, err := logWriter()
	if err != nil {
		fmt.Fprintf(os.Stderr, "vaulttest: %v\n", err)
		return 1
	}
	defer closeLog()

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	v, err := devvault.Start(ctx, devvault.Config{Bin: bin, Dir: filepath.Join(dir, "vault"), Log: log})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "vaulttest: start Vault from %s: %v\n", bin, err)
		return 1
	}
	server = v

	code := m.Run()

	if err := v.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "vaulttest: stop Vault: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	server = nil
	return code
}

// Server returns the server started by Main. It panics if the test binary's
// TestMain does not call Main.
func Server() *devvault.Vault {
	if server == nil {
		panic("vaulttest: no Vault server; the package's TestMain must call vaulttest.Main")
	}
	return server
}

// Client returns a new root-token client for the shared server.
func Client(t testing.TB) *api.Client {
	t.Helper()
	c, err := Server().Client()
	if err != nil {
		t.Fatalf("vaulttest: root client: %v", err)
	}
	return c
}

// NewMount enables a Transit engine at a fresh path, unique within the
// package run, and returns the path. The mount is disabled when the test ends.
func NewMount(t testing.TB) string {
	t.Helper()
	c := Client(t)
	path := fmt.Sprintf("transit-%s-%d", mountName(t.Name()), mountSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Sys().MountWithContext(ctx, path, &api.MountInput{Type: "transit", Description: t.Name()}); err != nil {
		t.Fatalf("vaulttest: enable transit at %q: %v", path, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Sys().UnmountWithContext(ctx, path); err != nil {
			t.Errorf("vaulttest: disable transit at %q: %v", path, err)
		}
	})
	return path
}

// Bin returns the path of the vault binary the harness uses:
// $KYSO_VAULT_BIN if set, else bin/vault in the kyso module root. The error
// says how to build the binary when it is missing.
func Bin() (string, error) {
	path := os.Getenv("KYSO_VAULT_BIN")
	if path == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", fmt.Errorf("vaulttest: cannot locate the vault binary: %w; set KYSO_VAULT_BIN", err)
		}
		path = filepath.Join(root, "bin", "vault")
	}
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		return "", errors.New(missingBinaryMessage(path))
	}
	return path, nil
}

// missingBinaryMessage is what Main prints when there is no binary.
func missingBinaryMessage(path string) string {
	return fmt.Sprintf("vaulttest: Vault binary not found at %s; build it with \"make bin/vault\" (compiles tools/vault)", path)
}

// moduleRoot walks up from the working directory to the directory whose
// go.mod declares kyso's module (not a nested module such as tools/vault).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		mod, err := goModPath(filepath.Join(dir, "go.mod"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if mod == modulePath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod declaring module %s above the working directory", modulePath)
		}
		dir = parent
	}
}

// goModPath returns the module path declared in the go.mod file at path.
func goModPath(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", s.Err()
}

// mountName turns a test name into a short mount path segment.
func mountName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// logWriter returns where Vault's log goes, as set by KYSO_VAULT_LOG.
func logWriter() (io.Writer, func(), error) {
	switch path := os.Getenv("KYSO_VAULT_LOG"); path {
	case "":
		return nil, func() {}, nil
	case "-":
		return os.Stderr, func() {}, nil
	default:
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("KYSO_VAULT_LOG: %w", err)
		}
		return f, func() { f.Close() }, nil
	}
}
