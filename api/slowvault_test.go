package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/store"
)

// issueHeaders sends POST /v1/certificates, with an Idempotency-Key if key
// is not empty, and returns status, headers and body.
func (s *stack) issueHeaders(key string, body any) (int, http.Header, []byte) {
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
	return resp.StatusCode, resp.Header, data
}

// cutOffCredentialKeys makes p cut off, on kyso's side, the first creation
// of every credential key; Vault makes the key only when the next creation
// of it comes, or on ForwardLate.
func cutOffCredentialKeys(p *vaulttest.SlowTransit) {
	p.SetRule(func(key string, attempt int) vaulttest.Hold {
		cut := strings.HasPrefix(key, "kyso-cred_") && attempt == 1
		return vaulttest.Hold{CutOff: cut, Late: cut}
	})
}

// TestIssueSlowKeyIdempotent: the holder's key takes Vault longer than
// the creation deadline. The answer is 503 vault_unavailable with
// Retry-After; the retry with the same Idempotency-Key finishes the same
// credential with the key Vault made after kyso gave up; the next retry
// replays the certificate.
func TestIssueSlowKeyIdempotent(t *testing.T) {
	p := vaulttest.NewSlowTransit(t, vaulttest.Server().Addr)
	s := newStack(t, stackOpts{idempotency: true, slow: p, createTimeout: time.Second})
	cutOffCredentialKeys(p)

	code, h, b := s.issueHeaders("slow-key", citizenReq)
	if code != http.StatusServiceUnavailable || errorCode(b) != "vault_unavailable" || h.Get("Retry-After") == "" {
		t.Fatalf("issue with the key creation cut off = %d %s (Retry-After %q); want 503 vault_unavailable with Retry-After", code, b, h.Get("Retry-After"))
	}
	creds, err := s.store.ListCredentials(context.Background(), "", 10)
	if err != nil || len(creds) != 1 || creds[0].Status != store.CredentialActive || creds[0].CurrentCertID != "" {
		t.Fatalf("credentials after the cut-off = %+v, %v; want one, active, kept for the retry", creds, err)
	}

	code, h, b = s.issueHeaders("slow-key", citizenReq)
	var got certResp
	_ = json.Unmarshal(b, &got)
	if code != http.StatusCreated || h.Get("Idempotent-Replayed") != "" || got.CredentialID != creds[0].ID || s.credentials() != 1 {
		t.Fatalf("retry = %d %s (replayed %q), %d credentials; want 201 for credential %s, the only one",
			code, b, h.Get("Idempotent-Replayed"), s.credentials(), creds[0].ID)
	}
	code, h, again := s.issueHeaders("slow-key", citizenReq)
	if code != http.StatusCreated || h.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again, b) {
		t.Errorf("second retry = %d (replayed %q), want the same certificate replayed", code, h.Get("Idempotent-Replayed"))
	}
}

// TestIssueSlowKeyWithoutIdempotencyKey: without an Idempotency-Key
// nobody finishes the credential: it is retired, and the key Vault makes
// after kyso gave up is named by it (kyso doctor finds no orphan).
func TestIssueSlowKeyWithoutIdempotencyKey(t *testing.T) {
	p := vaulttest.NewSlowTransit(t, vaulttest.Server().Addr)
	s := newStack(t, stackOpts{slow: p, createTimeout: time.Second})
	cutOffCredentialKeys(p)
	code, h, b := s.issueHeaders("", citizenReq)
	if code != http.StatusServiceUnavailable || errorCode(b) != "vault_unavailable" || h.Get("Retry-After") == "" {
		t.Fatalf("issue with the key creation cut off = %d %s (Retry-After %q); want 503 vault_unavailable with Retry-After", code, b, h.Get("Retry-After"))
	}
	ctx := context.Background()
	creds, err := s.store.ListCredentials(ctx, "", 10)
	if err != nil || len(creds) != 1 || creds[0].Status != store.CredentialRevoked {
		t.Fatalf("credentials after the cut-off = %+v, %v; want one, retired", creds, err)
	}
	p.ForwardLate()
	names, err := s.keys.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ca.Doctor(ctx, ca.DoctorOptions{Keys: names})
	if err != nil || len(rep.Findings) != 0 || rep.Keys != 4 {
		t.Errorf("Doctor() = %+v, %v; want no finding, 4 keys (the retired credential's among them)", rep, err)
	}
}
