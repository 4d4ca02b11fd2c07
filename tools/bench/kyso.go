package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// kysoProc is a running `kyso dev` and the Vault it started.
type kysoProc struct {
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	pid      int
	vaultPID int
	logPath  string
	env      map[string]string // dev.env
	stopOnce sync.Once
	stopErr  error
}

// startTimeout bounds kyso dev's start-up (Vault's initialisation and the
// CA's creation included).
const startTimeout = 2 * time.Minute

// startKyso runs `kyso dev` with its data in dataDir, an ephemeral HTTP
// port and a free Vault port, and more flags of kyso dev if given, and
// waits until it has written dev.env and /readyz answers 200. On error,
// kyso is stopped before startKyso returns.
func startKyso(ctx context.Context, kysoBin, vaultBin, dataDir string, flags ...string) (*kysoProc, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("choose a port for Vault: %w", err)
	}
	// A restart keeps the data directory (keys, certificates, clients)
	// but must not read the last run's dev.env.
	envPath := filepath.Join(dataDir, "dev.env")
	if err := os.Remove(envPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	logPath := filepath.Join(filepath.Dir(dataDir), "kyso.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	args := append([]string{"dev",
		"--data", dataDir,
		"--listen", "127.0.0.1:0",
		"--vault-listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--vault-bin", vaultBin,
		"--verify-per-minute", "-1"}, flags...)
	cmd := exec.Command(kysoBin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// Its own process group: a terminal's Ctrl-C reaches the bench, which
	// stops kyso in order. SIGTERM if the bench dies without doing so.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", kysoBin, err)
	}
	k := &kysoProc{cmd: cmd, exited: make(chan struct{}), pid: cmd.Process.Pid, logPath: logPath}
	go func() {
		k.waitErr = cmd.Wait()
		close(k.exited)
	}()
	if err := k.waitReady(ctx, envPath); err != nil {
		_ = k.stop()
		return nil, fmt.Errorf("kyso dev did not start: %w\nkyso log (%s) ends:\n%s", err, logPath, tail(logPath, 20))
	}
	return k, nil
}

func (k *kysoProc) waitReady(ctx context.Context, envPath string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-k.exited:
			return fmt.Errorf("kyso exited: %v", k.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s and /readyz: %w", envPath, ctx.Err())
		case <-tick.C:
		}
		if k.env == nil {
			env, err := readEnv(envPath)
			if err != nil {
				continue // not written yet, or half written
			}
			k.env = env
		}
		resp, err := client.Get(k.env["KYSO_URL"] + "/readyz")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			continue
		}
		for _, c := range children(k.pid) {
			if commandName(c) == "vault" {
				k.vaultPID = c
			}
		}
		if k.vaultPID == 0 {
			return errors.New("kyso is ready but no vault child process was found")
		}
		return nil
	}
}

// readEnv parses dev.env; it fails until every variable the bench needs is
// there.
func readEnv(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	for _, k := range []string{"KYSO_URL", "KYSO_ADMIN_TOKEN", "VAULT_ADDR", "VAULT_TOKEN"} {
		if env[k] == "" {
			return nil, fmt.Errorf("%s: no %s", path, k)
		}
	}
	return env, nil
}

// exitedErr reports kyso's exit, if it has exited.
func (k *kysoProc) exitedErr() error {
	select {
	case <-k.exited:
		return fmt.Errorf("kyso exited during the measurement: %v", k.waitErr)
	default:
		return nil
	}
}

// stop sends kyso SIGTERM (it stops its Vault), waits, and kills what is
// left: kyso after 30 s, then Vault if it outlived kyso. It is safe to call
// more than once.
func (k *kysoProc) stop() error {
	k.stopOnce.Do(func() {
		select {
		case <-k.exited:
		default:
			_ = k.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-k.exited:
			case <-time.After(30 * time.Second):
				_ = k.cmd.Process.Kill()
				<-k.exited
				k.stopErr = errors.New("kyso did not stop within 30 s of SIGTERM; killed")
			}
		}
		if k.vaultPID != 0 {
			if err := reapOrphan(k.vaultPID, "vault"); err != nil {
				k.stopErr = errors.Join(k.stopErr, err)
			}
		}
	})
	return k.stopErr
}

// reapOrphan waits up to 10 s for a process that its parent should have
// stopped, then kills it. It checks the name first so that a reused pid is
// left alone.
func reapOrphan(pid int, name string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if commandName(pid) != name {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	if commandName(pid) != name {
		return nil
	}
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Signal(syscall.SIGKILL)
	}
	return fmt.Errorf("%s (pid %d) outlived kyso by 10 s; killed", name, pid)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freshKyso restarts kyso when it holds more memory than b.rssLimitMB, as
// it does after large documents: Go returns freed heap to the system only
// after later garbage collections, so the next phase's peak RSS would be
// the last phase's. kyso dev keeps its keys, certificates and clients
// across the restart. It reports whether kyso was restarted.
func (b *bench) freshKyso(ctx context.Context) (bool, error) {
	kb, err := statusKB(b.kyso.pid, "VmRSS")
	if err != nil {
		if xerr := b.kyso.exitedErr(); xerr != nil {
			return false, xerr
		}
		return false, err
	}
	if mb(kb) <= b.rssLimitMB {
		return false, nil
	}
	logf("kyso holds %.0f MB from the last phase; restarting it", mb(kb))
	if err := b.kyso.stop(); err != nil {
		return false, err
	}
	b.kyso = nil
	k, err := startKyso(ctx, b.cfg.kysoBin, b.cfg.vaultBin, b.dataDir, b.kysoFlags()...)
	if err != nil {
		return false, err
	}
	b.kyso = k
	b.restarts++
	b.http.CloseIdleConnections()
	return true, b.connectVault()
}

// newHTTPClient returns the client every kyso request of the bench goes
// through: one keep-alive transport with room for every concurrent client
// (and the open-loop run's bursts), no proxy, no compression. Its
// connections read and write through 64 KiB buffers: with the default
// 4 KiB, and io.Discard's 8 KiB reads, a 200 KB answer took about 27 read
// system calls on the bench's side, CPU taken from kyso on the same cores.
func newHTTPClient(conc int) *http.Client {
	return &http.Client{
		Timeout: 5 * time.Minute,
		Transport: &http.Transport{
			MaxIdleConns:        4 * max(conc, 16),
			MaxIdleConnsPerHost: 4 * max(conc, 16),
			DisableCompression:  true,
			IdleConnTimeout:     time.Minute,
			ReadBufferSize:      clientBuffer,
			WriteBufferSize:     clientBuffer,
		},
	}
}

// clientBuffer is the size of the bench client's connection buffers.
const clientBuffer = 64 << 10

// httpError is a kyso answer other than the one expected.
type httpError struct {
	status int
	code   string // kyso's error code, when the body is kyso's JSON error
}

func (e *httpError) Error() string {
	if e.code != "" {
		return fmt.Sprintf("HTTP %d %s", e.status, e.code)
	}
	return fmt.Sprintf("HTTP %d", e.status)
}

// errorFrom reads a kyso error answer.
func errorFrom(resp *http.Response) error {
	var body struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(b, &body)
	return &httpError{status: resp.StatusCode, code: body.Error.Code}
}

// adminJSON posts a JSON body with the admin token and decodes the answer.
func (b *bench) adminJSON(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.kyso.env["KYSO_URL"]+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+b.kyso.env["KYSO_ADMIN_TOKEN"])
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("POST %s: HTTP %d: %s", path, resp.StatusCode, bytes.TrimSpace(msg))
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	return nil
}
