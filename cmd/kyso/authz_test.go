package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	pngenc "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/gorilla/mux"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// authzCaller is one kind of caller of the matrix: the bearer token it
// sends and, on the signing routes, the credential it signs with.
//
// kyso has no citizen login. A citizen never holds a key of their own: a
// registered client system (here client A) signs on the citizen's
// credential, and the citizen authorises each signature with their PIN and
// a one-time code, which gives the client a single-use SAD. So "citizen" is
// client A's key on the citizen credential, without the PIN and with the
// right PIN alone, which is not consent (issue #14: a leaked PIN must sign
// nothing). On the routes that take no credential, the citizen kinds are
// simply client A's key.
type authzCaller struct {
	name string
	key  string // bearer token; "" sends no Authorization header
	cred string // credential signed with on the signing routes
	pin  string
}

// authzClass groups routes by who may call them.
type authzClass int

const (
	// authzPublic routes answer the same whatever credential is sent.
	authzPublic authzClass = iota
	// authzSigning routes take a client API key, bound to the credential's agency.
	authzSigning
	// authzAdmin routes take an admin token and nothing else.
	authzAdmin
	// authzClient routes take any client API key (no credential: kyso's
	// own service, e.g. extending a PDF spends a time-stamp of its TSA).
	authzClient
	// authzOwn routes authenticate with tokens of their own (the CSC
	// API's login and token endpoints, the confirmation page's token in
	// the body): kyso's API keys and admin tokens open nothing there, so
	// every caller gets the same answer.
	authzOwn
	// authzCSC routes of the CSC API take a CSC access token or a client
	// API key as the bearer; without one (or with an admin token) CSC's
	// 401, in CSC's {error, error_description} form (no kyso code).
	authzCSC
)

func (c authzClass) String() string {
	return [...]string{"public", "signing", "admin", "client", "own", "csc"}[c]
}

// authzRoute is one (method, route template) of the router and how to call it.
type authzRoute struct {
	class authzClass
	// req builds a fresh request for the caller (without Authorization).
	req func(c authzCaller) *http.Request
	// want is the status of a public route for every caller, and of an
	// admin route for the admin token.
	want int
	// wantCode is the JSON error code that goes with want, if it is an error.
	wantCode string
}

// authzResult is what one request answered.
type authzResult struct {
	status int
	code   string
}

func (r authzResult) String() string {
	if r.code == "" {
		return fmt.Sprint(r.status)
	}
	return fmt.Sprintf("%d %s", r.status, r.code)
}

// routerRoutes walks kyso's router and returns "METHOD template" for each
// method of each route, in router order.
func routerRoutes(t *testing.T) []string {
	t.Helper()
	var out []string
	err := api.New(api.Config{}, api.Deps{}).Router().Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if route.GetHandler() == nil {
			return nil
		}
		tmpl, err := route.GetPathTemplate()
		if err != nil {
			t.Errorf("a route has no path template: %v", err)
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			t.Errorf("route %s accepts every method (%v); the matrix cannot cover it", tmpl, err)
			return nil
		}
		for _, m := range methods {
			out = append(out, m+" "+tmpl)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Walk() = %v", err)
	}
	if len(out) == 0 {
		t.Fatal("the router has no routes")
	}
	return out
}

// TestAuthorizationMatrix calls every route of kyso's router as every kind
// of caller against one real kyso dev and checks the status (and the error
// code): admin routes take only the admin token; signing routes take only
// a client key, bound to the credential's agency, and a citizen's PIN for
// a citizen credential; public routes answer alike whatever is sent.
func TestAuthorizationMatrix(t *testing.T) {
	routes := routerRoutes(t)
	start := time.Now()
	e := newSignEnv(t)
	base := e.env["KYSO_URL"]
	adminToken := e.env["KYSO_ADMIN_TOKEN"]
	doc := testpdf.Make(1, 0)

	callers := []authzCaller{
		{name: "none", cred: e.seal},
		{name: "bogus", key: "kyso_bogus_0123456789abcdef", cred: e.seal},
		{name: "admin", key: adminToken, cred: e.seal},
		{name: "clientA", key: e.clientHN, cred: e.seal},
		{name: "clientB", key: e.clientOther, cred: e.seal},
		{name: "citizen-nopin", key: e.clientHN, cred: e.citizen},
		{name: "citizen-pin", key: e.clientHN, cred: e.citizen, pin: "482915"},
	}
	// signWant is what a signing route answers each caller.
	signWant := map[string]authzResult{
		"none":          {401, "unauthorized"},
		"bogus":         {401, "unauthorized"},
		"admin":         {401, "unauthorized"}, // an admin token cannot sign
		"clientA":       {200, ""},
		"clientB":       {403, "forbidden"}, // not bound to the Hanoi agency
		"citizen-nopin": {403, "consent_failed"},
		"citizen-pin":   {403, "consent_failed"}, // a bare PIN is not consent
	}

	// Fixtures: certificates that the admin rows may rotate, renew, revoke
	// or set a PIN on without touching the credentials the signing rows use.
	fixtures := 0
	issue := func(profile string, extra map[string]any) map[string]any {
		t.Helper()
		fixtures++ // one active citizen certificate per CCCD: one citizen each
		req := map[string]any{"profile": profile, "subject": map[string]string{
			"name": "Phạm Văn Bình", "cccd": fmt.Sprintf("00109905432%d", fixtures), "locality": "Hà Nội"}}
		for k, v := range extra {
			req[k] = v
		}
		code, out := e.call(t, "POST", "/v1/certificates", req)
		if code != 201 {
			t.Fatalf("issue %s = %d %v", profile, code, out)
		}
		return out
	}
	toRotate, toRenew, toRevoke := issue("citizen", nil), issue("citizen", nil), issue("citizen", nil)
	pinCred := issue("citizen", map[string]any{"pin": "246810"})["credential_id"].(string)
	code, certClient := e.call(t, "POST", "/v1/clients", map[string]any{"name": "mTLS probe", "organizations": []string{hanoi}})
	if code != 201 {
		t.Fatalf("create client = %d %v", code, certClient)
	}
	_, clientCSR := newClientKey(t, "mTLS probe")
	// Clients and admin tokens the lifecycle rows disable, delete, rotate
	// or revoke, one each, so no other row loses its credential.
	probeClient := func(name string) string {
		t.Helper()
		code, out := e.call(t, "POST", "/v1/clients", map[string]any{"name": name, "organizations": []string{hanoi}})
		if code != 201 {
			t.Fatalf("create client %s = %d %v", name, code, out)
		}
		return out["id"].(string)
	}
	probeToken := func(name string) string {
		t.Helper()
		code, out := e.call(t, "POST", "/v1/admin/tokens", map[string]any{"name": name})
		if code != 201 {
			t.Fatalf("create admin token %s = %d %v", name, code, out)
		}
		return out["id"].(string)
	}
	delClient, disClient, rotClient := probeClient("delete probe"), probeClient("disable probe"), probeClient("rotate probe")
	revToken, rotToken := probeToken("revoke probe"), probeToken("rotate probe")
	leaf, issuer := pemCert(t, toRenew["certificate"].(string)), pemCert(t, toRenew["chain"].(string))
	ocspReq, err := ocsp.CreateRequest(leaf, issuer, nil)
	if err != nil {
		t.Fatal(err)
	}
	tsq, err := timestamp.CreateRequest(bytes.NewReader([]byte("Quyết định số 2280/QĐ-UBND")), &timestamp.RequestOptions{Certificates: true})
	if err != nil {
		t.Fatal(err)
	}
	// A signed PDF and a detached CMS signature for the public verifier.
	code, signedPDF, _ := e.upload(t, "/v1/sign/pdf", e.clientHN, doc, map[string]any{"credential_id": e.seal})
	if code != 200 {
		t.Fatalf("fixture: sign PDF = %d %s", code, signedPDF)
	}
	cmsData := []byte("Tờ trình số 123/TTr-VP")
	code, cmsSig, _ := e.upload(t, "/v1/sign/cms", e.clientHN, cmsData, map[string]any{"credential_id": e.seal})
	if code != 200 {
		t.Fatalf("fixture: sign CMS = %d %s", code, cmsSig)
	}
	invoice := xmltest.Invoice{Number: 11, Items: 2, Seller: hanoi}.Make()
	code, signedXML, _ := e.upload(t, "/v1/sign/xml", e.clientHN, invoice, map[string]any{"credential_id": e.seal})
	if code != 200 {
		t.Fatalf("fixture: sign XML = %d %s", code, signedXML)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 120, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 120; x++ {
			if dx, dy := x-60, y-60; dx*dx+dy*dy < 55*55 && dx*dx+dy*dy > 45*45 {
				img.Set(x, y, color.NRGBA{R: 220, A: 255})
			}
		}
	}
	var png bytes.Buffer
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}

	newReq := func(method, path, ctype string, body []byte) *http.Request {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		return req
	}
	get := func(path string) func(authzCaller) *http.Request {
		return func(authzCaller) *http.Request { return newReq("GET", path, "", nil) }
	}
	head := func(path string) func(authzCaller) *http.Request {
		return func(authzCaller) *http.Request { return newReq("HEAD", path, "", nil) }
	}
	postJSON := func(path string, body any) func(authzCaller) *http.Request {
		return func(authzCaller) *http.Request {
			if body == nil {
				return newReq("POST", path, "", nil)
			}
			b, _ := json.Marshal(body)
			return newReq("POST", path, "application/json", b)
		}
	}
	// multipartReq builds a multipart body from (name, filename, content)
	// parts; a part without a filename is a form field.
	multipartReq := func(path string, parts ...[3]string) *http.Request {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, p := range parts {
			var w io.Writer
			if p[1] != "" {
				w, _ = mw.CreateFormFile(p[0], p[1])
			} else {
				w, _ = mw.CreateFormField(p[0])
			}
			io.WriteString(w, p[2])
		}
		mw.Close()
		return newReq("POST", path, mw.FormDataContentType(), body.Bytes())
	}
	signOpts := func(c authzCaller) string {
		o := map[string]any{"credential_id": c.cred}
		if c.pin != "" {
			o["pin"] = c.pin
		}
		b, _ := json.Marshal(o)
		return string(b)
	}
	digest := sha256.Sum256(cmsData)

	table := map[string]authzRoute{
		"GET /healthz":                      {class: authzPublic, req: get("/healthz"), want: 200},
		"GET /readyz":                       {class: authzPublic, req: get("/readyz"), want: 200},
		"GET /pki/root.crt":                 {class: authzPublic, req: get("/pki/root.crt"), want: 200},
		"GET /pki/issuers/{name}.crt":       {class: authzPublic, req: get("/pki/issuers/issuing-1.crt"), want: 200},
		"GET /pki/crl/{name}.crl":           {class: authzPublic, req: get("/pki/crl/issuing-1.crl"), want: 200},
		"GET /pki/ocsp/{request:.+}":        {class: authzPublic, req: get("/pki/ocsp/" + url.PathEscape(base64.StdEncoding.EncodeToString(ocspReq))), want: 200},
		"GET /":                             {class: authzPublic, req: get("/"), want: 200},
		"HEAD /":                            {class: authzPublic, req: head("/"), want: 200},
		"GET /assets/{name}":                {class: authzPublic, req: get("/assets/app.css"), want: 200},
		"HEAD /assets/{name}":               {class: authzPublic, req: head("/assets/app.css"), want: 200},
		"GET /v1/certificates":              {class: authzAdmin, req: get("/v1/certificates"), want: 200},
		"GET /v1/certificates/{id}":         {class: authzAdmin, req: get("/v1/certificates/" + toRenew["id"].(string)), want: 200},
		"GET /v1/ca/issuers":                {class: authzAdmin, req: get("/v1/ca/issuers"), want: 200},
		"POST /v1/ca/rotate":                {class: authzAdmin, req: postJSON("/v1/ca/rotate", nil), want: 201},
		"POST /v1/certificates/{id}/rotate": {class: authzAdmin, req: postJSON("/v1/certificates/"+toRotate["id"].(string)+"/rotate", nil), want: 201},
		"POST /v1/certificates/{id}/renew":  {class: authzAdmin, req: postJSON("/v1/certificates/"+toRenew["id"].(string)+"/renew", nil), want: 201},
		"POST /v1/certificates/{id}/revoke": {class: authzAdmin, req: postJSON("/v1/certificates/"+toRevoke["id"].(string)+"/revoke", map[string]string{"reason": "superseded"}), want: 200},
		"POST /v1/certificates": {class: authzAdmin, req: postJSON("/v1/certificates", map[string]any{"profile": "citizen", "subject": map[string]string{
			"name": "Đỗ Thị Mai", "cccd": "001199011111", "locality": "Hà Nội"}}), want: 201},
		// Refused after authentication, before any change to the CA: an
		// external issuer without a common name, a chain that is no PEM.
		"POST /v1/ca/external": {class: authzAdmin, req: postJSON("/v1/ca/external", map[string]any{}), want: 400, wantCode: "invalid_request"},
		"POST /v1/ca/import-chain": {class: authzAdmin, req: func(authzCaller) *http.Request {
			return newReq("POST", "/v1/ca/import-chain", "text/plain", []byte("not a PEM chain"))
		}, want: 400, wantCode: "invalid_request"},
		// No external issuer is pending in kyso dev's own-root mode.
		"DELETE /v1/ca/external": {class: authzAdmin, req: func(authzCaller) *http.Request {
			return newReq("DELETE", "/v1/ca/external", "", nil)
		}, want: 404, wantCode: "not_found"},
		"POST /v1/clients":                  {class: authzAdmin, req: postJSON("/v1/clients", map[string]any{"name": "authz probe", "organizations": []string{hanoi}}), want: 201},
		"POST /v1/clients/{id}/certificate": {class: authzAdmin, req: postJSON("/v1/clients/"+certClient["id"].(string)+"/certificate", map[string]string{"csr": clientCSR}), want: 201},
		"GET /v1/clients":                   {class: authzAdmin, req: get("/v1/clients"), want: 200},
		"DELETE /v1/clients/{id}": {class: authzAdmin, req: func(authzCaller) *http.Request {
			return newReq("DELETE", "/v1/clients/"+delClient, "", nil)
		}, want: 204},
		"POST /v1/clients/{id}/disable":     {class: authzAdmin, req: postJSON("/v1/clients/"+disClient+"/disable", nil), want: 200},
		"POST /v1/clients/{id}/enable":      {class: authzAdmin, req: postJSON("/v1/clients/"+disClient+"/enable", nil), want: 200},
		"POST /v1/clients/{id}/rotate":      {class: authzAdmin, req: postJSON("/v1/clients/"+rotClient+"/rotate", nil), want: 201},
		"GET /v1/admin/tokens":              {class: authzAdmin, req: get("/v1/admin/tokens"), want: 200},
		"POST /v1/admin/tokens":             {class: authzAdmin, req: postJSON("/v1/admin/tokens", map[string]any{"name": "authz probe", "ttl": "1h"}), want: 201},
		"POST /v1/admin/tokens/{id}/rotate": {class: authzAdmin, req: postJSON("/v1/admin/tokens/"+rotToken+"/rotate", nil), want: 201},
		"DELETE /v1/admin/tokens/{id}": {class: authzAdmin, req: func(authzCaller) *http.Request {
			return newReq("DELETE", "/v1/admin/tokens/"+revToken, "", nil)
		}, want: 204},
		// No trust bundle in this kyso: 503 not_configured, past the
		// admin check (TestTrustBundleRefreshRunning has one).
		"POST /v1/admin/trust/refresh":     {class: authzAdmin, req: postJSON("/v1/admin/trust/refresh", nil), want: 503, wantCode: "not_configured"},
		"POST /v1/credentials/{id}/pin":    {class: authzAdmin, req: postJSON("/v1/credentials/"+pinCred+"/pin", map[string]any{"pin": "135790", "evidence": evidence}), want: 200},
		"POST /v1/credentials/{id}/unlock": {class: authzAdmin, req: postJSON("/v1/credentials/"+pinCred+"/unlock", map[string]any{"evidence": evidence}), want: 200},
		"POST /v1/credentials/{id}/totp": {class: authzAdmin, req: postJSON("/v1/credentials/"+pinCred+"/totp",
			map[string]any{"evidence": evidence}), want: 200},
		"POST /v1/credentials/{id}/clients": {class: authzAdmin, req: postJSON("/v1/credentials/"+pinCred+"/clients",
			map[string]any{"client_id": certClient["id"], "evidence": evidence}), want: 200},
		// An official's or seal's authorisation is the client's binding
		// to the agency; a citizen's needs the PIN and a one-time code.
		"POST /v1/credentials/{id}/authorize": {class: authzSigning, req: func(c authzCaller) *http.Request {
			body := map[string]any{"document_sha256": []string{fmt.Sprintf("%x", sha256.Sum256(doc))}}
			if c.pin != "" {
				body["pin"] = c.pin
			}
			return postJSON("/v1/credentials/"+c.cred+"/authorize", body)(c)
		}},
		"PUT /v1/seal-images/{organization}": {class: authzAdmin, req: func(authzCaller) *http.Request {
			r := newReq("PUT", "/v1/seal-images/"+url.PathEscape("Ủy ban nhân dân Thành phố Đà Nẵng"), "image/png", png.Bytes())
			return r
		}, want: 200},
		"POST /v1/sign/pdf": {class: authzSigning, req: func(c authzCaller) *http.Request {
			return multipartReq("/v1/sign/pdf", [3]string{"file", "doc.pdf", string(doc)}, [3]string{"options", "", signOpts(c)})
		}},
		"POST /v1/sign/pdf/batch": {class: authzSigning, req: func(c authzCaller) *http.Request {
			return multipartReq("/v1/sign/pdf/batch", [3]string{"options", "", signOpts(c)}, [3]string{"file", "qd-1.pdf", string(doc)})
		}},
		"POST /v1/sign/xml": {class: authzSigning, req: func(c authzCaller) *http.Request {
			return multipartReq("/v1/sign/xml", [3]string{"file", "hoadon.xml", string(invoice)}, [3]string{"options", "", signOpts(c)})
		}},
		"POST /v1/sign/xml/batch": {class: authzSigning, req: func(c authzCaller) *http.Request {
			return multipartReq("/v1/sign/xml/batch", [3]string{"options", "", signOpts(c)}, [3]string{"file", "hoadon-1.xml", string(invoice)})
		}},
		// The raw-body form: the content is the body, the options are the
		// Kyso-Options header (docs/signing.md).
		"POST /v1/sign/cms": {class: authzSigning, req: func(c authzCaller) *http.Request {
			r := newReq("POST", "/v1/sign/cms", "application/octet-stream", cmsData)
			r.Header.Set("Kyso-Options", signOpts(c))
			return r
		}},
		"POST /v1/sign/hash": {class: authzSigning, req: func(c authzCaller) *http.Request {
			body := map[string]any{"credential_id": c.cred, "hash_algorithm": "sha-256", "hashes": []string{base64.StdEncoding.EncodeToString(digest[:])}}
			if c.pin != "" {
				body["pin"] = c.pin
			}
			return postJSON("/v1/sign/hash", body)(c)
		}},
		"POST /pki/ocsp": {class: authzPublic, req: func(authzCaller) *http.Request {
			return newReq("POST", "/pki/ocsp", "application/ocsp-request", ocspReq)
		}, want: 200},
		"POST /pki/tsa": {class: authzPublic, req: func(authzCaller) *http.Request { return newReq("POST", "/pki/tsa", "application/timestamp-query", tsq) }, want: 200},
		"POST /v1/verify/pdf": {class: authzPublic, req: func(authzCaller) *http.Request {
			return newReq("POST", "/v1/verify/pdf", "application/pdf", signedPDF)
		}, want: 200},
		"POST /v1/verify/xml": {class: authzPublic, req: func(authzCaller) *http.Request {
			return newReq("POST", "/v1/verify/xml", "application/xml", signedXML)
		}, want: 200},
		"POST /v1/verify/cms": {class: authzPublic, req: func(authzCaller) *http.Request {
			return multipartReq("/v1/verify/cms", [3]string{"data", "data.txt", string(cmsData)}, [3]string{"signature", "signature.p7s", string(cmsSig)})
		}, want: 200},
	}
	// Extending a signed PDF: any client system.
	table["POST /v1/extend/pdf"] = authzRoute{class: authzClient, req: func(authzCaller) *http.Request {
		return newReq("POST", "/v1/extend/pdf?level=B-LT", "application/pdf", signedPDF)
	}, want: 422, wantCode: "invalid_document"}
	// The CSC API (api/csc), under both versions' prefixes: info is open,
	// login and token take the client's own credentials (none here: 400),
	// the rest a bearer (an empty request from a client: 400; the list:
	// 200).
	for _, v := range []string{"v1", "v2"} {
		for path, want := range map[string]int{
			"info": 200, "auth/login": 400, "oauth2/token": 400,
			"credentials/list": 200, "credentials/info": 400, "credentials/authorize": 400,
			"credentials/extendTransaction": 400, "signatures/signHash": 400,
			"signatures/signDoc": 400, "signatures/signPolling": 400,
		} {
			route := "/csc/" + v + "/" + path
			class := authzCSC
			switch path {
			case "info":
				class = authzPublic
			case "auth/login", "oauth2/token":
				class = authzOwn
			}
			table["POST "+route] = authzRoute{class: class, req: func(c authzCaller) *http.Request {
				return postJSON(route, map[string]any{})(c)
			}, want: want}
		}
	}
	// The citizen's confirmation page: the page and its assets are open;
	// its calls carry the transaction's token in the body.
	table["GET /confirm/assets/{name}"] = authzRoute{class: authzPublic, req: get("/confirm/assets/confirm.js"), want: 200}
	table["GET /confirm/{id}"] = authzRoute{class: authzPublic, req: get("/confirm/tx_unknown"), want: 200}
	for _, action := range []string{"view", "confirm", "refuse"} {
		route := "/confirm/tx_unknown/" + action
		body := map[string]any{"token": "not-the-token"}
		if action == "confirm" {
			body["pin"], body["otp"] = "482915", "123456"
		}
		table["POST /confirm/{id}/"+action] = authzRoute{class: authzOwn, req: func(c authzCaller) *http.Request {
			return postJSON(route, body)(c)
		}, want: 404, wantCode: "not_found"}
	}

	// Every route of the router is in the table, and nothing else.
	for _, r := range routes {
		if _, ok := table[r]; !ok {
			t.Errorf("route %s is not in the authorization matrix; add it with its expected answers", r)
		}
	}
	for r := range table {
		if !slices.Contains(routes, r) {
			t.Errorf("the matrix lists %s, which the router does not serve", r)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	do := func(req *http.Request, c authzCaller) authzResult {
		t.Helper()
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s as %s: %v", req.Method, req.URL.Path, c.name, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		res := authzResult{status: resp.StatusCode}
		if resp.StatusCode >= 400 {
			var x struct{ Error struct{ Code string } }
			_ = json.Unmarshal(b, &x)
			res.code = x.Error.Code
		}
		return res
	}

	// Public routes first, then signing, then admin: the admin rows
	// change state (they rotate the issuing CA) that must not decide what
	// the earlier rows see.
	order := slices.Clone(routes)
	slices.SortStableFunc(order, func(a, b string) int { return int(table[a].class) - int(table[b].class) })
	var lines []string
	for _, name := range order {
		row := table[name]
		var got []string
		t.Run(name, func(t *testing.T) {
			for _, c := range callers {
				res := do(row.req(c), c)
				got = append(got, c.name+"="+res.String())
				var want authzResult
				switch row.class {
				case authzPublic:
					want = authzResult{row.want, row.wantCode}
				case authzSigning:
					want = signWant[c.name]
				case authzAdmin:
					want = authzResult{401, "unauthorized"} // no token, a bogus one, or a client key
					if c.name == "admin" {
						want = authzResult{row.want, row.wantCode}
					}
				case authzClient:
					want = authzResult{401, "unauthorized"} // no key, a bogus one, or an admin token
					if strings.HasPrefix(c.name, "client") || strings.HasPrefix(c.name, "citizen") {
						want = authzResult{row.want, row.wantCode}
					}
				case authzOwn:
					want = authzResult{row.want, row.wantCode}
				case authzCSC:
					want = authzResult{401, ""}
					if strings.HasPrefix(c.name, "client") || strings.HasPrefix(c.name, "citizen") {
						want = authzResult{row.want, row.wantCode}
					}
				}
				if res != want {
					t.Errorf("%s as %s = %v, want %v", name, c.name, res, want)
				}
				if row.class == authzPublic && (res.status == 401 || res.status == 403) {
					t.Errorf("public %s as %s = %v: a public route never asks for a credential", name, c.name, res)
				}
				if row.class == authzAdmin && c.name == "admin" && (res.status == 401 || res.status == 403) {
					t.Errorf("%s with the admin token = %v", name, res)
				}
			}
		})
		lines = append(lines, fmt.Sprintf("%-8s %-38s %s", row.class, name, strings.Join(got, " ")))
	}
	for _, l := range lines {
		t.Logf("%s", l)
	}
	t.Logf("%d routes × %d callers in %v (kyso dev included)", len(order), len(callers), time.Since(start).Round(time.Millisecond))
}
