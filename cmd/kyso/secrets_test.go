package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// secretFiles are the files under the data directory of `kyso dev` that
// exist to hold development secrets; they are the only files not searched.
var secretFiles = []string{"dev.env", "admin-token", filepath.Join("vault", "unseal.json")}

// answer is one HTTP answer of kyso, kept for the search for echoed
// secrets. mayShow names the one secret the answer is meant to show.
type answer struct {
	what    string
	status  int
	header  http.Header
	body    []byte
	mayShow string
}

// secretProbe drives a `kyso dev` subprocess and records what it answered.
type secretProbe struct {
	url     string
	answers []*answer
}

func (p *secretProbe) do(t *testing.T, what, method, path, token, ctype string, body []byte, hdr map[string]string) *answer {
	t.Helper()
	req, err := http.NewRequest(method, p.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: time.Minute}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: read answer: %v", what, err)
	}
	a := &answer{what: what, status: resp.StatusCode, header: resp.Header, body: b}
	p.answers = append(p.answers, a)
	return a
}

func (p *secretProbe) json(t *testing.T, what, method, path, token string, body any) *answer {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v) // raw, possibly malformed, JSON
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	ctype := ""
	if b != nil {
		ctype = "application/json"
	}
	return p.do(t, what, method, path, token, ctype, b, nil)
}

// multipart posts a file part and a raw JSON options part.
func (p *secretProbe) multipart(t *testing.T, what, path, token string, file []byte, opts string) *answer {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "doc.pdf")
	fw.Write(file)
	ow, _ := mw.CreateFormField("options")
	io.WriteString(ow, opts)
	mw.Close()
	return p.do(t, what, "POST", path, token, mw.FormDataContentType(), body.Bytes(), nil)
}

func (a *answer) field(t *testing.T, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("%s: answer %d is not JSON: %v: %.300s", a.what, a.status, err, a.body)
	}
	s, _ := m[name].(string)
	if s == "" {
		t.Fatalf("%s: answer %d has no %q: %.300s", a.what, a.status, name, a.body)
	}
	return s
}

func (a *answer) errorCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(a.body, &e)
	return e.Error.Code
}

func (a *answer) want(t *testing.T, status int, code string) {
	t.Helper()
	if a.status != status || (code != "" && a.errorCode() != code) {
		t.Errorf("%s = %d %.300s, want %d %s", a.what, a.status, a.body, status, code)
	}
}

// secretForms returns the ways a secret may show up in a log or a file:
// as is, percent-encoded, in hex and in base64 (standard and URL alphabet,
// at each of the three alignments inside a longer base64 text), and the
// random part of a prefixed token (kyso_cli_…, hvs.…) on its own.
func secretForms(s string) map[string]string {
	f := map[string]string{"plain": s}
	if q := url.QueryEscape(s); q != s {
		f["percent-encoded"] = q
	}
	if i := strings.LastIndexAny(s, "_."); i >= 0 && len(s)-i-1 >= 16 {
		f["random part"] = s[i+1:]
	}
	b := []byte(s)
	f["hex"] = hex.EncodeToString(b)
	f["HEX"] = strings.ToUpper(hex.EncodeToString(b))
	for pad := 0; pad < 3; pad++ {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, pad), b...))
		// Drop the quantum holding the padding bytes and the last one,
		// which depends on what follows the secret in a longer text.
		start := 0
		if pad > 0 {
			start = 4
		}
		mid := enc[start : len(enc)-4]
		if (pad+len(b))%3 == 0 {
			mid = enc[start:]
		}
		if len(mid) < 8 {
			continue
		}
		f[fmt.Sprintf("base64@%d", pad)] = mid
		if u := strings.NewReplacer("+", "-", "/", "_").Replace(mid); u != mid {
			f[fmt.Sprintf("base64url@%d", pad)] = u
		}
	}
	return f
}

// TestSecretsNeverLeak runs the kyso binary as `kyso dev` (a subprocess, so
// that its stderr — where its logger writes — can be captured), drives a
// realistic flow through the API with admin token, client API key and
// citizens' PINs, provokes errors (bogus credentials, wrong PINs, a sealed
// Vault), stops kyso, and then searches everything kyso wrote and every
// API answer for every secret.
func TestSecretsNeverLeak(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	vaultBin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bin := buildKyso(ctx, t, work)
	dir := filepath.Join(work, "data")
	stderrPath := filepath.Join(work, "kyso.stderr")
	stderr, err := os.Create(stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	stdoutPath := filepath.Join(work, "kyso.stdout")
	stdout, err := os.Create(stdoutPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()

	cmd := exec.Command(bin, "dev", "--data", dir, "--listen", "127.0.0.1:0", "--vault-listen", freePort(t),
		"--vault-bin", vaultBin, "--verify-per-minute", "-1")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Neither a token from the caller's environment nor one of ours may
	// reach the process except through its own files.
	cmd.Env = envWithout(os.Environ(), "VAULT_TOKEN", "KYSO_ADMIN_TOKEN", "VAULT_ADDR", "KYSO_URL")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return err
		}
		select {
		case err := <-exited:
			return err
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			<-exited
			return errors.New("kyso dev did not stop within a minute of SIGTERM; killed")
		}
	}
	t.Cleanup(func() { _ = stop() })
	logs := func() string { b, _ := os.ReadFile(stderrPath); return string(b) }

	env := waitDevReady(t, ctx, filepath.Join(dir, "dev.env"), exited, logs)
	p := &secretProbe{url: env["KYSO_URL"]}
	admin := env["KYSO_ADMIN_TOKEN"]
	var unseal struct {
		UnsealKey string `json:"unseal_key"`
		RootToken string `json:"root_token"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "vault", "unseal.json")); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(b, &unseal); err != nil || unseal.UnsealKey == "" || unseal.RootToken == "" {
		t.Fatalf("vault/unseal.json: %v %s", err, b)
	}
	if env["VAULT_TOKEN"] != unseal.RootToken {
		t.Fatalf("dev.env VAULT_TOKEN is not the root token of unseal.json")
	}

	// PINs are 12 digits (the longest allowed) so that finding one in a log
	// cannot be a coincidence of timestamps, serials or request ids.
	const (
		pinIssued  = "482915730264" // set at issuance, replaced later
		pinSet     = "730164295817" // set through /v1/credentials/{id}/pin
		pinWrong   = "591037284610" // never right
		pinNumber  = "650392817436" // sent as a JSON number: a type error
		pinHeader  = "813502946721" // wrong, sent in the Kyso-Options header
		pinSeal    = "274081369520" // refused: a PIN for a seal credential
		pinInvalid = "9137402856a"  // refused by the PIN rules
		bogusAdmin = "kyso_adm_bogusq7vd3kx2mzr5wn8tj4hl6yc9pfe0sa1ubio"
		bogusCli   = "kyso_cli_bogusz4nw8qm2xk7rt5vd9jh3lp6cy0ef1gsaub"
	)

	// A client system of the agency; its API key is shown once.
	reg := p.json(t, "create client", "POST", "/v1/clients", admin, map[string]any{"name": "e-office Hà Nội", "organizations": []string{hanoi}})
	if reg.status != 201 {
		t.Fatalf("create client = %d %s", reg.status, reg.body)
	}
	clientKey, clientID := reg.field(t, "api_key"), reg.field(t, "id")
	reg.mayShow = clientKey

	secrets := []struct{ name, value string }{
		{"admin token", admin},
		{"client API key", clientKey},
		{"Vault root token", unseal.RootToken},
		{"Vault unseal key", unseal.UnsealKey},
		{"PIN set at issuance", pinIssued},
		{"PIN set later", pinSet},
		{"wrong PIN", pinWrong},
		{"PIN sent as a number", pinNumber},
		{"wrong PIN in Kyso-Options", pinHeader},
		{"PIN sent for a seal", pinSeal},
		{"PIN refused by the rules", pinInvalid},
		{"bogus admin token", bogusAdmin},
		{"bogus client key", bogusCli},
	}

	// Credentials: the agency's seal and a citizen with a PIN.
	sealIss := p.json(t, "issue seal", "POST", "/v1/certificates", admin, map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "budget_code": "1058600", "locality": "Hà Nội"}})
	if sealIss.status != 201 {
		t.Fatalf("issue seal = %d %s", sealIss.status, sealIss.body)
	}
	seal := sealIss.field(t, "credential_id")
	citIss := p.json(t, "issue citizen with a PIN", "POST", "/v1/certificates", admin, map[string]any{"profile": "citizen", "pin": pinIssued,
		"client_id": clientID, "subject": map[string]string{"name": "Nguyễn Văn An", "cccd": "001099012345", "locality": "Hà Nội"}})
	if citIss.status != 201 {
		t.Fatalf("issue citizen = %d %s", citIss.status, citIss.body)
	}
	// The citizen's TOTP seed is shown in this answer only, then kept
	// encrypted by Vault Transit: it must be nowhere else.
	var issued map[string]any
	if err := json.Unmarshal(citIss.body, &issued); err != nil {
		t.Fatal(err)
	}
	ph := newPhone(t, issued)
	citIss.mayShow = ph.seed
	secrets = append(secrets, struct{ name, value string }{"TOTP seed", ph.seed})
	// authorize has the citizen authorise doc with pin; the SAD is a
	// secret shown only in that answer.
	authorize := func(what, pin, otp string, doc []byte) *answer {
		sum := sha256.Sum256(doc)
		a := p.json(t, what, "POST", "/v1/credentials/"+citIss.field(t, "credential_id")+"/authorize", clientKey,
			map[string]any{"pin": pin, "otp": otp, "document_sha256": []string{hex.EncodeToString(sum[:])}})
		if a.status == 200 {
			sad := a.field(t, "sad")
			a.mayShow = sad
			secrets = append(secrets, struct{ name, value string }{"SAD of " + what, sad})
		}
		return a
	}
	citizen, citizenCert := citIss.field(t, "credential_id"), citIss.field(t, "id")
	p.json(t, "get citizen certificate", "GET", "/v1/certificates/"+citizenCert, admin, nil).want(t, 200, "")
	p.json(t, "list certificates", "GET", "/v1/certificates", admin, nil).want(t, 200, "")
	p.json(t, "issue seal with a PIN", "POST", "/v1/certificates", admin, map[string]any{"profile": "seal", "pin": pinSeal, "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "locality": "Hà Nội"}}).want(t, 400, "invalid_request")
	p.json(t, "issue citizen with an invalid PIN", "POST", "/v1/certificates", admin, map[string]any{"profile": "citizen", "pin": pinInvalid,
		"subject": map[string]string{"name": "Trần Văn Bình", "cccd": "001099054321", "locality": "Hà Nội"}}).want(t, 400, "")

	// The PIN is replaced; a malformed request carries one too.
	p.json(t, "set PIN without evidence", "POST", "/v1/credentials/"+citizen+"/pin", admin, map[string]string{"pin": pinSet}).want(t, 400, "invalid_request")
	p.json(t, "set PIN", "POST", "/v1/credentials/"+citizen+"/pin", admin, map[string]any{"pin": pinSet, "evidence": evidence}).want(t, 200, "")
	p.json(t, "set PIN, malformed JSON", "POST", "/v1/credentials/"+citizen+"/pin", admin, `{"pin": "`+pinWrong+`", "x": }`).want(t, 400, "malformed_json")
	p.json(t, "set PIN, as a number", "POST", "/v1/credentials/"+citizen+"/pin", admin, `{"pin": `+pinNumber+`}`).want(t, 400, "malformed_json")
	p.json(t, "set invalid PIN", "POST", "/v1/credentials/"+citizen+"/pin", admin, map[string]any{"pin": pinInvalid, "evidence": evidence}).want(t, 400, "")
	p.json(t, "get citizen certificate after set PIN", "GET", "/v1/certificates/"+citizenCert, admin, nil).want(t, 200, "")

	// Signing: the seal, the citizen with the right PIN and code and with
	// wrong ones (short of the lock), and with a bare PIN.
	doc := testpdf.Make(1, 8<<10)
	signedSeal := p.multipart(t, "sign with the seal", "/v1/sign/pdf", clientKey, doc, `{"credential_id":"`+seal+`","level":"B-T"}`)
	signedSeal.want(t, 200, "")
	authorize("authorize, the replaced PIN", pinIssued, ph.code(t), doc).want(t, 403, "consent_failed")
	authorize("authorize, wrong PIN", pinWrong, "000000", doc).want(t, 403, "consent_failed")
	sadPDF := authorize("authorize the PDF", pinSet, ph.code(t), doc)
	sadPDF.want(t, 200, "")
	signed := p.multipart(t, "sign as citizen, with the SAD", "/v1/sign/pdf", clientKey, doc, `{"credential_id":"`+citizen+`","sad":"`+sadPDF.mayShow+`"}`)
	signed.want(t, 200, "")
	p.multipart(t, "sign as citizen, right PIN alone", "/v1/sign/pdf", clientKey, doc, `{"credential_id":"`+citizen+`","pin":"`+pinSet+`"}`).want(t, 403, "consent_failed")
	p.multipart(t, "sign as citizen, wrong PIN", "/v1/sign/pdf", clientKey, doc, `{"credential_id":"`+citizen+`","pin":"`+pinWrong+`"}`).want(t, 403, "consent_failed")
	p.multipart(t, "sign as citizen, PIN as a number", "/v1/sign/pdf", clientKey, doc, `{"credential_id":"`+citizen+`","pin":`+pinNumber+`}`).want(t, 400, "")
	p.multipart(t, "sign as citizen, unknown option", "/v1/sign/pdf", clientKey, doc, `{"credential_id":"`+citizen+`","pin":"`+pinWrong+`","bogus":1}`).want(t, 400, "")
	p.do(t, "sign as citizen, wrong PIN in Kyso-Options", "POST", "/v1/sign/pdf", clientKey, "application/pdf", doc,
		map[string]string{"Kyso-Options": `{"credential_id":"` + citizen + `","pin":"` + pinHeader + `"}`}).want(t, 403, "consent_failed")
	sadCMS := authorize("authorize the CMS data", pinSet, ph.code(t), []byte("dữ liệu"))
	sadCMS.want(t, 200, "")
	p.multipart(t, "sign CMS as citizen, with the SAD", "/v1/sign/cms", clientKey, []byte("dữ liệu"), `{"credential_id":"`+citizen+`","sad":"`+sadCMS.mayShow+`"}`).want(t, 200, "")

	// Bogus and misused credentials.
	p.json(t, "list with a bogus admin token", "GET", "/v1/certificates", bogusAdmin, nil).want(t, 401, "unauthorized")
	p.json(t, "create client with a bogus admin token", "POST", "/v1/clients", bogusAdmin, map[string]any{"name": "x", "organizations": []string{hanoi}}).want(t, 401, "unauthorized")
	p.json(t, "list with the client key", "GET", "/v1/certificates", clientKey, nil).want(t, 401, "unauthorized")
	p.multipart(t, "sign with a bogus client key", "/v1/sign/pdf", bogusCli, doc, `{"credential_id":"`+citizen+`","pin":"`+pinSet+`"}`).want(t, 401, "")
	p.multipart(t, "sign with the admin token", "/v1/sign/pdf", admin, doc, `{"credential_id":"`+seal+`"}`).want(t, 401, "")
	p.do(t, "admin token in a query string", "GET", "/v1/certificates?token="+admin, "", "", nil, nil).want(t, 401, "")
	p.do(t, "unknown path", "GET", "/v1/nothing-here", admin, "", nil, nil).want(t, 404, "not_found")

	// Server errors: with Vault sealed, issuance and signing fail with
	// 503s that kyso logs with their cause.
	dv, err := devvault.Attach(filepath.Join(dir, "vault"), env["VAULT_ADDR"])
	if err != nil {
		t.Fatal(err)
	}
	if err := dv.Seal(ctx); err != nil {
		t.Fatalf("seal vault: %v", err)
	}
	authorize("authorize, Vault sealed", pinSet, "000000", doc).want(t, 503, "")
	p.json(t, "issue citizen, Vault sealed", "POST", "/v1/certificates", admin, map[string]any{"profile": "citizen", "pin": pinSet,
		"subject": map[string]string{"name": "Lê Văn Cường", "cccd": "001099067890", "locality": "Hà Nội"}}).want(t, 503, "")
	p.do(t, "readyz, Vault sealed", "GET", "/readyz", "", "", nil, nil).want(t, 503, "")
	if err := dv.Unseal(ctx); err != nil {
		t.Fatalf("unseal vault: %v", err)
	}
	waitReady(t, ctx, p.url)

	// Verification, by anyone.
	if signed.status == 200 {
		p.do(t, "verify the citizen's PDF", "POST", "/v1/verify/pdf", "", "application/pdf", signed.body, nil).want(t, 200, "")
	}
	p.do(t, "verify garbage", "POST", "/v1/verify/pdf", "", "application/pdf", []byte("%PDF-1.7 "+pinWrong), nil)

	// The CLI reads dev.env; with a bogus token its error must not show it.
	cliOut := map[string][]byte{}
	out, err := exec.CommandContext(ctx, bin, "cert", "list", "--env", filepath.Join(dir, "dev.env")).CombinedOutput()
	if err != nil {
		t.Errorf("kyso cert list: %v\n%s", err, out)
	}
	cliOut["kyso cert list"] = out
	bogusEnv := filepath.Join(work, "bogus.env")
	writeFileT(t, bogusEnv, []byte("KYSO_URL="+p.url+"\nKYSO_ADMIN_TOKEN="+bogusAdmin+"\n"))
	out, err = exec.CommandContext(ctx, bin, "cert", "list", "--env", bogusEnv).CombinedOutput()
	if err == nil {
		t.Errorf("kyso cert list with a bogus token succeeded:\n%s", out)
	}
	cliOut["kyso cert list (bogus token)"] = out

	if err := stop(); err != nil {
		t.Errorf("kyso dev after SIGTERM: %v\n%s", err, logs())
	}

	// Every API answer: no secret, but for the one the answer shows.
	for _, a := range p.answers {
		var hdr bytes.Buffer
		a.header.Write(&hdr)
		for _, s := range secrets {
			if s.value == a.mayShow {
				continue
			}
			for form, v := range secretForms(s.value) {
				if bytes.Contains(a.body, []byte(v)) {
					t.Errorf("answer to %q (%d) contains the %s (%s): %.400s", a.what, a.status, s.name, form, a.body)
				}
				if bytes.Contains(hdr.Bytes(), []byte(v)) {
					t.Errorf("headers of the answer to %q contain the %s (%s): %s", a.what, s.name, form, hdr.Bytes())
				}
			}
		}
	}
	if !bytes.Contains(reg.body, []byte(clientKey)) {
		t.Errorf("create client answer does not show the api_key")
	}

	// Everything kyso wrote: its stderr and stdout, the CLI's output, and
	// every file under the data directory but the dev secret files.
	written := map[string][]byte{}
	for _, f := range []string{stderrPath, stdoutPath} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		written[filepath.Base(f)] = b
	}
	for k, v := range cliOut {
		written[k] = v
	}
	if !strings.Contains(string(written["kyso.stderr"]), "kyso dev ready") {
		t.Errorf("kyso's stderr was not captured:\n%s", written["kyso.stderr"])
	}
	skip := map[string]bool{}
	for _, f := range secretFiles {
		skip[f] = true
	}
	var searched []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if skip[rel] {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		written[rel] = b
		searched = append(searched, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"vault.log", "kyso.db"} {
		if _, ok := written[want]; !ok {
			t.Errorf("%s not found under the data directory; searched %v", want, searched)
		}
	}
	t.Logf("searched %d files under the data directory (all but %v): %v; kyso's stderr (%d bytes) and %d CLI outputs",
		len(searched), secretFiles, searched, len(written["kyso.stderr"]), len(cliOut))
	for name, b := range written {
		for _, s := range secrets {
			for form, v := range secretForms(s.value) {
				if i := bytes.Index(b, []byte(v)); i >= 0 {
					t.Errorf("%s contains the %s (%s): …%q…", name, s.name, form, around(b, i, len(v)))
				}
			}
		}
	}
}

// around is the line around b[i:i+n], or 200 bytes either side in a
// binary file.
func around(b []byte, i, n int) []byte {
	start, end := max(0, i-200), min(len(b), i+n+200)
	if j := bytes.LastIndexByte(b[start:i], '\n'); j >= 0 {
		start += j + 1
	}
	if j := bytes.IndexByte(b[i+n:end], '\n'); j >= 0 {
		end = i + n + j
	}
	return b[start:end]
}

func envWithout(env []string, names ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// waitDevReady waits until the kyso dev subprocess has written dev.env and
// answers /readyz with 200.
func waitDevReady(t *testing.T, ctx context.Context, envPath string, exited <-chan error, logs func() string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			t.Fatalf("kyso dev exited early: %v\n%s", err, logs())
		case <-ctx.Done():
			t.Fatalf("kyso dev did not become ready within 2 minutes\n%s", logs())
		case <-tick.C:
		}
		env, err := readEnvFile(envPath)
		if err != nil || env["KYSO_URL"] == "" {
			continue
		}
		if devReadyz(env["KYSO_URL"]) {
			return env
		}
	}
}

func waitReady(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !devReadyz(base) {
		select {
		case <-ctx.Done():
			t.Fatal("kyso not ready within a minute of unsealing Vault")
		case <-tick.C:
		}
	}
}

func devReadyz(base string) bool {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
