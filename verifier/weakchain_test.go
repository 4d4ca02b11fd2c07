package verifier

import (
	"bytes"
	"context"
	"crypto"
	_ "crypto/md5" // an MD5-signed certificate for the test
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// sha1PKI is a hierarchy of the first Vietnamese Government CA's kind: a
// root and an intermediate signed with SHA-1 (RSA), and signers under it.
type sha1PKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey *rsa.PrivateKey
}

var (
	rsaKeysOnce sync.Once
	rsaKeys     [3]*rsa.PrivateKey
)

// rsaKey returns test RSA key i (0: roots, 1: intermediates, 2: signers),
// made once: RSA key generation is slow.
func rsaKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	rsaKeysOnce.Do(func() {
		for j := range rsaKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys[j] = k
		}
	})
	return rsaKeys[i]
}

// newSHA1PKI makes the hierarchy; interTmpl, if set, shapes the
// intermediate, and rootPathLenZero limits the root to no intermediate.
func newSHA1PKI(t testing.TB, interTmpl *x509.Certificate, rootPathLenZero bool) *sha1PKI {
	t.Helper()
	p := &sha1PKI{rootKey: rsaKey(t, 0), interKey: rsaKey(t, 1)}
	var err error
	if p.root, err = issueCert(&x509.Certificate{
		Subject: pkix.Name{CommonName: "Co quan chung thuc thu nghiem (RootCA)", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		IsCA:    true, BasicConstraintsValid: true, MaxPathLenZero: rootPathLenZero,
		KeyUsage:           x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SignatureAlgorithm: x509.SHA1WithRSA,
	}, nil, p.rootKey.Public(), p.rootKey); err != nil {
		t.Fatal(err)
	}
	if interTmpl == nil {
		interTmpl = &x509.Certificate{IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	}
	interTmpl.Subject = pkix.Name{CommonName: "Co quan chung thuc thu nghiem", Organization: []string{"kyso test"}, Country: []string{"VN"}}
	interTmpl.SignatureAlgorithm = x509.SHA1WithRSA
	if p.inter, err = issueCert(interTmpl, p.root, p.interKey.Public(), p.rootKey); err != nil {
		t.Fatal(err)
	}
	return p
}

// signer issues a signer's certificate under the intermediate, signed
// with alg.
func (p *sha1PKI) signer(t testing.TB, alg x509.SignatureAlgorithm) model.Key {
	t.Helper()
	key := rsaKey(t, 2)
	c, err := issueCert(&x509.Certificate{
		Subject:            vnName("Nguyễn Văn Cũ", "UBND Thành phố Hà Nội", "CCCD:001070000002"),
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		SignatureAlgorithm: alg,
	}, p.inter, key.Public(), p.interKey)
	if err != nil {
		t.Fatal(err)
	}
	return model.Key{Signer: key, Cert: c, Chain: []*x509.Certificate{p.inter, p.root}}
}

// signByHand signs a PDF with cred: kyso's signer refuses a chain with a
// SHA-1 signature, so the CMS is made by hand (buildCMS) in a document
// kyso signed first. Like the Vietnamese Government's documents, the CMS
// carries only the signer's certificate, unless withChain.
func signByHand(t testing.TB, cred model.Key, withChain bool) []byte {
	t.Helper()
	p := getPKI(t)
	doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBB})
	certs := []*x509.Certificate{cred.Cert}
	if withChain {
		certs = append(certs, cred.Chain...)
	}
	return replaceContents(t, doc, 0, func(d []byte) []byte {
		return buildCMS(t, cmsSpec{key: cred.Signer, sid: cred.Cert, certs: certs, digest: d, essCert: cred.Cert})
	})
}

// options trusts the root, with the intermediate in the trust directory,
// as `kyso verify --trust trust/vn` does.
func (p *sha1PKI) options(list bool) Options {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(p.root)
	inter.AddCert(p.inter)
	o := Options{Roots: roots, Intermediates: inter, Revocation: knownIssuer{p.inter}}
	if list {
		o.TrustCerts = []*x509.Certificate{p.root, p.inter}
	}
	return o
}

// TestSHA1Chain: a signer under a CA certificate signed with SHA-1 — the
// Vietnamese Government CA's G1 generation — chains, with a warning that
// names each SHA-1 signature; crypto/x509 alone finds no chain.
func TestSHA1Chain(t *testing.T) {
	p := newSHA1PKI(t, nil, false)
	for _, tt := range []struct {
		name string
		alg  x509.SignatureAlgorithm
		weak int // SHA-1 signatures in the chain below the root
	}{
		{"SHA-256 signer under a SHA-1 intermediate", x509.SHA256WithRSA, 1},
		{"SHA-1 signer under a SHA-1 intermediate", x509.SHA1WithRSA, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cred := p.signer(t, tt.alg)
			doc := signByHand(t, cred, false)
			rep := verifyPDF(t, doc, p.options(true))
			s := sigOf(t, rep, 0)
			if s.Indication != TotalPassed || !rep.Valid {
				t.Fatalf("%s/%s (%s), want TOTAL_PASSED", s.Indication, s.SubIndication, s.Detail)
			}
			if len(s.Chain) != 3 || s.Chain[1].Subject != dnString(p.inter.RawSubject) || s.Chain[2].Subject != dnString(p.root.RawSubject) {
				t.Errorf("chain %+v, want signer, SHA-1 intermediate, root", s.Chain)
			}
			n := 0
			for _, w := range s.Warnings {
				if strings.Contains(w, "is signed with SHA-1 by") {
					n++
				}
			}
			if n != tt.weak {
				t.Errorf("%d SHA-1 warnings, want %d: %q", n, tt.weak, s.Warnings)
			}

			// The pools alone: crypto/x509 refuses the chain, and the
			// document does not hold the CA certificates.
			s = sigOf(t, verifyPDF(t, doc, p.options(false)), 0)
			if s.Indication != Indeterminate || s.SubIndication != NoCertificateChainFound {
				t.Errorf("without TrustCerts: %s/%s (%s), want INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND", s.Indication, s.SubIndication, s.Detail)
			}
			// A CMS that carries its chain: its certificates are used.
			s = sigOf(t, verifyPDF(t, signByHand(t, cred, true), p.options(false)), 0)
			if s.Indication != TotalPassed {
				t.Errorf("chain in the CMS, without TrustCerts: %s/%s (%s), want TOTAL_PASSED", s.Indication, s.SubIndication, s.Detail)
			}
		})
	}
}

// TestSHA1ChainKeepsPathRules: accepting SHA-1 signatures changes nothing
// else. An intermediate that is not a CA, a root that allows no
// intermediate, an intermediate that has expired, one signed with MD5, an
// untrusted root: no chain.
func TestSHA1ChainKeepsPathRules(t *testing.T) {
	past := time.Now().Add(-48 * time.Hour)
	tests := []struct {
		name   string
		p      *sha1PKI
		reason x509.InvalidReason // crypto/x509's verdict on the stand-ins
	}{
		// crypto/x509 refuses the signature of a parent that is not a
		// CA (x509.ConstraintViolationError), so finds no chain.
		{"intermediate not a CA", newSHA1PKI(t, &x509.Certificate{BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, false), -1},
		{"root allows no intermediate", newSHA1PKI(t, nil, true), x509.TooManyIntermediates},
		{"intermediate expired", newSHA1PKI(t, &x509.Certificate{IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: past, NotAfter: past.Add(time.Hour)}, false), x509.Expired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred := tt.p.signer(t, x509.SHA256WithRSA)
			doc := signByHand(t, cred, false)
			s := sigOf(t, verifyPDF(t, doc, tt.p.options(true)), 0)
			if s.Indication == TotalPassed {
				t.Fatalf("TOTAL_PASSED, want no chain")
			}
			// The stand-ins reached crypto/x509, which applied its rule.
			o := tt.p.options(true)
			_, err := newWeakSearch(o.Roots, o.TrustCerts).verify(cred.Cert, time.Now())
			var invalid x509.CertificateInvalidError
			var unknown x509.UnknownAuthorityError
			switch {
			case tt.reason < 0 && (!errors.As(err, &unknown) || !strings.Contains(err.Error(), "parent certificate cannot sign")):
				t.Errorf("stand-in chain: %v, want crypto/x509 to refuse the non-CA parent", err)
			case tt.reason >= 0 && (!errors.As(err, &invalid) || invalid.Reason != tt.reason):
				t.Errorf("stand-in chain: %v, want crypto/x509's reason %d", err, tt.reason)
			}
		})
	}

	t.Run("intermediate signed with MD5", func(t *testing.T) {
		p := newSHA1PKI(t, nil, false)
		p.inter = resignMD5(t, p.inter, p.rootKey)
		doc := signByHand(t, p.signer(t, x509.SHA256WithRSA), false)
		if s := sigOf(t, verifyPDF(t, doc, p.options(true)), 0); s.Indication != Indeterminate || s.SubIndication != NoCertificateChainFound {
			t.Errorf("%s/%s (%s), want INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND", s.Indication, s.SubIndication, s.Detail)
		}
	})

	t.Run("root not trusted", func(t *testing.T) {
		p := newSHA1PKI(t, nil, false)
		doc := signByHand(t, p.signer(t, x509.SHA256WithRSA), false)
		o := p.options(true)
		o.Roots = getPKI(t).roots // the root is listed, not trusted
		if s := sigOf(t, verifyPDF(t, doc, o), 0); s.Indication != Indeterminate || s.SubIndication != NoCertificateChainFound {
			t.Errorf("%s/%s (%s), want INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND", s.Indication, s.SubIndication, s.Detail)
		}
	})
}

// resignMD5 returns c signed again by key with md5WithRSAEncryption.
func resignMD5(t testing.TB, c *x509.Certificate, key *rsa.PrivateKey) *x509.Certificate {
	t.Helper()
	sha1OID := []byte{6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 5}
	tbs := bytes.Clone(c.RawTBSCertificate)
	i := bytes.Index(tbs, sha1OID)
	if i < 0 {
		t.Fatal("signature algorithm not found in the TBS")
	}
	tbs[i+len(sha1OID)-1] = 4 // md5WithRSAEncryption
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.MD5, digest(crypto.MD5, tbs))
	if err != nil {
		t.Fatal(err)
	}
	alg := der(0x30, marshalDER(cmsasn1.OIDMD5WithRSA), []byte{5, 0})
	out, err := x509.ParseCertificate(der(0x30, tbs, alg, der(0x03, append([]byte{0}, sig...))))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSHA1ChainVGCAG1: the Vietnamese Government CA's G1 intermediate,
// signed with SHA-1 by the G1 root, chains to it from the shipped trust
// directory, with the warning.
func TestSHA1ChainVGCAG1(t *testing.T) {
	certs, _, err := ReadTrustDir(filepath.Join(realworldDir(t), "roots"))
	if err != nil {
		t.Fatal(err)
	}
	var g1 *x509.Certificate
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	var list []*x509.Certificate
	for _, c := range certs {
		list = append(list, c.Cert)
		if c.Root {
			roots.AddCert(c.Cert)
		} else {
			inter.AddCert(c.Cert)
		}
		if c.File == "vgca-g1-cp-intermediate.crt" {
			g1 = c.Cert
		}
	}
	if g1 == nil || !isSHA1(g1) {
		t.Fatal("vgca-g1-cp-intermediate.crt missing or not signed with SHA-1")
	}
	at := time.Date(2015, 6, 1, 0, 0, 0, 0, vnZone)
	for _, tt := range []struct {
		name string
		list []*x509.Certificate
		want bool
	}{{"with TrustCerts", list, true}, {"pools only", nil, false}} {
		t.Run(tt.name, func(t *testing.T) {
			v := newValidator(context.Background(), &Options{Roots: roots, Intermediates: inter, TrustCerts: tt.list})
			ch := v.buildChain(g1, at, nil)
			if ch.trusted != tt.want {
				t.Fatalf("trusted %v (%s), want %v", ch.trusted, ch.problem, tt.want)
			}
			if !tt.want {
				return
			}
			if len(ch.chain) != 2 || !ch.chain[1].Equal(certs[0].Cert) && ch.chain[1].Subject.CommonName != "Co quan chung thuc so chuyen dung Chinh phu (RootCA)" {
				t.Errorf("chain %v, want the G1 intermediate and the G1 root", ch.chain)
			}
			if len(ch.warnings) != 1 || !strings.Contains(ch.warnings[0], `"Co quan chung thuc so Chinh phu" is signed with SHA-1`) {
				t.Errorf("warnings %q", ch.warnings)
			}
		})
	}
}
