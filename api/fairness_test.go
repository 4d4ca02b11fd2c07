package api_test

import (
	"io"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/api"
)

// TestSlowUploadsDoNotHoldVerification: a client that opens uploads to
// the public verifier and sends their bodies slowly holds its own
// address's upload slots (two), not the verifier's. With one verification
// slot, slow uploads from one address leave a small verification from
// another address to be answered at once (before, the first slow upload
// took the only slot before its body was read, and the small one waited
// until its deadline for 503 busy); the attacker's further uploads are
// refused with 429.
func TestSlowUploadsDoNotHoldVerification(t *testing.T) {
	srv := verifyServer(t, api.Config{VerifyConcurrency: 1, VerifyUploadsPerAddress: 2, RequestTimeout: 3 * time.Second, VerifyPerMinute: -1,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, realVerifier{})
	url := srv.URL + "/v1/verify/pdf"
	const attacker, citizen = "203.0.113.7", "198.51.100.9"

	type result struct {
		status int
		err    error
	}
	results := make(chan result, 3)
	var writers []*io.PipeWriter
	// The uploads end with the test (before the server's Close, which
	// waits for them).
	t.Cleanup(func() {
		for _, pw := range writers {
			pw.Close()
		}
	})
	// A slow upload sends the start of a body and then nothing. The
	// start is larger than what the connection buffers (loopback: a few
	// MiB each way), so the write returns only once the server reads the
	// body, which it does only for an upload that holds one of the
	// address's slots; a refused upload (429) is answered unread, and the
	// client then closes the body: the write fails.
	prefix := append([]byte("%PDF-1.7\n%"), make([]byte, 24<<20)...)
	slow := func() (held bool) {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		req, _ := http.NewRequest("POST", url, pr)
		req.Header.Set("Content-Type", "application/pdf")
		req.Header.Set("X-Forwarded-For", attacker)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				results <- result{err: err}
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			results <- result{status: resp.StatusCode}
		}()
		_, err := pw.Write(prefix)
		return err == nil
	}
	for i := range 2 {
		if !slow() {
			t.Fatalf("slow upload %d of the attacker's two was not read: %v", i+1, <-results)
		}
	}
	// Its slots held, a third slow upload and a complete one from the
	// attacker are refused.
	if slow() {
		t.Fatalf("a third slow upload from the attacker was read; want it refused")
	}
	if r := <-results; r.err != nil || r.status != http.StatusTooManyRequests {
		t.Fatalf("a third slow upload from the attacker = %d %v, want 429", r.status, r.err)
	}
	doc := corpusFile(t, "itext/B-B.pdf")
	if a := post(t, url, "application/pdf", doc, map[string]string{"X-Forwarded-For": attacker}); a.status != http.StatusTooManyRequests || a.errorCode(t) != api.CodeRateLimited {
		t.Fatalf("a complete upload from the attacker while its slow uploads are open = %d %s, want 429 %s", a.status, a.body, api.CodeRateLimited)
	}

	// Someone else's small verification is answered, not left waiting.
	if a := post(t, url, "application/pdf", doc, map[string]string{"X-Forwarded-For": citizen}); a.status != http.StatusOK {
		t.Fatalf("verification from another address while slow uploads are open = %d %s, want 200", a.status, a.body)
	}

	// Once ended, the two slow uploads that were read are verified: a
	// truncated PDF.
	for _, pw := range writers {
		pw.Close()
	}
	for range 2 {
		if r := <-results; r.err != nil || r.status != http.StatusUnprocessableEntity {
			t.Errorf("slow upload, once ended = %d %v, want 422 (a truncated PDF)", r.status, r.err)
		}
	}
}
