package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

func TestBERToDER(t *testing.T) {
	tests := []struct {
		name     string
		ber, der []byte
	}{
		{"DER unchanged", []byte{0x30, 0x03, 0x02, 0x01, 0x05}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}},
		{"indefinite", []byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}},
		{"nested indefinite", []byte{0x30, 0x80, 0x31, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00}, []byte{0x30, 0x04, 0x31, 0x02, 0x05, 0x00}},
		{"long length", []byte{0x04, 0x82, 0x00, 0x02, 0xaa, 0xbb}, []byte{0x04, 0x02, 0xaa, 0xbb}},
		{"constructed octets", []byte{0x24, 0x80, 0x04, 0x01, 0xaa, 0x04, 0x02, 0xbb, 0xcc, 0x00, 0x00}, []byte{0x04, 0x03, 0xaa, 0xbb, 0xcc}},
		{"nested constructed octets", []byte{0xa0, 0x80, 0x24, 0x80, 0x24, 0x03, 0x04, 0x01, 0x01, 0x04, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00}, []byte{0xa0, 0x04, 0x04, 0x02, 0x01, 0x02}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest, err := cmsasn1.BERToDER(tt.ber)
			if err != nil || len(rest) != 0 || !bytes.Equal(got, tt.der) {
				t.Errorf("berToDER(%x) = %x, %x, %v; want %x", tt.ber, got, rest, err, tt.der)
			}
		})
	}
	for _, bad := range [][]byte{{0x30}, {0x30, 0x80}, {0x02, 0x80, 0x00, 0x00}, {0x30, 0x85, 1, 1, 1, 1, 1}, {0x30, 0x05, 0x02}} {
		if _, _, err := cmsasn1.BERToDER(bad); err == nil {
			t.Errorf("berToDER(%x) accepted", bad)
		}
	}
	deep := append(bytes.Repeat([]byte{0x30, 0x80}, cmsasn1.MaxBERDepth+2), bytes.Repeat([]byte{0, 0}, cmsasn1.MaxBERDepth+2)...)
	if _, _, err := cmsasn1.BERToDER(deep); err == nil {
		t.Errorf("berToDER accepted nesting deeper than %d", cmsasn1.MaxBERDepth)
	}
}

func TestParsePDFDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"D:20250124171949+07'00'", time.Date(2025, 1, 24, 10, 19, 49, 0, time.UTC)},
		{"D:20250124171949Z", time.Date(2025, 1, 24, 17, 19, 49, 0, time.UTC)},
		{"D:20250124171949-05'30", time.Date(2025, 1, 24, 22, 49, 49, 0, time.UTC)},
		{"D:2025", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"20250124", time.Date(2025, 1, 24, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parsePDFDate(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parsePDFDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "D:", "D:20251", "D:20251301", "yesterday"} {
		if _, err := parsePDFDate(bad); err == nil {
			t.Errorf("parsePDFDate(%q) accepted", bad)
		}
	}
}

func TestRevisionEnds(t *testing.T) {
	// revisionEnds of a file read through ReadAt and of one in memory
	// (inMemory) must agree.
	revisionEnds := func(r *bytes.Reader, size int64) []int64 {
		t.Helper()
		data := make([]byte, size)
		r.ReadAt(data, 0)
		got, inMem := revisionEnds(r, nil, size), revisionEnds(r, data, size)
		if !slices.Equal(got, inMem) {
			t.Errorf("revisionEnds = %v read through ReadAt, %v in memory", got, inMem)
		}
		return got
	}
	doc := testpdf.Make(1, 0)
	one := revisionEnds(bytes.NewReader(doc), int64(len(doc)))
	if len(one) != 1 || one[0] != int64(len(doc)) {
		t.Fatalf("revisionEnds = %v, want [%d]", one, len(doc))
	}
	doc2 := appendUpdate(t, doc, map[int]string{3: "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"})
	two := revisionEnds(bytes.NewReader(doc2), int64(len(doc2)))
	if len(two) != 2 || two[0] != int64(len(doc)) || two[1] != int64(len(doc2)) {
		t.Errorf("revisionEnds = %v, want [%d %d]", two, len(doc), len(doc2))
	}
	// A %%EOF without startxref (inside a stream) is not a revision end;
	// nor is a linearised file's "startxref 0".
	odd := append(bytes.Clone(doc), []byte("% comment %%EOF\nstartxref\n0\n%%EOF\n")...)
	if got := revisionEnds(bytes.NewReader(odd), int64(len(odd))); len(got) != 1 {
		t.Errorf("revisionEnds = %v, want one end", got)
	}
	// Several blocks of 1 MiB, updates ending near their borders.
	big := testpdf.Make(2, 3<<20-600)
	for i := range 3 {
		big = appendUpdate(t, big, map[int]string{3: fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /Courier /N %d >>", i)})
	}
	if got := revisionEnds(bytes.NewReader(big), int64(len(big))); len(got) != 4 || got[3] != int64(len(big)) {
		t.Errorf("revisionEnds = %v of a file of %d bytes, want 4 ends", got, len(big))
	}
	if r, ok := revisionOf(two, int64(len(doc))); r != 1 || !ok {
		t.Errorf("revisionOf = %d, %v", r, ok)
	}
}

func TestDNString(t *testing.T) {
	name := pkix.Name{CommonName: "Nguyễn Văn An", Organization: []string{"UBND, Hà Nội"}, Country: []string{"VN"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUID, Value: "CCCD:001099012345"}}}
	der, err := asn1.Marshal(name.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	want := `UID=CCCD:001099012345, CN=Nguyễn Văn An, O=UBND\, Hà Nội, C=VN`
	if got := dnString(der); got != want {
		t.Errorf("dnString = %q, want %q", got, want)
	}
}

// TestIdentity pins what the change analysis reads from digitorus/pdf by
// reflection: the same dictionary gives the same identity, another one
// another.
func TestIdentity(t *testing.T) {
	doc := testpdf.Make(2, 0)
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	root := rdr.Trailer().Key("Root")
	a, b := identity(root), identity(rdr.Trailer().Key("Root"))
	pages := identity(root.Key("Pages"))
	kids := identity(root.Key("Pages").Key("Kids"))
	if a == 0 || a != b || pages == 0 || pages == a || kids == 0 {
		t.Errorf("identity: catalog %x and %x, pages %x, kids %x", a, b, pages, kids)
	}
}

// responder is an online revocation source in process
// (Options.Online): it answers OCSP requests as p's issuing CA with
// status and serves crl at every URL; down, it fails every request.
// asked lists the URLs asked. truststore.OnlineRevocation, which carries
// the requests over HTTP, is tested in truststore.
type responder struct {
	p      *testPKI
	status int
	crl    []byte
	down   bool
	asked  []string
}

func (r *responder) OCSP(_ context.Context, url string, der []byte) ([]byte, error) {
	r.asked = append(r.asked, "OCSP "+url)
	if r.down {
		return nil, errors.New("network down")
	}
	req, err := ocsp.ParseRequest(der)
	if err != nil {
		return nil, err
	}
	return ocsp.CreateResponse(r.p.ca, r.p.ca, ocsp.Response{Status: r.status, SerialNumber: req.SerialNumber, ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), RevokedAt: time.Now().Add(-time.Hour)}, r.p.caKey)
}

func (r *responder) CRL(_ context.Context, url string) ([]byte, error) {
	r.asked = append(r.asked, "CRL "+url)
	if r.down {
		return nil, errors.New("network down")
	}
	return r.crl, nil
}

// TestOnlineRevocation checks a certificate's OCSP responder online.
func TestOnlineRevocation(t *testing.T) {
	p := getPKI(t)
	const url = "http://ocsp.ca.example.vn/"
	key := ecKey()
	cert, err := issueCert(&x509.Certificate{
		Subject:    vnName("Phạm Thị Dung", "UBND Thành phố Hà Nội", "CCCD:001190000002"),
		KeyUsage:   x509.KeyUsageDigitalSignature,
		OCSPServer: []string{"ldap://ocsp.ca.example.vn/", url},
	}, p.ca, key.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	doc := signPDF(t, p, basePDF(), model.Key{Signer: key, Cert: cert, Chain: []*x509.Certificate{p.ca, p.root}}, pades.Options{Level: pades.LevelBT})
	src := &responder{p: p, status: ocsp.Good}
	online := Options{Roots: p.roots, Online: src}

	s := sigOf(t, verifyPDF(t, doc, online), 0)
	if s.Indication != TotalPassed || hasWarning(s, "revocation status not checked for \"Phạm") {
		t.Errorf("good online: %s/%s %q", s.Indication, s.SubIndication, s.Warnings)
	}
	if want := (RevocationCheck{Status: RevocationGood, From: RevocationFromOnline, Online: true}); s.Revocation == nil || *s.Revocation != want {
		t.Errorf("good online: revocation %+v, want %+v", s.Revocation, want)
	}
	// Only the http URL is asked, once for the document.
	if want := []string{"OCSP " + url}; !slices.Equal(src.asked, want) {
		t.Errorf("good online: asked %q, want %q", src.asked, want)
	}
	// The responder now says revoked: online, the signature fails;
	// offline, nothing says either way, and the revocation policy keeps
	// the document from being valid (TestRevocationPolicy).
	src.status = ocsp.Revoked
	if rep := verifyPDF(t, doc, online); rep.Valid || rep.Signatures[0].Indication != TotalFailed || rep.Signatures[0].SubIndication != Revoked {
		t.Errorf("revoked online: valid %v, %s/%s (%s)", rep.Valid, rep.Signatures[0].Indication, rep.Signatures[0].SubIndication, rep.Signatures[0].Detail)
	}
	if rep := verifyPDF(t, doc, Options{Roots: p.roots}); rep.Valid || rep.Signatures[0].SubIndication != TryLater {
		t.Errorf("revoked, checked offline: valid %v, %s/%s, want INDETERMINATE/TRY_LATER", rep.Valid, rep.Signatures[0].Indication, rep.Signatures[0].SubIndication)
	}
	src.down = true
	s = sigOf(t, verifyPDF(t, doc, online), 0)
	if s.Indication != Indeterminate || s.SubIndication != TryLater {
		t.Errorf("responder down: %s/%s (%s), want INDETERMINATE/TRY_LATER", s.Indication, s.SubIndication, s.Detail)
	}
	if want := (RevocationCheck{Status: RevocationUnknown, Online: true}); s.Revocation == nil || *s.Revocation != want {
		t.Errorf("responder down: revocation %+v, want %+v", s.Revocation, want)
	}
}

// TestOnlineCRL: a certificate without an OCSP responder is checked
// against the CRL of its distribution point, judged as the document's
// CRLs are: one that lists it revokes it, one its issuer did not sign
// gives nothing.
func TestOnlineCRL(t *testing.T) {
	p := getPKI(t)
	const url = "http://crl.ca.example.vn/ca.crl"
	key := ecKey()
	cert, err := issueCert(&x509.Certificate{
		Subject:               vnName("Phạm Thị Dung", "UBND Thành phố Hà Nội", "CCCD:001190000002"),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		CRLDistributionPoints: []string{url},
	}, p.ca, key.Public(), p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	doc := signPDF(t, p, basePDF(), model.Key{Signer: key, Cert: cert, Chain: []*x509.Certificate{p.ca, p.root}}, pades.Options{Level: pades.LevelBT})
	crl := func(signer *x509.Certificate, signerKey crypto.Signer) []byte {
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour),
			RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: cert.SerialNumber, RevocationTime: time.Now().Add(-time.Hour)}},
		}, signer, signerKey)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}

	src := &responder{p: p, crl: crl(p.ca, p.caKey)}
	rep := verifyPDF(t, doc, Options{Roots: p.roots, Online: src})
	if s := rep.Signatures[0]; rep.Valid || s.Indication != TotalFailed || s.SubIndication != Revoked {
		t.Errorf("revoked by the CRL online: valid %v, %s/%s (%s)", rep.Valid, s.Indication, s.SubIndication, s.Detail)
	}
	if want := []string{"CRL " + url}; !slices.Equal(src.asked, want) {
		t.Errorf("asked %q, want %q", src.asked, want)
	}
	// The same list signed by the root, not by the certificate's issuer.
	src = &responder{p: p, crl: crl(p.root, p.rootKey)}
	s := sigOf(t, verifyPDF(t, doc, Options{Roots: p.roots, Online: src}), 0)
	if s.Indication != Indeterminate || s.SubIndication != TryLater {
		t.Errorf("CRL of another issuer online: %s/%s (%s), want INDETERMINATE/TRY_LATER", s.Indication, s.SubIndication, s.Detail)
	}
}

// TestRevocationPolicy: a signature is valid only when the revocation
// status of its signer's certificate is known (docs/verification.md,
// "Revocation policy"). A revoked certificate the document says nothing
// about, validated without kyso's registry and offline, is never valid;
// the registry or revocation data in the document (B-LT) settles it;
// TRY_LATER gives way to what else is wrong.
func TestRevocationPolicy(t *testing.T) {
	p := getPKI(t)
	offline := Options{Roots: p.roots}
	withRegistry := Options{Roots: p.roots, Revocation: registry{p}}
	bt := func(cred model.Key) []byte {
		return signPDF(t, p, basePDF(), cred, pades.Options{Level: pades.LevelBT})
	}
	official := bt(p.official)
	revoked := bt(p.revoked)
	tampered := bytes.Clone(official)
	i := bytes.Index(tampered, []byte("BT"))
	tampered[i+3] ^= 1
	for _, tt := range []struct {
		name  string
		doc   []byte
		opts  Options
		valid bool
		ind   Indication
		sub   SubIndication
		rev   RevocationCheck
	}{
		{"B-T, offline, no registry", official, offline, false, Indeterminate, TryLater, RevocationCheck{Status: RevocationUnknown}},
		{"B-T, kyso's registry", official, withRegistry, true, TotalPassed, "", RevocationCheck{Status: RevocationGood, From: RevocationFromRegistry}},
		{"B-LT, offline, no registry", signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBLT}), offline, true, TotalPassed, "", RevocationCheck{Status: RevocationGood, From: RevocationFromDocument}},
		{"revoked, offline, no registry", revoked, offline, false, Indeterminate, TryLater, RevocationCheck{Status: RevocationUnknown}},
		{"revoked, kyso's registry", revoked, withRegistry, false, TotalFailed, Revoked, RevocationCheck{Status: RevocationRevoked, From: RevocationFromRegistry}},
		// Signed bytes changed: what is wrong is said, not TRY_LATER.
		{"tampered, offline", tampered, offline, false, TotalFailed, HashFailure, RevocationCheck{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep := verifyPDF(t, tt.doc, tt.opts)
			s := sigOf(t, rep, 0)
			if rep.Valid != tt.valid || s.Indication != tt.ind || s.SubIndication != tt.sub {
				t.Fatalf("valid %v, %s/%s (%s), want valid %v, %s/%s", rep.Valid, s.Indication, s.SubIndication, s.Detail, tt.valid, tt.ind, tt.sub)
			}
			var got RevocationCheck
			if s.Revocation != nil {
				got = *s.Revocation
			}
			if got != tt.rev {
				t.Errorf("revocation %+v, want %+v", got, tt.rev)
			}
		})
	}
}

// TestUnreadable: only documents that cannot be read at all are errors.
func TestUnreadable(t *testing.T) {
	for name, doc := range map[string][]byte{
		"empty":     nil,
		"not a PDF": []byte("hello"),
		"truncated": testpdf.Make(1, 0)[:100],
	} {
		_, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), Options{})
		if err == nil || !strings.Contains(err.Error(), "cannot read") {
			t.Errorf("%s: VerifyPDF = %v, want ErrUnreadable", name, err)
		}
	}
	doc := testpdf.Make(1, 0)
	if _, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), Options{MaxSize: 100}); err == nil {
		t.Errorf("VerifyPDF over MaxSize = nil")
	}
	rep := verifyPDF(t, doc, Options{})
	if rep.Valid || rep.SignatureCount != 0 || len(rep.Warnings) == 0 {
		t.Errorf("unsigned document: %+v", rep)
	}
}

// TestReasonLocationContact: the signature dictionary's /Reason, /Location
// and /ContactInfo are reported as the signer wrote them, but hostile
// ones are made harmless to show: bidirectional overrides and isolates
// (which can reverse "fdp.exe" or an amount on screen) and control
// characters are left out, markup stays text (the page escapes it), and
// a long text is cut.
func TestReasonLocationContact(t *testing.T) {
	p := getPKI(t)
	long := strings.Repeat("Hà Nội ", 200)
	for _, tt := range []struct {
		name                             string
		reason, location, contact        string
		wantReason, wantLoc, wantContact string
	}{
		{"plain Vietnamese", "Phê duyệt quyết định", "Hà Nội", "vanthu@hanoi.gov.vn",
			"Phê duyệt quyết định", "Hà Nội", "vanthu@hanoi.gov.vn"},
		{"bidi override and isolate", "Đồng ý chi \u202e000 001\u202c đồng", "\u2067Hà Nội\u2069\u200f", "\u202dhttps://example.test/\u202a",
			"Đồng ý chi 000 001 đồng", "Hà Nội", "https://example.test/"},
		{"markup and control characters", "<script>alert(1)</script>\x1b[31m", "Hà\nNội\tVN\x00", "<img src=x onerror=alert(1)>",
			"<script>alert(1)</script>[31m", "Hà Nội VN", "<img src=x onerror=alert(1)>"},
		{"long", long, "", "", strings.TrimSpace(string([]rune(long)[:maxSignerText]) + "…"), "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT, Reason: tt.reason, Location: tt.location, Contact: tt.contact})
			s := sigOf(t, verifyPDF(t, doc, p.trusted()), 0)
			if s.Reason != tt.wantReason || s.Location != tt.wantLoc || s.ContactInfo != tt.wantContact {
				t.Errorf("reason %q, location %q, contact %q; want %q, %q, %q", s.Reason, s.Location, s.ContactInfo, tt.wantReason, tt.wantLoc, tt.wantContact)
			}
			if s.Indication != TotalPassed {
				t.Errorf("%s/%s (%s), want TOTAL_PASSED", s.Indication, s.SubIndication, s.Detail)
			}
		})
	}
}

// TestRangeDigestShared: the digests of the signatures of a file of many
// revisions, each hashed on from the state left by a shorter first range
// (rangeDigest), are those of their byte ranges hashed whole, in any
// order of the signatures and hashes.
func TestRangeDigestShared(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(realworldDir(t), "vn-nom-vn", "hanoi_qd_2280_water.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	sigs := signaturesIn(t, doc)
	if len(sigs) < 6 {
		t.Fatalf("%d signatures, want 7", len(sigs))
	}
	for _, s := range sigs {
		if err := s.checkByteRange(bytes.NewReader(doc), int64(len(doc))); err != nil {
			t.Fatal(err)
		}
	}
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {2, 5, 0, 4, 1, 3}} {
		p := &pdfRun{v: newValidator(context.Background(), &Options{}), r: bytes.NewReader(doc), data: doc, size: int64(len(doc))}
		for _, i := range order {
			if i >= len(sigs) {
				continue
			}
			e := &entry{sig: sigs[i]}
			for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA1, crypto.SHA512, crypto.SHA256} {
				got, err := p.rangeDigest(e, h)
				if err != nil {
					t.Fatal(err)
				}
				w := newHash(h)
				br := sigs[i].br
				w.Write(doc[:br[1]])
				w.Write(doc[br[2] : br[2]+br[3]])
				if want := w.Sum(nil); !bytes.Equal(got, want) {
					t.Errorf("order %v: signature %d, %v: digest %x, want %x", order, i, h, got, want)
				}
			}
		}
		if len(p.prefixes) != 3 {
			t.Errorf("order %v: %d hash states kept, want 3", order, len(p.prefixes))
		}
	}
}
