package interop

import (
	"bytes"
	"encoding/asn1"
	"io"
	"slices"
	"testing"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign"
	"github.com/digitorus/pdfsign/extract"

	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/verifier/attacksuite"
)

// TestPdfsignReadsKysoOutput reads a document kyso signed twice and
// extended to B-LTA (an approval signature, a second one with its DSS,
// a document time-stamp) with pdfsign's reader, which kyso did not write,
// and checks that it finds what kyso wrote: the same signatures as kyso's
// reader, each a DER CMS whose byte range leaves out only its /Contents,
// the last one covering the whole file.
func TestPdfsignReadsKysoOutput(t *testing.T) {
	p := testPKI(t)
	doc := signPDF(t, p, dossier(), withEKU(t, p, p.Official), pades.Options{})
	doc = signPDF(t, p, doc, withEKU(t, p, p.Citizen), pades.Options{Level: pades.LevelBLTA})

	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	var types, subFilters []string
	var ranges [][4]int64
	for sig, err := range extract.Iter(rdr, bytes.NewReader(doc)) {
		if err != nil {
			t.Fatalf("extract.Iter: %v", err)
		}
		types = append(types, sig.Object().Key("Type").Name())
		subFilters = append(subFilters, sig.SubFilter())
		br := sig.ByteRange()
		if len(br) != 4 {
			t.Fatalf("/ByteRange %v", br)
		}
		ranges = append(ranges, [4]int64(br))
		if br[0] != 0 || br[2]+br[3] > int64(len(doc)) || doc[br[1]] != '<' || doc[br[2]-1] != '>' {
			t.Errorf("/ByteRange %v does not leave out exactly /Contents of a %d-byte file", br, len(doc))
			continue
		}
		var rv asn1.RawValue
		if rest, err := asn1.Unmarshal(sig.Contents(), &rv); err != nil || len(bytes.Trim(rest, "\x00")) != 0 {
			t.Errorf("/Contents is not one DER value and zero padding: %v", err)
		}
		r, err := sig.SignedData()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if want := append(bytes.Clone(doc[:br[1]]), doc[br[2]:br[2]+br[3]]...); !bytes.Equal(got, want) {
			t.Errorf("pdfsign's signed data for %v: %d bytes, want the %d of the byte range", br, len(got), len(want))
		}
	}
	if want := []string{"Sig", "Sig", "DocTimeStamp"}; !slices.Equal(types, want) {
		t.Errorf("extract found /Type %v, want %v", types, want)
	}
	if want := []string{"ETSI.CAdES.detached", "ETSI.CAdES.detached", "ETSI.RFC3161"}; !slices.Equal(subFilters, want) {
		t.Errorf("extract found /SubFilter %v, want %v", subFilters, want)
	}
	for i := 1; i < len(ranges); i++ {
		if ranges[i][2]+ranges[i][3] <= ranges[i-1][2]+ranges[i-1][3] {
			t.Errorf("/ByteRange %v does not cover more than the one before, %v", ranges[i], ranges[i-1])
		}
	}

	// kyso's reader (the attack suite's, as the verifier's tests use it)
	// finds the same byte ranges.
	own, err := attacksuite.Signatures(doc)
	if err != nil {
		t.Fatal(err)
	}
	var kyso [][4]int64
	for _, s := range own {
		kyso = append(kyso, s.ByteRange)
	}
	if !slices.Equal(ranges, kyso) {
		t.Errorf("pdfsign reads byte ranges %v, kyso %v", ranges, kyso)
	}

	// pdfsign's verifier, trusting the suite's root, finds each signature
	// and the time-stamp valid.
	pd, err := pdfsign.Open(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	v := pd.Verify().TrustedRoots(p.Roots())
	sigs := v.Signatures()
	if len(sigs) != 3 || !v.Valid() {
		t.Errorf("pdfsign verify: %d signatures, valid %v, want 3 and valid", len(sigs), v.Valid())
	}
	for i, s := range sigs {
		if !s.Valid || !s.TrustedChain || len(s.Errors) != 0 {
			t.Errorf("pdfsign verify, signature %d: valid %v, trusted chain %v, errors %v", i, s.Valid, s.TrustedChain, s.Errors)
		}
	}
}
