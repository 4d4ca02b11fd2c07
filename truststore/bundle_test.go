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
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
	"github.com/kyso-vn/kyso/truststore"
	"github.com/kyso-vn/kyso/verifier"
)

// testSigner is the bundle signer of the repository's bundle (a test key).
type testSigner struct {
	key  crypto.Signer
	cert *x509.Certificate
}

func loadSigner(t *testing.T, keyFile, certFile string) testSigner {
	t.Helper()
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(kb)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ = pem.Decode(cb)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return testSigner{k.(crypto.Signer), c}
}

func repoSigner(t *testing.T) testSigner {
	return loadSigner(t, "testdata/bundle-signer.key", "../trust/bundle-signer.crt")
}

func otherSigner(t *testing.T) testSigner {
	return loadSigner(t, "testdata/other-signer.key", "testdata/other-signer.crt")
}

// sign writes dir's manifest.json.p7s.
func (s testSigner) sign(t *testing.T, dir string) {
	t.Helper()
	m, err := os.ReadFile(filepath.Join(dir, truststore.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := cms.SignDetached(context.Background(), bytes.NewReader(m), model.Key{Signer: s.key, Cert: s.cert}, cms.Options{SigningTime: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, truststore.SignatureFile), sig, 0o644); err != nil {
		t.Fatal(err)
	}
}

// makeBundle writes a bundle of the given version into dir from the
// certificate files of srcDir named in files (all of them when nil),
// lets edit change its manifest, and signs it with s.
func makeBundle(t *testing.T, dir, srcDir string, version uint64, files []string, s testSigner, edit func(*truststore.Manifest)) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	all, _, err := verifier.ReadTrustDir(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	var certs []verifier.TrustCert
	var data [][]byte
	for _, c := range all {
		if files != nil && !contains(files, c.File) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(srcDir, c.File))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, c.File), b, 0o644); err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
		data = append(data, b)
	}
	m := truststore.ManifestFor("test", version, time.Now(), certs, data, nil)
	if edit != nil {
		edit(&m)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, truststore.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	s.sign(t, dir)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestRepositoryBundle: trust/vn is a signed bundle whose manifest names
// every certificate file of the directory, signed by the key whose
// certificate is trust/bundle-signer.crt.
func TestRepositoryBundle(t *testing.T) {
	ctx := context.Background()
	s := repoSigner(t)
	b, err := truststore.LoadBundle(ctx, truststore.BundleDir("../trust/vn"), []*x509.Certificate{s.cert})
	if err != nil {
		t.Fatalf("LoadBundle(trust/vn) = %v", err)
	}
	dir, skipped, err := verifier.ReadTrustDir("../trust/vn")
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) > 0 {
		t.Errorf("ReadTrustDir(trust/vn) skipped %v: the manifest and its signature must not be read as certificates", skipped)
	}
	if len(b.Certs) != len(dir) {
		t.Errorf("bundle has %d certificates, trust/vn %d files", len(b.Certs), len(dir))
	}
	for _, a := range b.Manifest.Anchors {
		if a.Source == "" {
			t.Errorf("%s: no source in the manifest", a.File)
		}
	}
	if _, err := truststore.LoadBundle(ctx, truststore.BundleDir("../trust/vn"), []*x509.Certificate{otherSigner(t).cert}); !errors.Is(err, truststore.ErrBundleRefused) {
		t.Errorf("LoadBundle(trust/vn) with another signer pinned = %v, want ErrBundleRefused", err)
	}
}

// TestBundleRefused: each way a bundle can be wrong makes LoadBundle
// refuse the whole bundle.
func TestBundleRefused(t *testing.T) {
	ctx := context.Background()
	s := repoSigner(t)
	pinned := []*x509.Certificate{s.cert}
	two := []string{"vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt"}
	tests := []struct {
		name string
		// prepare makes the bundle in dir.
		prepare func(t *testing.T, dir string)
		want    error
		detail  string
	}{
		{"manifest changed after signing", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, nil)
			p := filepath.Join(dir, truststore.ManifestFile)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"version": 2`), []byte(`"version": 9`), 1), 0o644)
		}, truststore.ErrBundleRefused, "changed after it was signed"},
		{"signed by another key", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, otherSigner(t), nil)
		}, truststore.ErrBundleRefused, "not a configured bundle signer"},
		{"signature of another manifest", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, nil)
			sig, _ := os.ReadFile("../trust/vn/" + truststore.SignatureFile)
			os.WriteFile(filepath.Join(dir, truststore.SignatureFile), sig, 0o644)
		}, truststore.ErrBundleRefused, "changed after it was signed"},
		{"no signature", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, nil)
			os.Remove(filepath.Join(dir, truststore.SignatureFile))
		}, truststore.ErrBundleUnavailable, truststore.SignatureFile},
		{"signature is garbage", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, nil)
			os.WriteFile(filepath.Join(dir, truststore.SignatureFile), []byte("\x30\x03\x02\x01\x01"), 0o644)
		}, truststore.ErrBundleRefused, truststore.SignatureFile},
		{"a certificate file replaced", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, nil)
			b, _ := os.ReadFile("../trust/vn/vn-national-rootca-vnrca256.crt")
			os.WriteFile(filepath.Join(dir, "vgca-rootcag2.crt"), b, 0o644)
		}, truststore.ErrBundleRefused, "vgca-rootcag2.crt: SHA-256"},
		{"a certificate fingerprint that lies", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, func(m *truststore.Manifest) {
				m.Anchors[0].SHA256 = strings.Repeat("ab", 32)
			})
		}, truststore.ErrBundleRefused, "certificate SHA-256"},
		{"a file missing", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, nil)
			os.Remove(filepath.Join(dir, "vgca-cpg2-intermediate.crt"))
		}, truststore.ErrBundleUnavailable, "vgca-cpg2-intermediate.crt"},
		{"a signed path out of the bundle", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, func(m *truststore.Manifest) {
				m.Anchors[0].File = "../vn/vgca-rootcag2.crt"
			})
		}, truststore.ErrBundleRefused, "not a plain, unique file name"},
		{"the same file twice", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, func(m *truststore.Manifest) {
				m.Anchors[1] = m.Anchors[0]
			})
		}, truststore.ErrBundleRefused, "not a plain, unique file name"},
		{"an intermediate called a root", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 2, two, s, func(m *truststore.Manifest) {
				for i := range m.Anchors {
					m.Anchors[i].Kind = "root"
				}
			})
		}, truststore.ErrBundleRefused, `the certificate is "intermediate"`},
		{"version 0", func(t *testing.T, dir string) {
			makeBundle(t, dir, "../trust/vn", 0, two, s, nil)
		}, truststore.ErrBundleRefused, "no version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "b")
			tt.prepare(t, dir)
			_, err := truststore.LoadBundle(ctx, truststore.BundleDir(dir), pinned)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.detail) {
				t.Fatalf("LoadBundle = %v, want %v mentioning %q", err, tt.want, tt.detail)
			}
		})
	}
}

// TestRefresh: a refresh swaps in a newer bundle, refuses an older one
// (rollback), the same version with other contents, and a bad one,
// keeping the bundle in use; a snapshot taken before a swap keeps what it
// trusted.
func TestRefresh(t *testing.T) {
	ctx := context.Background()
	s := repoSigner(t)
	dir := filepath.Join(t.TempDir(), "b")
	makeBundle(t, dir, "../trust/vn", 2, []string{"vgca-rootcag2.crt"}, s, nil)
	ts, err := truststore.New(ctx, nil, truststore.Config{Bundle: []truststore.Location{truststore.BundleDir(dir)}, BundleSigners: []*x509.Certificate{s.cert}})
	if err != nil {
		t.Fatal(err)
	}
	before, err := ts.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.TrustCerts) != 1 {
		t.Fatalf("version 2 snapshot has %d certificates, want 1", len(before.TrustCerts))
	}
	check := func(name string, wantErr error, wantVersion uint64, wantCerts int) {
		t.Helper()
		st, err := ts.Refresh(ctx)
		if !errors.Is(err, wantErr) && !(wantErr == nil && err == nil) {
			t.Errorf("%s: Refresh = %v, want %v", name, err, wantErr)
		}
		if st.Bundle == nil || st.Bundle.Version != wantVersion {
			t.Errorf("%s: Status.Bundle = %+v, want version %d", name, st.Bundle, wantVersion)
		}
		if (err != nil) != (st.LastError != "") {
			t.Errorf("%s: Status.LastError = %q with error %v", name, st.LastError, err)
		}
		o, err := ts.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.TrustCerts) != wantCerts {
			t.Errorf("%s: snapshot has %d certificates, want %d", name, len(o.TrustCerts), wantCerts)
		}
	}
	check("same bundle", nil, 2, 1)

	os.RemoveAll(dir)
	makeBundle(t, dir, "../trust/vn", 1, nil, s, nil)
	check("older version", truststore.ErrBundleRefused, 2, 1)

	os.RemoveAll(dir)
	makeBundle(t, dir, "../trust/vn", 2, []string{"vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt"}, s, nil)
	check("same version, other contents", truststore.ErrBundleRefused, 2, 1)

	os.RemoveAll(dir)
	makeBundle(t, dir, "../trust/vn", 3, nil, otherSigner(t), nil)
	check("unknown signer", truststore.ErrBundleRefused, 2, 1)

	os.RemoveAll(dir)
	makeBundle(t, dir, "../trust/vn", 3, []string{"vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt"}, s, nil)
	check("newer version", nil, 3, 2)
	if st := ts.Status(); !st.Changed || st.Bundle.Anchors != 2 {
		t.Errorf("Status after the swap = %+v, want Changed and 2 anchors", st)
	}
	if len(before.TrustCerts) != 1 {
		t.Errorf("a snapshot taken before the swap changed: %d certificates", len(before.TrustCerts))
	}
	if ts.Sourced() != 2 {
		t.Errorf("Sourced() = %d, want 2", ts.Sourced())
	}
}

// TestRefreshURL: a bundle published over HTTP is picked up; when the
// server fails, the bundle in use stays and Status says why.
func TestRefreshURL(t *testing.T) {
	ctx := context.Background()
	s := repoSigner(t)
	dir := filepath.Join(t.TempDir(), "b")
	makeBundle(t, dir, "../trust/vn", 2, []string{"vgca-rootcag2.crt"}, s, nil)
	fail := make(chan bool, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-fail:
			http.Error(w, "down", http.StatusBadGateway)
			return
		default:
		}
		http.StripPrefix("/trust/", http.FileServer(http.Dir(dir))).ServeHTTP(w, r)
	}))
	defer srv.Close()
	ts, err := truststore.New(ctx, nil, truststore.Config{
		Bundle:        []truststore.Location{truststore.BundleURL{URL: srv.URL + "/trust/"}},
		BundleSigners: []*x509.Certificate{s.cert},
	})
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
	makeBundle(t, dir, "../trust/vn", 3, []string{"vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt"}, s, nil)
	fail <- true
	st, err := ts.Refresh(ctx)
	if !errors.Is(err, truststore.ErrBundleUnavailable) || st.Bundle.Version != 2 || !strings.Contains(st.LastError, "502") {
		t.Fatalf("Refresh with the server failing = %v, %+v; want ErrBundleUnavailable keeping version 2", err, st)
	}
	st, err = ts.Refresh(ctx)
	if err != nil || st.Bundle.Version != 3 || st.LastError != "" {
		t.Fatalf("Refresh = %v, %+v; want version 3", err, st)
	}
	entries, err := ts.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Origin != truststore.FromBundle {
		t.Errorf("List = %d entries (first from %v), want the bundle's 2", len(entries), entries[0].Origin)
	}
}

// TestBundleSignerExpired: a bundle signed by a pinned signer whose
// certificate has expired is refused.
func TestBundleSignerExpired(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().AddDate(-2, 0, 0)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "expired bundle signer"},
		NotBefore: past, NotAfter: past.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	makeBundle(t, dir, "../trust/vn", 2, []string{"vgca-rootcag2.crt"}, repoSigner(t), nil)
	m, _ := os.ReadFile(filepath.Join(dir, truststore.ManifestFile))
	sig, err := cms.SignDetached(context.Background(), bytes.NewReader(m), model.Key{Signer: key, Cert: cert}, cms.Options{SigningTime: true, Time: past.AddDate(0, 6, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, truststore.SignatureFile), sig, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = truststore.LoadBundle(context.Background(), truststore.BundleDir(dir), []*x509.Certificate{cert})
	if !errors.Is(err, truststore.ErrBundleRefused) || !strings.Contains(err.Error(), "not now") {
		t.Errorf("LoadBundle signed by an expired signer = %v, want ErrBundleRefused", err)
	}
}

// TestRefreshWhileVerifying: snapshots and lists taken while refreshes
// swap bundles see one bundle or the other, whole (run with -race).
func TestRefreshWhileVerifying(t *testing.T) {
	ctx := context.Background()
	s := repoSigner(t)
	root := t.TempDir()
	small, big := filepath.Join(root, "v2"), filepath.Join(root, "v3")
	makeBundle(t, small, "../trust/vn", 2, []string{"vgca-rootcag2.crt"}, s, nil)
	makeBundle(t, big, "../trust/vn", 3, []string{"vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt", "vgca-tsa02-from-pdf.crt"}, s, nil)
	ts, err := truststore.New(ctx, nil, truststore.Config{
		Bundle:        []truststore.Location{truststore.BundleDir(small), truststore.BundleDir(big)},
		BundleSigners: []*x509.Certificate{s.cert},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 20; i++ {
			if _, err := ts.Refresh(ctx); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < 200; i++ {
		o, err := ts.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(o.TrustCerts); n != 1 && n != 3 {
			t.Fatalf("a snapshot with %d certificates: neither bundle whole", n)
		}
		if _, err := ts.List(ctx); err != nil {
			t.Fatal(err)
		}
		_ = ts.Status()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := ts.Status(); st.Bundle.Version != 3 {
		t.Errorf("after the refreshes: version %d, want 3", st.Bundle.Version)
	}
}
