package cscclient

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pdfsign"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

const (
	hanoi      = "Ủy ban nhân dân Thành phố Hà Nội"
	citizenPIN = "482915"
)

// client is a registered client system: its ID and API key.
type client struct {
	ID     string `json:"id"`
	APIKey string `json:"api_key"`
}

// citizen is an enrolled citizen: the credential and the possession
// factor from the enrolment answer (shown once).
type citizen struct {
	CredentialID string `json:"credential_id"`
	TOTP         struct {
		URI   string `json:"uri"`
		QRPNG string `json:"qr_png"`
	} `json:"totp"`

	codes *codes
}

// codes computes the citizen's one-time codes as their phone app would
// (RFC 6238: SHA-1, 6 digits, 30 s, from the otpauth URI). kyso accepts a
// code of the step before, of the current step and of the one after, each
// step once. next gives the code of the current step, or of the next one
// when the current one was used: two authorisations per credential and
// step without waiting, and still accepted when kyso's clock has crossed
// into the next step by the time the request arrives (a code of the step
// before now would then be refused).
type codes struct {
	mu     sync.Mutex
	secret string
	last   int64
}

func newCodes(t *testing.T, uri string) *codes {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("enrolment gave %q, not an otpauth://totp/ URI", uri)
	}
	q := u.Query()
	if q.Get("secret") == "" || q.Get("issuer") == "" {
		t.Fatalf("otpauth URI %q lacks secret or issuer", uri)
	}
	for k, want := range map[string]string{"algorithm": "SHA1", "digits": "6", "period": "30"} {
		if v := q.Get(k); v != "" && v != want {
			t.Fatalf("otpauth URI %q: %s=%s, want %s (what phone apps accept)", uri, k, v, want)
		}
	}
	return &codes{secret: q.Get("secret"), last: -1 << 62}
}

func (c *codes) next(t *testing.T) string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now().Unix() / 30
	step := max(c.last+1, now)
	if step > now+1 {
		t.Fatalf("more than two authorisations of one credential in one 30 s step: use another credential")
	}
	c.last = step
	return c.at(t, step)
}

func (c *codes) at(t *testing.T, step int64) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(c.secret, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// wrong returns a code that is not the credential's in any step kyso
// accepts now.
func (c *codes) wrong(t *testing.T) string {
	t.Helper()
	now := time.Now().Unix() / 30
	valid := map[string]bool{}
	for s := now - 2; s <= now+2; s++ {
		valid[c.at(t, s)] = true
	}
	for n := 0; ; n++ {
		if code := fmt.Sprintf("%06d", n); !valid[code] {
			return code
		}
	}
}

// env is a kyso with two client systems, an agency seal and citizens
// enrolled through client A.
type env struct {
	k        *kyso
	a, b     client
	seal     string
	citizens []*citizen
	nss      string
}

func newEnv(t *testing.T, citizens int, extraEnv ...string) *env {
	t.Helper()
	e := &env{k: startKyso(t, extraEnv...)}
	e.k.admin(t, "POST", "/v1/clients", map[string]any{"name": "Cổng dịch vụ công Hà Nội", "organizations": []string{hanoi}}, 201, &e.a)
	e.k.admin(t, "POST", "/v1/clients", map[string]any{"name": "Hệ thống một cửa quận Ba Đình", "organizations": []string{hanoi}}, 201, &e.b)
	var seal struct {
		CredentialID string `json:"credential_id"`
	}
	e.k.admin(t, "POST", "/v1/certificates", map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "locality": "Hà Nội"}}, 201, &seal)
	e.seal = seal.CredentialID
	for i := range citizens {
		c := &citizen{}
		e.k.admin(t, "POST", "/v1/certificates", map[string]any{"profile": "citizen", "pin": citizenPIN, "client_id": e.a.ID,
			"subject": map[string]string{"name": "Nguyễn Văn An", "cccd": fmt.Sprintf("0010990123%02d", i), "locality": "Hà Nội"}}, 201, c)
		c.codes = newCodes(t, c.TOTP.URI)
		e.citizens = append(e.citizens, c)
	}
	root := e.k.get(t, "/pki/root.crt")
	rootPEM := filepath.Join(e.k.dir, "root.pem")
	if err := os.WriteFile(rootPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root}), 0o600); err != nil {
		t.Fatal(err)
	}
	e.nss = filepath.Join(e.k.dir, "nss")
	if err := os.MkdirAll(e.nss, 0o700); err != nil {
		t.Fatal(err)
	}
	run(t, "certutil", "-N", "-d", "sql:"+e.nss, "--empty-password")
	run(t, "certutil", "-A", "-d", "sql:"+e.nss, "-n", "kyso-root", "-t", "CT,C,C", "-i", rootPEM)
	return e
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// login returns a CSC client of version v ("v2" or "v1") logged in as c.
func (e *env) login(t *testing.T, v string, c client) *Client {
	t.Helper()
	cl := &Client{Base: e.k.url + "/csc/" + v, V1: v == "v1"}
	exp, err := cl.Login(context.Background(), c.ID, c.APIKey)
	if err != nil {
		t.Fatalf("%s login: %v", v, err)
	}
	if exp <= 0 || exp > 3600 {
		t.Errorf("%s login: expires_in = %d, want a short-lived token", v, exp)
	}
	return cl
}

var (
	validSig = regexp.MustCompile(`Signature Validation: Signature is Valid\.`)
	trusted  = regexp.MustCompile(`Certificate Validation: Certificate is Trusted\.`)
)

// checkPDF has poppler's pdfsig (NSS, trusting only kyso's root) and
// kyso's own verifier judge doc, and qpdf check its structure.
func (e *env) checkPDF(t *testing.T, name string, doc []byte) {
	t.Helper()
	p := filepath.Join(e.k.dir, name)
	if err := os.WriteFile(p, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	if artefacts := os.Getenv("CSC_ARTEFACTS"); artefacts != "" {
		_ = os.WriteFile(filepath.Join(artefacts, name), doc, 0o644)
	}
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+e.nss, p).CombinedOutput()
	if n := len(validSig.FindAllString(string(out), -1)); n != 1 {
		t.Errorf("%s: pdfsig reports %d valid signatures, want 1:\n%s", name, n, out)
	}
	if n := len(trusted.FindAllString(string(out), -1)); n != 1 {
		t.Errorf("%s: pdfsig reports %d trusted certificates, want 1:\n%s", name, n, out)
	}
	if q, err := exec.Command("qpdf", "--check", p).CombinedOutput(); err != nil {
		t.Errorf("%s: qpdf --check: %v\n%s", name, err, q)
	}
	if valid, each := e.k.verifyPDF(t, doc); !valid || len(each) != 1 {
		t.Errorf("%s: kyso's verifier: valid=%t, signatures %v; want valid, one signature", name, valid, each)
	}
}

// signPDF builds a PAdES signature with pdfsign around the CSC signer:
// pdfsign lays out the signature placeholder and the byte range, hashes
// the signed attributes and asks the signer for the one signature value.
func signPDF(t *testing.T, s *Signer, chain []*x509.Certificate, text string) []byte {
	t.Helper()
	src := minimalPDF(text)
	doc, err := pdfsign.Open(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	doc.Sign(s, chain[0], chain[1:]...).
		Format(pdfsign.PAdES_B_B).
		Digest(crypto.SHA256).
		SignerName("cscclient").
		Reason("Nộp hồ sơ dịch vụ công").
		Location("Hà Nội")
	var out bytes.Buffer
	if _, err := doc.Write(&out); err != nil {
		t.Fatalf("pdfsign with the CSC signer: %v", err)
	}
	return out.Bytes()
}

// TestCSCClientSignsPAdES is what pyHanko's CSCSigner and the EUDI CSC
// client do, against a real kyso, with v2 and with v1 names: a token,
// credentials/list, credentials/info (the chain, the key's algorithms,
// SCAL 2 with PIN and OTP), then for the PDF signature's signed attributes
// credentials/authorize with the citizen's PIN and TOTP code and
// signatures/signHash; the PAdES document is valid for pdfsig and kyso's
// verifier.
func TestCSCClientSignsPAdES(t *testing.T) {
	e := newEnv(t, 2)
	ctx := context.Background()
	for i, v := range []string{"v2", "v1"} {
		t.Run(v, func(t *testing.T) {
			cit := e.citizens[i]
			cl := e.login(t, v, e.a)
			info, err := cl.Info(ctx)
			if err != nil || !slices.Contains(info.Methods, "signatures/signHash") || !slices.Contains(info.Methods, "credentials/authorize") {
				t.Fatalf("info = %+v, %v", info, err)
			}
			ids, err := cl.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(ids, cit.CredentialID) || !slices.Contains(ids, e.seal) {
				t.Errorf("credentials/list = %v, want the citizen %s (bound to this client) and the agency's seal %s", ids, cit.CredentialID, e.seal)
			}
			cred, err := cl.Credential(ctx, cit.CredentialID)
			if err != nil {
				t.Fatal(err)
			}
			if cred.SCAL != "2" || cred.AuthMode != "explicit" || cred.PIN.Presence != "true" || cred.OTP.Presence != "true" || cred.Multisign < 50 {
				t.Errorf("credentials/info: SCAL %q authMode %q PIN %q OTP %q multisign %d; want 2, explicit, true, true, >= 50",
					cred.SCAL, cred.AuthMode, cred.PIN.Presence, cred.OTP.Presence, cred.Multisign)
			}
			if len(cred.Chain) < 2 || cred.Chain[0].CheckSignatureFrom(cred.Chain[1]) != nil {
				t.Errorf("credentials/info: cert.certificates is not a chain signer first (%d certificates)", len(cred.Chain))
			}
			if _, ok := cred.Chain[0].PublicKey.(*rsa.PublicKey); ok && (!slices.Contains(cred.Key.Algo, OIDRSA) || cred.Key.Len < 2048) {
				t.Errorf("credentials/info: key.algo %v len %d; want %s and >= 2048 bits", cred.Key.Algo, cred.Key.Len, OIDRSA)
			}
			s := &Signer{Client: cl, CredentialID: cit.CredentialID, Cert: cred.Chain[0],
				Factors: func() (string, string) { return citizenPIN, cit.codes.next(t) }}
			doc := signPDF(t, s, cred.Chain, "CSC "+v)
			e.checkPDF(t, "csc-"+v+".pdf", doc)
		})
	}
}

// TestCSCSignHashPSS: signHash with RSASSA-PSS (signAlgo
// 1.2.840.113549.1.1.10 and its parameters) gives a signature the
// credential's certificate verifies as PSS; the seal (SCAL 1) signs
// without a SAD, for a client bound to its agency.
func TestCSCSignHashPSS(t *testing.T) {
	e := newEnv(t, 1)
	ctx := context.Background()
	cl := e.login(t, "v2", e.a)
	cit := e.citizens[0]
	cred, err := cl.Credential(ctx, cit.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := cred.Chain[0].PublicKey.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("the citizen's key is %T; this test signs RSASSA-PSS", cred.Chain[0].PublicKey)
	}
	digest := sha256.Sum256([]byte("tờ khai đăng ký khai sinh"))
	sad, _, err := cl.Authorize(ctx, cit.CredentialID, [][]byte{digest[:]}, OIDSHA256, citizenPIN, cit.codes.next(t))
	if err != nil {
		t.Fatal(err)
	}
	params, err := PSSParams(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := cl.SignHash(ctx, cit.CredentialID, sad, [][]byte{digest[:]}, OIDSHA256, OIDRSAPSS, params)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sigs[0], &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256}); err != nil {
		t.Errorf("the PSS signature does not verify: %v", err)
	}

	seal, err := cl.Credential(ctx, e.seal)
	if err != nil {
		t.Fatal(err)
	}
	if seal.SCAL != "1" {
		t.Errorf("the seal's SCAL = %q, want 1", seal.SCAL)
	}
	sigs, err = cl.SignHash(ctx, e.seal, "", [][]byte{digest[:]}, OIDSHA256, OIDSHA256RSA, "")
	if err != nil {
		t.Fatalf("the seal's signHash without SAD: %v", err)
	}
	if sp, ok := seal.Chain[0].PublicKey.(*rsa.PublicKey); ok {
		if err := rsa.VerifyPKCS1v15(sp, crypto.SHA256, digest[:], sigs[0]); err != nil {
			t.Errorf("the seal's signature does not verify: %v", err)
		}
	}
}

// cscErr returns err's CSC error name, failing the test when err is not a
// CSC error answer.
func cscErr(t *testing.T, what string, err error) string {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("%s: err = %v, want a CSC error", what, err)
	}
	return ce.Name
}

// TestCSCSoleControlRefusals: through the CSC API, a SAD is refused when
// used twice, for another hash, with another credential or by another
// client; a client not bound to the citizen cannot authorise; a citizen's
// signHash without SAD, a token of a disabled client, and a wrong TOTP
// code are refused.
func TestCSCSoleControlRefusals(t *testing.T) {
	e := newEnv(t, 3)
	ctx := context.Background()
	a := e.login(t, "v2", e.a)
	b := e.login(t, "v2", e.b)
	c0, c1, c2 := e.citizens[0], e.citizens[1], e.citizens[2]
	h1 := sha256.Sum256([]byte("hồ sơ 1"))
	h2 := sha256.Sum256([]byte("hồ sơ 2"))
	one := func(h [32]byte) [][]byte { return [][]byte{h[:]} }
	authorize := func(c *citizen) string {
		t.Helper()
		sad, exp, err := a.Authorize(ctx, c.CredentialID, one(h1), OIDSHA256, citizenPIN, c.codes.next(t))
		if err != nil {
			t.Fatalf("authorize: %v", err)
		}
		if exp <= 0 || exp > 600 {
			t.Errorf("authorize: expiresIn = %d, want a short expiry", exp)
		}
		return sad
	}
	signWith := func(cl *Client, credID, sad string, hashes [][]byte) error {
		_, err := cl.SignHash(ctx, credID, sad, hashes, OIDSHA256, OIDRSA, "")
		return err
	}

	// Used twice.
	sad := authorize(c0)
	if err := signWith(a, c0.CredentialID, sad, one(h1)); err != nil {
		t.Fatalf("first use of the SAD: %v", err)
	}
	if err := signWith(a, c0.CredentialID, sad, one(h1)); err == nil {
		t.Error("a SAD used twice was accepted")
	} else if name := cscErr(t, "SAD used twice", err); name == "server_error" {
		t.Errorf("SAD used twice: %s", name)
	}

	// Another hash, another credential, another client: each refused with
	// its own fresh SAD; the one client B could not use still signs for A.
	sad = authorize(c0)
	if err := signWith(a, c0.CredentialID, sad, one(h2)); err == nil {
		t.Error("a SAD for one hash signed another")
	}
	sad = authorize(c2)
	if err := signWith(a, c1.CredentialID, sad, one(h1)); err == nil {
		t.Error("a SAD for one credential signed with another")
	}
	sad = authorize(c1)
	if err := signWith(b, c1.CredentialID, sad, one(h1)); err == nil {
		t.Error("a SAD given to client A was used by client B")
	}
	if err := signWith(a, c1.CredentialID, sad, one(h1)); err != nil {
		t.Errorf("the SAD B could not use does not sign for A: %v", err)
	}

	// A citizen's signHash without SAD.
	if err := signWith(a, c1.CredentialID, "", one(h1)); err == nil {
		t.Error("a citizen's signHash without SAD was accepted")
	}

	// Client B is not bound to the citizens: it does not see their
	// certificates (which name them and their CCCD) and cannot authorise.
	if _, err := b.Credential(ctx, c2.CredentialID); err == nil {
		t.Error("a client not bound to the citizen read the citizen's certificate")
	}
	if _, _, err := b.Authorize(ctx, c2.CredentialID, one(h1), OIDSHA256, citizenPIN, c2.codes.next(t)); err == nil {
		t.Error("a client not bound to the citizen authorised")
	}

	// A wrong TOTP code.
	if _, _, err := a.Authorize(ctx, c2.CredentialID, one(h1), OIDSHA256, citizenPIN, c2.codes.wrong(t)); err == nil {
		t.Error("a wrong TOTP code authorised")
	} else if name := cscErr(t, "wrong code", err); name != "invalid_grant" {
		t.Errorf("a wrong TOTP code: %s, want invalid_grant", name)
	}
	// A wrong PIN with the right code.
	if _, _, err := a.Authorize(ctx, c1.CredentialID, one(h1), OIDSHA256, "000000", c1.codes.next(t)); err == nil {
		t.Error("a wrong PIN authorised")
	}

	// A disabled client's token fails at once.
	e.k.admin(t, "POST", "/v1/clients/"+e.b.ID+"/disable", map[string]any{}, 200, nil)
	if _, err := b.List(ctx); err == nil || cscErr(t, "disabled client", err) != "invalid_token" {
		t.Errorf("a disabled client's token: %v, want invalid_token", err)
	}
}

// TestCSCExpiredSAD: a SAD past its expiry is refused. kyso runs with a SAD
// lifetime of one nanosecond (remote_signing.sad_lifetime), so that the
// SAD has expired when it arrives, with no waiting in the test.
func TestCSCExpiredSAD(t *testing.T) {
	e := newEnv(t, 1, "KYSO_REMOTE_SIGNING_SAD_LIFETIME=1ns")
	ctx := context.Background()
	a := e.login(t, "v2", e.a)
	c := e.citizens[0]
	h := sha256.Sum256([]byte("hồ sơ hết hạn"))
	sad, exp, err := a.Authorize(ctx, c.CredentialID, [][]byte{h[:]}, OIDSHA256, citizenPIN, c.codes.next(t))
	if err != nil {
		t.Fatal(err)
	}
	if exp != 0 {
		t.Errorf("expiresIn = %d, want 0 with a 1 ns lifetime", exp)
	}
	_, err = a.SignHash(ctx, c.CredentialID, sad, [][]byte{h[:]}, OIDSHA256, OIDRSA, "")
	if err == nil {
		t.Fatal("an expired SAD signed")
	}
	if name := cscErr(t, "expired SAD", err); name != "invalid_grant" {
		t.Errorf("an expired SAD: %s, want invalid_grant", name)
	}
}
