package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// ocspKeyType is the key type of the delegated OCSP responders: one RSA
// signature per response, so the smallest key Vietnamese practice accepts.
const ocspKeyType = "rsa-2048"

// Bootstrap creates kyso's own root CA and a first issuing CA when the
// store has no issuer at all. It is idempotent: with any issuer present
// (including a pending external one) it does nothing and reports false.
func (a *Authority) Bootstrap(ctx context.Context) (bool, error) {
	recs, err := a.store.ListIssuers(ctx)
	if err != nil {
		return false, backendErr("list issuers", err)
	}
	var root *issuer
	hasRoot := false
	for _, r := range recs {
		if r.Kind == store.IssuerIssuing && r.Status != store.IssuerRetired {
			// An issuing CA exists (or an external one is pending).
			return false, a.Maintain(ctx)
		}
		hasRoot = hasRoot || r.Kind == store.IssuerRoot
	}
	if hasRoot {
		// A root without an issuing CA: an earlier bootstrap stopped half
		// way. Finish it.
		if root, err = a.ownRoot(ctx); err != nil {
			return false, err
		}
	} else if root, err = a.createRoot(ctx); err != nil {
		return false, err
	}
	if _, err := a.createIssuing(ctx, root); err != nil {
		return false, err
	}
	return true, nil
}

func (a *Authority) createRoot(ctx context.Context) (*issuer, error) {
	keyName := a.cfg.KeyPrefix + "root"
	if err := a.createCAKey(ctx, "root", keyName, a.cfg.RootKeyType); err != nil {
		return nil, backendErr("create root key", err)
	}
	signer, err := a.keys.KeySigner(ctx, keyName, 1)
	if err != nil {
		return nil, backendErr("root signer", err)
	}
	serial, err := a.randomSerial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(signer.Public())
	if err != nil {
		return nil, err
	}
	nb, na, err := a.validity(a.cfg.RootValidity, nil)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               a.caSubject(a.cfg.RootName),
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
		SubjectKeyId:          ski,
		// RFC 5280 4.2.1.1 lets a self-signed root omit the AKI, but path
		// builders (and zlint) want the key identifier everywhere.
		AuthorityKeyId: ski,
	}
	cert, err := a.lintAndSign(tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return nil, err
	}
	id, err := a.newID("iss")
	if err != nil {
		return nil, err
	}
	rec := &store.Issuer{
		ID: id, Name: "root", Kind: store.IssuerRoot, Status: store.IssuerActive,
		KeyName: keyName, KeyVersion: 1, CertPEM: certPEM(cert.Raw),
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, CreatedAt: a.cfg.Now().UTC(),
	}
	if err := a.store.CreateIssuer(ctx, rec); err != nil {
		return nil, backendErr("record root", err)
	}
	return &issuer{rec: rec, cert: cert, signer: signer}, nil
}

// nextIssuerName returns "issuing-N" for the next N.
func (a *Authority) nextIssuerName(ctx context.Context) (string, error) {
	recs, err := a.store.ListIssuers(ctx)
	if err != nil {
		return "", backendErr("list issuers", err)
	}
	n := 1
	for _, r := range recs {
		if r.Kind == store.IssuerIssuing {
			n++
		}
	}
	return fmt.Sprintf("issuing-%d", n), nil
}

// createIssuing creates an issuing CA under kyso's own root, makes it the
// active issuer and gives it an OCSP responder.
func (a *Authority) createIssuing(ctx context.Context, root *issuer) (*issuer, error) {
	name, err := a.nextIssuerName(ctx)
	if err != nil {
		return nil, err
	}
	keyName := a.cfg.KeyPrefix + name
	if err := a.createCAKey(ctx, "issuing CA", keyName, a.cfg.IssuingKeyType); err != nil {
		return nil, backendErr("create issuing key", err)
	}
	signer, err := a.keys.KeySigner(ctx, keyName, 1)
	if err != nil {
		return nil, backendErr("issuing signer", err)
	}
	serial, err := a.randomSerial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(signer.Public())
	if err != nil {
		return nil, err
	}
	nb, na, err := a.validity(a.cfg.IssuingValidity, root.path())
	if err != nil {
		return nil, err
	}
	urls := urlsFor(a.cfg.BaseURL, root.rec.Name)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               a.caSubject(fmt.Sprintf("%s Issuing CA %s", a.cfg.OrgName, name[len("issuing-"):])),
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SubjectKeyId:          ski,
		IssuingCertificateURL: []string{urls.caIssuers},
		CRLDistributionPoints: []string{urls.crl},
		Policies:              []x509.OID{mustOID("2.5.29.32.0")}, // anyPolicy
	}
	id, err := a.newID("iss")
	if err != nil {
		return nil, err
	}
	// The issuing CA's certificate is recorded under the root like any
	// other, so the root's CRL can list it if it is ever revoked.
	rec, err := a.intent(tmpl, root, profileIssuingCA, keyName, 1, "")
	if err != nil {
		return nil, err
	}
	if err := a.store.CreateCertificate(ctx, rec); err != nil {
		return nil, backendErr("record issuing CA intent", err)
	}
	issued, err := a.complete(ctx, rec, tmpl, root, signer.Public(), "")
	if err != nil {
		return nil, err
	}
	is := &issuer{
		rec: &store.Issuer{
			ID: id, Name: name, Kind: store.IssuerIssuing, Status: store.IssuerActive,
			KeyName: keyName, KeyVersion: 1, CertPEM: certPEM(issued.Leaf.Raw), ChainPEM: chainPEM(root.cert),
			NotBefore: issued.Leaf.NotBefore, NotAfter: issued.Leaf.NotAfter, CreatedAt: a.cfg.Now().UTC(),
		},
		cert: issued.Leaf, chain: []*x509.Certificate{root.cert}, signer: signer,
	}
	if err := a.store.CreateIssuer(ctx, is.rec); err != nil {
		return nil, backendErr("record issuing CA", err)
	}
	if err := a.ensureOCSP(ctx, is); err != nil {
		return nil, err
	}
	if err := a.store.UpdateIssuer(ctx, is.rec); err != nil {
		return nil, backendErr("record OCSP responder", err)
	}
	return is, a.retireOthers(ctx, is.rec.ID)
}

func mustOID(s string) x509.OID {
	o, err := x509.ParseOID(s)
	if err != nil {
		panic(err) // constant input
	}
	return o
}

// retireOthers retires every active issuing CA except keep. Retired issuers
// keep answering CRL and OCSP requests for what they issued.
func (a *Authority) retireOthers(ctx context.Context, keep string) error {
	recs, err := a.store.ListIssuers(ctx)
	if err != nil {
		return backendErr("list issuers", err)
	}
	for _, r := range recs {
		if r.Kind == store.IssuerIssuing && r.Status == store.IssuerActive && r.ID != keep {
			r.Status = store.IssuerRetired
			if err := a.store.UpdateIssuer(ctx, r); err != nil {
				return backendErr("retire issuer "+r.Name, err)
			}
		}
	}
	return nil
}

// RotateCA creates a new issuing CA under kyso's own root and makes it the
// active issuer. The previous issuing CA is retired: its certificates stay
// valid and it keeps publishing CRLs and answering OCSP for them.
func (a *Authority) RotateCA(ctx context.Context) (*model.IssuerInfo, error) {
	root, err := a.ownRoot(ctx)
	if err != nil {
		return nil, err
	}
	is, err := a.createIssuing(ctx, root)
	if err != nil {
		return nil, err
	}
	return infoOf(is), nil
}

// ensureOCSP gives an issuer a delegated OCSP responder certificate
// (profile ocsp, RFC 6960 4.2.2.2) when it has none or a third of the
// current one's validity is left. It updates is.rec but does not store it.
func (a *Authority) ensureOCSP(ctx context.Context, is *issuer) error {
	if is.ocspCert != nil {
		life := is.ocspCert.NotAfter.Sub(is.ocspCert.NotBefore)
		if a.cfg.Now().Before(is.ocspCert.NotAfter.Add(-life / 3)) {
			return nil
		}
	}
	p := a.profiles[ProfileOCSP]
	keyName := a.cfg.KeyPrefix + "ocsp-" + is.rec.Name
	var err error
	if is.rec.OCSPKeyVersion == 0 { // a new responder, with a new key
		err = a.createCAKey(ctx, "OCSP responder", keyName, ocspKeyType)
	} else {
		err = a.keys.CreateKey(ctx, keyName, ocspKeyType)
	}
	if err != nil {
		return backendErr("create OCSP key", err)
	}
	version := 1
	if is.rec.OCSPKeyVersion > 0 {
		// Renewal also rotates the responder key.
		v, err := a.keys.RotateKey(ctx, keyName)
		if err != nil {
			return backendErr("rotate OCSP key", err)
		}
		version = v
	}
	signer, err := a.keys.KeySigner(ctx, keyName, version)
	if err != nil {
		return backendErr("OCSP signer", err)
	}
	tmpl, _, err := a.leafTemplate(p, model.Subject{Name: "OCSP Responder " + is.rec.Name, Organization: a.cfg.OrgName}, is, signer.Public())
	if err != nil {
		return err
	}
	rec, err := a.intent(tmpl, is, ProfileOCSP, keyName, version, "")
	if err != nil {
		return err
	}
	if err := a.store.CreateCertificate(ctx, rec); err != nil {
		return backendErr("record OCSP intent", err)
	}
	issued, err := a.complete(ctx, rec, tmpl, is, signer.Public(), "")
	if err != nil {
		return err
	}
	is.ocspCert, is.ocspSigner = issued.Leaf, signer
	is.rec.OCSPKeyName, is.rec.OCSPKeyVersion, is.rec.OCSPCertPEM = keyName, version, certPEM(issued.Leaf.Raw)
	return nil
}

// Maintain does the periodic work: renews OCSP responder certificates that
// are due and rebuilds CRLs past half their validity. kyso serve calls it
// at start and on a timer.
func (a *Authority) Maintain(ctx context.Context) error {
	all, err := a.sync(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, is := range all {
		if is.cert == nil || a.cfg.Now().After(is.cert.NotAfter) {
			continue
		}
		if is.rec.Kind == store.IssuerIssuing {
			cp := *is
			rec := *is.rec
			cp.rec = &rec
			before := rec.OCSPCertPEM
			if err := a.ensureOCSP(ctx, &cp); err != nil {
				errs = append(errs, fmt.Errorf("issuer %s OCSP responder: %w", is.rec.Name, err))
			} else if cp.rec.OCSPCertPEM != before {
				if err := a.store.UpdateIssuer(ctx, cp.rec); err != nil {
					errs = append(errs, backendErr("update issuer "+is.rec.Name, err))
				}
			}
		}
		if _, err := a.CRL(ctx, is.rec.Name); err != nil {
			errs = append(errs, fmt.Errorf("issuer %s CRL: %w", is.rec.Name, err))
		}
	}
	return errors.Join(errs...)
}

// StatusCancelled is the status shown for an external issuer cancelled
// before its chain was imported (stored as retired, without certificate).
const StatusCancelled = "cancelled"

func infoOf(is *issuer) *model.IssuerInfo {
	status := string(is.rec.Status)
	if is.rec.Status == store.IssuerRetired && is.rec.CertPEM == "" {
		status = StatusCancelled
	}
	return &model.IssuerInfo{
		Name: is.rec.Name, Kind: string(is.rec.Kind), Status: status, External: is.rec.External,
		NotBefore: is.rec.NotBefore, NotAfter: is.rec.NotAfter, CertPEM: is.rec.CertPEM, ChainPEM: is.rec.ChainPEM,
		CSRPEM: is.rec.CSRPEM,
	}
}

// Issuers lists every issuer, oldest first.
func (a *Authority) Issuers(ctx context.Context) ([]*model.IssuerInfo, error) {
	all, err := a.sync(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]*issuer, 0, len(all))
	for _, is := range all {
		list = append(list, is)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].rec.CreatedAt.Before(list[j].rec.CreatedAt) })
	out := make([]*model.IssuerInfo, len(list))
	for i, is := range list {
		out[i] = infoOf(is)
	}
	return out, nil
}

// IssuerCert returns the DER certificate of the named issuer, or of the
// root the active issuing CA chains to when name is "root".
func (a *Authority) IssuerCert(ctx context.Context, name string) ([]byte, error) {
	if name == "root" {
		is, err := a.activeIssuer(ctx)
		if err != nil {
			return nil, err
		}
		return is.root().Raw, nil
	}
	is, err := a.issuerByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return is.cert.Raw, nil
}

// Ready reports whether the CA can issue: an active issuing CA whose key
// Vault serves.
func (a *Authority) Ready(ctx context.Context) error {
	_, err := a.activeIssuer(ctx)
	return err
}
