package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
)

// TestSignPDFBatchMultipart: with Accept: multipart/mixed the batch answer
// is one part per document, in order: each signed PDF as it is, with the
// headers of a single signing, verified by pdfsig and kyso; a failed
// document's part is its JSON result.
func TestSignPDFBatchMultipart(t *testing.T) {
	e := newSignEnv(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ow, _ := mw.CreateFormField("options")
	json.NewEncoder(ow).Encode(map[string]any{"credential_id": e.seal, "level": "B-B"})
	const n = 4
	for i := range n {
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("cv-%d.pdf", i))
		if i == 1 {
			fw.Write([]byte("%PDF-1.7 but broken"))
			continue
		}
		fw.Write(testpdf.Make(2, 8<<10))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.env["KYSO_URL"]+"/v1/sign/pdf/batch", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "multipart/mixed")
	req.Header.Set("Authorization", "Bearer "+e.clientHN)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != 200 || err != nil || mt != "multipart/mixed" {
		t.Fatalf("batch = %d %q, want 200 multipart/mixed", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			if i != n {
				t.Errorf("answer has %d parts, want %d", i, n)
			}
			break
		}
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if got := p.Header.Get("Kyso-Index"); got != strconv.Itoa(i) {
			t.Errorf("part %d: Kyso-Index = %q", i, got)
		}
		if got := p.FileName(); got != fmt.Sprintf("cv-%d.pdf", i) {
			t.Errorf("part %d: file name = %q", i, got)
		}
		if i == 1 {
			var res struct {
				Index  int
				Status string
				Error  struct{ Code string }
			}
			if err := json.Unmarshal(data, &res); err != nil || p.Header.Get("Kyso-Status") != "failed" ||
				res.Status != "failed" || res.Index != 1 || res.Error.Code == "" {
				t.Errorf("broken document's part: %s %s (%v), want a failed JSON result with a code", p.Header.Get("Kyso-Status"), data, err)
			}
			continue
		}
		if p.Header.Get("Kyso-Status") != "signed" || p.Header.Get("Content-Type") != "application/pdf" ||
			p.Header.Get("Kyso-Level") != "B-B" || p.Header.Get("Kyso-Signature-Field") == "" {
			t.Errorf("part %d headers = %v", i, p.Header)
		}
		if got, want := p.Header.Get("Content-Length"), strconv.Itoa(len(data)); got != want {
			t.Errorf("part %d: Content-Length = %s, body %s bytes", i, got, want)
		}
		sum := sha256.Sum256(data)
		if got := p.Header.Get("Kyso-Document-SHA256"); got != hex.EncodeToString(sum[:]) {
			t.Errorf("part %d: Kyso-Document-SHA256 = %s, body's is %x", i, got, sum)
		}
		e.checkPDF(t, fmt.Sprintf("batch-mixed-%d.pdf", i), data, 1)
	}
}

// TestSignPDFBatchMultipartIdempotent: with an Idempotency-Key, a retry of
// a multipart/mixed batch gets the same answer again, and the same key
// asking for the JSON answer is another request (idempotency_key_reused).
func TestSignPDFBatchMultipartIdempotent(t *testing.T) {
	e := newSignEnv(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ow, _ := mw.CreateFormField("options")
	json.NewEncoder(ow).Encode(map[string]any{"credential_id": e.seal, "level": "B-B"})
	for i := range 2 {
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("cv-%d.pdf", i))
		fw.Write(testpdf.Make(1, 4<<10))
	}
	mw.Close()
	send := func(accept string) (int, http.Header, []byte) {
		req, _ := http.NewRequest("POST", e.env["KYSO_URL"]+"/v1/sign/pdf/batch", bytes.NewReader(body.Bytes()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Accept", accept)
		req.Header.Set("Idempotency-Key", "batch-mixed-1")
		req.Header.Set("Authorization", "Bearer "+e.clientHN)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, data
	}
	code, h, first := send("multipart/mixed")
	if code != 200 || !bytes.HasPrefix([]byte(h.Get("Content-Type")), []byte("multipart/mixed")) {
		t.Fatalf("first batch = %d %s", code, h.Get("Content-Type"))
	}
	code, h, again := send("multipart/mixed")
	if code != 200 || h.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again, first) {
		t.Errorf("retry = %d, replayed %q, same answer %v; want 200, the first answer again", code, h.Get("Idempotent-Replayed"), bytes.Equal(again, first))
	}
	code, _, out := send("application/json")
	if code != http.StatusUnprocessableEntity || !bytes.Contains(out, []byte("idempotency_key_reused")) {
		t.Errorf("same key asking for JSON = %d %s, want 422 idempotency_key_reused", code, out)
	}
}
