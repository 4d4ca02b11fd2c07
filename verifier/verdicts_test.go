package verifier

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/signer/pades"
)

// handCMS describes a detached SignedData built element by element, for
// the encodings kyso's signer never writes.
type handCMS struct {
	key   crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate // after cert in the certificate set
	attrs [][]byte            // Attribute DERs, in the order written
	// digestAlg and sigAlg are AlgorithmIdentifier DERs.
	digestAlg, sigAlg []byte
	// sign signs the signed attributes (SET OF, DER tag); nil: key signs
	// their SHA-256.
	sign func(signed []byte) []byte
}

func certsDER(cert *x509.Certificate, chain []*x509.Certificate) [][]byte {
	out := [][]byte{cert.Raw}
	for _, c := range chain {
		out = append(out, c.Raw)
	}
	return out
}

func attrDER(oid asn1.ObjectIdentifier, val []byte) []byte {
	return der(0x30, marshalDER(oid), der(0x31, val))
}

// standardAttrs are content-type, message-digest (digest) and
// signing-certificate-v2 (cert), in DER order.
func standardAttrs(digest []byte, cert *x509.Certificate) [][]byte {
	sum := sha256.Sum256(cert.Raw)
	return [][]byte{
		attrDER(cmsasn1.OIDAttrContentType, marshalDER(cmsasn1.OIDData)),
		attrDER(cmsasn1.OIDAttrMessageDigest, marshalDER(digest)),
		attrDER(cmsasn1.OIDAttrSigningCertificateV2, der(0x30, der(0x30, der(0x30, marshalDER(sum[:]))))),
	}
}

var (
	algSHA256        = der(0x30, marshalDER(cmsasn1.OIDSHA256), []byte{5, 0})
	algRSA           = der(0x30, marshalDER(cmsasn1.OIDRSAEncryption), []byte{5, 0})
	algSHA256WithRSA = der(0x30, marshalDER(cmsasn1.OIDSHA256WithRSA), []byte{5, 0})
)

func (h handCMS) build(t testing.TB) []byte {
	t.Helper()
	signed := der(0x31, h.attrs...)
	var sig []byte
	if h.sign != nil {
		sig = h.sign(signed)
	} else {
		d := sha256.Sum256(signed)
		var err error
		if sig, err = h.key.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
			t.Fatal(err)
		}
	}
	si := der(0x30,
		marshalDER(1),
		der(0x30, h.cert.RawIssuer, marshalDER(h.cert.SerialNumber)),
		h.digestAlg,
		append([]byte{0xa0}, signed[1:]...),
		h.sigAlg,
		marshalDER(sig),
	)
	sd := der(0x30,
		marshalDER(1),
		der(0x31, h.digestAlg),
		der(0x30, marshalDER(cmsasn1.OIDData)),
		der(0xa0, certsDER(h.cert, h.chain)...),
		der(0x31, si),
	)
	return der(0x30, marshalDER(cmsasn1.OIDSignedData), der(0xa0, sd))
}

// rsaSigner signs with p.official's RSA key a PKCS #1 v1.5 signature over
// the h digest of data(signed).
func rsaSigner(t testing.TB, key crypto.Signer, h crypto.Hash, data func([]byte) []byte) func([]byte) []byte {
	return func(signed []byte) []byte {
		sig, err := key.Sign(rand.Reader, digest(h, data(signed)), h)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
}

// withSubFilter rewrites the /SubFilter and /Filter of the first
// signature of doc, padding with spaces so that no offset moves, and
// signs the result again by hand with p.official.
func withSubFilter(t testing.TB, doc []byte, filter, subFilter string) []byte {
	t.Helper()
	p := getPKI(t)
	for _, r := range []struct{ old, new string }{
		{"/SubFilter /ETSI.CAdES.detached", "/SubFilter /" + subFilter},
		{"/Filter /Adobe.PPKLite", "/Filter /" + filter},
	} {
		i := bytes.Index(doc, []byte(r.old))
		if i < 0 || len(r.new) > len(r.old) {
			t.Fatalf("cannot put %q in place of %q", r.new, r.old)
		}
		doc = bytes.Clone(doc)
		copy(doc[i:], r.new+strings.Repeat(" ", len(r.old)-len(r.new)))
	}
	return replaceContents(t, doc, 0, func(d []byte) []byte {
		return handCMS{key: p.official.Signer, cert: p.official.Cert, chain: p.official.Chain, attrs: standardAttrs(d, p.official.Cert), digestAlg: algSHA256, sigAlg: algRSA}.build(t)
	})
}

// TestSubFilters: an ICP-Brasil PBAD.PAdES signature is a detached CMS and
// passes (EU DSS validates it); a sub-filter kyso does not know is
// INDETERMINATE/FORMAT_FAILURE — kyso cannot process it, which proves
// nothing against it — where it was TOTAL_FAILED.
func TestSubFilters(t *testing.T) {
	p := getPKI(t)
	signed := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBB})
	control := withSubFilter(t, signed, "Adobe.PPKLite", "ETSI.CAdES.detached")
	if s := sigOf(t, verifyPDF(t, control, p.trusted()), 0); s.Indication != TotalPassed {
		t.Fatalf("control, signed again by hand: %s/%s (%s)", s.Indication, s.SubIndication, s.Detail)
	}

	s := sigOf(t, verifyPDF(t, withSubFilter(t, signed, "PBAD_PAdES", "PBAD.PAdES"), p.trusted()), 0)
	if s.Indication != TotalPassed || s.SubFilter != "PBAD.PAdES" || s.Level != LevelNotPAdES || !hasWarning(s, "ICP-Brasil signature policy is not checked") {
		t.Errorf("PBAD.PAdES: %s/%s (%s), sub_filter %q, level %q, warnings %q; want TOTAL_PASSED, not PAdES, with a warning", s.Indication, s.SubIndication, s.Detail, s.SubFilter, s.Level, s.Warnings)
	}

	for _, sf := range []string{"adbe.x509.rsa_sha1", "Vendor.Own"} {
		rep := verifyPDF(t, withSubFilter(t, signed, "Adobe.PPKLite", sf), p.trusted())
		s := sigOf(t, rep, 0)
		if s.Indication != Indeterminate || s.SubIndication != FormatFailure || rep.Valid || !strings.Contains(s.Detail, "cannot process") {
			t.Errorf("sub-filter %s: %s/%s (%s), want INDETERMINATE/FORMAT_FAILURE, cannot process", sf, s.Indication, s.SubIndication, s.Detail)
		}
	}
}

// TestSignedAttributesNotDER: signed attributes written out of DER order
// (as node-signpdf and the signers of DSS's five-signature file do) verify
// over the bytes as they are, but not over their DER encoding, which RFC
// 5652 signs and EU DSS checks: INDETERMINATE/FORMAT_FAILURE, not a silent
// TOTAL_PASSED.
func TestSignedAttributesNotDER(t *testing.T) {
	p := getPKI(t)
	signed := signPDF(t, p, basePDF(), p.ec, pades.Options{Level: pades.LevelBB})
	build := func(order []int) []byte {
		return replaceContents(t, signed, 0, func(d []byte) []byte {
			all := standardAttrs(d, p.ec.Cert)
			var attrs [][]byte
			for _, i := range order {
				attrs = append(attrs, all[i])
			}
			return handCMS{key: p.ec.Signer, cert: p.ec.Cert, chain: p.ec.Chain, attrs: attrs, digestAlg: algSHA256, sigAlg: der(0x30, marshalDER(cmsasn1.OIDECDSAWithSHA256))}.build(t)
		})
	}
	if s := sigOf(t, verifyPDF(t, build([]int{0, 1, 2}), p.trusted()), 0); s.Indication != TotalPassed {
		t.Errorf("attributes in DER order: %s/%s (%s), want TOTAL_PASSED", s.Indication, s.SubIndication, s.Detail)
	}
	rep := verifyPDF(t, build([]int{1, 0, 2}), p.trusted())
	s := sigOf(t, rep, 0)
	if s.Indication != Indeterminate || s.SubIndication != FormatFailure || rep.Valid || !strings.Contains(s.Detail, "not DER-encoded") {
		t.Errorf("message-digest before content-type: %s/%s (%s), want INDETERMINATE/FORMAT_FAILURE", s.Indication, s.SubIndication, s.Detail)
	}
	if s.Signer.Name != p.ec.Cert.Subject.CommonName {
		t.Errorf("signer %q, want the signer named", s.Signer.Name)
	}
}

// TestCheckDER: what cmsasn1.CheckDER refuses.
func TestCheckDER(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string // "" for DER
	}{
		{"sorted set", []byte{0x31, 6, 0x02, 1, 1, 0x02, 1, 2}, ""},
		{"unsorted set", []byte{0x31, 6, 0x02, 1, 2, 0x02, 1, 1}, "ascending"},
		{"shorter first in a set", []byte{0x31, 7, 0x04, 1, 1, 0x04, 2, 1, 0}, ""},
		{"long form for a short length", []byte{0x30, 0x81, 3, 0x02, 1, 1}, "shortest form"},
		{"indefinite length", []byte{0x30, 0x80, 0x02, 1, 1, 0, 0}, "indefinite"},
		{"constructed OCTET STRING", []byte{0x24, 3, 0x04, 1, 1}, "constructed"},
		{"BOOLEAN 1", []byte{0x01, 1, 1}, "BOOLEAN"},
		{"INTEGER with a leading zero", []byte{0x02, 2, 0, 1}, "INTEGER"},
		{"INTEGER 128", []byte{0x02, 2, 0, 0x80}, ""},
		{"trailing data", []byte{0x05, 0, 0x05, 0}, "after"},
		{"context-specific nesting", []byte{0xa0, 5, 0x31, 3, 0x02, 1, 1}, ""},
	}
	for _, tt := range tests {
		err := cmsasn1.CheckDER(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: cmsasn1.CheckDER = %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: cmsasn1.CheckDER = %v, want an error about %q", tt.name, err, tt.want)
		}
	}
}

// TestSignatureLabelMismatch: a PKCS #1 v1.5 signature whose DigestInfo
// names another hash than its algorithm label (multi.pdf of the corpus:
// sha256WithRSAEncryption over a SHA-1 DigestInfo) does not verify, and
// the report says why, not "wrong key".
func TestSignatureLabelMismatch(t *testing.T) {
	p := getPKI(t)
	signed := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBB})
	key := p.official.Signer
	same := func(b []byte) []byte { return b }
	other := func([]byte) []byte { return []byte("something else") }
	tests := []struct {
		name   string
		sigAlg []byte
		sign   func([]byte) []byte
		want   []string
	}{
		{"sha256WithRSAEncryption over a SHA-1 DigestInfo", algSHA256WithRSA, rsaSigner(t, key, crypto.SHA1, same),
			[]string{"algorithm label disagrees", "says RSA with SHA-256", "holds a SHA-1 digest", "SHA-1 digest is the signed data's: the signing software mislabelled"}},
		{"rsaEncryption with SHA-256 over a SHA-512 DigestInfo", algRSA, rsaSigner(t, key, crypto.SHA512, same),
			[]string{"algorithm label disagrees", "says RSA with SHA-256", "holds a SHA-512 digest", "mislabelled"}},
		{"SHA-1 DigestInfo of other data", algSHA256WithRSA, rsaSigner(t, key, crypto.SHA1, other),
			[]string{"algorithm label disagrees", "not the signed data's either"}},
		{"another key", algSHA256WithRSA, rsaSigner(t, rsaKey(t, 2), crypto.SHA256, same),
			[]string{"does not verify with the key of the certificate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := replaceContents(t, signed, 0, func(d []byte) []byte {
				return handCMS{key: key, cert: p.official.Cert, chain: p.official.Chain, attrs: standardAttrs(d, p.official.Cert), digestAlg: algSHA256, sigAlg: tt.sigAlg, sign: tt.sign}.build(t)
			})
			s := sigOf(t, verifyPDF(t, doc, p.trusted()), 0)
			if s.Indication != TotalFailed || s.SubIndication != SigCryptoFailure {
				t.Errorf("%s/%s (%s), want TOTAL_FAILED/SIG_CRYPTO_FAILURE", s.Indication, s.SubIndication, s.Detail)
			}
			for _, w := range tt.want {
				if !strings.Contains(s.Detail, w) {
					t.Errorf("detail %q, want it to say %q", s.Detail, w)
				}
			}
		})
	}
}
