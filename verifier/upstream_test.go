package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// The tests below confirm, on this machine, the blind spots of the
// primitives kyso builds on (documented in doc.go, "Upstream flaws
// found"), and that the verifier does not inherit them. If an upstream
// release fixes one, its test fails here: update doc.go and the test.
//
// pdfsign's blind spots are watched in the tools module
// (tools/interop, TestUpstreamPdfsign…), which keeps pdfsign out of
// kyso's module; the TestNoPdfsign… tests here are their verifier's half:
// the same documents, judged by the verifier alone.

// TestNoPdfsignFirstCertificate: the verifier names the signer the
// SignerInfo names, not the first certificate of the CMS, as pdfsign
// does.
func TestNoPdfsignFirstCertificate(t *testing.T) {
	p := getPKI(t)
	mallory := newAttacker(t, pkix.Name{CommonName: "Mallory"}, pkix.Name{CommonName: "Mallory CA"}, nil)
	doc := replaceContents(t, signPDF(t, p, basePDF(), p.ec, pades.Options{}), 0, func(d []byte) []byte {
		return buildCMS(t, cmsSpec{key: mallory.key, sid: mallory.cert, certs: []*x509.Certificate{p.official.Cert, mallory.cert}, digest: d, essCert: mallory.cert})
	})
	rep := verifyPDF(t, doc, p.trusted())
	if s := sigOf(t, rep, 0); s.Signer.Name != "Mallory" || s.Indication == TotalPassed {
		t.Errorf("verifier: signer %q %s", s.Signer.Name, s.Indication)
	}
}

// TestNoPdfsignCoverage: the verifier checks what an approval signature
// covers, which pdfsign does not: a page changed after it fails it.
func TestNoPdfsignCoverage(t *testing.T) {
	p := getPKI(t)
	// The document of tools/interop's TestUpstreamPdfsignCoverage, whose
	// certificate has the extended key usage pdfsign wants.
	cert, err := issueCert(&x509.Certificate{
		Subject:     p.ec.Cert.Subject,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}, p.ca, p.ec.Signer.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	cred := model.Key{Signer: p.ec.Signer, Cert: cert, Chain: p.ec.Chain}
	doc := signPDF(t, p, basePDF(), cred, pades.Options{Level: pades.LevelBT})
	forged := "BT /F1 18 Tf 72 760 Td (Giay phep bi thu hoi) Tj ET"
	doc = appendUpdate(t, doc, map[int]string{4: fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(forged), forged)})
	rep := verifyPDF(t, doc, p.trusted())
	if s := sigOf(t, rep, 0); s.Indication != TotalFailed || !hasChange(s, ChangePageContent, "page 1") {
		t.Errorf("verifier: %s/%s changes %+v", s.Indication, s.SubIndication, s.ChangesAfter)
	}
}

// TestNoPdfsignValidWithoutSignatures: a signature the verifier cannot
// parse fails the document (pdfsign skips it, and is valid when it
// skipped them all).
func TestNoPdfsignValidWithoutSignatures(t *testing.T) {
	p := getPKI(t)
	doc := replaceContents(t, signPDF(t, p, basePDF(), p.official, pades.Options{}), 0, func([]byte) []byte {
		return []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	})
	rep := verifyPDF(t, doc, p.trusted())
	if s := sigOf(t, rep, 0); rep.Valid || s.SubIndication != FormatFailure {
		t.Errorf("verifier: valid %v, %s/%s", rep.Valid, s.Indication, s.SubIndication)
	}
}

// TestNoPdfsignByteRangeAllocation: the verifier does not allocate the
// size /ByteRange claims before checking it, as pdfsign does.
func TestNoPdfsignByteRangeAllocation(t *testing.T) {
	p := getPKI(t)
	signed := signPDF(t, p, basePDF(), p.ec, pades.Options{})
	rdr, err := openPDF(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatal(err)
	}
	sigs, _ := findSignatures(rdr)
	cms := []byte(sigs[0].v.Key("Contents").RawString())
	const claim = 128 << 20
	doc := malformedSigPDF(t, fmt.Sprintf("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 %d %d 0] /Contents <%s> >>", claim, claim+4, hex.EncodeToString(cms)))
	alloc := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	var rep *Report
	got := alloc(func() { rep = verifyPDF(t, doc, Options{}) })
	if got > 16<<20 || sigOf(t, rep, 0).SubIndication != FormatFailure {
		t.Errorf("verifier allocated %d MiB, %s", got>>20, sigOf(t, rep, 0).SubIndication)
	}
}

// TestUpstreamPkcs7Attributes: digitorus/pkcs7 verifies a SignerInfo
// without a content-type attribute, and one whose signing-certificate-v2
// names another certificate.
func TestUpstreamPkcs7Attributes(t *testing.T) {
	p := getPKI(t)
	content := []byte("hồ sơ")
	d := digest(crypto.SHA256, content)
	for name, spec := range map[string]cmsSpec{
		"no content-type":               {key: p.ec.Signer, sid: p.ec.Cert, certs: []*x509.Certificate{p.ec.Cert}, digest: d, noCT: true},
		"ESS names another certificate": {key: p.ec.Signer, sid: p.ec.Cert, certs: []*x509.Certificate{p.ec.Cert}, digest: d, essCert: p.official.Cert},
	} {
		t.Run(name, func(t *testing.T) {
			der := buildCMS(t, spec)
			p7, err := pkcs7.Parse(der)
			if err != nil {
				t.Fatal(err)
			}
			p7.Content = content
			if err := p7.Verify(); err != nil {
				t.Errorf("pkcs7 now refuses it: %v", err)
			}
			rep, err := VerifyCMS(context.Background(), bytes.NewReader(content), der, p.trusted())
			if err != nil {
				t.Fatal(err)
			}
			if s := sigOf(t, rep, 0); s.Indication == TotalPassed {
				t.Errorf("verifier passed it")
			}
		})
	}
}

// TestUpstreamTimestampParse: digitorus/timestamp.Parse checks a token's
// signature only when the token carries certificates.
func TestUpstreamTimestampParse(t *testing.T) {
	p := getPKI(t)
	tok, err := p.tsa.Timestamp(context.Background(), digest(crypto.SHA256, []byte("x")), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cmsasn1.ParseSignedData(tok)
	if err != nil {
		t.Fatal(err)
	}
	// The token again, without certificates and with its signature
	// value changed.
	si := sd.Signers[0]
	sig := bytes.Clone(si.Signature)
	sig[len(sig)-3] ^= 0xff
	stripped := withoutCertificates(t, bytes.Replace(tok, si.Signature, sig, 1))
	if _, err := timestamp.Parse(stripped); err != nil {
		t.Errorf("timestamp.Parse now refuses a token with a bad signature and no certificates: %v", err)
	}
	v := newValidator(context.Background(), &Options{Roots: p.roots})
	v.addDocCerts([][]byte{p.tsaCert.Raw})
	if r := v.checkToken(stripped, func(h crypto.Hash) ([]byte, error) { return digest(h, []byte("x")), nil }); r.ok {
		t.Errorf("verifier accepted the token")
	}
}

// TestUpstreamOCSPResponderEKU: x/crypto/ocsp accepts an OCSP response
// signed by any certificate the issuer issued, not only an OCSP
// responder's: another signer of the same CA can vouch for a revoked
// certificate.
func TestUpstreamOCSPResponderEKU(t *testing.T) {
	p := getPKI(t)
	der, err := ocsp.CreateResponse(p.ca, p.ec.Cert, ocsp.Response{
		Status: ocsp.Good, SerialNumber: p.revoked.Cert.SerialNumber,
		ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), Certificate: p.ec.Cert,
	}, p.ec.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := ocsp.ParseResponseForCert(der, p.revoked.Cert, p.ca); err != nil || resp.Status != ocsp.Good {
		t.Errorf("x/crypto/ocsp now refuses a response from a non-responder: %v", err)
	}
	if _, err := checkOCSP(der, p.revoked.Cert, p.ca); err == nil || !strings.Contains(err.Error(), "OCSPSigning") {
		t.Errorf("checkOCSP = %v, want the missing id-kp-OCSPSigning named", err)
	}
}

// withoutCertificates re-encodes a ContentInfo holding a SignedData
// without its certificates.
func withoutCertificates(t testing.TB, ci []byte) []byte {
	t.Helper()
	s := cryptobyte.String(ci)
	var outer, content, sd cryptobyte.String
	var oid, version, algs, eci, rest cryptobyte.String
	if !s.ReadASN1(&outer, cbasn1.SEQUENCE) || !outer.ReadASN1Element(&oid, cbasn1.OBJECT_IDENTIFIER) ||
		!outer.ReadASN1(&content, cbasn1.Tag(0).ContextSpecific().Constructed()) || !content.ReadASN1(&sd, cbasn1.SEQUENCE) ||
		!sd.ReadASN1Element(&version, cbasn1.INTEGER) || !sd.ReadASN1Element(&algs, cbasn1.SET) ||
		!sd.ReadASN1Element(&eci, cbasn1.SEQUENCE) {
		t.Fatal("not a SignedData")
	}
	if sd.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific().Constructed()) {
		sd.SkipASN1(cbasn1.Tag(0).ContextSpecific().Constructed())
	}
	rest = sd
	return der(0x30, oid, der(0xa0, der(0x30, version, algs, eci, rest)))
}
