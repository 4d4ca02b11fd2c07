package csc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// oneClient is a client table of one client whose API key is "kyso_cli_t".
type oneClient struct{ c *model.Client }

func (o oneClient) Authenticate(_ context.Context, key string) (*model.Client, error) {
	if key != "kyso_cli_t" {
		return nil, errkind.New(errkind.Unauthorized, "no")
	}
	return o.c, nil
}

func (o oneClient) Client(_ context.Context, id string) (*model.Client, error) {
	if id != o.c.ID {
		return nil, errkind.New(errkind.NotFound, "no")
	}
	return o.c, nil
}

// oneCredential is a credential table of one citizen credential "cred".
type oneCredential struct{ cred *model.SigningCredential }

func (o oneCredential) List(context.Context, *model.Client, string) ([]string, error) {
	return []string{o.cred.ID}, nil
}

func (o oneCredential) Key(ctx context.Context, c *model.Client, id string) (*model.SigningCredential, error) {
	return o.Info(ctx, c, id)
}

func (o oneCredential) Info(_ context.Context, _ *model.Client, id string) (*model.SigningCredential, error) {
	if id != o.cred.ID {
		return nil, errkind.New(errkind.NotFound, "no such credential")
	}
	return o.cred, nil
}

// TestHostileRequests: malformed, mistyped, oversized and random bodies
// on every CSC route get a CSC error (4xx, {error, error_description}),
// never a panic or a 5xx; the decisions behind (Remote, Documents) are
// never reached by them (they are nil here: reaching one would be a 503).
func TestHostileRequests(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Nguyễn Văn An"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	h := New(Config{MaxBodyBytes: 64 << 10}, Deps{
		Clients:     oneClient{&model.Client{ID: "cli_t", KeyHash: []byte("h")}},
		Credentials: oneCredential{&model.SigningCredential{ID: "cred", Profile: "citizen", SCAL: "2", Key: model.Key{Cert: cert}}},
	})
	r := mux.NewRouter()
	h.Mount(r)
	send := func(path, ct, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer kyso_cli_t")
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}
	check := func(name string, rec *httptest.ResponseRecorder) {
		t.Helper()
		var e Error
		if rec.Code < 400 || rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Name == "" || e.Description == "" {
			t.Errorf("%s: %d %s; want a 4xx CSC error", name, rec.Code, rec.Body.String())
		}
	}
	cases := []struct{ path, body string }{
		{"/csc/v2/credentials/info", `{"credentialID":1}`},
		{"/csc/v2/credentials/info", `{"credentialID":"cred","certificates":"all"}`},
		{"/csc/v2/credentials/info", `{"credentialID":"other"}`},
		{"/csc/v2/credentials/info", `[`},
		{"/csc/v2/credentials/authorize", `{"credentialID":"cred","numSignatures":0,"hashes":[]}`},
		{"/csc/v2/credentials/authorize", `{"credentialID":"cred","numSignatures":2,"hashes":["` + strings.Repeat("A", 43) + `="]}`},
		{"/csc/v2/credentials/authorize", `{"credentialID":"cred","numSignatures":99999999999999999999}`},
		{"/csc/v2/credentials/authorize", `{"credentialID":"cred","numSignatures":1,"hashes":["%%%"]}`},
		{"/csc/v2/credentials/authorize", `{"credentialID":"cred","numSignatures":1,"hashes":["AAAA"]}`},
		{"/csc/v2/credentials/extendTransaction", `{}`},
		{"/csc/v2/signatures/signHash", `{"credentialID":"cred","hashes":["` + strings.Repeat("A", 43) + `="],"signAlgo":"1.2.840.113549.1.1.10","signAlgoParams":"MAA="}`},
		{"/csc/v2/signatures/signHash", `{"credentialID":"cred","hashes":["` + strings.Repeat("A", 43) + `="],"signAlgo":"1.2.840.10045.4.3.2"}`},
		{"/csc/v2/signatures/signHash", `{"credentialID":"cred","hashes":[],"signAlgo":"1.2.840.113549.1.1.11"}`},
		{"/csc/v2/signatures/signHash", `{"credentialID":"cred","hash":["x"],"hashes":["y"],"signAlgo":"1.2.840.113549.1.1.11"}`},
		{"/csc/v2/signatures/signHash", `{"credentialID":"cred","hashes":["` + strings.Repeat("A", 43) + `="],"signAlgo":"1.2.840.113549.1.1.11","operationMode":"X"}`},
		{"/csc/v2/signatures/signHash", `{"credentialID":"cred","hashes":["` + strings.Repeat("A", 43) + `="],"signAlgo":"1.2.840.113549.1.1.11","operationMode":"A","SAD":"x"}`},
		{"/csc/v2/signatures/signPolling", `{"responseID":"tx_1"}`},
		{"/csc/v2/signatures/signPolling", `{"responseID":"tx_1.!!!"}`},
		{"/csc/v2/signatures/signDoc", `{"credentialID":"cred"}`},
		{"/csc/v2/signatures/signDoc", `{"credentialID":"cred","documents":[{"document":"%%%"}]}`},
		{"/csc/v2/signatures/signDoc", `{"credentialID":"cred","documents":[{"document":"AAAA","signature_format":"J"}]}`},
		{"/csc/v2/signatures/signDoc", `{"credentialID":"cred","documents":[{"document":"JVBERi0=","conformance_level":"Ades-B-X"}]}`},
		{"/csc/v2/signatures/signDoc", `{"credentialID":"cred","operationMode":"A","documents":[{"document":"JVBERi0="}]}`},
		{"/csc/v1/oauth2/token", `grant_type=password&client_id=a&client_secret=b`},
		{"/csc/v1/auth/login", `{}`},
		{"/csc/v2/credentials/list", strings.Repeat("[", 70<<10)},
	}
	for _, tc := range cases {
		check(tc.path+" "+tc.body[:min(len(tc.body), 60)], send(tc.path, "", tc.body))
	}
	check("wrong media type", send("/csc/v2/credentials/list", "text/plain", "{}"))

	// Random bytes and random JSON-ish text on every route.
	rng := mrand.New(mrand.NewPCG(1, 2))
	alphabet := []byte(`{}[]":,0123456789abcdefSADhashes-.+=/ eE\` + "\x00\xff")
	for i := 0; i < 2000; i++ {
		b := make([]byte, rng.IntN(200))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		path := "/csc/v2" + Paths[rng.IntN(len(Paths))]
		rec := send(path, "application/json", string(b))
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s with %q: %d %s", path, b, rec.Code, rec.Body.String())
		}
	}
}

// TestAdmit: a request of a known client goes through Admit, which may
// refuse it (429) and is told when an admitted one is done.
func TestAdmit(t *testing.T) {
	var admitted, done int
	refuse := false
	h := New(Config{Admit: func(_ *http.Request, id string) (func(), error) {
		if id != "cli_t" {
			t.Errorf("Admit(%q), want cli_t", id)
		}
		if refuse {
			return nil, errkind.New(errkind.TooMany, "too many in progress")
		}
		admitted++
		return func() { done++ }, nil
	}}, Deps{Clients: oneClient{&model.Client{ID: "cli_t"}}, Credentials: oneCredential{&model.SigningCredential{ID: "cred"}}})
	r := mux.NewRouter()
	h.Mount(r)
	list := func() int {
		req := httptest.NewRequest(http.MethodPost, "/csc/v2/credentials/list", strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer kyso_cli_t")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := list(); code != http.StatusOK || admitted != 1 || done != 1 {
		t.Errorf("list = %d, admitted %d, done %d; want 200, 1, 1", code, admitted, done)
	}
	refuse = true
	if code := list(); code != http.StatusTooManyRequests {
		t.Errorf("list when Admit refuses = %d, want 429", code)
	}
}
