package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/store"
)

// TestChangeStopsNextSignature: kyso keeps the client and credential it
// read while nothing that authorises a signature changes, so a change
// must reach it through the database alone. Changes made by another
// program on the same database (here the test, through the store, as
// another node would) stop the very next request: a disabled client
// (401) and a revoked certificate (409), each after signatures that let
// kyso remember what it read.
func TestChangeStopsNextSignature(t *testing.T) {
	e := newSignEnv(t)
	st, err := store.OpenSQLite(t.Context(), filepath.Join(e.dir, "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	doc := testpdf.Make(1, 4<<10)
	sign := func(want int, why string) {
		t.Helper()
		if code, body, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal}); code != want {
			t.Fatalf("sign %s = %d %s, want %d", why, code, body, want)
		}
	}
	sign(200, "first")
	sign(200, "again")

	if err := st.SetClientDisabled(t.Context(), e.idHN, true); err != nil {
		t.Fatal(err)
	}
	sign(401, "after the client was disabled in the database")
	if err := st.SetClientDisabled(t.Context(), e.idHN, false); err != nil {
		t.Fatal(err)
	}
	sign(200, "after it was enabled")
	sign(200, "again")

	_, cert, _, err := st.GetCredentialCertificate(t.Context(), e.seal)
	if err != nil || cert == nil {
		t.Fatalf("GetCredentialCertificate(seal) = %v, %v", cert, err)
	}
	if err := st.RevokeCertificate(t.Context(), cert.ID, time.Now(), 1); err != nil {
		t.Fatal(err)
	}
	sign(409, "after its certificate was revoked in the database")
}
