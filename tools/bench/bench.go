package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/kyso-vn/kyso/internal/testpdf"
)

// agency is the organisation of the bench's client system and seal.
const agency = "Ủy ban nhân dân Thành phố Hà Nội"

// maxBatchBytes is kyso's default http.max_batch_bytes.
const maxBatchBytes = 256 << 20

// rawKeyName is the Transit key of the raw Vault measurements.
const rawKeyName = "bench-raw"

// document is one of the generated PDFs.
type document struct {
	key      string // result key: "200KB"
	label    string // "200 KB"
	pages    int
	data     []byte
	path     string
	perBatch int // documents per batch request
}

// verifyFile is a PDF the verifiers are measured on.
type verifyFile struct {
	key  string // result key: "bt" or the path under -realworld
	path string
	data []byte
}

// bench holds the state of one run.
type bench struct {
	cfg        config
	tmp        string
	docs       []*document
	xmlDocs    []*xmlDoc
	realworld  []verifyFile
	bt         verifyFile // kyso's B-T output, 200 KB
	btValid    bool
	trustDir   string
	cliPath    string
	peer       *peerPKI
	kyso       *kysoProc
	dataDir    string  // kyso dev's
	rssLimitMB float64 // MB: more than kyso holds idle; see freshKyso
	restarts   int
	http       *http.Client
	vault      *vault.Client
	apiKey     string
	credID     string
	cliSeq     atomic.Int64

	results     map[string][]figure
	problems    map[string]map[string]int // measurement → error → count
	logProblems map[string]int            // kyso log line (without time) → count
	machine     machine
	elapsed     time.Duration
}

// figure is one measurement in one round.
type figure struct {
	rate float64 // documents (signatures) per second
	lat  latencyStats
	cpu  time.Duration // CPU per document; 0 when not measured
	// vaultCPU is Vault's part of cpu and clientCPU the bench's own CPU
	// per document, in measurements of kyso.
	vaultCPU, clientCPU time.Duration
	rssKB               int64 // kyso's peak RSS; 0 when not measured
	ops                 int
	failed              int
	offered             float64 // the open loop's rate, documents per second
}

func (b *bench) makeDocuments() {
	for _, d := range []struct {
		key, label   string
		pages, extra int
	}{
		{"200KB", "200 KB", 10, 200 << 10},
		{"2MB", "2 MB", 40, 2 << 20},
		{"20MB", "20 MB", 100, 20 << 20},
	} {
		data := testpdf.Make(d.pages, d.extra)
		per := min(b.cfg.batchDocs, maxBatchBytes/len(data))
		b.docs = append(b.docs, &document{key: d.key, label: d.label, pages: d.pages, data: data, perBatch: per})
	}
}

func (b *bench) writeDocuments() error {
	if err := os.MkdirAll(filepath.Join(b.tmp, "cli-out"), 0o700); err != nil {
		return err
	}
	for _, d := range b.docs {
		d.path = filepath.Join(b.tmp, "doc-"+d.key+".pdf")
		if err := os.WriteFile(d.path, d.data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// findPDFs lists the PDFs under dir.
func findPDFs(dir string) ([]verifyFile, error) {
	var out []verifyFile
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(p), ".pdf") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, verifyFile{key: filepath.ToSlash(rel), path: p, data: data})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no PDF under %s", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}

// setup registers the client system, issues the seal, fetches kyso's root
// for the verifiers, makes the B-T document and the raw Transit key.
func (b *bench) setup(ctx context.Context) error {
	var err error
	if b.apiKey, _, err = b.registerClient(ctx, "bench"); err != nil {
		return err
	}
	if b.credID, err = b.issueSeal(ctx); err != nil {
		return err
	}

	if err := b.fetchRoot(ctx); err != nil {
		return err
	}
	// kyso's own B-T output: the 200 KB document, signed once.
	var bt bytes.Buffer
	if _, err := b.signPDF(ctx, b.docs[0].data, "B-T", &bt); err != nil {
		return fmt.Errorf("sign the B-T document: %w", err)
	}
	b.bt = verifyFile{key: "bt", path: filepath.Join(b.tmp, "kyso-B-T.pdf"), data: bt.Bytes()}
	if err := os.WriteFile(b.bt.path, b.bt.data, 0o600); err != nil {
		return err
	}
	if b.btValid, err = b.verifyAPI(ctx, b.bt.data); err != nil {
		return fmt.Errorf("verify the B-T document: %w", err)
	}
	b.xmlDocs = makeXMLDocuments()
	if err := b.prepareXML(ctx); err != nil {
		return err
	}
	if err := b.checkOutputs(ctx); err != nil {
		return err
	}

	if err := b.connectVault(); err != nil {
		return err
	}
	if _, err := b.vault.Logical().WriteWithContext(ctx, b.cfg.transitMount+"/keys/"+rawKeyName, map[string]any{"type": "rsa-2048"}); err != nil {
		return fmt.Errorf("create Transit key %s: %w", rawKeyName, err)
	}

	// What kyso holds when idle decides when it must be restarted to
	// measure a phase's own peak RSS.
	kb, err := statusKB(b.kyso.pid, "VmRSS")
	if err != nil {
		return err
	}
	b.rssLimitMB = max(targetRSSBase, 2*mb(kb))
	return nil
}

// registerClient registers a client system of the agency through the
// admin API; it returns its API key and ID.
func (b *bench) registerClient(ctx context.Context, name string) (apiKey, id string, err error) {
	var client struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	if err := b.adminJSON(ctx, "/v1/clients", map[string]any{"name": name, "organizations": []string{agency}}, &client); err != nil {
		return "", "", fmt.Errorf("register the client system: %w", err)
	}
	if client.APIKey == "" || client.ID == "" {
		return "", "", errors.New("register the client system: kyso answered without api_key or id")
	}
	return client.APIKey, client.ID, nil
}

// issueSeal issues the agency's RSA-2048 seal through the admin API; it
// returns the credential's ID.
func (b *bench) issueSeal(ctx context.Context) (string, error) {
	var cert struct {
		CredentialID string `json:"credential_id"`
	}
	err := b.adminJSON(ctx, "/v1/certificates", map[string]any{
		"profile": "seal", "key_type": "rsa-2048",
		"subject": map[string]string{"organization": agency, "tax_code": "0103410294", "locality": "Hà Nội"},
	}, &cert)
	if err != nil {
		return "", fmt.Errorf("issue the seal: %w", err)
	}
	if cert.CredentialID == "" {
		return "", errors.New("issue the seal: kyso answered without credential_id")
	}
	return cert.CredentialID, nil
}

// connectVault makes the client of kyso dev's Vault, from dev.env.
func (b *bench) connectVault() error {
	vcfg := vault.DefaultConfig()
	vcfg.Address = b.kyso.env["VAULT_ADDR"]
	vcfg.MaxRetries = 0
	vcfg.Timeout = time.Minute
	if t, ok := vcfg.HttpClient.Transport.(*http.Transport); ok {
		t.MaxIdleConnsPerHost = 4 * max(b.cfg.concurrency, 16)
	}
	vc, err := vault.NewClient(vcfg)
	if err != nil {
		return fmt.Errorf("vault client: %w", err)
	}
	vc.SetToken(b.kyso.env["VAULT_TOKEN"])
	b.vault = vc
	return nil
}

// checkOutputs makes sure that what is measured signs: one document of
// each signer (kyso B-B, pdfsign in process, pdfsign's command line) must
// be what pdfsig calls a valid signature of the expected type.
func (b *bench) checkOutputs(ctx context.Context) error {
	d := b.docs[0]
	var kyso, inproc bytes.Buffer
	if _, err := b.signPDF(ctx, d.data, "B-B", &kyso); err != nil {
		return fmt.Errorf("sign with kyso: %w", err)
	}
	if err := b.peer.signInProcess(d.data, &inproc); err != nil {
		return err
	}
	cliOut := filepath.Join(b.tmp, "check-pdfsign-cli.pdf")
	var cpu atomic.Int64
	if err := b.cliSign(ctx, d.path, cliOut, &cpu); err != nil {
		return err
	}
	cli, err := os.ReadFile(cliOut)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name, subFilter string
		data            []byte
	}{
		{"kyso", "ETSI.CAdES.detached", kyso.Bytes()},
		{"pdfsign in process", "ETSI.CAdES.detached", inproc.Bytes()},
		{"pdfsign's command line", "adbe.pkcs7.detached", cli},
		{"kyso B-T", "ETSI.CAdES.detached", b.bt.data},
	} {
		path := filepath.Join(b.tmp, "check.pdf")
		if err := os.WriteFile(path, c.data, 0o600); err != nil {
			return err
		}
		out, err := exec.CommandContext(ctx, b.cfg.pdfsig, path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("pdfsig on %s's output: %v\n%s", c.name, err, out)
		}
		if !bytes.Contains(out, []byte("Signature is Valid")) || !bytes.Contains(out, []byte("Signature Type: "+c.subFilter)) {
			return fmt.Errorf("pdfsig does not find a valid %s signature in %s's output:\n%s", c.subFilter, c.name, out)
		}
	}
	return nil
}

// fetchRoot writes kyso's root certificate as PEM into the trust directory
// of `kyso verify`.
func (b *bench) fetchRoot(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.kyso.env["KYSO_URL"]+"/pki/root.crt", nil)
	if err != nil {
		return err
	}
	resp, err := b.http.Do(req)
	if err != nil {
		return fmt.Errorf("fetch kyso's root: %w", err)
	}
	defer resp.Body.Close()
	der, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch kyso's root: HTTP %d %v", resp.StatusCode, err)
	}
	b.trustDir = filepath.Join(b.tmp, "trust")
	if err := os.MkdirAll(b.trustDir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.trustDir, "kyso-root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}

// signPDF is one POST /v1/sign/pdf with the raw body; the signed PDF goes
// to w. It returns the signed size.
func (b *bench) signPDF(ctx context.Context, doc []byte, level string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.kyso.env["KYSO_URL"]+"/v1/sign/pdf", bytes.NewReader(doc))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/pdf")
	req.Header.Set("Authorization", "Bearer "+b.apiKey)
	req.Header.Set("Kyso-Options", fmt.Sprintf(`{"credential_id":%q,"level":%q}`, b.credID, level))
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, errorFrom(resp)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, err
	}
	if n <= int64(len(doc)) {
		return n, fmt.Errorf("signed PDF of %d bytes, not longer than the %d sent", n, len(doc))
	}
	return n, nil
}

// filePart writes a multipart file part with its own content type
// (multipart.Writer.CreateFormFile always says application/octet-stream).
func filePart(mw *multipart.Writer, name, filename, contentType string, data []byte) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, name, filename))
	h.Set("Content-Type", contentType)
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// batchBody is a multipart body for POST /v1/sign/pdf/batch.
func (b *bench) batchBody(d *document) (body []byte, contentType string, err error) {
	var buf bytes.Buffer
	buf.Grow(d.perBatch*(len(d.data)+512) + 1024)
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="options"`)
	h.Set("Content-Type", "application/json")
	pw, err := mw.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	fmt.Fprintf(pw, `{"credential_id":%q,"level":"B-B"}`, b.credID)
	for i := range d.perBatch {
		if err := filePart(mw, "file", fmt.Sprintf("doc-%d.pdf", i), "application/pdf", d.data); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// signBatch is one POST /v1/sign/pdf/batch; it returns the documents
// signed.
func (b *bench) signBatch(ctx context.Context, body []byte, contentType string, docs int) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.kyso.env["KYSO_URL"]+"/v1/sign/pdf/batch", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+b.apiKey)
	// The binary answer: the signed PDFs as parts, not base64 in JSON.
	req.Header.Set("Accept", "multipart/mixed")
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, errorFrom(resp)
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		return 0, fmt.Errorf("batch answer: Content-Type %q, want multipart/mixed", resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	signed := 0
	var failed []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("batch answer: %w", err)
		}
		if p.Header.Get("Kyso-Status") == "signed" {
			signed++
			if _, err := io.Copy(io.Discard, p); err != nil {
				return 0, fmt.Errorf("batch answer: %w", err)
			}
			continue
		}
		msg, _ := io.ReadAll(io.LimitReader(p, 4<<10))
		failed = append(failed, string(msg))
	}
	if signed != docs {
		return 0, fmt.Errorf("batch: %d of %d signed (%s)", signed, docs, strings.Join(failed, ", "))
	}
	return signed, nil
}

// verifyAPI is one POST /v1/verify/pdf; it returns the report's "valid".
func (b *bench) verifyAPI(ctx context.Context, doc []byte) (bool, error) {
	rep, err := b.verify(ctx, "/v1/verify/pdf", "application/pdf", doc)
	if err != nil {
		return false, err
	}
	return *rep.Valid, nil
}

// verifyReport is what the bench reads of kyso's verification report.
type verifyReport struct {
	Valid      *bool `json:"valid"` // never nil in what verify returns
	Signatures []struct {
		Indication    string `json:"indication"`
		SubIndication string `json:"sub_indication"`
	} `json:"signatures"`
}

// verify is one POST of body to a verification endpoint of kyso.
func (b *bench) verify(ctx context.Context, path, contentType string, body []byte) (*verifyReport, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.kyso.env["KYSO_URL"]+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errorFrom(resp)
	}
	var rep verifyReport
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		return nil, fmt.Errorf("verification report: %w", err)
	}
	if rep.Valid == nil {
		return nil, errors.New("verification report without \"valid\"")
	}
	return &rep, nil
}

// cliBatch is how many documents one `kyso verify` process checks in the
// many-files measurement: a clerk's `kyso verify inbox/*.pdf`.
const cliBatch = 50

// verifyCLI runs `kyso verify --no-kyso --trust DIR FILE…` once, with
// path given n times. Exit statuses 0 to 2 are verdicts (passed, failed,
// indeterminate); 3 and others are errors. The process's CPU time is
// added to cpu.
func (b *bench) verifyCLI(ctx context.Context, path string, cpu *atomic.Int64, n int) error {
	args := []string{"verify", "--no-kyso", "--trust", b.trustDir}
	for range n {
		args = append(args, path)
	}
	cmd := exec.CommandContext(ctx, b.cfg.kysoBin, args...)
	cmd.Env = withoutEnv(os.Environ(), "KYSO_CONFIG")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if cmd.ProcessState != nil {
		cpu.Add(int64(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()))
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() >= 1 && exit.ExitCode() <= 2 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kyso verify: %v: %s", err, firstLine(stderr.String()))
	}
	return nil
}

// pdfsigOnce runs poppler's pdfsig on a file once.
func (b *bench) pdfsigOnce(ctx context.Context, path string, cpu *atomic.Int64) error {
	cmd := exec.CommandContext(ctx, b.cfg.pdfsig, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if cmd.ProcessState != nil {
		cpu.Add(int64(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()))
	}
	if err != nil {
		return fmt.Errorf("pdfsig: %v: %s", err, firstLine(stderr.String()))
	}
	return nil
}

// transitSign signs SHA-256 digests with the raw Transit key: one request,
// batch_input when there is more than one digest.
func (b *bench) transitSign(ctx context.Context, digests [][]byte) (int, error) {
	data := map[string]any{"prehashed": true, "hash_algorithm": "sha2-256", "signature_algorithm": "pkcs1v15"}
	if len(digests) == 1 {
		data["input"] = base64.StdEncoding.EncodeToString(digests[0])
	} else {
		in := make([]map[string]string, len(digests))
		for i, d := range digests {
			in[i] = map[string]string{"input": base64.StdEncoding.EncodeToString(d)}
		}
		data["batch_input"] = in
	}
	sec, err := b.vault.Logical().WriteWithContext(ctx, b.cfg.transitMount+"/sign/"+rawKeyName, data)
	if err != nil {
		return 0, fmt.Errorf("transit sign: %w", err)
	}
	if sec == nil {
		return 0, errors.New("transit sign: empty answer")
	}
	if len(digests) == 1 {
		if s, _ := sec.Data["signature"].(string); !strings.HasPrefix(s, "vault:v") {
			return 0, errors.New("transit sign: no signature in the answer")
		}
		return 1, nil
	}
	results, _ := sec.Data["batch_results"].([]any)
	n := 0
	for _, r := range results {
		if m, ok := r.(map[string]any); ok {
			if s, _ := m["signature"].(string); strings.HasPrefix(s, "vault:v") {
				n++
			}
		}
	}
	if n != len(digests) {
		return n, fmt.Errorf("transit batch: %d of %d signed", n, len(digests))
	}
	return n, nil
}

// timeSHA256 returns the time of one SHA-256 over data, the mean of at
// least 5 runs and 300 ms.
func timeSHA256(data []byte) time.Duration {
	return timeOp(func() { sha256.Sum256(data) })
}

// timeRSASign returns the time of one RSA-2048 PKCS#1 v1.5 signature of a
// SHA-256 digest.
func timeRSASign(key *rsa.PrivateKey) (time.Duration, error) {
	digest := sha256.Sum256([]byte("kyso"))
	var err error
	d := timeOp(func() {
		if _, e := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); e != nil {
			err = e
		}
	})
	return d, err
}

func timeOp(f func()) time.Duration {
	f() // warm
	start := time.Now()
	n := 0
	for n < 5 || time.Since(start) < 300*time.Millisecond {
		f()
		n++
	}
	return time.Since(start) / time.Duration(n)
}

// withoutEnv returns env without the variable name.
func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// firstLine returns the first line of s, at most 200 bytes.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// selfCPU returns the bench process's own CPU time.
func selfCPU() time.Duration {
	d, _ := cpuTime(os.Getpid())
	return d
}

// cores is the number of CPUs the bench may use.
func cores() int { return runtime.NumCPU() }
