package verifier

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/errkind"
)

// Errors. VerifyPDF and VerifyCMS return an error only when the input
// cannot be read at all; every problem with a signature is in the report.
var (
	// ErrUnreadable means the input is not a document the verifier can
	// read: empty, larger than Options.MaxSize, not a PDF the parser can
	// open (or encrypted), or a CMS that is not a SignedData.
	ErrUnreadable = errkind.New(errkind.Unreadable, "verifier: cannot read the document")
	// ErrTrustStore means a trust store directory could not be loaded.
	ErrTrustStore = errkind.New(errkind.Internal, "verifier: cannot load trust store")
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
	// TrustCerts lists the certificates of Roots and Intermediates again
	// (kyso's own CA certificates and ReadTrustDir's): an x509.CertPool
	// cannot list what it holds, and the verifier needs them to build a
	// chain through a CA certificate signed with SHA-1, which crypto/x509
	// refuses — the Vietnamese Government CA's first generation. Without
	// them such a chain is not found. Only Roots says what is trusted: a
	// certificate here that is not in Roots is never an anchor.
	TrustCerts []*x509.Certificate
	// Revocation, if set, is kyso's own registry, asked for the status of
	// every certificate of a chain; it answers for the certificates kyso
	// issued.
	Revocation RevocationChecker
	// Online, if set, fetches OCSP responses and CRLs from the URLs in
	// the certificates (truststore.OnlineRevocation: over HTTP, each
	// request with a short timeout and a size bound) for the
	// certificates no other source gave a status of. nil, the default,
	// is offline: the verifier itself never touches the network.
	Online RevocationFetcher
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSize bounds the input; 0 means DefaultMaxSize.
	MaxSize int64
}

// RevocationFetcher fetches revocation data from the network for online
// checking (Options.Online). The verifier chooses what to ask and judges
// every answer as it judges the document's own data; the fetcher only
// carries requests and answers, and bounds their time and size.
type RevocationFetcher interface {
	// OCSP sends the DER OCSP request req to the responder at url
	// (RFC 6960, appendix A) and returns its answer.
	OCSP(ctx context.Context, url string, req []byte) ([]byte, error)
	// CRL fetches the CRL at url, a CRL distribution point (RFC 5280,
	// 4.2.1.13), and returns it.
	CRL(ctx context.Context, url string) ([]byte, error)
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
// .md and .txt files, documentation, and .json and .p7s files, a trust
// bundle's manifest and signature, are skipped) as PEM certificates or
// one DER certificate, in file name order. Self-signed certificates are
// trust anchors (Root); others are intermediates, used to build chains but
// trusted only through a root.
//
// A certificate that cannot be parsed (a negative serial number, which
// crypto/x509 refuses, or any other defect) and a file that holds no
// certificate are left out, and skipped says which and why: one bad file
// must not stop the verification of every document. A directory that
// cannot be read, a file that cannot be read, or a directory without any
// usable certificate is an error (ErrTrustStore).
func ReadTrustDir(dir string) (certs []TrustCert, skipped []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, ErrTrustStore.Errorf("%v", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		switch filepath.Ext(e.Name()) {
		case ".md", ".txt":
			continue // documentation kept with the certificates
		case ".json", ".p7s":
			continue // a trust bundle's manifest and its signature (truststore)
		}
		got, bad, err := readCertFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, ErrTrustStore.Errorf("%s: %v", e.Name(), err)
		}
		for _, b := range bad {
			skipped = append(skipped, fmt.Sprintf("%s: %s; it is left out", e.Name(), b))
		}
		for _, c := range got {
			if len(certs) >= maxCerts {
				return nil, nil, ErrTrustStore.Errorf("more than %d certificates", maxCerts)
			}
			certs = append(certs, TrustCert{File: e.Name(), Cert: c, Root: IsSelfSigned(c)})
		}
	}
	if len(certs) == 0 {
		msg := fmt.Sprintf("no usable certificate in %s", dir)
		if len(skipped) > 0 {
			msg += " (" + strings.Join(skipped, "; ") + ")"
		}
		return nil, nil, ErrTrustStore.Errorf("%s", msg)
	}
	return certs, skipped, nil
}

// LoadTrustDir reads dir as ReadTrustDir does and returns its trust
// anchors and intermediates as pools; certificates ReadTrustDir skips are
// left out silently.
func LoadTrustDir(dir string) (roots, intermediates *x509.CertPool, err error) {
	certs, _, err := ReadTrustDir(dir)
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

// readCertFile reads the certificates of one file: a DER certificate or
// PEM CERTIFICATE blocks (other blocks are ignored). bad explains each
// certificate that does not parse, or why the file holds none; err is an
// I/O error or a file over maxTrustFile.
func readCertFile(name string) (certs []*x509.Certificate, bad []string, err error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTrustFile+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > maxTrustFile {
		return nil, nil, fmt.Errorf("larger than %d bytes", maxTrustFile)
	}
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		c, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, []string{fmt.Sprintf("not a certificate crypto/x509 can read (%v)", err)}, nil
		}
		return []*x509.Certificate{c}, nil, nil
	}
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		n++
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			bad = append(bad, fmt.Sprintf("certificate %d cannot be read by crypto/x509 (%v)", n, err))
			continue
		}
		certs = append(certs, c)
	}
	if n == 0 {
		bad = append(bad, "no PEM CERTIFICATE block")
	}
	return certs, bad, nil
}

// IsSelfSigned reports whether c is issued by itself and its signature
// verifies with its own key (SHA-1 self-signatures of old roots included:
// a root's self-signature protects nothing): a trust anchor, when trusted.
func IsSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && checkCertSignature(c, c) == nil
}
