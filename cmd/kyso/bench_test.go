package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
)

// BenchmarkSignPDFHTTP signs 200 KB PDFs at B-B with an RSA-2048 seal key
// through kyso dev's HTTP API with 16 concurrent keep-alive clients: the
// whole sign path (HTTP, spooling, PAdES, Vault Transit, audit log) in one
// process, for profiling with -cpuprofile/-memprofile. make bench measures
// it against its peers.
func BenchmarkSignPDFHTTP(b *testing.B) {
	for _, size := range []int{200 << 10, 2 << 20, 20 << 20} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) { benchSign(b, size) })
	}
}

func benchSign(b *testing.B, size int) {
	dir := b.TempDir()
	e := benchEnv(b, dir)
	doc := testpdf.Make(10, size)
	opts := fmt.Sprintf(`{"credential_id":%q,"level":"B-B"}`, e.cred)
	benchPost(b, e, "/v1/sign/pdf", "application/pdf", doc, opts)
}

// benchPost sends doc to path with opts as Kyso-Options from 16
// concurrent keep-alive clients, b.N times in all, and checks each answer
// is a 200 at least as long as doc.
func benchPost(b *testing.B, e benchKyso, path, contentType string, doc []byte, opts string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	b.SetBytes(int64(len(doc)))
	b.SetParallelism((16 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", e.url+path, bytes.NewReader(doc))
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("Kyso-Options", opts)
			req.Header.Set("Authorization", "Bearer "+e.key)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || n < int64(len(doc)) {
				b.Errorf("%s = %d (%d bytes)", path, resp.StatusCode, n)
				return
			}
		}
	})
}

type benchKyso struct {
	url, key, cred string
}

func benchEnv(b *testing.B, dir string) benchKyso {
	r := startDev(b, dir)
	b.Cleanup(func() { r.stop(b) })
	code, out := r.call(b, "POST", "/v1/clients", map[string]any{"name": "bench", "organizations": []string{hanoi}})
	if code != 201 {
		b.Fatalf("client = %d %v", code, out)
	}
	key := out["api_key"].(string)
	code, out = r.call(b, "POST", "/v1/certificates", map[string]any{"profile": "seal", "key_type": "rsa-2048", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "locality": "Hà Nội"}})
	if code != 201 {
		b.Fatalf("issue = %d %v", code, out)
	}
	return benchKyso{url: r.env["KYSO_URL"], key: key, cred: out["credential_id"].(string)}
}
