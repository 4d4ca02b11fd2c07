package xmldsig_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/xmldsig"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// xmlSeeds are the third-party signed XML of the shared corpus, a kyso
// e-invoice and some hostile inputs.
func xmlSeeds(f *testing.F) [][]byte {
	f.Helper()
	names, _ := filepath.Glob("../../../shared/testdata/realworld-xml/*/*.xml")
	if len(names) == 0 {
		f.Fatal("no realworld-xml seeds beside the checkout")
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out,
		xmltest.Invoice{Items: 2, WithMCCQT: true, EmptyBlocks: true}.Make(),
		[]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`),
		[]byte("<a xmlns:p='urn:p' p:x='1&#10;2\n3' xml:lang='vi'><!--c--><?pi d?><b xmlns=''><![CDATA[<&>]]></b></a>"),
		[]byte(`<r xmlns="urn:D"><c xmlns="" Id="x"/><c Id="x"/></r>`),
	)
}

// FuzzParse feeds any bytes to Parse. A document that parses must
// canonicalise with every algorithm, and its Canonical XML must be a fixed
// point: parsed and canonicalised again it gives the same bytes. Every
// signature in it is read and its references digested, and the input of
// its archive time-stamps computed, without a panic.
func FuzzParse(f *testing.F) {
	for _, s := range xmlSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := xmldsig.Parse(data, xmldsig.Limits{MaxNodes: 20000})
		if err != nil {
			return
		}
		for _, m := range []string{xmldsig.C14N10, xmldsig.C14N10WithComments, xmldsig.C14N11, xmldsig.ExcC14N, xmldsig.ExcC14NWithComments} {
			if _, err := xmldsig.CanonicalBytes(xmldsig.NodeSet{Doc: d, Comments: true}, m, nil); err != nil && m != xmldsig.C14N11 {
				t.Fatalf("Canonicalize(%s) of a parsed document = %v", m, err)
			}
		}
		c1, err := xmldsig.CanonicalBytes(xmldsig.NodeSet{Doc: d, Comments: true}, xmldsig.C14N10WithComments, nil)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := xmldsig.Parse(c1, xmldsig.Limits{MaxNodes: 40000})
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%q", err, c1)
		}
		c2, err := xmldsig.CanonicalBytes(xmldsig.NodeSet{Doc: d2, Comments: true}, xmldsig.C14N10WithComments, nil)
		if err != nil || !bytes.Equal(c1, c2) {
			t.Fatalf("canonical form is not a fixed point:\n%q\n%q", c1, c2)
		}
		for _, el := range d.Signatures() {
			s, err := xmldsig.ReadSignature(el)
			if err != nil {
				continue
			}
			for _, r := range s.References {
				d.DigestReference(s, r)
			}
			d.SignedInfoBytes(s)
			for _, ats := range el.FindElements(".//ArchiveTimeStamp") {
				d.ArchiveTimeStampInput(s, ats, xmldsig.C14N10)
			}
		}
	})
}

// FuzzSign signs any bytes as an enveloped document: Sign either refuses
// it or returns a document whose new signature verifies and which starts
// and ends as the input did.
func FuzzSign(f *testing.F) {
	for _, s := range xmlSeeds(f) {
		f.Add(s)
	}
	pki := xmltest.NewPKI(f)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	cred := model.Key{Signer: k, Cert: pki.Issue(f, k.Public(), "Fuzz", "kyso", "MST:0101234567"), Chain: []*x509.Certificate{pki.Issuing}}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := xmldsig.Sign(context.Background(), data, cred, xmldsig.Options{Profile: xmldsig.ProfileEnveloped, Limits: xmldsig.Limits{MaxNodes: 20000}})
		if err != nil {
			return
		}
		d, err := xmldsig.Parse(res.Document, xmldsig.Limits{MaxNodes: 40000})
		if err != nil {
			t.Fatalf("signed document does not parse: %v", err)
		}
		els := d.ByID(res.SignatureID)
		if len(els) != 1 {
			t.Fatalf("signature %q found %d times", res.SignatureID, len(els))
		}
		if err := xmldsig.CheckSignature(d, els[0], cred.Cert); err != nil {
			t.Fatalf("signed document does not verify: %v", err)
		}
		if len(res.Document) <= len(data) {
			t.Fatalf("signed document (%d bytes) not longer than the input (%d)", len(res.Document), len(data))
		}
	})
}
