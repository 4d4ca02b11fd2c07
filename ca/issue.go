package ca

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// Request asks for a new credential and its first certificate.
type Request struct {
	Profile string        `json:"profile"`
	KeyType string        `json:"key_type"` // empty: the profile's default
	Subject model.Subject `json:"subject"`
	// CredentialID, when set, is the ID of the new credential (from
	// NewCredentialID); empty: the CA picks one.
	CredentialID string `json:"-"`
}

// Issued is a certificate with the chain that validates it.
type Issued struct {
	Record *model.Certificate
	Leaf   *x509.Certificate
	// Chain is the issuing CA's certificate followed by the certificates
	// above it, the root last.
	Chain []*x509.Certificate
}

// ChainPEM returns the chain as concatenated PEM blocks.
func (i *Issued) ChainPEM() string { return chainPEM(i.Chain...) }

// backdate is how far NotBefore is set before now, so that relying parties
// with slightly slow clocks accept a fresh certificate.
const backdate = time.Minute

// randomSerial returns a positive 128-bit random serial number
// (RFC 5280, 4.1.2.2; at least 64 bits of entropy are required by CA/B
// practice, kyso uses 127).
func (a *Authority) randomSerial() (*big.Int, error) {
	b := make([]byte, 16)
	for {
		if _, err := io.ReadFull(a.cfg.Rand, b); err != nil {
			return nil, fmt.Errorf("ca: random serial: %w", err)
		}
		b[0] &= 0x7f
		if b[0] != 0 { // keep the full 16-octet length
			return new(big.Int).SetBytes(b), nil
		}
	}
}

// serialHex is the stored and displayed form of a serial number: the
// big-endian bytes in lower-case hex, as openssl and most tools print them
// (kyso's 16-byte serials always give 32 digits).
func serialHex(n *big.Int) string { return hex.EncodeToString(n.Bytes()) }

// subjectKeyID is the key identifier of pub per RFC 7093, section 2,
// method 1: the leftmost 160 bits of SHA-256 over the subjectPublicKey.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// validity returns NotBefore/NotAfter for a certificate of duration d
// under the CA certificates above it (its issuer first; none for a root).
// The result nests inside every one of them (RFC 5280 does not demand it,
// but relying parties reject a certificate outside its issuer's validity):
// NotBefore is backdated for slow clocks but never before the latest
// NotBefore above, and NotAfter is cut to the earliest NotAfter above.
func (a *Authority) validity(d time.Duration, above []*x509.Certificate) (time.Time, time.Time, error) {
	now := a.cfg.Now().UTC()
	nb := now.Add(-backdate).Truncate(time.Second)
	var start, limit time.Time
	for _, c := range above {
		if start.IsZero() || c.NotBefore.After(start) {
			start = c.NotBefore.UTC()
		}
		if limit.IsZero() || c.NotAfter.Before(limit) {
			limit = c.NotAfter.UTC()
		}
	}
	if now.Before(start) {
		return nb, nb, ErrConflict.Errorf("the issuing CA's chain is not valid before %s", start.Format(time.RFC3339))
	}
	if nb.Before(start) {
		nb = start
	}
	na := nb.Add(d)
	if !limit.IsZero() && na.After(limit) {
		na = limit
	}
	if !na.After(now) {
		return nb, na, ErrConflict.Errorf("the issuing CA (or a CA above it) expires at %s; rotate the CA", limit.Format(time.RFC3339))
	}
	return nb, na, nil
}

// path returns the issuer's certificate and the certificates above it.
func (is *issuer) path() []*x509.Certificate {
	return append([]*x509.Certificate{is.cert}, is.chain...)
}

// leafTemplate builds the template of an end-entity certificate from a
// profile and a validated subject; nothing from the request is copied
// without validation.
func (a *Authority) leafTemplate(p *profile, subj model.Subject, is *issuer, pub crypto.PublicKey) (*x509.Certificate, model.Subject, error) {
	rawSubject, email, canon, err := p.subject(subj)
	if err != nil {
		return nil, canon, err
	}
	serial, err := a.randomSerial()
	if err != nil {
		return nil, canon, err
	}
	nb, na, err := a.validity(p.validity, is.path())
	if err != nil {
		return nil, canon, err
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, canon, fmt.Errorf("ca: subject key id: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		RawSubject:   rawSubject,
		NotBefore:    nb,
		NotAfter:     na,
		SubjectKeyId: ski,
	}
	if err := p.apply(tmpl, email, urlsFor(a.cfg.BaseURL, is.rec.Name)); err != nil {
		return nil, canon, err
	}
	return tmpl, canon, nil
}

func (a *Authority) profile(name string) (*profile, error) {
	p, ok := a.profiles[name]
	switch {
	case name == ProfileOCSP:
		return nil, invalid("profile", "ocsp certificates are issued by kyso itself for each issuing CA")
	case name == ProfileTLSServer:
		return nil, invalid("profile", "tls-server certificates are issued by kyso itself for its HTTPS listener (tls.mode ca)")
	case name == ProfileTLSClient:
		return nil, invalid("profile", "tls-client certificates are issued to a registered client system from its CSR: POST /v1/clients/{id}/certificate")
	case !ok:
		return nil, invalid("profile", "unknown profile %q (citizen, official, seal, tsa)", name)
	}
	return p, nil
}

func keyTypeFor(p *profile, kt string) (string, error) {
	if kt == "" {
		return p.keyTypes[0], nil
	}
	for _, t := range p.keyTypes {
		if t == kt {
			return kt, nil
		}
	}
	return "", invalid("key_type", "%q is not allowed for profile %s (allowed: %v)", kt, p.name, p.keyTypes)
}

// Issue validates req, creates the holder's key in Vault and issues the
// first certificate of a new credential.
//
// Order (STYLE.md): validate → record the credential → key → template from
// the profile → random serial → record the intent (pending) → lint → sign
// once → parse back and compare → record the result. The credential is
// recorded before its key is created, so that whatever stops the process
// no Transit key exists that no record names. A failure retires the
// credential, and after the intent marks the certificate failed; what a
// crash leaves instead (a credential without certificate, a pending
// intent) kyso doctor finds and settles.
//
// A caller that chose the credential's ID (Request.CredentialID) retries
// with it, and Issue finishes what the earlier attempt started: a failure
// that may pass (Vault or the database unavailable, too slow — a key
// creation cut short, which Vault may still complete) leaves the credential
// active without a certificate, and a later Issue with the same ID and the
// same request resumes it, reusing the key Vault made (keys' Create returns
// the existing key of a name). A credential retired meanwhile (kyso doctor
// retires one that waited longer than its grace period) is not revived:
// Issue returns an error matching ErrCredentialRetired, and the caller
// starts again with a new ID.
func (a *Authority) Issue(ctx context.Context, req Request) (*Issued, error) {
	p, err := a.profile(req.Profile)
	if err != nil {
		return nil, err
	}
	kt, err := keyTypeFor(p, req.KeyType)
	if err != nil {
		return nil, err
	}
	_, _, canon, err := p.subject(req.Subject)
	if err != nil {
		return nil, err
	}
	is, err := a.activeIssuer(ctx)
	if err != nil {
		return nil, err
	}
	credID := req.CredentialID
	chosen := credID != ""
	if !chosen {
		if credID, err = a.newID("cred"); err != nil {
			return nil, err
		}
	} else if !validCredentialID(credID) {
		return nil, invalid("credential_id", "malformed credential ID")
	}
	subjJSON, err := json.Marshal(canon)
	if err != nil {
		return nil, err
	}
	now := a.cfg.Now().UTC()
	keyName := a.cfg.KeyPrefix + credID
	cred := &store.Credential{
		ID: credID, Profile: p.name, SubjectJSON: string(subjJSON), KeyName: keyName, KeyType: kt,
		Status: store.CredentialActive, CreatedAt: now, UpdatedAt: now,
	}
	if p.name == ProfileCitizen {
		// One active citizen credential per CCCD: the store's unique index
		// on active holders refuses a second one inside the transaction
		// that records it, however many issuances race.
		cred.Holder = "CCCD:" + canon.CCCD
	}
	resumed := false
	if chosen {
		if resumed, err = a.resume(ctx, cred); err != nil {
			return nil, err
		}
	}
	if !resumed {
		if err := a.store.CreateCredential(ctx, cred, nil); err != nil {
			if errors.Is(err, store.ErrHolderTaken) {
				return nil, ErrHolderHasCertificate.Fieldf("subject.cccd",
					"the citizen with CCCD %s already holds an active certificate; revoke it, or rotate or renew it, rather than issue another (công dân này đã có chứng thư số đang hiệu lực)", canon.CCCD)
			}
			return nil, backendErr("record credential", err)
		}
	}
	out, err := a.issueFirst(ctx, cred, p, req.Subject, is)
	if err != nil && !(chosen && MayPass(err)) {
		// No certificate, and no retry to finish it: retire the
		// credential so that it never looks usable (its key, if Vault
		// made it, stays unused).
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		cred.Status = store.CredentialRevoked
		cred.UpdatedAt = time.Time{}
		if uerr := a.store.UpdateCredential(fctx, cred); uerr != nil {
			err = errors.Join(err, fmt.Errorf("ca: retire credential %s: %w", cred.ID, uerr))
		}
	}
	return out, err
}

// resume looks for a credential recorded by an earlier attempt of the
// request want stands for. It reports true, and sets *want to the record,
// if that credential is active without a certificate and was recorded for
// the same profile, key type and subject; false if there is none.
func (a *Authority) resume(ctx context.Context, want *store.Credential) (bool, error) {
	got, err := a.store.GetCredential(ctx, want.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, backendErr("credential "+want.ID, err)
	case got.CurrentCertID != "":
		return false, ErrConflict.Errorf("credential %s already has certificate %s", got.ID, got.CurrentCertID)
	case got.Status != store.CredentialActive:
		return false, ErrCredentialRetired.Errorf("credential %s is %s", got.ID, got.Status)
	case got.Profile != want.Profile || got.KeyType != want.KeyType || got.SubjectJSON != want.SubjectJSON || got.KeyName != want.KeyName:
		return false, ErrConflict.Errorf("credential %s was recorded for another request", got.ID)
	}
	*want = *got
	return true, nil
}

// issueFirst creates the key of a recorded credential and issues its first
// certificate (complete marks a failure after the intent on the
// certificate).
func (a *Authority) issueFirst(ctx context.Context, cred *store.Credential, p *profile, subj model.Subject, is *issuer) (*Issued, error) {
	if err := a.keys.CreateKey(ctx, cred.KeyName, cred.KeyType); err != nil {
		return nil, backendErr("create key", err)
	}
	signer, err := a.keys.KeySigner(ctx, cred.KeyName, 1)
	if err != nil {
		return nil, backendErr("key signer", err)
	}
	tmpl, _, err := a.leafTemplate(p, subj, is, signer.Public())
	if err != nil {
		return nil, err
	}
	rec, err := a.intent(tmpl, is, p.name, cred.KeyName, 1, cred.ID)
	if err != nil {
		return nil, err
	}
	if err := a.store.CreateCertificate(ctx, rec); err != nil {
		return nil, backendErr("record certificate", err)
	}
	return a.complete(ctx, rec, tmpl, is, signer.Public(), "")
}

// NewCredentialID returns a fresh random credential ID, for a caller that
// must know the ID before it asks for the credential (Request.CredentialID:
// an idempotent API request records it first).
func NewCredentialID() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("ca: random id: %w", err)
	}
	return "cred_" + idEncoding.EncodeToString(b), nil
}

// validCredentialID reports whether id has the form of NewCredentialID's
// IDs (the key name is derived from it).
func validCredentialID(id string) bool {
	rest, ok := strings.CutPrefix(id, "cred_")
	if !ok || len(rest) != 16 {
		return false
	}
	_, err := idEncoding.DecodeString(rest)
	return err == nil
}

// intent builds the pending record of a certificate about to be signed.
func (a *Authority) intent(tmpl *x509.Certificate, is *issuer, profile, keyName string, keyVersion int, credID string) (*store.Certificate, error) {
	id, err := a.newID("crt")
	if err != nil {
		return nil, err
	}
	rawSubject := tmpl.RawSubject
	if len(rawSubject) == 0 { // CA templates use Subject, not RawSubject
		if rawSubject, err = asn1.Marshal(tmpl.Subject.ToRDNSequence()); err != nil {
			return nil, fmt.Errorf("ca: subject: %w", err)
		}
	}
	return &store.Certificate{
		ID: id, CredentialID: credID, IssuerID: is.rec.ID, Serial: serialHex(tmpl.SerialNumber),
		Profile: profile, Subject: subjectString(rawSubject), KeyName: keyName, KeyVersion: keyVersion,
		Status: store.CertPending, NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter,
		CreatedAt: a.cfg.Now().UTC(),
	}, nil
}

// complete lints and signs a recorded intent and stores the result.
func (a *Authority) complete(ctx context.Context, rec *store.Certificate, tmpl *x509.Certificate, is *issuer, pub crypto.PublicKey, supersede string) (*Issued, error) {
	cert, err := a.lintAndSign(tmpl, is.cert, pub, is.signer)
	if err != nil {
		// Record the failure on a fresh context: the caller's may be the
		// reason we failed, and the intent must not stay pending.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if ferr := a.store.FailCertificate(fctx, rec.ID); ferr != nil {
			err = errors.Join(err, fmt.Errorf("ca: mark certificate failed: %w", ferr))
		}
		return nil, err
	}
	rec.CertPEM = certPEM(cert.Raw)
	rec.NotBefore, rec.NotAfter = cert.NotBefore, cert.NotAfter
	rec.Status = store.CertActive
	if err := a.store.ActivateCertificate(ctx, rec, supersede); err != nil {
		// Signed but not recorded (database locked, full or gone): nobody
		// has the certificate, so the intent fails. If that cannot be
		// recorded either, kyso doctor finds the intent pending.
		err = backendErr("record certificate", err)
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if ferr := a.store.FailCertificate(fctx, rec.ID); ferr != nil {
			err = errors.Join(err, fmt.Errorf("ca: mark certificate failed: %w", ferr))
		}
		return nil, err
	}
	return &Issued{Record: rec, Leaf: cert, Chain: append([]*x509.Certificate{is.cert}, is.chain...)}, nil
}

// subjectString renders a raw DN as an RFC 4514-style string with UTF-8
// values (pkix.Name.String would hex-encode the UID attribute).
func subjectString(raw []byte) string {
	var rdns pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &rdns); err != nil {
		return ""
	}
	names := map[string]string{
		"2.5.4.6": "C", "2.5.4.8": "ST", "2.5.4.7": "L", "2.5.4.10": "O", "2.5.4.11": "OU",
		"2.5.4.12": "T", "2.5.4.3": "CN", OIDUID.String(): "UID", oidEmailAddr.String(): "E",
	}
	var out []string
	for i := len(rdns) - 1; i >= 0; i-- {
		for _, atv := range rdns[i] {
			k := names[atv.Type.String()]
			if k == "" {
				k = atv.Type.String()
			}
			out = append(out, k+"="+escapeDN(fmt.Sprint(atv.Value)))
		}
	}
	return strings.Join(out, ",")
}

func escapeDN(s string) string {
	var b []rune
	for i, r := range s {
		switch {
		case r == ',' || r == '+' || r == '"' || r == '\\' || r == '<' || r == '>' || r == ';',
			i == 0 && (r == '#' || r == ' '):
			b = append(b, '\\', r)
		default:
			b = append(b, r)
		}
	}
	return string(b)
}

// Get returns a certificate with its chain.
func (a *Authority) Get(ctx context.Context, id string) (*Issued, error) {
	rec, err := a.store.GetCertificate(ctx, id)
	if err != nil {
		return nil, backendErr("certificate "+id, err)
	}
	return a.withChain(ctx, rec)
}

func (a *Authority) withChain(ctx context.Context, rec *store.Certificate) (*Issued, error) {
	is, err := a.certifiedIssuer(ctx, rec.IssuerID)
	if err != nil {
		return nil, err
	}
	out := &Issued{Record: rec}
	if is != nil {
		out.Chain = append([]*x509.Certificate{is.cert}, is.chain...)
	}
	if rec.CertPEM != "" {
		if out.Leaf, err = a.leaves.parse(rec.ID, rec.CertPEM); err != nil {
			return nil, fmt.Errorf("ca: stored certificate %s: %w", rec.ID, err)
		}
	}
	return out, nil
}

// ListFilter selects certificates for List.
type ListFilter struct {
	Status         string
	CredentialID   string
	ExpiringWithin time.Duration // active certificates expiring within this time
	Limit          int
	After          string
}

// List returns certificates matching f, ordered by id.
func (a *Authority) List(ctx context.Context, f ListFilter) ([]*store.Certificate, error) {
	sf := store.CertFilter{CredentialID: f.CredentialID, Limit: f.Limit, After: f.After}
	switch st := store.CertStatus(f.Status); st {
	case "", store.CertPending, store.CertActive, store.CertSuperseded, store.CertRevoked, store.CertFailed:
		sf.Status = st
	default:
		return nil, invalid("status", "unknown status %q (pending, active, superseded, revoked, failed)", f.Status)
	}
	if f.ExpiringWithin < 0 {
		return nil, invalid("expiring_within", "must not be negative")
	}
	if f.ExpiringWithin > 0 {
		sf.ExpiringUntil = a.cfg.Now().Add(f.ExpiringWithin)
		if sf.Status == "" {
			sf.Status = store.CertActive
		}
	}
	if f.Limit < 0 || f.Limit > 1000 {
		return nil, invalid("limit", "must be between 1 and 1000")
	}
	out, err := a.store.ListCertificates(ctx, sf)
	if err != nil {
		return nil, backendErr("list certificates", err)
	}
	return out, nil
}

// CredentialEntry is a credential as a listing shows it: its ID, profile
// and the organisation its subject names — the one an agency's client is
// checked against when it signs with it (SigningCredential).
type CredentialEntry struct {
	ID, Profile, Organization string
}

// UsableCredentials returns up to limit (at most 1000) active credentials
// of a signing profile (citizen, official or seal) whose current
// certificate is active, after the ID after, ordered by ID.
func (a *Authority) UsableCredentials(ctx context.Context, profile, after string, limit int) ([]CredentialEntry, error) {
	switch profile {
	case ProfileCitizen, ProfileOfficial, ProfileSeal:
	default:
		return nil, invalid("profile", "not a signing profile: %q (citizen, official, seal)", profile)
	}
	if limit < 1 || limit > 1000 {
		return nil, invalid("limit", "must be between 1 and 1000")
	}
	creds, err := a.store.ListUsableCredentials(ctx, profile, after, limit)
	if err != nil {
		return nil, backendErr("list credentials", err)
	}
	out := make([]CredentialEntry, len(creds))
	for i, cred := range creds {
		subj, err := subjectOf(cred)
		if err != nil {
			return nil, err
		}
		out[i] = CredentialEntry{ID: cred.ID, Profile: cred.Profile, Organization: subj.Organization}
	}
	return out, nil
}

// Rotate gives the holder of certificate id a new key version in Vault and a
// new certificate for it; the old certificate is marked superseded (it stays
// valid for signatures made before, and is not revoked).
func (a *Authority) Rotate(ctx context.Context, id string) (*Issued, error) {
	return a.reissue(ctx, id, true)
}

// Renew issues a new certificate for the same key version and subject; the
// old certificate is marked superseded.
func (a *Authority) Renew(ctx context.Context, id string) (*Issued, error) {
	return a.reissue(ctx, id, false)
}

func (a *Authority) reissue(ctx context.Context, id string, newKey bool) (*Issued, error) {
	old, err := a.store.GetCertificate(ctx, id)
	if err != nil {
		return nil, backendErr("certificate "+id, err)
	}
	if old.Profile == ProfileTLSClient {
		return nil, ErrConflict.Errorf("certificate %s is a client system's TLS certificate; its key is the client's: issue a new one from a new CSR (POST /v1/clients/{id}/certificate)", id)
	}
	if old.CredentialID == "" {
		return nil, ErrConflict.Errorf("certificate %s is a CA service certificate; it is renewed by the CA itself", id)
	}
	cred, err := a.store.GetCredential(ctx, old.CredentialID)
	if err != nil {
		return nil, backendErr("credential "+old.CredentialID, err)
	}
	if cred.CurrentCertID != old.ID || old.Status != store.CertActive && old.Status != store.CertRevoked {
		return nil, ErrConflict.Errorf("certificate %s is %s and not the credential's current certificate (%s); rotate that one", id, old.Status, cred.CurrentCertID)
	}
	if !newKey && old.Status == store.CertRevoked {
		return nil, ErrConflict.Errorf("certificate %s is revoked; rotate the key instead of renewing", id)
	}
	p, err := a.profile(cred.Profile)
	if err != nil {
		return nil, err
	}
	subj, err := subjectOf(cred)
	if err != nil {
		return nil, err
	}
	is, err := a.activeIssuer(ctx)
	if err != nil {
		return nil, err
	}
	version := old.KeyVersion
	if newKey {
		if version, err = a.keys.RotateKey(ctx, cred.KeyName); err != nil {
			return nil, backendErr("rotate key", err)
		}
	}
	signer, err := a.keys.KeySigner(ctx, cred.KeyName, version)
	if err != nil {
		return nil, backendErr("key signer", err)
	}
	tmpl, _, err := a.leafTemplate(p, subj, is, signer.Public())
	if err != nil {
		return nil, err
	}
	rec, err := a.intent(tmpl, is, p.name, cred.KeyName, version, cred.ID)
	if err != nil {
		return nil, err
	}
	if err := a.store.CreateCertificate(ctx, rec); err != nil {
		return nil, backendErr("record certificate", err)
	}
	supersede := old.ID
	if old.Status == store.CertRevoked {
		supersede = "" // a revoked certificate stays revoked
	}
	return a.complete(ctx, rec, tmpl, is, signer.Public(), supersede)
}
