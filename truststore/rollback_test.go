package truststore_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/truststore"
)

// TestBundleRollbackRemembered: the bundle versions a deployment accepted
// are kept in its database, so that a rollback is refused after a restart
// and on another node sharing the database, not only while one Store
// lives: an older version, or the same version with other contents, no
// longer loads at start-up; a version another node took in first is not
// undone by a node that still has the older one.
func TestBundleRollbackRemembered(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := repoSigner(t)
	dir := filepath.Join(t.TempDir(), "b")
	bundle := func(version uint64, files ...string) {
		t.Helper()
		os.RemoveAll(dir)
		makeBundle(t, dir, "../trust/vn", version, files, s, nil)
	}
	start := func() (*truststore.Store, error) {
		return truststore.New(ctx, nil, truststore.Config{Bundle: []truststore.Location{truststore.BundleDir(dir)},
			BundleSigners: []*x509.Certificate{s.cert}, Versions: st})
	}
	refused := func(name string, err error, want string) {
		t.Helper()
		if !errors.Is(err, truststore.ErrBundleRefused) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want refused, %q", name, err, want)
		}
	}

	bundle(2, "vgca-rootcag2.crt")
	node1, err := start()
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := st.BundleVersion(ctx, "test"); err != nil || v != 2 {
		t.Fatalf("after start-up, the database has version %d, %v; want 2", v, err)
	}
	// A restart with the same bundle is fine.
	if _, err := start(); err != nil {
		t.Fatalf("restart with the same bundle: %v", err)
	}
	// A restart with an older one, or the same version with other
	// contents, is refused.
	bundle(1, "vgca-rootcag2.crt")
	_, err = start()
	refused("restart with version 1", err, "older than version 2 this deployment has accepted")
	bundle(2, "vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt")
	_, err = start()
	refused("restart with another version 2", err, "other contents")

	// Node 1 takes version 3 in; then a node that reads version 2 is
	// told, and one starting on it is refused.
	bundle(2, "vgca-rootcag2.crt")
	node2, err := start()
	if err != nil {
		t.Fatal(err)
	}
	bundle(3, "vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt")
	if st, err := node1.Refresh(ctx); err != nil || st.Bundle.Version != 3 {
		t.Fatalf("node 1 Refresh to version 3 = %+v, %v", st.Bundle, err)
	}
	// Node 2's location still serves version 2: its refresh says so (the
	// deployment is at 3), and it keeps what it has.
	bundle(2, "vgca-rootcag2.crt")
	st2, err := node2.Refresh(ctx)
	refused("node 2 Refresh to the version 2 it has", err, "older than version 3")
	if st2.Bundle == nil || st2.Bundle.Version != 2 || st2.LastError == "" {
		t.Errorf("node 2 status = %+v; want version 2 in use and the refusal as its last error", st2)
	}
	_, err = start()
	refused("a new node with version 2", err, "older than version 3")
	if v, _, err := st.BundleVersion(ctx, "test"); err != nil || v != 3 {
		t.Errorf("the database has version %d, %v; want 3", v, err)
	}
}

// TestBundleStaleLocalCopy: a node whose local copy (trust.bundle_path)
// is older than the version the deployment took in from the URL starts
// from the URL's bundle instead of failing; with no URL, or a URL that
// serves nothing newer, it is refused.
func TestBundleStaleLocalCopy(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := repoSigner(t)
	local, published := filepath.Join(t.TempDir(), "local"), filepath.Join(t.TempDir(), "published")
	makeBundle(t, local, "../trust/vn", 2, []string{"vgca-rootcag2.crt"}, s, nil)
	makeBundle(t, published, "../trust/vn", 3, []string{"vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt"}, s, nil)
	srv := httptest.NewServer(http.StripPrefix("/trust/", http.FileServer(http.Dir(published))))
	defer srv.Close()
	url := truststore.BundleURL{URL: srv.URL + "/trust/"}
	start := func(locs ...truststore.Location) (*truststore.Store, error) {
		return truststore.New(ctx, nil, truststore.Config{Bundle: locs, BundleSigners: []*x509.Certificate{s.cert}, Versions: st})
	}
	// Another node took version 3 in from the URL.
	if _, err := start(url); err != nil {
		t.Fatal(err)
	}
	ts, err := start(truststore.BundleDir(local), url)
	if err != nil {
		t.Fatalf("start with a stale local copy and the URL: %v", err)
	}
	if got := ts.Status(); got.Bundle == nil || got.Bundle.Version != 3 || !strings.Contains(got.Bundle.Location, srv.URL) {
		t.Errorf("status = %+v; want version 3 from the URL", got.Bundle)
	}
	if _, err := start(truststore.BundleDir(local)); !errors.Is(err, truststore.ErrBundleRefused) {
		t.Errorf("start with only the stale local copy = %v, want refused", err)
	}
	os.RemoveAll(published)
	makeBundle(t, published, "../trust/vn", 1, nil, s, nil)
	if _, err := start(truststore.BundleDir(local), url); !errors.Is(err, truststore.ErrBundleRefused) || !strings.Contains(err.Error(), "local") {
		t.Errorf("start when the URL serves nothing newer = %v, want the local copy refused", err)
	}
}
