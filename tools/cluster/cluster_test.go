package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// settingNames are the variables of the doc's settings block, which the
// test sets to its own values for every block it runs (TestDocBlocks
// checks the doc against this list).
var settingNames = []string{"KYSO_DB_PASSWORD", "KYSO_NODE_CIDRS", "VAULT_CACERT", "VAULT_PEER_1", "VAULT_PEER_2", "VAULT_PEER_3"}

// nodeEnvNames are the variables the test gives every kyso node: those of
// the doc's kyso-env block and the overrides for loopback and speed.
var nodeEnvNames = []string{"KYSO_CONFIG", "KYSO_LISTEN", "KYSO_METRICS_LISTEN", "KYSO_VAULT_ROLE_ID", "KYSO_DATABASE_DSN",
	"KYSO_BASE_URL", "KYSO_VAULT_ADDRS", "KYSO_VAULT_CA_CERT", "KYSO_VAULT_SECRET_ID_FILE", "KYSO_VERIFY_TRUST_DIRS",
	"KYSO_CA_ROOT_KEY_TYPE", "KYSO_CA_ISSUING_KEY_TYPE", "KYSO_HTTP_REQUEST_TIMEOUT"}

// readinessWindow is how long a node may keep its old readiness answer
// after it starts or stops being able to sign: the Vault probe's result is
// kept 1.5 s (docs/operations.md, "Health checks"), plus the time of one
// probe and of the test's own polling.
const readinessWindow = 3 * time.Second

// org is the organisation whose seal the load signs with.
const org = "Ủy ban nhân dân Thành phố Hà Nội"

// env is a running cluster: what the test drives.
type env struct {
	t       *testing.T
	root    string
	work    string
	sh      *shell
	vault   *vaultCluster
	pg      *pgServer
	nodes   []*kysoNode
	base    []string // every kyso node's environment but its addresses
	client  *http.Client
	admin   string
	pgPass  string
	setting []string // the settings block's variables
	blocks  map[string]string
	tools   struct {
		vault, kyso, pg string
	}
	tlsDir string
	pool   *x509.CertPool
}

// phase logs a progress line a CI reader can follow.
func (e *env) phase(format string, args ...any) {
	e.t.Helper()
	e.t.Logf("== "+format, args...)
}

// bringUp builds kyso and starts the whole cluster by the doc's blocks:
// three Vault nodes (initialised, unsealed, Transit and AppRole set up),
// PostgreSQL with kyso's role and database, kyso's CA and first admin
// token, and three kyso serve nodes, ready.
func bringUp(t *testing.T) *env {
	e := &env{t: t, root: repoRoot(t), work: t.TempDir(), client: &http.Client{Timeout: 30 * time.Second}}
	blocks := docBlocks(t, operationsDoc(t))
	e.blocks = blocks
	vaultBin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	e.phase("build kyso from %s", e.root)
	kysoBin := buildKyso(t, e.root, e.work)
	pgBin := pgBinDir(t)
	tools := filepath.Join(e.work, "bin")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"vault": vaultBin, "kyso": kysoBin} {
		if err := os.Symlink(target, filepath.Join(tools, name)); err != nil {
			t.Fatal(err)
		}
	}
	e.sh = &shell{dir: e.work, path: tools + ":" + pgBin + ":/usr/local/bin:/usr/bin:/bin"}
	tlsDir := filepath.Join(e.work, "tls")
	if err := os.MkdirAll(tlsDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeTLS(t, tlsDir)
	caPEM, err := os.ReadFile(filepath.Join(tlsDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	e.tools.vault, e.tools.kyso, e.tools.pg, e.tlsDir, e.pool = vaultBin, kysoBin, pgBin, tlsDir, pool

	e.phase("Vault: three Raft nodes, initialised and unsealed by the doc's commands")
	e.vault = newVaultCluster(t, e.sh, e.root, vaultBin, blocks, pool, tlsDir, 3, ".")
	t.Cleanup(e.vault.stopAll)
	e.pgPass = randomHex(t, 12)
	e.vault.settings = append(e.vault.settings, "KYSO_NODE_CIDRS=127.0.0.1/32", "KYSO_DB_PASSWORD="+e.pgPass)
	e.setting = e.vault.settings
	for i := range e.vault.nodes {
		e.vault.start(i)
	}
	e.vault.init()
	e.vault.unseal(0)
	e.vault.waitHealth(0, "active", 200)
	for i := 1; i < 3; i++ {
		// A new node joins the cluster by retry_join (initialised, still
		// sealed) before it can be unsealed.
		e.vault.waitHealth(i, "joined", 503)
		e.vault.unseal(i)
		e.vault.waitHealth(i, "standby", 429)
	}
	e.phase("Vault: Transit, kyso's policy and the AppRole")
	copyFile(t, filepath.Join(e.root, "deploy", "vault", "kyso-policy.hcl"), filepath.Join(e.work, "kyso-policy.hcl"))
	if _, err := e.sh.run(t.Context(), "", blocks["vault-setup"], "", append(e.setting, "VAULT_TOKEN="+e.vault.root)...); err != nil {
		t.Fatalf("vault-setup block: %v", err)
	}
	roleID, err := os.ReadFile(filepath.Join(e.work, "kyso-vault-role-id"))
	if err != nil {
		t.Fatal(err)
	}

	e.phase("PostgreSQL: kyso's role and database")
	e.pg = startPostgres(t, pgBin)
	if _, err := e.sh.run(t.Context(), "", blocks["postgres-setup"], "", append(e.setting, e.pg.adminEnv()...)...); err != nil {
		t.Fatalf("postgres-setup block: %v", err)
	}

	e.phase("kyso: CA and first admin token, then three nodes")
	etc := filepath.Join(e.work, "etc-kyso")
	if err := os.MkdirAll(etc, 0o700); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(e.root, "deploy", "cluster", "kyso.json"), filepath.Join(etc, "kyso.json"))
	for range 3 {
		e.nodes = append(e.nodes, &kysoNode{listen: freeAddr(t), metrics: freeAddr(t)})
	}
	e.base = []string{
		"PATH=" + e.sh.path, "HOME=" + e.work, "TMPDIR=" + e.work,
		"KYSO_CONFIG=" + filepath.Join(etc, "kyso.json"),
		"KYSO_DATABASE_DSN=" + e.pg.dsn(e.pgPass, "kyso"),
		"KYSO_VAULT_ROLE_ID=" + strings.TrimSpace(string(roleID)),
		"KYSO_VAULT_ADDRS=" + strings.Join([]string{e.vault.nodes[0].api, e.vault.nodes[1].api, e.vault.nodes[2].api}, ","),
		"KYSO_VAULT_CA_CERT=" + filepath.Join(tlsDir, "ca.pem"),
		"KYSO_VAULT_SECRET_ID_FILE=" + filepath.Join(e.work, "kyso-vault-secret-id"),
		// The public URL, written into certificates: the load balancer's.
		"KYSO_BASE_URL=" + e.nodes[0].url(),
		"KYSO_VERIFY_TRUST_DIRS=" + filepath.Join(e.root, "trust", "vn"),
		// Speed on two cores: ECDSA CA keys instead of RSA-4096/3072, and
		// a shorter lock of an Idempotency-Key whose node was killed.
		"KYSO_CA_ROOT_KEY_TYPE=ecdsa-p256", "KYSO_CA_ISSUING_KEY_TYPE=ecdsa-p256",
		"KYSO_HTTP_REQUEST_TIMEOUT=15s",
	}
	for i, n := range e.nodes {
		n.name = fmt.Sprintf("kyso-%d", i+1)
		n.bin = kysoBin
		n.dir = e.work
		n.log = filepath.Join(e.work, n.name+".log")
		// Each node lists its "own" Vault node first, as the docs suggest:
		// kyso-2 and kyso-3 start on standbys that forward to the leader.
		var addrs []string
		for j := range e.vault.nodes {
			addrs = append(addrs, e.vault.nodes[(i+j)%len(e.vault.nodes)].api)
		}
		n.env = append(append([]string{}, e.base...), "KYSO_LISTEN="+n.listen, "KYSO_METRICS_LISTEN="+n.metrics,
			"KYSO_VAULT_ADDRS="+strings.Join(addrs, ","))
	}
	var envFile strings.Builder
	for _, kv := range e.nodes[0].env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&envFile, "%s=%q\n", k, v)
	}
	if err := os.WriteFile(filepath.Join(etc, "kyso.env"), []byte(envFile.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// The doc's paths under /etc/kyso/ are the test's directory.
	initBlock := strings.ReplaceAll(blocks["kyso-init"], "/etc/kyso/", etc+"/")
	if _, err := e.sh.run(t.Context(), "", initBlock, ""); err != nil {
		t.Fatalf("kyso-init block: %v", err)
	}
	tok, err := os.ReadFile(filepath.Join(e.work, "admin-token"))
	if err != nil || len(bytes.TrimSpace(tok)) == 0 {
		t.Fatalf("kyso-init wrote no admin token: %v", err)
	}
	e.admin = strings.TrimSpace(string(tok))
	for _, n := range e.nodes {
		n.start(t)
	}
	t.Cleanup(func() {
		for _, n := range e.nodes {
			if p := n.proc(); p != nil {
				_ = p.signal(syscall.SIGTERM, 30*time.Second)
			}
		}
	})
	for _, n := range e.nodes {
		n.waitReady(t, e.client, 2*time.Minute)
	}
	return e
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err == nil {
		err = os.WriteFile(to, b, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// adminDo sends an admin request to node 0 and decodes its JSON answer.
func (e *env) adminDo(path string, body any, want int, out any) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.nodes[0].url()+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+e.admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("POST %s = %d %s, want %d", path, resp.StatusCode, raw, want)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
}

// signer is a client system with a seal to sign with.
type signer struct {
	clientID, apiKey, credential string
}

// newSigner registers a client system of org and issues the org's seal.
func (e *env) newSigner(name string) signer {
	var c struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	e.adminDo("/v1/clients", map[string]any{"name": name, "organizations": []string{org}}, http.StatusCreated, &c)
	var cred struct {
		CredentialID string `json:"credential_id"`
	}
	e.adminDo("/v1/certificates", map[string]any{"profile": "seal",
		"subject": map[string]string{"organization": org, "tax_code": "0103410294", "locality": "Hà Nội"}}, http.StatusCreated, &cred)
	if c.ID == "" || c.APIKey == "" || cred.CredentialID == "" {
		e.t.Fatalf("client %+v, credential %q", c, cred.CredentialID)
	}
	return signer{clientID: c.ID, apiKey: c.APIKey, credential: cred.CredentialID}
}

// document returns a one-page PDF unique to n: the page's text is changed
// in place, so the file stays valid.
func document(n int) []byte {
	doc := testpdf.Make(1, 512)
	mark := fmt.Sprintf("kyso doc %08d", n)
	if len(mark) != len(testpdf.Marker) {
		panic("document: the mark must keep testpdf.Marker's length")
	}
	return bytes.Replace(doc, []byte(testpdf.Marker), []byte(mark), 1)
}

// answer is what a signing request got.
type answer struct {
	status   int
	code     string // the error's stable code
	body     []byte
	replayed bool
	err      error // transport error
}

func (a answer) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	if a.status == http.StatusOK {
		return "200"
	}
	return fmt.Sprintf("%d %s", a.status, a.code)
}

// sign sends doc to node n's POST /v1/sign/pdf (B-B), with an
// Idempotency-Key when key is not empty.
func (e *env) sign(ctx context.Context, n *kysoNode, s signer, doc []byte, key string) answer {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "doc.pdf")
	fw.Write(doc)
	ow, _ := mw.CreateFormField("options")
	json.NewEncoder(ow).Encode(map[string]any{"credential_id": s.credential, "level": "B-B"})
	mw.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, n.url()+"/v1/sign/pdf", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{err: err}
	}
	a := answer{status: resp.StatusCode, body: raw, replayed: resp.Header.Get("Idempotent-Replayed") == "true"}
	if a.status != http.StatusOK {
		var e struct {
			Code string `json:"code"`
		}
		json.Unmarshal(raw, &e)
		a.code = e.Code
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && a.status == http.StatusConflict {
			a.body = []byte(strconv.Itoa(ra))
		}
	}
	return a
}

// signed is one Idempotency-Key of the load and the document it got.
type signed struct {
	key      string
	input    []byte
	output   []byte
	attempts []string // the answers before the document, "node: answer"
}

// load runs workers signing unique documents, each with its own
// Idempotency-Key, at about rate signatures a second in all, until stop is
// closed; a failed attempt is retried with the same key on the next node,
// as a load balancer would. It returns every key's outcome.
type load struct {
	e        *env
	s        signer
	answered atomic.Int64
	mu       sync.Mutex
	done     []*signed
	lost     []string
	wg       sync.WaitGroup
	stop     chan struct{}
}

func (e *env) startLoad(s signer, workers int, rate float64) *load {
	l := &load{e: e, s: s, stop: make(chan struct{})}
	tokens := make(chan int)
	go func() {
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-l.stop:
				close(tokens)
				return
			case <-tick.C:
			}
			select {
			case <-l.stop:
				close(tokens)
				return
			case tokens <- n:
			}
		}
	}()
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := range tokens {
				l.one(w, n)
			}
		}()
	}
	return l
}

// one signs document n until it is answered, or fails after 3 minutes.
func (l *load) one(w, n int) {
	e := l.e
	sg := &signed{key: fmt.Sprintf("cluster-%06d-%s", n, randomHex(e.t, 4)), input: document(n)}
	deadline := time.Now().Add(3 * time.Minute)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		node := e.nodes[(w+attempt)%len(e.nodes)]
		a := e.sign(context.Background(), node, l.s, sg.input, sg.key)
		if a.status == http.StatusOK {
			sg.output = a.body
			l.mu.Lock()
			l.done = append(l.done, sg)
			l.mu.Unlock()
			l.answered.Add(1)
			return
		}
		sg.attempts = append(sg.attempts, node.name+": "+a.String())
		// The retry of a load balancer: at once to the next node, after
		// Retry-After (at most 5 s) when the key is busy.
		wait := 100 * time.Millisecond
		if a.status == http.StatusConflict && a.code == "idempotency_in_progress" {
			if ra, err := strconv.Atoi(string(a.body)); err == nil && ra > 0 {
				wait = time.Duration(min(ra, 5)) * time.Second
			}
		}
		time.Sleep(wait)
	}
	l.mu.Lock()
	l.lost = append(l.lost, fmt.Sprintf("%s: no document within 3 minutes: %v", sg.key, sg.attempts))
	l.mu.Unlock()
}

// waitAnswered waits until n more keys than now are answered.
func (l *load) waitAnswered(n int64, what string) {
	l.e.t.Helper()
	target := l.answered.Load() + n
	waitFor(l.e.t, fmt.Sprintf("%d more signatures (%s)", n, what), 2*time.Minute, func() error {
		if got := l.answered.Load(); got < target {
			return fmt.Errorf("%d of %d answered", got, target)
		}
		return nil
	})
}

// finish stops the load and waits for the keys in progress.
func (l *load) finish() {
	close(l.stop)
	l.wg.Wait()
}
