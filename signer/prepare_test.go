package signer_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"io"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/pades"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	*bytes.Reader
	read int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.Reader.Read(p)
	c.read += n
	return n, err
}

// TestPreparedDigests: preparing a request reads no document; its Digests
// are what a consent names (the document's SHA-256, read only when asked
// and the reader put back, so the whole document is then signed; a hash
// request's own digests and algorithm), and a document that cannot be
// read twice cannot be matched with a consent.
func TestPreparedDigests(t *testing.T) {
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf, root := testCert(t, key.Public())
	cred := &model.SigningCredential{ID: "cred_seal", Profile: "seal", Key: model.Key{Signer: key, Cert: leaf, Chain: []*x509.Certificate{root}}}
	rec := &recorder{}
	svc := signer.New(signer.Config{PDF: pades.New(nil, nil), Recorder: rec})

	doc := testpdf.Make(1, 2<<10)
	in := &countingReader{Reader: bytes.NewReader(doc)}
	p, err := svc.PreparePDF(signer.PDFRequest{}, in, int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	if in.read != 0 {
		t.Errorf("PreparePDF read %d bytes of the document, want none", in.read)
	}
	hs, err := p.Hashes()
	sum := sha256.Sum256(doc)
	if err != nil || len(hs) != 1 || !bytes.Equal(hs[0], sum[:]) || p.HashAlgorithm() != crypto.SHA256 {
		t.Fatalf("PreparedPDF digests = %s %x, %v; want SHA-256 %x", p.HashAlgorithm(), hs, err, sum)
	}
	var out bytes.Buffer
	res, err := p.Sign(ctx, signer.Caller{ClientID: "cli_test"}, cred, &out)
	if err != nil {
		t.Fatalf("PreparedPDF.Sign after its Digests were read = %v", err)
	}
	if !bytes.HasPrefix(out.Bytes(), doc) || res.Size != int64(out.Len()) {
		t.Errorf("signed %d bytes (result says %d); want the whole %d-byte document and its signature", out.Len(), res.Size, len(doc))
	}

	d384 := sha512.Sum384([]byte("tờ khai"))
	ph, err := svc.PrepareHashes(signer.HashRequest{CMSRequest: signer.CMSRequest{HashAlgorithm: "sha-384"}, Hashes: [][]byte{d384[:]}})
	if err != nil {
		t.Fatal(err)
	}
	if hs, err := ph.Hashes(); err != nil || len(hs) != 1 || !bytes.Equal(hs[0], d384[:]) || ph.HashAlgorithm() != crypto.SHA384 {
		t.Errorf("PreparedHashes digests = %s %x, %v; want SHA-384 %x", ph.HashAlgorithm(), hs, err, d384)
	}

	pc, err := svc.PrepareCMS(signer.CMSRequest{}, io.MultiReader(bytes.NewReader(doc)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Hashes(); !errors.Is(err, signer.ErrInvalid) {
		t.Errorf("digests of content that cannot be read twice = %v, want ErrInvalid", err)
	}
}

// TestPreparedSignNeedsCredential: a prepared request signs only with a
// credential its caller resolved (a signer and a certificate), and
// without one it signs nothing and records nothing.
func TestPreparedSignNeedsCredential(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	svc := signer.New(signer.Config{PDF: pades.New(nil, nil), Recorder: rec})
	caller := signer.Caller{ClientID: "cli_test"}
	doc := testpdf.Make(1, 0)
	xml := []byte(`<HDon><DLHDon Id="data"><TTChung/><NDHDon><NBan/></NDHDon></DLHDon><DSCKS><NBan/></DSCKS></HDon>`)
	d := sha256.Sum256(doc)
	sign := map[string]func(*model.SigningCredential) error{
		"PDF": func(c *model.SigningCredential) error {
			p, err := svc.PreparePDF(signer.PDFRequest{}, bytes.NewReader(doc), int64(len(doc)))
			if err == nil {
				_, err = p.Sign(ctx, caller, c, io.Discard)
			}
			return err
		},
		"PDF batch": func(c *model.SigningCredential) error {
			p, err := svc.PreparePDFBatch(signer.PDFRequest{}, []signer.BatchDocument{{In: bytes.NewReader(doc), Size: int64(len(doc)), Out: io.Discard}})
			if err == nil {
				_, err = p.Sign(ctx, caller, c)
			}
			return err
		},
		"CMS": func(c *model.SigningCredential) error {
			p, err := svc.PrepareCMS(signer.CMSRequest{}, bytes.NewReader(doc))
			if err == nil {
				_, err = p.Sign(ctx, caller, c)
			}
			return err
		},
		"hashes": func(c *model.SigningCredential) error {
			p, err := svc.PrepareHashes(signer.HashRequest{Hashes: [][]byte{d[:]}})
			if err == nil {
				_, err = p.Sign(ctx, caller, c)
			}
			return err
		},
		"XML": func(c *model.SigningCredential) error {
			p, err := svc.PrepareXML(signer.XMLRequest{}, xml)
			if err == nil {
				_, err = p.Sign(ctx, caller, c)
			}
			return err
		},
		"XML batch": func(c *model.SigningCredential) error {
			p, err := svc.PrepareXMLBatch(signer.XMLRequest{}, [][]byte{xml})
			if err == nil {
				_, err = p.Sign(ctx, caller, c)
			}
			return err
		},
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, sign := range sign {
		for _, c := range []*model.SigningCredential{nil, {ID: "cred_nocert", Profile: "seal", Key: model.Key{Signer: key}}} {
			if err := sign(c); !errors.Is(err, signer.ErrForbidden) {
				t.Errorf("%s: Sign(%v) = %v, want ErrForbidden", name, c, err)
			}
		}
	}
	if len(rec.events) != 0 {
		t.Errorf("recorded %d signatures without a credential, want none", len(rec.events))
	}
}
