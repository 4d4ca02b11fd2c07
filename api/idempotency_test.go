package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/store"
)

// issueWithKey sends POST /v1/certificates with an Idempotency-Key and
// returns status, the Idempotent-Replayed header and the body.
func (s *stack) issueWithKey(key string, body any) (int, string, []byte) {
	s.t.Helper()
	j, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/certificates", bytes.NewReader(j))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), data
}

func issueFingerprint(t *testing.T, body any) []byte {
	t.Helper()
	var req ca.Request
	j, _ := json.Marshal(body)
	if err := json.Unmarshal(j, &req); err != nil {
		t.Fatal(err)
	}
	fp, err := api.IssueFingerprint(req)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func errorCode(b []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Error.Code
}

func (s *stack) credentials() int {
	s.t.Helper()
	n, after := 0, ""
	for {
		page, err := s.store.ListCredentials(context.Background(), after, 1000)
		if err != nil {
			s.t.Fatal(err)
		}
		n += len(page)
		if len(page) < 1000 {
			return n
		}
		after = page[len(page)-1].ID
	}
}

func TestIssueIdempotencyKey(t *testing.T) {
	s := newStack(t, stackOpts{idempotency: true})
	before := s.credentials()

	code, replayed, first := s.issueWithKey("issue-7f1c", citizenReq)
	if code != http.StatusCreated || replayed != "" {
		t.Fatalf("first issuance = %d (replayed %q) %s", code, replayed, first)
	}
	code, replayed, again := s.issueWithKey("issue-7f1c", citizenReq)
	if code != http.StatusCreated || replayed != "true" || !bytes.Equal(again, first) {
		t.Errorf("retry = %d, replayed %q, same answer %v; want the first answer replayed", code, replayed, bytes.Equal(again, first))
	}
	if n := s.credentials() - before; n != 1 {
		t.Errorf("two requests with one key made %d credentials, want 1", n)
	}

	other := map[string]any{"profile": "citizen", "subject": map[string]any{
		"name": "Lê Văn Cường", "cccd": "079301004322", "locality": "Quận 3", "province": "Thành phố Hồ Chí Minh"}}
	if code, _, b := s.issueWithKey("issue-7f1c", other); code != http.StatusUnprocessableEntity || errorCode(b) != "idempotency_key_reused" {
		t.Errorf("same key, other request = %d %s; want 422 idempotency_key_reused", code, b)
	}
	for _, bad := range []string{"with space", strings.Repeat("k", 256), "ké", `"`} {
		if code, _, b := s.issueWithKey(bad, citizenReq); code != http.StatusBadRequest || errorCode(b) != "idempotency_key_invalid" {
			t.Errorf("Idempotency-Key %q = %d %s; want 400 idempotency_key_invalid", bad, code, b)
		}
	}
	// A request that fails validation does not use the key up.
	if code, _, _ := s.issueWithKey("issue-bad", map[string]any{"profile": "citizen", "subject": map[string]any{"name": "X"}}); code != http.StatusBadRequest {
		t.Fatalf("invalid subject = %d, want 400", code)
	}
	if code, replayed, _ := s.issueWithKey("issue-bad", other); code != http.StatusCreated || replayed != "" {
		t.Errorf("the key of a failed request, reused = %d replayed %q; want a fresh 201", code, replayed)
	}

	// Concurrent retries of one request: one issuance; the others see it
	// in progress (409) or replayed, never a second credential.
	before = s.credentials()
	burst := citizenNo(2) // another citizen: citizenReq's holds a certificate now
	var wg sync.WaitGroup
	codes := make(chan int, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, _ := s.issueWithKey("issue-burst", burst)
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	created := 0
	for c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("concurrent retry answered %d", c)
		}
	}
	if n := s.credentials() - before; n != 1 || created == 0 {
		t.Errorf("6 concurrent requests with one key: %d credentials, %d answers 201; want 1 credential", n, created)
	}
}

// TestIssueIdempotencyAfterCrash plays the state a kyso process leaves when
// it dies holding a key: the record stays pending with the credential it
// was creating. Once the holder's lock has run out, the retry answers with
// that credential if it was issued, and issues afresh if it was not.
func TestIssueIdempotencyAfterCrash(t *testing.T) {
	s := newStack(t, stackOpts{idempotency: true})
	ctx := context.Background()
	// The admin's actor name in Idempotency-Key records is "admin:<token ID>".
	sum := sha256.Sum256([]byte(s.token))
	tok, err := s.store.FindAdminToken(ctx, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	actor := "admin:" + tok.ID

	crash := func(key, credID string, body map[string]any) {
		t.Helper()
		fp := issueFingerprint(t, body)
		rec := &store.IdempotencyRecord{Actor: actor, Key: key, Token: "dead-process", Fingerprint: fp,
			LockedUntil: time.Now().Add(-time.Second), ExpiresAt: time.Now().Add(time.Hour)}
		if _, err := s.store.ClaimIdempotencyKey(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.store.SetIdempotencyResource(ctx, actor, key, "dead-process", credID); err != nil {
			t.Fatal(err)
		}
	}

	// Died after issuing, before answering.
	id, _ := ca.NewCredentialID()
	var req ca.Request
	j, _ := json.Marshal(citizenReq)
	_ = json.Unmarshal(j, &req)
	req.CredentialID = id
	issued, err := s.ca.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	crash("crashed-after", id, citizenReq)
	before := s.credentials()
	code, _, b := s.issueWithKey("crashed-after", citizenReq)
	var got certResp
	_ = json.Unmarshal(b, &got)
	if code != http.StatusCreated || got.ID != issued.Record.ID || s.credentials() != before {
		t.Errorf("retry after a crash past issuance = %d, certificate %s (want %s), %d new credentials; want the issued one", code, got.ID, issued.Record.ID, s.credentials()-before)
	}

	// Died before the credential was recorded: the retry creates the
	// credential the first attempt chose, once.
	id2, _ := ca.NewCredentialID()
	crash("crashed-before", id2, citizenNo(3))
	before = s.credentials()
	code, _, b = s.issueWithKey("crashed-before", citizenNo(3))
	_ = json.Unmarshal(b, &got)
	if code != http.StatusCreated || got.CredentialID != id2 || s.credentials() != before+1 {
		t.Errorf("retry after a crash before issuance = %d, credential %q, %d new credentials; want %s, 1", code, got.CredentialID, s.credentials()-before, id2)
	}

	// Died with the credential recorded, before its key or certificate:
	// the retry finishes that credential.
	first, err := s.store.GetCredential(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	id3, _ := ca.NewCredentialID()
	if err := s.store.CreateCredential(ctx, &store.Credential{ID: id3, Profile: "citizen", SubjectJSON: first.SubjectJSON,
		KeyName: "kyso-" + id3, KeyType: "rsa-2048", Status: store.CredentialActive}, nil); err != nil {
		t.Fatal(err)
	}
	crash("crashed-mid", id3, citizenReq)
	before = s.credentials()
	code, _, b = s.issueWithKey("crashed-mid", citizenReq)
	_ = json.Unmarshal(b, &got)
	if code != http.StatusCreated || got.CredentialID != id3 || s.credentials() != before {
		t.Errorf("retry after a crash mid-issuance = %d, credential %q, %d new credentials; want %s finished, none new", code, got.CredentialID, s.credentials()-before, id3)
	}

	// Died mid-issuance, and kyso doctor retired the credential meanwhile:
	// the retry starts again with a new credential.
	id4, _ := ca.NewCredentialID()
	if err := s.store.CreateCredential(ctx, &store.Credential{ID: id4, Profile: "citizen", SubjectJSON: first.SubjectJSON,
		KeyName: "kyso-" + id4, KeyType: "rsa-2048", Status: store.CredentialRevoked}, nil); err != nil {
		t.Fatal(err)
	}
	crash("crashed-retired", id4, citizenNo(4))
	code, _, b = s.issueWithKey("crashed-retired", citizenNo(4))
	_ = json.Unmarshal(b, &got)
	if code != http.StatusCreated || got.CredentialID == "" || got.CredentialID == id4 {
		t.Errorf("retry after a crash whose credential was retired = %d, credential %q; want a new one", code, got.CredentialID)
	}
	// And a held, fresh record is "in progress".
	rec := &store.IdempotencyRecord{Actor: actor, Key: "busy", Token: "live", Fingerprint: issueFingerprint(t, citizenReq),
		LockedUntil: time.Now().Add(time.Minute), ExpiresAt: time.Now().Add(time.Hour)}
	if _, err := s.store.ClaimIdempotencyKey(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if code, _, b := s.issueWithKey("busy", citizenReq); code != http.StatusConflict || errorCode(b) != "idempotency_in_progress" {
		t.Errorf("request while another holds the key = %d %s; want 409 idempotency_in_progress", code, b)
	}
}

// flakyPINs fails to store the first PIN, as a database that went away
// between the issuance and the PIN would: the fault on cue for the retry
// logic (PINs on a real store are tested in cmd/kyso).
type flakyPINs struct {
	api.PINAdmin
	calls *int
}

func (f flakyPINs) SetPIN(ctx context.Context, credID, pin string) error {
	*f.calls++
	if *f.calls == 1 {
		return store.ErrUnavailable
	}
	return nil
}

// TestIssueIdempotencyFailureAfterIssuing: the certificate was issued but
// the PIN could not be stored, so the answer is an error; the retry with
// the same key must finish that issuance (set the PIN, answer 201 with the
// same certificate), not issue a second one.
func TestIssueIdempotencyFailureAfterIssuing(t *testing.T) {
	calls := 0
	s := newStack(t, stackOpts{idempotency: true, pins: flakyPINs{calls: &calls}})
	body := map[string]any{"profile": "citizen", "pin": "482915", "subject": map[string]any{
		"name": "Phạm Thị Dung", "cccd": "001199004444", "locality": "Hà Nội"}}
	before := s.credentials()
	if code, _, b := s.issueWithKey("pin-fails", body); code != http.StatusServiceUnavailable {
		t.Fatalf("issuance whose PIN fails = %d %s, want 503", code, b)
	}
	code, _, b := s.issueWithKey("pin-fails", body)
	if code != http.StatusCreated || calls != 2 {
		t.Fatalf("retry = %d %s (PIN set %d times); want 201 and the PIN set again", code, b, calls)
	}
	if n := s.credentials() - before; n != 1 {
		t.Errorf("an issuance whose PIN failed, retried: %d credentials, want 1", n)
	}
}
