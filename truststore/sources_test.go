package truststore_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/truststore"
)

// sourcesPKI is a foreign CA, a certificate it issued that names its
// responders and distribution points, and a real HTTP server answering
// as that CA's responder and CRL distribution point: /ocsp answers
// good for what the request asks, /ca.crl serves the CA's CRL, /down
// answers 503, anything else 404. It counts the requests by path.
type sourcesPKI struct {
	ca   *testpki.CA
	leaf *x509.Certificate
	crl  []byte
	srv  *httptest.Server

	mu    sync.Mutex
	asked []string
}

func newSourcesPKI(t *testing.T) *sourcesPKI {
	t.Helper()
	key := func() crypto.Signer {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	p := &sourcesPKI{}
	root, err := testpki.NewRoot(key(), pkix.Name{CommonName: "Foreign Test Root"})
	if err != nil {
		t.Fatal(err)
	}
	if p.ca, err = root.NewCA(key(), pkix.Name{CommonName: "Foreign Test CA"}); err != nil {
		t.Fatal(err)
	}
	if p.crl, err = x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour),
	}, p.ca.Cert, p.ca.Key); err != nil {
		t.Fatal(err)
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.asked = append(p.asked, r.Method+" "+r.URL.Path)
		p.mu.Unlock()
		switch r.URL.Path {
		case "/ocsp":
			p.ca.RespondGood(w, r)
		case "/ca.crl":
			w.Write(p.crl)
		case "/down":
			http.Error(w, "down", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	p.leaf = p.issue(t,
		[]string{"ldap://ocsp.invalid/", "https://" + p.srv.Listener.Addr().String() + "/ocsp", p.srv.URL + "/down", p.srv.URL + "/ocsp"},
		[]string{"ldap://crl.invalid/ca.crl", "https://" + p.srv.Listener.Addr().String() + "/ca.crl", p.srv.URL + "/missing.crl", p.srv.URL + "/ca.crl"})
	return p
}

// issue returns a certificate of p's CA naming the responders ocspURLs
// and the distribution points crlURLs.
func (p *sourcesPKI) issue(t *testing.T, ocspURLs, crlURLs []string) *x509.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.ca.Issue(&x509.Certificate{
		Subject: pkix.Name{CommonName: "Đỗ Văn Mạng"}, KeyUsage: x509.KeyUsageDigitalSignature,
		OCSPServer: ocspURLs, CRLDistributionPoints: crlURLs,
	}, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// requests returns and forgets the requests the server has seen.
func (p *sourcesPKI) requests() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := strings.Join(p.asked, ", ")
	p.asked = nil
	return out
}

// local is a local revocation source (kyso's CA, in kyso) with fixed
// answers.
type local struct {
	ocsp, crl []byte
	err       error
}

func (l local) OCSP(context.Context, *x509.Certificate, *x509.Certificate) ([]byte, error) {
	return l.ocsp, l.err
}

func (l local) CRL(context.Context, *x509.Certificate) ([]byte, error) { return l.crl, l.err }

var errLocal = errors.New("local source failed")

// TestRevocationSourcesLocalFirst: what the local source answers — data
// or an error — is the answer, and nothing is asked online; offline, or
// with no local source, nothing is asked either.
func TestRevocationSourcesLocalFirst(t *testing.T) {
	p := newSourcesPKI(t)
	ctx := context.Background()
	online := func(l truststore.RevocationSource) truststore.RevocationSources {
		return truststore.RevocationSources{Local: l, Client: p.srv.Client(), Timeout: 5 * time.Second}
	}
	answers := local{ocsp: []byte("local OCSP"), crl: []byte("local CRL")}

	for _, tc := range []struct {
		name      string
		s         truststore.RevocationSources
		ocsp, crl []byte
		err       error
	}{
		{"online, local answers", online(answers), answers.ocsp, answers.crl, nil},
		{"online, local fails", online(local{err: errLocal}), nil, nil, errLocal},
		{"offline, local answers", truststore.RevocationSources{Local: answers}, answers.ocsp, answers.crl, nil},
		{"offline, local has nothing", truststore.RevocationSources{Local: local{}}, nil, nil, nil},
		{"offline, no local source", truststore.RevocationSources{}, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der, err := tc.s.OCSP(ctx, p.leaf, p.ca.Cert)
			if !bytes.Equal(der, tc.ocsp) || !errors.Is(err, tc.err) {
				t.Errorf("OCSP() = %q, %v; want %q, %v", der, err, tc.ocsp, tc.err)
			}
			der, err = tc.s.CRLForCert(ctx, p.leaf, p.ca.Cert)
			if !bytes.Equal(der, tc.crl) || !errors.Is(err, tc.err) {
				t.Errorf("CRLForCert() = %q, %v; want %q, %v", der, err, tc.crl, tc.err)
			}
			der, err = tc.s.CRL(ctx, p.ca.Cert)
			if !bytes.Equal(der, tc.crl) || !errors.Is(err, tc.err) {
				t.Errorf("CRL() = %q, %v; want %q, %v", der, err, tc.crl, tc.err)
			}
			if got := p.requests(); got != "" {
				t.Errorf("asked online: %s; want nothing", got)
			}
		})
	}
}

// TestRevocationSourcesOnline: when the local source has nothing, the
// responders and distribution points the certificate names are asked, in
// its order, http ones only, until one answers; a CRL of an issuer alone
// (CRL, not CRLForCert) is never looked for online.
func TestRevocationSourcesOnline(t *testing.T) {
	p := newSourcesPKI(t)
	ctx := context.Background()
	s := truststore.RevocationSources{Local: local{}, Client: p.srv.Client(), Timeout: 5 * time.Second}

	der, err := s.OCSP(ctx, p.leaf, p.ca.Cert)
	if err != nil {
		t.Fatalf("OCSP() = %v", err)
	}
	if r, err := ocsp.ParseResponseForCert(der, p.leaf, p.ca.Cert); err != nil || r.Status != ocsp.Good {
		t.Errorf("OCSP() = %v, %v; want the responder's good answer for the certificate", r, err)
	}
	if got, want := p.requests(), "POST /down, POST /ocsp"; got != want {
		t.Errorf("OCSP() asked %q, want %q (the http responders, in order, until one answers)", got, want)
	}

	der, err = s.CRLForCert(ctx, p.leaf, p.ca.Cert)
	if err != nil || !bytes.Equal(der, p.crl) {
		t.Errorf("CRLForCert() = %d bytes, %v; want the CA's CRL", len(der), err)
	}
	if got, want := p.requests(), "GET /missing.crl, GET /ca.crl"; got != want {
		t.Errorf("CRLForCert() asked %q, want %q", got, want)
	}

	if der, err := s.CRL(ctx, p.ca.Cert); der != nil || err != nil {
		t.Errorf("CRL() = %d bytes, %v; want nil, nil (online, a CRL is found from a certificate)", len(der), err)
	}
	if got := p.requests(); got != "" {
		t.Errorf("CRL() asked %s; want nothing", got)
	}
}

// TestRevocationSourcesFail: when every responder or distribution point
// fails, the error names each one and what it answered; a certificate
// that names none has no answer.
func TestRevocationSourcesFail(t *testing.T) {
	p := newSourcesPKI(t)
	ctx := context.Background()
	s := truststore.RevocationSources{Client: p.srv.Client(), Timeout: 5 * time.Second}
	bad := p.issue(t, []string{p.srv.URL + "/down", p.srv.URL + "/gone"}, []string{p.srv.URL + "/missing.crl", p.srv.URL + "/down"})

	der, err := s.OCSP(ctx, bad, p.ca.Cert)
	if der != nil || err == nil {
		t.Fatalf("OCSP() = %d bytes, %v; want an error", len(der), err)
	}
	for _, want := range []string{p.srv.URL + "/down: HTTP status 503", p.srv.URL + "/gone: HTTP status 404"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("OCSP() error %q does not say %q", err, want)
		}
	}
	der, err = s.CRLForCert(ctx, bad, p.ca.Cert)
	if der != nil || err == nil {
		t.Fatalf("CRLForCert() = %d bytes, %v; want an error", len(der), err)
	}
	for _, want := range []string{p.srv.URL + "/missing.crl: HTTP status 404", p.srv.URL + "/down: HTTP status 503"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("CRLForCert() error %q does not say %q", err, want)
		}
	}
	if got, want := p.requests(), "POST /down, POST /gone, GET /missing.crl, GET /down"; got != want {
		t.Errorf("asked %q, want %q", got, want)
	}

	none := p.issue(t, nil, []string{"ldap://crl.invalid/ca.crl"})
	if der, err := s.OCSP(ctx, none, p.ca.Cert); der != nil || err != nil {
		t.Errorf("OCSP(naming no responder) = %d bytes, %v; want nil, nil", len(der), err)
	}
	if der, err := s.CRLForCert(ctx, none, p.ca.Cert); der != nil || err != nil {
		t.Errorf("CRLForCert(naming no http distribution point) = %d bytes, %v; want nil, nil", len(der), err)
	}
}

// TestRevocationSourcesTimeout: a responder that never answers holds a
// request no longer than Timeout.
func TestRevocationSourcesTimeout(t *testing.T) {
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stuck.Close()
	defer close(release) // before Close, which waits for the handlers
	p := newSourcesPKI(t)
	c := p.issue(t, []string{stuck.URL + "/ocsp"}, []string{stuck.URL + "/ca.crl"})

	s := truststore.RevocationSources{Client: stuck.Client(), Timeout: 100 * time.Millisecond}
	if der, err := s.OCSP(context.Background(), c, p.ca.Cert); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("OCSP() from a responder that never answers = %d bytes, %v; want the deadline exceeded", len(der), err)
	}
	if der, err := s.CRLForCert(context.Background(), c, p.ca.Cert); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("CRLForCert() from a server that never answers = %d bytes, %v; want the deadline exceeded", len(der), err)
	}
}
