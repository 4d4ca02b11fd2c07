package main

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/auth"
)

// cscPost posts a JSON body to a CSC method with a bearer token.
func cscPost(t *testing.T, base, method, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+"/csc/v2/"+method, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return doJSON(t, req)
}

func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

// cscCode is a TOTP code of the current step, or of the next one when the
// current one was given (kyso would refuse a code of the step before now
// once its clock crossed a step boundary).
func cscCode(t *testing.T, p *phone) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now().Unix() / 30
	step := max(p.last+1, now)
	if step > now+1 {
		t.Fatalf("more than two authorisations of one citizen in a 30 s step")
	}
	p.last = step
	c, err := auth.Code(p.seed, time.Unix(step*30+15, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCSCAPI drives the CSC API and the confirmation page's JSON of a real
// kyso dev (the full client written from the specification is
// tools/cscclient): a token from oauth2/token; list and info (the
// citizen's SCAL 2, the seal's SCAL 1); authorize with PIN and TOTP and a
// signHash the citizen's certificate verifies, the same SAD refused again;
// the seal's signHash without SAD; a transaction of the confirmation mode
// confirmed through /confirm/{id}/view and /confirm, its signature given
// once by signPolling; errors in CSC's form.
func TestCSCAPI(t *testing.T) {
	e := newSignEnv(t)
	base := e.env["KYSO_URL"]
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.idHN}, "client_secret": {e.clientHN}}
	req, _ := http.NewRequest("POST", base+"/csc/v2/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, tok := doJSON(t, req)
	token, _ := tok["access_token"].(string)
	if code != 200 || !strings.HasPrefix(token, "kyso_csc_") || tok["token_type"] != "Bearer" {
		t.Fatalf("oauth2/token = %d %v", code, tok)
	}

	code, list := cscPost(t, base, "credentials/list", token, map[string]any{})
	ids, _ := list["credentialIDs"].([]any)
	if code != 200 || !containsAny(ids, e.citizen) || !containsAny(ids, e.seal) {
		t.Errorf("credentials/list = %d %v, want the citizen %s and the seal %s", code, list, e.citizen, e.seal)
	}
	// Exactly the agency's officials and seal and the citizen bound to
	// the client; another agency's client sees none of them; userID keeps
	// one.
	sameIDs := func(got any, want ...string) bool {
		list, _ := got.([]any)
		var g []string
		for _, v := range list {
			s, _ := v.(string)
			g = append(g, s)
		}
		slices.Sort(g)
		slices.Sort(want)
		return slices.Equal(g, want)
	}
	if !sameIDs(ids, e.leader, e.official, e.seal, e.citizen) {
		t.Errorf("credentials/list = %v, want exactly %s %s %s %s", ids, e.leader, e.official, e.seal, e.citizen)
	}
	if code, one := cscPost(t, base, "credentials/list", token, map[string]any{"userID": e.seal}); code != 200 || !sameIDs(one["credentialIDs"], e.seal) {
		t.Errorf("credentials/list for userID %s = %d %v", e.seal, code, one)
	}
	form.Set("client_id", e.idOther)
	form.Set("client_secret", e.clientOther)
	req, _ = http.NewRequest("POST", base+"/csc/v2/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, tok := doJSON(t, req); code != 200 {
		t.Errorf("oauth2/token of another agency's client = %d %v", code, tok)
	} else if code, other := cscPost(t, base, "credentials/list", tok["access_token"].(string), map[string]any{}); code != 200 || !sameIDs(other["credentialIDs"]) {
		t.Errorf("credentials/list of another agency's client = %d %v, want none", code, other)
	}
	info := func(id string) (string, *x509.Certificate) {
		t.Helper()
		code, out := cscPost(t, base, "credentials/info", token, map[string]any{"credentialID": id, "certificates": "chain"})
		cert, _ := out["cert"].(map[string]any)
		certs, _ := cert["certificates"].([]any)
		if code != 200 || len(certs) < 2 {
			t.Fatalf("credentials/info %s = %d %v", id, code, out)
		}
		der, _ := base64.StdEncoding.DecodeString(certs[0].(string))
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		scal, _ := out["SCAL"].(string)
		return scal, leaf
	}
	scal, citizenCert := info(e.citizen)
	if scal != "2" {
		t.Errorf("the citizen's SCAL = %q, want 2", scal)
	}
	sealSCAL, sealCert := info(e.seal)
	if sealSCAL != "1" {
		t.Errorf("the seal's SCAL = %q, want 1", sealSCAL)
	}

	digest := sha256.Sum256([]byte("hồ sơ HS-2026-000123"))
	h64 := base64.StdEncoding.EncodeToString(digest[:])
	code, auth := cscPost(t, base, "credentials/authorize", token, map[string]any{"credentialID": e.citizen, "numSignatures": 1,
		"hashes": []string{h64}, "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "PIN": citizenPIN, "OTP": cscCode(t, e.phone)})
	sad, _ := auth["SAD"].(string)
	if code != 200 || sad == "" {
		t.Fatalf("credentials/authorize = %d %v", code, auth)
	}
	signHash := func(cred, sad string) (int, map[string]any) {
		return cscPost(t, base, "signatures/signHash", token, map[string]any{"credentialID": cred, "SAD": sad, "hashes": []string{h64},
			"hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.113549.1.1.1"})
	}
	verify := func(cert *x509.Certificate, out map[string]any) {
		t.Helper()
		sigs, _ := out["signatures"].([]any)
		if len(sigs) != 1 {
			t.Fatalf("signHash = %v, want one signature", out)
		}
		sig, _ := base64.StdEncoding.DecodeString(sigs[0].(string))
		if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], sig); err != nil {
			t.Errorf("the signature does not verify with %s: %v", cert.Subject, err)
		}
	}
	code, out := signHash(e.citizen, sad)
	if code != 200 {
		t.Fatalf("signHash = %d %v", code, out)
	}
	verify(citizenCert, out)
	if code, out := signHash(e.citizen, sad); code != 400 || out["error"] != "invalid_grant" || out["error_description"] == "" {
		t.Errorf("the same SAD again = %d %v, want 400 invalid_grant", code, out)
	}
	code, out = signHash(e.seal, "")
	if code != 200 {
		t.Fatalf("the seal's signHash without SAD = %d %v", code, out)
	}
	verify(sealCert, out)

	// The confirmation mode, through the page's JSON.
	code, open := cscPost(t, base, "signatures/signHash", token, map[string]any{"credentialID": e.citizen, "hashes": []string{h64},
		"hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.113549.1.1.11", "operationMode": "A", "docID": "HS-2026-000123"})
	rid, _ := open["responseID"].(string)
	confirmURL, _ := open["confirmURL"].(string)
	u, err := url.Parse(confirmURL)
	pageToken, inFragment := strings.CutPrefix(u.Fragment, "t=")
	if code != 200 || rid == "" || err != nil || !inFragment || pageToken == "" || u.RawQuery != "" {
		t.Fatalf("signHash (operationMode A) = %d %v", code, open)
	}
	if code, out := cscPost(t, base, "signatures/signPolling", token, map[string]any{"responseID": rid}); code != 202 || out["status"] != "pending" {
		t.Errorf("signPolling before the citizen confirmed = %d %v, want 202 pending", code, out)
	}
	page := func(what string, body map[string]any) (int, map[string]any) {
		if _, ok := body["token"]; !ok {
			body["token"] = pageToken
		}
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+u.Path+"/"+what, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		return doJSON(t, req)
	}
	if code, view := page("view", map[string]any{}); code != 200 || view["doc_id"] != "HS-2026-000123" || view["state"] != "pending" {
		t.Errorf("/confirm view = %d %v", code, view)
	}
	if code, out := page("view", map[string]any{"token": "x"}); code == 200 {
		t.Errorf("/confirm view with another token = %d %v", code, out)
	}
	if code, out := page("confirm", map[string]any{"pin": citizenPIN, "otp": cscCode(t, e.phone)}); code != 200 || out["state"] != "confirmed" {
		t.Fatalf("/confirm confirm = %d %v", code, out)
	}
	code, out = cscPost(t, base, "signatures/signPolling", token, map[string]any{"responseID": rid})
	if code != 200 {
		t.Fatalf("signPolling after the confirmation = %d %v", code, out)
	}
	verify(citizenCert, out)
	if code, out := cscPost(t, base, "signatures/signPolling", token, map[string]any{"responseID": rid}); code == 200 {
		t.Errorf("signPolling gave the signatures twice: %v", out)
	}
}

func containsAny(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestCSCTokenTTLConfig: http.csc_token_ttl is read, and one beyond an
// hour or negative is refused at start-up.
func TestCSCTokenTTLConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		json string
		want time.Duration
		ok   bool
	}{
		{`{}`, 0, true},
		{`{"http":{"csc_token_ttl":"30m"}}`, 30 * time.Minute, true},
		{`{"http":{"csc_token_ttl":"2h"}}`, 0, false},
		{`{"http":{"csc_token_ttl":"-1s"}}`, 0, false},
	} {
		p := dir + "/kyso.json"
		if err := os.WriteFile(p, []byte(tc.json), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := loadConfig(p)
		if tc.ok != (err == nil) || err == nil && time.Duration(c.HTTP.CSCTokenTTL) != tc.want {
			t.Errorf("loadConfig(%s) = %v; want ok=%t, csc_token_ttl %v", tc.json, err, tc.ok, tc.want)
		}
	}
}
