package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/store"
)

// stack is kyso's HTTP API over a real Vault mount, real SQLite and a real
// HTTP listener.
type stack struct {
	t     *testing.T
	srv   *httptest.Server
	api   *api.Server
	ca    *ca.Authority
	keys  *keys.Manager
	token string
	dir   string
	store store.Store
}

type stackOpts struct {
	noBootstrap bool
	idempotency bool // keep Idempotency-Key records in the store
	pins        api.PINAdmin
	mutate      func(*ca.Config)
	// slow, if set, stands between kyso and Vault (key creation held
	// back on cue), and createTimeout bounds a key creation.
	slow          *vaulttest.SlowTransit
	createTimeout time.Duration
	// log, if set, is the server's logger (the access log).
	log *slog.Logger
	// idemHook, if set, wraps the store's Idempotency-Key records (with
	// idempotency): a test acts on the real database at a chosen moment.
	idemHook func(api.IdempotencyStore) api.IdempotencyStore
	// audit records into the store's audit log.
	audit bool
}

func newStack(t *testing.T, o stackOpts) *stack {
	t.Helper()
	ctx := context.Background()
	client := vaulttest.Client(t)
	if o.slow != nil {
		c, err := client.Clone()
		if err == nil {
			err = c.SetAddress(o.slow.URL)
		}
		if err != nil {
			t.Fatal(err)
		}
		c.SetToken(client.Token())
		client = c
	}
	km, err := keys.New(client, keys.Config{Mount: vaulttest.NewMount(t), Timeout: 5 * time.Second, CreateTimeout: o.createTimeout})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := &stack{t: t, keys: km, dir: dir, store: st}
	// The base URL must be known before the CA writes it into certificates:
	// start the listener first, then install the handler.
	var h http.Handler
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(s.srv.Close)
	cfg := ca.Config{BaseURL: s.srv.URL, RootKeyType: "rsa-2048"}
	if o.mutate != nil {
		o.mutate(&cfg)
	}
	s.ca, err = ca.New(cfg, st, keys.Named{M: km})
	if err != nil {
		t.Fatal(err)
	}
	if !o.noBootstrap {
		if _, err := s.ca.Bootstrap(ctx); err != nil {
			t.Fatalf("Bootstrap() = %v", err)
		}
	}
	admins := auth.NewAdmins(st)
	if s.token, err = admins.Create(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	deps := api.Deps{CA: s.ca, Admins: admins}
	if o.idempotency {
		deps.Idempotency = st
		if o.idemHook != nil {
			deps.Idempotency = o.idemHook(st)
		}
	}
	deps.PINs = o.pins
	if o.audit {
		deps.Audit = auditLog{audit.New(st)}
	}
	s.api = api.New(api.Config{Logger: o.log, Ready: []api.Check{
		{Name: "vault", Fn: km.Health}, {Name: "database", Fn: st.Ping}, {Name: "ca", Fn: s.ca.Ready},
	}}, deps)
	h = s.api
	return s
}

// call sends a request with the admin token and returns status and body.
func (s *stack) call(method, path string, body any) (int, []byte) {
	s.t.Helper()
	return s.raw(method, path, "application/json", body, s.token)
}

func (s *stack) raw(method, path, ct string, body any, token string) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil && ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, data
}

type certResp struct {
	ID               string `json:"id"`
	CredentialID     string `json:"credential_id"`
	Serial           string `json:"serial"`
	Status           string `json:"status"`
	NotBefore        string `json:"not_before"`
	NotAfter         string `json:"not_after"`
	Certificate      string `json:"certificate"`
	Chain            string `json:"chain"`
	RevocationReason string `json:"revocation_reason"`
	KeyVersion       int    `json:"key_version"`
}

func (s *stack) issue(req any) certResp {
	s.t.Helper()
	code, body := s.call("POST", "/v1/certificates", req)
	if code != http.StatusCreated {
		s.t.Fatalf("POST /v1/certificates = %d %s", code, body)
	}
	var c certResp
	if err := json.Unmarshal(body, &c); err != nil {
		s.t.Fatal(err)
	}
	return c
}

// derToPEMFile fetches a DER certificate from path and writes it as PEM.
func (s *stack) fetchPEM(path, file string) string {
	s.t.Helper()
	code, der := s.raw("GET", path, "", nil, "")
	if code != 200 {
		s.t.Fatalf("GET %s = %d %s", path, code, der)
	}
	return writeFile(s.t, filepath.Join(s.dir, file), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// splitPEM returns the PEM blocks of s, each re-encoded.
func splitPEM(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		out = append(out, string(pem.EncodeToMemory(b)))
	}
	return out
}

// openssl runs the openssl command line (a tool kyso did not write) and
// returns its combined output.
func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "openssl", args...).CombinedOutput()
	return string(out), err
}

func mustOpenSSL(t *testing.T, args ...string) string {
	t.Helper()
	out, err := openssl(t, args...)
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// auditLog is app's Auditor on a real audit log, as cmd/kyso wires it.
type auditLog struct{ log *audit.Log }

func (a auditLog) Record(ctx context.Context, e app.AuditEvent) error {
	return a.log.Record(ctx, audit.Event(e))
}
