package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/verifier"
)

// TestVerifyTLSClientCertificateIsNoSigner is the attack of issue 11: a
// client system's tls-client certificate, issued by kyso's CA through
// POST /v1/clients/{id}/certificate, has a key the client holds, outside
// Vault. A PDF signed offline with it — no Vault, no PIN, no audit record —
// names the agency's client system and chains to kyso's root, but it is
// not a document signer: INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE through
// the API and `kyso verify`, while kyso's own seal signature passes.
func TestVerifyTLSClientCertificateIsNoSigner(t *testing.T) {
	e := newSignEnv(t)
	code, out := e.call(t, "POST", "/v1/clients", map[string]any{"name": "e-office Hà Nội (mTLS)", "organizations": []string{hanoi}})
	if code != 201 || out["id"] == nil {
		t.Fatalf("create client = %d %v", code, out)
	}
	key, csr := newClientKey(t, "e-office Hà Nội (mTLS)")
	code, out = e.call(t, "POST", "/v1/clients/"+out["id"].(string)+"/certificate", map[string]string{"csr": csr})
	if code != 201 || out["profile"] != "tls-client" {
		t.Fatalf("issue client certificate = %d %v", code, out)
	}
	leaf := pemCert(t, out["certificate"].(string))
	chain := []*x509.Certificate{pemCert(t, out["chain"].(string))}

	doc := testpdf.Make(1, 10<<10)
	var signed bytes.Buffer
	if _, err := pades.New(nil, nil).Sign(context.Background(), bytes.NewReader(doc), int64(len(doc)), &signed,
		model.Key{Signer: key, Cert: leaf, Chain: chain}, pades.Options{Level: pades.LevelBB}); err != nil {
		t.Fatalf("sign offline with the client's key: %v", err)
	}
	rep := e.verifyAPI(t, signed.Bytes())
	s := rep.Signatures[0]
	if rep.Valid || s.Indication != verifier.Indeterminate || s.SubIndication != verifier.ChainConstraintsFailure || !strings.Contains(s.Detail, "TLS client authentication") {
		t.Errorf("tls-client signer through the API = %s/%s (%s), want INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE", s.Indication, s.SubIndication, s.Detail)
	}
	p := writeFileT(t, filepath.Join(e.dir, "tls-client-signed.pdf"), signed.Bytes())
	if code, out := kysoVerify(t, "--data", e.dir, p); code != exitIndeterminate || !strings.Contains(out, "may not sign documents") {
		t.Errorf("kyso verify = %d, want 2 and the reason:\n%s", code, out)
	}

	// The agency's seal, signed by kyso (key in Vault), passes.
	if rep := e.verifyAPI(t, e.sign(t, e.seal, doc, map[string]any{"level": "B-B"})); !rep.Valid {
		t.Errorf("seal signature: %+v", rep.Signatures)
	}
}
