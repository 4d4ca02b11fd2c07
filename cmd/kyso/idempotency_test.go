package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
)

// signWithKey posts /v1/sign/pdf with an Idempotency-Key.
func signWithKey(t *testing.T, r *devRun, apiKey, idemKey string, doc []byte, opts any) (int, []byte, http.Header) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "doc.pdf")
	fw.Write(doc)
	ow, _ := mw.CreateFormField("options")
	json.NewEncoder(ow).Encode(opts)
	mw.Close()
	req, _ := http.NewRequest("POST", r.env["KYSO_URL"]+"/v1/sign/pdf", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Idempotency-Key", idemKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header
}

// TestIdempotentAnswersSealed runs kyso dev (real Vault, real SQLite):
// the signed document kept for an Idempotency-Key replay is sealed in the
// database (no byte of the document in its row) and replays, also after a
// restart; a sealed answer moved into another client's row is refused
// with an internal error, not replayed to that client; with a quota, the
// client's oldest answer makes room for the newest and its replay is
// 410 idempotency_answer_evicted, not a second signature.
func TestIdempotentAnswersSealed(t *testing.T) {
	dir := t.TempDir()
	first := startDevWith(t, dir)
	t.Cleanup(func() { first.stop(t) })
	client := func(r *devRun, name string) string {
		code, out := r.call(t, "POST", "/v1/clients", map[string]any{"name": name, "organizations": []string{hanoi}})
		if code != 201 {
			t.Fatalf("create client = %d %v", code, out)
		}
		return out["api_key"].(string)
	}
	a, b := client(first, "e-office A"), client(first, "e-office B")
	code, seal := first.call(t, "POST", "/v1/certificates", map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "locality": "Hà Nội"}})
	if code != 201 {
		t.Fatalf("issue seal = %d %v", code, seal)
	}
	opts := map[string]any{"credential_id": seal["credential_id"]}
	doc := testpdf.Make(1, 20<<10)

	code, signed, _ := signWithKey(t, first, a, "k1", doc, opts)
	if code != 200 || !bytes.Contains(signed, []byte(testpdf.Marker)) {
		t.Fatalf("sign k1 = %d (%d bytes), want the signed document", code, len(signed))
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "kyso.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var row []byte
	var header string
	var sealed, stored int
	if err := db.QueryRow(`SELECT body, header_json, sealed, stored_bytes FROM idempotency_keys WHERE idem_key = 'k1'`).Scan(&row, &header, &sealed, &stored); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row, []byte(testpdf.Marker)) || bytes.Contains(row, []byte("%PDF")) || bytes.Contains(row, signed[len(signed)-200:]) || header != "{}" {
		t.Errorf("the row of k1 holds the signed document or its headers in clear")
	}
	if sealed != 1 || stored < len(signed) {
		t.Errorf("row of k1: sealed %d, stored_bytes %d for a %d-byte answer", sealed, stored, len(signed))
	}
	if code, again, h := signWithKey(t, first, a, "k1", doc, opts); code != 200 || !bytes.Equal(again, signed) || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay of k1 = %d replayed %q, same document %v", code, h.Get("Idempotent-Replayed"), bytes.Equal(again, signed))
	}

	// A's sealed answer moved into B's row of the same request.
	if code, _, _ := signWithKey(t, first, b, "kb", doc, opts); code != 200 {
		t.Fatalf("sign kb = %d", code)
	}
	if _, err := db.Exec(`UPDATE idempotency_keys SET body = $1 WHERE idem_key = 'kb'`, row); err != nil {
		t.Fatal(err)
	}
	code, out, _ := signWithKey(t, first, b, "kb", doc, opts)
	if code != 500 || errCode(out) != "internal_error" || bytes.Contains(out, []byte(testpdf.Marker)) {
		t.Errorf("replay of kb holding A's sealed answer = %d %s; want 500 internal_error", code, out)
	}
	first.stop(t)

	// Restarted with a quota of two and a half answers.
	t.Setenv("KYSO_HTTP_IDEMPOTENCY_QUOTA_BYTES", strconv.Itoa(stored*5/2))
	second := startDevWith(t, dir)
	t.Cleanup(func() { second.stop(t) })
	if code, again, _ := signWithKey(t, second, a, "k1", doc, opts); code != 200 || !bytes.Equal(again, signed) {
		t.Fatalf("replay of k1 after a restart = %d, same document %v", code, bytes.Equal(again, signed))
	}
	for _, k := range []string{"k2", "k3"} {
		if code, _, _ := signWithKey(t, second, a, k, doc, opts); code != 200 {
			t.Fatalf("sign %s = %d", k, code)
		}
	}
	code, out, _ = signWithKey(t, second, a, "k1", doc, opts)
	if code != 410 || errCode(out) != "idempotency_answer_evicted" {
		t.Errorf("replay of k1 after two newer answers over the quota = %d %s; want 410 idempotency_answer_evicted", code, out)
	}
	for _, k := range []string{"k2", "k3"} {
		if code, _, h := signWithKey(t, second, a, k, doc, opts); code != 200 || h.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay of %s = %d replayed %q; want the kept answer", k, code, h.Get("Idempotent-Replayed"))
		}
	}
	var kept int
	if err := db.QueryRow(`SELECT SUM(stored_bytes) FROM idempotency_keys WHERE actor = (SELECT actor FROM idempotency_keys WHERE idem_key = 'k1')`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept > stored*5/2 {
		t.Errorf("client A keeps %d bytes of answers, over its quota of %d", kept, stored*5/2)
	}
}

func errCode(b []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Error.Code
}
