package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/signer/tsa"
	"github.com/kyso-vn/kyso/truststore"
	"github.com/kyso-vn/kyso/verifier"
)

// RevocationSources is found by pades to be a CertCRL too (a type
// assertion): a misnamed method would leave online CRLs unused.
var _ interface {
	pades.Revocation
	pades.CertCRL
} = truststore.RevocationSources{}

// tsaOnly answers, as kyso's CA would, for the TSA's certificate only.
type tsaOnly struct{ p *kysoPKI }

func (l tsaOnly) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if !cert.Equal(l.p.tsa.Cert) {
		return nil, nil
	}
	return l.p.OCSP(ctx, cert, issuer)
}

func (tsaOnly) CRL(context.Context, *x509.Certificate) ([]byte, error) { return nil, nil }

// TestExtendOnline: with extend.online (truststore.RevocationSources
// with a client), what a document lacks is fetched from the responders
// and CRL distribution points its certificates name — here a real HTTP
// server answering as a foreign issuing CA's OCSP responder and its
// root's CRL distribution point. Without online fetching the same
// document is refused naming the signer; a responder that answers
// garbage is not used.
func TestExtendOnline(t *testing.T) {
	p := newKysoPKI(t, 365*24*time.Hour)
	var garbage atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case garbage.Load():
			w.Write([]byte("not DER"))
		case r.URL.Path == "/ocsp" && r.Method == http.MethodPost:
			p.ca.RespondGood(w, r)
		case r.URL.Path == "/root.crl":
			der, _ := p.CRL(r.Context(), p.root.Cert)
			w.Write(der)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	// The CA certificate again, naming the root's CRL distribution point,
	// and a signer naming the CA's responder.
	caCert, err := p.root.Issue(&x509.Certificate{
		Subject: p.ca.Cert.Subject, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
		CRLDistributionPoints: []string{srv.URL + "/root.crl"}, SubjectKeyId: p.ca.Cert.SubjectKeyId,
	}, p.ca.Key.Public())
	if err != nil {
		t.Fatal(err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.ca.Cert = caCert
	sc, err := p.ca.Issue(&x509.Certificate{
		Subject: pkix.Name{CommonName: "Đỗ Văn Mạng"}, KeyUsage: x509.KeyUsageDigitalSignature, OCSPServer: []string{srv.URL + "/ocsp"},
	}, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	// The TSA's token carries the CA certificate that names the CDP.
	p.tsa.Chain = []*x509.Certificate{caCert, p.root.Cert}
	ts, err := tsa.New(tsa.Config{}, p.tsa)
	if err != nil {
		t.Fatal(err)
	}
	in := testpdf.Make(1, 0)
	var bt bytes.Buffer
	if _, err := pades.New(ts, nil).Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &bt,
		model.Key{Signer: k, Cert: sc, Chain: []*x509.Certificate{caCert, p.root.Cert}}, pades.Options{Level: pades.LevelBT}); err != nil {
		t.Fatal(err)
	}
	tr := trust{roots: []*x509.Certificate{p.root.Cert}}
	extend := func(rev pades.Revocation) ([]byte, error) {
		var out bytes.Buffer
		x := app.NewExtend(app.ExtendDeps{Trust: tr, PDF: pades.New(ts, rev)})
		_, err := x.ExtendPDF(context.Background(), "t", app.ExtendRequest{Level: "B-LT"}, bytes.NewReader(bt.Bytes()), int64(bt.Len()), &out)
		return out.Bytes(), err
	}

	if out, err := extend(truststore.RevocationSources{Local: tsaOnly{p}}); !errors.Is(err, pades.ErrIncomplete) || !strings.Contains(err.Error(), "Đỗ Văn Mạng") || len(out) != 0 {
		t.Fatalf("offline: %v, %d bytes; want ErrIncomplete naming the signer, nothing written", err, len(out))
	}
	online := truststore.RevocationSources{Local: tsaOnly{p}, Client: srv.Client(), Timeout: 5 * time.Second}
	lt, err := extend(online)
	if err != nil {
		t.Fatalf("online: %v", err)
	}
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(lt), int64(len(lt)), tr.options())
	if err != nil || !rep.Valid || len(rep.Signatures) == 0 || rep.Signatures[0].Level != verifier.LevelBLT {
		t.Errorf("online: extended document %+v (%v), want valid B-LT offline", rep, err)
	}
	garbage.Store(true)
	if out, err := extend(online); !errors.Is(err, pades.ErrIncomplete) || len(out) != 0 {
		t.Fatalf("a responder answering garbage: %v, %d bytes; want ErrIncomplete, nothing written", err, len(out))
	}
}
