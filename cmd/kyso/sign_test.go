package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/color"
	pngenc "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/internal/testpdf"
)

const (
	hanoi      = "Ủy ban nhân dân Thành phố Hà Nội"
	citizenPIN = "482915"
)

// signEnv is a running kyso dev with credentials and client systems.
type signEnv struct {
	*devRun
	dir                    string
	clientHN, clientOther  string // API keys
	idHN, idOther          string // their client IDs
	leader, official, seal string // credential IDs
	citizen                string // bound to clientHN, PIN citizenPIN
	phone                  *phone // the citizen's authenticator
	rootPEM                string
	nss                    string
}

func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func newSignEnv(t *testing.T) *signEnv {
	t.Helper()
	dir := t.TempDir()
	e := &signEnv{devRun: startDev(t, dir), dir: dir}
	t.Cleanup(func() { e.stop(t) })
	mk := func(name string, orgs ...string) (string, string) {
		code, out := e.call(t, "POST", "/v1/clients", map[string]any{"name": name, "organizations": orgs})
		if code != 201 || out["api_key"] == nil {
			t.Fatalf("create client = %d %v", code, out)
		}
		return out["api_key"].(string), out["id"].(string)
	}
	e.clientHN, e.idHN = mk("e-office Hà Nội", hanoi)
	e.clientOther, e.idOther = mk("e-office Đà Nẵng", "Ủy ban nhân dân Thành phố Đà Nẵng")
	var issued map[string]any
	issue := func(req map[string]any) string {
		code, out := e.call(t, "POST", "/v1/certificates", req)
		if code != 201 {
			t.Fatalf("issue %v = %d %v", req["profile"], code, out)
		}
		issued = out
		return out["credential_id"].(string)
	}
	e.leader = issue(map[string]any{"profile": "official", "subject": map[string]string{
		"name": "Trần Sỹ Thanh", "cccd": "001075000001", "title": "Chủ tịch", "organization": hanoi, "locality": "Hà Nội"}})
	e.official = issue(map[string]any{"profile": "official", "subject": map[string]string{
		"name": "Lê Thị Hoa", "cccd": "001185000123", "title": "Chuyên viên", "unit": "Văn phòng", "organization": hanoi, "locality": "Hà Nội"}})
	e.seal = issue(map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "budget_code": "1058600", "locality": "Hà Nội"}})
	e.citizen = issue(map[string]any{"profile": "citizen", "pin": citizenPIN, "client_id": e.idHN, "subject": map[string]string{
		"name": "Nguyễn Văn An", "cccd": "001099012345", "locality": "Hà Nội"}})
	e.phone = newPhone(t, issued)
	root := e.get(t, "/pki/root.crt")
	e.rootPEM = writeFileT(t, filepath.Join(dir, "root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root}))
	e.nss = filepath.Join(dir, "nss")
	if err := os.MkdirAll(e.nss, 0o700); err != nil {
		t.Fatal(err)
	}
	tool(t, "certutil", "-N", "-d", "sql:"+e.nss, "--empty-password")
	tool(t, "certutil", "-A", "-d", "sql:"+e.nss, "-n", "kyso-root", "-t", "CT,C,C", "-i", e.rootPEM)
	return e
}

func writeFileT(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// upload posts a multipart request with a "file" and an "options" part.
func (e *signEnv) upload(t *testing.T, path, key string, file []byte, opts any) (int, []byte, http.Header) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "doc.pdf")
	fw.Write(file)
	ow, _ := mw.CreateFormField("options")
	json.NewEncoder(ow).Encode(opts)
	mw.Close()
	req, _ := http.NewRequest("POST", e.env["KYSO_URL"]+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header
}

var validSig = regexp.MustCompile(`Signature Validation: Signature is Valid\.`)
var trusted = regexp.MustCompile(`Certificate Validation: Certificate is Trusted\.`)

// pdfsig checks every signature with poppler's pdfsig against an NSS
// database that trusts only kyso's root, and qpdf checks the structure.
func (e *signEnv) checkPDF(t *testing.T, name string, doc []byte, wantSigs int) string {
	t.Helper()
	p := writeFileT(t, filepath.Join(e.dir, name), doc)
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+e.nss, p).CombinedOutput()
	if n := len(validSig.FindAllString(string(out), -1)); n != wantSigs {
		t.Errorf("%s: pdfsig reports %d valid signatures, want %d:\n%s", name, n, wantSigs, out)
	}
	if n := len(trusted.FindAllString(string(out), -1)); n != wantSigs {
		t.Errorf("%s: pdfsig reports %d trusted certificates, want %d:\n%s", name, n, wantSigs, out)
	}
	if q, err := exec.Command("qpdf", "--check", p).CombinedOutput(); err != nil {
		t.Errorf("%s: qpdf --check: %v\n%s", name, err, q)
	}
	return string(out)
}

func TestSignPDFLevels(t *testing.T) {
	e := newSignEnv(t)
	doc := testpdf.Make(3, 200<<10)
	for _, level := range []string{"B-B", "B-T", "B-LT", "B-LTA"} {
		t.Run(level, func(t *testing.T) {
			code, out, h := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{
				"credential_id": e.seal, "level": level, "reason": "Phê duyệt", "location": "Hà Nội",
				"appearance": map[string]any{"template": "seal", "page": 1, "rect": []float64{360, 60, 560, 160}}})
			if code != 200 {
				t.Fatalf("sign %s = %d %s", level, code, out)
			}
			if h.Get("Kyso-Level") != level || h.Get("Kyso-Document-SHA256") != fmt.Sprintf("%x", sha256.Sum256(out)) {
				t.Errorf("headers = %v", h)
			}
			want := 1
			if level == "B-LTA" {
				want = 1 // the document time-stamp is listed by pdfsig but not verified by it
			}
			e.checkPDF(t, "signed-"+level+".pdf", out, want)
		})
	}
}

func TestSignPDFCertifyThenLeaderThenSeal(t *testing.T) {
	e := newSignEnv(t)
	doc := testpdf.Make(2, 50<<10)
	steps := []struct {
		cred string
		opts map[string]any
	}{
		{e.official, map[string]any{"certify": 2, "reason": "Soạn thảo"}},
		{e.leader, map[string]any{"level": "B-T", "reason": "Phê duyệt", "appearance": map[string]any{"template": "leader", "page": 2, "rect": []float64{330, 200, 560, 300}}}},
		{e.seal, map[string]any{"level": "B-T", "reason": "Đóng dấu", "appearance": map[string]any{"template": "seal", "page": 2, "rect": []float64{330, 80, 560, 190}}}},
	}
	for i, s := range steps {
		s.opts["credential_id"] = s.cred
		code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, s.opts)
		if code != 200 {
			t.Fatalf("step %d = %d %s", i, code, out)
		}
		doc = out
	}
	e.checkPDF(t, "three.pdf", doc, 3)
	// The seal appearance shows the agency name with its diacritics.
	p := filepath.Join(e.dir, "three.pdf")
	txt := strings.Join(strings.Fields(tool(t, "pdftotext", "-f", "2", "-l", "2", p, "-")), " ")
	for _, want := range []string{hanoi, "Trần Sỹ Thanh", "Chủ tịch", "Thời gian ký:"} {
		if !strings.Contains(txt, want) {
			t.Errorf("pdftotext of page 2 lacks %q:\n%s", want, txt)
		}
	}
}

func TestSignPSSAndCMS(t *testing.T) {
	e := newSignEnv(t)
	doc := testpdf.Make(2, 20<<10)
	code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.official, "scheme": "pss", "level": "B-T"})
	if code != 200 {
		t.Fatalf("PSS sign = %d %s", code, out)
	}
	e.checkPDF(t, "pss.pdf", out, 1)

	data := []byte("Tờ trình số 123/TTr-VP — nội dung cần ký")
	content := writeFileT(t, filepath.Join(e.dir, "content.txt"), data)
	for _, scheme := range []string{"pkcs1v15", "pss"} {
		code, sig, _ := e.upload(t, "/v1/sign/cms", e.clientHN, data, map[string]any{"credential_id": e.seal, "scheme": scheme, "timestamp": true})
		if code != 200 {
			t.Fatalf("sign/cms %s = %d %s", scheme, code, sig)
		}
		sigFile := writeFileT(t, filepath.Join(e.dir, "cms-"+scheme+".p7s"), sig)
		if out := tool(t, "openssl", "cms", "-verify", "-binary", "-content", content, "-inform", "DER", "-in", sigFile, "-CAfile", e.rootPEM, "-purpose", "any", "-out", os.DevNull); !strings.Contains(out, "Verification successful") {
			t.Errorf("openssl cms -verify (%s): %s", scheme, out)
		}
		digest := sha256.Sum256(data)
		body := map[string]any{"credential_id": e.seal, "scheme": scheme, "hash_algorithm": "sha-256", "hashes": []string{base64.StdEncoding.EncodeToString(digest[:])}}
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", e.env["KYSO_URL"]+"/v1/sign/hash", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+e.clientHN)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var hr struct {
			Signatures []struct{ CMS []byte } `json:"signatures"`
		}
		json.NewDecoder(resp.Body).Decode(&hr)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(hr.Signatures) != 1 {
			t.Fatalf("sign/hash %s = %d", scheme, resp.StatusCode)
		}
		hsig := writeFileT(t, filepath.Join(e.dir, "hash-"+scheme+".p7s"), hr.Signatures[0].CMS)
		if out := tool(t, "openssl", "cms", "-verify", "-binary", "-content", content, "-inform", "DER", "-in", hsig, "-CAfile", e.rootPEM, "-purpose", "any", "-out", os.DevNull); !strings.Contains(out, "Verification successful") {
			t.Errorf("openssl cms -verify of sign/hash (%s): %s", scheme, out)
		}
	}
}

func TestSignAuthorization(t *testing.T) {
	e := newSignEnv(t)
	doc := testpdf.Make(1, 0)
	errCode := func(b []byte) string {
		var x struct{ Error struct{ Code string } }
		json.Unmarshal(b, &x)
		return x.Error.Code
	}
	if code, out, _ := e.upload(t, "/v1/sign/pdf", "", doc, map[string]any{"credential_id": e.seal}); code != 401 {
		t.Errorf("no key = %d %s", code, out)
	}
	if code, out, _ := e.upload(t, "/v1/sign/pdf", e.env["KYSO_ADMIN_TOKEN"], doc, map[string]any{"credential_id": e.seal}); code != 401 {
		t.Errorf("admin token on the sign API = %d %s, want 401", code, out)
	}
	if code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientOther, doc, map[string]any{"credential_id": e.seal}); code != 403 || errCode(out) != "forbidden" {
		t.Errorf("other agency's client = %d %s, want 403 forbidden", code, out)
	}
	if code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.citizen}); code != 403 || errCode(out) != "consent_failed" {
		t.Errorf("citizen without a SAD = %d %s, want 403 consent_failed", code, out)
	}
	// Red team (issue #14): a leaked PIN alone signs nothing.
	if code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.citizen, "pin": citizenPIN}); code != 403 || errCode(out) != "consent_failed" {
		t.Errorf("citizen with a bare PIN = %d %s, want 403 consent_failed", code, out)
	}
	// A client the citizen is not bound to cannot ask for an
	// authorisation, until an enrolment event (with identity proofing)
	// binds it.
	base := e.env["KYSO_URL"]
	if code, out := postClient(t, base, "/v1/credentials/"+e.citizen+"/authorize", e.clientOther, map[string]any{
		"pin": citizenPIN, "otp": "123456", "document_sha256": []string{fmt.Sprintf("%x", sha256.Sum256(doc))}}); code != 403 || out["error"].(map[string]any)["code"] != "forbidden" {
		t.Errorf("authorize through an unbound client = %d %v, want 403 forbidden", code, out)
	}
	if code, out := e.call(t, "POST", "/v1/credentials/"+e.citizen+"/clients", map[string]any{"client_id": e.idOther}); code != 400 {
		t.Errorf("bind a client without evidence = %d %v, want 400", code, out)
	}
	if code, out := e.call(t, "POST", "/v1/credentials/"+e.citizen+"/clients", map[string]any{"client_id": e.idOther, "evidence": evidence}); code != 200 {
		t.Fatalf("bind a client = %d %v", code, out)
	}
	sad := authorizeDocs(t, base, e.clientOther, e.citizen, citizenPIN, e.phone, doc)
	// The SAD is for this document and this client only.
	if code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.citizen, "sad": sad}); code != 403 || errCode(out) != "consent_failed" {
		t.Errorf("another client with the SAD = %d %s, want 403 consent_failed", code, out)
	}
	if code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientOther, testpdf.Make(2, 0), map[string]any{"credential_id": e.citizen, "sad": sad}); code != 403 || errCode(out) != "consent_failed" {
		t.Errorf("the SAD for another document = %d %s, want 403 consent_failed", code, out)
	}
	signed, out, _ := e.upload(t, "/v1/sign/pdf", e.clientOther, doc, map[string]any{"credential_id": e.citizen, "sad": sad,
		"appearance": map[string]any{"template": "citizen", "page": 1, "rect": []float64{40, 40, 300, 140}}})
	if signed != 200 {
		t.Errorf("citizen with the SAD = %d %s", signed, out)
	} else {
		e.checkPDF(t, "citizen.pdf", out, 1)
	}
	if code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientOther, doc, map[string]any{"credential_id": e.citizen, "sad": sad}); code != 403 || errCode(out) != "consent_failed" {
		t.Errorf("the SAD used twice = %d %s, want 403 consent_failed", code, out)
	}
	// Wrong PINs lock the client that sent them out, not the others.
	sum := fmt.Sprintf("%x", sha256.Sum256(doc))
	for i := 1; i <= 5; i++ {
		code, out := postClient(t, base, "/v1/credentials/"+e.citizen+"/authorize", e.clientHN, map[string]any{
			"pin": "111222", "otp": "000000", "document_sha256": []string{sum}})
		want := "consent_failed"
		if i == 5 {
			want = "credential_locked"
		}
		if code != 403 || out["error"].(map[string]any)["code"] != want {
			t.Errorf("wrong PIN #%d = %d %v, want 403 %s", i, code, out, want)
		}
	}
	if code, out := postClient(t, base, "/v1/credentials/"+e.citizen+"/authorize", e.clientHN, map[string]any{
		"pin": citizenPIN, "otp": e.phone.code(t), "document_sha256": []string{sum}}); code != 403 || out["error"].(map[string]any)["code"] != "credential_locked" {
		t.Errorf("right factors from the locked client = %d %v, want 403 credential_locked", code, out)
	}
	// Unlocking is an enrolment event: not on an admin token alone.
	if code, out := e.call(t, "POST", "/v1/credentials/"+e.citizen+"/unlock", nil); code != 400 {
		t.Fatalf("unlock without evidence = %d %v, want 400", code, out)
	}
	if code, out := e.call(t, "POST", "/v1/credentials/"+e.citizen+"/pin", map[string]any{"pin": "975318"}); code != 400 {
		t.Fatalf("set a PIN without evidence = %d %v, want 400", code, out)
	}
	if code, out := e.call(t, "POST", "/v1/credentials/"+e.citizen+"/unlock", map[string]any{"evidence": evidence}); code != 200 {
		t.Fatalf("unlock = %d %v", code, out)
	}
	sad = authorizeDocs(t, base, e.clientHN, e.citizen, citizenPIN, e.phone, doc)
	if code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.citizen, "sad": sad}); code != 200 {
		t.Errorf("the SAD after unlock = %d %s", code, out)
	}
	// The audit chain holds all of it and verifies.
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, []string{"audit", "verify", "--data", e.dir}); err != nil {
		t.Fatalf("kyso audit verify: %v\n%s", err, buf.String())
	}
	t.Logf("audit: %s", strings.TrimSpace(buf.String()))
}

func TestSignPDFBatchAPI(t *testing.T) {
	e := newSignEnv(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ow, _ := mw.CreateFormField("options")
	json.NewEncoder(ow).Encode(map[string]any{"credential_id": e.seal, "level": "B-B", "reason": "Đóng dấu"})
	const n = 5
	for i := 0; i < n; i++ {
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("qd-%d.pdf", i))
		if i == 2 {
			fw.Write([]byte("%PDF-1.7 but broken"))
			continue
		}
		fw.Write(testpdf.Make(2, 8<<10))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.env["KYSO_URL"]+"/v1/sign/pdf/batch", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.clientHN)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Results []struct {
			Index  int
			Name   string
			Status string
			PDF    []byte `json:"pdf"`
			Error  struct{ Code string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("batch = %d, %v", resp.StatusCode, err)
	}
	if len(out.Results) != n {
		t.Fatalf("batch returned %d results, want %d", len(out.Results), n)
	}
	for i, r := range out.Results {
		if i == 2 {
			if r.Status != "failed" || r.Error.Code == "" {
				t.Errorf("broken document: %+v, want failed with a code", r)
			}
			continue
		}
		if r.Status != "signed" || r.Name != fmt.Sprintf("qd-%d.pdf", i) {
			t.Errorf("document %d: %s %s", i, r.Status, r.Name)
			continue
		}
		e.checkPDF(t, fmt.Sprintf("batch-%d.pdf", i), r.PDF, 1)
	}
}

// TestSealImageUpload: an admin uploads the agency's seal image; a bad
// image is refused at upload; seal signatures then carry the image.
func TestSealImageUpload(t *testing.T) {
	e := newSignEnv(t)
	img := image.NewNRGBA(image.Rect(0, 0, 120, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 120; x++ {
			if dx, dy := x-60, y-60; dx*dx+dy*dy < 55*55 && dx*dx+dy*dy > 45*45 {
				img.Set(x, y, color.NRGBA{R: 220, A: 255})
			}
		}
	}
	var png bytes.Buffer // the encoded seal
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	put := func(body []byte, token string) int {
		req, _ := http.NewRequest("PUT", e.env["KYSO_URL"]+"/v1/seal-images/"+url.PathEscape(hanoi), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "image/png")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := put(png.Bytes(), e.clientHN); code != 401 {
		t.Errorf("upload with a client key = %d, want 401", code)
	}
	if code := put([]byte("GIF89a not accepted"), e.env["KYSO_ADMIN_TOKEN"]); code != 400 {
		t.Errorf("upload of a non-PNG/JPEG = %d, want 400", code)
	}
	if code := put(png.Bytes(), e.env["KYSO_ADMIN_TOKEN"]); code != 200 {
		t.Fatalf("upload = %d", code)
	}
	code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, testpdf.Make(1, 0), map[string]any{"credential_id": e.seal,
		"appearance": map[string]any{"template": "seal", "page": 1, "rect": []float64{300, 60, 560, 200}}})
	if code != 200 {
		t.Fatalf("seal signature with the uploaded image = %d %s", code, out)
	}
	e.checkPDF(t, "sealed.pdf", out, 1)
	// The image is in the document: pdfimages lists it.
	if list := tool(t, "pdfimages", "-list", filepath.Join(e.dir, "sealed.pdf")); !strings.Contains(list, "120   120") {
		t.Errorf("pdfimages does not list the 120x120 seal image:\n%s", list)
	}
}

// TestTSAWithOpenSSL: kyso's RFC 3161 endpoint answers openssl's query and
// openssl verifies the token up to kyso's root.
func TestTSAWithOpenSSL(t *testing.T) {
	e := newSignEnv(t)
	data := writeFileT(t, filepath.Join(e.dir, "data.txt"), []byte("Quyết định số 2280/QĐ-UBND"))
	tsq := filepath.Join(e.dir, "req.tsq")
	tool(t, "openssl", "ts", "-query", "-data", data, "-sha256", "-cert", "-out", tsq)
	q, _ := os.ReadFile(tsq)
	resp, err := http.Post(e.env["KYSO_URL"]+"/pki/tsa", "application/timestamp-query", bytes.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	tsr, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/timestamp-reply" {
		t.Fatalf("POST /pki/tsa = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	tsrFile := writeFileT(t, filepath.Join(e.dir, "resp.tsr"), tsr)
	// The TSA certificate chains to kyso's issuing CA, which is in the token.
	if out := tool(t, "openssl", "ts", "-verify", "-data", data, "-in", tsrFile, "-CAfile", e.rootPEM); !strings.Contains(out, "Verification: OK") {
		t.Errorf("openssl ts -verify: %s", out)
	}
	text := tool(t, "openssl", "ts", "-reply", "-in", tsrFile, "-text")
	if !strings.Contains(text, "Status: Granted") || !strings.Contains(text, "Accuracy") {
		t.Errorf("openssl ts -reply -text:\n%s", text)
	}
}

// TestSignErrorsAreClassified: a sealed Vault during signing is a 503
// vault_unavailable, an unknown credential a 404, two options parts a 400.
func TestSignErrorsAreClassified(t *testing.T) {
	e := newSignEnv(t)
	doc := testpdf.Make(1, 0)
	errOf := func(b []byte) string {
		var x struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(b, &x)
		return x.Error.Code + ": " + x.Error.Message
	}
	if code, out := e.call(t, "POST", "/v1/credentials/cred_nope/unlock", map[string]any{"evidence": evidence}); code != 404 {
		t.Errorf("unlock of an unknown credential = %d %v, want 404", code, out)
	}
	// Two options parts are refused, not merged.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "d.pdf")
	fw.Write(doc)
	for _, o := range []string{`{"credential_id":"` + e.seal + `"}`, `{"level":"B-T"}`} {
		ow, _ := mw.CreateFormField("options")
		ow.Write([]byte(o))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.env["KYSO_URL"]+"/v1/sign/pdf", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.clientHN)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("two options parts = %d, want 400", resp.StatusCode)
	}

	// Seal Vault under the running kyso: signing answers 503, then recovers.
	dv, err := devvault.Attach(filepath.Join(e.dir, "vault"), e.env["VAULT_ADDR"])
	if err != nil {
		t.Fatal(err)
	}
	if err := dv.Seal(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal})
	if code != 503 || !strings.HasPrefix(errOf(out), "vault_unavailable") {
		t.Errorf("sign with Vault sealed = %d %s, want 503 vault_unavailable", code, errOf(out))
	}
	if err := dv.Unseal(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal}); code != 200 {
		t.Errorf("sign after unseal = %d %s", code, errOf(out))
	}
}

// TestSignLargeDocument signs a document larger than what the API holds
// in memory (it goes through temporary files) and one just under, alone
// and in a batch: both are valid for pdfsig and kyso's verifier, and no
// temporary file is left behind.
func TestSignLargeDocument(t *testing.T) {
	// A budget of 32 MiB holds documents of up to 4 MiB in memory.
	t.Setenv("KYSO_HTTP_MEMORY_BYTES", strconv.Itoa(32<<20))
	e := newSignEnv(t)
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "kyso-*"))
	for _, size := range []int{4<<20 - 64<<10, 6 << 20} {
		doc := testpdf.Make(20, size)
		code, out, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal, "level": "B-T"})
		if code != 200 {
			t.Fatalf("sign %d bytes = %d %s", len(doc), code, out)
		}
		if !bytes.HasPrefix(out, doc) {
			t.Errorf("%d bytes: the signed PDF does not start with the original", len(doc))
		}
		e.checkPDF(t, fmt.Sprintf("large-%d.pdf", size), out, 1)
		if rep := e.verifyAPI(t, out); !rep.Valid {
			t.Errorf("%d bytes: verify = %+v", len(doc), rep.Signatures)
		}
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "kyso-*"))
	if len(after) > len(before) {
		t.Errorf("temporary files left: %v", after)
	}
}
