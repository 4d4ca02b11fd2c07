// Package cscclient is a client of the Cloud Signature Consortium's remote
// signing API (CSC API v2.0.0.2, and v1.0.4.0's field names), written from
// the specification alone: it imports nothing of kyso. Its tests drive a
// real kyso through it the way pyHanko's CSCSigner and the EUDI CSC client
// do — token, credentials/list, credentials/info, credentials/authorize
// over the hash of a PDF signature's signed attributes, signatures/signHash
// — and check the PAdES document with tools kyso did not write (pdfsig).
package cscclient

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Digest and signature algorithm OIDs (RFC 5754, RFC 8017, RFC 5758).
const (
	OIDSHA256      = "2.16.840.1.101.3.4.2.1"
	OIDSHA384      = "2.16.840.1.101.3.4.2.2"
	OIDSHA512      = "2.16.840.1.101.3.4.2.3"
	OIDRSA         = "1.2.840.113549.1.1.1"
	OIDRSAPSS      = "1.2.840.113549.1.1.10"
	OIDSHA256RSA   = "1.2.840.113549.1.1.11"
	OIDECDSASHA256 = "1.2.840.10045.4.3.2"
	OIDECDSASHA384 = "1.2.840.10045.4.3.3"
	OIDECPublicKey = "1.2.840.10045.2.1"
	OIDMGF1        = "1.2.840.113549.1.1.8"
)

// Error is a CSC error answer.
type Error struct {
	Status      int
	Name        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("csc: %d %s: %s", e.Status, e.Name, e.Description)
}

// Client calls one CSC service. V1 selects the v1.0.4.0 names (auth/login,
// hash, hashAlgo) instead of v2's (oauth2/token, hashes,
// hashAlgorithmOID).
type Client struct {
	// Base is the service's base URL, e.g. https://host/csc/v2.
	Base string
	V1   bool
	HTTP *http.Client
	// Token is the access token (Login sets it).
	Token string
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// call posts a JSON body to method and decodes the answer into out; a
// non-2xx answer is an *Error.
func (c *Client) call(ctx context.Context, method string, in, out any) (int, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/"+method, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return c.do(req, out)
}

func (c *Client) do(req *http.Request, out any) (int, error) {
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Name == "" {
			return resp.StatusCode, fmt.Errorf("csc: %s: %d with a body that is not a CSC error: %.200s", req.URL.Path, resp.StatusCode, data)
		}
		return resp.StatusCode, e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("csc: %s: %w: %.200s", req.URL.Path, err, data)
		}
	}
	return resp.StatusCode, nil
}

// Login gets an access token: v2 with the OAuth 2.0 client credentials
// grant (oauth2/token, form-encoded), v1 with auth/login and HTTP Basic.
func (c *Client) Login(ctx context.Context, clientID, secret string) (expiresIn int, err error) {
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	var req *http.Request
	if c.V1 {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/auth/login", strings.NewReader(`{"rememberMe":false}`))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(clientID, secret)
	} else {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/oauth2/token", strings.NewReader(form.Encode()))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if _, err := c.do(req, &out); err != nil {
		return 0, err
	}
	if out.AccessToken == "" || (!c.V1 && !strings.EqualFold(out.TokenType, "bearer")) {
		return 0, fmt.Errorf("csc: no bearer access token in %+v", out)
	}
	c.Token = out.AccessToken
	return out.ExpiresIn, nil
}

// Info is the service's info answer (the fields this client reads).
type Info struct {
	Specs    string   `json:"specs"`
	Name     string   `json:"name"`
	AuthType []string `json:"authType"`
	Methods  []string `json:"methods"`
}

// Info calls info.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var out Info
	_, err := c.call(ctx, "info", map[string]any{"lang": "vi"}, &out)
	return &out, err
}

// List calls credentials/list.
func (c *Client) List(ctx context.Context) ([]string, error) {
	var out struct {
		CredentialIDs []string `json:"credentialIDs"`
	}
	_, err := c.call(ctx, "credentials/list", map[string]any{"maxResults": 100}, &out)
	return out.CredentialIDs, err
}

// Credential is a credentials/info answer.
type Credential struct {
	Key struct {
		Status string   `json:"status"`
		Algo   []string `json:"algo"`
		Len    int      `json:"len"`
	} `json:"key"`
	Cert struct {
		Status       string   `json:"status"`
		Certificates []string `json:"certificates"`
	} `json:"cert"`
	AuthMode  string `json:"authMode"`
	SCAL      string `json:"SCAL"`
	Multisign int    `json:"multisign"`
	PIN       struct {
		Presence string `json:"presence"`
	} `json:"PIN"`
	OTP struct {
		Presence string `json:"presence"`
		Type     string `json:"type"`
	} `json:"OTP"`

	// Chain is cert.certificates parsed, signer first.
	Chain []*x509.Certificate `json:"-"`
}

// Credential calls credentials/info for the whole chain.
func (c *Client) Credential(ctx context.Context, id string) (*Credential, error) {
	var out Credential
	if _, err := c.call(ctx, "credentials/info", map[string]any{"credentialID": id, "certificates": "chain", "certInfo": true, "authInfo": true}, &out); err != nil {
		return nil, err
	}
	for _, s := range out.Cert.Certificates {
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("csc: cert.certificates: %w", err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("csc: cert.certificates: %w", err)
		}
		out.Chain = append(out.Chain, cert)
	}
	if len(out.Chain) == 0 {
		return nil, fmt.Errorf("csc: credentials/info gave no certificate")
	}
	return &out, nil
}

func b64s(list [][]byte) []string {
	out := make([]string, len(list))
	for i, b := range list {
		out[i] = base64.StdEncoding.EncodeToString(b)
	}
	return out
}

// Authorize calls credentials/authorize (explicit mode: PIN and OTP) for
// the hashes and returns the SAD.
func (c *Client) Authorize(ctx context.Context, credentialID string, hashes [][]byte, hashOID, pin, otp string) (string, int, error) {
	in := map[string]any{"credentialID": credentialID, "numSignatures": len(hashes), "PIN": pin, "OTP": otp,
		"description": "cscclient test"}
	if c.V1 {
		in["hash"] = b64s(hashes)
	} else {
		in["hashes"] = b64s(hashes)
		in["hashAlgorithmOID"] = hashOID
	}
	var out struct {
		SAD       string `json:"SAD"`
		ExpiresIn int    `json:"expiresIn"`
	}
	if _, err := c.call(ctx, "credentials/authorize", in, &out); err != nil {
		return "", 0, err
	}
	if out.SAD == "" {
		return "", 0, fmt.Errorf("csc: credentials/authorize gave no SAD")
	}
	return out.SAD, out.ExpiresIn, nil
}

// SignHash calls signatures/signHash and returns one signature per hash.
func (c *Client) SignHash(ctx context.Context, credentialID, sad string, hashes [][]byte, hashOID, signAlgo, signAlgoParams string) ([][]byte, error) {
	in := c.signHashBody(credentialID, hashes, hashOID, signAlgo, signAlgoParams)
	in["SAD"] = sad
	var out struct {
		Signatures []string `json:"signatures"`
	}
	if _, err := c.call(ctx, "signatures/signHash", in, &out); err != nil {
		return nil, err
	}
	return decodeSignatures(out.Signatures, len(hashes))
}

func (c *Client) signHashBody(credentialID string, hashes [][]byte, hashOID, signAlgo, signAlgoParams string) map[string]any {
	in := map[string]any{"credentialID": credentialID, "signAlgo": signAlgo}
	if signAlgoParams != "" {
		in["signAlgoParams"] = signAlgoParams
	}
	if c.V1 {
		in["hash"], in["hashAlgo"] = b64s(hashes), hashOID
	} else {
		in["hashes"], in["hashAlgorithmOID"] = b64s(hashes), hashOID
	}
	return in
}

func decodeSignatures(list []string, want int) ([][]byte, error) {
	if len(list) != want {
		return nil, fmt.Errorf("csc: %d signatures for %d hashes", len(list), want)
	}
	out := make([][]byte, len(list))
	for i, s := range list {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("csc: signatures[%d]: %w", i, err)
		}
		out[i] = b
	}
	return out, nil
}

// SignHashAsync calls signatures/signHash in operationMode "A" (v2): no
// SAD, the holder confirms out of band. It returns the responseID and the
// address the holder confirms at (kyso's confirmURL).
func (c *Client) SignHashAsync(ctx context.Context, credentialID string, hashes [][]byte, hashOID, signAlgo, docID, docName string) (responseID, confirmURL string, err error) {
	in := c.signHashBody(credentialID, hashes, hashOID, signAlgo, "")
	in["operationMode"], in["docID"], in["docName"] = "A", docID, docName
	var out struct {
		ResponseID string `json:"responseID"`
		ConfirmURL string `json:"confirmURL"`
	}
	if _, err := c.call(ctx, "signatures/signHash", in, &out); err != nil {
		return "", "", err
	}
	if out.ResponseID == "" {
		return "", "", fmt.Errorf("csc: signHash (operationMode A) gave no responseID")
	}
	return out.ResponseID, out.ConfirmURL, nil
}

// Poll calls signatures/signPolling: pending is true while the holder has
// not decided (HTTP 202).
func (c *Client) Poll(ctx context.Context, responseID string, n int) (sigs [][]byte, pending bool, err error) {
	var out struct {
		Status     string   `json:"status"`
		Signatures []string `json:"signatures"`
	}
	code, err := c.call(ctx, "signatures/signPolling", map[string]any{"responseID": responseID}, &out)
	if err != nil {
		return nil, false, err
	}
	if code == http.StatusAccepted {
		return nil, true, nil
	}
	sigs, err = decodeSignatures(out.Signatures, n)
	return sigs, false, err
}

// Signer is a crypto.Signer whose private key is a CSC credential: each
// Sign authorises the one digest (explicit mode, the PIN and a fresh
// one-time code from Factors) and has it signed with signHash — what
// pyHanko's CSCSigner does for each signature. PDF and CMS libraries sign
// through it.
type Signer struct {
	Client       *Client
	CredentialID string
	Cert         *x509.Certificate
	// Factors returns the PIN and a fresh one-time code.
	Factors func() (pin, otp string)
	// SAD, when set, is used (once) instead of authorising.
	SAD string
}

// Public implements crypto.Signer.
func (s *Signer) Public() crypto.PublicKey { return s.Cert.PublicKey }

// Sign implements crypto.Signer.
func (s *Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	ctx := context.Background()
	hashOID := map[crypto.Hash]string{crypto.SHA256: OIDSHA256, crypto.SHA384: OIDSHA384, crypto.SHA512: OIDSHA512}[opts.HashFunc()]
	if hashOID == "" {
		return nil, fmt.Errorf("cscclient: unsupported digest %v", opts.HashFunc())
	}
	var signAlgo, params string
	switch s.Cert.PublicKey.(type) {
	case *rsa.PublicKey:
		signAlgo = OIDRSA
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			signAlgo = OIDRSAPSS
			p, err := PSSParams(pss.Hash)
			if err != nil {
				return nil, err
			}
			params = p
		}
	case *ecdsa.PublicKey:
		signAlgo = map[crypto.Hash]string{crypto.SHA256: OIDECDSASHA256, crypto.SHA384: OIDECDSASHA384}[opts.HashFunc()]
	}
	sad := s.SAD
	s.SAD = ""
	if sad == "" {
		pin, otp := s.Factors()
		var err error
		if sad, _, err = s.Client.Authorize(ctx, s.CredentialID, [][]byte{digest}, hashOID, pin, otp); err != nil {
			return nil, err
		}
	}
	sigs, err := s.Client.SignHash(ctx, s.CredentialID, sad, [][]byte{digest}, hashOID, signAlgo, params)
	if err != nil {
		return nil, err
	}
	return sigs[0], nil
}

// Document is one document of signatures/signDoc.
type Document struct {
	Content []byte
	// Format is "P" (PAdES) or "X" (XAdES); Level "Ades-B-B", "Ades-B-T",
	// "Ades-B-LT" or "Ades-B-LTA".
	Format, Level string
}

// SignDoc calls signatures/signDoc with whole documents and returns them
// signed (DocumentWithSignature), in order.
func (c *Client) SignDoc(ctx context.Context, credentialID, sad string, docs []Document) ([][]byte, error) {
	list := make([]map[string]any, len(docs))
	for i, d := range docs {
		list[i] = map[string]any{"document": base64.StdEncoding.EncodeToString(d.Content), "signature_format": d.Format, "conformance_level": d.Level}
	}
	in := map[string]any{"credentialID": credentialID, "documents": list}
	if sad != "" {
		in["SAD"] = sad
	}
	var out struct {
		DocumentWithSignature []string `json:"DocumentWithSignature"`
	}
	if _, err := c.call(ctx, "signatures/signDoc", in, &out); err != nil {
		return nil, err
	}
	return decodeSignatures(out.DocumentWithSignature, len(docs))
}

// SignDigests calls signatures/signDoc with documentDigests and returns
// the CMS signatures (SignatureObject), in order.
func (c *Client) SignDigests(ctx context.Context, credentialID, sad string, hashes [][]byte, hashOID, level string) ([][]byte, error) {
	in := map[string]any{"credentialID": credentialID, "documentDigests": []map[string]any{{
		"hashes": b64s(hashes), "hashAlgorithmOID": hashOID, "signature_format": "C", "conformance_level": level}}}
	if sad != "" {
		in["SAD"] = sad
	}
	var out struct {
		SignatureObject []string `json:"SignatureObject"`
	}
	if _, err := c.call(ctx, "signatures/signDoc", in, &out); err != nil {
		return nil, err
	}
	return decodeSignatures(out.SignatureObject, len(hashes))
}

// ExtendTransaction calls credentials/extendTransaction: a new SAD for
// what sad authorised.
func (c *Client) ExtendTransaction(ctx context.Context, credentialID, sad string) (string, error) {
	var out struct {
		SAD string `json:"SAD"`
	}
	if _, err := c.call(ctx, "credentials/extendTransaction", map[string]any{"credentialID": credentialID, "SAD": sad}, &out); err != nil {
		return "", err
	}
	return out.SAD, nil
}
