package pades_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/kyso-vn/kyso/signer/pades"
)

// TestCertifyFirst: with CertifyFirst, the first signature of a document
// certifies it with DocMDP P=2 and a later one is an approval signature;
// poppler validates both.
func TestCertifyFirst(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	s := pades.New(&testTSA{pki: p}, newRevocation(p))
	doc1 := sign(t, s, makePDF(pdfSpec{}), p.official, pades.Options{Level: pades.LevelBT, CertifyFirst: true})
	doc2 := sign(t, s, doc1, p.seal, pades.Options{Level: pades.LevelBT, CertifyFirst: true, Rect: [4]float64{300, 100, 500, 180}})

	sigs := readSignatures(t, doc2)
	if len(sigs) != 2 {
		t.Fatalf("%d signatures, want 2", len(sigs))
	}
	mdp := openPDF(t, doc2).Trailer().Key("Root").Key("Perms").Key("DocMDP")
	if mdp.GetPtr().GetID() != sigs[0].ID {
		t.Errorf("/Perms /DocMDP is object %d, want the first signature %d", mdp.GetPtr().GetID(), sigs[0].ID)
	}
	if r := mdp.Key("Reference").Index(0); r.Key("TransformMethod").Name() != "DocMDP" || r.Key("TransformParams").Key("P").Int64() != pades.DefaultDocMDP {
		t.Errorf("first signature's reference %v, want DocMDP with P %d", mdp.Key("Reference"), pades.DefaultDocMDP)
	}
	second, err := openPDF(t, doc2).GetObject(sigs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Key("Reference").IsNull() {
		t.Errorf("second signature has a /Reference %v, want an approval signature", second.Key("Reference"))
	}
	for i, r := range runPdfsig(t, p, doc2) {
		if !r.Valid || !r.Trusted {
			t.Errorf("pdfsig signature %d: valid=%t trusted=%t", i+1, r.Valid, r.Trusted)
		}
	}

	// Without CertifyFirst, the zero Options make an approval signature.
	plain := sign(t, s, makePDF(pdfSpec{}), p.official, pades.Options{})
	if !openPDF(t, plain).Trailer().Key("Root").Key("Perms").IsNull() {
		t.Errorf("zero Options certified the document")
	}
}

// TestFieldLockReference signs an empty signature field whose /Lock locks
// fields: the signature carries a FieldMDP reference with the same action
// and fields (ISO 32000-1, 12.7.4.5 and 12.8.2.4), which Acrobat and
// pyHanko read; a /Lock that names no valid action is refused.
func TestFieldLockReference(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	s := pades.New(&testTSA{pki: p}, newRevocation(p))
	for _, stream := range []bool{false, true} {
		in := makePDF(pdfSpec{emptyField: "ChuKy", lock: "<< /Type /SigFieldLock /Action /Include /Fields [(SoTien) (NgayKy)] >>", xrefStream: stream})
		// Certified too, so that the reference array has two entries.
		out := sign(t, s, in, p.official, pades.Options{Level: pades.LevelBT, Field: "ChuKy", Certify: 2})
		sig, err := openPDF(t, out).GetObject(readSignatures(t, out)[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		refs := sig.Key("Reference")
		if refs.Len() != 2 || refs.Index(0).Key("TransformMethod").Name() != "DocMDP" {
			t.Fatalf("references %v, want DocMDP then FieldMDP", refs)
		}
		r := refs.Index(1)
		params := r.Key("TransformParams")
		if r.Key("TransformMethod").Name() != "FieldMDP" || params.Key("Action").Name() != "Include" ||
			params.Key("Fields").Len() != 2 || params.Key("Fields").Index(1).Text() != "NgayKy" || r.Key("Data").Key("Type").Name() != "Catalog" {
			t.Errorf("FieldMDP reference %v", r)
		}
		reps := runPdfsig(t, p, out)
		if len(reps) != 1 || !reps[0].Valid {
			t.Errorf("pdfsig = %+v", reps)
		}
		qpdfCheck(t, out)
	}

	bad := makePDF(pdfSpec{emptyField: "ChuKy", lock: "<< /Type /SigFieldLock /Action /Some >>"})
	var out bytes.Buffer
	if _, err := s.Sign(context.Background(), bytes.NewReader(bad), int64(len(bad)), &out, p.official, pades.Options{Field: "ChuKy"}); !errors.Is(err, pades.ErrInvalid) || out.Len() != 0 {
		t.Errorf("Sign(field locked with action /Some) = %v, wrote %d bytes; want ErrInvalid and nothing", err, out.Len())
	}
}
