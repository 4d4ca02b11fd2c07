package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"sync"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// signerCache keeps one Vault-backed signer per key name and version, so a
// credential's public key is read from Vault once, not per signature.
type signerCache struct {
	mu sync.Mutex
	m  map[string]crypto.Signer
}

func (c *signerCache) get(ctx context.Context, k Keys, name string, version int) (crypto.Signer, error) {
	key := fmt.Sprintf("%s/%d", name, version)
	c.mu.Lock()
	s, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := k.KeySigner(ctx, name, version)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]crypto.Signer{}
	}
	c.m[key] = s
	c.mu.Unlock()
	return s, nil
}

// SigningCredential resolves a credential to its holder, its current
// certificate and chain, and a Vault-backed signer pinned to that
// certificate's key version. A revoked, superseded-only or expired credential is
// refused: kyso does not sign with a certificate relying parties would
// reject. It reads the credential and its certificate from the store.
func (a *Authority) SigningCredential(ctx context.Context, credentialID string) (*model.SigningCredential, error) {
	return a.SigningCredentialAt(ctx, credentialID, 0)
}

// SigningCredentialAt is SigningCredential for a request that read the
// authorisation version epoch (model.Caller.AuthEpoch, read with the
// client's API key): the credential and certificate rows this node last
// read are used again, without a read, if they were read at that very
// version, for then no credential or certificate has changed between
// that read and the request's. Any other epoch, or 0, reads them afresh.
// The checks below (status, validity now, key) run on every call either
// way; only the rows are remembered.
func (a *Authority) SigningCredentialAt(ctx context.Context, credentialID string, epoch int64) (*model.SigningCredential, error) {
	cred, rec, ok := a.credRows.get(credentialID, epoch)
	if !ok {
		// One read of the credential and its current certificate: a
		// revoked certificate or a disabled credential stops the next
		// signature.
		var read int64
		var err error
		cred, rec, read, err = a.store.GetCredentialCertificate(ctx, credentialID)
		if err != nil {
			return nil, backendErr("credential "+credentialID, err)
		}
		a.credRows.put(credentialID, read, cred, rec)
	}
	if rec == nil {
		return nil, ErrConflict.Errorf("credential %s has no certificate", credentialID)
	}
	if rec.Status != store.CertActive {
		return nil, ErrConflict.Errorf("credential %s's certificate is %s; rotate its key (kyso cert rotate) to sign again", credentialID, rec.Status)
	}
	now := a.cfg.Now()
	if now.After(rec.NotAfter) || now.Before(rec.NotBefore) {
		return nil, ErrConflict.Errorf("credential %s's certificate is not valid now (%s – %s)", credentialID, rec.NotBefore.Format("2006-01-02"), rec.NotAfter.Format("2006-01-02"))
	}
	issued, err := a.withChain(ctx, rec)
	if err != nil {
		return nil, err
	}
	signer, err := a.signers.get(ctx, a.keys, rec.KeyName, rec.KeyVersion)
	if err != nil {
		return nil, backendErr("key signer", err)
	}
	if err := samePublicKey(signer.Public(), issued.Leaf.PublicKey); err != nil {
		return nil, fmt.Errorf("ca: credential %s: Vault key %s v%d does not match its certificate: %w", credentialID, rec.KeyName, rec.KeyVersion, err)
	}
	subj, err := subjectOf(cred)
	if err != nil {
		return nil, err
	}
	return &model.SigningCredential{
		ID: cred.ID, Profile: cred.Profile, Organization: subj.Organization,
		HolderName: subj.Name, Title: subj.Title, CCCD: subj.CCCD, CertID: rec.ID, SCAL: SCAL(cred.Profile),
		Key: model.Key{Signer: signer, Cert: issued.Leaf, Chain: issued.Chain},
	}, nil
}

// SCAL is the sole control assurance level at which credentials of a
// profile sign for client systems (model.SigningCredential.SCAL): "2" for
// citizens, whose every signature the holder activates; "1" for officials
// and seals, which an agency's bound client system uses; "" for profiles
// that do not sign for clients.
func SCAL(profile string) string {
	switch profile {
	case ProfileCitizen:
		return "2"
	case ProfileOfficial, ProfileSeal:
		return "1"
	}
	return ""
}

// OCSP returns a fresh, signed OCSP response for cert (issued by issuer),
// answered in-process by kyso's responder: what a B-LT signature embeds.
func (a *Authority) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		return nil, fmt.Errorf("ca: OCSP request: %w", err)
	}
	resp, err := a.Respond(ctx, req)
	if err != nil {
		return nil, err
	}
	if _, err := ocsp.ParseResponseForCert(resp, cert, issuer); err != nil {
		return nil, fmt.Errorf("ca: no OCSP answer for %s: %w", cert.Subject.CommonName, err)
	}
	return resp, nil
}

// CRLFor returns the current CRL of the kyso issuer whose certificate is
// issuer, or nil when kyso does not operate that CA (an external root).
func (a *Authority) CRLFor(ctx context.Context, issuer *x509.Certificate) ([]byte, error) {
	all, err := a.sync(ctx)
	if err != nil {
		return nil, err
	}
	for _, is := range all {
		if is.cert != nil && is.cert.Equal(issuer) {
			return a.CRL(ctx, is.rec.Name)
		}
	}
	return nil, nil
}

// TSACredential returns kyso's own time-stamping credential, issuing it
// (profile tsa, key in Vault) on first use. The newest active tsa
// certificate with a credential is used; when several kyso nodes start
// together each may create one, which is harmless.
func (a *Authority) TSACredential(ctx context.Context) (*model.SigningCredential, error) {
	list, err := a.store.ListCertificates(ctx, store.CertFilter{Profile: ProfileTSA, Status: store.CertActive, Limit: store.MaxListLimit})
	if err != nil {
		return nil, backendErr("list TSA certificates", err)
	}
	var newest *store.Certificate
	for _, c := range list {
		if c.CredentialID != "" && a.cfg.Now().Before(c.NotAfter) && (newest == nil || c.NotBefore.After(newest.NotBefore)) {
			newest = c
		}
	}
	if newest == nil {
		issued, err := a.Issue(ctx, Request{Profile: ProfileTSA, Subject: model.Subject{
			Name: "Time-Stamp Authority", Organization: a.cfg.OrgName}})
		if err != nil {
			return nil, err
		}
		newest = issued.Record
	}
	return a.SigningCredential(ctx, newest.CredentialID)
}

// HasOCSP reports whether kyso answers OCSP for certificates issued by
// issuer: true for its issuing CAs, false for roots (which publish CRLs
// only) and for CAs kyso does not operate.
func (a *Authority) HasOCSP(ctx context.Context, issuer *x509.Certificate) (bool, error) {
	all, err := a.sync(ctx)
	if err != nil {
		return false, err
	}
	for _, is := range all {
		if is.cert != nil && is.cert.Equal(issuer) {
			return is.ocspSigner != nil, nil
		}
	}
	return false, nil
}

// credRowCache remembers, per credential, the credential and current
// certificate rows last read and the authorisation version (the store's
// auth_epoch) they were read at. Every committed change to a client, a
// credential or a certificate raises that version in the same
// transaction, so rows read at version e are what a read would return at
// any moment the version still is e; an entry is used only for a request
// that read exactly its version. Entries are never changed: a newer read
// replaces one.
type credRowCache struct {
	mu sync.Mutex
	m  map[string]credRows
}

type credRows struct {
	epoch int64
	cred  *store.Credential
	rec   *store.Certificate
}

// credRowCacheMax bounds the credentials remembered; past it the cache
// starts afresh.
const credRowCacheMax = 10000

// get returns the rows of id read at epoch, if remembered; epoch 0 never
// matches.
func (c *credRowCache) get(id string, epoch int64) (*store.Credential, *store.Certificate, bool) {
	if epoch <= 0 {
		return nil, nil, false
	}
	c.mu.Lock()
	r, ok := c.m[id]
	c.mu.Unlock()
	if !ok || r.epoch != epoch {
		return nil, nil, false
	}
	return r.cred, r.rec, true
}

// put remembers rows of id read at epoch. A credential without a current
// certificate, or rows read without a version, are not remembered.
func (c *credRowCache) put(id string, epoch int64, cred *store.Credential, rec *store.Certificate) {
	if epoch <= 0 || cred == nil || rec == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[id]; ok && old.epoch > epoch {
		return // a concurrent request read a newer version
	}
	if c.m == nil || len(c.m) >= credRowCacheMax {
		c.m = map[string]credRows{}
	}
	c.m[id] = credRows{epoch: epoch, cred: cred, rec: rec}
}
