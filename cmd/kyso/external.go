package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/ca"
)

// normalizeFingerprint returns a SHA-256 fingerprint as 64 lower-case hex
// digits, accepting colons, spaces and upper case (openssl prints
// "AB:CD:…"); "" when it is not one.
func normalizeFingerprint(s string) string {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "sha256 fingerprint=")
	s = strings.NewReplacer(":", "", " ", "").Replace(s)
	if len(s) != sha256.Size*2 {
		return ""
	}
	if _, err := hex.DecodeString(s); err != nil {
		return ""
	}
	return s
}

// externalRoots reads the pinned external root (ca.external_root) and
// checks it against its fingerprint. Nothing configured: none.
func (c *Config) externalRoots() ([]*x509.Certificate, error) {
	r := c.CA.ExternalRoot
	if r == nil {
		return nil, nil
	}
	cert, err := readOneCert(r.File)
	if err != nil {
		return nil, fmt.Errorf("config: ca.external_root: %w", err)
	}
	got := sha256.Sum256(cert.Raw)
	if want := normalizeFingerprint(r.SHA256); hex.EncodeToString(got[:]) != want {
		return nil, fmt.Errorf("config: ca.external_root: %s has SHA-256 fingerprint %x, not the configured %s: check the file and the fingerprint with the external CA", r.File, got, want)
	}
	if !cert.BasicConstraintsValid || !cert.IsCA || cert.CheckSignatureFrom(cert) != nil {
		return nil, fmt.Errorf("config: ca.external_root: %s (%q) is not a self-signed CA certificate", r.File, cert.Subject.CommonName)
	}
	return []*x509.Certificate{cert}, nil
}

// readOneCert reads a file holding one certificate, PEM or DER.
func readOneCert(path string) (*x509.Certificate, error) {
	b, err := readSmallFile(path, 1<<20)
	if err != nil {
		return nil, err
	}
	der := b
	if blk, rest := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%s: a PEM %q block, not a CERTIFICATE", path, blk.Type)
		}
		if next, _ := pem.Decode(rest); next != nil {
			return nil, fmt.Errorf("%s holds more than one PEM block; give the root certificate alone", path)
		}
		der = blk.Bytes
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cert, nil
}

// upstreamConfig converts ca.external_revocation for package ca.
func (c *Config) upstreamConfig() ca.UpstreamConfig {
	r := c.CA.ExternalRevocation
	timeout := time.Duration(r.Timeout)
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	client := &http.Client{Timeout: timeout}
	u := ca.UpstreamConfig{NoFetch: r.Fetch != nil && !*r.Fetch, Client: client, Timeout: timeout}
	for _, s := range r.CRLSources {
		if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
			u.Sources = append(u.Sources, ca.HTTPSource(s, client))
		} else {
			u.Sources = append(u.Sources, fileSource(s))
		}
	}
	return u
}

// fileSource is a CRL file the operator keeps current (for example from
// removable media on a closed network). It is read each time kyso needs a
// newer CRL than the one it holds.
type fileSource string

func (f fileSource) Name() string { return "file " + string(f) }

func (f fileSource) Load(context.Context) ([]byte, error) {
	return readSmallFile(string(f), 32<<20)
}

// authorityConfig is the CA's configuration with the pinned roots read.
func (c *Config) authorityConfig() (ca.Config, error) {
	cfg := c.caConfig()
	roots, err := c.externalRoots()
	if err != nil {
		return cfg, err
	}
	cfg.ExternalRoots = roots
	cfg.Upstream = c.upstreamConfig()
	return cfg, nil
}
