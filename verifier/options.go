package verifier

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Errors. VerifyPDF and VerifyCMS return an error only when the input
// cannot be read at all; every problem with a signature is in the report.
var (
	// ErrUnreadable means the input is not a document the verifier can
	// read: empty, larger than Options.MaxSize, not a PDF the parser can
	// open (or encrypted), or a CMS that is not a SignedData.
	ErrUnreadable = errors.New("verifier: cannot read the document")
	// ErrTrustStore means a trust store directory could not be loaded.
	ErrTrustStore = errors.New("verifier: cannot load trust store")
)

// DefaultMaxSize is the input size limit when Options.MaxSize is zero.
const DefaultMaxSize = 256 << 20

// Fixed limits that bound the work done on one document.
const (
	// maxSignatures bounds the signatures and document time-stamps
	// processed in one PDF; more are reported as FORMAT_FAILURE unread.
	maxSignatures = 500
	// maxContents bounds the /Contents hex string of one signature (and
	// so the CMS): 32 MiB of hex, 16 MiB of DER.
	maxContents = 32 << 20
	// maxCerts bounds the certificates taken from one CMS, one DSS or
	// one trust directory.
	maxCerts = 1000
	// maxRevocation bounds OCSP responses and CRLs taken from one source.
	maxRevocation = 500
	// maxTrustFile bounds one file of a trust directory.
	maxTrustFile = 1 << 20
	// onlineTimeout bounds one online OCSP or CRL request.
	onlineTimeout = 5 * time.Second
	// maxOnlineResponse bounds an OCSP response fetched online; CRLs
	// may be larger.
	maxOnlineResponse = 1 << 20
	maxOnlineCRL      = 32 << 20
)

// Options configure validation. The zero value validates against no trust
// anchors (every chain is INDETERMINATE), offline, at time.Now.
type Options struct {
	// Roots are the trust anchors: kyso's own roots plus those of the
	// configured trust directory. nil means none — the system's TLS roots
	// are never used for documents.
	Roots *x509.CertPool
	// Intermediates are extra CA certificates from the trust directory;
	// Vietnamese documents often carry only the signer's certificate.
	Intermediates *x509.CertPool
	// Revocation, if set, is kyso's own registry, asked for the status of
	// every certificate of a chain; it answers for the certificates kyso
	// issued.
	Revocation RevocationChecker
	// Online allows fetching OCSP responses and CRLs from the URLs in the
	// certificates, each with a short timeout. Off by default.
	Online bool
	// HTTPClient is used for online checks; nil means an http.Client.
	// Each request is bounded by a short timeout either way.
	HTTPClient HTTPClient
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSize bounds the input; 0 means DefaultMaxSize.
	MaxSize int64
}

// HTTPClient is the part of *http.Client online checks use.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) maxSize() int64 {
	if o.MaxSize > 0 {
		return o.MaxSize
	}
	return DefaultMaxSize
}

// RevocationChecker is kyso's certificate registry as the verifier sees it.
type RevocationChecker interface {
	// CertificateStatus returns what the registry knows of cert, issued
	// by issuer. A certificate kyso did not issue is Known: false with a
	// nil error; an error means the registry could not be asked.
	CertificateStatus(ctx context.Context, cert, issuer *x509.Certificate) (CertificateStatus, error)
}

// CertificateStatus is a registry's answer about one certificate.
type CertificateStatus struct {
	// Known is true when the registry issued the certificate.
	Known bool
	// Revoked and RevokedAt give its revocation, if any; Reason is the
	// RFC 5280 CRLReason code.
	Revoked   bool
	RevokedAt time.Time
	Reason    int
}

// OCSPSource is something that answers OCSP for the certificates it
// issued, such as kyso's CA (ca.Authority.OCSP).
type OCSPSource interface {
	OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
}

// RegistryFromOCSP adapts an in-process OCSP responder to a
// RevocationChecker: a response signed by the issuer (or its delegated
// responder) for cert gives its status; an error or an unusable answer
// means kyso does not know the certificate.
func RegistryFromOCSP(src OCSPSource) RevocationChecker { return ocspRegistry{src} }

type ocspRegistry struct{ src OCSPSource }

func (r ocspRegistry) CertificateStatus(ctx context.Context, cert, issuer *x509.Certificate) (CertificateStatus, error) {
	der, err := r.src.OCSP(ctx, cert, issuer)
	if err != nil || der == nil {
		return CertificateStatus{}, nil
	}
	resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
	if err != nil {
		return CertificateStatus{}, nil
	}
	switch resp.Status {
	case ocsp.Good:
		return CertificateStatus{Known: true}, nil
	case ocsp.Revoked:
		return CertificateStatus{Known: true, Revoked: true, RevokedAt: resp.RevokedAt, Reason: resp.RevocationReason}, nil
	}
	return CertificateStatus{}, nil
}

// SignatureDER returns a detached CMS signature given as DER, PEM (PKCS7
// or CMS block) or base64 DER, as DER; anything else is returned as it is
// (VerifyCMS then says why it cannot read it).
func SignatureDER(raw []byte) []byte {
	t := bytes.TrimSpace(raw)
	if b, _ := pem.Decode(t); b != nil {
		return b.Bytes
	}
	if len(t) > 0 && t[0] != 0x30 {
		if d, err := base64.StdEncoding.DecodeString(string(t)); err == nil {
			return d
		}
	}
	return raw
}

// TrustCert is one certificate of a trust directory.
type TrustCert struct {
	// File is the name of the file it came from, within the directory.
	File string
	Cert *x509.Certificate
	// Root is true for a self-signed certificate: a trust anchor.
	Root bool
}

// ReadTrustDir reads every regular file of dir (not its subdirectories;
// .md and .txt files are documentation and skipped) as PEM certificates
// or one DER certificate, in file name order. Self-signed certificates are
// trust anchors (Root); others are intermediates, used to build chains but
// trusted only through a root. A file that holds no certificate is an
// error, as is a directory without certificates.
func ReadTrustDir(dir string) ([]TrustCert, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTrustStore, err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []TrustCert
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		switch filepath.Ext(e.Name()) {
		case ".md", ".txt":
			continue // documentation kept with the certificates
		}
		certs, err := readCertFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrTrustStore, e.Name(), err)
		}
		for _, c := range certs {
			if len(out) >= maxCerts {
				return nil, fmt.Errorf("%w: more than %d certificates", ErrTrustStore, maxCerts)
			}
			out = append(out, TrustCert{File: e.Name(), Cert: c, Root: IsSelfSigned(c)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no certificates in %s", ErrTrustStore, dir)
	}
	return out, nil
}

// LoadTrustDir reads dir as ReadTrustDir does and returns its trust
// anchors and intermediates as pools.
func LoadTrustDir(dir string) (roots, intermediates *x509.CertPool, err error) {
	certs, err := ReadTrustDir(dir)
	if err != nil {
		return nil, nil, err
	}
	roots, intermediates = x509.NewCertPool(), x509.NewCertPool()
	for _, c := range certs {
		if c.Root {
			roots.AddCert(c.Cert)
		} else {
			intermediates.AddCert(c.Cert)
		}
	}
	return roots, intermediates, nil
}

func readCertFile(name string) ([]*x509.Certificate, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTrustFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxTrustFile {
		return nil, fmt.Errorf("larger than %d bytes", maxTrustFile)
	}
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		c, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, fmt.Errorf("not a PEM or DER certificate: %v", err)
		}
		return []*x509.Certificate{c}, nil
	}
	var out []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no CERTIFICATE block")
	}
	return out, nil
}

// IsSelfSigned reports whether c is issued by itself and its signature
// verifies with its own key (SHA-1 self-signatures of old roots included:
// a root's self-signature protects nothing): a trust anchor, when trusted.
func IsSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && checkCertSignature(c, c) == nil
}
