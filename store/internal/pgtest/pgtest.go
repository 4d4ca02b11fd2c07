//go:build unix

// Package pgtest runs one real PostgreSQL server per `go test` package run,
// for the PostgreSQL tests of package store.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and get the database with DSN. If KYSO_TEST_POSTGRES_DSN is set, Main uses
// that database and starts nothing. Otherwise it looks for the server
// binaries (initdb and postgres) next to each other in $PATH, else in the
// highest version of /usr/lib/postgresql/*/bin (Debian's layout), initialises
// a throw-away cluster in a temporary directory, serves it on a Unix socket
// in that directory only (no TCP port), creates the database "kyso" owned by
// the superuser "kyso" (trust authentication) and removes everything when
// the tests end. Missing binaries make the package's tests fail, loudly;
// they are never skipped.
//
// PostgreSQL refuses to run as root: when the tests run as root, initdb and
// postgres run as the user "postgres" (created by Debian's postgresql
// package), else "nobody", and the temporary directory belongs to that user.
//
// Set KYSO_PGTEST_LOG to a file path to keep the server's log, or to "-" for
// standard error.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// DSNEnv names the environment variable that points the tests at an
// existing database instead of a server of their own.
const DSNEnv = "KYSO_TEST_POSTGRES_DSN"

// MissingBinariesMessage is what Main prints when it cannot find initdb and
// postgres.
const MissingBinariesMessage = `pgtest: PostgreSQL server binaries not found (initdb/postgres); install them with "apt-get install -y postgresql" (make deps does)`

// Names inside the server's directory and of the cluster.
const (
	dataDir   = "data"
	superuser = "kyso"
	database  = "kyso"
	// port only names the Unix socket (.s.PGSQL.<port>) in the private
	// directory: the server listens on no TCP port, so it cannot collide
	// with a system cluster or another test binary.
	port = 55432
)

const (
	// startTimeout bounds Main's start of the server: initdb plus start-up.
	startTimeout = 2 * time.Minute
	// stopTimeout is how long Stop waits after SIGINT (fast shutdown) and
	// again after SIGQUIT (immediate shutdown) before it kills the server.
	stopTimeout = 30 * time.Second
	// pollInterval is the pause between two connection attempts while the
	// server starts.
	pollInterval = 25 * time.Millisecond
	// probeTimeout bounds one connection attempt.
	probeTimeout = 2 * time.Second
	// logTailSize is how much of the server's output is kept for error
	// messages.
	logTailSize = 8 << 10
	// maxSocketPath is the usable length of sockaddr_un.sun_path.
	maxSocketPath = 103
)

// libRoot holds Debian's versioned PostgreSQL installations.
const libRoot = "/usr/lib/postgresql"

var dsn string

// Main provides the package's PostgreSQL database (KYSO_TEST_POSTGRES_DSN,
// or a server started for the run), runs the tests, stops the server and
// returns the exit code for os.Exit. If the server cannot be had, it prints
// why to standard error and returns 1.
func Main(m *testing.M) int {
	if env := os.Getenv(DSNEnv); env != "" {
		dsn = env
		defer func() { dsn = "" }()
		return m.Run()
	}

	log, closeLog, err := logWriter()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	defer closeLog()

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	s, err := Start(ctx, log)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "\n%v\n\n", err)
		return 1
	}
	dsn = s.DSN

	code := m.Run()

	dsn = ""
	if err := s.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// DSN returns the pgx connection string of the database provided by Main.
// Its user is a superuser, so tests may create schemas in it. DSN panics if
// the test binary's TestMain does not call Main.
func DSN() string {
	if dsn == "" {
		panic("pgtest: no PostgreSQL database; the package's TestMain must call pgtest.Main")
	}
	return dsn
}

// Server is a running PostgreSQL server started by Start.
type Server struct {
	// DSN is the pgx connection string (keyword/value form) of the
	// database "kyso", as the superuser "kyso".
	DSN string
	// Dir is the temporary directory holding the cluster and the socket;
	// Stop removes it.
	Dir string

	cmd      *exec.Cmd
	tail     *tailBuffer
	exited   chan struct{}
	waitErr  error
	stopOnce sync.Once
	stopErr  error
}

// Start finds the server binaries, initialises a cluster in a new temporary
// directory and starts a server on it, returning once the database "kyso"
// accepts connections. log, if not nil, receives the output of initdb and
// postgres. ctx bounds the whole start.
func Start(ctx context.Context, log io.Writer) (_ *Server, err error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	owner, err := serverOwner()
	if err != nil {
		return nil, err
	}
	dir, err := makeDir(owner)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()

	s := &Server{
		Dir:    dir,
		DSN:    fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", quoteDSN(dir), port, superuser, database),
		tail:   &tailBuffer{max: logTailSize},
		exited: make(chan struct{}),
	}
	var out io.Writer = s.tail
	if log != nil {
		out = io.MultiWriter(s.tail, log)
	}

	data := filepath.Join(dir, dataDir)
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", data, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	setup(initdb, dir, owner, out)
	if err := initdb.Run(); err != nil {
		return nil, fmt.Errorf("pgtest: %s: %v\ninitdb output tail:\n%s", initdb, err, s.tail.String())
	}

	s.cmd = exec.Command(filepath.Join(bin, "postgres"),
		"-D", data,
		"-p", strconv.Itoa(port),
		"-k", dir,
		"-c", "listen_addresses=",
		"-c", "unix_socket_permissions=0700",
		"-c", "max_connections=200",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "logging_collector=off",
	)
	setup(s.cmd, dir, owner, out)
	// The server's backends inherit its output; never wait forever for
	// them to close it.
	s.cmd.WaitDelay = 5 * time.Second
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: start %s: %v", s.cmd.Path, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()

	if err := s.waitReady(ctx); err != nil {
		s.stop(5 * time.Second)
		return nil, fmt.Errorf("pgtest: PostgreSQL from %s did not start: %v\npostgres log tail:\n%s", bin, err, s.tail.String())
	}
	return s, nil
}

// waitReady polls the server until it accepts a connection, then creates
// the database.
func (s *Server) waitReady(ctx context.Context) error {
	admin := fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable connect_timeout=%d",
		quoteDSN(s.Dir), port, superuser, int(probeTimeout/time.Second))
	var last error
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited: %v", s.waitErr)
		default:
		}
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		conn, err := pgconn.Connect(pctx, admin)
		if err == nil {
			err = conn.Exec(pctx, "CREATE DATABASE "+database).Close()
			conn.Close(context.Background())
			cancel()
			if err != nil {
				return fmt.Errorf("create database %s: %w", database, err)
			}
			return nil
		}
		cancel()
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w; last connection attempt: %v", ctx.Err(), last)
		case <-s.exited:
			return fmt.Errorf("postgres exited: %v", s.waitErr)
		case <-time.After(pollInterval):
		}
	}
}

// Stop shuts the server down (fast shutdown: SIGINT), waits for it and
// removes its directory. It reports a server that had exited on its own.
// Calling it more than once returns the first result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.stopErr = s.stop(stopTimeout)
		if err := os.RemoveAll(s.Dir); err != nil && s.stopErr == nil {
			s.stopErr = fmt.Errorf("pgtest: remove %s: %w", s.Dir, err)
		}
	})
	return s.stopErr
}

func (s *Server) stop(timeout time.Duration) error {
	select {
	case <-s.exited:
		return fmt.Errorf("pgtest: postgres had exited unexpectedly: %v\npostgres log tail:\n%s", s.waitErr, s.tail.String())
	default:
	}
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGQUIT} {
		if err := s.cmd.Process.Signal(sig); err != nil {
			break
		}
		timer := time.NewTimer(timeout)
		select {
		case <-s.exited:
			timer.Stop()
			if sig != syscall.SIGINT {
				return fmt.Errorf("pgtest: postgres ignored SIGINT for %v; stopped it with %v", timeout, sig)
			}
			return nil
		case <-timer.C:
		}
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	return fmt.Errorf("pgtest: postgres did not stop on SIGINT or SIGQUIT and was killed")
}

// setup makes cmd run in dir, as owner if not nil, with output to out and
// no PG* variables that could override the command line.
func setup(cmd *exec.Cmd, dir string, owner *syscall.Credential, out io.Writer) {
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr(owner)
	env := []string{"LC_ALL=C", "HOME=" + dir}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PG") || strings.HasPrefix(name, "LC_") || name == "LANG" || name == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = env
}

// BinDir returns the directory holding initdb and postgres: the first
// directory in $PATH that holds both, else the highest version's bin
// directory under /usr/lib/postgresql. The error, MissingBinariesMessage,
// says how to install them.
func BinDir() (string, error) {
	return binDir(os.Getenv("PATH"), libRoot)
}

func binDir(path, lib string) (string, error) {
	for _, d := range filepath.SplitList(path) {
		if d != "" && hasServer(d) {
			return d, nil
		}
	}
	matches, _ := filepath.Glob(filepath.Join(lib, "*", "bin"))
	sort.Slice(matches, func(i, j int) bool {
		return versionLess(filepath.Base(filepath.Dir(matches[j])), filepath.Base(filepath.Dir(matches[i])))
	})
	for _, d := range matches {
		if hasServer(d) {
			return d, nil
		}
	}
	return "", errors.New(MissingBinariesMessage)
}

// hasServer reports whether dir holds executable initdb and postgres.
func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionLess orders PostgreSQL major versions ("9.6" < "15" < "16");
// names that are not versions sort first.
func versionLess(a, b string) bool {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	if len(pa) != len(pb) {
		return len(pa) < len(pb)
	}
	return a < b
}

func versionParts(v string) []int {
	var out []int
	for _, f := range strings.Split(v, ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// makeDir creates the server's temporary directory, owned by owner if not
// nil. Its path must be short enough for the Unix socket inside it and, for
// another owner, reachable by that owner.
func makeDir(owner *syscall.Credential) (string, error) {
	parent := os.TempDir()
	sock := len("/kyso-pgtest-0123456789/.s.PGSQL.") + len(strconv.Itoa(port)) + len(".lock")
	if len(parent)+sock > maxSocketPath || (owner != nil && !traversable(parent)) {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "kyso-pgtest-")
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	if owner != nil {
		if err := os.Chown(dir, int(owner.Uid), int(owner.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("pgtest: %w", err)
		}
	}
	return dir, nil
}

// traversable reports whether every directory from / down to dir may be
// searched by anyone.
func traversable(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// serverOwner returns the credentials initdb and postgres run with: nil
// (the current user) unless the tests run as root, which PostgreSQL
// refuses; then the user "postgres", else "nobody".
func serverOwner() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var errs []error
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			errs = append(errs, fmt.Errorf("user %s has uid %s gid %s", name, u.Uid, u.Gid))
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses to; no user to run it as: %w", errors.Join(errs...))
}

// quoteDSN quotes a value for a keyword/value connection string.
func quoteDSN(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// logWriter returns where the server's log goes, as set by KYSO_PGTEST_LOG.
func logWriter() (io.Writer, func(), error) {
	switch path := os.Getenv("KYSO_PGTEST_LOG"); path {
	case "":
		return nil, func() {}, nil
	case "-":
		return os.Stderr, func() {}, nil
	default:
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("KYSO_PGTEST_LOG: %w", err)
		}
		return f, func() { f.Close() }, nil
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
