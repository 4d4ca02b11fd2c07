package xmlsig_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/internal/xmlsig"
)

// TestArchiveTimeStampInputDSS computes the input of the ArchiveTimeStamp
// of EU DSS's B-LTA file (exclusive c14n, a base64-transformed Object
// reference, validation values before the time-stamp) and finds the digest
// DSS's time-stamp token holds: kyso's reading of ETSI EN 319 132-1,
// 5.5.2.2 is DSS's. Changing a byte of the validation data it covers
// breaks it.
func TestArchiveTimeStampInputDSS(t *testing.T) {
	data, err := os.ReadFile("../../../shared/testdata/realworld-xml/dss/xades-lta-valid.xml")
	if err != nil {
		t.Fatal(err)
	}
	imprint := func(doc []byte) (got, want []byte) {
		t.Helper()
		d, err := xmlsig.Parse(doc, xmlsig.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := xmlsig.ReadSignature(d.Signatures()[0])
		if err != nil {
			t.Fatal(err)
		}
		var ats, c14n, enc *etree.Element
		for _, el := range d.Root().FindElements("//ArchiveTimeStamp") {
			ats = el
		}
		if ats == nil {
			t.Fatal("no ArchiveTimeStamp")
		}
		c14n, enc = ats.SelectElement("CanonicalizationMethod"), ats.SelectElement("EncapsulatedTimeStamp")
		input, err := d.ArchiveTimeStampInput(s, ats, c14n.SelectAttrValue("Algorithm", ""))
		if err != nil {
			t.Fatalf("ArchiveTimeStampInput = %v", err)
		}
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(enc.Text()), ""))
		if err != nil {
			t.Fatal(err)
		}
		ts, err := timestamp.Parse(der)
		if err != nil {
			t.Fatalf("the DSS token: %v", err)
		}
		h := ts.HashAlgorithm.New()
		h.Write(input)
		return h.Sum(nil), ts.HashedMessage
	}
	if got, want := imprint(data); !bytes.Equal(got, want) {
		t.Errorf("archive input digest %x, the token holds %x", got, want)
	}
	i := bytes.Index(data, []byte("<xades:EncapsulatedOCSPValue>")) + len("<xades:EncapsulatedOCSPValue>") + 40
	bad := bytes.Clone(data)
	bad[i] = 'A'
	if data[i] == 'A' {
		bad[i] = 'B'
	}
	if got, want := imprint(bad); bytes.Equal(got, want) {
		t.Error("a changed OCSP response is still covered by the archive time-stamp")
	}
}
