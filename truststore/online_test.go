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
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
	"github.com/kyso-vn/kyso/truststore"
	"github.com/kyso-vn/kyso/verifier"
)

// TestOnlineRevocationFetch: OnlineRevocation POSTs OCSP requests and
// GETs CRLs, and refuses what is not an answer: another status than
// 200, an answer over its bound, an HTML page, a URL that is not http.
func TestOnlineRevocationFetch(t *testing.T) {
	type seen struct{ method, contentType, body string }
	var mu sync.Mutex
	var last seen
	got := func() seen {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
	answer := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		last = seen{r.Method, r.Header.Get("Content-Type"), string(body)}
		mu.Unlock()
		switch r.URL.Path {
		case "/ocsp", "/ca.crl":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte("DER"))
		case "/unlabelled":
			w.Header()["Content-Type"] = nil // no sniffing either
			w.Write([]byte("DER"))
		case "/portal":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<html>sign in to the hotel network</html>"))
		case "/big-ocsp":
			w.Write(make([]byte, truststore.MaxOnlineOCSP+1))
		case "/max-ocsp":
			w.Write(make([]byte, truststore.MaxOnlineOCSP))
		case "/big-crl":
			w.Write(make([]byte, truststore.MaxOnlineCRL+1))
		default:
			http.NotFound(w, r)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(answer))
	defer srv.Close()
	ctx := context.Background()
	// A minute: a 32 MiB CRL under the race detector on a loaded machine
	// may take longer than the 5 s default (the timeout has its own test).
	o := truststore.OnlineRevocation{Client: srv.Client(), Timeout: time.Minute}

	der, err := o.OCSP(ctx, srv.URL+"/ocsp", []byte("request"))
	if err != nil || string(der) != "DER" {
		t.Errorf("OCSP = %q, %v; want DER", der, err)
	}
	if want := (seen{http.MethodPost, "application/ocsp-request", "request"}); got() != want {
		t.Errorf("OCSP sent %+v, want %+v", got(), want)
	}
	der, err = o.CRL(ctx, srv.URL+"/ca.crl")
	if err != nil || string(der) != "DER" {
		t.Errorf("CRL = %q, %v; want DER", der, err)
	}
	if g := got(); g.method != http.MethodGet || g.body != "" {
		t.Errorf("CRL sent %+v, want a GET", g)
	}
	if der, err := o.CRL(ctx, srv.URL+"/unlabelled"); err != nil || string(der) != "DER" {
		t.Errorf("CRL without a Content-Type = %q, %v; want DER", der, err)
	}
	if der, err := o.OCSP(ctx, srv.URL+"/max-ocsp", []byte("request")); err != nil || len(der) != truststore.MaxOnlineOCSP {
		t.Errorf("OCSP of %d bytes = %d bytes, %v; want it whole", truststore.MaxOnlineOCSP, len(der), err)
	}

	for _, tc := range []struct {
		name string
		get  func() ([]byte, error)
		want string
	}{
		{"OCSP answer over the bound", func() ([]byte, error) { return o.OCSP(ctx, srv.URL+"/big-ocsp", []byte("request")) }, "answer larger than 1048576 bytes"},
		{"CRL over the bound", func() ([]byte, error) { return o.CRL(ctx, srv.URL+"/big-crl") }, "answer larger than 33554432 bytes"},
		{"HTML page for an OCSP response", func() ([]byte, error) { return o.OCSP(ctx, srv.URL+"/portal", []byte("request")) }, "answer is an HTML page (Content-Type text/html)"},
		{"HTML page for a CRL", func() ([]byte, error) { return o.CRL(ctx, srv.URL+"/portal") }, "answer is an HTML page"},
		{"not found", func() ([]byte, error) { return o.CRL(ctx, srv.URL+"/missing.crl") }, "HTTP status 404"},
		{"LDAP URL", func() ([]byte, error) { return o.CRL(ctx, "ldap://ldap.ca.example.vn/cn=CA?certificateRevocationList") }, "not an http or https URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der, err := tc.get()
			if err == nil || !strings.Contains(err.Error(), tc.want) || der != nil {
				t.Errorf("got %d bytes, %v; want an error saying %q", len(der), err, tc.want)
			}
		})
	}
}

// TestOnlineRevocationTimeout: a responder that never answers holds a
// request no longer than Timeout, nor past the caller's context.
func TestOnlineRevocationTimeout(t *testing.T) {
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server sees the client go away
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stuck.Close()
	defer close(release) // before Close, which waits for the handlers

	o := truststore.OnlineRevocation{Client: stuck.Client(), Timeout: 100 * time.Millisecond}
	if der, err := o.OCSP(context.Background(), stuck.URL, []byte("request")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("OCSP to a responder that never answers = %d bytes, %v; want the deadline exceeded", len(der), err)
	}
	// The caller's context ends first (already cancelled here): the
	// request ends with it, whatever Timeout says.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o.Timeout = time.Hour
	if der, err := o.CRL(ctx, stuck.URL); !errors.Is(err, context.Canceled) {
		t.Errorf("CRL with a cancelled context = %d bytes, %v; want context.Canceled", len(der), err)
	}
}

// TestSnapshotOnline: with Config.Online the snapshot's verifier asks a
// certificate's OCSP responder over HTTP (OnlineRevocation) and follows
// what it says; without it, it asks nothing.
func TestSnapshotOnline(t *testing.T) {
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	certify := func(tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	rootKey, caKey, signerKey := newKey(), newKey(), newKey()
	ca := func(serial int64, name string) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	}
	root := certify(ca(1, "Test Root CA"), nil, rootKey.Public(), rootKey)
	issuing := certify(ca(2, "Test Issuing CA"), root, caKey.Public(), rootKey)

	var status, asked atomic.Int32 // the responder's answer; the requests it had
	status.Store(ocsp.Good)
	responder := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		body, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(body)
		if err != nil || r.Header.Get("Content-Type") != "application/ocsp-request" {
			http.Error(w, "not an OCSP request", http.StatusBadRequest)
			return
		}
		now := time.Now()
		resp, err := ocsp.CreateResponse(issuing, issuing, ocsp.Response{Status: int(status.Load()), SerialNumber: req.SerialNumber,
			ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour), RevokedAt: now.Add(-time.Hour)}, caKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(resp)
	}))
	defer responder.Close()
	signer := certify(&x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Nguyễn Văn An"},
		KeyUsage: x509.KeyUsageDigitalSignature, OCSPServer: []string{responder.URL}}, issuing, signerKey.Public(), caKey)

	content := []byte("Quyết định số 12/QĐ-UBND")
	sig, err := cms.SignDetached(context.Background(), bytes.NewReader(content), model.Key{Signer: signerKey, Cert: signer, Chain: []*x509.Certificate{issuing}}, cms.Options{SigningTime: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "root.pem"), []byte(pemOf(root)), 0o644); err != nil {
		t.Fatal(err)
	}
	verify := func(online bool) *verifier.Signature {
		t.Helper()
		ctx := context.Background()
		st, err := truststore.New(ctx, nil, truststore.Config{Sources: []truststore.Source{truststore.Dir(dir)}, Online: online})
		if err != nil {
			t.Fatal(err)
		}
		opts, err := st.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := verifier.VerifyCMS(ctx, bytes.NewReader(content), sig, opts)
		if err != nil || len(rep.Signatures) != 1 {
			t.Fatalf("VerifyCMS = %+v, %v", rep, err)
		}
		return &rep.Signatures[0]
	}

	s := verify(true)
	if want := (verifier.RevocationCheck{Status: verifier.RevocationGood, From: verifier.RevocationFromOnline, Online: true}); s.Indication != verifier.TotalPassed || s.Revocation == nil || *s.Revocation != want {
		t.Errorf("online, responder says good: %s/%s (%s), revocation %+v; want TOTAL_PASSED, %+v", s.Indication, s.SubIndication, s.Detail, s.Revocation, want)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the responder was asked %d times, want 1", n)
	}
	status.Store(ocsp.Revoked)
	if s := verify(true); s.Indication != verifier.TotalFailed || s.SubIndication != verifier.Revoked {
		t.Errorf("online, responder says revoked: %s/%s (%s), want TOTAL_FAILED/REVOKED", s.Indication, s.SubIndication, s.Detail)
	}
	asked.Store(0)
	if s := verify(false); s.Indication != verifier.Indeterminate || s.SubIndication != verifier.TryLater || asked.Load() != 0 {
		t.Errorf("offline: %s/%s (%s), responder asked %d times; want INDETERMINATE/TRY_LATER, not asked", s.Indication, s.SubIndication, s.Detail, asked.Load())
	}
}
