package xmldsig

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"github.com/kyso-vn/kyso/model"
	"testing"

	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// TestCheckSplice: the self-check of a spliced signature refuses markup
// that does not parse to the signature made — a changed digest, a node
// after it, markup that is not well-formed — and an ID the document
// already has; the markup as written passes.
func TestCheckSplice(t *testing.T) {
	pki := xmltest.NewPKI(t)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cred := model.Key{Signer: k, Cert: pki.Issue(t, k.Public(), "Splice", "kyso", "MST:0101234567"), Chain: []*x509.Certificate{pki.Issuing}}
	p, err := newPlan(cred, Options{Profile: ProfileEInvoiceVN, ID: "s"})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.prepare(xmltest.Invoice{Items: 2}.Make())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := k.Sign(rand.Reader, pr.tbs, signerOpts(p.method))
	if err != nil {
		t.Fatal(err)
	}
	value, err := encodeValue(cred.Cert.PublicKey, raw)
	if err != nil {
		t.Fatal(err)
	}
	pr.sig.SelectElement("SignatureValue").SetText(base64.StdEncoding.EncodeToString(value))
	var ins bytes.Buffer
	writeElement(&ins, pr.top)
	if err := pr.checkSplice(ins.Bytes()); err != nil {
		t.Fatalf("checkSplice(the markup written) = %v", err)
	}
	dv := bytes.Index(ins.Bytes(), []byte("<DigestValue>")) + len("<DigestValue>")
	changed := bytes.Clone(ins.Bytes())
	changed[dv] ^= 1
	for name, m := range map[string][]byte{
		"changed digest":  changed,
		"trailing node":   append(bytes.Clone(ins.Bytes()), "<x/>"...),
		"not well-formed": ins.Bytes()[:ins.Len()-1],
	} {
		if err := pr.checkSplice(m); !errors.Is(err, ErrIntegrity) {
			t.Errorf("%s: checkSplice = %v, want ErrIntegrity", name, err)
		}
	}
	// A markup ID the document has elsewhere.
	pr.d.SetID("s-SigningTime", append(pr.d.ByID("s-SigningTime"), pr.d.Root())...)
	if err := pr.checkSplice(ins.Bytes()); !errors.Is(err, ErrIntegrity) {
		t.Errorf("ID clash: checkSplice = %v, want ErrIntegrity", err)
	}
}

// TestCheckSpliceVerifies: the self-check verifies the signature in the
// tree, not only that the markup is the tree: a DigestValue that is not
// the digest of the invoice data (not canonicalised again), a SigningTime
// changed after it was digested (canonicalised again) and a wrong
// SignatureValue are each refused, with markup written from the changed
// tree.
func TestCheckSpliceVerifies(t *testing.T) {
	pki := xmltest.NewPKI(t)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cred := model.Key{Signer: k, Cert: pki.Issue(t, k.Public(), "Splice", "kyso", "MST:0101234567")}
	for _, tc := range []struct {
		name   string
		change func(pr *prepared)
	}{
		{"unchanged", func(*prepared) {}},
		{"data digest", func(pr *prepared) {
			dv := pr.sig.FindElement("./SignedInfo/Reference/DigestValue")
			b, _ := base64.StdEncoding.DecodeString(dv.Text())
			b[0] ^= 1
			dv.SetText(base64.StdEncoding.EncodeToString(b))
		}},
		{"signing time", func(pr *prepared) {
			pr.sig.FindElement(".//SigningTime").SetText("2001-01-01T00:00:00+07:00")
		}},
		{"signature value", func(pr *prepared) {
			sv := pr.sig.SelectElement("SignatureValue")
			b, _ := base64.StdEncoding.DecodeString(sv.Text())
			b[len(b)-1] ^= 1
			sv.SetText(base64.StdEncoding.EncodeToString(b))
		}},
	} {
		p, err := newPlan(cred, Options{Profile: ProfileEInvoiceVN, ID: "s"})
		if err != nil {
			t.Fatal(err)
		}
		pr, err := p.prepare(xmltest.Invoice{Items: 2}.Make())
		if err != nil {
			t.Fatal(err)
		}
		raw, err := k.Sign(rand.Reader, pr.tbs, signerOpts(p.method))
		if err != nil {
			t.Fatal(err)
		}
		value, err := encodeValue(cred.Cert.PublicKey, raw)
		if err != nil {
			t.Fatal(err)
		}
		pr.sig.SelectElement("SignatureValue").SetText(base64.StdEncoding.EncodeToString(value))
		tc.change(pr)
		var ins bytes.Buffer
		writeElement(&ins, pr.top)
		err = pr.checkSplice(ins.Bytes())
		if tc.name == "unchanged" {
			if err != nil {
				t.Errorf("unchanged: checkSplice = %v", err)
			}
		} else if !errors.Is(err, ErrIntegrity) {
			t.Errorf("%s: checkSplice = %v, want ErrIntegrity", tc.name, err)
		}
	}
}
