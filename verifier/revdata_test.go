package verifier

import (
	"bytes"
	"context"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/signer/pades"
)

// unusableRevocation gives, for certificates of the test PKI's issuing
// CA, an OCSP response signed by a certificate that is not an OCSP
// responder (the agency seal's) and a CRL whose signature is broken; the
// issuing CA's own status is the test PKI's.
type unusableRevocation struct{ p *testPKI }

func (u unusableRevocation) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if !issuer.Equal(u.p.ca) {
		return u.p.OCSP(ctx, cert, issuer)
	}
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: cert.SerialNumber, ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour), Certificate: u.p.seal.Cert}
	return ocsp.CreateResponse(issuer, u.p.seal.Cert, tmpl, u.p.seal.Signer)
}

// CRL gives none for the issuing CA: kyso's signer checks the CRLs it
// embeds (TestUnusableCRL covers a broken one).
func (u unusableRevocation) CRL(ctx context.Context, issuer *x509.Certificate) ([]byte, error) {
	if issuer.Equal(u.p.ca) {
		return nil, nil
	}
	return u.p.CRL(ctx, issuer)
}

// TestUnusableRevocationData: a DSS that holds an OCSP response about the
// signer's certificate that cannot be used is not reported as "no
// OCSP response or CRL in the document": the warning says what is there
// and why it cannot be used.
func TestUnusableRevocationData(t *testing.T) {
	p := getPKI(t)
	var out bytes.Buffer
	in := basePDF()
	if _, err := pades.New(p.tsa, unusableRevocation{p}).Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, p.official, pades.Options{Level: pades.LevelBLT}); err != nil {
		t.Fatalf("sign: %v", err)
	}
	// No registry: the document's data is the only source.
	offline := Options{Roots: p.roots}
	s := sigOf(t, verifyPDF(t, out.Bytes(), offline), 0)
	if s.Indication != Indeterminate || s.SubIndication != TryLater {
		t.Errorf("B-LT with unusable revocation data: %s/%s, want INDETERMINATE/TRY_LATER", s.Indication, s.SubIndication)
	}
	got := s.Detail
	for _, w := range s.Warnings {
		if strings.Contains(w, `revocation status not checked for "Nguyễn Văn An"`) {
			t.Errorf("the signer's revocation status is the detail, and a warning too: %q", w)
		}
	}
	for _, want := range []string{
		`the revocation status of the signer's certificate is unknown: the document holds revocation data about it, but none that can be used`,
		"an OCSP response in the document's DSS: OCSP responder certificate lacks id-kp-OCSPSigning",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warning %q, want it to say %q", got, want)
		}
	}
	if strings.Contains(got, "no OCSP response or CRL") {
		t.Errorf("warning %q says there is no revocation data", got)
	}
	if s.Level == LevelBLT {
		t.Errorf("level B-LT with unusable revocation data")
	}

	// Nothing at all about the signer: said as before.
	doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	s = sigOf(t, verifyPDF(t, doc, offline), 0)
	if want := "the revocation status of the signer's certificate is unknown: the document holds no OCSP response or CRL about it, and online checking is off"; s.SubIndication != TryLater || s.Detail != want {
		t.Errorf("B-T without revocation data: %s (%s), want TRY_LATER (%s)", s.SubIndication, s.Detail, want)
	}
	if !hasWarning(s, `revocation status not checked for "kyso Test Issuing CA": no OCSP response or CRL about them in the document (online checking is off)`) {
		t.Errorf("B-T without revocation data: warnings %q", s.Warnings)
	}
}

// TestUnusableCRL: a CRL of the signer's issuer whose signature does not
// verify is recorded as unusable, with the reason.
func TestUnusableCRL(t *testing.T) {
	p := getPKI(t)
	der, err := p.CRL(context.Background(), p.ca)
	if err != nil {
		t.Fatal(err)
	}
	der = bytes.Clone(der)
	der[len(der)-1] ^= 1 // the signature's last byte
	v := newValidator(context.Background(), &Options{})
	var st revStatus
	v.statusIn(&st, &revData{crls: [][]byte{der}}, p.official.Cert, p.ca, "the document's DSS")
	if st.checked || len(st.unusable) != 1 || !strings.HasPrefix(st.unusable[0], `a CRL in the document's DSS: its signature does not verify with the key of "kyso Test Issuing CA"`) {
		t.Errorf("checked %v, unusable %q", st.checked, st.unusable)
	}
	w := uncheckedWarnings([]uncheckedCert{{p.official.Cert, st}}, false)
	if len(w) != 1 || !strings.Contains(w[0], "the document holds revocation data about it, but none that can be used (a CRL in the document's DSS: its signature does not verify") {
		t.Errorf("warnings %q", w)
	}
}
