package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/api"
	apiverify "github.com/kyso-vn/kyso/api/verify"
	"github.com/kyso-vn/kyso/api/web"
	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/metrics"
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
	// Metrics is the operator listener of /metrics (metrics.Section).
	Metrics metrics.Section `json:"metrics"`
	// Extend is POST /v1/extend/pdf's switch (app.ExtendSection).
	Extend kapp.ExtendSection `json:"extend"`
	// Report is the report section, declared by app (app.ReportSection).
	Report kapp.ReportSection `json:"report"`
	// Page is who runs the verification page at / (web.Section).
	Page  web.Section `json:"page"`
	Trust TrustConfig `json:"trust"`

	// RemoteSigning is citizens' remote signing (app.RemoteSection).
	RemoteSigning kapp.RemoteSection `json:"remote_signing"`
}

// TrustConfig is the trust section, declared by package truststore
// (truststore.Section): the signed trust bundle and its refresh.
type TrustConfig = truststore.Section

// TLSConfig is the tls section, declared by package ca (ca.TLSSection):
// HTTPS and mutual TLS on kyso serve's listener.
type TLSConfig = ca.TLSSection

// VerifyConfig is the verify section, declared by the verification API
// (verify.Section): the public verifier's anchors, online revocation and
// bounds (POST /v1/verify/*, the page at /, and kyso verify's defaults
// when it is given --config).
type VerifyConfig = apiverify.Section

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

// HTTPConfig is the http section, declared by package api (api.Section):
// the bounds of requests.
type HTTPConfig = api.Section

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
	c.TLS.Defaults()
	if c.TLS.On() {
		def(&c.BaseURL, "https://"+c.Listen)
	}
	def(&c.BaseURL, "http://"+c.Listen)
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if err := c.TLS.Validate(c.BaseURL); err != nil {
		return err
	}
	def(&c.LogLevel, "info")
	c.Database.Defaults()
	vault := keys.Section(c.Vault)
	vault.Defaults()
	c.Vault = VaultConfig(vault)
	c.CA.Defaults()
	c.TSA.Defaults()
	c.Metrics.Defaults()
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
	c.RemoteSigning.Defaults()
	if err := c.RemoteSigning.Validate(); err != nil {
		return err
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	if err := c.Verify.Validate(); err != nil {
		return err
	}
	if err := c.Page.Validate(); err != nil {
		return err
	}
	if err := c.Metrics.Validate(); err != nil {
		return err
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level %q: want debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// caConfig converts the CA section for package ca.
func (c *Config) caConfig() ca.Config { return c.CA.Config(c.BaseURL) }
