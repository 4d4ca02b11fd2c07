package pades_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/hostilepdf"
	"github.com/kyso-vn/kyso/signer/pades"
)

// extend extends in with s and returns the output, checking the result.
func extend(t *testing.T, s *pades.Signer, in []byte, opts pades.ExtendOptions) []byte {
	t.Helper()
	var out bytes.Buffer
	res, err := s.Extend(context.Background(), bytes.NewReader(in), int64(len(in)), &out, opts)
	if err != nil {
		t.Fatalf("Extend(%s) = %v", opts.Level, err)
	}
	if sum := sha256.Sum256(out.Bytes()); !bytes.Equal(res.DocumentDigest, sum[:]) || res.Size != int64(out.Len()) {
		t.Errorf("ExtendResult digest %x size %d, want %x %d", res.DocumentDigest, res.Size, sum, out.Len())
	}
	if !bytes.HasPrefix(out.Bytes(), in) {
		t.Fatalf("output does not start with the input unchanged")
	}
	return out.Bytes()
}

// TestExtendKysoBT raises kyso's own B-T signatures to B-LT and B-LTA:
// the DSS holds the chains and the responses the CA gave, a VRI entry
// per signature; pdfsig still finds every signature valid and qpdf the
// structure sound.
func TestExtendKysoBT(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	for _, level := range []pades.Level{pades.LevelBLT, pades.LevelBLTA} {
		for _, xs := range []bool{false, true} {
			name := string(level) + "/table"
			if xs {
				name = string(level) + "/stream"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				tsa := &testTSA{pki: p}
				signer := pades.New(tsa, nil)
				bt := sign(t, signer, makePDF(pdfSpec{xrefStream: xs}), p.official, pades.Options{Level: pades.LevelBT})
				bt = sign(t, signer, bt, p.seal, pades.Options{Level: pades.LevelBT})

				rev := newRevocation(p)
				out := extend(t, pades.New(tsa, rev), bt, pades.ExtendOptions{Level: level})
				sigs := readSignatures(t, out)
				want := 2
				if level == pades.LevelBLTA {
					want = 3
				}
				if len(sigs) != want {
					t.Fatalf("%d signatures after Extend, want %d", len(sigs), want)
				}
				dss := readDSS(t, out)
				for _, s := range sigs {
					if _, ok := dss.vri[vriKey(s.Contents)]; !ok {
						t.Errorf("no VRI entry for signature %d", s.ID)
					}
				}
				for _, c := range [][]byte{p.official.Cert.Raw, p.seal.Cert.Raw, p.ca.Raw, p.root.Raw, p.tsaCert.Raw} {
					if !containsBytes(dss.certs, c) {
						t.Errorf("DSS lacks a certificate of the chains")
					}
				}
				for _, o := range rev.given() {
					if !containsBytes(dss.ocsps, o) {
						t.Errorf("DSS lacks an OCSP response the CA gave")
					}
				}
				reps := runPdfsig(t, p, out)
				if len(reps) != want {
					t.Fatalf("pdfsig reports %d signatures, want %d", len(reps), want)
				}
				for _, r := range reps[:2] {
					if !r.Valid || !r.Trusted {
						t.Errorf("pdfsig: %q valid=%t trusted=%t after Extend:%s", r.Field, r.Valid, r.Trusted, r.Text)
					}
				}
				qpdfCheck(t, out)
			})
		}
	}
}

// TestExtendRefuses checks that Extend writes nothing and says why when
// the validation data cannot be completed or the input is not a signed
// PDF.
func TestExtendRefuses(t *testing.T) {
	p := getPKI(t)
	tsa := &testTSA{pki: p}
	signer := pades.New(tsa, nil)
	bb := sign(t, signer, makePDF(pdfSpec{}), p.official, pades.Options{Level: pades.LevelBB})
	bt := sign(t, signer, makePDF(pdfSpec{}), p.official, pades.Options{Level: pades.LevelBT})
	revoked := sign(t, signer, makePDF(pdfSpec{}), p.revokedCred, pades.Options{Level: pades.LevelBT})
	hanoi, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "testdata", "realworld", "vn-nom-vn", "hanoi_qd_2280_water.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	vgca := readRoots(t)
	ttg, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "testdata", "realworld", "vn-sus_agri_mekong", "222-ttg.signed.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	broken := bytes.Replace(bt, []byte("startxref"), []byte("startxref\n999999999\n%%EOF\nstartxref"), 1)
	tests := []struct {
		name  string
		in    []byte
		rev   pades.Revocation
		certs bool
		kind  errkind.Kind
		want  []string
	}{
		{"no revocation data", bt, nil, false, errkind.InvalidDocument, []string{"validation data incomplete", p.official.Cert.Subject.CommonName, "no OCSP response or CRL"}},
		{"B-B", bb, newRevocation(p), false, errkind.InvalidDocument, []string{"no signature time-stamp", "cannot become B-LT"}},
		{"revoked", revoked, newRevocation(p), false, errkind.InvalidDocument, []string{"revoked on", p.revokedCred.Cert.Subject.CommonName}},
		{"Hanoi offline", hanoi, nil, true, errkind.InvalidDocument, []string{"Trần Chí Công", "CA phục vụ các cơ quan Nhà nước G2", "no OCSP response or CRL"}},
		// The TSA's chain ends at VGCA's first root, signed with SHA-1,
		// which crypto/x509 does not check: the path is still built.
		{"222/QĐ-TTg offline", ttg, nil, true, errkind.InvalidDocument, []string{"Máy chủ cấp dấu thời gian 01", "CỔNG THÔNG TIN ĐIỆN TỬ CHÍNH PHỦ", "no OCSP response or CRL"}},
		{"Hanoi without anchors", hanoi, nil, false, errkind.InvalidDocument, []string{"no certificate of \"CA phục vụ các cơ quan Nhà nước G2\""}},
		{"unsigned", makePDF(pdfSpec{}), newRevocation(p), false, errkind.Invalid, []string{"no signature"}},
		{"garbage", []byte("%PDF-1.7\nthis is not a PDF at all"), newRevocation(p), false, errkind.Invalid, []string{"parse PDF"}},
		{"empty", nil, newRevocation(p), false, errkind.Invalid, []string{"empty"}},
		{"broken xref", broken, newRevocation(p), false, errkind.Invalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := pades.ExtendOptions{Level: pades.LevelBLT}
			if tt.certs {
				opts.Certs = vgca
			}
			var out bytes.Buffer
			_, err := pades.New(tsa, tt.rev).Extend(context.Background(), bytes.NewReader(tt.in), int64(len(tt.in)), &out, opts)
			if err == nil {
				t.Fatalf("Extend = nil error, want one")
			}
			if out.Len() != 0 {
				t.Errorf("Extend wrote %d bytes on error", out.Len())
			}
			var ke *errkind.Error
			if !errors.As(err, &ke) || ke.Kind != tt.kind {
				t.Errorf("Extend = %v, want kind %v", err, tt.kind)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Extend = %v, want it to say %q", err, w)
				}
			}
		})
	}
}

// TestExtendStaleResponse: an OCSP response older than the signature's
// time-stamp and expired before it does not tell its status then; it is
// refused, not embedded as if it did.
func TestExtendStaleResponse(t *testing.T) {
	p := getPKI(t)
	tsa := &testTSA{pki: p}
	bt := sign(t, pades.New(tsa, nil), makePDF(pdfSpec{}), p.official, pades.Options{Level: pades.LevelBT})
	stale := &staleRevocation{testRevocation: newRevocation(p), age: 48 * time.Hour}
	var out bytes.Buffer
	_, err := pades.New(tsa, stale).Extend(context.Background(), bytes.NewReader(bt), int64(len(bt)), &out, pades.ExtendOptions{Level: pades.LevelBLT})
	if !errors.Is(err, pades.ErrIncomplete) || !strings.Contains(err.Error(), "does not tell the status at the time-stamp") {
		t.Fatalf("Extend with stale responses = %v, want ErrIncomplete saying the response is stale", err)
	}
}

// staleRevocation answers like the test CA's responder, with responses
// that expired age/2 ago.
type staleRevocation struct {
	*testRevocation
	age time.Duration
}

func (r *staleRevocation) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	key, err := r.pki.issuerKey(issuer)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return ocsp.CreateResponse(issuer, issuer, ocsp.Response{
		Status: ocsp.Good, SerialNumber: cert.SerialNumber, ThisUpdate: now.Add(-r.age), NextUpdate: now.Add(-r.age / 2),
	}, key)
}

func (r *staleRevocation) CRL(context.Context, *x509.Certificate) ([]byte, error) { return nil, nil }

// readRoots reads the Vietnamese trust anchors and intermediates of the
// real-world corpus.
func readRoots(t *testing.T) []*x509.Certificate {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "realworld", "roots")
	files, err := filepath.Glob(filepath.Join(dir, "*.crt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no certificates in %s: %v", dir, err)
	}
	var out []*x509.Certificate
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for len(b) > 0 {
			var blk *pem.Block
			blk, b = pem.Decode(b)
			if blk == nil {
				break
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, c)
		}
	}
	return out
}

// TestExtendHostileInput extends damaged and hostile PDFs: each is refused
// with one of the package's errors, never a panic, and nothing is written.
// Cases that may be signed hold no signature to extend.
func TestExtendHostileInput(t *testing.T) {
	p := getPKI(t)
	s := pades.New(&testTSA{pki: p}, newRevocation(p))
	for _, c := range hostilepdf.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := s.Extend(context.Background(), bytes.NewReader(c.PDF), int64(len(c.PDF)), &out, pades.ExtendOptions{Level: pades.LevelBLTA})
			if err == nil {
				t.Fatalf("Extend = nil error, want a refusal")
			}
			if !errors.Is(err, pades.ErrInvalid) && !errors.Is(err, pades.ErrUnsupported) {
				t.Errorf("Extend = %v, want ErrInvalid or ErrUnsupported", err)
			}
			if out.Len() != 0 {
				t.Errorf("Extend wrote %d bytes on error", out.Len())
			}
		})
	}
}

// TestExtendAsksNothingForUntrustedChains: with an Anchor that does not
// accept the document's root, the Revocation source (online, it would
// fetch URLs the document's certificates name) is never asked.
func TestExtendAsksNothingForUntrustedChains(t *testing.T) {
	p := getPKI(t)
	tsa := &testTSA{pki: p}
	bt := sign(t, pades.New(tsa, nil), makePDF(pdfSpec{}), p.official, pades.Options{Level: pades.LevelBT})
	rev := newRevocation(p)
	var out bytes.Buffer
	_, err := pades.New(tsa, rev).Extend(context.Background(), bytes.NewReader(bt), int64(len(bt)), &out, pades.ExtendOptions{
		Level: pades.LevelBLT, Anchor: func(*x509.Certificate) bool { return false },
	})
	if !errors.Is(err, pades.ErrIncomplete) || !strings.Contains(err.Error(), "not a trust anchor") {
		t.Fatalf("Extend = %v, want ErrIncomplete: not a trust anchor", err)
	}
	if n := len(rev.given()); n != 0 {
		t.Errorf("the revocation source gave %d OCSP responses for an untrusted chain, want none asked", n)
	}
	// The same with the root accepted: extended, the source asked.
	out.Reset()
	if _, err := pades.New(tsa, rev).Extend(context.Background(), bytes.NewReader(bt), int64(len(bt)), &out, pades.ExtendOptions{
		Level: pades.LevelBLT, Anchor: func(c *x509.Certificate) bool { return c.Equal(p.root) },
	}); err != nil || len(rev.given()) == 0 {
		t.Errorf("Extend with the root trusted = %v, %d responses asked", err, len(rev.given()))
	}
}
