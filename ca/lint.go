package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"sort"
	"strings"
	"sync"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"
)

// linter runs zlint over every certificate before the real issuer key
// signs it.
//
// It follows boulder's practice: the final template is first signed by a
// throwaway in-memory key of the issuer's algorithm, the result is linted,
// and only a clean certificate is signed by the Vault-held issuer key. The
// throwaway key belongs to no subject and no CA, is never stored, and the
// lint certificates it signs are never returned or stored. After the real
// signature the two TBSCertificates are compared byte for byte, so what
// was linted is exactly what was issued.
type linter struct {
	registry lint.Registry

	mu   sync.Mutex
	keys map[string]crypto.Signer // by algorithm, e.g. "rsa-3072"
}

// lintSources are the rule sets that apply to kyso's document-signing PKI.
// The CA/Browser Forum TLS and S/MIME requirements do not govern it.
var lintSources = lint.SourceList{lint.RFC3279, lint.RFC5280, lint.RFC5480, lint.RFC5891, lint.RFC6960, lint.RFC8813}

func newLinter() *linter {
	reg, err := lint.GlobalRegistry().Filter(lint.FilterOptions{IncludeSources: lintSources})
	if err != nil {
		// The filter is a constant; an error is a programming mistake the
		// tests catch. Fall back to the full registry rather than none.
		reg = lint.GlobalRegistry()
	}
	return &linter{registry: reg, keys: map[string]crypto.Signer{}}
}

// lintKey returns the throwaway key for the algorithm of pub.
func (l *linter) lintKey(pub crypto.PublicKey) (crypto.Signer, error) {
	var alg string
	switch k := pub.(type) {
	case *rsa.PublicKey:
		alg = fmt.Sprintf("rsa-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		alg = "ecdsa-" + k.Curve.Params().Name
	default:
		return nil, fmt.Errorf("unsupported issuer key %T", pub)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.keys[alg]; ok {
		return s, nil
	}
	var s crypto.Signer
	var err error
	switch k := pub.(type) {
	case *rsa.PublicKey:
		s, err = rsa.GenerateKey(rand.Reader, k.N.BitLen())
	case *ecdsa.PublicKey:
		var c elliptic.Curve
		switch k.Curve {
		case elliptic.P256():
			c = elliptic.P256()
		case elliptic.P384():
			c = elliptic.P384()
		default:
			return nil, fmt.Errorf("unsupported curve %s", k.Curve.Params().Name)
		}
		s, err = ecdsa.GenerateKey(c, rand.Reader)
	}
	if err != nil {
		return nil, err
	}
	l.keys[alg] = s
	return s, nil
}

// check lints a DER certificate and returns an ErrLint error naming every
// error- or fatal-level finding.
func (l *linter) check(der []byte) error {
	c, err := zx509.ParseCertificate(der)
	if err != nil {
		return ErrLint.Errorf("zlint cannot parse it: %v", err)
	}
	rs := zlint.LintCertificateEx(c, l.registry)
	var bad []string
	for name, r := range rs.Results {
		if r.Status == lint.Error || r.Status == lint.Fatal {
			msg := name
			if r.Details != "" {
				msg += " (" + r.Details + ")"
			}
			bad = append(bad, msg)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return ErrLint.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}

// lintAndSign lints tmpl as it would be issued under parent, then signs it
// once with the real issuer signer and checks that the issued TBS equals the
// linted one. For a self-signed certificate parent is tmpl.
func (a *Authority) lintAndSign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	lk, err := a.linter.lintKey(signer.Public())
	if err != nil {
		return nil, fmt.Errorf("ca: lint key: %w", err)
	}
	lintParent := *parent
	lintParent.PublicKey = lk.Public()
	lintDER, err := x509.CreateCertificate(rand.Reader, tmpl, &lintParent, pub, lk)
	if err != nil {
		return nil, ErrInvalid.Errorf("%v", err)
	}
	if err := a.linter.check(lintDER); err != nil {
		return nil, err
	}
	lintCert, err := x509.ParseCertificate(lintDER)
	if err != nil {
		return nil, fmt.Errorf("ca: parse lint certificate: %w", err)
	}
	der, err := x509.CreateCertificate(a.cfg.Rand, tmpl, parent, pub, signer)
	if err != nil {
		return nil, backendErr("sign certificate", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("ca: parse issued certificate: %w", err)
	}
	if string(cert.RawTBSCertificate) != string(lintCert.RawTBSCertificate) {
		return nil, fmt.Errorf("ca: issued certificate differs from the linted one")
	}
	if err := cert.CheckSignatureFrom(parent); err != nil && parent != tmpl {
		return nil, fmt.Errorf("ca: issued certificate does not verify under its issuer: %w", err)
	}
	return cert, nil
}
