package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/digitorus/pdf"
	"github.com/kyso-vn/kyso/model"
)

// byteRangePlaceholder reserves room for four offsets of up to ten digits.
const byteRangePlaceholder = "[0 ********** ********** **********]"

// tokenReserve is the room kept in /Contents for a time-stamp token with
// its TSA certificate chain. A larger token makes the revision be built and
// signed again with room to spare.
const tokenReserve = 12 << 10

var errContentsTooSmall = errors.New("reserved /Contents too small")

// placed is a signature or document time-stamp whose revision is written
// with its /ByteRange and a zero-filled /Contents of size bytes.
type placed struct {
	rev    *revision
	field  string
	sig    ref    // the signature dictionary
	docTS  bool   // a document time-stamp rather than a signature
	hole   int64  // file offset of /Contents' '<'
	size   int    // bytes reserved in /Contents
	digest []byte // of the byte range
}

// holeEnd is the file offset just after /Contents' '>'.
func (p *placed) holeEnd() int64 { return p.hole + 2 + 2*int64(p.size) }

// contents returns the value of /Contents: der and the zero padding.
func (p *placed) contents() []byte {
	b := make([]byte, p.size)
	hex.Decode(b, p.rev.buf.Bytes()[p.hole-p.rev.base+1:p.holeEnd()-p.rev.base-1])
	return b
}

// fill writes der into /Contents.
func (p *placed) fill(der []byte) error {
	if len(der) > p.size {
		return errContentsTooSmall
	}
	hex.Encode(p.rev.buf.Bytes()[p.hole-p.rev.base+1:], der)
	return nil
}

// sigSpec is what place writes.
type sigSpec struct {
	dict    *dict // signature dictionary without /ByteRange and /Contents
	widget  widgetSpec
	certify int
	// certifyFirst, if not 0, is the DocMDP permission to certify with
	// when the document has no signature yet (Options.CertifyFirst);
	// sigDict then builds the signature dictionary for the certification
	// level decided.
	certifyFirst int
	sigDict      func(certify int) *dict
	docTS        bool
	size         int
	hash         crypto.Hash
}

// place writes a revision holding the signature dictionary spec.dict with
// placeholders, its field and widget, and the catalog changes; fills in
// /ByteRange and computes the digest of the byte range. The revision is not
// yet part of doc.
func place(doc *document, spec sigSpec) (*placed, error) {
	rdr, rev, err := doc.begin()
	if err != nil {
		return nil, err
	}
	f, err := readForm(rdr)
	if err != nil {
		return nil, err
	}
	// Decided on this reading of the form: the document is parsed once.
	if spec.certify == 0 && spec.certifyFirst > 0 && f.sigs == 0 {
		spec.certify = spec.certifyFirst
	}
	if spec.sigDict != nil {
		spec.dict = spec.sigDict(spec.certify)
	}
	if !spec.docTS {
		switch {
		case f.docMDP == 1:
			return nil, ErrConflict.Errorf("the document is certified with no changes allowed (DocMDP P=1)")
		case spec.certify > 0 && f.sigs > 0:
			return nil, ErrConflict.Errorf("a certification signature must be the document's first signature; it has %d", f.sigs)
		}
		// A signature field's /Lock names the fields its signature locks
		// (ISO 32000-1, 12.7.4.5); the signature says so in a FieldMDP
		// reference, which Acrobat and pyHanko read.
		if fd, ok := f.lookup(spec.widget.name); ok {
			ref, err := fieldMDPRef(fd.v, f.root)
			if err != nil {
				return nil, err
			}
			if ref != "" {
				spec.dict = spec.dict.clone()
				spec.dict.set("Reference", strings.TrimSuffix(spec.dict.get("Reference", "["), "]")+ref+"]")
			}
		}
	}

	// The revision holds /Contents in hex and the objects around it: sized
	// once instead of grown by doubling.
	rev.buf.Grow(2*spec.size + 16<<10)
	id := rev.next
	rev.next++
	sigRef := ref{id: id}
	var brPos, cPos int
	// Written in place: /Contents is most of the revision.
	rev.writeIn(sigRef, func(b *bytes.Buffer) {
		b.Write(bytes.TrimSuffix(spec.dict.bytes(), []byte(">>")))
		b.WriteString("/ByteRange ")
		brPos = b.Len()
		b.WriteString(byteRangePlaceholder + "\n/Contents ")
		cPos = b.Len()
		b.WriteByte('<')
		b.Grow(2 * spec.size)
		zeros := b.AvailableBuffer()[:2*spec.size]
		for i := range zeros {
			zeros[i] = '0'
		}
		b.Write(zeros)
		b.WriteString(">\n>>")
	})

	name, cat, err := attachField(rdr, rev, f, sigRef, spec.widget)
	if err != nil {
		return nil, err
	}
	if spec.certify > 0 {
		if cat == nil {
			cat = newDict()
		}
		perms := newDict()
		if p := f.root.Key("Perms"); !p.IsNull() {
			container := f.root.GetPtr()
			if isIndirect(p, container) {
				container = p.GetPtr()
			}
			if perms, err = copyDict(p, container); err != nil {
				return nil, fmt.Errorf("copy /Perms: %w", err)
			}
		}
		perms.set("DocMDP", sigRef.String())
		cat.set("Perms", string(perms.bytes()))
	}
	if cat != nil {
		if err := updateCatalog(rev, f.root, cat); err != nil {
			return nil, err
		}
	}
	if err := rev.finish(); err != nil {
		return nil, err
	}

	p := &placed{rev: rev, field: name, sig: sigRef, docTS: spec.docTS, hole: rev.base + int64(cPos), size: spec.size}
	br := fmt.Sprintf("[0 %d %d %d]", p.hole, p.holeEnd(), rev.end()-p.holeEnd())
	if len(br) > len(byteRangePlaceholder) {
		return nil, ErrUnsupported.Errorf("document too large")
	}
	copy(rev.buf.Bytes()[brPos:], br+strings.Repeat(" ", len(byteRangePlaceholder)-len(br)))

	h, err := doc.hashFrom(spec.hash, rev.base)
	if err != nil {
		return nil, err
	}
	b := rev.buf.Bytes()
	h.Write(b[:p.hole-rev.base])
	h.Write(b[p.holeEnd()-rev.base:])
	p.digest = h.Sum(nil)
	return p, nil
}

// addSignature appends the signature's revision to doc.
func (s *Signer) addSignature(ctx context.Context, doc *document, cred model.Key, o Options) (*placed, error) {
	certifyFirst := 0
	if o.Certify == 0 && o.CertifyFirst {
		certifyFirst = DefaultDocMDP // if the document has no signature yet: see place
	}
	sigDict := func(certify int) *dict { return signatureDict(o, certify) }
	lines := []string{"Signed by: " + o.Name, "Date: " + o.SigningTime.Format("2006-01-02T15:04:05Z07:00")}
	if o.Reason != "" {
		lines = append(lines, "Reason: "+o.Reason)
	}
	if o.Location != "" {
		lines = append(lines, "Location: "+o.Location)
	}
	spec := sigSpec{
		sigDict: sigDict,
		widget: widgetSpec{
			name: o.Field, prefix: "Signature", page: o.Page, rect: o.Rect,
			appearance: o.Appearance, fallback: defaultAppearance(lines),
		},
		certify:      o.Certify,
		certifyFirst: certifyFirst,
		size:         estimateCMS(cred, o.Level != LevelBB),
		hash:         o.Hash,
	}
	return placeAndFill(ctx, doc, spec, func(ctx context.Context, digest []byte) ([]byte, error) {
		return s.signCMS(ctx, digest, cred, o)
	})
}

// signatureDict returns the signature dictionary of a signature made with
// o, certifying with DocMDP permission certify if not 0.
func signatureDict(o Options, certify int) *dict {
	d := newDict()
	d.set("Type", "/Sig")
	d.set("Filter", "/Adobe.PPKLite")
	d.set("SubFilter", "/"+o.SubFilter)
	d.set("M", pdfDate(o.SigningTime))
	for _, e := range [][2]string{{"Name", o.Name}, {"Reason", o.Reason}, {"Location", o.Location}, {"ContactInfo", o.Contact}} {
		if e[1] != "" {
			d.set(e[0], pdfText(e[1]))
		}
	}
	if certify > 0 {
		// ISO 32000-1, 12.8.2.2 and table 253.
		d.set("Reference", fmt.Sprintf("[<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P %d /V /1.2 >> >>]", certify))
	}
	d.set("Prop_Build", "<< /App << /Name /kyso >> >>")
	return d
}

// fieldMDPRef returns a FieldMDP signature reference (ISO 32000-1,
// 12.8.2.4, Table 253) with the action and fields of the /Lock dictionary
// of field, "" if it has none.
func fieldMDPRef(field, root pdf.Value) (string, error) {
	lock := field.Key("Lock")
	if lock.Kind() != pdf.Dict {
		return "", nil
	}
	action := lock.Key("Action").Name()
	switch action {
	case "All", "Include", "Exclude":
	default:
		return "", ErrInvalid.Errorf("the field's /Lock has the action %q, not All, Include or Exclude", action)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<< /Type /SigRef /TransformMethod /FieldMDP /Data %s /TransformParams << /Type /TransformParams /Action /%s", ptrRef(root.GetPtr()), action)
	if action != "All" {
		b.WriteString(" /Fields [")
		fields := lock.Key("Fields")
		for i := 0; i < fields.Len(); i++ {
			b.WriteString(pdfText(fields.Index(i).Text()) + " ")
		}
		b.WriteString("]")
	}
	b.WriteString(" /V /1.2 >> >>")
	return b.String(), nil
}

// addDocTimestamp appends a document time-stamp (ETSI EN 319 142-1, 5.4.3;
// ISO 32000-2, 12.8.5) over the whole document to doc.
func (s *Signer) addDocTimestamp(ctx context.Context, doc *document, h crypto.Hash) (*placed, error) {
	d := newDict()
	d.set("Type", "/DocTimeStamp")
	d.set("Filter", "/Adobe.PPKLite")
	d.set("SubFilter", "/ETSI.RFC3161")
	spec := sigSpec{
		dict:   d,
		widget: widgetSpec{prefix: "Timestamp"},
		docTS:  true,
		size:   tokenReserve,
		hash:   h,
	}
	return placeAndFill(ctx, doc, spec, func(ctx context.Context, digest []byte) ([]byte, error) {
		return timestampDigest(ctx, s.ts, digest, h)
	})
}

// placeAndFill places spec, makes its /Contents with produce and appends the
// revision to doc. If the contents do not fit, the revision is built again
// once, with room for them.
func placeAndFill(ctx context.Context, doc *document, spec sigSpec, produce func(context.Context, []byte) ([]byte, error)) (*placed, error) {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := place(doc, spec)
		if err != nil {
			return nil, err
		}
		der, err := produce(ctx, p.digest)
		if err != nil {
			return nil, err
		}
		if err := p.fill(der); err != nil {
			if errors.Is(err, errContentsTooSmall) && attempt == 0 {
				spec.size = len(der) + 2048
				continue
			}
			return nil, ErrIntegrity.Errorf("%d bytes of /Contents do not fit in %d", len(der), p.size)
		}
		doc.revs = append(doc.revs, p.rev)
		return p, nil
	}
}

// estimateCMS returns the room to reserve for the CMS: certificates,
// signature, attributes and a time-stamp token.
func estimateCMS(cred model.Key, timestamped bool) int {
	n := 2048 + len(cred.Cert.Raw)
	for _, c := range cred.Chain {
		n += len(c.Raw)
	}
	switch pub := cred.Cert.PublicKey.(type) {
	case *rsa.PublicKey:
		n += pub.Size()
	case *ecdsa.PublicKey:
		n += 2*(pub.Curve.Params().BitSize+7)/8 + 16
	}
	if timestamped {
		n += tokenReserve
	}
	return n
}
