package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// TestVersionCommand: kyso version, kyso --version and kyso -version print
// one line naming the Go toolchain the binary was built with.
func TestVersionCommand(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		t.Run(arg, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), &out, []string{arg}); err != nil {
				t.Fatalf("kyso %s = %v", arg, err)
			}
			line := out.String()
			if !strings.HasPrefix(line, "kyso ") || !strings.Contains(line, runtime.Version()) || strings.Count(line, "\n") != 1 {
				t.Errorf("kyso %s printed %q, want one line \"kyso VERSION … %s\"", arg, line, runtime.Version())
			}
		})
	}
}

// TestVersionOfReleaseBuildAndLifecycleLines builds kyso as a release is
// built (-ldflags -X main.version) from this repository and checks that
// kyso --version names the release and the commit, that kyso dev's
// start-up line names the version, the database driver, the Vault address
// and the number of trust anchors loaded, and that SIGTERM leaves a
// shutdown line.
func TestVersionOfReleaseBuildAndLifecycleLines(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	vaultBin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	head, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	rev := strings.TrimSpace(string(head))
	work := t.TempDir()
	bin := filepath.Join(work, "kyso")
	const release = "v0.0.0-versiontest"
	if out, err := exec.CommandContext(ctx, "go", "build", "-buildvcs=true", "-ldflags", "-X main.version="+release, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		t.Fatalf("kyso --version: %v", err)
	}
	want := "kyso " + release + " (revision " + rev
	if got := string(out); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, runtime.Version()+"\n") {
		t.Errorf("kyso --version = %q, want %q… %s", got, want, runtime.Version())
	}

	dir := filepath.Join(work, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	anchors, _ := filepath.Glob("../../trust/vn/*.crt")
	p := startDevProc(t, bin, vaultBin, dir, "--trust", "../../trust/vn")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("kyso dev after SIGTERM exited with %v, want 0", err)
		}
	case <-ctx.Done():
		t.Fatal("kyso dev did not stop after SIGTERM")
	}
	b, err := os.ReadFile(dir + ".log")
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	start := regexp.MustCompile(`msg="kyso listening" version=` + regexp.QuoteMeta(release) + ` go=` + regexp.QuoteMeta(runtime.Version()) +
		` revision=` + rev + ` modified=(true|false) .* database=sqlite vault=http://127\.0\.0\.1:\d+ trust_anchors=(\d+) trust_bundle=\d+\n`)
	m := start.FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no start-up line with version, database, Vault and trust anchors in the log:\n%s", log)
	}
	if m[2] != strconv.Itoa(len(anchors)) {
		t.Errorf("start-up line says trust_anchors=%s, want %d (the certificates of trust/vn)", m[2], len(anchors))
	}
	for _, line := range []string{`msg="kyso shutting down"`, `msg="kyso stopped" uptime=`} {
		if !strings.Contains(log, line) {
			t.Errorf("no %s line after SIGTERM in the log:\n%s", line, log)
		}
	}
}
