package main

import (
	"bytes"
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

// TestSignPDFBatchMoreDocumentsThanSlots: a batch of more documents than
// are signed at once (signer.batchSlots: 8 on two cores), the first ones
// the largest so that later ones are ready first, with broken documents
// at its start, in its middle and at its end, is answered with every
// document, in order (each signed part is its own input followed by the
// signature's revision), each broken one failed alone — in both forms of
// answer.
func TestSignPDFBatchMoreDocumentsThanSlots(t *testing.T) {
	e := newSignEnv(t)
	const n = 30
	broken := map[int]bool{0: true, 13: true, n - 1: true}
	docs := make([][]byte, n)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ow, _ := mw.CreateFormField("options")
	json.NewEncoder(ow).Encode(map[string]any{"credential_id": e.seal, "level": "B-B"})
	for i := range n {
		if broken[i] {
			docs[i] = []byte(fmt.Sprintf("%%PDF-1.7 broken document %d", i))
		} else {
			docs[i] = testpdf.Make(1+i%3, (n-i)*8<<10)
		}
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("doc-%02d.pdf", i))
		fw.Write(docs[i])
	}
	mw.Close()
	post := func(accept string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", e.env["KYSO_URL"]+"/v1/sign/pdf/batch", bytes.NewReader(body.Bytes()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+e.clientHN)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 {
			resp.Body.Close()
			t.Fatalf("batch (Accept %q) = %d, want 200", accept, resp.StatusCode)
		}
		return resp
	}
	check := func(form string, i int, name, status string, signed []byte) {
		t.Helper()
		if name != fmt.Sprintf("doc-%02d.pdf", i) {
			t.Errorf("%s: result %d names %q", form, i, name)
		}
		switch {
		case broken[i] && status != "failed":
			t.Errorf("%s: broken document %d = %q, want failed", form, i, status)
		case !broken[i] && status != "signed":
			t.Errorf("%s: document %d = %q, want signed", form, i, status)
		case !broken[i] && (len(signed) <= len(docs[i]) || !bytes.Equal(signed[:len(docs[i])], docs[i])):
			t.Errorf("%s: result %d (%d bytes) is not document %d (%d bytes) signed", form, i, len(signed), i, len(docs[i]))
		}
	}

	resp := post("")
	var out struct {
		Results []struct {
			Index        int
			Name, Status string
			PDF          []byte `json:"pdf"`
			Error        struct{ Code string }
		}
	}
	err := json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || len(out.Results) != n {
		t.Fatalf("JSON answer: %d results (%v), want %d", len(out.Results), err, n)
	}
	for i, r := range out.Results {
		if r.Index != i {
			t.Errorf("JSON: result %d has index %d", i, r.Index)
		}
		if broken[i] && r.Error.Code == "" {
			t.Errorf("JSON: broken document %d has no error code", i)
		}
		check("JSON", i, r.Name, r.Status, r.PDF)
	}
	e.checkPDF(t, "batch-slots-1.pdf", out.Results[1].PDF, 1)
	e.checkPDF(t, "batch-slots-last.pdf", out.Results[n-2].PDF, 1)

	resp = post("multipart/mixed")
	defer resp.Body.Close()
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	parts := 0
	for ; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("part %d: %v", parts, err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("part %d: %v", parts, err)
		}
		if got := p.Header.Get("Kyso-Index"); got != strconv.Itoa(parts) {
			t.Errorf("multipart: part %d has Kyso-Index %q", parts, got)
		}
		check("multipart", parts, p.FileName(), p.Header.Get("Kyso-Status"), data)
	}
	if parts != n {
		t.Errorf("multipart answer has %d parts, want %d", parts, n)
	}
}
