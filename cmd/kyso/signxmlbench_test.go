package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// BenchmarkSignXMLHTTP signs e-invoices of about 200 KB with an RSA-2048
// seal key through kyso dev's HTTP API with 16 concurrent keep-alive
// clients (POST /v1/sign/xml): the whole XML sign path in one process, for
// profiling with -cpuprofile. make bench measures it against xmlsec1.
func BenchmarkSignXMLHTTP(b *testing.B) {
	e := benchEnv(b, b.TempDir())
	doc := xmltest.Invoice{Items: 560}.Make()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	opts := fmt.Sprintf(`{"credential_id":%q}`, e.cred)
	b.SetBytes(int64(len(doc)))
	b.SetParallelism((16 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", e.url+"/v1/sign/xml", bytes.NewReader(doc))
			req.Header.Set("Content-Type", "application/xml")
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
				b.Errorf("sign = %d (%d bytes)", resp.StatusCode, n)
				return
			}
		}
	})
}
