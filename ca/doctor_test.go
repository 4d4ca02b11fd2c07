package ca_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/store"
)

func findingKinds(r *ca.DoctorReport) string {
	var out []string
	for _, f := range r.Findings {
		s := f.Kind + ":" + f.Severity
		if f.Repaired {
			s += ":repaired"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// TestDoctor builds, on a real Vault mount and real SQLite, each state an
// interrupted kyso can leave — a pending certificate, a credential without
// certificate (with and without its key), a key no record names — and one
// it cannot repair (a credential whose key was deleted from Vault), then
// runs Doctor without and with repair.
func TestDoctor(t *testing.T) {
	ctx := context.Background()
	mount := vaulttest.NewMount(t)
	root := vaulttest.Client(t)
	km, err := keys.New(root, keys.Config{Mount: mount})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now()
	a, err := ca.New(ca.Config{BaseURL: "http://kyso.test", RootKeyType: "rsa-2048", Now: func() time.Time { return now }}, st, vaultKeys(km))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	doctor := func(repair bool, grace time.Duration) *ca.DoctorReport {
		t.Helper()
		names, err := km.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := a.Doctor(ctx, ca.DoctorOptions{Keys: names, Repair: repair, Grace: grace})
		if err != nil {
			t.Fatalf("Doctor(repair %v) = %v", repair, err)
		}
		return rep
	}

	healthy, err := a.Issue(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	if rep := doctor(false, 0); len(rep.Findings) != 0 || rep.Credentials != 1 || rep.Issuers != 2 || rep.Keys != 4 {
		t.Fatalf("Doctor on a healthy CA = %+v, want no findings, 1 credential, 2 issuers, 4 keys (root, issuing, OCSP, credential)", rep)
	}

	// Cut short after the intent: a credential with its key and a pending
	// certificate (what Issue leaves when the process dies while signing).
	issuers, _ := st.ListIssuers(ctx)
	var issuingID string
	for _, is := range issuers {
		if is.Kind == store.IssuerIssuing {
			issuingID = is.ID
		}
	}
	mid := &store.Credential{ID: "cred_midmidmidmidmidmi", Profile: "citizen", SubjectJSON: "{}", KeyName: "kyso-cred_midmidmidmidmidmi",
		KeyType: "rsa-2048", Status: store.CredentialActive, CreatedAt: now.Add(-time.Hour)}
	pending := &store.Certificate{ID: "crt_pending", IssuerID: issuingID, Serial: "0badc0de", Profile: "citizen", Subject: "CN=Cut Short",
		KeyName: mid.KeyName, KeyVersion: 1, Status: store.CertPending, CreatedAt: now.Add(-time.Hour)}
	if err := st.CreateCredential(ctx, mid, pending); err != nil {
		t.Fatal(err)
	}
	if err := km.Create(ctx, mid.KeyName, keys.RSA2048); err != nil {
		t.Fatal(err)
	}
	// Cut short before the key: a credential alone.
	early := &store.Credential{ID: "cred_earlyearlyearlye", Profile: "citizen", SubjectJSON: "{}", KeyName: "kyso-cred_earlyearlyearlye",
		KeyType: "rsa-2048", Status: store.CredentialActive, CreatedAt: now.Add(-time.Hour)}
	if err := st.CreateCredential(ctx, early, nil); err != nil {
		t.Fatal(err)
	}
	// A key no record names (a database restored from an older backup).
	if err := km.Create(ctx, "kyso-cred_orphanorphanorpha", keys.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	// The healthy credential's key deleted behind kyso's back.
	gone := healthy.Record.KeyName
	if _, err := root.Logical().Write(mount+"/keys/"+gone+"/config", map[string]any{"deletion_allowed": true}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().Delete(mount + "/keys/" + gone); err != nil {
		t.Fatal(err)
	}

	// Within the grace period an intent may still be in progress elsewhere.
	if rep := doctor(false, 2*time.Hour); findingKinds(rep) != "missing_key:error orphan_key:warning" {
		t.Errorf("Doctor(grace 2h) = %s; want only the missing and the orphan key", findingKinds(rep))
	}
	rep := doctor(false, time.Minute)
	want := "missing_key:error abandoned_credential:warning abandoned_credential:warning orphan_key:warning pending_certificate:warning"
	if got := findingKinds(rep); got != want || rep.Problems() != 5 {
		t.Fatalf("Doctor() = %s (%d problems)\nwant %s", got, rep.Problems(), want)
	}
	for _, f := range rep.Findings {
		t.Logf("found: %s %s %s: %s", f.Severity, f.Kind, f.Subject, f.Detail)
	}

	rep = doctor(true, time.Minute)
	want = "missing_key:error abandoned_credential:warning:repaired abandoned_credential:warning:repaired orphan_key:warning:repaired pending_certificate:warning:repaired"
	if got := findingKinds(rep); got != want || rep.Problems() != 1 {
		t.Errorf("Doctor(repair) = %s (%d problems)\nwant %s", got, rep.Problems(), want)
	}
	if c, _ := st.GetCertificate(ctx, pending.ID); c.Status != store.CertFailed {
		t.Errorf("pending certificate after repair: %s, want failed", c.Status)
	}
	for _, id := range []string{mid.ID, early.ID} {
		if cr, _ := st.GetCredential(ctx, id); cr.Status != store.CredentialRevoked {
			t.Errorf("abandoned credential %s after repair: %s, want revoked", id, cr.Status)
		}
	}
	// Repaired for good; the missing key stays an error only an operator can fix.
	rep = doctor(false, time.Minute)
	if got := findingKinds(rep); got != "missing_key:error quarantined_key:info" || rep.Problems() != 1 {
		t.Errorf("Doctor after repair = %s (%d problems); want the missing key and the quarantined one", got, rep.Problems())
	}
	// The quarantined key is never used: Vault still holds it (kyso cannot delete).
	if _, err := km.Info(ctx, "kyso-cred_orphanorphanorpha"); err != nil {
		t.Errorf("quarantined key: %v", err)
	}
}

// TestDoctorTwoDeploymentsOneMount: two kyso deployments share a Transit
// mount with nested key prefixes ("kyso-" and "kyso-b-", each with its own
// database). Each doctor finds its own deployment healthy and leaves the
// other's keys — CA roots included — alone, counted as other keys; a key
// orphaned under one prefix is reported by that deployment only.
func TestDoctorTwoDeploymentsOneMount(t *testing.T) {
	ctx := context.Background()
	mount := vaulttest.NewMount(t)
	km, err := keys.New(vaulttest.Client(t), keys.Config{Mount: mount})
	if err != nil {
		t.Fatal(err)
	}
	deploy := func(prefix string) *ca.Authority {
		st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		a, err := ca.New(ca.Config{BaseURL: "http://kyso.test", RootKeyType: "rsa-2048", KeyPrefix: prefix}, st, vaultKeys(km))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Bootstrap(ctx); err != nil {
			t.Fatalf("Bootstrap(%q) = %v", prefix, err)
		}
		if _, err := a.Issue(ctx, citizen); err != nil {
			t.Fatal(err)
		}
		return a
	}
	a, b := deploy("kyso-"), deploy("kyso-b-")
	doctor := func(name string, d *ca.Authority) *ca.DoctorReport {
		t.Helper()
		names, err := km.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := d.Doctor(ctx, ca.DoctorOptions{Keys: names})
		if err != nil {
			t.Fatalf("Doctor(%s) = %v", name, err)
		}
		return rep
	}
	// Each deployment: root, issuing CA, its OCSP responder, one credential.
	for _, c := range []struct {
		name string
		d    *ca.Authority
	}{{"kyso-", a}, {"kyso-b-", b}} {
		if rep := doctor(c.name, c.d); len(rep.Findings) != 0 || rep.Keys != 8 || rep.OtherKeys != 4 {
			t.Errorf("Doctor(%s) on a shared mount = %s, %d keys, %d other; want no findings, 8 keys, 4 other (the other deployment's)",
				c.name, findingKinds(rep), rep.Keys, rep.OtherKeys)
		}
	}
	// An orphan under the longer prefix is the second deployment's alone.
	if err := km.Create(ctx, "kyso-b-cred_orphanorphanorph", keys.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	if rep := doctor("kyso-b-", b); findingKinds(rep) != "orphan_key:warning" || rep.Findings[0].Subject != "kyso-b-cred_orphanorphanorph" {
		t.Errorf("Doctor(kyso-b-) with an orphan = %s %+v, want its orphan_key", findingKinds(rep), rep.Findings)
	}
	if rep := doctor("kyso-", a); len(rep.Findings) != 0 || rep.OtherKeys != 5 {
		t.Errorf("Doctor(kyso-) with the other deployment's orphan = %s, %d other keys; want nothing, 5 other keys", findingKinds(rep), rep.OtherKeys)
	}
	// And one under the shorter prefix is the first's alone.
	if err := km.Create(ctx, "kyso-cred_orphanorphanorph", keys.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	if rep := doctor("kyso-", a); findingKinds(rep) != "orphan_key:warning" || rep.Findings[0].Subject != "kyso-cred_orphanorphanorph" {
		t.Errorf("Doctor(kyso-) with an orphan = %s %+v, want its orphan_key", findingKinds(rep), rep.Findings)
	}
	if rep := doctor("kyso-b-", b); findingKinds(rep) != "orphan_key:warning" {
		t.Errorf("Doctor(kyso-b-) = %s, want only its own orphan_key", findingKinds(rep))
	}
	// The encryption keys of stored answers and TOTP seeds, and the CSC
	// tokens' HMAC key, are named by no record but are each deployment's
	// own: never orphans, never the other deployment's business.
	for _, k := range []string{"kyso-idempotency-answers", "kyso-b-totp-seeds", "kyso-csc-tokens"} {
		if err := km.Create(ctx, k, keys.ECDSAP256); err != nil {
			t.Fatal(err)
		}
	}
	if rep := doctor("kyso-", a); findingKinds(rep) != "orphan_key:warning" || rep.Findings[0].Subject != "kyso-cred_orphanorphanorph" {
		t.Errorf("Doctor(kyso-) with its service key = %s %+v, want only its orphan credential key", findingKinds(rep), rep.Findings)
	}
	if rep := doctor("kyso-b-", b); findingKinds(rep) != "orphan_key:warning" || rep.Findings[0].Subject != "kyso-b-cred_orphanorphanorph" {
		t.Errorf("Doctor(kyso-b-) with its service key = %s %+v, want only its orphan credential key", findingKinds(rep), rep.Findings)
	}
}
