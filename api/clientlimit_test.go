package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// blockingSigning holds every hash signing until release is closed. The
// limit's logic is what is tested here; real signing under concurrent
// clients is tested in cmd/kyso against kyso dev.
type blockingSigning struct {
	api.Signing
	entered chan struct{}
	release chan struct{}
}

func (b blockingSigning) SignHashes(ctx context.Context, _ model.Caller, req app.HashRequest) ([][]byte, error) {
	b.entered <- struct{}{}
	<-b.release
	return [][]byte{[]byte("sig")}, nil
}

// TestClientConcurrencyLimit: a client with ClientConcurrency requests in
// progress gets 429 too_many_requests_in_progress with Retry-After for the
// next one, another client is not affected, and the slot is free again
// once a request ends.
func TestClientConcurrencyLimit(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clients := auth.NewClients(st)
	keyA, _, err := clients.Create(ctx, "e-office A", []string{"Sở Tư pháp Hà Nội"})
	if err != nil {
		t.Fatal(err)
	}
	keyB, _, err := clients.Create(ctx, "e-office B", []string{"Sở Tư pháp Hà Nội"})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 3
	sg := blockingSigning{entered: make(chan struct{}, 16), release: make(chan struct{})}
	srv := httptest.NewServer(api.New(api.Config{ClientConcurrency: limit}, api.Deps{Clients: clients, Signing: sg}))
	t.Cleanup(srv.Close)
	sign := func(key string) (int, string, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/sign/hash", strings.NewReader(`{"credential_id":"cred_x","hashes":["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Error(err)
			return 0, "", ""
		}
		defer resp.Body.Close()
		var e struct{ Error struct{ Code string } }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error.Code, resp.Header.Get("Retry-After")
	}
	var wg sync.WaitGroup
	codes := make(chan int, limit)
	for range limit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, _ := sign(keyA)
			codes <- c
		}()
	}
	for range limit {
		<-sg.entered // A's requests are all in progress
	}
	if c, code, ra := sign(keyA); c != http.StatusTooManyRequests || code != "too_many_requests_in_progress" || ra == "" {
		t.Errorf("client A's request beyond %d in progress = %d %s (Retry-After %q); want 429 too_many_requests_in_progress", limit, c, code, ra)
	}
	// Client B has its own slots.
	bDone := make(chan int, 1)
	go func() { c, _, _ := sign(keyB); bDone <- c }()
	<-sg.entered
	close(sg.release)
	if c := <-bDone; c != http.StatusOK {
		t.Errorf("client B while A is at its limit = %d, want 200", c)
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a request within the limit = %d, want 200", c)
		}
	}
	// All slots are free again.
	for i := range limit + 1 {
		if c, _, _ := sign(keyA); c != http.StatusOK {
			t.Errorf("request %d after the others ended = %d, want 200", i, c)
		}
	}
}
