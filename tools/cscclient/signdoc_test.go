package cscclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCSCSignDoc: signatures/signDoc has kyso build the signature — the
// agency's seal (SCAL1, no SAD) signs a PDF at PAdES B-T and an XML
// document at XAdES B-B; a citizen's SAD authorised for the SHA-256 of two
// PDFs signs both in one request and nothing else; documentDigests gives
// detached CMS signatures that openssl verifies; extendTransaction swaps a
// SAD for a new one and the old one is dead. pdfsig and kyso's verifier
// accept the PDFs.
func TestCSCSignDoc(t *testing.T) {
	e := newEnv(t, 1)
	ctx := context.Background()
	a := e.login(t, "v2", e.a)

	docs, err := a.SignDoc(ctx, e.seal, "", []Document{{Content: minimalPDF("Quyết định"), Format: "P", Level: "Ades-B-T"}})
	if err != nil {
		t.Fatalf("signDoc (seal, PDF B-T): %v", err)
	}
	e.checkPDF(t, "signdoc-seal.pdf", docs[0])

	xml := []byte(`<?xml version="1.0" encoding="UTF-8"?><HoSo Id="hs1"><SoHoSo>HS-2026-000123</SoHoSo><NguoiNop>Nguyễn Văn An</NguoiNop></HoSo>`)
	docs, err = a.SignDoc(ctx, e.seal, "", []Document{{Content: xml, Format: "X", Level: "Ades-B-B"}})
	if err != nil {
		t.Fatalf("signDoc (seal, XML B-B): %v", err)
	}
	if !bytes.Contains(docs[0], []byte("SignatureValue")) || !bytes.Contains(docs[0], []byte("SignedProperties")) {
		t.Errorf("signDoc (XML) gave no XAdES signature:\n%.600s", docs[0])
	}
	if valid := e.k.verifyXML(t, docs[0]); !valid {
		t.Error("kyso's verifier does not find the XAdES document valid")
	}

	// A citizen: one SAD for the SHA-256 of two documents.
	c := e.citizens[0]
	d1, d2 := minimalPDF("Tờ khai 1"), minimalPDF("Tờ khai 2")
	s1, s2 := sha256.Sum256(d1), sha256.Sum256(d2)
	sad, _, err := a.Authorize(ctx, c.CredentialID, [][]byte{s1[:], s2[:]}, OIDSHA256, citizenPIN, c.codes.next(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SignDoc(ctx, c.CredentialID, sad, []Document{{Content: minimalPDF("Tờ khai khác"), Format: "P"}}); err == nil {
		t.Error("a SAD for two documents signed a third")
	}
	newSAD, err := a.ExtendTransaction(ctx, c.CredentialID, sad)
	if err != nil {
		t.Fatalf("extendTransaction: %v", err)
	}
	if _, err := a.SignDoc(ctx, c.CredentialID, sad, []Document{{Content: d1, Format: "P"}, {Content: d2, Format: "P"}}); err == nil {
		t.Error("the SAD extendTransaction replaced still signs")
	}
	docs, err = a.SignDoc(ctx, c.CredentialID, newSAD, []Document{{Content: d1, Format: "P"}, {Content: d2, Format: "P"}})
	if err != nil {
		t.Fatalf("signDoc (citizen, two PDFs): %v", err)
	}
	e.checkPDF(t, "signdoc-citizen-1.pdf", docs[0])
	e.checkPDF(t, "signdoc-citizen-2.pdf", docs[1])

	// documentDigests: detached CMS of the seal over a digest.
	content := []byte("nội dung hồ sơ")
	digest := sha256.Sum256(content)
	cmss, err := a.SignDigests(ctx, e.seal, "", [][]byte{digest[:]}, OIDSHA256, "Ades-B-B")
	if err != nil {
		t.Fatalf("signDoc (documentDigests): %v", err)
	}
	dir := t.TempDir()
	sig, data, root := filepath.Join(dir, "sig.der"), filepath.Join(dir, "content"), filepath.Join(e.k.dir, "root.pem")
	if err := os.WriteFile(sig, cmss[0], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, content, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", data,
		"-CAfile", root, "-purpose", "any", "-out", os.DevNull).CombinedOutput(); err != nil {
		t.Errorf("openssl cms -verify of the documentDigests signature: %v\n%s", err, out)
	}
}

// verifyXML posts doc to kyso's public XML verifier and returns whether
// the report says valid.
func (k *kyso) verifyXML(t *testing.T, doc []byte) bool {
	t.Helper()
	resp, err := http.Post(k.url+"/v1/verify/xml", "application/xml", bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/verify/xml = %d: %s", resp.StatusCode, b)
	}
	var rep struct {
		Valid bool `json:"valid"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Valid {
		t.Logf("verify report: %s", b)
	}
	return rep.Valid
}
