package verifier

// Red-team tests of VerifyXML: each test is a way an attacker tries to
// make kyso say valid for an XML document whose meaning (what an
// e-invoice system reads: the invoice data, amounts, tax codes) differs
// from what was signed, or whose signer is not who the report says. Each
// fails if kyso says valid (Report.Valid, or a signature TOTAL_PASSED),
// and, where the forgery is real, asserts what the forged document reads
// as and, where it applies, that xmlsec1 (core XML-Signature validation
// only) accepts it, so that the test keeps showing the attack.

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/kyso-vn/kyso/internal/xmlsig"
	"github.com/kyso-vn/kyso/signer/xmldsig"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// notGreen fails the test if kyso calls doc valid in any way: the report
// valid, or one signature TOTAL_PASSED.
func notGreen(t *testing.T, rep *Report) {
	t.Helper()
	notValid(t, rep)
	for _, s := range rep.Signatures {
		if s.Indication == TotalPassed {
			t.Errorf("signature %s of the forged document is TOTAL_PASSED; its references cover %s", s.Field, covers(s))
		}
	}
}

// notValid fails the test if the report says the document is valid. It
// is for documents where a signature may rightly pass (it signs what it
// says) but the document as a whole must not.
func notValid(t *testing.T, rep *Report) {
	t.Helper()
	if rep.Valid {
		var sigs []string
		for _, s := range rep.Signatures {
			sigs = append(sigs, fmt.Sprintf("%s %s (covers %s)", s.Field, s.Indication, covers(s)))
		}
		t.Errorf("the forged document is valid: %s", strings.Join(sigs, "; "))
	}
}

// covers lists what the references of s cover, for messages.
func covers(s Signature) string {
	var out []string
	for _, r := range s.References {
		out = append(out, fmt.Sprintf("%s%v", r.Covers, r.Excludes))
	}
	return strings.Join(out, ", ")
}

// appReads returns the string value (XPath 1.0, 5.2: all the text inside)
// of every element named local in doc, in document order: what an
// application that looks elements up by name (getElementsByTagName,
// //TgTTTBSo) finds.
func appReads(t *testing.T, doc []byte, local string) []string {
	t.Helper()
	d, err := xmlsig.Parse(doc, xmlsig.Limits{})
	if err != nil {
		t.Fatalf("Parse(forged document) = %v", err)
	}
	var out []string
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		if el.Tag == local {
			out = append(out, strings.TrimSpace(xmlsig.Text(el)))
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(d.Root())
	return out
}

// element returns the first <name …>…</name> of doc (an element without
// a nested one of the same name).
func element(t *testing.T, doc []byte, name string) []byte {
	t.Helper()
	i := bytes.Index(doc, []byte("<"+name))
	j := bytes.Index(doc, []byte("</"+name+">"))
	if i < 0 || j < i {
		t.Fatalf("no %s element in the document", name)
	}
	return doc[i : j+len("</"+name+">")]
}

// xmlsecAccepts fails the test if xmlsec1 rejects doc: the attack then no
// longer passes core validation and the test would show nothing.
func xmlsecAccepts(t *testing.T, f *xmlFixture, doc []byte, extra ...string) {
	t.Helper()
	if out, err := f.pki.XMLSec(t, doc, extra...); err != nil {
		t.Fatalf("xmlsec1 rejects the forged document (the test no longer shows the attack): %v\n%s", err, out)
	}
}

// TestRedTeamXMLSecondInvoiceData: a second DLHDon, with the forged
// amount, appended after the signed one in HDon. The seller's signature
// covers the first; an application that binds the invoice with
// XmlSerializer or JAXB keeps the last element of a repeated single
// field, so it reads the forged data. Which DLHDon is "the" invoice is
// ambiguous: kyso must not say valid.
func TestRedTeamXMLSecondInvoiceData(t *testing.T) {
	f := newXMLFixture(t)
	signed, countersigned := f.invoice(t, xmltest.Invoice{})
	for name, base := range map[string][]byte{"seller": signed, "countersigned": countersigned} {
		orig := element(t, base, "DLHDon")
		forged := bytes.Replace(orig, []byte("<TgTTTBSo>165000</TgTTTBSo>"), []byte("<TgTTTBSo>1</TgTTTBSo>"), 1)
		for variant, second := range map[string][]byte{
			"other Id": bytes.Replace(forged, []byte(`Id="data"`), []byte(`Id="forged"`), 1),
			"no Id":    bytes.Replace(forged, []byte(` Id="data"`), nil, 1),
			"in another namespace": bytes.Replace(bytes.Replace(forged, []byte(`<DLHDon Id="data">`), []byte(`<x:DLHDon xmlns:x="urn:x">`), 1),
				[]byte("</DLHDon>"), []byte("</x:DLHDon>"), 1),
		} {
			t.Run(name+"/"+variant, func(t *testing.T) {
				doc := bytes.Replace(base, orig, append(append(bytes.Clone(orig), '\n'), second...), 1)
				xmlsecAccepts(t, f, doc)
				if got := appReads(t, doc, "TgTTTBSo"); !slices.Equal(got, []string{"165000", "1"}) {
					t.Fatalf("the forged document's totals read %q, want the signed one then the forged one", got)
				}
				notGreen(t, verifyXML(t, doc, f.opts()))
			})
		}
	}
}

// filter2Invoice returns an e-invoice signed by the seller with one
// reference to DLHDon whose transform is the XPath Filter 2.0
// subtraction of /descendant::*[name()='ds:Signature'] (a form signature
// software writes), and the signature in DSCKS/NBan with the ds prefix.
func filter2Invoice(t *testing.T, f *xmlFixture) []byte {
	t.Helper()
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	ref := `<Reference URI="#data"><Transforms><Transform Algorithm="http://www.w3.org/2002/06/xmldsig-filter2"><XPath xmlns="http://www.w3.org/2002/06/xmldsig-filter2" Filter="subtract">/descendant::*[name()='ds:Signature']</XPath></Transform></Transforms>`
	body := strings.Replace(string(xmltest.Invoice{EmptyBlocks: true}.Make()), "<NBan/>", "<NBan><!--SIG--></NBan>", 1)
	doc := strings.Replace(template(body, xmlsig.RSASHA256, xmlsig.DigestSHA256, ref), "CERT", cert, 1)
	return signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA256)
}

// TestRedTeamXMLFilter2PrefixTrick: XPath Filter 2.0's
// name()='ds:Signature' compares the name as written, so an element
// <ds:Signature xmlns:ds="urn:x"> — no signature at all — inserted into
// the signed data is subtracted from the digest, while an application
// reads its text as part of the amount: <TgTTTBSo><ds:Signature
// xmlns:ds="urn:x">9</ds:Signature>165000</TgTTTBSo> is 9165000.
// xmlsec1 accepts it; kyso must not.
func TestRedTeamXMLFilter2PrefixTrick(t *testing.T) {
	f := newXMLFixture(t)
	signed := filter2Invoice(t, f)
	if rep := verifyXML(t, signed, f.opts()); !rep.Valid {
		t.Fatalf("the honest Filter 2.0 invoice is not valid: %+v", rep.Signatures)
	}
	doc := bytes.Replace(signed, []byte("<TgTTTBSo>165000</TgTTTBSo>"), []byte(`<TgTTTBSo><ds:Signature xmlns:ds="urn:x">9</ds:Signature>165000</TgTTTBSo>`), 1)
	xmlsecAccepts(t, f, doc)
	if got := appReads(t, doc, "TgTTTBSo"); !slices.Equal(got, []string{"9165000"}) {
		t.Fatalf("the forged total reads %q, want 9165000", got)
	}
	rep := verifyXML(t, doc, f.opts())
	notGreen(t, rep)
	if inv := rep.Signatures[0].EInvoice; inv != nil && inv.Total == "9165000" && rep.Signatures[0].Indication == TotalPassed {
		t.Errorf("kyso reports the forged total %q as signed", inv.Total)
	}
}

// TestRedTeamXMLSignatureInsideInvoiceData: the seller's signature's
// reference to DLHDon has the enveloped-signature transform, which takes
// the Signature element out wherever it is. Moved into DLHDon, the
// digest is unchanged and its ds:Object elements carry unsigned content
// inside the invoice data: an application that looks the total up by
// name reads the forged one. xmlsec1 accepts it; kyso must not.
func TestRedTeamXMLSignatureInsideInvoiceData(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	sig := element(t, signed, "Signature")
	for name, moved := range map[string][]byte{
		"with a forged total": bytes.Replace(sig, []byte("</Signature>"), []byte("<Object><TgTTTBSo>1</TgTTTBSo></Object></Signature>"), 1),
		"as it is":            sig,
	} {
		t.Run(name, func(t *testing.T) {
			doc := bytes.Replace(signed, sig, nil, 1)
			doc = bytes.Replace(doc, []byte("<TTChung>"), append(bytes.Clone(moved), "<TTChung>"...), 1)
			xmlsecAccepts(t, f, doc)
			if name == "with a forged total" {
				if got := appReads(t, doc, "TgTTTBSo"); len(got) != 2 || got[0] != "1" {
					t.Fatalf("the totals read %q, want the forged one first", got)
				}
			}
			notGreen(t, verifyXML(t, doc, f.opts()))
		})
	}
	// The same through a filter that leaves out every signature: a
	// ds:Signature (a real one this time, in the XML-Signature namespace)
	// inserted into the amount is left out of the digest, and its text
	// read as part of the amount. The inserted signature fails, but the
	// seller's must not pass with the amount 9165000.
	t.Run("filter, signature in the amount", func(t *testing.T) {
		doc := bytes.Replace(filter2Invoice(t, f), []byte("<TgTTTBSo>165000</TgTTTBSo>"), []byte(`<TgTTTBSo><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">9</ds:Signature>165000</TgTTTBSo>`), 1)
		if got := appReads(t, doc, "TgTTTBSo"); !slices.Equal(got, []string{"9165000"}) {
			t.Fatalf("the forged total reads %q, want 9165000", got)
		}
		notGreen(t, verifyXML(t, doc, f.opts()))
	})
}

// TestRedTeamXMLUnsignedSigningTime: a signature whose one reference is
// the whole document (URI="", enveloped-signature) does not cover its
// own Signature element: a SignatureProperty SigningTime an attacker adds
// to it is unsigned, and must not become the claimed signing time the
// report shows.
func TestRedTeamXMLUnsignedSigningTime(t *testing.T) {
	f := newXMLFixture(t)
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	env := `<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>`
	doc := strings.Replace(template(`<HoSo><SoTien>100</SoTien><!--SIG--></HoSo>`, xmlsig.RSASHA256, xmlsig.DigestSHA256, env), "CERT", cert, 1)
	signed := signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA256)
	forged := bytes.Replace(signed, []byte("</KeyInfo></Signature>"), []byte(`</KeyInfo><Object><SignatureProperties><SignatureProperty Target="#s"><SigningTime>2020-01-01T00:00:00</SigningTime></SignatureProperty></SignatureProperties></Object></Signature>`), 1)
	xmlsecAccepts(t, f, forged)
	s := verifyXML(t, forged, f.opts()).Signatures[0]
	if strings.HasPrefix(s.ClaimedTime, "2020-01-01") {
		t.Errorf("the claimed time is the unsigned SigningTime %q", s.ClaimedTime)
	}
	if !slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, "SigningTime is not covered") }) {
		t.Errorf("no warning that the SigningTime is not covered: %q", s.Warnings)
	}
}

// TestRedTeamXMLWrappingIntoObject: classic signature wrapping of a
// document that is not an e-invoice (a dossier): the signed element
// (#d) is moved into a ds:Object of the signature, where its digest
// still matches, and a forged copy without the Id takes its place in the
// document, where applications read it. xmlsec1 accepts it; kyso must
// not: the signature then signs nothing of the document.
func TestRedTeamXMLWrappingIntoObject(t *testing.T) {
	f := newXMLFixture(t)
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	doc := strings.Replace(template(`<HoSo><Don Id="d"><SoTien>100</SoTien></Don><!--SIG--></HoSo>`, xmlsig.RSASHA256, xmlsig.DigestSHA256, `<Reference URI="#d">`), "CERT", cert, 1)
	signed := signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA256)
	if rep := verifyXML(t, signed, f.opts()); !rep.Valid {
		t.Fatalf("the honest dossier is not valid: %+v", rep.Signatures)
	}
	forged := bytes.Replace(signed, []byte(`<Don Id="d"><SoTien>100</SoTien></Don>`), []byte(`<Don><SoTien>999</SoTien></Don>`), 1)
	// xmlns="" keeps the moved element out of the Signature's default
	// namespace, so its canonical form is unchanged.
	forged = bytes.Replace(forged, []byte("</KeyInfo></Signature>"), []byte(`</KeyInfo><Object><Don xmlns="" Id="d"><SoTien>100</SoTien></Don></Object></Signature>`), 1)
	xmlsecAccepts(t, f, forged, "--id-attr:Id", "Don")
	if got := appReads(t, forged, "SoTien"); !slices.Equal(got, []string{"999", "100"}) {
		t.Fatalf("the forged dossier reads %q", got)
	}
	notGreen(t, verifyXML(t, forged, f.opts()))
}

// TestRedTeamXMLIDAttributes: the forged invoice data put first, where
// applications read it, claiming the signed ID through another ID
// attribute (xml:id, ID, id), an Id in a namespace, written with a
// character reference or with white space around it, with the signed
// original kept in place or moved away. Each is either a duplicate ID
// (refused) or leaves the first DLHDon uncovered.
func TestRedTeamXMLIDAttributes(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	orig := element(t, signed, "DLHDon")
	forged := bytes.Replace(orig, []byte("<TgTTTBSo>165000</TgTTTBSo>"), []byte("<TgTTTBSo>1</TgTTTBSo>"), 1)
	for _, tc := range []struct {
		name, attr string
		keep       bool // the original stays in HDon (else moved into a wrapper at the end)
	}{
		{"xml:id, original kept", `xml:id="data"`, true},
		{"ID, original kept", `ID="data"`, true},
		{"id, original moved", `id="data"`, false},
		{"namespaced Id, original moved", `p:Id="data" xmlns:p="urn:x"`, false},
		{"xml:id, original moved", `xml:id="data"`, false},
		{"character reference, original kept", `Id="d&#97;ta"`, true},
		{"white space around, original moved", `Id=" data "`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := bytes.Replace(forged, []byte(`Id="data"`), []byte(tc.attr), 1)
			var doc []byte
			if tc.keep {
				doc = bytes.Replace(signed, orig, append(bytes.Clone(first), orig...), 1)
			} else {
				doc = bytes.Replace(signed, orig, first, 1)
				doc = bytes.Replace(doc, []byte("</HDon>"), append(append([]byte("<Kho>"), orig...), "</Kho></HDon>"...), 1)
			}
			if got := appReads(t, doc, "TgTTTBSo"); got[0] != "1" {
				t.Fatalf("the first total reads %q, want the forged one", got)
			}
			notGreen(t, verifyXML(t, doc, f.opts()))
		})
	}
}

// TestRedTeamXMLDTD: a DTD that gives DLHDon a default Id (so that a
// DTD-reading application sees the forged element as the signed one) or
// declares Id an ID type is refused before anything is read.
func TestRedTeamXMLDTD(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	body := signed[bytes.Index(signed, []byte("<HDon>")):]
	for name, dtd := range map[string]string{
		"default Id":  `<!DOCTYPE HDon [<!ATTLIST DLHDon Id CDATA "data">]>`,
		"ID type":     `<!DOCTYPE HDon [<!ATTLIST DLHDon Id ID #IMPLIED>]>`,
		"entity text": `<!DOCTYPE HDon [<!ENTITY t "1">]>`,
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := VerifyXML(context.Background(), append([]byte(dtd), body...), f.opts())
			if !errors.Is(err, ErrUnreadable) {
				t.Errorf("VerifyXML = %+v, %v; want ErrUnreadable", rep, err)
			}
		})
	}
}

// TestRedTeamXMLNamespaces: the XML-Signature namespace is what makes an
// element a signature, not its name or prefix: a Signature moved to
// another namespace signs nothing (the invoice is then unsigned), one
// with the ds prefix bound elsewhere is no signature, and rebinding the
// default namespace around the signed data changes its canonical form.
func TestRedTeamXMLNamespaces(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	dsig := []byte(`xmlns="http://www.w3.org/2000/09/xmldsig#"`)
	for name, doc := range map[string][]byte{
		"signature in another namespace":  bytes.Replace(signed, dsig, []byte(`xmlns="urn:not-dsig"`), 1),
		"SignedInfo in another namespace": bytes.Replace(signed, []byte("<SignedInfo>"), []byte(`<SignedInfo xmlns="urn:x">`), 1),
		"ds prefix bound elsewhere": bytes.Replace(bytes.Replace(signed, []byte("<Signature "+string(dsig)), []byte(`<ds:Signature xmlns:ds="urn:x" `+string(dsig)), 1),
			[]byte("</Signature></NBan>"), []byte("</ds:Signature></NBan>"), 1),
		"default namespace on HDon":   bytes.Replace(signed, []byte("<HDon>"), []byte(`<HDon xmlns="urn:hdon">`), 1),
		"default namespace on DLHDon": bytes.Replace(signed, []byte(`<DLHDon Id="data">`), []byte(`<DLHDon Id="data" xmlns="urn:x">`), 1),
	} {
		t.Run(name, func(t *testing.T) {
			notGreen(t, verifyXML(t, doc, f.opts()))
		})
	}
}

// TestRedTeamXMLKeyInfo: KeyInfo is not signed. An attacker's
// certificate put first (with its subject name) does not become the
// signer: the signer is the certificate whose key verifies the value.
// The attacker's certificate in place of the seller's fails.
func TestRedTeamXMLKeyInfo(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	attacker := base64.StdEncoding.EncodeToString(f.tax.Cert.Raw)
	seller := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	sn := element(t, signed, "X509SubjectName")
	first := bytes.Replace(signed, []byte("<X509Data>"), []byte("<X509Data><X509Certificate>"+attacker+"</X509Certificate>"), 1)
	first = bytes.Replace(first, sn, []byte("<X509SubjectName>"+xmlsig.SubjectName(f.tax.Cert)+"</X509SubjectName>"), 1)
	rep := verifyXML(t, first, f.opts())
	s := rep.Signatures[0]
	if s.Signer.Name != f.seller.Cert.Subject.CommonName {
		t.Errorf("with the attacker's certificate first the signer is %q, want %q", s.Signer.Name, f.seller.Cert.Subject.CommonName)
	}
	if !slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, "X509SubjectName") }) {
		t.Errorf("no warning that X509SubjectName names another certificate: %q", s.Warnings)
	}
	swapped := bytes.Replace(signed, []byte(seller), []byte(attacker), 1)
	rep = verifyXML(t, swapped, f.opts())
	notGreen(t, rep)
	wantSig(t, rep.Signatures[0], TotalFailed, SigCryptoFailure)
}

// TestRedTeamXMLExtraSignatures: which signature counts when there are
// several. An empty ds:Signature and a copy of the seller's signature
// (whose SigningTime reference then names an ID two Objects carry) make
// the document not valid.
func TestRedTeamXMLExtraSignatures(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{EmptyBlocks: true})
	sig := element(t, signed, "Signature")
	for name, doc := range map[string][]byte{
		"empty signature":  bytes.Replace(signed, []byte("<CCKSKhac/>"), []byte(`<CCKSKhac><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/></CCKSKhac>`), 1),
		"copied signature": bytes.Replace(signed, []byte("<NMua/>"), append(append([]byte("<NMua>"), bytes.Replace(sig, []byte(`Id="seller"`), []byte(`Id="buyer"`), 1)...), "</NMua>"...), 1),
	} {
		t.Run(name, func(t *testing.T) {
			// The seller's own signature still signs what it says.
			notValid(t, verifyXML(t, doc, f.opts()))
		})
	}
}

// TestRedTeamXMLTextForms: what stays in signed text. A comment between
// the digits of the amount is dropped by canonicalisation and the amount
// read whole; a CDATA section or a character reference is the same text;
// a processing instruction is kept by canonicalisation, so inserting one
// breaks the digest (xmlsec1 agrees).
func TestRedTeamXMLTextForms(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	for _, tc := range []struct {
		name, total string
		same        bool
	}{
		{"comment", "<TgTTTBSo>165<!---->000</TgTTTBSo>", true},
		{"CDATA", "<TgTTTBSo><![CDATA[165]]>000</TgTTTBSo>", true},
		{"character reference", "<TgTTTBSo>&#x31;65000</TgTTTBSo>", true},
		{"processing instruction", "<TgTTTBSo>165<?x 9?>000</TgTTTBSo>", false},
		{"element", "<TgTTTBSo>165<b>9</b>000</TgTTTBSo>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := bytes.Replace(signed, []byte("<TgTTTBSo>165000</TgTTTBSo>"), []byte(tc.total), 1)
			_, xerr := f.pki.XMLSec(t, doc)
			rep := verifyXML(t, doc, f.opts())
			if rep.Valid != (xerr == nil) {
				t.Errorf("kyso valid %t, xmlsec1 error %v", rep.Valid, xerr)
			}
			if !tc.same {
				notGreen(t, rep)
				return
			}
			if !rep.Valid || rep.Signatures[0].EInvoice.Total != "165000" {
				t.Errorf("valid %t, total %q; want valid, 165000", rep.Valid, rep.Signatures[0].EInvoice.Total)
			}
		})
	}
}

// TestRedTeamXMLDetached: the content handed to VerifyXMLDetached is
// only ever the content of a reference with exactly that (external) URI:
// another name leaves the reference unresolved, and a same-document URI
// ("#data") is resolved in the document, never replaced by the content
// given.
func TestRedTeamXMLDetached(t *testing.T) {
	f := newXMLFixture(t)
	content := []byte("%PDF-1.7\n% hồ sơ\n%%EOF\n")
	res, err := xmldsig.Sign(context.Background(), content, f.seller, xmldsig.Options{Profile: xmldsig.ProfileDetached, DetachedURI: "hoso.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	for _, uri := range []string{"HOSO.PDF", "./hoso.pdf", "hoso.pdf ", "#hoso.pdf"} {
		t.Run(uri, func(t *testing.T) {
			rep, err := VerifyXMLDetached(context.Background(), res.Document, uri, content, f.opts())
			if err != nil {
				t.Fatal(err)
			}
			notGreen(t, rep)
		})
	}
	// The invoice's #data is the document's DLHDon, whatever is handed
	// in under that name.
	signed, _ := f.invoice(t, xmltest.Invoice{})
	forged := bytes.Replace(element(t, signed, "DLHDon"), []byte("165000"), []byte("1"), 1)
	rep, err := VerifyXMLDetached(context.Background(), signed, "#data", forged, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Valid || rep.Signatures[0].EInvoice.Total != "165000" {
		t.Errorf("valid %t, total %q: want the document's own data, valid", rep.Valid, rep.Signatures[0].EInvoice.Total)
	}
	changed := bytes.Replace(signed, []byte("<TgTTTBSo>165000"), []byte("<TgTTTBSo>1"), 1)
	rep, err = VerifyXMLDetached(context.Background(), changed, "#data", element(t, signed, "DLHDon"), f.opts())
	if err != nil {
		t.Fatal(err)
	}
	notGreen(t, rep)
}

// TestRedTeamXMLBounds: hostile sizes are refused or cut short, never a
// crash: more attributes on one element than the limit, nesting past the
// depth limit inside the signed data, and more signatures than are
// processed.
func TestRedTeamXMLBounds(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	var attrs strings.Builder
	for i := range 300 {
		fmt.Fprintf(&attrs, ` a%d="%d"`, i, i)
	}
	for name, doc := range map[string][]byte{
		"300 attributes": bytes.Replace(signed, []byte("<TTChung>"), []byte("<TTChung"+attrs.String()+">"), 1),
		"deep nesting":   bytes.Replace(signed, []byte("<PBan>"), []byte(strings.Repeat("<x>", 300)+strings.Repeat("</x>", 300)+"<PBan>"), 1),
	} {
		t.Run(name, func(t *testing.T) {
			if rep, err := VerifyXML(context.Background(), doc, f.opts()); !errors.Is(err, ErrUnreadable) {
				t.Errorf("VerifyXML = %+v, %v; want ErrUnreadable", rep, err)
			}
		})
	}
	t.Run("many signatures", func(t *testing.T) {
		sigs := strings.Repeat(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>`, maxSignatures+10)
		doc := bytes.Replace(signed, []byte("</DSCKS>"), []byte("<CCKSKhac>"+sigs+"</CCKSKhac></DSCKS>"), 1)
		rep := verifyXML(t, doc, f.opts())
		notValid(t, rep)
		if n := len(rep.Signatures); n != maxSignatures+11 {
			t.Errorf("%d signatures reported, want %d", n, maxSignatures+11)
		}
	})
}

// TestRedTeamXMLXAdESSecondProperties: a second, unsigned
// QualifyingProperties targeting the signature, with a forged
// SigningTime, put before the signed one; and the signed
// SignedProperties' Id moved to a forged copy (the DSS
// fake-SignedProperties case on kyso's own XAdES).
func TestRedTeamXMLXAdESSecondProperties(t *testing.T) {
	f := newXMLFixture(t)
	res, err := xmldsig.Sign(context.Background(), []byte(`<HoSo><SoTien>100</SoTien></HoSo>`), f.seller, xmldsig.Options{Profile: xmldsig.ProfileXAdES, ID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	signed := res.Document
	if rep := verifyXML(t, signed, f.opts()); !rep.Valid {
		t.Fatalf("the honest XAdES signature is not valid: %+v", rep.Signatures)
	}
	qp := signed[bytes.Index(signed, []byte("<Object><xades:QualifyingProperties")):]
	qp = qp[:bytes.Index(qp, []byte("</Object>"))+len("</Object>")]
	st := element(t, qp, "xades:SigningTime")
	fake := bytes.Replace(qp, st, []byte("<xades:SigningTime>2020-01-01T00:00:00Z</xades:SigningTime>"), 1)
	unsignedFirst := bytes.Replace(fake, []byte(`Id="x-SignedProperties"`), nil, 1)
	for name, doc := range map[string][]byte{
		"second QualifyingProperties": bytes.Replace(signed, qp, append(bytes.Clone(unsignedFirst), qp...), 1),
		"Id on a forged copy": bytes.Replace(signed, qp, append(bytes.Clone(fake),
			bytes.Replace(qp, []byte(`Id="x-SignedProperties"`), []byte(`Id="orig"`), 1)...), 1),
	} {
		t.Run(name, func(t *testing.T) {
			rep := verifyXML(t, doc, f.opts())
			notGreen(t, rep)
			// With its data reference failing, the copy is "covered" by
			// a reference that does not sign it: only the unsigned
			// second properties are checked for the claimed time.
			if name == "second QualifyingProperties" && strings.HasPrefix(rep.Signatures[0].ClaimedTime, "2020-01-01") {
				t.Errorf("the claimed time is the forged %q", rep.Signatures[0].ClaimedTime)
			}
		})
	}
}

// TestRedTeamXMLUnsignedContentInSignature: nothing in a ds:Signature is
// signed but what its references cover, and a Signature that an
// enveloped-signature reference leaves out can be moved anywhere. An
// Object added to it with an element of the same name as the signed data
// — <SoTien>999</SoTien> in a dossier whose signature is moved before
// the signed <SoTien>100</SoTien>, a <TgTTTBSo>1</TgTTTBSo> beside a
// signed invoice — leaves every digest intact (xmlsec1 accepts both),
// and an application that looks the element up by name finds two, the
// forged one first in the dossier. kyso must not say valid.
func TestRedTeamXMLUnsignedContentInSignature(t *testing.T) {
	f := newXMLFixture(t)
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	env := `<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>`
	doc := strings.Replace(template(`<HoSo><SoTien>100</SoTien><!--SIG--></HoSo>`, xmlsig.RSASHA256, xmlsig.DigestSHA256, env), "CERT", cert, 1)
	dossier := signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA256)
	if rep := verifyXML(t, dossier, f.opts()); !rep.Valid {
		t.Fatalf("the honest dossier is not valid: %+v", rep.Signatures)
	}
	sig := element(t, dossier, "Signature")
	moved := bytes.Replace(dossier, sig, nil, 1)
	moved = bytes.Replace(moved, []byte("<HoSo>"), append([]byte("<HoSo>"), bytes.Replace(sig, []byte("</Signature>"), []byte(`<Object><SoTien xmlns="">999</SoTien></Object></Signature>`), 1)...), 1)

	invoice, _ := f.invoice(t, xmltest.Invoice{})
	beside := bytes.Replace(invoice, []byte("</Object></Signature>"), []byte(`</Object><Object><TgTTTBSo xmlns="">1</TgTTTBSo></Object></Signature>`), 1)
	for _, tc := range []struct {
		name, local string
		doc         []byte
		reads       []string
	}{
		{"dossier, signature moved first", "SoTien", moved, []string{"999", "100"}},
		{"invoice, Object beside", "TgTTTBSo", beside, []string{"165000", "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xmlsecAccepts(t, f, tc.doc)
			if got := appReads(t, tc.doc, tc.local); !slices.Equal(got, tc.reads) {
				t.Fatalf("the forged document reads %q, want %q", got, tc.reads)
			}
			notGreen(t, verifyXML(t, tc.doc, f.opts()))
		})
	}
}

// TestRedTeamXMLReplayedSignature: the seller's signature copied into
// the buyer's block (NMua), the copy's Ids removed so that its
// references resolve to the original's data and SigningTime. Every
// digest and the value check out, so the document would show a second,
// buyer's signature that nobody made: one act of signing must not count
// twice.
//
// An ECDSA value is malleable: (r, n-s) verifies as (r, s) does, so the
// tax authority's ECDSA signature copied with s replaced by n-s is a copy
// with another value.
func TestRedTeamXMLReplayedSignature(t *testing.T) {
	f := newXMLFixture(t)
	_, countersigned := f.invoice(t, xmltest.Invoice{EmptyBlocks: true})
	copyInto := func(sig []byte, id string, value func([]byte) []byte) []byte {
		cp := bytes.Replace(bytes.Replace(sig, []byte(` Id="`+id+`"`), nil, 1), []byte(`<Object Id="`+id+`-SigningTime">`), []byte(`<Object>`), 1)
		if value != nil {
			v := element(t, cp, "SignatureValue")
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(string(v), "<SignatureValue>"), "</SignatureValue>"))
			if err != nil {
				t.Fatal(err)
			}
			cp = bytes.Replace(cp, v, []byte("<SignatureValue>"+base64.StdEncoding.EncodeToString(value(raw))+"</SignatureValue>"), 1)
		}
		return bytes.Replace(countersigned, []byte("<NMua/>"), append(append([]byte("<NMua>"), cp...), "</NMua>"...), 1)
	}
	sigs := bytes.SplitAfter(countersigned, []byte("</Signature>"))
	seller := sigs[0][bytes.Index(sigs[0], []byte("<Signature")):]
	tax := sigs[1][bytes.Index(sigs[1], []byte("<Signature")):]
	for name, doc := range map[string][]byte{
		"seller's signature copied": copyInto(seller, "seller", nil),
		"tax authority's ECDSA signature copied, s negated": copyInto(tax, "cqt", func(v []byte) []byte {
			n := elliptic.P256().Params().N
			s := new(big.Int).Sub(n, new(big.Int).SetBytes(v[32:]))
			return append(bytes.Clone(v[:32]), s.FillBytes(make([]byte, 32))...)
		}),
	} {
		t.Run(name, func(t *testing.T) {
			rep := verifyXML(t, doc, f.opts())
			notValid(t, rep)
			for _, s := range rep.Signatures {
				if s.Field == "/HDon/DSCKS/NMua/Signature" && s.Indication == TotalPassed {
					t.Errorf("the copy in the buyer's block is TOTAL_PASSED (block %q)", s.EInvoice.Block)
				}
			}
		})
	}
}

// TestRedTeamXMLTwoSignersOneSignedInfo: the replay check does not
// refuse honest co-signatures. Two signers of a dossier whose reference
// leaves out every signature sign byte-identical SignedInfo elements;
// with two keys, both signatures are valid.
func TestRedTeamXMLTwoSignersOneSignedInfo(t *testing.T) {
	f := newXMLFixture(t)
	k2, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	c2 := f.pki.Issue(t, k2.Public(), "Phó Giám đốc Sở Tư pháp", "Sở Tư pháp Hà Nội", "CCCD:001080000001")
	ref := `<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><XPath xmlns:dsig="http://www.w3.org/2000/09/xmldsig#">not(ancestor-or-self::dsig:Signature)</XPath></Transform></Transforms>`
	doc := template(`<HoSo><SoTien>100</SoTien><!--SIG--><!--SIG2--></HoSo>`, xmlsig.RSASHA256, xmlsig.DigestSHA256, ref)
	doc = strings.Replace(doc, "CERT", base64.StdEncoding.EncodeToString(f.seller.Cert.Raw), 1)
	one := string(signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA256))
	second := strings.Replace(strings.Replace(template("<!--SIG-->", xmlsig.RSASHA256, xmlsig.DigestSHA256, ref), `Id="s"`, `Id="s2"`, 1), "CERT", base64.StdEncoding.EncodeToString(c2.Raw), 1)
	both := signRaw(t, strings.Replace(one, "<!--SIG2-->", second, 1), k2, xmlsig.RSASHA256)
	rep := verifyXML(t, both, f.opts())
	if !rep.Valid || len(rep.Signatures) != 2 {
		t.Fatalf("two signers of one SignedInfo: valid %t, %+v", rep.Valid, rep.Signatures)
	}
	if a, b := rep.Signatures[0].Signer.Name, rep.Signatures[1].Signer.Name; a == b {
		t.Errorf("both signatures name %q as their signer", a)
	}
}

// TestRedTeamXMLExcC14NPrefixRebinding: with exclusive canonicalisation
// of SignedInfo, a namespace declaration that no SignedInfo element or
// attribute uses is not signed — even when the XPath filter's text uses
// its prefix. The seller's filter not(ancestor-or-self::dsig:Signature)
// takes dsig from the Signature element; rebinding it there to urn:x
// keeps the signature value intact and makes the filter leave out
// {urn:x}Signature instead: a <dsig:Signature xmlns:dsig="urn:x">9
// </dsig:Signature> inserted into the amount is then left out of the
// digest, and the amount reads 9165000. xmlsec1, which evaluates the
// XPath as written, accepts it; kyso must refuse a filter whose prefix
// is not the XML-Signature namespace.
func TestRedTeamXMLExcC14NPrefixRebinding(t *testing.T) {
	f := newXMLFixture(t)
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	ref := `<Reference URI="#data"><Transforms><Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><XPath>not(ancestor-or-self::dsig:Signature)</XPath></Transform></Transforms>`
	body := strings.Replace(string(xmltest.Invoice{EmptyBlocks: true}.Make()), "<NBan/>", "<NBan><!--SIG--></NBan>", 1)
	doc := strings.Replace(template(body, xmlsig.RSASHA256, xmlsig.DigestSHA256, ref), "CERT", cert, 1)
	doc = strings.Replace(doc, `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"`, `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" xmlns:dsig="http://www.w3.org/2000/09/xmldsig#"`, 1)
	doc = strings.Replace(doc, `<CanonicalizationMethod Algorithm="`+xmlsig.C14N10+`"/>`, `<CanonicalizationMethod Algorithm="`+xmlsig.ExcC14N+`"/>`, 1)
	signed := signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA256)
	xmlsecAccepts(t, f, signed)
	if rep := verifyXML(t, signed, f.opts()); !rep.Valid {
		t.Fatalf("the honest invoice is not valid: %+v", rep.Signatures)
	}
	forged := bytes.Replace(signed, []byte(`xmlns:dsig="http://www.w3.org/2000/09/xmldsig#"`), []byte(`xmlns:dsig="urn:x"`), 1)
	forged = bytes.Replace(forged, []byte("<TgTTTBSo>165000</TgTTTBSo>"), []byte(`<TgTTTBSo><dsig:Signature xmlns:dsig="urn:x">9</dsig:Signature>165000</TgTTTBSo>`), 1)
	xmlsecAccepts(t, f, forged)
	if got := appReads(t, forged, "TgTTTBSo"); !slices.Equal(got, []string{"9165000"}) {
		t.Fatalf("the forged total reads %q, want 9165000", got)
	}
	notGreen(t, verifyXML(t, forged, f.opts()))
}

// TestRedTeamXMLWrappingInDocument: signature wrapping of a dossier
// without the signature's help, XSW as done to SAML: the signed element
// (#d) stays in the document, and a forged one of the same name without
// the Id is put where an application reads first — nearer the document
// element, the original moved into a wrapper (<Kho>), or before it as a
// sibling. The digest of #d matches (xmlsec1 accepts both); kyso must not
// say valid. Honest documents with several elements of one name stay
// valid: two attachments each signed by its signer, or the first of two
// signed.
func TestRedTeamXMLWrappingInDocument(t *testing.T) {
	f := newXMLFixture(t)
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	doc := strings.Replace(template(`<HoSo><Don Id="d"><SoTien>100</SoTien></Don><!--SIG--></HoSo>`, xmlsig.RSASHA256, xmlsig.DigestSHA256, `<Reference URI="#d">`), "CERT", cert, 1)
	signed := signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA256)
	orig := []byte(`<Don Id="d"><SoTien>100</SoTien></Don>`)
	forged := []byte(`<Don><SoTien>999</SoTien></Don>`)
	for name, doc := range map[string][]byte{
		"original in a wrapper": bytes.Replace(signed, orig, append(append(bytes.Clone(forged), "<Kho>"...), append(bytes.Clone(orig), "</Kho>"...)...), 1),
		"forged sibling before": bytes.Replace(signed, orig, append(bytes.Clone(forged), orig...), 1),
		// Another namespace, the same name as written: DOM's
		// getElementsByTagName("Don") finds it first.
		"forged sibling before, other namespace": bytes.Replace(signed, orig, append([]byte(`<Don xmlns="urn:x"><SoTien xmlns="">999</SoTien></Don>`), orig...), 1),
	} {
		t.Run(name, func(t *testing.T) {
			xmlsecAccepts(t, f, doc, "--id-attr:Id", "Don")
			if got := appReads(t, doc, "SoTien"); !slices.Equal(got, []string{"999", "100"}) {
				t.Fatalf("the forged dossier reads %q", got)
			}
			notGreen(t, verifyXML(t, doc, f.opts()))
		})
	}

	k2, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	c2 := f.pki.Issue(t, k2.Public(), "Phó Giám đốc Sở Tư pháp", "Sở Tư pháp Hà Nội", "CCCD:001080000001")
	two := strings.Replace(template(`<HoSo><TaiLieu Id="a">Đơn</TaiLieu><TaiLieu Id="b">Phụ lục</TaiLieu><!--SIGB--><!--SIG--></HoSo>`, xmlsig.RSASHA256, xmlsig.DigestSHA256, `<Reference URI="#a">`), "CERT", cert, 1)
	firstOnly := signRaw(t, two, f.seller.Signer, xmlsig.RSASHA256)
	sigB := strings.Replace(strings.Replace(template("<!--SIG-->", xmlsig.RSASHA256, xmlsig.DigestSHA256, `<Reference URI="#b">`), `Id="s"`, `Id="s2"`, 1), "CERT", base64.StdEncoding.EncodeToString(c2.Raw), 1)
	both := signRaw(t, strings.Replace(string(firstOnly), "<!--SIGB-->", sigB, 1), k2, xmlsig.RSASHA256)
	for name, doc := range map[string][]byte{"first of two signed": firstOnly, "each signed by its signer": both} {
		t.Run(name, func(t *testing.T) {
			if rep := verifyXML(t, doc, f.opts()); !rep.Valid {
				t.Errorf("the honest dossier is not valid: %+v", rep.Signatures)
			}
		})
	}
}

// TestRedTeamXMLSignatureMovedToAnotherBlock: a signature's place in
// DSCKS is not signed. The seller's signature moved from NBan into the
// tax authority's block (CQT) still verifies, and EInvoice.Block, which
// says where it is, becomes tax_authority; what the report must not do
// is name anyone but the certificate's holder as the signer. (A
// certificate of another party than the block's is only a warning in
// the seller's and buyer's blocks, and is not checked in the tax
// authority's, for which the invoice gives no tax code.)
func TestRedTeamXMLSignatureMovedToAnotherBlock(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{EmptyBlocks: true})
	sig := element(t, signed, "Signature")
	doc := bytes.Replace(bytes.Replace(signed, sig, nil, 1), []byte("<CQT/>"), append(append([]byte("<CQT>"), sig...), "</CQT>"...), 1)
	xmlsecAccepts(t, f, doc)
	s := verifyXML(t, doc, f.opts()).Signatures[0]
	if s.EInvoice == nil || s.EInvoice.Block != "tax_authority" {
		t.Fatalf("e-invoice facts %+v: the test no longer moves the signature into the CQT block", s.EInvoice)
	}
	if s.Signer.Name != f.seller.Cert.Subject.CommonName || !slices.Contains(s.Signer.Identifiers, "MST:0101234567") {
		t.Errorf("the signer is reported as %+v, want the seller's certificate", s.Signer)
	}
}
