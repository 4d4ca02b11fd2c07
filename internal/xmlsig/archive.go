package xmlsig

import (
	"bytes"
	"fmt"

	"github.com/beevik/etree"
)

// ArchiveTimeStampInput returns what the ArchiveTimeStamp ats of the
// XAdES signature sig time-stamps, canonicalised with c14n (ETSI EN 319
// 132-1, 5.5.2.2): the result of each reference, then SignedInfo,
// SignatureValue and KeyInfo, then the unsigned signature properties
// before ats, then the signature's Objects other than the one with the
// QualifyingProperties. A reference whose result is a node set is
// canonicalised with C14N 1.0 here; another c14n for it is
// ErrUnsupported.
func (d *Document) ArchiveTimeStampInput(sig *Signature, ats *etree.Element, c14n string) ([]byte, error) {
	if !IsC14N(c14n) {
		return nil, ErrUnsupported.Errorf("canonicalization %q", c14n)
	}
	var b bytes.Buffer
	for _, r := range sig.References {
		dg, err := d.DigestReference(sig, r)
		if err != nil {
			return nil, fmt.Errorf("reference %q: %w", r.URI, err)
		}
		if dg.NodeSet && c14n != C14N10 {
			return nil, ErrUnsupported.Errorf("archive time-stamp canonicalization %q of a node set", c14n)
		}
		b.Write(dg.Data)
	}
	canon := func(el *etree.Element) error {
		return Canonicalize(&b, NodeSet{Doc: d, Apex: el}, c14n, nil)
	}
	var qp *etree.Element
	for _, c := range sig.Element.ChildElements() {
		if NamespaceOf(c) != Namespace {
			continue
		}
		switch c.Tag {
		case "SignedInfo", "SignatureValue", "KeyInfo":
			if err := canon(c); err != nil {
				return nil, err
			}
		}
	}
	usp := ats.Parent()
	if usp == nil || usp.Tag != "UnsignedSignatureProperties" {
		return nil, ErrMalformed.Errorf("the ArchiveTimeStamp is not in UnsignedSignatureProperties")
	}
	for _, c := range usp.ChildElements() {
		if c == ats {
			break
		}
		if err := canon(c); err != nil {
			return nil, err
		}
	}
	for e := usp; e != nil && e != sig.Element; e = e.Parent() {
		qp = e
	}
	for _, c := range sig.Element.ChildElements() {
		if c.Tag == "Object" && NamespaceOf(c) == Namespace && c != qp {
			if err := canon(c); err != nil {
				return nil, err
			}
		}
	}
	return b.Bytes(), nil
}
