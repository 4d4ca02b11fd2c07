package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
)

func claim(t *testing.T, s store.Store, actor, key, token, fp string, lockedUntil, expires time.Time) (*store.IdempotencyRecord, bool) {
	t.Helper()
	got, err := s.ClaimIdempotencyKey(ctxOf(t), &store.IdempotencyRecord{Actor: actor, Key: key, Token: token,
		Fingerprint: []byte(fp), LockedUntil: lockedUntil, ExpiresAt: expires})
	if err != nil {
		t.Fatalf("ClaimIdempotencyKey(%s, %s, %s) = %v", actor, key, token, err)
	}
	return got, got.Token == token
}

func testIdempotency(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	now := time.Now().UTC()
	lock, exp := now.Add(time.Minute), now.Add(24*time.Hour)

	got, held := claim(t, s, "client:a", "k1", "t1", "fp1", lock, exp)
	if !held || got.State != store.IdempotencyPending || got.Resource != "" || string(got.Fingerprint) != "fp1" {
		t.Fatalf("first claim = held %v, %+v; want held and pending", held, got)
	}
	// The same key while t1 holds it: not held, whatever the fingerprint.
	for _, fp := range []string{"fp1", "fp2"} {
		if got, held := claim(t, s, "client:a", "k1", "t2", fp, lock, exp); held || got.Token != "t1" {
			t.Errorf("claim during t1 (fp %s) = held %v, token %s; want t1's record", fp, held, got.Token)
		}
	}
	// Keys are per actor.
	if _, held := claim(t, s, "client:b", "k1", "t3", "fp1", lock, exp); !held {
		t.Errorf("another actor's claim of the same key was refused")
	}

	if err := s.SetIdempotencyResource(ctx, "client:a", "k1", "t2", "cred_x"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SetIdempotencyResource(not the holder) = %v, want ErrConflict", err)
	}
	if err := s.SetIdempotencyResource(ctx, "client:a", "k1", "t1", "cred_1"); err != nil {
		t.Fatalf("SetIdempotencyResource = %v", err)
	}
	body := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<16)
	done := &store.IdempotencyRecord{Actor: "client:a", Key: "k1", Token: "t1", Status: 201,
		Header: `{"Location":"/v1/certificates/crt_1"}`, Body: body, BodySize: int64(len(body))}
	if err := s.CompleteIdempotencyKey(ctx, done); err != nil {
		t.Fatalf("CompleteIdempotencyKey = %v", err)
	}
	if err := s.CompleteIdempotencyKey(ctx, done); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompleteIdempotencyKey twice = %v, want ErrConflict", err)
	}
	got, held = claim(t, s, "client:a", "k1", "t4", "fp1", lock, exp)
	if held || got.State != store.IdempotencyDone || got.Status != 201 || got.Resource != "cred_1" ||
		got.Header != done.Header || !bytes.Equal(got.Body, body) || got.BodySize != int64(len(body)) {
		t.Errorf("claim after completion = held %v, %s %d %q %q %d bytes; want the kept answer", held, got.State, got.Status, got.Resource, got.Header, len(got.Body))
	}
	if err := s.ReleaseIdempotencyKey(ctx, "client:a", "k1", "t1"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("ReleaseIdempotencyKey(done) = %v, want ErrConflict", err)
	}

	// An answer too large to keep: no body, its size kept.
	claim(t, s, "client:a", "big", "t5", "fp", lock, exp)
	if err := s.CompleteIdempotencyKey(ctx, &store.IdempotencyRecord{Actor: "client:a", Key: "big", Token: "t5", Status: 200, BodySize: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	if got, _ := claim(t, s, "client:a", "big", "t6", "fp", lock, exp); got.Body != nil || got.BodySize != 1<<30 || got.Header != "{}" {
		t.Errorf("kept answer without body = %d bytes, size %d, header %q", len(got.Body), got.BodySize, got.Header)
	}

	// A holder that failed releases the key: the retry holds it afresh.
	claim(t, s, "client:a", "k2", "t7", "fp", lock, exp)
	if err := s.ReleaseIdempotencyKey(ctx, "client:a", "k2", "t7"); err != nil {
		t.Fatalf("ReleaseIdempotencyKey = %v", err)
	}
	if _, held := claim(t, s, "client:a", "k2", "t8", "fp", lock, exp); !held {
		t.Errorf("claim after release was refused")
	}

	// A holder that failed after creating its resource unlocks the key: the
	// retry takes it over at once and sees the resource; another request
	// under the key is still refused.
	claim(t, s, "client:a", "k2b", "t7b", "fp", lock, exp)
	if err := s.SetIdempotencyResource(ctx, "client:a", "k2b", "t7b", "cred_made"); err != nil {
		t.Fatal(err)
	}
	if err := s.UnlockIdempotencyKey(ctx, "client:a", "k2b", "other"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UnlockIdempotencyKey(not the holder) = %v, want ErrConflict", err)
	}
	if err := s.UnlockIdempotencyKey(ctx, "client:a", "k2b", "t7b"); err != nil {
		t.Fatalf("UnlockIdempotencyKey = %v", err)
	}
	if got, held := claim(t, s, "client:a", "k2b", "t7c", "other-fp", lock, exp); held || got.Token != "t7b" {
		t.Errorf("unlocked key, another request = held %v", held)
	}
	if got, held := claim(t, s, "client:a", "k2b", "t7d", "fp", lock, exp); !held || got.Resource != "cred_made" {
		t.Errorf("unlocked key, the retry = held %v, resource %q; want it held with cred_made", held, got.Resource)
	}

	// A holder that crashed: once its lock ran out, a request with the same
	// fingerprint takes over and sees what the crashed one was creating; a
	// different request does not.
	claim(t, s, "client:a", "k3", "t9", "fp", now.Add(-time.Second), exp)
	if err := s.SetIdempotencyResource(ctx, "client:a", "k3", "t9", "cred_9"); err != nil {
		t.Fatal(err)
	}
	if got, held := claim(t, s, "client:a", "k3", "t10", "other", lock, exp); held || got.Token != "t9" {
		t.Errorf("takeover with another fingerprint = held %v", held)
	}
	got, held = claim(t, s, "client:a", "k3", "t11", "fp", lock, exp)
	if !held || got.Resource != "cred_9" || got.State != store.IdempotencyPending || !got.LockedUntil.Equal(lock) {
		t.Errorf("takeover of a stale claim = held %v, resource %q, state %s, locked until %v", held, got.Resource, got.State, got.LockedUntil)
	}
	if err := s.SetIdempotencyResource(ctx, "client:a", "k3", "t9", "late"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("the crashed holder's late write = %v, want ErrConflict", err)
	}

	// An expired record is forgotten: any request may use the key again.
	claim(t, s, "client:a", "k4", "t12", "fp", lock, now.Add(-time.Second))
	if err := s.SetIdempotencyResource(ctx, "client:a", "k4", "t12", "cred_old"); err != nil {
		t.Fatal(err)
	}
	got, held = claim(t, s, "client:a", "k4", "t13", "new", lock, exp)
	if !held || got.Resource != "" || string(got.Fingerprint) != "new" {
		t.Errorf("claim of an expired key = held %v, resource %q, fingerprint %q", held, got.Resource, got.Fingerprint)
	}
	claim(t, s, "client:a", "k5", "t14", "fp", lock, now.Add(-time.Second))
	n, err := s.PurgeIdempotencyKeys(ctx, now)
	if err != nil || n != 1 {
		t.Errorf("PurgeIdempotencyKeys = %d, %v; want 1 (k5)", n, err)
	}
	if _, err := s.ClaimIdempotencyKey(ctx, &store.IdempotencyRecord{Actor: "client:a", Key: "k6", Token: "t"}); err == nil {
		t.Errorf("ClaimIdempotencyKey without fingerprint or times succeeded")
	}
}

func testConcurrentIdempotency(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	now := time.Now().UTC()
	const n = 8
	var wg sync.WaitGroup
	holders := make(chan string, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := fmt.Sprintf("t%d", i)
			got, err := s.ClaimIdempotencyKey(ctxOf(t), &store.IdempotencyRecord{Actor: "client:a", Key: "same", Token: tok,
				Fingerprint: []byte("fp"), LockedUntil: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour)})
			if err != nil {
				errs <- err
				return
			}
			if got.Token == tok {
				holders <- tok
			}
		}()
	}
	wg.Wait()
	close(holders)
	close(errs)
	for err := range errs {
		t.Errorf("concurrent claim: %v", err)
	}
	var hs []string
	for h := range holders {
		hs = append(hs, h)
	}
	if len(hs) != 1 {
		t.Errorf("%d concurrent claims of one key: holders %v, want exactly one", n, hs)
	}
}

func testQuarantine(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	for _, name := range []string{"kyso-cred_b", "kyso-cred_a"} {
		if err := s.QuarantineKey(ctx, &store.QuarantinedKey{Name: name, Reason: "no record"}); err != nil {
			t.Fatalf("QuarantineKey(%s) = %v", name, err)
		}
	}
	if err := s.QuarantineKey(ctx, &store.QuarantinedKey{Name: "kyso-cred_a", Reason: "again"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("QuarantineKey(twice) = %v, want ErrConflict", err)
	}
	ks, err := s.ListQuarantinedKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 2 || ks[0].Name != "kyso-cred_a" || ks[1].Name != "kyso-cred_b" || ks[0].Reason != "no record" || ks[0].FoundAt.IsZero() {
		t.Errorf("ListQuarantinedKeys() = %+v, want a then b", ks)
	}
}

func testListCredentials(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	mustIssuer(t, s, "i1")
	for _, id := range []string{"cr3", "cr1", "cr2"} {
		mustCredential(t, s, id, nil)
	}
	page, err := s.ListCredentials(ctx, "", 2)
	if err != nil || len(page) != 2 || page[0].ID != "cr1" || page[1].ID != "cr2" {
		t.Fatalf("ListCredentials(first page) = %v, %v", page, err)
	}
	page, err = s.ListCredentials(ctx, "cr2", 2)
	if err != nil || len(page) != 1 || page[0].ID != "cr3" || page[0].KeyName == "" {
		t.Errorf("ListCredentials(after cr2) = %v, %v", page, err)
	}
}

// testListUsableCredentials: the active credentials of one profile whose
// current certificate is active, by ID, in pages; a pending, revoked or
// superseded-only credential, a retired credential and another profile's
// are not listed.
func testListUsableCredentials(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	mustIssuer(t, s, "i1")
	credential := func(id, profile string, status store.CertStatus) *store.Certificate {
		t.Helper()
		cr := newCredential(id)
		cr.Profile = profile
		c := newCert("crt-"+id, "i1", id, store.CertPending)
		c.Profile = profile
		if err := s.CreateCredential(ctx, cr, c); err != nil {
			t.Fatal(err)
		}
		if status == store.CertPending {
			return c
		}
		c.CertPEM = "cert-pem-" + c.ID
		if err := s.ActivateCertificate(ctx, c, ""); err != nil {
			t.Fatal(err)
		}
		if status == store.CertRevoked {
			if err := s.RevokeCertificate(ctx, c.ID, t0.Add(day), 1); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	credential("seal3", "seal", store.CertActive)
	credential("seal1", "seal", store.CertActive)
	credential("seal2", "seal", store.CertActive)
	credential("seal-pending", "seal", store.CertPending)
	credential("seal-revoked", "seal", store.CertRevoked)
	credential("citizen1", "citizen", store.CertActive)
	credential("official1", "official", store.CertActive)
	// A retired credential is not listed even with an active certificate.
	credential("seal-retired", "seal", store.CertActive)
	retired := getCredential(t, s, "seal-retired")
	retired.Status = store.CredentialRevoked
	if err := s.UpdateCredential(ctx, retired); err != nil {
		t.Fatal(err)
	}
	// A rotated credential is listed once, through its new certificate.
	old := credential("seal4", "seal", store.CertActive)
	next := newCert("crt-seal4-v2", "i1", "seal4", store.CertPending)
	next.Profile, next.Serial = "seal", "5eal4"
	mustCert(t, s, next)
	next.CertPEM = "cert-pem-v2"
	if err := s.ActivateCertificate(ctx, next, old.ID); err != nil {
		t.Fatal(err)
	}

	ids := func(page []*store.Credential) []string {
		var out []string
		for _, c := range page {
			out = append(out, c.ID)
		}
		return out
	}
	page, err := s.ListUsableCredentials(ctx, "seal", "", 2)
	if err != nil || strings.Join(ids(page), ",") != "seal1,seal2" || page[0].Profile != "seal" || page[0].KeyName != "key-seal1" {
		t.Fatalf("ListUsableCredentials(seal, first page) = %v, %v; want seal1, seal2", ids(page), err)
	}
	page, err = s.ListUsableCredentials(ctx, "seal", "seal2", 2)
	if err != nil || strings.Join(ids(page), ",") != "seal3,seal4" {
		t.Errorf("ListUsableCredentials(seal, after seal2) = %v, %v; want seal3, seal4", ids(page), err)
	}
	page, err = s.ListUsableCredentials(ctx, "seal", "seal4", 2)
	if err != nil || len(page) != 0 {
		t.Errorf("ListUsableCredentials(seal, after seal4) = %v, %v; want none", ids(page), err)
	}
	page, err = s.ListUsableCredentials(ctx, "official", "", 0)
	if err != nil || strings.Join(ids(page), ",") != "official1" {
		t.Errorf("ListUsableCredentials(official) = %v, %v; want official1", ids(page), err)
	}
}

// testBundleVersions: the highest trust-bundle version accepted, per
// name, only grows; the same version again is fine with the same digest
// and a conflict with another.
func testBundleVersions(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	if v, d, err := s.BundleVersion(ctx, "vn"); err != nil || v != 0 || d != "" {
		t.Fatalf("BundleVersion(none) = %d %q %v; want 0", v, d, err)
	}
	for _, tc := range []struct {
		name    string
		version uint64
		digest  string
		wantErr error
		want    uint64
	}{
		{"first", 3, "d3", nil, 3},
		{"the same again", 3, "d3", nil, 3},
		{"older", 2, "d2", store.ErrConflict, 3},
		{"same version, other contents", 3, "d3b", store.ErrConflict, 3},
		{"newer", 5, "d5", nil, 5},
		{"zero", 0, "d0", store.ErrConflict, 5},
		{"no digest", 6, "", store.ErrConflict, 5},
	} {
		err := s.RecordBundleVersion(ctx, "vn", tc.version, tc.digest)
		if !errors.Is(err, tc.wantErr) && !(tc.wantErr == nil && err == nil) {
			t.Errorf("%s: RecordBundleVersion(%d) = %v, want %v", tc.name, tc.version, err, tc.wantErr)
		}
		if v, _, err := s.BundleVersion(ctx, "vn"); err != nil || v != tc.want {
			t.Errorf("%s: BundleVersion = %d, %v; want %d", tc.name, v, err, tc.want)
		}
	}
	if v, d, err := s.BundleVersion(ctx, "vn"); err != nil || v != 5 || d != "d5" {
		t.Errorf("BundleVersion = %d %q %v; want 5 d5", v, d, err)
	}
	if v, _, err := s.BundleVersion(ctx, "other"); err != nil || v != 0 {
		t.Errorf("BundleVersion(another name) = %d, %v; want 0", v, err)
	}
}
