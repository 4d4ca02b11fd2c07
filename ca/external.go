package ca

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

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
func (a *Authority) InitExternal(ctx context.Context, req ExternalRequest) (*IssuerInfo, error) {
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
		return nil, fmt.Errorf("%w: issuing CA %s is already waiting for its external chain; import it (kyso ca import-chain) before requesting another", ErrConflict, r.Name)
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

// ImportChain installs the certificate chain an external root returned
// for the pending issuer: the issuing CA's certificate first, then any
// intermediates, then the root's self-signed certificate. It checks that
// the first certificate's key is the pending issuer's Vault key, that it is
// a CA allowed to sign certificates and CRLs, and that the chain verifies
// up to the root. The issuer then becomes the active one and the previous
// issuing CA is retired.
func (a *Authority) ImportChain(ctx context.Context, bundle []byte) (*IssuerInfo, error) {
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
		return nil, fmt.Errorf("%w: the first certificate's public key matches no pending issuing CA (run ca init --external first, and put the issuing CA's certificate first in the chain)", ErrConflict)
	}
	if !leaf.BasicConstraintsValid || !leaf.IsCA {
		return nil, invalid("chain", "the issuing CA certificate is not a CA certificate (basicConstraints cA=TRUE is missing)")
	}
	if leaf.KeyUsage&x509.KeyUsageCertSign == 0 || leaf.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, invalid("chain", "the issuing CA certificate must allow keyCertSign and cRLSign")
	}
	top := certs[len(certs)-1]
	if len(certs) < 2 || top.CheckSignatureFrom(top) != nil {
		return nil, invalid("chain", "the chain must end with the external root's self-signed certificate")
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(top)
	for _, c := range certs[1 : len(certs)-1] {
		inter.AddCert(c)
	}
	now := a.cfg.Now()
	if _, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		return nil, invalid("chain", "the chain does not verify: %v", err)
	}
	if now.Add(24 * time.Hour).After(leaf.NotAfter) {
		return nil, invalid("chain", "the issuing CA certificate expires at %s", leaf.NotAfter.Format(time.RFC3339))
	}
	rec.Status = store.IssuerActive
	rec.CertPEM = certPEM(leaf.Raw)
	rec.ChainPEM = chainPEM(certs[1:]...)
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
	return infoOf(&cp), nil
}
