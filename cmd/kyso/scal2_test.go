package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/auth"
)

// phone is a citizen's authenticator app: the TOTP seed from the issuance
// answer. Each code it gives is of a later 30-second step than the one
// before (kyso accepts a step once, and the steps one before and one after
// now), so a test may authorise one citizen three times in any 30 seconds
// without waiting; a fourth code waits for the next step.
type phone struct {
	mu   sync.Mutex
	seed string
	last int64 // the last step a code was given for
}

// newPhone reads the seed of an issuance answer's totp.uri.
func newPhone(t testing.TB, issued map[string]any) *phone {
	t.Helper()
	totp, _ := issued["totp"].(map[string]any)
	uri, _ := totp["uri"].(string)
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") == "" {
		t.Fatalf("issuance answer's totp = %v, want an otpauth URI with a secret", issued["totp"])
	}
	if png, _ := base64.StdEncoding.DecodeString(totp["qr_png"].(string)); len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatalf("issuance answer's totp.qr_png is not a PNG")
	}
	return &phone{seed: u.Query().Get("secret")}
}

// code returns a code of a step not used yet.
func (p *phone) code(t testing.TB) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		t0 := time.Now()
		now := t0.Unix() / 30
		step := max(p.last+1, now-1)
		if step > now+1 {
			// Every step the server takes now is used: wait for the
			// phone's next step, as a person would.
			time.Sleep(time.Unix((now+1)*30, 0).Sub(t0))
			continue
		}
		// The server accepts a step s while its clock is within s±1, that
		// is until (s+2)×30 s. A code that expires within 3 s of being
		// made could reach the server a step too late: take the next one,
		// or, when it is the last the server takes now, wait for the
		// phone's next step, as a person would (TOTP is about the clock).
		for time.Unix((step+2)*30, 0).Sub(t0) < 3*time.Second {
			step++
		}
		if step > now+1 {
			time.Sleep(time.Unix((now+1)*30, 0).Sub(t0))
			continue
		}
		p.last = step
		c, err := auth.Code(p.seed, time.Unix(step*30+15, 0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

// postClient sends a JSON request with a client's API key.
func postClient(t testing.TB, base, path, key string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

// authorizeDocs has the citizen authorise the signing of docs through the
// client with API key key, and returns the SAD.
func authorizeDocs(t testing.TB, base, key, credID, pin string, ph *phone, docs ...[]byte) string {
	t.Helper()
	var sums []string
	for _, d := range docs {
		h := sha256.Sum256(d)
		sums = append(sums, hex.EncodeToString(h[:]))
	}
	code, out := postClient(t, base, "/v1/credentials/"+credID+"/authorize", key, map[string]any{
		"pin": pin, "otp": ph.code(t), "document_sha256": sums, "doc_id": "HS-2026-001", "doc_name": "Tờ khai.pdf"})
	sad, _ := out["sad"].(string)
	if code != 200 || sad == "" {
		t.Fatalf("authorize = %d %v", code, out)
	}
	return sad
}

// evidence is an officer's identity check, for enrolment events.
var evidence = map[string]string{"method": "cccd_chip", "reference": "HS-2026-000123", "officer": "Nguyễn Thị Lan"}
