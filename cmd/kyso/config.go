package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/api/web"
	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/signer/tsa"
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/truststore"
)

// Duration is a time.Duration written in JSON as "720h", "90m" or "30d"
// (config.Duration, which the packages' sections use).
type Duration = config.Duration

// Config is kyso serve's configuration, read from a JSON file and decoded
// strictly (unknown fields are an error). Every field has a safe default;
// docs/configuration.md documents each one. Secrets are never in this file:
// it names environment variables or files that hold them.
type Config struct {
	// Listen is the HTTP listen address (default 127.0.0.1:8080).
	Listen string `json:"listen"`
	// BaseURL is the public URL of this service, written into certificates
	// (AIA, CRL distribution points). Default http://<listen>, or
	// https://<listen> when TLS is on.
	BaseURL string `json:"base_url"`
	// LogLevel is debug, info (default), warn or error.
	LogLevel string `json:"log_level"`

	Database DatabaseConfig `json:"database"`
	TSA      TSAConfig      `json:"tsa"`
	Vault    VaultConfig    `json:"vault"`
	CA       CAConfig       `json:"ca"`
	HTTP     HTTPConfig     `json:"http"`
	Verify   VerifyConfig   `json:"verify"`
	TLS      TLSConfig      `json:"tls"`
	Metrics  MetricsConfig  `json:"metrics"`
	Extend   ExtendConfig   `json:"extend"`
	// Report is the report section, declared by app (app.ReportSection).
	Report kapp.ReportSection `json:"report"`
	// Page is who runs the verification page at / (web.Section).
	Page  web.Section `json:"page"`
	Trust TrustConfig `json:"trust"`

	RemoteSigning RemoteSigningConfig `json:"remote_signing"`
}

// ExtendConfig configures POST /v1/extend/pdf (docs/archiving.md).
type ExtendConfig struct {
	// Online allows fetching, for certificates kyso did not issue, OCSP
	// responses and CRLs from the URLs the certificates name (10 s each)
	// when the document holds none. Off by default: then only the
	// document's own data and kyso's CA are used.
	Online bool `json:"online"`
}

// TrustConfig is the trust section, declared by package truststore
// (truststore.Section): the signed trust bundle and its refresh.
type TrustConfig = truststore.Section

// TLSConfig configures HTTPS and mutual TLS for kyso serve's listener.
type TLSConfig struct {
	// Mode is "off" (default: plain HTTP, for a TLS-terminating proxy in
	// front), "file" (the certificate chain and key in CertFile and
	// KeyFile) or "ca" (kyso issues its own server certificate from its
	// active issuing CA, with the key in Vault, and renews it).
	Mode string `json:"mode"`
	// CertFile and KeyFile are PEM files, with mode "file" only: the
	// certificate followed by its chain, and the operator's private key.
	CertFile string `json:"cert_file"`
	KeyFile  string `json:"key_file"`
	// Hosts are the DNS names and IP addresses of the certificate kyso
	// issues itself, with mode "ca" only (default: the host of base_url).
	Hosts []string `json:"hosts"`
	// ClientAuth is "none" (default), "optional" (a client certificate,
	// when sent, must chain to kyso's CA; client systems may then sign
	// without an API key) or "require" (every connection must present
	// one).
	ClientAuth string `json:"client_auth"`
}

// on reports whether kyso serves HTTPS.
func (t TLSConfig) on() bool { return t.Mode != "off" }

// VerifyConfig configures the public verifier (POST /v1/verify/*, the page
// at /, and kyso verify's defaults when it is given --config).
type VerifyConfig struct {
	// TrustDirs are directories of external trust anchors and
	// intermediates (PEM or DER files), added to kyso's own CA
	// certificates; trust/vn in the repository holds the Vietnamese
	// Government CA and National Root CA chains. Read at start.
	TrustDirs []string `json:"trust_dirs"`
	// Online allows fetching OCSP responses and CRLs named in certificates
	// when a document carries none (short timeouts). Off by default.
	Online bool `json:"online"`
	// MaxDocumentBytes bounds an uploaded document (default 50 MiB).
	MaxDocumentBytes int64 `json:"max_document_bytes"`
	// PerMinute and Burst are the per-client rate limit (default 30 per
	// minute, bursts of 10; a negative PerMinute disables it).
	PerMinute float64 `json:"per_minute"`
	Burst     int     `json:"burst"`
	// UploadsPerAddress bounds the verification uploads one address may
	// have in progress (default 8; negative: no bound). Bodies are read
	// before a verification slot is taken, so slow uploads hold only this.
	UploadsPerAddress int `json:"uploads_per_address"`
	// Concurrency bounds verifications in progress (default 4).
	Concurrency int `json:"concurrency"`
	// TrustedProxies are reverse proxies (addresses or CIDR prefixes)
	// whose X-Forwarded-For header names the client.
	TrustedProxies []string `json:"trusted_proxies"`
}

// trustedProxies parses VerifyConfig.TrustedProxies.
func (v VerifyConfig) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range v.TrustedProxies {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("config: verify.trusted_proxies: %q is not an address or CIDR prefix", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// DatabaseConfig is the database section, declared by package store
// (store.Section).
type DatabaseConfig = store.Section

// VaultConfig is the vault section, declared by package keys
// (keys.Section: its fields, defaults and checks).
type VaultConfig keys.Section

// clientTimeout is keys.Section.ClientTimeout.
func (v VaultConfig) clientTimeout() time.Duration { return keys.Section(v).ClientTimeout() }

// CAConfig is the ca section, declared by package ca (ca.Section).
type CAConfig = ca.Section

// ExternalRootConfig is ca.external_root (ca.ExternalRootSection).
type ExternalRootConfig = ca.ExternalRootSection

// TSAConfig is the tsa section, declared by package tsa (tsa.Section).
type TSAConfig = tsa.Section

// HTTPConfig bounds requests.
type HTTPConfig struct {
	// RequestTimeout bounds one request (default 30s).
	RequestTimeout Duration `json:"request_timeout"`
	// MaxBodyBytes bounds JSON bodies (default 1 MiB).
	MaxBodyBytes int64 `json:"max_body_bytes"`
	// MaxDocumentBytes bounds a document to sign (default 50 MiB).
	MaxDocumentBytes int64 `json:"max_document_bytes"`
	// MaxBatchBytes bounds all documents of one batch (default 256 MiB).
	MaxBatchBytes int64 `json:"max_batch_bytes"`
	// MemoryBytes bounds the documents held in memory at once while they
	// are signed (default 256 MiB); others go to temporary files.
	MemoryBytes int64 `json:"memory_bytes"`
	// ClientConcurrency bounds the signing requests one client system
	// may have in progress at once (default 32; -1: no bound).
	ClientConcurrency int `json:"client_concurrency"`
	// IdempotencyTTL is how long the answer to a request sent with an
	// Idempotency-Key is kept for its retries (default 24h).
	IdempotencyTTL Duration `json:"idempotency_ttl"`
	// IdempotencyMaxAnswerBytes bounds a kept answer (default 16 MiB).
	IdempotencyMaxAnswerBytes int64 `json:"idempotency_max_answer_bytes"`
	// IdempotencyQuotaBytes bounds the kept answers of one client or
	// admin token (default 256 MiB; -1: no bound): keeping a new answer
	// evicts the caller's oldest (docs/operations.md).
	IdempotencyQuotaBytes int64 `json:"idempotency_quota_bytes"`
	// CSCTokenTTL is how long an access token of the CSC API is valid
	// (default 10m; at most 1h).
	CSCTokenTTL Duration `json:"csc_token_ttl"`
}

// loadConfig reads a config file strictly, then the environment variables
// that override its values (applyEnv); an empty path gives the defaults.
func loadConfig(path string) (*Config, error) {
	var c Config
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	// Environment variables override the file (KYSO_LISTEN, …: applyEnv),
	// so that one file serves every node.
	if err := applyEnv(&c, os.LookupEnv); err != nil {
		return nil, err
	}
	if err := c.setDefaults(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) setDefaults() error {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Listen, "127.0.0.1:8080")
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("config: listen %q: %w", c.Listen, err)
	}
	def(&c.TLS.Mode, "off")
	def(&c.TLS.ClientAuth, "none")
	if c.TLS.on() {
		def(&c.BaseURL, "https://"+c.Listen)
	}
	def(&c.BaseURL, "http://"+c.Listen)
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if err := c.TLS.validate(c.BaseURL); err != nil {
		return err
	}
	def(&c.LogLevel, "info")
	c.Database.Defaults()
	vault := keys.Section(c.Vault)
	vault.Defaults()
	c.Vault = VaultConfig(vault)
	c.CA.Defaults()
	c.TSA.Defaults()
	if err := c.Database.Validate(); err != nil {
		return err
	}
	if err := vault.Validate(); err != nil {
		return err
	}
	if err := c.CA.Validate(); err != nil {
		return err
	}
	if r := c.CA.ExternalRoot; r != nil && (r.File == "" || normalizeFingerprint(r.SHA256) == "") {
		return errors.New("config: ca.external_root needs file and sha256 (the root certificate's SHA-256 fingerprint)")
	}
	if err := c.TSA.Validate(); err != nil {
		return err
	}
	c.Trust.Defaults()
	if err := c.Trust.Validate(); err != nil {
		return err
	}
	if err := c.RemoteSigning.validate(); err != nil {
		return err
	}
	for name, v := range map[string]int64{"http.max_body_bytes": c.HTTP.MaxBodyBytes, "http.max_document_bytes": c.HTTP.MaxDocumentBytes, "http.max_batch_bytes": c.HTTP.MaxBatchBytes, "http.memory_bytes": c.HTTP.MemoryBytes, "http.idempotency_max_answer_bytes": c.HTTP.IdempotencyMaxAnswerBytes} {
		if v < 0 {
			return fmt.Errorf("config: %s must not be negative (0 means the default)", name)
		}
	}
	if c.HTTP.IdempotencyQuotaBytes < -1 {
		return errors.New("config: http.idempotency_quota_bytes must be -1 (no bound), 0 (the default) or a number of bytes")
	}
	if c.Verify.MaxDocumentBytes < 0 || c.Verify.Burst < 0 || c.Verify.Concurrency < 0 {
		return errors.New("config: verify.max_document_bytes, verify.burst and verify.concurrency must not be negative (0 means the default)")
	}
	if _, err := c.Verify.trustedProxies(); err != nil {
		return err
	}
	if err := c.Page.Validate(); err != nil {
		return err
	}
	if c.HTTP.RequestTimeout < 0 {
		return errors.New("config: http.request_timeout must not be negative")
	}
	if c.HTTP.IdempotencyTTL < 0 {
		return errors.New("config: http.idempotency_ttl must not be negative (0 means the default, 24h)")
	}
	if c.HTTP.CSCTokenTTL < 0 || time.Duration(c.HTTP.CSCTokenTTL) > time.Hour {
		return errors.New("config: http.csc_token_ttl must be between 0 (the default, 10m) and 1h")
	}
	if c.HTTP.ClientConcurrency < -1 {
		return errors.New("config: http.client_concurrency must be -1 (no bound), 0 (the default, 32) or more")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// validate checks the tls section and defaults Hosts (mode ca) to the
// host of baseURL.
func (t *TLSConfig) validate(baseURL string) error {
	switch t.Mode {
	case "off", "file", "ca":
	default:
		return fmt.Errorf("config: tls.mode %q: want off, file or ca", t.Mode)
	}
	switch t.ClientAuth {
	case "none", "optional", "require":
	default:
		return fmt.Errorf("config: tls.client_auth %q: want none, optional or require", t.ClientAuth)
	}
	if t.Mode != "file" && (t.CertFile != "" || t.KeyFile != "") {
		return fmt.Errorf("config: tls.cert_file and tls.key_file are for tls.mode file, not %s", t.Mode)
	}
	if t.Mode != "ca" && len(t.Hosts) > 0 {
		return fmt.Errorf("config: tls.hosts is for tls.mode ca (kyso's own certificate), not %s", t.Mode)
	}
	if t.Mode == "off" && t.ClientAuth != "none" {
		return fmt.Errorf("config: tls.client_auth %s needs tls.mode file or ca", t.ClientAuth)
	}
	switch t.Mode {
	case "file":
		if t.CertFile == "" || t.KeyFile == "" {
			return errors.New("config: tls.mode file needs tls.cert_file and tls.key_file")
		}
	case "ca":
		if len(t.Hosts) == 0 {
			u, err := url.Parse(baseURL)
			if err != nil || u.Hostname() == "" {
				return fmt.Errorf("config: tls.hosts: none set and base_url %q names no host", baseURL)
			}
			t.Hosts = []string{u.Hostname()}
		}
		if _, _, err := ca.ParseTLSHosts(t.Hosts); err != nil {
			return fmt.Errorf("config: tls.hosts: %w", err)
		}
	}
	return nil
}

// caConfig converts the CA section for package ca.
func (c *Config) caConfig() ca.Config { return c.CA.Config(c.BaseURL) }
