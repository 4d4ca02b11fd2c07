package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/model"
)

// client is the CLI's HTTP client of the admin API.
type client struct {
	base  string
	token string
	http  *http.Client
}

// clientFlags registers --url, --token and --env on fs.
func clientFlags(fs *flag.FlagSet) func() (*client, error) {
	u := fs.String("url", "", "kyso URL (default $KYSO_URL, then the env file)")
	t := fs.String("token", "", "admin token (default $KYSO_ADMIN_TOKEN, then the env file)")
	envFile := fs.String("env", "data/dev.env", "env file written by kyso dev")
	caCert := fs.String("ca-cert", "", "PEM roots to trust for an https kyso URL (default $KYSO_CA_CERT, then the env file; else the system roots)")
	return func() (*client, error) {
		c := &client{base: *u, token: *t, http: &http.Client{Timeout: 2 * time.Minute}}
		roots := *caCert
		if c.base == "" {
			c.base = os.Getenv("KYSO_URL")
		}
		if c.token == "" {
			c.token = os.Getenv("KYSO_ADMIN_TOKEN")
		}
		if roots == "" {
			roots = os.Getenv("KYSO_CA_CERT")
		}
		if c.base == "" || c.token == "" {
			env, err := readEnvFile(*envFile)
			if err == nil {
				if c.base == "" {
					c.base = env["KYSO_URL"]
				}
				if c.token == "" {
					c.token = env["KYSO_ADMIN_TOKEN"]
				}
				if roots == "" {
					roots = env["KYSO_CA_CERT"]
				}
			}
		}
		if c.base == "" || c.token == "" {
			return nil, fmt.Errorf("set KYSO_URL and KYSO_ADMIN_TOKEN (or run kyso dev, which writes %s)", *envFile)
		}
		c.base = strings.TrimRight(c.base, "/")
		if roots != "" {
			b, err := os.ReadFile(roots)
			if err != nil {
				return nil, fmt.Errorf("kyso CA certificate: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(b) {
				return nil, fmt.Errorf("kyso CA certificate %s: no PEM certificate", roots)
			}
			c.http.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		}
		return c, nil
	}
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = v
		}
	}
	return out, sc.Err()
}

// do sends a request and decodes a JSON answer into out; API errors are
// returned with their code and message.
func (c *client) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message, RequestID string } `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("%s (%d %s): %s", e.Error.Code, resp.StatusCode, http.StatusText(resp.StatusCode), e.Error.Message)
		}
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if out == nil || len(data) == 0 { // 204 No Content
		return nil
	}
	return json.Unmarshal(data, out)
}

// printRaw prints a JSON answer indented.
func printRaw(w io.Writer, raw json.RawMessage) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	return printJSON(w, v)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func cmdCert(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 {
		return usageErr(fmt.Errorf("cert: want issue, get, list, rotate, renew or revoke"))
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("cert "+sub, flag.ContinueOnError)
	mk := clientFlags(fs)
	switch sub {
	case "issue":
		var req ca.Request
		var jsonFile string
		fs.StringVar(&req.Profile, "profile", "", "citizen, official, seal or tsa")
		fs.StringVar(&req.KeyType, "key-type", "", "rsa-2048, rsa-3072, rsa-4096, ecdsa-p256, ecdsa-p384")
		fs.StringVar(&req.Subject.Name, "name", "", "full name (CN)")
		fs.StringVar(&req.Subject.CCCD, "cccd", "", "12-digit citizen identity number")
		fs.StringVar(&req.Subject.Title, "title", "", "official's title")
		fs.StringVar(&req.Subject.Unit, "unit", "", "unit (OU)")
		fs.StringVar(&req.Subject.Organization, "org", "", "agency (O)")
		fs.StringVar(&req.Subject.Locality, "locality", "", "locality (L)")
		fs.StringVar(&req.Subject.Province, "province", "", "province (ST)")
		fs.StringVar(&req.Subject.Email, "email", "", "e-mail address")
		fs.StringVar(&req.Subject.TaxCode, "tax-code", "", "agency tax code (MST)")
		fs.StringVar(&req.Subject.BudgetCode, "budget-code", "", "budget-relationship code (MNS)")
		fs.StringVar(&jsonFile, "json", "", "request body as a JSON file (- for stdin) instead of flags")
		if err := fs.Parse(args); err != nil {
			return usageErr(err)
		}
		c, err := mk()
		if err != nil {
			return err
		}
		var body []byte
		if jsonFile != "" {
			body, err = readFileOrStdin(jsonFile)
		} else {
			body, err = json.Marshal(req)
		}
		if err != nil {
			return err
		}
		var out map[string]any
		if err := c.do(ctx, http.MethodPost, "/v1/certificates", "application/json", body, &out); err != nil {
			return err
		}
		return printJSON(w, out)
	case "get":
		pemOnly := fs.Bool("pem", false, "print the certificate and chain as PEM only")
		id, err := parseWithID(fs, args)
		if err != nil {
			return err
		}
		c, err := mk()
		if err != nil {
			return err
		}
		var out map[string]any
		if err := c.do(ctx, http.MethodGet, "/v1/certificates/"+url.PathEscape(id), "", nil, &out); err != nil {
			return err
		}
		if *pemOnly {
			fmt.Fprint(w, out["certificate"], out["chain"])
			return nil
		}
		return printJSON(w, out)
	case "list":
		within := fs.String("expiring-within", "", "only active certificates expiring within this time (720h, 30d)")
		status := fs.String("status", "", "pending, active, superseded, revoked or failed")
		credential := fs.String("credential", "", "only this credential's certificates")
		after := fs.String("after", "", "the page after this certificate id (the last line of a full page names it)")
		asJSON := fs.Bool("json", false, "print the API's JSON answer")
		if err := fs.Parse(args); err != nil {
			return usageErr(err)
		}
		c, err := mk()
		if err != nil {
			return err
		}
		q := url.Values{}
		for k, v := range map[string]string{"expiring_within": *within, "status": *status, "credential_id": *credential, "after": *after} {
			if v != "" {
				q.Set(k, v)
			}
		}
		var raw json.RawMessage
		if err := c.do(ctx, http.MethodGet, "/v1/certificates?"+q.Encode(), "", nil, &raw); err != nil {
			return err
		}
		if *asJSON {
			return printRaw(w, raw)
		}
		var out struct {
			Certificates []certRow `json:"certificates"`
			Next         string    `json:"next"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return err
		}
		return printCertTable(w, out.Certificates, out.Next)
	case "rotate", "renew":
		id, err := parseWithID(fs, args)
		if err != nil {
			return err
		}
		c, err := mk()
		if err != nil {
			return err
		}
		var out map[string]any
		if err := c.do(ctx, http.MethodPost, "/v1/certificates/"+url.PathEscape(id)+"/"+sub, "", nil, &out); err != nil {
			return err
		}
		return printJSON(w, out)
	case "revoke":
		reason := fs.String("reason", "unspecified", "RFC 5280 reason: keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn, unspecified")
		id, err := parseWithID(fs, args)
		if err != nil {
			return err
		}
		c, err := mk()
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]string{"reason": *reason})
		var out map[string]any
		if err := c.do(ctx, http.MethodPost, "/v1/certificates/"+url.PathEscape(id)+"/revoke", "application/json", body, &out); err != nil {
			return err
		}
		return printJSON(w, out)
	}
	return usageErr(fmt.Errorf("cert: unknown subcommand %q", sub))
}

// cmdClient manages client systems through the admin API: create, list,
// disable, enable, delete, rotate (a new API key, printed once) and cert
// (a TLS client certificate from the system's CSR).
func cmdClient(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 {
		return usageErr(fmt.Errorf("client: want create, list, disable, enable, delete, rotate or cert"))
	}
	switch sub := args[0]; sub {
	case "cert":
		return clientCert(ctx, w, args[1:])
	case "create":
		fs := flag.NewFlagSet("client create", flag.ContinueOnError)
		mk := clientFlags(fs)
		name := fs.String("name", "", "the client system's name (required)")
		var orgs stringList
		fs.Var(&orgs, "org", "an organisation whose credentials the client may use (repeat; at least one)")
		expires := expiryFlags(fs)
		if err := fs.Parse(args[1:]); err != nil {
			return usageErr(err)
		}
		if fs.NArg() > 0 {
			return usageErr(fmt.Errorf("client create: unexpected arguments %v", fs.Args()))
		}
		body := expires()
		body["name"] = *name
		body["organizations"] = []string(orgs)
		return clientCall(ctx, w, mk, http.MethodPost, "/v1/clients", body)
	case "list":
		fs := flag.NewFlagSet("client list", flag.ContinueOnError)
		mk := clientFlags(fs)
		if err := fs.Parse(args[1:]); err != nil {
			return usageErr(err)
		}
		return clientCall(ctx, w, mk, http.MethodGet, "/v1/clients", nil)
	case "disable", "enable", "delete", "rotate":
		fs := flag.NewFlagSet("client "+sub, flag.ContinueOnError)
		mk := clientFlags(fs)
		var expires func() map[string]any
		if sub == "rotate" {
			expires = expiryFlags(fs)
		}
		id, err := parseWithID(fs, args[1:])
		if err != nil {
			return err
		}
		path := "/v1/clients/" + url.PathEscape(id)
		switch sub {
		case "delete":
			if err := clientCall(ctx, w, mk, http.MethodDelete, path, nil); err != nil {
				return err
			}
			_, err := fmt.Fprintf(w, "client %s deleted\n", id)
			return err
		case "rotate":
			return clientCall(ctx, w, mk, http.MethodPost, path+"/rotate", expires())
		}
		return clientCall(ctx, w, mk, http.MethodPost, path+"/"+sub, nil)
	}
	return usageErr(fmt.Errorf("client: unknown subcommand %q", args[0]))
}

// clientCall sends one admin request and prints its JSON answer, if any.
func clientCall(ctx context.Context, w io.Writer, mk func() (*client, error), method, path string, body map[string]any) error {
	c, err := mk()
	if err != nil {
		return err
	}
	var data []byte
	ct := ""
	if body != nil {
		if data, err = json.Marshal(body); err != nil {
			return err
		}
		ct = "application/json"
	}
	var out json.RawMessage
	if err := c.do(ctx, method, path, ct, data, &out); err != nil {
		return err
	}
	if len(out) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		return err
	}
	return printJSON(w, v)
}

// expiryFlags registers --ttl and --expires-at on fs; the function it
// returns gives them as a request body's fields.
func expiryFlags(fs *flag.FlagSet) func() map[string]any {
	ttl := fs.String("ttl", "", `the key stops working after this duration, such as "2160h" (default: never)`)
	at := fs.String("expires-at", "", "the key stops working at this RFC 3339 time (default: never)")
	return func() map[string]any {
		m := map[string]any{}
		if *ttl != "" {
			m["ttl"] = *ttl
		}
		if *at != "" {
			m["expires_at"] = *at
		}
		return m
	}
}

// clientCert issues a client system's TLS certificate (mutual TLS) from its
// CSR: kyso client cert ID --csr FILE.
func clientCert(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("client cert", flag.ContinueOnError)
	mk := clientFlags(fs)
	csrFile := fs.String("csr", "", "the client system's PEM certificate request (- for stdin); required")
	outFile := fs.String("out", "", "write the certificate and its intermediates as PEM to this file instead of printing the JSON answer")
	id, err := parseWithID(fs, args)
	if err != nil {
		return err
	}
	if *csrFile == "" {
		return usageErr(fmt.Errorf("client cert: --csr is required"))
	}
	csr, err := readFileOrStdin(*csrFile)
	if err != nil {
		return err
	}
	c, err := mk()
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"csr": string(csr)})
	var out struct {
		ID          string `json:"id"`
		Certificate string `json:"certificate"`
		Chain       string `json:"chain"`
	}
	var raw json.RawMessage
	if err := c.do(ctx, http.MethodPost, "/v1/clients/"+url.PathEscape(id)+"/certificate", "application/json", body, &raw); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return err
	}
	if *outFile == "" {
		_, err := fmt.Fprintf(w, "%s\n", raw)
		return err
	}
	// The certificate and the chain without the root: what a TLS client
	// presents (the server holds the root).
	var b strings.Builder
	b.WriteString(out.Certificate)
	rest := []byte(out.Chain)
	var blocks [][]byte
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		blocks = append(blocks, pem.EncodeToMemory(blk))
	}
	for i, blk := range blocks {
		if i < len(blocks)-1 || len(blocks) == 1 {
			b.Write(blk)
		}
	}
	if err := os.WriteFile(*outFile, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: certificate %s for client %s\n", *outFile, out.ID, id)
	return nil
}

// parseWithID parses flags that may come before or after one positional ID.
// Its errors are usage errors (exitUsage).
func parseWithID(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", usageErr(err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return "", usageErr(fmt.Errorf("%s: an argument is required", fs.Name()))
	}
	id := rest[0]
	if err := fs.Parse(rest[1:]); err != nil {
		return "", usageErr(err)
	}
	if fs.NArg() > 0 {
		return "", usageErr(fmt.Errorf("%s: unexpected arguments %v", fs.Name(), fs.Args()))
	}
	return id, nil
}

func readFileOrStdin(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(os.Stdin, 16<<20))
	}
	return os.ReadFile(path)
}

const caUsage = `Usage:
  kyso ca init [--config FILE]                    create kyso's own root and issuing CA (ca.mode own)
  kyso ca init --external --cn NAME --org ORG [--key-type T] [--csr FILE]
                                                  a new issuing CA for an external root: its key in
                                                  Vault and a CSR (talks to the running kyso)
  kyso ca import-chain FILE                       install the chain the external CA returned (issuing
                                                  CA first, then any intermediates; the root, if
                                                  given, must be the pinned ca.external_root)
  kyso ca cancel                                  cancel the issuing CA waiting for its chain
  kyso ca rotate                                  a new issuing CA under kyso's own root
  kyso ca issuers                                 list the issuers

All but "ca init" without --external talk to KYSO_URL with KYSO_ADMIN_TOKEN
(or --url, --token, --env). "kyso ca SUBCOMMAND --help" lists the flags.
See docs/issuance.md.
`

func cmdCA(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, caUsage)
		return usageErr(fmt.Errorf("ca: want init, import-chain, cancel, rotate or issuers"))
	}
	sub, args := args[0], args[1:]
	if sub == "help" || sub == "-h" || sub == "--help" || sub == "-help" {
		fmt.Fprint(w, caUsage)
		return nil
	}
	fs := flag.NewFlagSet("ca "+sub, flag.ContinueOnError)
	switch sub {
	case "init":
		external := fs.Bool("external", false, "create the issuing key in Vault and a CSR for an external root (via the running kyso)")
		cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "config file, for creating kyso's own CA directly against Vault and the database")
		cn := fs.String("cn", "", "--external: issuing CA common name")
		org := fs.String("org", "", "--external: organisation")
		keyType := fs.String("key-type", "", "--external: key type (default rsa-3072)")
		csrOut := fs.String("csr", "issuing.csr", "--external: where to write the CSR")
		mk := clientFlags(fs)
		if err := fs.Parse(args); err != nil {
			return usageErr(err)
		}
		if !*external {
			return caInitOwn(ctx, w, *cfgPath)
		}
		c, err := mk()
		if err != nil {
			return err
		}
		body, _ := json.Marshal(ca.ExternalRequest{CommonName: *cn, Organization: *org, KeyType: *keyType})
		var out model.IssuerInfo
		if err := c.do(ctx, http.MethodPost, "/v1/ca/external", "application/json", body, &out); err != nil {
			var ne *url.Error
			if errors.As(err, &ne) {
				return fmt.Errorf("ca init --external asks the running kyso (kyso serve, ca.mode external) at %s to create the key in Vault: %w", c.base, err)
			}
			return err
		}
		if err := os.WriteFile(*csrOut, []byte(out.CSRPEM), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "issuer %s is pending; CSR written to %s.\nHave the external CA certify it, then run: kyso ca import-chain CHAIN.pem\n(the chain: the issuing CA certificate first, then any intermediates; the root, if given, must be the one pinned in ca.external_root)\n", out.Name, *csrOut)
		return nil
	case "import-chain":
		mk := clientFlags(fs)
		if err := fs.Parse(args); err != nil {
			return usageErr(err)
		}
		if fs.NArg() != 1 {
			return usageErr(fmt.Errorf("ca import-chain: give the PEM chain file (issuing CA first, root last)"))
		}
		chain, err := readFileOrStdin(fs.Arg(0))
		if err != nil {
			return err
		}
		c, err := mk()
		if err != nil {
			return err
		}
		var out map[string]any
		if err := c.do(ctx, http.MethodPost, "/v1/ca/import-chain", "application/pem-certificate-chain", chain, &out); err != nil {
			return err
		}
		return printJSON(w, out)
	case "cancel":
		mk := clientFlags(fs)
		if err := fs.Parse(args); err != nil {
			return usageErr(err)
		}
		c, err := mk()
		if err != nil {
			return err
		}
		var out map[string]any
		if err := c.do(ctx, http.MethodDelete, "/v1/ca/external", "", nil, &out); err != nil {
			return err
		}
		return printJSON(w, out)
	case "rotate", "issuers":
		mk := clientFlags(fs)
		var asJSON *bool
		if sub == "issuers" {
			asJSON = fs.Bool("json", false, "print the API's JSON answer")
		}
		if err := fs.Parse(args); err != nil {
			return usageErr(err)
		}
		c, err := mk()
		if err != nil {
			return err
		}
		if sub == "issuers" {
			var raw json.RawMessage
			if err := c.do(ctx, http.MethodGet, "/v1/ca/issuers", "", nil, &raw); err != nil {
				return err
			}
			if *asJSON {
				return printRaw(w, raw)
			}
			var out struct {
				Issuers []issuerRow `json:"issuers"`
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				return err
			}
			return printIssuerTable(w, out.Issuers)
		}
		method, path := http.MethodPost, "/v1/ca/rotate"
		var out map[string]any
		if err := c.do(ctx, method, path, "", nil, &out); err != nil {
			return err
		}
		return printJSON(w, out)
	}
	fmt.Fprint(os.Stderr, caUsage)
	return usageErr(fmt.Errorf("ca: unknown subcommand %q", sub))
}

// caInitOwn creates kyso's own root and issuing CA directly against the
// configured Vault and database (before the first kyso serve).
func caInitOwn(ctx context.Context, w io.Writer, cfgPath string) error {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	cfg.CA.Mode = "own"
	log := newLogger(cfg.LogLevel, true)
	km, sess, err := openVault(ctx, cfg, log)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, km, sess, log)
	if err != nil {
		return err
	}
	defer a.store.Close()
	list, err := a.ca.Issuers(ctx)
	if err != nil {
		return err
	}
	return printJSON(w, map[string]any{"issuers": list})
}
