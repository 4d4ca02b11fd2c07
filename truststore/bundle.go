package truststore

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/verifier"
)

// A trust bundle is a directory (or the same files under a URL) holding
// ManifestFile, its detached CMS signature SignatureFile, and the
// certificate files the manifest lists. It is loaded only when the
// signature verifies against a pinned bundle signer and every file has
// the fingerprints the manifest gives it.
const (
	// ManifestFile is the bundle's manifest (Manifest, JSON).
	ManifestFile = "manifest.json"
	// SignatureFile is the detached CMS SignedData (DER) over ManifestFile.
	SignatureFile = "manifest.json.p7s"
)

// Bounds of one bundle.
const (
	maxManifestBytes = 1 << 20
	maxSigBytes      = 256 << 10
	maxAnchorBytes   = 256 << 10
	maxAnchors       = 500
)

// Errors of bundles. ErrBundleRefused is a bundle that was read and is
// not acceptable (its signature, a fingerprint, its version); a bundle
// that could not be fetched is ErrBundleUnavailable.
var (
	ErrBundleRefused     = errkind.New(errkind.Conflict, "truststore: trust bundle refused")
	ErrBundleUnavailable = errkind.New(errkind.Unavailable, "truststore: trust bundle unavailable")
	ErrNoBundle          = errkind.New(errkind.NotConfigured, "truststore: no trust bundle is configured (trust.bundle_path or trust.bundle_url)")
)

// Manifest describes a trust bundle: which certificate files it holds,
// their fingerprints and where each came from. Its Version only grows:
// a store refuses a bundle older than the one it has.
type Manifest struct {
	// Name names the bundle ("kyso-vn").
	Name string `json:"name"`
	// Version is the bundle's version, a positive integer raised by one
	// with each release.
	Version uint64 `json:"version"`
	// Date is the release date (YYYY-MM-DD).
	Date string `json:"date"`
	// Description says what the bundle is for.
	Description string   `json:"description,omitempty"`
	Anchors     []Anchor `json:"anchors"`
}

// Anchor is one certificate file of a bundle.
type Anchor struct {
	// File is the file's name in the bundle: a plain name, no directory.
	File string `json:"file"`
	// Kind is "root" (self-signed: a trust anchor) or "intermediate".
	Kind string `json:"kind"`
	// Subject is the certificate's subject (RFC 4514 string), for people.
	Subject string `json:"subject"`
	// SHA256 is the SHA-256 fingerprint of the certificate (DER), hex:
	// the figure to compare with what the issuing authority publishes.
	SHA256 string `json:"sha256"`
	// FileSHA256 is the SHA-256 of the file's bytes, hex.
	FileSHA256 string `json:"file_sha256"`
	// Source says where the certificate was obtained (a URL or a
	// description).
	Source string `json:"source"`
	// NotBefore and NotAfter are the certificate's validity (RFC 3339).
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
}

// Bundle is a verified trust bundle: its manifest and certificates.
type Bundle struct {
	Manifest Manifest
	Certs    []verifier.TrustCert
	// Signer is the certificate of the bundle signer that signed it.
	Signer *x509.Certificate
}

// Location is where a trust bundle is read from: a directory
// (BundleDir) or a URL (BundleURL).
type Location interface {
	// String names the location in messages.
	String() string
	// Read returns the named file of the bundle, at most max bytes.
	Read(ctx context.Context, name string, max int64) ([]byte, error)
}

// BundleDir is a trust bundle in a directory.
type BundleDir string

func (d BundleDir) String() string { return "trust bundle " + string(d) }

// Read implements Location.
func (d BundleDir) Read(_ context.Context, name string, max int64) ([]byte, error) {
	f, err := os.Open(filepath.Join(string(d), name))
	if err != nil {
		return nil, ErrBundleUnavailable.Errorf("%v", err)
	}
	defer f.Close()
	return readMax(f, name, max)
}

// BundleURL is a trust bundle published under a URL: its files are the
// URL's path joined with their names (https://host/trust/vn/ gives
// https://host/trust/vn/manifest.json). A nil Client is a client with a
// 30-second timeout.
type BundleURL struct {
	URL    string
	Client *http.Client
}

func (u BundleURL) String() string { return "trust bundle " + u.URL }

// Read implements Location.
func (u BundleURL) Read(ctx context.Context, name string, max int64) ([]byte, error) {
	base, err := url.Parse(u.URL)
	if err != nil {
		return nil, ErrBundleUnavailable.Errorf("bundle URL: %v", err)
	}
	base.Path = path.Join(base.Path, name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String(), nil)
	if err != nil {
		return nil, ErrBundleUnavailable.Errorf("%v", err)
	}
	c := u.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, ErrBundleUnavailable.Errorf("%v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, ErrBundleUnavailable.Errorf("GET %s: HTTP %d", base, resp.StatusCode)
	}
	return readMax(resp.Body, name, max)
}

func readMax(r io.Reader, name string, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, ErrBundleUnavailable.Errorf("%s: %v", name, err)
	}
	if int64(len(b)) > max {
		return nil, ErrBundleRefused.Errorf("%s is larger than %d bytes", name, max)
	}
	return b, nil
}

// LoadBundle reads the bundle at loc and returns it if its manifest's
// signature verifies against one of signers and every file it lists has
// the manifest's fingerprints. Nothing of a bundle is used before all of
// it is checked.
func LoadBundle(ctx context.Context, loc Location, signers []*x509.Certificate) (*Bundle, error) {
	if len(signers) == 0 {
		return nil, ErrBundleRefused.Errorf("no bundle signer is configured")
	}
	manifest, err := loc.Read(ctx, ManifestFile, maxManifestBytes)
	if err != nil {
		return nil, err
	}
	sig, err := loc.Read(ctx, SignatureFile, maxSigBytes)
	if err != nil {
		return nil, err
	}
	signer, _, err := VerifyManifestSignature(manifest, sig, signers)
	if err != nil {
		return nil, err
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, ErrBundleRefused.Errorf("%s: %v", ManifestFile, err)
	}
	if m.Version == 0 {
		return nil, ErrBundleRefused.Errorf("%s: no version", ManifestFile)
	}
	if len(m.Anchors) == 0 || len(m.Anchors) > maxAnchors {
		return nil, ErrBundleRefused.Errorf("%s lists %d certificates (want 1 to %d)", ManifestFile, len(m.Anchors), maxAnchors)
	}
	b := &Bundle{Manifest: m, Signer: signer}
	seen := map[string]bool{}
	for _, a := range m.Anchors {
		// A plain file name only: the manifest is signed, but a name
		// such as ../../etc/x must not make kyso read outside the bundle.
		if a.File == "" || a.File != filepath.Base(a.File) || strings.ContainsAny(a.File, `/\`) || a.File == "." || a.File == ".." ||
			a.File == ManifestFile || a.File == SignatureFile || seen[a.File] {
			return nil, ErrBundleRefused.Errorf("%s: file name %q is not a plain, unique file name", ManifestFile, a.File)
		}
		seen[a.File] = true
		data, err := loc.Read(ctx, a.File, maxAnchorBytes)
		if err != nil {
			return nil, err
		}
		if got := sha256Hex(data); !strings.EqualFold(got, a.FileSHA256) {
			return nil, ErrBundleRefused.Errorf("%s: SHA-256 %s, the manifest says %s", a.File, got, a.FileSHA256)
		}
		cert, err := parseOneCert(data)
		if err != nil {
			return nil, ErrBundleRefused.Errorf("%s: %v", a.File, err)
		}
		if got := sha256Hex(cert.Raw); !strings.EqualFold(got, a.SHA256) {
			return nil, ErrBundleRefused.Errorf("%s: certificate SHA-256 %s, the manifest says %s", a.File, got, a.SHA256)
		}
		root := verifier.IsSelfSigned(cert)
		if want := kindOf(root); a.Kind != want {
			return nil, ErrBundleRefused.Errorf("%s: the manifest says %q, the certificate is %q", a.File, a.Kind, want)
		}
		b.Certs = append(b.Certs, verifier.TrustCert{File: a.File, Cert: cert, Root: root})
	}
	return b, nil
}

func kindOf(root bool) string {
	if root {
		return "root"
	}
	return "intermediate"
}

// ManifestFor describes certs as a bundle's manifest of the given name
// and version: what kyso trust bundle make writes before it is signed.
// files are the bytes of each certificate's file, in the order of certs.
func ManifestFor(name string, version uint64, date time.Time, certs []verifier.TrustCert, files [][]byte, sources map[string]string) Manifest {
	m := Manifest{Name: name, Version: version, Date: date.UTC().Format(time.DateOnly)}
	for i, c := range certs {
		src := sources[c.File]
		m.Anchors = append(m.Anchors, Anchor{
			File:       c.File,
			Kind:       kindOf(c.Root),
			Subject:    c.Cert.Subject.String(),
			SHA256:     sha256Hex(c.Cert.Raw),
			FileSHA256: sha256Hex(files[i]),
			Source:     src,
			NotBefore:  c.Cert.NotBefore.UTC().Format(time.RFC3339),
			NotAfter:   c.Cert.NotAfter.UTC().Format(time.RFC3339),
		})
	}
	return m
}

// VerifyManifestSignature checks that sig, a detached CMS SignedData
// (RFC 5652), signs manifest with the key of one of signers, and returns
// that signer and the signature's signing time (zero when absent). The
// signer's certificate is taken from signers, never from the CMS: who
// may sign a bundle is configuration.
func VerifyManifestSignature(manifest, sig []byte, signers []*x509.Certificate) (*x509.Certificate, time.Time, error) {
	sd, err := cmsasn1.ParseSignedData(sig)
	if err != nil {
		return nil, time.Time{}, ErrBundleRefused.Errorf("%s: %v", SignatureFile, err)
	}
	if sd.HasEContent {
		return nil, time.Time{}, ErrBundleRefused.Errorf("%s: not a detached signature", SignatureFile)
	}
	var last error = ErrBundleRefused.Errorf("%s: no signer", SignatureFile)
	for _, si := range sd.Signers {
		cert := signerCert(si, signers)
		if cert == nil {
			last = ErrBundleRefused.Errorf("%s: signed by a key that is not a configured bundle signer", SignatureFile)
			continue
		}
		at, err := checkSignerInfo(si, cert, manifest)
		if err != nil {
			last = ErrBundleRefused.Errorf("%s: %v", SignatureFile, err)
			continue
		}
		// A pinned signer is trusted only while its certificate is valid:
		// replacing an expired signer is the way to retire its key.
		if now := time.Now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
			last = ErrBundleRefused.Errorf("%s: the bundle signer's certificate %q is valid from %s to %s, not now",
				SignatureFile, cert.Subject.CommonName, cert.NotBefore.UTC().Format(time.DateOnly), cert.NotAfter.UTC().Format(time.DateOnly))
			continue
		}
		return cert, at, nil
	}
	return nil, time.Time{}, last
}

// signerCert returns the certificate of signers that si names.
func signerCert(si *cmsasn1.SignerInfo, signers []*x509.Certificate) *x509.Certificate {
	for _, c := range signers {
		switch {
		case si.SIDSerial != nil:
			if bytes.Equal(si.SIDIssuer, c.RawIssuer) && si.SIDSerial.Cmp(c.SerialNumber) == 0 {
				return c
			}
		case len(si.SIDKeyID) > 0:
			if len(c.SubjectKeyId) > 0 && bytes.Equal(si.SIDKeyID, c.SubjectKeyId) {
				return c
			}
		}
	}
	return nil
}

// checkSignerInfo checks one SignerInfo over content: signed attributes
// are required, their content type must be id-data and their message
// digest content's digest, and the signature over them must verify with
// cert's key. Only SHA-256, SHA-384 and SHA-512 are accepted.
func checkSignerInfo(si *cmsasn1.SignerInfo, cert *x509.Certificate, content []byte) (time.Time, error) {
	h := cmsasn1.SignHashForOID(si.DigestAlgorithm.Algorithm)
	if h == 0 {
		return time.Time{}, fmt.Errorf("digest algorithm %v not accepted (SHA-256, SHA-384 or SHA-512)", si.DigestAlgorithm.Algorithm)
	}
	if si.SignedAttrs == nil {
		return time.Time{}, errors.New("no signed attributes")
	}
	ct, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrContentType, "content type")
	if err != nil {
		return time.Time{}, err
	}
	var ctOID asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(ct, &ctOID); err != nil || len(rest) > 0 || !ctOID.Equal(cmsasn1.OIDData) {
		return time.Time{}, errors.New("content type is not id-data")
	}
	md, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrMessageDigest, "message digest")
	if err != nil {
		return time.Time{}, err
	}
	var digest []byte
	if rest, err := asn1.Unmarshal(md, &digest); err != nil || len(rest) > 0 {
		return time.Time{}, errors.New("malformed message digest")
	}
	hh := h.New()
	hh.Write(content)
	if !bytes.Equal(digest, hh.Sum(nil)) {
		return time.Time{}, fmt.Errorf("the manifest's digest does not match the signature: the manifest was changed after it was signed")
	}
	alg, err := x509Alg(si.SignatureAlgorithm.Algorithm, h)
	if err != nil {
		return time.Time{}, err
	}
	if err := cert.CheckSignature(alg, si.SignedAttrs, si.Signature); err != nil {
		return time.Time{}, fmt.Errorf("signature does not verify with the bundle signer's key: %v", err)
	}
	var at time.Time
	if st, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrSigningTime, "signing time"); err == nil {
		at, _ = cmsasn1.ParseTime(st)
	}
	return at, nil
}

// x509Alg maps a SignerInfo's signature algorithm and digest to
// crypto/x509's name for the pair.
func x509Alg(oid asn1.ObjectIdentifier, h crypto.Hash) (x509.SignatureAlgorithm, error) {
	rsa := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}
	pss := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSAPSS, crypto.SHA384: x509.SHA384WithRSAPSS, crypto.SHA512: x509.SHA512WithRSAPSS}
	ec := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}
	switch {
	case oid.Equal(cmsasn1.OIDRSAEncryption):
		return rsa[h], nil
	case oid.Equal(cmsasn1.OIDRSASSAPSS):
		return pss[h], nil
	}
	for _, a := range cmsasn1.RSASignatureAlgorithms {
		if a.OID.Equal(oid) && a.Hash == h {
			return rsa[h], nil
		}
	}
	for _, a := range cmsasn1.ECDSASignatureAlgorithms {
		if a.OID.Equal(oid) && a.Hash == h {
			return ec[h], nil
		}
	}
	return 0, fmt.Errorf("signature algorithm %v with %v not accepted", oid, h)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// parseOneCert reads a file holding exactly one certificate, DER or PEM.
func parseOneCert(b []byte) (*x509.Certificate, error) {
	der := b
	if blk, rest := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q, want CERTIFICATE", blk.Type)
		}
		if next, _ := pem.Decode(rest); next != nil {
			return nil, errors.New("more than one PEM block: a bundle file holds one certificate")
		}
		der = blk.Bytes
	}
	return x509.ParseCertificate(der)
}
