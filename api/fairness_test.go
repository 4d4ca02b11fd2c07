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
	const maxSlow = 16
	results := make(chan result, maxSlow)
	var writers []*io.PipeWriter
	// The uploads end with the test (before the server's Close, which
	// waits for them).
	t.Cleanup(func() {
		for _, pw := range writers {
			pw.Close()
		}
	})
	startSlow := func() {
		if len(writers) == maxSlow {
			t.Fatalf("%d slow uploads started and the attacker's two slots are still not held by them", maxSlow)
		}
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
		go pw.Write([]byte("%PDF-1.7\n%")) // the start of a body, and then nothing
	}
	for range 3 {
		startSlow()
	}

	// Wait until slow uploads hold the attacker's two slots: a complete
	// upload from the same address is then refused. A complete upload
	// holds a slot while its body is read, so a slow upload that arrives
	// then is refused (429) and holds none: another is started in its
	// place.
	doc := corpusFile(t, "itext/B-B.pdf")
	deadline := time.Now().Add(20 * time.Second)
	refused := 0
	for {
		for drained := false; !drained; {
			select {
			case r := <-results:
				if r.err != nil || r.status != http.StatusTooManyRequests {
					t.Fatalf("a slow upload ended while its body was still open: %d %v; want it held, or refused with 429", r.status, r.err)
				}
				refused++
				startSlow()
			default:
				drained = true
			}
		}
		a := post(t, url, "application/pdf", doc, map[string]string{"X-Forwarded-For": attacker})
		if a.status == http.StatusTooManyRequests {
			if code := a.errorCode(t); code != api.CodeRateLimited {
				t.Fatalf("a further upload from the attacker = 429 %s, want %s", code, api.CodeRateLimited)
			}
			break
		}
		if a.status != http.StatusOK || time.Now().After(deadline) {
			t.Fatalf("upload from the attacker while its slow uploads are open = %d %s; want 200 until they hold its slots, then 429", a.status, a.body)
		}
	}

	// Someone else's small verification is answered, not left waiting.
	if a := post(t, url, "application/pdf", doc, map[string]string{"X-Forwarded-For": citizen}); a.status != http.StatusOK {
		t.Fatalf("verification from another address while slow uploads are open = %d %s, want 200", a.status, a.body)
	}

	for _, pw := range writers {
		pw.Close()
	}
	held := 0
	for range len(writers) - refused {
		r := <-results
		switch {
		case r.err != nil:
			t.Errorf("slow upload: %v", r.err)
		case r.status == http.StatusTooManyRequests:
			refused++
		case r.status == http.StatusUnprocessableEntity: // a truncated PDF, once ended
			held++
		default:
			t.Errorf("slow upload, once ended = %d, want 422 (a truncated PDF) or 429", r.status)
		}
	}
	if held != 2 || refused != len(writers)-2 {
		t.Errorf("of %d slow uploads from one address %d were read and %d refused; want 2 read (its slots), the rest refused", len(writers), held, refused)
	}
}
