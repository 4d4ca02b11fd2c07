package pades

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"time"

	"github.com/digitorus/pdf"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
)

// TimestampInfo describes the last document time-stamp of a PDF: what an
// archive renewal policy judges.
type TimestampInfo struct {
	// Field is the time-stamp's field name.
	Field string
	// GenTime is the time it asserts.
	GenTime time.Time
	// TSA is its time-stamp authority's certificate.
	TSA *x509.Certificate
	// ImprintHash digests the document in the token; SignerHash the
	// token's signed attributes.
	ImprintHash, SignerHash crypto.Hash
	// KeyBits is the size of the TSA's key: the modulus of an RSA key, the
	// curve of an ECDSA key.
	KeyBits int
}

// LastTimestamp returns the document time-stamp of the PDF in r (size
// bytes) that covers the most of the file, or nil if it has none.
func LastTimestamp(r io.ReaderAt, size int64) (info *TimestampInfo, err error) {
	defer func() {
		if p := recover(); p != nil {
			info, err = nil, fmt.Errorf("pades: last time-stamp: %w", ErrInvalid.Errorf("parse PDF: %v", p))
		}
	}()
	if size <= 0 {
		return nil, fmt.Errorf("pades: last time-stamp: %w: empty input", ErrInvalid)
	}
	doc := &document{in: r, size: size}
	rdr, err := doc.open()
	if err != nil {
		return nil, fmt.Errorf("pades: last time-stamp: %w", err)
	}
	f, err := readForm(rdr)
	if err != nil {
		return nil, fmt.Errorf("pades: last time-stamp: %w", err)
	}
	var last pdf.Value
	var lastName string
	var lastEnd int64 = -1
	for _, fd := range f.fields {
		v := fd.v.Key("V")
		if fd.ft != "Sig" || v.Kind() != pdf.Dict || v.Key("SubFilter").Name() != "ETSI.RFC3161" {
			continue
		}
		br := v.Key("ByteRange")
		if br.Len() != 4 {
			continue
		}
		if end := br.Index(2).Int64() + br.Index(3).Int64(); end > lastEnd {
			last, lastName, lastEnd = v, fd.name, end
		}
	}
	if lastEnd < 0 {
		return nil, nil
	}
	token, err := trimDER([]byte(last.Key("Contents").RawString()))
	if err != nil {
		return nil, fmt.Errorf("pades: last time-stamp %q: %w", lastName, err)
	}
	sd, tst, err := parseToken(token)
	if err != nil {
		return nil, fmt.Errorf("pades: last time-stamp %q: %w", lastName, ErrInvalid.Errorf("%v", err))
	}
	g := &gatherer{}
	tsa := g.signerCert(sd.Signers[0], sd.Certs, true)
	if tsa == nil {
		return nil, fmt.Errorf("pades: last time-stamp %q: %w", lastName, ErrInvalid.Errorf("its token does not hold its TSA's certificate"))
	}
	h, _, _ := cmsasn1.HashForDigestOID(sd.Signers[0].DigestAlgorithm.Algorithm)
	out := &TimestampInfo{Field: lastName, GenTime: tst.GenTime, TSA: tsa, ImprintHash: tst.Hash, SignerHash: h}
	switch pub := tsa.PublicKey.(type) {
	case *rsa.PublicKey:
		out.KeyBits = pub.N.BitLen()
	case *ecdsa.PublicKey:
		out.KeyBits = pub.Curve.Params().BitSize
	}
	return out, nil
}
