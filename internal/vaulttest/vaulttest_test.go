package vaulttest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestNewMount(t *testing.T) {
	a, b := NewMount(t), NewMount(t)
	if a == b {
		t.Fatalf("NewMount returned %q twice", a)
	}
	mounts, err := Client(t).Sys().ListMounts()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a, b} {
		if m, ok := mounts[p+"/"]; !ok || m.Type != "transit" {
			t.Errorf("mount %q = %+v, want a transit mount", p, m)
		}
	}
	if _, err := Client(t).Logical().Write(a+"/keys/k", map[string]any{"type": "ecdsa-p256"}); err != nil {
		t.Errorf("create key on %q: %v", a, err)
	}
}

func TestMountName(t *testing.T) {
	tests := map[string]string{
		"TestSign":                  "testsign",
		"TestSign/rsa-2048/SHA-256": "testsign-rsa-2048-sha-256",
		"Test_Ký_số":                "test-k--s",
		strings.Repeat("a", 100):    strings.Repeat("a", 40),
	}
	for in, want := range tests {
		if got := mountName(in); got != want {
			t.Errorf("mountName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMissingBinary checks the message Main prints when there is no vault
// binary (Main itself then returns 1, failing the package's tests).
func TestMissingBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-vault")
	t.Setenv("KYSO_VAULT_BIN", path)
	_, err := Bin()
	want := `vaulttest: Vault binary not found at ` + path + `; build it with "make bin/vault" (compiles tools/vault)`
	if err == nil || err.Error() != want {
		t.Errorf("Bin() = %v, want %q", err, want)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if mod, err := goModPath(filepath.Join(root, "go.mod")); err != nil || mod != modulePath {
		t.Errorf("go.mod at %s declares %q, %v, want %q", root, mod, err, modulePath)
	}
	wd, _ := os.Getwd()
	if rel, err := filepath.Rel(root, wd); err != nil || rel != filepath.Join("internal", "vaulttest") {
		t.Errorf("moduleRoot() = %s, want the directory two levels above %s", root, wd)
	}
}
