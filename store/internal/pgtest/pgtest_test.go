//go:build unix

package pgtest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// fakeBin creates dir holding the named executables.
func fakeBin(t *testing.T, dir string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBinDir(t *testing.T) {
	root := t.TempDir()
	lib := filepath.Join(root, "lib")
	fakeBin(t, filepath.Join(lib, "9.6", "bin"), "initdb", "postgres")
	fakeBin(t, filepath.Join(lib, "15", "bin"), "initdb", "postgres")
	fakeBin(t, filepath.Join(lib, "16", "bin"), "initdb") // incomplete
	fakeBin(t, filepath.Join(lib, "13", "bin"), "initdb", "postgres")
	onlyInitdb := filepath.Join(root, "path1")
	fakeBin(t, onlyInitdb, "initdb")
	both := filepath.Join(root, "path2")
	fakeBin(t, both, "initdb", "postgres")

	for _, tc := range []struct {
		path, lib, want string
	}{
		{path: onlyInitdb, lib: lib, want: filepath.Join(lib, "15", "bin")},
		{path: onlyInitdb + string(filepath.ListSeparator) + both, lib: lib, want: both},
		{path: "", lib: lib, want: filepath.Join(lib, "15", "bin")},
	} {
		got, err := binDir(tc.path, tc.lib)
		if err != nil || got != tc.want {
			t.Errorf("binDir(%q, %q) = %q, %v; want %q", tc.path, tc.lib, got, err, tc.want)
		}
	}

	_, err := binDir(onlyInitdb, filepath.Join(root, "nothing"))
	if err == nil || err.Error() != MissingBinariesMessage {
		t.Errorf("binDir without binaries = %v, want %q", err, MissingBinariesMessage)
	}
}

func TestVersionLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"9.6", "15", true},
		{"15", "9.6", false},
		{"15", "16", true},
		{"10", "9", false},
		{"x", "9", true},
		{"16", "16", false},
	} {
		if got := versionLess(tc.a, tc.b); got != tc.want {
			t.Errorf("versionLess(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestStartStop starts a real server, uses it, stops it and checks that
// neither the process nor the directory is left behind.
func TestStartStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	s, err := Start(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			s.Stop()
		}
	})

	conn, err := pgconn.Connect(ctx, s.DSN)
	if err != nil {
		t.Fatalf("connect %q: %v", s.DSN, err)
	}
	res, err := conn.Exec(ctx, "SELECT current_database(), current_user, "+
		"pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()").ReadAll()
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].Rows; len(got) != 1 || string(got[0][0]) != database || string(got[0][1]) != superuser || string(got[0][2]) != "UTF8" {
		t.Errorf("database, user, encoding = %q, want %s, %s, UTF8", got, database, superuser)
	}

	pid := s.cmd.Process.Pid
	stopped = true
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postgres (pid %d) after Stop: kill(0) = %v, want ESRCH", pid, err)
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(%s) after Stop = %v, want not exist", s.Dir, err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
	defer ccancel()
	if conn, err := pgconn.Connect(cctx, s.DSN); err == nil {
		conn.Close(context.Background())
		t.Errorf("connect after Stop succeeded")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop() = %v", err)
	}
}
