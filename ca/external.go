package ca

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// ExternalRequest describes an issuing CA to be certified by an external
// root (in production a legally recognised one: the Government's
// specialised CA or a licensed public CA under the national root).
type ExternalRequest struct {
	CommonName   string `json:"common_name"`
	Organization string `json:"organization"`
	KeyType      string `json:"key_type"` // default: Config.IssuingKeyType
}

// InitExternal creates the key of a new issuing CA in Vault and returns a
// PKCS#10 CSR (PEM) for the external root to sign. The issuer stays pending
// until ImportChain installs the returned chain. Calling it again while an
// issuer is pending returns that issuer's CSR.
func (a *Authority) InitExternal(ctx context.Context, req ExternalRequest) (*model.IssuerInfo, error) {
	recs, err := a.store.ListIssuers(ctx)
	if err != nil {
		return nil, backendErr("list issuers", err)
	}
	cn, err := cleanText("common_name", req.CommonName, maxCommonName, true)
	if err != nil {
		return nil, err
	}
	org, err := cleanText("organization", req.Organization, maxOrgName, true)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.Status != store.IssuerPending {
			continue
		}
		// One pending issuer at a time. Repeating the same request returns
		// its CSR again; a different one is refused rather than ignored.
		if b, _ := pem.Decode([]byte(r.CSRPEM)); b != nil {
			if csr, err := x509.ParseCertificateRequest(b.Bytes); err == nil &&
				csr.Subject.CommonName == cn && len(csr.Subject.Organization) == 1 && csr.Subject.Organization[0] == org {
				return infoOf(&issuer{rec: r}), nil
			}
		}
		return nil, ErrConflict.Errorf("issuing CA %s is already waiting for its external chain; import it (kyso ca import-chain) before requesting another", r.Name)
	}
	kt := req.KeyType
	if kt == "" {
		kt = a.cfg.IssuingKeyType
	}
	if _, err := keyTypeFor(&profile{name: "issuing CA", keyTypes: signingKeyTypes}, kt); err != nil {
		return nil, err
	}
	name, err := a.nextIssuerName(ctx)
	if err != nil {
		return nil, err
	}
	keyName := a.cfg.KeyPrefix + name
	if err := a.keys.CreateKey(ctx, keyName, kt); err != nil {
		return nil, backendErr("create issuing key", err)
	}
	signer, err := a.keys.KeySigner(ctx, keyName, 1)
	if err != nil {
		return nil, backendErr("issuing signer", err)
	}
	var b nameBuilder
	b.add(oidCountry, "VN")
	b.add(oidOrganization, org)
	b.add(oidCommonName, cn)
	raw, err := b.der()
	if err != nil {
		return nil, err
	}
	csrDER, err := x509.CreateCertificateRequest(a.cfg.Rand, &x509.CertificateRequest{RawSubject: raw}, signer)
	if err != nil {
		return nil, backendErr("sign CSR", err)
	}
	id, err := a.newID("iss")
	if err != nil {
		return nil, err
	}
	rec := &store.Issuer{
		ID: id, Name: name, Kind: store.IssuerIssuing, Status: store.IssuerPending, External: true,
		KeyName: keyName, KeyVersion: 1,
		CSRPEM:    string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})),
		CreatedAt: a.cfg.Now().UTC(),
	}
	if err := a.store.CreateIssuer(ctx, rec); err != nil {
		return nil, backendErr("record pending issuer", err)
	}
	return infoOf(&issuer{rec: rec}), nil
}

// ImportChain installs the certificate chain an external CA returned for
// the pending issuer: the issuing CA's certificate first, then any
// intermediates, then (optionally) the root. The root must be one of the
// roots pinned in the configuration (Config.ExternalRoots): an admin's
// upload never decides what kyso trusts.
//
// The whole path is checked as the certificates kyso will issue under it
// will be checked by relying parties (RFC 5280, 6.1): the first
// certificate's key is the pending issuer's Vault key; every link is
// signed by the next certificate; each CA above the issuing CA is a CA
// allowed to sign certificates and its path length constraint leaves room
// for the issuing CA and the end-entity certificates below it; name
// constraints are ones kyso can satisfy; every certificate is valid now;
// the issuing CA and the CAs between it and the root carry a certificate
// policies extension. Departures that do not break validation everywhere
// (policies not covering the configured profile OIDs, a validity that
// does not nest in the issuer's, extended key usage restrictions, name
// constraints) are returned as warnings.
//
// Nothing changes unless every check passes; the issuer then becomes the
// active one and the previous issuing CA is retired.
func (a *Authority) ImportChain(ctx context.Context, bundle []byte) (*model.IssuerInfo, error) {
	certs, err := parseCertsPEM(bundle)
	if err != nil {
		return nil, invalid("chain", "cannot read the PEM chain: %v", err)
	}
	leaf := certs[0]
	recs, err := a.store.ListIssuers(ctx)
	if err != nil {
		return nil, backendErr("list issuers", err)
	}
	var rec *store.Issuer
	for _, r := range recs {
		if r.Status != store.IssuerPending {
			continue
		}
		signer, err := a.keys.KeySigner(ctx, r.KeyName, r.KeyVersion)
		if err != nil {
			return nil, backendErr("pending issuer signer", err)
		}
		if samePublicKey(signer.Public(), leaf.PublicKey) == nil {
			rec = r
			break
		}
	}
	if rec == nil {
		return nil, ErrConflict.Errorf("the first certificate's public key matches no pending issuing CA (run ca init --external first, and put the issuing CA's certificate first in the chain)")
	}
	if len(a.cfg.ExternalRoots) == 0 {
		return nil, ErrConflict.Errorf("no external root is pinned: set ca.external_root (the root's file and its SHA-256 fingerprint) in kyso's configuration and restart kyso before importing the chain")
	}
	path, warnings, err := a.checkPath(certs)
	if err != nil {
		return nil, err
	}
	rec.Status = store.IssuerActive
	rec.CertPEM = certPEM(leaf.Raw)
	rec.ChainPEM = chainPEM(path[1:]...)
	rec.NotBefore, rec.NotAfter = leaf.NotBefore, leaf.NotAfter
	if err := a.store.UpdateIssuer(ctx, rec); err != nil {
		return nil, backendErr("activate issuer", err)
	}
	all, err := a.sync(ctx)
	if err != nil {
		return nil, err
	}
	is := all[rec.ID]
	if is == nil {
		return nil, errors.New("ca: imported issuer vanished")
	}
	cp := *is
	r := *is.rec
	cp.rec = &r
	if err := a.ensureOCSP(ctx, &cp); err != nil {
		return nil, err
	}
	if err := a.store.UpdateIssuer(ctx, cp.rec); err != nil {
		return nil, backendErr("record OCSP responder", err)
	}
	if err := a.retireOthers(ctx, rec.ID); err != nil {
		return nil, err
	}
	info := infoOf(&cp)
	info.Warnings = warnings
	return info, nil
}

// CancelExternal cancels the pending issuing CA, so that another can be
// requested (POST /v1/ca/external with other names, or another key type).
// Its Vault key stays (kyso's policy cannot delete keys) but is never used;
// the issuer is listed with status "cancelled". The active issuing CA is
// not touched.
func (a *Authority) CancelExternal(ctx context.Context) (*model.IssuerInfo, error) {
	recs, err := a.store.ListIssuers(ctx)
	if err != nil {
		return nil, backendErr("list issuers", err)
	}
	for _, r := range recs {
		if r.Status != store.IssuerPending {
			continue
		}
		r.Status = store.IssuerRetired
		if err := a.store.UpdateIssuer(ctx, r); err != nil {
			return nil, backendErr("cancel issuer "+r.Name, err)
		}
		return infoOf(&issuer{rec: r}), nil
	}
	return nil, ErrNotFound.Errorf("no issuing CA is waiting for its external chain")
}

// minChainLife is how long an imported issuing CA must still be valid.
const minChainLife = 24 * time.Hour

// checkPath checks an imported chain (see ImportChain) and returns the
// full path, issuing CA first and pinned root last, with its warnings.
func (a *Authority) checkPath(certs []*x509.Certificate) ([]*x509.Certificate, []string, error) {
	leaf := certs[0]
	bad := func(format string, args ...any) ([]*x509.Certificate, []string, error) {
		return nil, nil, invalid("chain", format, args...)
	}
	if !leaf.BasicConstraintsValid || !leaf.IsCA {
		return bad("the issuing CA certificate is not a CA certificate (basicConstraints cA=TRUE is missing)")
	}
	if leaf.KeyUsage&x509.KeyUsageCertSign == 0 || leaf.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return bad("the issuing CA certificate must allow keyCertSign and cRLSign")
	}

	// The path as sent; the root comes from the configuration. A bundle
	// that ends in a self-signed certificate must end in a pinned root.
	path := certs
	top := certs[len(certs)-1]
	if len(certs) > 1 && isSelfSigned(top) {
		if a.pinnedRoot(top) == nil {
			return bad("the chain ends in the root %q (SHA-256 %s), which is not the external root pinned in ca.external_root (%s); kyso trusts only a configured root",
				top.Subject.CommonName, fingerprint(top), a.pinnedList())
		}
		path = certs[:len(certs)-1]
	}
	last := path[len(path)-1]
	var root *x509.Certificate
	for _, r := range a.cfg.ExternalRoots {
		if bytes.Equal(last.RawIssuer, r.RawSubject) && last.CheckSignatureFrom(r) == nil {
			root = r
			break
		}
	}
	if root == nil {
		return bad("certificate %q is issued by %q, which is not signed by the external root pinned in ca.external_root (%s): the chain is incomplete, out of order, or under another root",
			last.Subject.CommonName, last.Issuer.CommonName, a.pinnedList())
	}
	path = append(append([]*x509.Certificate{}, path...), root)
	for i := 0; i+2 < len(path); i++ {
		if !bytes.Equal(path[i].RawIssuer, path[i+1].RawSubject) || path[i].CheckSignatureFrom(path[i+1]) != nil {
			return bad("certificate %d (%q) is not signed by the next one (%q); the chain must go from the issuing CA up to the root, in order",
				i+1, path[i].Subject.CommonName, path[i+1].Subject.CommonName)
		}
	}

	// Go's verifier checks signatures, validity now, basic constraints
	// and the name constraints it supports, on exactly this path.
	now := a.cfg.Now()
	inter := x509.NewCertPool()
	for _, c := range path[1 : len(path)-1] {
		inter.AddCert(c)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		for _, c := range path {
			if now.After(c.NotAfter) {
				return bad("certificate %q expired at %s", c.Subject.CommonName, c.NotAfter.UTC().Format(time.RFC3339))
			}
			if now.Before(c.NotBefore) {
				return bad("certificate %q is not valid before %s", c.Subject.CommonName, c.NotBefore.UTC().Format(time.RFC3339))
			}
			if len(c.UnhandledCriticalExtensions) > 0 {
				return bad("certificate %q has critical extensions kyso cannot process (%v; name constraints on directory names are one); relying parties that cannot either would reject every certificate kyso issues", c.Subject.CommonName, c.UnhandledCriticalExtensions)
			}
		}
		return bad("the chain does not verify to the pinned external root: %v", err)
	}
	if now.Add(minChainLife).After(leaf.NotAfter) {
		return bad("the issuing CA certificate expires at %s", leaf.NotAfter.Format(time.RFC3339))
	}

	var warnings []string
	for i, c := range path {
		if i > 0 {
			// RFC 5280, 4.2.1.9: pathLenConstraint counts the
			// non-self-issued CA certificates that may follow. Below
			// path[i] come path[0..i-1] and then kyso's end-entity
			// certificates, so it must allow the i CAs below it.
			below := 0
			for _, b := range path[:i] {
				if !bytes.Equal(b.RawIssuer, b.RawSubject) {
					below++
				}
			}
			if c.BasicConstraintsValid && c.MaxPathLen >= 0 && c.MaxPathLen < below {
				return bad("certificate %q allows %d CA certificate(s) below it (pathLenConstraint %d), but the path puts %d below it, kyso's issuing CA included: every certificate kyso issued would fail validation (path length constraint exceeded)",
					c.Subject.CommonName, c.MaxPathLen, c.MaxPathLen, below)
			}
			if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0 {
				return bad("certificate %q does not allow keyCertSign, so it cannot certify the CA below it", c.Subject.CommonName)
			}
		}
		if i+1 < len(path) {
			up := path[i+1]
			if c.NotBefore.Before(up.NotBefore) || c.NotAfter.After(up.NotAfter) {
				warnings = append(warnings, fmt.Sprintf("the validity of %q (%s to %s) does not nest in that of its issuer %q (%s to %s); kyso keeps what it issues inside both",
					c.Subject.CommonName, day(c.NotBefore), day(c.NotAfter), up.Subject.CommonName, day(up.NotBefore), day(up.NotAfter)))
			}
		}
		if hasNameConstraints(c) {
			warnings = append(warnings, fmt.Sprintf("certificate %q constrains names (%s); certificates kyso issues with names outside them (e-mail addresses of officials, kyso's TLS host names) will fail validation",
				c.Subject.CommonName, describeNameConstraints(c)))
		}
	}

	// Policies (RFC 5280, 4.2.1.4 and 6.1.3 (d)-(f)): a CA certificate
	// without a certificate policies extension ends every valid policy
	// on the path, and validators that require an explicit policy reject
	// kyso's certificates. The root, a trust anchor, is not checked.
	want := a.policyOIDs()
	for _, c := range path[:len(path)-1] {
		if len(c.Policies) == 0 {
			return bad("certificate %q has no certificate policies extension: validators that require a policy would reject every certificate kyso issues; ask the external CA for anyPolicy (2.5.29.32.0) or kyso's policy OIDs (%s)",
				c.Subject.CommonName, oidList(want))
		}
		var missing []x509.OID
		for _, p := range want {
			if !hasPolicy(c, p) {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			warnings = append(warnings, fmt.Sprintf("certificate %q does not cover the configured policy OIDs %s (it has %s, and not anyPolicy); validators that check policies will reject kyso's certificates of those profiles",
				c.Subject.CommonName, oidList(missing), oidList(c.Policies)))
		}
		if ekus := restrictedEKUs(c); ekus != "" {
			warnings = append(warnings, fmt.Sprintf("certificate %q restricts extended key usage (%s); validators that nest it reject kyso's OCSP responder (OCSPSigning), time-stamping (timeStamping) and TLS certificates whose usage is not listed",
				c.Subject.CommonName, ekus))
		}
	}
	if len(leaf.CRLDistributionPoints) == 0 && len(leaf.OCSPServer) == 0 && len(a.cfg.Upstream.Sources) == 0 {
		warnings = append(warnings, "the issuing CA certificate names no CRL distribution point and no OCSP responder, and no CRL source is configured (ca.external_revocation.crl_sources): B-LT and B-LTA signatures need the external CA's revocation data for it and will fail")
	}
	return path, warnings, nil
}

// pinnedRoot returns the pinned root equal to c, or nil.
func (a *Authority) pinnedRoot(c *x509.Certificate) *x509.Certificate {
	for _, r := range a.cfg.ExternalRoots {
		if r.Equal(c) {
			return r
		}
	}
	return nil
}

// pinnedList names the pinned roots for error messages.
func (a *Authority) pinnedList() string {
	var names []string
	for _, r := range a.cfg.ExternalRoots {
		names = append(names, fmt.Sprintf("%q, SHA-256 %s", r.Subject.CommonName, fingerprint(r)))
	}
	return strings.Join(names, "; ")
}

// policyOIDs returns the distinct policy OIDs of the profiles, sorted.
func (a *Authority) policyOIDs() []x509.OID {
	seen := map[string]bool{}
	var out []x509.OID
	for _, p := range a.profiles {
		if s := p.policy.String(); !seen[s] {
			seen[s] = true
			out = append(out, p.policy)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

var oidAnyPolicy = mustOID("2.5.29.32.0")

func hasPolicy(c *x509.Certificate, p x509.OID) bool {
	for _, q := range c.Policies {
		if q.Equal(p) || q.Equal(oidAnyPolicy) {
			return true
		}
	}
	return false
}

func oidList(oids []x509.OID) string {
	s := make([]string, len(oids))
	for i, o := range oids {
		s[i] = o.String()
	}
	return strings.Join(s, ", ")
}

func hasNameConstraints(c *x509.Certificate) bool {
	return len(c.PermittedDNSDomains)+len(c.ExcludedDNSDomains)+len(c.PermittedEmailAddresses)+len(c.ExcludedEmailAddresses)+
		len(c.PermittedIPRanges)+len(c.ExcludedIPRanges)+len(c.PermittedURIDomains)+len(c.ExcludedURIDomains) > 0
}

func describeNameConstraints(c *x509.Certificate) string {
	var parts []string
	add := func(what string, v []string) {
		if len(v) > 0 {
			parts = append(parts, what+" "+strings.Join(v, ", "))
		}
	}
	add("permitted DNS", c.PermittedDNSDomains)
	add("excluded DNS", c.ExcludedDNSDomains)
	add("permitted e-mail", c.PermittedEmailAddresses)
	add("excluded e-mail", c.ExcludedEmailAddresses)
	add("permitted URI", c.PermittedURIDomains)
	add("excluded URI", c.ExcludedURIDomains)
	var ips []string
	for _, n := range c.PermittedIPRanges {
		ips = append(ips, n.String())
	}
	add("permitted IP", ips)
	ips = nil
	for _, n := range c.ExcludedIPRanges {
		ips = append(ips, n.String())
	}
	add("excluded IP", ips)
	return strings.Join(parts, "; ")
}

// restrictedEKUs lists the extended key usages of a CA certificate that
// restricts them (no anyExtendedKeyUsage), or "" when it does not.
func restrictedEKUs(c *x509.Certificate) string {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return ""
	}
	names := map[x509.ExtKeyUsage]string{
		x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth",
		x509.ExtKeyUsageEmailProtection: "emailProtection", x509.ExtKeyUsageTimeStamping: "timeStamping",
		x509.ExtKeyUsageOCSPSigning: "OCSPSigning", x509.ExtKeyUsageCodeSigning: "codeSigning",
	}
	var out []string
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageAny {
			return ""
		}
		n, ok := names[u]
		if !ok {
			n = fmt.Sprintf("usage %d", u)
		}
		out = append(out, n)
	}
	for _, o := range c.UnknownExtKeyUsage {
		out = append(out, o.String())
	}
	return strings.Join(out, ", ")
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// fingerprint is the SHA-256 of a certificate's DER, lower-case hex.
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
