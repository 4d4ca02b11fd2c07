package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"golang.org/x/crypto/ocsp"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/signer/tsa"
	"github.com/kyso-vn/kyso/verifier"
)

// archivePKI is an archive's PKI: a root, a CA, a signer and two TSAs, one
// whose certificate expires in a month.
type archivePKI struct {
	root, ca         *testpki.CA
	signer           model.Key
	oldTSA, newTSA   *tsa.Authority
	oldCert, newCert *x509.Certificate
	newKey           crypto.Signer
}

func newArchivePKI(t *testing.T) *archivePKI {
	t.Helper()
	key := func() crypto.Signer {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	p := &archivePKI{}
	var err error
	if p.root, err = testpki.NewRoot(key(), pkix.Name{CommonName: "Archive Test Root"}); err != nil {
		t.Fatal(err)
	}
	if p.ca, err = p.root.NewCA(key(), pkix.Name{CommonName: "Archive Test CA"}); err != nil {
		t.Fatal(err)
	}
	chain := []*x509.Certificate{p.ca.Cert, p.root.Cert}
	sk := key()
	sc, err := p.ca.Issue(&x509.Certificate{Subject: pkix.Name{CommonName: "Lê Thị Lưu Trữ"}, KeyUsage: x509.KeyUsageDigitalSignature}, sk.Public())
	if err != nil {
		t.Fatal(err)
	}
	p.signer = model.Key{Signer: sk, Cert: sc, Chain: chain}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	var k crypto.Signer
	newTSA := func(cn string, life time.Duration) (*tsa.Authority, *x509.Certificate) {
		k = key()
		c, err := p.ca.Issue(&x509.Certificate{
			Subject: pkix.Name{CommonName: cn}, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
			NotAfter:        time.Now().Add(life),
		}, k.Public())
		if err != nil {
			t.Fatal(err)
		}
		a, err := tsa.New(tsa.Config{}, model.Key{Signer: k, Cert: c, Chain: chain})
		if err != nil {
			t.Fatal(err)
		}
		return a, c
	}
	p.oldTSA, p.oldCert = newTSA("TSA expiring", 30*24*time.Hour)
	p.newTSA, p.newCert = newTSA("TSA new", 3*365*24*time.Hour)
	p.newKey = k
	return p
}

// OCSP and CRL answer as the archive's CAs: the CA by OCSP, the root by
// CRL. They implement pades.Revocation.
func (p *archivePKI) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if !issuer.Equal(p.ca.Cert) {
		return nil, nil
	}
	return p.ocsp(cert)
}

func (p *archivePKI) ocsp(cert *x509.Certificate) ([]byte, error) {
	return ocsp.CreateResponse(p.ca.Cert, p.ca.Cert, ocsp.Response{
		Status: ocsp.Good, SerialNumber: cert.SerialNumber, ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour),
	}, p.ca.Key)
}

func (p *archivePKI) CRL(_ context.Context, issuer *x509.Certificate) ([]byte, error) {
	if !issuer.Equal(p.root.Cert) {
		return nil, nil
	}
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(time.Now().UnixNano()), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour),
	}, p.root.Cert, p.root.Key)
}

// archived returns a document signed at B-T and extended to B-LTA with ts
// as the archive time-stamp's TSA (level "B-T": not extended).
func (p *archivePKI) archived(t *testing.T, ts *tsa.Authority, level pades.Level) []byte {
	t.Helper()
	in := testpdf.Make(1, 0)
	var signed, out bytes.Buffer
	if _, err := pades.New(ts, nil).Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &signed, p.signer, pades.Options{Level: pades.LevelBT}); err != nil {
		t.Fatal(err)
	}
	if level == pades.LevelBT {
		return signed.Bytes()
	}
	if _, err := pades.New(ts, p).Extend(context.Background(), bytes.NewReader(signed.Bytes()), int64(signed.Len()), &out, pades.ExtendOptions{Level: pades.LevelBLTA}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// tsaServer serves a as an RFC 3161 TSA over HTTP (RFC 3161, 3.4).
func tsaServer(t *testing.T, a *tsa.Authority) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := a.Respond(r.Context(), req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// kysoExtend runs kyso extend in process: its exit status and output.
func kysoExtend(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), &out, append([]string{"extend"}, args...))
	var ee *exitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee):
		return ee.code, out.String() + "\n" + ee.Error()
	}
	t.Fatalf("kyso extend %v: %v", args, err)
	return -1, ""
}

// TestExtendRenewDir renews a folder of archived documents in process:
// those whose archive time-stamp's TSA certificate expires within the
// window get the validation data of that time-stamp and a new one from
// the TSA at --tsa-url, atomically in place (or under --out); a document
// whose TSA is good for years is left alone; a document that is not B-LTA
// and one that is not a PDF fail with their reason, and the exit status
// says so. A second run finds nothing left to renew. Every renewed
// document verifies offline, TOTAL_PASSED at B-LTA.
func TestExtendRenewDir(t *testing.T) {
	p := newArchivePKI(t)
	dir, trustDir, out := t.TempDir(), t.TempDir(), t.TempDir()
	expiring := p.archived(t, p.oldTSA, pades.LevelBLTA)
	fresh := p.archived(t, p.newTSA, pades.LevelBLTA)
	bt := p.archived(t, p.oldTSA, pades.LevelBT)
	writeFiles(t, dir, map[string][]byte{
		"2024/quyet-dinh-1.pdf": expiring, "2024/quyet-dinh-2.PDF": expiring,
		"2025/cong-van.pdf": fresh, "2025/to-trinh.pdf": bt, "hong.pdf": []byte("%PDF-1.7\nnot really"),
		"ghi-chu.txt": []byte("not a PDF"),
	})
	// The validation data of the new TSA's certificate, as an operator
	// would have fetched it: the CA's OCSP response, the root's CRL.
	ocspDER, err := p.ocsp(p.newCert)
	if err != nil {
		t.Fatal(err)
	}
	crlDER, err := p.CRL(context.Background(), p.root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, trustDir, map[string][]byte{
		"root.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Cert.Raw}),
	})
	vd := t.TempDir()
	writeFiles(t, vd, map[string][]byte{"tsa.ocsp": ocspDER, "root.crl": crlDER})
	args := []string{"--renew-before", "1y", "--no-kyso", "--trust", trustDir, "--tsa-url", tsaServer(t, p.newTSA),
		"--validation-data", filepath.Join(vd, "tsa.ocsp"), "--validation-data", filepath.Join(vd, "root.crl")}

	// --out: the originals stay as they are.
	code, text := kysoExtend(t, append(args, "--out", out, dir)...)
	if code != exitExtendFailed || !strings.Contains(text, "2 renewed, 1 already fine, 2 failed") {
		t.Fatalf("kyso extend --renew-before --out = %d:\n%s\nwant exit 1 and 2 renewed, 1 fine, 2 failed", code, text)
	}
	for _, want := range []string{"2025/to-trinh.pdf: ", "no document time-stamp", "hong.pdf: ", "the TSA certificate expires on " + p.oldCert.NotAfter.UTC().Format("2006-01-02")} {
		if !strings.Contains(text, filepath.FromSlash(want)) {
			t.Errorf("summary does not say %q:\n%s", want, text)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "2024", "quyet-dinh-1.pdf")); err != nil || !bytes.Equal(b, expiring) {
		t.Errorf("with --out, the original changed (%v)", err)
	}
	checkRenewed(t, p, filepath.Join(out, "2024", "quyet-dinh-1.pdf"), expiring)

	// In place.
	code, text = kysoExtend(t, append(args, dir)...)
	if code != exitExtendFailed || !strings.Contains(text, "2 renewed, 1 already fine, 2 failed") {
		t.Fatalf("kyso extend --renew-before = %d:\n%s", code, text)
	}
	for _, name := range []string{"2024/quyet-dinh-1.pdf", "2024/quyet-dinh-2.PDF"} {
		checkRenewed(t, p, filepath.Join(dir, name), expiring)
	}
	for name, want := range map[string][]byte{"2025/cong-van.pdf": fresh, "2025/to-trinh.pdf": bt} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(b, want) {
			t.Errorf("%s changed though it needed no renewal (%v)", name, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*", ".*kyso-*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	code, text = kysoExtend(t, append(args, dir)...)
	if code != exitExtendFailed || !strings.Contains(text, "0 renewed, 3 already fine, 2 failed") {
		t.Errorf("a second run = %d:\n%s\nwant 0 renewed, 3 already fine", code, text)
	}
}

// checkRenewed checks that the document at path is before with a new
// archive time-stamp from the new TSA, verifying offline TOTAL_PASSED.
func checkRenewed(t *testing.T, p *archivePKI, path string, before []byte) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, before) || len(doc) == len(before) {
		t.Fatalf("%s: not the original with updates appended", path)
	}
	ts, err := pades.LastTimestamp(bytes.NewReader(doc), int64(len(doc)))
	if err != nil || ts == nil || !ts.TSA.Equal(p.newCert) {
		t.Fatalf("%s: last time-stamp %+v, %v; want one from the new TSA", path, ts, err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.root.Cert)
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), verifier.Options{Roots: pool, TrustCerts: []*x509.Certificate{p.root.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 3 || !rep.Valid || rep.Signatures[0].Level != verifier.LevelBLTA {
		t.Errorf("%s after renewal: valid %t, %d entries, level %q; want valid, 3, B-LTA", path, rep.Valid, len(rep.Signatures), rep.Signatures[0].Level)
	}
}

// TestExtendUsage: usage errors exit 64 (exitUsage), before anything is read.
func TestExtendUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--level", "B-X", "a.pdf", "b.pdf"},
		{"a.pdf"},
		{"--renew-before", "soon", "dir"},
		{"--renew-before", "1y", "a", "b"},
		{"--no-kyso", "--level", "B-LTA", "a.pdf", "b.pdf"}, // B-LTA in process without --tsa-url
	} {
		if code, text := kysoExtend(t, args...); code != exitExtendUsage {
			t.Errorf("kyso extend %q = %d, want %d:\n%s", args, code, exitExtendUsage, text)
		}
	}
}

// TestExtendThroughKyso raises a kyso B-T document to B-LTA through a
// running kyso (kyso extend --url --api-key: POST /v1/extend/pdf), then,
// kyso stopped, verifies it offline: B-LTA, TOTAL_PASSED, and pdfsig and
// qpdf accept it. The endpoint wants a client key; garbage and a document
// whose signatures kyso cannot validate get JSON errors with a stable
// code.
func TestExtendThroughKyso(t *testing.T) {
	// A budget of 32 MiB holds documents of up to 4 MiB in memory (the
	// 6 MiB document below goes through a temporary file).
	t.Setenv("KYSO_HTTP_MEMORY_BYTES", strconv.Itoa(32<<20))
	e := newSignEnv(t)
	bt := e.sign(t, e.official, testpdf.Make(1, 0), map[string]any{"level": "B-T"})
	in := writeFileT(t, filepath.Join(e.dir, "bt.pdf"), bt)
	out := filepath.Join(e.dir, "lta.pdf")
	if code, text := kysoExtend(t, "--url", e.env["KYSO_URL"], "--api-key", e.clientHN, "--level", "B-LTA", in, out); code != 0 {
		t.Fatalf("kyso extend through kyso = %d:\n%s", code, text)
	}
	lta, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(lta, bt) {
		t.Fatalf("the extended document does not start with the original (%v)", err)
	}
	e.checkPDF(t, "extended", lta, 1) // pdfsig lists the document time-stamp without verifying it

	post := func(key string, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", e.env["KYSO_URL"]+"/v1/extend/pdf?level=B-LT", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/pdf")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Multipart, the level in the options part.
	code, lt, h := e.upload(t, "/v1/extend/pdf", e.clientHN, bt, map[string]any{"level": "B-LT"})
	if code != http.StatusOK || h.Get("Kyso-Level") != "B-LT" || !bytes.HasPrefix(lt, bt) {
		t.Errorf("multipart POST /v1/extend/pdf = %d, Kyso-Level %q", code, h.Get("Kyso-Level"))
	}
	// A document larger than what the signing API holds in memory (4 MiB):
	// its extension is spooled to a temporary file while it is checked,
	// read back from there and sent; pdfsig and qpdf read the result.
	big := e.sign(t, e.seal, testpdf.Make(3, 6<<20), map[string]any{"level": "B-T"})
	if code, bigLT, h := e.upload(t, "/v1/extend/pdf", e.clientHN, big, map[string]any{"level": "B-LT"}); code != http.StatusOK || h.Get("Kyso-Level") != "B-LT" || !bytes.HasPrefix(bigLT, big) {
		t.Errorf("POST /v1/extend/pdf of %d bytes = %d, Kyso-Level %q, %d bytes", len(big), code, h.Get("Kyso-Level"), len(bigLT))
	} else {
		e.checkPDF(t, "extended-6MiB", bigLT, 1)
	}
	if code, body, _ := e.upload(t, "/v1/extend/pdf", e.clientHN, bt, map[string]any{"level": "B-X"}); code != http.StatusBadRequest || !strings.Contains(string(body), `"code":"invalid_request"`) {
		t.Errorf("level B-X: %d %s, want 400 invalid_request", code, body)
	}
	hanoi := mustRead(t, filepath.Join(realworld, "vn-nom-vn", "hanoi_qd_2280_water.pdf"))
	for _, tt := range []struct {
		name, key string
		body      []byte
		code      int
		want      string
	}{
		{"no key", "", bt, http.StatusUnauthorized, `"code":"unauthorized"`},
		{"garbage", e.clientHN, []byte("%PDF-1.7 garbage"), http.StatusUnprocessableEntity, `"code":"unreadable_document"`},
		{"not validated", e.clientHN, hanoi, http.StatusUnprocessableEntity, `"code":"invalid_document"`},
	} {
		if code, body := post(tt.key, tt.body); code != tt.code || !strings.Contains(body, tt.want) {
			t.Errorf("%s: POST /v1/extend/pdf = %d %s, want %d %s", tt.name, code, body, tt.code, tt.want)
		}
	}

	e.stop(t)
	code, text := kysoVerify(t, "--data", e.dir, "--json", out)
	var rep verifier.Report
	if code != exitPassed || json.Unmarshal([]byte(strings.SplitN(text, "\n\n", 2)[0]), &rep) != nil || rep.Signatures[0].Level != verifier.LevelBLTA {
		t.Errorf("offline, kyso stopped: kyso verify = %d, level %q:\n%s", code, levelOf(rep), text)
	}
}

func levelOf(rep verifier.Report) string {
	if len(rep.Signatures) == 0 {
		return ""
	}
	return rep.Signatures[0].Level
}

// TestExtendCLIThirdParty runs kyso extend in process, offline, on
// pyHanko's Sig1 as pyHanko signed it (B-T, the published file's first
// three revisions), with the OCSP responses and CRL pyHanko gathered
// handed in as files, then kyso verify with pyHanko's root only: B-LT,
// exit 0. Without the data, it is refused naming the certificates.
func TestExtendCLIThirdParty(t *testing.T) {
	doc := mustRead(t, filepath.Join(realworld, "pyhanko", "pades-lta-dss-indirect-arrs-test-2.pdf"))
	dir, trustDir := t.TempDir(), t.TempDir()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	dss := rdr.Trailer().Key("Root").Key("DSS")
	var data []string
	for _, k := range []string{"OCSPs", "CRLs"} {
		for i := 0; i < dss.Key(k).Len(); i++ {
			name := filepath.Join(dir, k+strconv.Itoa(i)+".der")
			writeFileT(t, name, dss.Key(k).Index(i).Data())
			data = append(data, "--validation-data", name)
		}
	}
	certs := dss.Key("Certs")
	for i := 0; i < certs.Len(); i++ {
		if c, err := x509.ParseCertificate(certs.Index(i).Data()); err == nil && verifier.IsSelfSigned(c) {
			writeFileT(t, filepath.Join(trustDir, "pyhanko-root.crt"), c.Raw)
		}
	}
	// Sig1's revision ends at the third %%EOF.
	end := 0
	for range 3 {
		end += bytes.Index(doc[end:], []byte("%%EOF")) + len("%%EOF")
	}
	for end < len(doc) && (doc[end] == '\r' || doc[end] == '\n') {
		end++
	}
	in := writeFileT(t, filepath.Join(dir, "sig1.pdf"), doc[:end])
	out := filepath.Join(dir, "sig1.lt.pdf")

	if code, text := kysoExtend(t, "--level", "B-LT", "--no-kyso", "--trust", trustDir, in, out); code != exitExtendFailed || !strings.Contains(text, `"Alice"`) {
		t.Errorf("kyso extend without the data = %d, want 1 naming Alice:\n%s", code, text)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused extension left %s (%v)", out, err)
	}
	args := append([]string{"--level", "B-LT", "--no-kyso", "--trust", trustDir}, data...)
	if code, text := kysoExtend(t, append(args, in, out)...); code != 0 {
		t.Fatalf("kyso extend = %d:\n%s", code, text)
	}
	code, text := kysoVerify(t, "--no-kyso", "--trust", trustDir, "--json", out)
	var rep verifier.Report
	if code != exitPassed || json.Unmarshal([]byte(strings.SplitN(text, "\n\n", 2)[0]), &rep) != nil || levelOf(rep) != verifier.LevelBLT {
		t.Errorf("kyso verify of the extended file = %d, level %q:\n%s", code, levelOf(rep), text)
	}
}

// TestExtendSpoolsOnDisk: in process, kyso extend gives app.Extend a
// spool of its own, so an archive is not held in memory while its
// extension is checked: a file in the output's directory, unlinked as
// soon as it is made (nothing is left there, even if kyso dies), that
// reads back what was written; a second spool of the same output is
// refused.
func TestExtendSpoolsOnDisk(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	o := &spooledOutput{Writer: &out, dir: dir}
	var sp kapp.Spooler = o
	spool, err := sp.Spool()
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the spool is visible in the output's directory: %v", left)
	}
	doc := bytes.Repeat([]byte("%PDF-1.7 extended "), 1<<16)
	if _, err := spool.Write(doc); err != nil {
		t.Fatal(err)
	}
	ra, n, err := spool.ReadBack()
	if err != nil || n != int64(len(doc)) {
		t.Fatalf("ReadBack = %d bytes, %v; want %d", n, err, len(doc))
	}
	got, err := io.ReadAll(io.NewSectionReader(ra, 0, n))
	if err != nil || !bytes.Equal(got, doc) {
		t.Errorf("ReadBack read %d bytes (%v), not what was written", len(got), err)
	}
	if _, err := sp.Spool(); err == nil {
		t.Error("a second Spool of one output succeeded")
	}
	if out.Len() != 0 {
		t.Errorf("the spool wrote %d bytes to the output itself", out.Len())
	}
}
