package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// postXML posts doc as an application/xml body with the options in
// Kyso-Options.
func (e *signEnv) postXML(t *testing.T, path, key string, doc []byte, opts any, hdr map[string]string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.env["KYSO_URL"]+path, bytes.NewReader(doc))
	req.Header.Set("Content-Type", "application/xml")
	if opts != nil {
		b, _ := json.Marshal(opts)
		req.Header.Set("Kyso-Options", string(b))
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header
}

// xmlsec verifies the signature with Id id of doc with xmlsec1, trusting
// only kyso's root.
func (e *signEnv) xmlsec(t *testing.T, doc []byte, id string) error {
	t.Helper()
	f := writeFileT(t, filepath.Join(e.dir, "xmlsec-"+id+".xml"), doc)
	args := append([]string{"--verify", "--enabled-reference-uris", "empty,same-doc", "--trusted-pem", e.rootPEM, "--node-id", id}, xmltest.XMLSecIDs...)
	out, err := exec.Command("xmlsec1", append(args, f)...).CombinedOutput()
	if err != nil {
		t.Logf("xmlsec1 --verify --node-id %s: %v\n%s", id, err, out)
	}
	return err
}

// TestSignXMLAPI signs a Circular 78 e-invoice with the agency's seal
// through the API, countersigns it with a second credential in CQT, and
// has xmlsec1, POST /v1/verify/xml and kyso verify check it; the
// authorisation rules, idempotency and errors are those of the PDF route.
func TestSignXMLAPI(t *testing.T) {
	e := newSignEnv(t)
	inv := xmltest.Invoice{Number: 7, Items: 4, Seller: hanoi, SellerMST: "0103410294", WithMCCQT: true}.Make()

	code, signed, h := e.upload(t, "/v1/sign/xml", e.clientHN, inv, map[string]any{"credential_id": e.seal, "include_chain": true, "signature_id": "seller"})
	if code != 200 || h.Get("Content-Type") != "application/xml; charset=utf-8" || h.Get("Kyso-Signature-Id") != "seller" || len(h.Get("Kyso-Document-SHA256")) != 64 {
		t.Fatalf("sign/xml = %d %v\n%s", code, h, signed)
	}
	code, both, _ := e.postXML(t, "/v1/sign/xml", e.clientHN, signed, map[string]any{"credential_id": e.official, "location": "/HDon/DSCKS/CQT",
		"references": []string{"mccqt", "seller"}, "include_chain": true, "scheme": "pss", "signature_id": "cqt"}, nil)
	if code != 200 {
		t.Fatalf("countersign = %d %s", code, both)
	}
	// Debian's xmlsec1 1.2 has no RSASSA-PSS: it checks the seller's
	// signature in the countersigned document; the PSS one is checked by
	// kyso's verifier below.
	if err := e.xmlsec(t, both, "seller"); err != nil {
		t.Errorf("xmlsec1 rejects the seller's signature after the countersignature: %v", err)
	}
	code, rsa, _ := e.postXML(t, "/v1/sign/xml", e.clientHN, signed, map[string]any{"credential_id": e.official, "location": "/HDon/DSCKS/CQT", "include_chain": true, "signature_id": "cqt"}, nil)
	if code != 200 || e.xmlsec(t, rsa, "cqt") != nil || e.xmlsec(t, rsa, "seller") != nil {
		t.Errorf("PKCS#1 countersignature = %d, or xmlsec1 rejects it", code)
	}

	// The verification API: both signatures pass, with the invoice facts.
	code, body, _ := e.postXML(t, "/v1/verify/xml", "", both, nil, nil)
	var rep struct {
		Valid      bool
		Signatures []struct {
			Field, Indication string
			EInvoice          struct {
				Block        string
				Number       string
				TaxCodeMatch *bool `json:"tax_code_match"`
			} `json:"einvoice"`
		}
	}
	if err := json.Unmarshal(body, &rep); err != nil || code != 200 {
		t.Fatalf("verify/xml = %d %s", code, body)
	}
	if !rep.Valid || len(rep.Signatures) != 2 || rep.Signatures[0].EInvoice.Block != "seller" || rep.Signatures[0].EInvoice.Number != "7" ||
		rep.Signatures[0].EInvoice.TaxCodeMatch == nil || !*rep.Signatures[0].EInvoice.TaxCodeMatch || rep.Signatures[1].EInvoice.Block != "tax_authority" {
		t.Errorf("verify/xml report = %s", body)
	}
	// A changed amount fails.
	code, body, _ = e.postXML(t, "/v1/verify/xml", "", bytes.Replace(both, []byte("<DGia>150000"), []byte("<DGia>150001"), 1), nil, nil)
	if code != 200 || !bytes.Contains(body, []byte(`"valid":false`)) || !bytes.Contains(body, []byte("HASH_FAILURE")) {
		t.Errorf("verify/xml of a changed invoice = %d %s", code, body)
	}

	// kyso verify reads .xml files.
	file := writeFileT(t, filepath.Join(e.dir, "hoadon.xml"), both)
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"verify", "--lang", "en", "--data", e.dir, file}); err != nil || !strings.Contains(out.String(), "VALID") || !strings.Contains(out.String(), "e-invoice:") {
		t.Errorf("kyso verify hoadon.xml: %v\n%s", err, out.String())
	}

	// The page at / with this e-invoice: tools/e2e TestVerifyXMLPageInChromium.

	errCode := func(b []byte) string {
		var x struct{ Error struct{ Code string } }
		json.Unmarshal(b, &x)
		return x.Error.Code
	}
	for _, tc := range []struct {
		name     string
		key      string
		doc      []byte
		opts     map[string]any
		status   int
		wantCode string
	}{
		{"no key", "", inv, map[string]any{"credential_id": e.seal}, 401, "unauthorized"},
		{"other agency", e.clientOther, inv, map[string]any{"credential_id": e.seal}, 403, "forbidden"},
		{"citizen without SAD", e.clientHN, inv, map[string]any{"credential_id": e.citizen, "profile": "enveloped"}, 403, "consent_failed"},
		{"citizen with a bare PIN", e.clientHN, inv, map[string]any{"credential_id": e.citizen, "pin": citizenPIN, "profile": "enveloped"}, 403, "consent_failed"},
		{"SHA-1", e.clientHN, inv, map[string]any{"credential_id": e.seal, "hash_algorithm": "sha-1"}, 400, "invalid_request"},
		{"unknown profile", e.clientHN, inv, map[string]any{"credential_id": e.seal, "profile": "xades-zz"}, 400, "invalid_request"},
		{"unknown reference", e.clientHN, inv, map[string]any{"credential_id": e.seal, "references": []string{"nope"}}, 400, "invalid_request"},
		{"DTD", e.clientHN, append([]byte(`<!DOCTYPE HDon [<!ENTITY x SYSTEM "file:///etc/passwd">]>`), inv[bytes.Index(inv, []byte("<HDon>")):]...), map[string]any{"credential_id": e.seal}, 422, "invalid_document"},
		{"not XML", e.clientHN, []byte("%PDF-1.7"), map[string]any{"credential_id": e.seal}, 422, "invalid_document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := e.upload(t, "/v1/sign/xml", tc.key, tc.doc, tc.opts)
			if code != tc.status || errCode(out) != tc.wantCode {
				t.Errorf("sign/xml = %d %s, want %d %s", code, out, tc.status, tc.wantCode)
			}
		})
	}
	sad := authorizeDocs(t, e.env["KYSO_URL"], e.clientHN, e.citizen, citizenPIN, e.phone, inv)
	if code, out, _ := e.upload(t, "/v1/sign/xml", e.clientHN, inv, map[string]any{"credential_id": e.citizen, "sad": sad, "profile": "enveloped"}); code != 200 {
		t.Errorf("citizen with the SAD = %d %s", code, out)
	}

	// XAdES B-T with kyso's TSA: the verifier proves the time.
	code, xades, h := e.upload(t, "/v1/sign/xml", e.clientHN, inv, map[string]any{"credential_id": e.seal, "profile": "xades", "level": "B-T", "include_chain": true})
	if code != 200 || h.Get("Kyso-Level") != "XAdES B-T" {
		t.Fatalf("sign/xml xades B-T = %d %v %s", code, h, xades)
	}
	code, body, _ = e.postXML(t, "/v1/verify/xml", "", xades, nil, nil)
	if code != 200 || !bytes.Contains(body, []byte(`"valid":true`)) || !bytes.Contains(body, []byte(`"level":"B-T"`)) {
		t.Errorf("verify/xml of XAdES B-T = %d %s", code, body)
	}

	// XAdES B-LTA: the chains' certificates, OCSP responses and CRLs from
	// kyso's CA and an archive time-stamp; xmlsec1 checks the core,
	// the verifier finds B-LTA.
	code, lta, h := e.upload(t, "/v1/sign/xml", e.clientHN, inv, map[string]any{"credential_id": e.seal, "profile": "xades", "level": "B-LTA", "signature_id": "lta", "include_chain": true})
	if code != 200 || h.Get("Kyso-Level") != "XAdES B-LTA" || !bytes.Contains(lta, []byte("<xades:EncapsulatedOCSPValue>")) || !bytes.Contains(lta, []byte("<xades141:ArchiveTimeStamp")) {
		t.Fatalf("sign/xml xades B-LTA = %d %v %s", code, h, lta)
	}
	if err := e.xmlsec(t, lta, "lta"); err != nil {
		t.Errorf("xmlsec1 rejects the B-LTA signature: %v", err)
	}
	code, body, _ = e.postXML(t, "/v1/verify/xml", "", lta, nil, nil)
	if code != 200 || !bytes.Contains(body, []byte(`"valid":true`)) || !bytes.Contains(body, []byte(`"level":"B-LTA"`)) {
		t.Errorf("verify/xml of XAdES B-LTA = %d %s", code, body)
	}

	// A detached signature over a PDF, verified with the file as "data".
	pdf := []byte("%PDF-1.7\n% hồ sơ\n%%EOF\n")
	code, det, _ := e.upload(t, "/v1/sign/xml", e.clientHN, pdf, map[string]any{"credential_id": e.seal, "profile": "detached", "detached_uri": "hoso.pdf"})
	if code != 200 {
		t.Fatalf("sign/xml detached = %d %s", code, det)
	}
	for _, tc := range []struct {
		content []byte
		valid   bool
	}{{pdf, true}, {append(pdf, ' '), false}} {
		var vb bytes.Buffer
		vw := multipart.NewWriter(&vb)
		fw, _ := vw.CreateFormFile("file", "hoso.pdf.xml")
		fw.Write(det)
		dw, _ := vw.CreateFormFile("data", "hoso.pdf")
		dw.Write(tc.content)
		vw.Close()
		vreq, _ := http.NewRequest("POST", e.env["KYSO_URL"]+"/v1/verify/xml", &vb)
		vreq.Header.Set("Content-Type", vw.FormDataContentType())
		vresp, err := http.DefaultClient.Do(vreq)
		if err != nil {
			t.Fatal(err)
		}
		vbody, _ := io.ReadAll(vresp.Body)
		vresp.Body.Close()
		if vresp.StatusCode != 200 || bytes.Contains(vbody, []byte(`"valid":true`)) != tc.valid {
			t.Errorf("verify/xml detached (content valid %t) = %d %s", tc.valid, vresp.StatusCode, vbody)
		}
	}

	// A batch: three documents, one broken, one Vault call.
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	ow, _ := mw.CreateFormField("options")
	json.NewEncoder(ow).Encode(map[string]any{"credential_id": e.seal, "include_chain": true})
	for i, d := range [][]byte{xmltest.Invoice{Number: 101}.Make(), []byte("<HDon><DLHDon"), xmltest.Invoice{Number: 103}.Make()} {
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("hoadon-%d.xml", i))
		fw.Write(d)
	}
	mw.Close()
	breq, _ := http.NewRequest("POST", e.env["KYSO_URL"]+"/v1/sign/xml/batch", &mb)
	breq.Header.Set("Content-Type", mw.FormDataContentType())
	breq.Header.Set("Authorization", "Bearer "+e.clientHN)
	bresp, err := http.DefaultClient.Do(breq)
	if err != nil {
		t.Fatal(err)
	}
	var batch struct {
		Results []struct {
			Status string
			XML    []byte
			Error  struct{ Code string }
		}
	}
	json.NewDecoder(bresp.Body).Decode(&batch)
	bresp.Body.Close()
	if bresp.StatusCode != 200 || len(batch.Results) != 3 || batch.Results[0].Status != "signed" || batch.Results[1].Status != "failed" ||
		batch.Results[1].Error.Code != "invalid_document" || batch.Results[2].Status != "signed" {
		t.Fatalf("sign/xml/batch = %d %+v", bresp.StatusCode, batch)
	}
	if id := regexp.MustCompile(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="([^"]+)"`).FindSubmatch(batch.Results[2].XML); id == nil || e.xmlsec(t, batch.Results[2].XML, string(id[1])) != nil {
		t.Errorf("xmlsec1 does not verify a batch-signed document")
	}

	// Idempotency-Key: the same request is answered once.
	k := map[string]string{"Idempotency-Key": "xml-7"}
	c1, b1, _ := e.postXML(t, "/v1/sign/xml", e.clientHN, inv, map[string]any{"credential_id": e.seal}, k)
	c2, b2, h2 := e.postXML(t, "/v1/sign/xml", e.clientHN, inv, map[string]any{"credential_id": e.seal}, k)
	if c1 != 200 || c2 != 200 || !bytes.Equal(b1, b2) || h2.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed sign/xml = %d, %d, same body %t, Idempotent-Replayed %q", c1, c2, bytes.Equal(b1, b2), h2.Get("Idempotent-Replayed"))
	}

	// Every signature is in the audit chain, which verifies.
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, []string{"audit", "verify", "--data", e.dir}); err != nil {
		t.Fatalf("kyso audit verify: %v\n%s", err, buf.String())
	}
}
