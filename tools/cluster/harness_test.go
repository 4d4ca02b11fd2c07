package cluster

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
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
)

// repoRoot is kyso's module root, this checkout (the tools module's
// replace names it).
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/kyso-vn/kyso").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/kyso-vn/kyso: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// buildKyso builds cmd/kyso of this checkout into dir.
func buildKyso(t *testing.T, root, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "kyso")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kyso")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/kyso in %s: %v\n%s", root, err, out)
	}
	return bin
}

// pgBinDir finds PostgreSQL's server binaries: next to initdb in $PATH,
// else the highest version under Debian's /usr/lib/postgresql.
func pgBinDir(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	t.Fatal(`PostgreSQL server binaries not found (initdb, pg_ctl); install them with "apt-get install -y postgresql" (make deps does)`)
	return ""
}

// freeAddr returns a loopback address with a port free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// shell runs blocks of docs/operations.md with bash, in dir, with the
// given environment and the tools the blocks call (vault, kyso, psql,
// pg_dump…) first on PATH.
type shell struct {
	dir  string
	path string // PATH
}

// run runs script with bash -eu -o pipefail and the variables env (NAME=value)
// on top of a minimal environment, in dir (the shell's if empty), feeding
// stdin; it returns standard output.
func (s *shell) run(ctx context.Context, dir, script string, stdin string, env ...string) (string, error) {
	if dir == "" {
		dir = s.dir
	}
	cmd := exec.CommandContext(ctx, "bash", "-eu", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + s.path, "HOME=" + s.dir, "LANG=C.UTF-8"}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%v\nscript:\n%s\nstderr:\n%s", err, script, errOut.String())
	}
	return out.String(), nil
}

// writeTLS writes a test CA (ca.pem) and a server certificate for
// 127.0.0.1 and localhost (vault.pem, vault-key.pem) into dir: the Vault
// nodes' TLS, which the docs ask the operator's PKI for. Test keys.
func writeTLS(t *testing.T, dir string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kyso cluster test Vault CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "vault"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"ca.pem":        pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		"vault.pem":     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"vault-key.pem": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// proc is a server process the harness started and reaps.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // valid once done is closed
}

// startProc starts cmd in its own process group, with its output appended
// to logPath; the process is killed if the test binary dies.
func startProc(name string, cmd *exec.Cmd, logPath string) (*proc, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig and waits for the process to end, killing it after
// grace.
func (p *proc) signal(sig syscall.Signal, grace time.Duration) error {
	if p.exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not end within %v of %v; killed", p.name, grace, sig)
	}
}

// tail returns the last lines of a log file, for failure messages.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls cond every 100 ms until it returns nil, and fails the test
// with its last error once timeout has passed.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, timeout, err)
		}
		<-tick.C
	}
}

// ---- Vault ----

// vaultCluster is three Vault servers with Raft storage.
type vaultCluster struct {
	t        *testing.T
	sh       *shell
	bin      string
	blocks   map[string]string
	settings []string // the settings block's variables, NAME=value
	nodes    []*vaultNode
	client   *http.Client
	home     string // where vault-init.json is written
	shares   []string
	root     string // root token
}

type vaultNode struct {
	id     string
	api    string // https://127.0.0.1:port
	dir    string
	env    []string // the node's variables of docs/operations.md
	server []string // the vault server command line
	log    string
	p      *proc
}

// newVaultCluster writes the three nodes' configurations with the doc's
// vault-config block (deploy/vault/vault.hcl and envsubst).
// With fewer than three nodes, the missing peers are the first node.
// Everything is kept under sh.dir/home.
func newVaultCluster(t *testing.T, sh *shell, root, bin string, blocks map[string]string, caPool *x509.CertPool, tlsDir string, nodes int, home string) *vaultCluster {
	c := &vaultCluster{t: t, sh: sh, bin: bin, blocks: blocks, home: filepath.Join(sh.dir, home),
		client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool}}}}
	var peers []string
	for i := range nodes {
		api, cluster := freeAddr(t), freeAddr(t)
		n := newVaultNode(fmt.Sprintf("vault-%d", i+1), api, cluster, filepath.Join(c.home, fmt.Sprintf("vault-%d", i+1)))
		n.log = filepath.Join(c.home, n.id+".log")
		peers = append(peers, n.api)
		c.nodes = append(c.nodes, n)
	}
	for len(peers) < 3 {
		peers = append(peers, peers[0])
	}
	c.settings = []string{"VAULT_PEER_1=" + peers[0], "VAULT_PEER_2=" + peers[1], "VAULT_PEER_3=" + peers[2],
		"VAULT_CACERT=" + filepath.Join(tlsDir, "ca.pem")}
	tmpl, err := os.ReadFile(filepath.Join(root, "deploy", "vault", "vault.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range c.nodes {
		conf := filepath.Join(n.dir, "config")
		if err := os.MkdirAll(conf, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"ca.pem", "vault.pem", "vault-key.pem"} {
			b, err := os.ReadFile(filepath.Join(tlsDir, f))
			if err == nil {
				err = os.WriteFile(filepath.Join(conf, f), b, 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(n.dir, "vault.hcl"), tmpl, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := sh.run(t.Context(), n.dir, blocks["vault-config"], "", c.env(n)...); err != nil {
			t.Fatalf("vault-config block on %s: %v", n.id, err)
		}
		// The vault-server block, with the node's variables, is the
		// server's command line.
		line := strings.TrimSpace(blocks["vault-server"])
		vars := envMap(c.env(n))
		for f := range strings.FieldsSeq(os.Expand(line, func(k string) string { return vars[k] })) {
			n.server = append(n.server, strings.ReplaceAll(f, `"`, ""))
		}
		if len(n.server) < 2 || n.server[0] != "vault" {
			t.Fatalf("the vault-server block of docs/operations.md is %q, want a vault command", line)
		}
	}
	return c
}

// newVaultNode describes a Vault node listening on api and cluster
// (host:port), with its files in dir, and its variables of the doc's
// vault-node block.
func newVaultNode(id, api, cluster, dir string) *vaultNode {
	n := &vaultNode{id: id, api: "https://" + api, dir: dir}
	n.env = []string{"VAULT_NODE_ID=" + n.id, "VAULT_API_ADDR=" + n.api, "VAULT_CLUSTER_ADDR=https://" + cluster,
		"VAULT_LISTEN=" + api, "VAULT_CLUSTER_LISTEN=" + cluster,
		"VAULT_CONFIG_DIR=" + filepath.Join(dir, "config"), "VAULT_DATA_DIR=" + filepath.Join(dir, "data")}
	return n
}

// testVaultNode is a node's description for tests of the doc's blocks.
func testVaultNode() *vaultNode {
	return newVaultNode("vault-1", "127.0.0.1:8200", "127.0.0.1:8201", "/var/lib/vault")
}

// env is the variables a block runs with on node n: the settings and the
// node's own.
func (c *vaultCluster) env(n *vaultNode) []string {
	return append(append([]string{}, c.settings...), n.env...)
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// start runs node i's server.
func (c *vaultCluster) start(i int) {
	c.t.Helper()
	n := c.nodes[i]
	cmd := exec.Command(c.bin, n.server[1:]...)
	cmd.Dir = n.dir
	cmd.Env = []string{"PATH=" + c.sh.path, "HOME=" + n.dir}
	p, err := startProc(n.id, cmd, n.log)
	if err != nil {
		c.t.Fatal(err)
	}
	n.p = p
	waitFor(c.t, n.id+" answers", time.Minute, func() error {
		if p.exited() {
			return fmt.Errorf("%s exited: %v\n%s", n.id, p.err, tail(n.log, 20))
		}
		_, err := c.health(i)
		return err
	})
}

// stop stops node i's server (SIGTERM, as systemctl stop does).
func (c *vaultCluster) stop(i int) {
	c.t.Helper()
	if err := c.nodes[i].p.signal(syscall.SIGTERM, 30*time.Second); err != nil {
		c.t.Error(err)
	}
}

// health returns the status code of node i's sys/health: 200 active, 429
// standby, 503 sealed, 501 not initialised.
func (c *vaultCluster) health(i int) (int, error) {
	resp, err := c.client.Get(c.nodes[i].api + "/v1/sys/health")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// waitHealth waits until node i's sys/health answers one of want.
func (c *vaultCluster) waitHealth(i int, what string, want ...int) {
	c.t.Helper()
	waitFor(c.t, c.nodes[i].id+" "+what, 2*time.Minute, func() error {
		code, err := c.health(i)
		if err != nil {
			return err
		}
		for _, w := range want {
			if code == w {
				return nil
			}
		}
		return fmt.Errorf("sys/health = %d, want %v", code, want)
	})
}

// init initialises the cluster on node 1 with the doc's vault-init block
// and keeps the shares and the root token (the keyholders' part).
func (c *vaultCluster) init() {
	c.t.Helper()
	if _, err := c.sh.run(c.t.Context(), c.home, c.blocks["vault-init"], "", c.settings...); err != nil {
		c.t.Fatalf("vault-init block: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(c.home, "vault-init.json"))
	if err != nil {
		c.t.Fatal(err)
	}
	var out struct {
		Keys      []string `json:"unseal_keys_b64"`
		Threshold int      `json:"unseal_threshold"`
		RootToken string   `json:"root_token"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		c.t.Fatalf("vault-init.json: %v", err)
	}
	if len(out.Keys) != 5 || out.Threshold != 3 || out.RootToken == "" {
		c.t.Fatalf("vault-init.json: %d shares, threshold %d, root token %t; want 5, 3, true", len(out.Keys), out.Threshold, out.RootToken != "")
	}
	c.shares, c.root = out.Keys, out.RootToken
}

// unseal unseals node i with the doc's vault-unseal block, run by three
// keyholders (shares 1, 3 and 5).
func (c *vaultCluster) unseal(i int) {
	c.t.Helper()
	c.unsealWith(i, c.shares)
}

// unsealWith unseals node i with shares 1, 3 and 5 of shares.
func (c *vaultCluster) unsealWith(i int, shares []string) {
	c.t.Helper()
	for _, k := range []int{0, 2, 4} {
		// The block prompts for the share; a script gives it as the argument.
		script := strings.TrimSpace(c.blocks["vault-unseal"]) + ` "$UNSEAL_SHARE"`
		if _, err := c.sh.run(c.t.Context(), c.nodes[i].dir, script, "", append(c.env(c.nodes[i]), "UNSEAL_SHARE="+shares[k])...); err != nil {
			c.t.Fatalf("vault-unseal block on %s: %v", c.nodes[i].id, err)
		}
	}
}

// leader returns the index of the active node, as the nodes that answer
// see it, or an error while they see none or disagree.
func (c *vaultCluster) leader() (int, error) {
	found := -1
	for i, n := range c.nodes {
		if n.p == nil || n.p.exited() {
			continue
		}
		resp, err := c.client.Get(n.api + "/v1/sys/leader")
		if err != nil {
			return -1, err
		}
		var out struct {
			LeaderAddress string `json:"leader_address"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil {
			return -1, fmt.Errorf("%s: sys/leader: %w", n.id, err)
		}
		idx := -1
		for j, m := range c.nodes {
			if m.api == out.LeaderAddress {
				idx = j
			}
		}
		if idx < 0 {
			return -1, fmt.Errorf("%s sees leader %q", n.id, out.LeaderAddress)
		}
		if found >= 0 && found != idx {
			return -1, fmt.Errorf("nodes disagree on the leader: %s and %s", c.nodes[found].id, c.nodes[idx].id)
		}
		found = idx
		_ = i
	}
	if found < 0 {
		return -1, errors.New("no node answers")
	}
	return found, nil
}

// stopAll stops every node still running.
func (c *vaultCluster) stopAll() {
	for _, n := range c.nodes {
		if n.p != nil {
			_ = n.p.signal(syscall.SIGTERM, 30*time.Second)
		}
	}
}

// ---- PostgreSQL ----

// pgServer is a PostgreSQL server on a loopback TCP port (and a Unix socket
// for the superuser), run as the user postgres when the test runs as root.
type pgServer struct {
	t    *testing.T
	bin  string
	dir  string // owned by the server's user
	port int
	cred *syscall.Credential
}

// startPostgres initialises a cluster (superuser postgres, trust on the
// socket, scram-sha-256 over TCP, as a packaged server is set up) and starts
// it.
func startPostgres(t *testing.T, bin string) *pgServer {
	t.Helper()
	// Not under t.TempDir: the server's user must reach it.
	dir, err := os.MkdirTemp("", "kyso-cluster-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s := &pgServer{t: t, bin: bin, dir: dir}
	t.Cleanup(func() {
		_ = s.ctl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			u, err = user.Lookup("nobody")
		}
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if out, err := s.cmd("initdb", "-D", s.data(), "-U", "postgres", "--auth-local=trust",
		"--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s.start()
	return s
}

func (s *pgServer) data() string { return filepath.Join(s.dir, "data") }

func (s *pgServer) cmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"PATH=" + s.bin + ":/usr/bin:/bin", "LANG=C"}
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

func (s *pgServer) ctl(args ...string) error {
	args = append([]string{"-D", s.data(), "-w", "-t", "60"}, args...)
	out, err := s.cmd("pg_ctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server and waits until it accepts connections
// (pg_ctl -w).
func (s *pgServer) start() {
	s.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=200", s.port, s.dir)
	if err := s.ctl("-l", filepath.Join(s.dir, "postgres.log"), "-o", opts, "start"); err != nil {
		s.t.Fatalf("%v\n%s", err, tail(filepath.Join(s.dir, "postgres.log"), 20))
	}
}

// stop stops the server with a fast shutdown (what systemctl restart does).
func (s *pgServer) stop() {
	s.t.Helper()
	if err := s.ctl("-m", "fast", "stop"); err != nil {
		s.t.Fatal(err)
	}
}

// adminEnv is the environment of psql as the superuser, over the socket.
func (s *pgServer) adminEnv() []string {
	return []string{"PGHOST=" + s.dir, "PGPORT=" + strconv.Itoa(s.port), "PGUSER=postgres", "PGDATABASE=postgres"}
}

// dsn is kyso's connection string with the role the doc creates.
func (s *pgServer) dsn(password, db string) string {
	return fmt.Sprintf("postgres://kyso:%s@127.0.0.1:%d/%s?sslmode=disable", password, s.port, db)
}

// ---- kyso ----

// kysoNode is one kyso serve process.
type kysoNode struct {
	name    string
	listen  string
	metrics string
	log     string
	env     []string
	bin     string
	dir     string
	p       *proc
	mu      sync.Mutex
}

func (k *kysoNode) url() string { return "http://" + k.listen }

// start runs kyso serve with the node's environment.
func (k *kysoNode) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(k.bin, "serve")
	cmd.Dir = k.dir
	cmd.Env = k.env
	p, err := startProc(k.name, cmd, k.log)
	if err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	k.p = p
	k.mu.Unlock()
}

// proc returns the node's current process.
func (k *kysoNode) proc() *proc {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.p
}

// readyz returns /readyz's status code (0 when the node does not answer).
func (k *kysoNode) readyz(client *http.Client) int {
	resp, err := client.Get(k.url() + "/readyz")
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitReady waits until the node answers /readyz 200.
func (k *kysoNode) waitReady(t *testing.T, client *http.Client, timeout time.Duration) {
	t.Helper()
	waitFor(t, k.name+" ready", timeout, func() error {
		if p := k.proc(); p.exited() {
			return fmt.Errorf("%s exited: %v\n%s", k.name, p.err, tail(k.log, 30))
		}
		if code := k.readyz(client); code != http.StatusOK {
			return fmt.Errorf("/readyz = %d", code)
		}
		return nil
	})
}
