package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/store"
)

// TestAuthFailureFlood: 4,000 requests with a wrong admin token from one
// address write one audit record at once, not 4,000 hash-chained rows;
// the count of the others is recorded as one aggregate record when the
// interval ends (here: on flush, as at shutdown). Every request is still
// refused with 401, the sum of the records is 4,000 and the chain verifies.
func TestAuthFailureFlood(t *testing.T) {
	s := newStack(t, stackOpts{audit: true})
	ctx := context.Background()
	const n = 4000
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	for i := range n {
		req, _ := http.NewRequest("GET", s.srv.URL+"/v1/certificates", nil)
		req.Header.Set("Authorization", "Bearer kyso_wrong_admin_token")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("request %d with a wrong token = %d, want 401", i+1, resp.StatusCode)
		}
	}
	failures := func() []*store.AuditRecord {
		t.Helper()
		recs, err := s.store.ListAudit(ctx, 0, store.MaxListLimit)
		if err != nil {
			t.Fatal(err)
		}
		var out []*store.AuditRecord
		for _, r := range recs {
			if r.Action == audit.ActionAuthFailure {
				out = append(out, r)
			}
		}
		return out
	}
	if got := failures(); len(got) != 1 {
		t.Fatalf("%d auth.failure records after %d rejected requests, want 1 (the first)", len(got), n)
	}
	if err := s.api.FlushAuthFailures(ctx); err != nil {
		t.Fatal(err)
	}
	got := failures()
	if len(got) != 2 {
		t.Fatalf("%d auth.failure records after the flush, want 2 (the first and one aggregate)", len(got))
	}
	var agg struct {
		Aggregated bool   `json:"aggregated"`
		Count      int    `json:"count"`
		Remote     string `json:"remote"`
		Path       string `json:"path"`
	}
	if err := json.Unmarshal([]byte(got[1].Details), &agg); err != nil {
		t.Fatal(err)
	}
	if !agg.Aggregated || agg.Count != n-1 || agg.Remote != "127.0.0.1" || agg.Path != "/v1/certificates" || got[1].Target != "admin" {
		t.Errorf("aggregate record = %s %s, want admin, aggregated, count %d, remote 127.0.0.1, path /v1/certificates", got[1].Target, got[1].Details, n-1)
	}
	rep, err := audit.New(s.store).Verify(ctx)
	if err != nil || !rep.OK {
		t.Errorf("audit chain after the flood: %+v, %v", rep, err)
	}
	// Nothing left to flush.
	if err := s.api.FlushAuthFailures(ctx); err != nil || len(failures()) != 2 {
		t.Errorf("a second flush wrote more records (%v)", err)
	}
}
