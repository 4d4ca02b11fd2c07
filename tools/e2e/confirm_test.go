package e2e

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/kyso-vn/kyso/tools/cscclient"
)

// TestConfirmationPageInChromium: the confirmation mode end to end, in
// headless Chromium against a real `kyso dev`. A client system opens a
// transaction through the CSC API (signatures/signHash, operationMode
// "A"); the citizen opens its confirmURL on a phone, sees the doc_id, the
// agency and the hash prefix, types a wrong code (a clear Vietnamese
// message), then the PIN and the TOTP code of their authenticator app, and
// confirms; the client's signatures/signPolling, pending until then, gives
// the signature, which the citizen's certificate verifies. Screenshots are
// test artefacts.
func TestConfirmationPageInChromium(t *testing.T) {
	k := startKyso(t)
	const hanoi = "Ủy ban nhân dân Thành phố Hà Nội"
	const pin = "482915"
	var client struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	k.admin(t, "/v1/clients", map[string]any{"name": "Cổng dịch vụ công Hà Nội", "organizations": []string{hanoi}}, http.StatusCreated, &client)
	var cit struct {
		CredentialID string `json:"credential_id"`
		TOTP         struct {
			URI string `json:"uri"`
		} `json:"totp"`
	}
	k.admin(t, "/v1/certificates", map[string]any{"profile": "citizen", "pin": pin, "client_id": client.ID,
		"subject": map[string]string{"name": "Nguyễn Văn An", "cccd": "001099012345", "locality": "Hà Nội"}}, http.StatusCreated, &cit)
	u, err := url.Parse(cit.TOTP.URI)
	if err != nil || u.Query().Get("secret") == "" {
		t.Fatalf("enrolment gave no otpauth URI with a secret: %q", cit.TOTP.URI)
	}
	secret := u.Query().Get("secret")

	ctx := context.Background()
	cl := &cscclient.Client{Base: k.env["KYSO_URL"] + "/csc/v2"}
	if _, err := cl.Login(ctx, client.ID, client.APIKey); err != nil {
		t.Fatal(err)
	}
	cred, err := cl.Credential(ctx, cit.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("Tờ khai đăng ký khai sinh — hồ sơ HS-2026-000123"))
	const docID = "HS-2026-000123"
	rid, confirmURL, err := cl.SignHashAsync(ctx, cit.CredentialID, [][]byte{digest[:]}, cscclient.OIDSHA256, cscclient.OIDRSA,
		docID, "Tờ khai đăng ký khai sinh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(confirmURL, "/confirm/") {
		t.Fatalf("confirmURL = %q, want kyso's confirmation page", confirmURL)
	}
	if _, pending, err := cl.Poll(ctx, rid, 1); err != nil || !pending {
		t.Fatalf("signPolling before the citizen confirmed: pending=%t, %v; want pending", pending, err)
	}

	s := Start(t, k.env["KYSO_URL"], artefacts(t))
	s.Phone()
	s.do("open the confirmation page", chromedp.Navigate(confirmURL), chromedp.WaitVisible(chromedp.CSS("#request")))
	s.ExpectText("#docid", docID)
	s.ExpectText("#agency", "Cổng dịch vụ công Hà Nội")
	s.ExpectText("#docname", "Tờ khai đăng ký khai sinh")
	prefix := strings.ToLower(strings.TrimSpace(s.eval("hash prefix", "document.getElementById('hashes').textContent")))
	if prefix == "" || !strings.HasPrefix(hexOf(digest[:]), strings.Fields(prefix)[0]) {
		t.Errorf("the page shows the hash prefix %q; the hash is %s", prefix, hexOf(digest[:]))
	}
	s.Screenshot("confirm-request.png")

	// A wrong code: a clear message, and the form stays.
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	good := code(time.Now())
	wrong := []byte(good)
	wrong[0] = '0' + (wrong[0]-'0'+5)%10
	s.do("type PIN and a wrong code", chromedp.SendKeys(chromedp.CSS("#pin"), pin), chromedp.SendKeys(chromedp.CSS("#otp"), string(wrong)))
	s.Click("#confirm")
	s.do("wait for the message", chromedp.WaitVisible(chromedp.CSS("#message")))
	s.ExpectText("#message", "không đúng")
	s.Screenshot("confirm-wrong-code.png")

	// The right code: confirmed.
	s.do("type the code", chromedp.SendKeys(chromedp.CSS("#otp"), code(time.Now())))
	s.Click("#confirm")
	s.do("wait for the confirmation", chromedp.WaitVisible(chromedp.CSS("#message.ok")))
	s.ExpectText("#message", "Đã xác nhận")
	s.Screenshot("confirm-done.png")
	s.ExpectCleanConsole("status of 403")

	sigs, pending, err := cl.Poll(ctx, rid, 1)
	if err != nil || pending {
		t.Fatalf("signPolling after the citizen confirmed: pending=%t, %v", pending, err)
	}
	pub, ok := cred.Chain[0].PublicKey.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("the citizen's key is %T", cred.Chain[0].PublicKey)
	}
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sigs[0]); err != nil {
		t.Errorf("the signature from signPolling does not verify with the citizen's certificate: %v", err)
	}
	if _, _, err := cl.Poll(ctx, rid, 1); err == nil {
		t.Error("signPolling gave the signatures a second time")
	}

	// A second transaction, which the citizen refuses: the client's
	// signPolling answers access_denied, and the page offers no form.
	rid, confirmURL, err = cl.SignHashAsync(ctx, cit.CredentialID, [][]byte{digest[:]}, cscclient.OIDSHA256, cscclient.OIDRSA,
		"HS-2026-000124", "Tờ khai đăng ký kết hôn")
	if err != nil {
		t.Fatal(err)
	}
	s.do("open the second transaction", chromedp.Navigate(confirmURL), chromedp.WaitVisible(chromedp.CSS("#request")))
	s.ExpectText("#docid", "HS-2026-000124")
	if got := s.eval("address", "location.href"); strings.Contains(got, "token") || strings.Contains(got, "#t=") {
		t.Errorf("the page left its token in the address: %s", got)
	}
	s.Click("#refuse")
	s.do("wait for the refusal", chromedp.WaitVisible(chromedp.CSS("#message")), chromedp.WaitNotVisible(chromedp.CSS("#form")))
	s.ExpectText("#message", "từ chối")
	s.Screenshot("confirm-refused.png")
	_, _, err = cl.Poll(ctx, rid, 1)
	var ce *cscclient.Error
	if !errors.As(err, &ce) || ce.Name != "access_denied" {
		t.Errorf("signPolling of a refused transaction: %v, want access_denied", err)
	}
	s.ExpectCleanConsole("status of 403")
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
