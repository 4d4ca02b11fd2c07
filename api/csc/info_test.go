package csc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/model"
)

// TestCredentialsInfoFromModel: credentials/info is built at the edge from
// the model.SigningCredential the backend resolves: the description is the
// certificate's CN and the profile, the chain is the credential's
// certificate then its issuers, the SCAL decides the authorisation mode,
// and a certificate past its validity (on the handler's clock) is
// "expired" with its key disabled.
func TestCredentialsInfoFromModel(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kyso Issuing CA"},
		NotBefore: start, NotAfter: start.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafTpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Nguyễn Văn An"},
		NotBefore: start, NotAfter: start.AddDate(2, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTpl, issuer, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		t.Fatal(err)
	}
	cred := &model.SigningCredential{ID: "cred", Profile: "citizen", SCAL: "2", Key: model.Key{Cert: leaf, Chain: []*x509.Certificate{issuer}}}

	for _, tc := range []struct {
		name           string
		now            time.Time
		status, keySta string
	}{
		{"valid", start.AddDate(1, 0, 0), "valid", "enabled"},
		{"expired", start.AddDate(3, 0, 0), "expired", "disabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Config{Now: func() time.Time { return tc.now }}, Deps{
				Clients: oneClient{&model.Client{ID: "cli_t"}}, Credentials: oneCredential{cred}})
			r := mux.NewRouter()
			h.Mount(r)
			req := httptest.NewRequest(http.MethodPost, "/csc/v2/credentials/info",
				strings.NewReader(`{"credentialID":"cred","certificates":"chain","certInfo":true}`))
			req.Header.Set("Authorization", "Bearer kyso_cli_t")
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("credentials/info = %d %s", rec.Code, rec.Body)
			}
			var got struct {
				Description string `json:"description"`
				SCAL        string `json:"SCAL"`
				AuthMode    string `json:"authMode"`
				Key         struct {
					Status string `json:"status"`
				} `json:"key"`
				Cert struct {
					Status       string   `json:"status"`
					Certificates []string `json:"certificates"`
					SubjectDN    string   `json:"subjectDN"`
				} `json:"cert"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			wantChain := []string{base64.StdEncoding.EncodeToString(leafDER), base64.StdEncoding.EncodeToString(caDER)}
			if got.Description != "Nguyễn Văn An (citizen)" || got.SCAL != "2" || got.AuthMode != "explicit" ||
				got.Cert.SubjectDN != leaf.Subject.String() || strings.Join(got.Cert.Certificates, ",") != strings.Join(wantChain, ",") {
				t.Errorf("credentials/info = %s", rec.Body)
			}
			if got.Cert.Status != tc.status || got.Key.Status != tc.keySta {
				t.Errorf("credentials/info at %s: cert %q key %q, want %q %q", tc.now.Format(time.DateOnly), got.Cert.Status, got.Key.Status, tc.status, tc.keySta)
			}
		})
	}
}

// TestInfoURLsFromBaseURL: info announces its OAuth 2.0 endpoint and logo
// under the configured public URL, whatever Host and scheme the request
// came with (a client chooses the Host; a TLS-terminating proxy makes the
// scheme http); without one, under the request's.
func TestInfoURLsFromBaseURL(t *testing.T) {
	for _, tc := range []struct {
		name, base, wantOAuth, wantLogo string
	}{
		{"configured", "https://kyso.hanoi.gov.vn/", "https://kyso.hanoi.gov.vn/csc/v2", "https://kyso.hanoi.gov.vn/assets/favicon.svg"},
		{"not configured", "", "http://evil.example/csc/v2", "http://evil.example/assets/favicon.svg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Config{BaseURL: tc.base}, Deps{})
			r := mux.NewRouter()
			h.Mount(r)
			req := httptest.NewRequest(http.MethodPost, "http://evil.example/csc/v2/info", strings.NewReader(`{"lang":"vi"}`))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			var got struct {
				OAuth2 string `json:"oauth2"`
				Logo   string `json:"logo"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != http.StatusOK || err != nil {
				t.Fatalf("info = %d %s", rec.Code, rec.Body)
			}
			if got.OAuth2 != tc.wantOAuth || got.Logo != tc.wantLogo {
				t.Errorf("info announces oauth2 %q, logo %q; want %q, %q", got.OAuth2, got.Logo, tc.wantOAuth, tc.wantLogo)
			}
		})
	}
}
