package main

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
)

// BenchmarkSignPDFBatchHTTP signs batches of 100 200 KB PDFs at B-B with an
// RSA-2048 seal key through kyso dev's POST /v1/sign/pdf/batch, 4 batches
// at a time, the answer as multipart/mixed: for profiling the batch path
// with -cpuprofile/-memprofile (an op is one batch).
func BenchmarkSignPDFBatchHTTP(b *testing.B) {
	e := benchEnv(b, b.TempDir())
	doc := testpdf.Make(10, 200<<10)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ow, _ := mw.CreateFormField("options")
	fmt.Fprintf(ow, `{"credential_id":%q,"level":"B-B"}`, e.cred)
	for i := range 100 {
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("%d.pdf", i))
		fw.Write(doc)
	}
	mw.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	b.SetBytes(int64(body.Len()))
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", e.url+"/v1/sign/pdf/batch", bytes.NewReader(body.Bytes()))
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Accept", "multipart/mixed")
			req.Header.Set("Authorization", "Bearer "+e.key)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || n < 100*int64(len(doc)) {
				b.Errorf("batch = %d (%d bytes)", resp.StatusCode, n)
				return
			}
		}
	})
}
