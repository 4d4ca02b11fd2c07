package xmlsig

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"

	"github.com/beevik/etree"

	"github.com/kyso-vn/kyso/errkind"
)

// Bounds on one signature, against documents that make a verifier hash the
// same large document again and again.
const (
	// MaxReferences bounds the references of one SignedInfo.
	MaxReferences = 64
	// MaxTransforms bounds the transforms of one reference.
	MaxTransforms = 8
	// MaxCertificates bounds the certificates read from one KeyInfo.
	MaxCertificates = 32
)

// ErrDuplicateID means a reference names an ID that more than one element
// carries: the classic signature-wrapping set-up, in which the verifier
// and the application read different elements.
var ErrDuplicateID = errkind.New(errkind.Internal, "xmldsig: ID carried by more than one element")

// Signature is a ds:Signature element as read, not yet verified.
type Signature struct {
	Element    *etree.Element
	ID         string
	SignedInfo *etree.Element
	// C14N is SignedInfo's CanonicalizationMethod; Prefixes its
	// InclusiveNamespaces PrefixList (exclusive canonicalisation).
	C14N     string
	Prefixes []string
	// Method is the SignatureMethod algorithm.
	Method     string
	References []*Reference
	// Value is the decoded SignatureValue.
	Value []byte
	// Certificates are the X509Certificate values of KeyInfo's X509Data
	// (DER), in document order; SubjectNames the X509SubjectName values.
	Certificates [][]byte
	SubjectNames []string
	// KeyValue is the public key of KeyInfo/KeyValue (RSAKeyValue, or
	// dsig11:ECKeyValue on a named curve), nil if there is none or it
	// cannot be read.
	KeyValue crypto.PublicKey
	// Objects are the signature's ds:Object elements.
	Objects []*etree.Element
}

// Reference is one ds:Reference of SignedInfo.
type Reference struct {
	Element      *etree.Element
	ID, URI      string
	Type         string
	Transforms   []Transform
	DigestMethod string
	DigestValue  []byte
}

// Transform is one ds:Transform.
type Transform struct {
	Algorithm string
	Element   *etree.Element
}

// IsSignature reports whether el is a ds:Signature element.
func IsSignature(el *etree.Element) bool {
	return el.Tag == "Signature" && NamespaceOf(el) == Namespace
}

// Signatures returns the document's ds:Signature elements in document
// order, signatures inside signatures included.
func (d *Document) Signatures() []*etree.Element {
	var out []*etree.Element
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		if IsSignature(el) {
			out = append(out, el)
		}
		for _, t := range el.Child { // not ChildElements: no slice per element
			if c, ok := t.(*etree.Element); ok {
				walk(c)
			}
		}
	}
	if r := d.Root(); r != nil {
		walk(r)
	}
	return out
}

// isDS reports whether el is the XML-Signature element local.
func isDS(el *etree.Element, local string) bool {
	return el != nil && el.Tag == local && NamespaceOf(el) == Namespace
}

// ReadSignature reads the ds:Signature element el (XML-Signature 1.1, 4):
// SignedInfo, SignatureValue, KeyInfo and Objects, in the schema's order.
// An element out of place, a missing algorithm or a value that is not
// base64 is an ErrMalformed error.
func ReadSignature(el *etree.Element) (*Signature, error) {
	return readSignature(el, true)
}

// ReadUnsigned reads el as ReadSignature does, but allows an empty
// SignatureValue: a signature being made, its value not yet computed.
func ReadUnsigned(el *etree.Element) (*Signature, error) {
	return readSignature(el, false)
}

// readSignature reads el; an empty SignatureValue is allowed when
// !needValue (a signature being made).
func readSignature(el *etree.Element, needValue bool) (*Signature, error) {
	if !IsSignature(el) {
		return nil, ErrMalformed.Errorf("not a ds:Signature element")
	}
	s := &Signature{Element: el, ID: el.SelectAttrValue("Id", "")}
	kids := el.ChildElements()
	if len(kids) < 2 || !isDS(kids[0], "SignedInfo") || !isDS(kids[1], "SignatureValue") {
		return nil, ErrMalformed.Errorf("a Signature must start with SignedInfo and SignatureValue")
	}
	s.SignedInfo = kids[0]
	if needValue || Text(kids[1]) != "" {
		v, err := decodeBase64(Text(kids[1]))
		if err != nil {
			return nil, ErrMalformed.Errorf("SignatureValue: %v", err)
		}
		s.Value = v
	}
	rest := kids[2:]
	if len(rest) > 0 && isDS(rest[0], "KeyInfo") {
		if err := s.readKeyInfo(rest[0]); err != nil {
			return nil, err
		}
		rest = rest[1:]
	}
	for _, o := range rest {
		if !isDS(o, "Object") {
			return nil, ErrMalformed.Errorf("unexpected %s in Signature", o.FullTag())
		}
		s.Objects = append(s.Objects, o)
	}
	if err := s.readSignedInfo(needValue); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Signature) readSignedInfo(needValue bool) error {
	kids := s.SignedInfo.ChildElements()
	if len(kids) < 3 || !isDS(kids[0], "CanonicalizationMethod") || !isDS(kids[1], "SignatureMethod") {
		return ErrMalformed.Errorf("SignedInfo must hold CanonicalizationMethod, SignatureMethod and at least one Reference")
	}
	s.C14N = kids[0].SelectAttrValue("Algorithm", "")
	s.Prefixes = inclusivePrefixes(kids[0])
	s.Method = kids[1].SelectAttrValue("Algorithm", "")
	if s.C14N == "" || s.Method == "" {
		return ErrMalformed.Errorf("SignedInfo without algorithm")
	}
	if len(kids[1].ChildElements()) > 0 {
		// HMACOutputLength and RSAPSSParams are not read: refuse rather
		// than verify something else than what is declared.
		return ErrUnsupported.Errorf("SignatureMethod parameters (%s)", kids[1].ChildElements()[0].Tag)
	}
	for _, r := range kids[2:] {
		if !isDS(r, "Reference") {
			return ErrMalformed.Errorf("unexpected %s in SignedInfo", r.FullTag())
		}
		if len(s.References) == MaxReferences {
			return ErrLimit.Errorf("more than %d references", MaxReferences)
		}
		ref, err := readReference(r, needValue)
		if err != nil {
			return err
		}
		s.References = append(s.References, ref)
	}
	return nil
}

func readReference(el *etree.Element, needValue bool) (*Reference, error) {
	r := &Reference{Element: el, ID: el.SelectAttrValue("Id", ""), Type: el.SelectAttrValue("Type", "")}
	uri := el.SelectAttr("URI")
	if uri == nil {
		return nil, ErrUnsupported.Errorf("a Reference without URI (the application would have to say what it means)")
	}
	r.URI = uri.Value
	kids := el.ChildElements()
	if len(kids) > 0 && isDS(kids[0], "Transforms") {
		for _, t := range kids[0].ChildElements() {
			if !isDS(t, "Transform") {
				return nil, ErrMalformed.Errorf("unexpected %s in Transforms", t.FullTag())
			}
			if len(r.Transforms) == MaxTransforms {
				return nil, ErrLimit.Errorf("more than %d transforms", MaxTransforms)
			}
			r.Transforms = append(r.Transforms, Transform{Algorithm: t.SelectAttrValue("Algorithm", ""), Element: t})
		}
		kids = kids[1:]
	}
	if len(kids) != 2 || !isDS(kids[0], "DigestMethod") || !isDS(kids[1], "DigestValue") {
		return nil, ErrMalformed.Errorf("a Reference must end with DigestMethod and DigestValue")
	}
	r.DigestMethod = kids[0].SelectAttrValue("Algorithm", "")
	if needValue || Text(kids[1]) != "" {
		v, err := decodeBase64(Text(kids[1]))
		if err != nil {
			return nil, ErrMalformed.Errorf("DigestValue of reference %q: %v", r.URI, err)
		}
		r.DigestValue = v
	}
	return r, nil
}

func (s *Signature) readKeyInfo(ki *etree.Element) error {
	for _, xd := range ki.ChildElements() {
		if isDS(xd, "KeyValue") && s.KeyValue == nil {
			s.KeyValue = keyValue(xd)
		}
		if !isDS(xd, "X509Data") {
			continue // KeyName, RetrievalMethod...: not followed
		}
		for _, c := range xd.ChildElements() {
			switch {
			case isDS(c, "X509Certificate"):
				if len(s.Certificates) == MaxCertificates {
					return ErrLimit.Errorf("more than %d certificates in KeyInfo", MaxCertificates)
				}
				der, err := decodeBase64(Text(c))
				if err != nil {
					return ErrMalformed.Errorf("X509Certificate: %v", err)
				}
				s.Certificates = append(s.Certificates, der)
			case isDS(c, "X509SubjectName"):
				s.SubjectNames = append(s.SubjectNames, strings.TrimSpace(Text(c)))
			}
		}
	}
	return nil
}

func inclusivePrefixes(el *etree.Element) []string {
	for _, c := range el.ChildElements() {
		if c.Tag == "InclusiveNamespaces" && NamespaceOf(c) == ExcC14N {
			return strings.Fields(c.SelectAttrValue("PrefixList", ""))
		}
	}
	return nil
}

// decodeBase64 decodes a base64Binary value, white space ignored.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return nil, errors.New("empty")
	}
	return base64.StdEncoding.DecodeString(s)
}

// Digested is what a reference was found to cover.
type Digested struct {
	// Target is the element the URI names; nil for the whole document.
	Target *etree.Element
	// Excluded are the elements its transforms took out (the enveloped
	// signature, signatures an XPath filter removed).
	Excluded []*etree.Element
	// Empty is true when the transforms selected nothing: the reference
	// signs no data.
	Empty bool
	// Hash is the digest algorithm; Digest the digest computed, Match
	// whether it is the reference's DigestValue.
	Hash   crypto.Hash
	Digest []byte
	Match  bool
	// Octets is the length of what was digested (a verifier's work
	// budget).
	Octets int
	// Data is what was digested; NodeSet is true when the transforms
	// left a node set, which was canonicalised with C14N 1.0 to make it.
	Data    []byte
	NodeSet bool
	// External is true when the reference is to detached content given
	// with SetDetached (Target is then nil, and not the whole document).
	External bool
}

// SetDetached gives the content a detached reference URI names (a file
// name, say): DigestReference digests content for a reference whose URI
// is exactly uri. Nothing is ever fetched.
func (d *Document) SetDetached(uri string, content []byte) {
	if d.detached == nil {
		d.detached = map[string][]byte{}
	}
	d.detached[uri] = content
}

// DigestReference resolves ref, a reference of sig, in d, applies its
// transforms and computes its digest. It follows only same-document
// references: "" (the document), "#id" (the one element with that ID) and
// their xpointer forms, and the detached content given with SetDetached;
// anything else is an ErrUnsupported error, never a fetch. An ID carried
// by several elements is an ErrDuplicateID error.
func (d *Document) DigestReference(sig *Signature, ref *Reference) (*Digested, error) {
	h, ok := DigestHash(ref.DigestMethod)
	if !ok {
		return nil, ErrUnsupported.Errorf("digest method %q", ref.DigestMethod)
	}
	if content, ok := d.detached[ref.URI]; ok && ref.URI != "" && !strings.HasPrefix(ref.URI, "#") {
		// Content the caller provided for a detached reference: octets,
		// digested as they are (no transform applies to them here).
		if len(ref.Transforms) > 0 {
			return nil, ErrUnsupported.Errorf("transforms on the detached content %q", ref.URI)
		}
		hh := h.New()
		hh.Write(content)
		dg := hh.Sum(nil)
		return &Digested{Hash: h, Digest: dg, Match: bytes.Equal(dg, ref.DigestValue), Empty: len(content) == 0, Octets: len(content), Data: content, External: true}, nil
	}
	set, err := d.resolve(ref.URI)
	if err != nil {
		return nil, err
	}
	out := &Digested{Target: set.Apex, Hash: h}
	var octets []byte
	isSet := true
	for i, t := range ref.Transforms {
		switch {
		case t.Algorithm == TransformEnveloped:
			if !isSet {
				return nil, ErrUnsupported.Errorf("enveloped-signature after octets")
			}
			set.Exclude = append(set.Exclude, sig.Element)
		case t.Algorithm == TransformXPath || t.Algorithm == TransformXPath2:
			if !isSet {
				return nil, ErrUnsupported.Errorf("XPath transform after octets")
			}
			if err := d.knownXPath(t, &set); err != nil {
				return nil, err
			}
		case IsC14N(t.Algorithm):
			in := set
			if !isSet {
				// Octets into a transform that takes a node-set: they are
				// parsed, as a document of their own, and the whole of it
				// is the node-set (XML-Signature 1.1, 4.4.3.2). Signers
				// in the wild chain exclusive and inclusive
				// canonicalisation so.
				sub, err := Parse(octets, Limits{})
				if err != nil {
					return nil, ErrMalformed.Errorf("transform %d: the output of the previous one is not XML: %v", i+1, err)
				}
				in = NodeSet{Doc: sub}
			}
			if octets, err = CanonicalBytes(in, t.Algorithm, inclusivePrefixes(t.Element)); err != nil {
				return nil, err
			}
			isSet = false
		case t.Algorithm == TransformBase64:
			if i != len(ref.Transforms)-1 {
				return nil, ErrUnsupported.Errorf("base64 transform not last")
			}
			in := octets
			if isSet {
				in = []byte(textOf(set))
			}
			if octets, err = decodeBase64(string(in)); err != nil {
				return nil, ErrMalformed.Errorf("base64 transform: %v", err)
			}
			isSet = false
		default:
			return nil, ErrUnsupported.Errorf("transform %q", t.Algorithm)
		}
	}
	out.Excluded = set.Exclude
	if isSet {
		if octets, err = CanonicalBytes(set, C14N10, nil); err != nil {
			return nil, err
		}
	}
	out.Empty = len(octets) == 0 || set.Apex != nil && ContainsExcluded(set.Exclude, set.Apex)
	out.Octets = len(octets)
	out.Data, out.NodeSet = octets, isSet
	hh := h.New()
	hh.Write(octets)
	out.Digest = hh.Sum(nil)
	out.Match = bytes.Equal(out.Digest, ref.DigestValue)
	return out, nil
}

// ContainsExcluded reports whether el or one of its ancestors is
// excluded.
func ContainsExcluded(ex []*etree.Element, el *etree.Element) bool {
	for e := el; e != nil; e = e.Parent() {
		for _, x := range ex {
			if x == e {
				return true
			}
		}
	}
	return false
}

// resolve returns the node set a same-document URI names.
func (d *Document) resolve(uri string) (NodeSet, error) {
	switch {
	case uri == "":
		return NodeSet{Doc: d}, nil
	case uri == "#xpointer(/)":
		return NodeSet{Doc: d, Comments: true}, nil
	case strings.HasPrefix(uri, "#xpointer(id("):
		id, ok := strings.CutPrefix(uri, "#xpointer(id(")
		id, ok2 := strings.CutSuffix(id, "))")
		if !ok || !ok2 || len(id) < 2 || id[0] != id[len(id)-1] || id[0] != '\'' && id[0] != '"' {
			return NodeSet{}, ErrUnsupported.Errorf("reference %q", uri)
		}
		el, err := d.byOneID(id[1 : len(id)-1])
		return NodeSet{Doc: d, Apex: el, Comments: true}, err
	case strings.HasPrefix(uri, "#"):
		el, err := d.byOneID(uri[1:])
		return NodeSet{Doc: d, Apex: el}, err
	}
	return NodeSet{}, ErrUnsupported.Errorf("reference to %q outside the document (not fetched)", uri)
}

func (d *Document) byOneID(id string) (*etree.Element, error) {
	switch els := d.ids[id]; len(els) {
	case 0:
		return nil, ErrMalformed.Errorf("no element with ID %q", id)
	case 1:
		return els[0], nil
	default:
		return nil, ErrDuplicateID.Errorf("%q (%d elements)", id, len(els))
	}
}

// knownXPath applies the XPath filters that signature applications use
// to leave signatures out, which are all this package evaluates:
// not(ancestor-or-self::ds:Signature) (XPath filtering) and the XPath
// Filter 2.0 subtraction of /descendant::*[name()='ds:Signature'], which
// subtracts only elements that are XML signatures (see below).
func (d *Document) knownXPath(t Transform, set *NodeSet) error {
	xp := t.Element.ChildElements()
	if len(xp) != 1 || xp[0].Tag != "XPath" {
		return ErrUnsupported.Errorf("XPath transform without one XPath element")
	}
	expr := strings.Join(strings.Fields(Text(xp[0])), "")
	switch {
	case t.Algorithm == TransformXPath && NamespaceOf(xp[0]) == Namespace && notSignature(xp[0], expr):
		set.Exclude = append(set.Exclude, d.Signatures()...)
	case t.Algorithm == TransformXPath2 && NamespaceOf(xp[0]) == TransformXPath2 && xp[0].SelectAttrValue("Filter", "") == "subtract" &&
		strings.HasPrefix(expr, "/descendant::*[name()='") && strings.HasSuffix(expr, ":Signature']"):
		qn := strings.TrimSuffix(strings.TrimPrefix(expr, "/descendant::*[name()='"), "']")
		var walk func(el *etree.Element)
		walk = func(el *etree.Element) {
			// name() is the name as written, whatever namespace its
			// prefix is bound to, so XPath would also subtract an
			// <ds:Signature xmlns:ds="urn:x"> inserted into the signed
			// data after signing: no signature (nothing fails), but its
			// text is read as part of the data (<TgTTTBSo><ds:Signature
			// xmlns:ds="urn:x">9</ds:Signature>165000</TgTTTBSo> reads
			// 9165000). Only XML signatures are subtracted here; such an
			// element stays in the digest and breaks it.
			if el.FullTag() == qn && IsSignature(el) {
				set.Exclude = append(set.Exclude, el)
			}
			for _, c := range el.ChildElements() {
				walk(c)
			}
		}
		walk(d.Root())
	default:
		return ErrUnsupported.Errorf("XPath expression %q", expr)
	}
	return nil
}

// textOf returns the text nodes of set, concatenated (the base64
// transform's input, XML-Signature 1.1, 6.6.2).
func textOf(set NodeSet) string {
	var b strings.Builder
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		if ContainsExcluded(set.Exclude, el) {
			return
		}
		for _, t := range el.Child {
			switch t := t.(type) {
			case *etree.CharData:
				b.WriteString(t.Data)
			case *etree.Element:
				walk(t)
			}
		}
	}
	if set.Apex != nil {
		walk(set.Apex)
	} else {
		walk(set.Doc.Root())
	}
	return b.String()
}

// SignedInfoBytes returns the canonical SignedInfo: what the signature
// value signs.
func (d *Document) SignedInfoBytes(sig *Signature) ([]byte, error) {
	return CanonicalBytes(NodeSet{Doc: d, Apex: sig.SignedInfo, Comments: true}, sig.C14N, sig.Prefixes)
}

// notSignature reports whether expr is not(ancestor-or-self::P:Signature)
// with P bound to the XML-Signature namespace where the expression is.
func notSignature(xp *etree.Element, expr string) bool {
	p, ok := strings.CutPrefix(expr, "not(ancestor-or-self::")
	if !ok {
		return false
	}
	p, ok = strings.CutSuffix(p, ":Signature)")
	return ok && p != "" && lookupNS(xp, p) == Namespace
}

// dsig11 is the namespace of XML-Signature 1.1's new elements.
const dsig11 = "http://www.w3.org/2009/xmldsig11#"

// keyValue reads an RSAKeyValue or ECKeyValue (XML-Signature 1.1, 4.5.2).
func keyValue(kv *etree.Element) crypto.PublicKey {
	for _, k := range kv.ChildElements() {
		switch {
		case isDS(k, "RSAKeyValue"):
			m, e := k.SelectElement("Modulus"), k.SelectElement("Exponent")
			if m == nil || e == nil {
				return nil
			}
			mb, err1 := decodeBase64(Text(m))
			eb, err2 := decodeBase64(Text(e))
			if err1 != nil || err2 != nil || len(eb) > 4 || len(mb) > 2048 {
				return nil
			}
			exp := new(big.Int).SetBytes(eb)
			return &rsa.PublicKey{N: new(big.Int).SetBytes(mb), E: int(exp.Int64())}
		case k.Tag == "ECKeyValue" && NamespaceOf(k) == dsig11:
			nc, pk := k.SelectElement("NamedCurve"), k.SelectElement("PublicKey")
			if nc == nil || pk == nil {
				return nil
			}
			var curve elliptic.Curve
			switch nc.SelectAttrValue("URI", "") {
			case "urn:oid:1.2.840.10045.3.1.7":
				curve = elliptic.P256()
			case "urn:oid:1.3.132.0.34":
				curve = elliptic.P384()
			case "urn:oid:1.3.132.0.35":
				curve = elliptic.P521()
			default:
				return nil
			}
			pt, err := decodeBase64(Text(pk))
			if err != nil {
				return nil
			}
			k, err := ecdsa.ParseUncompressedPublicKey(curve, pt)
			if err != nil {
				return nil
			}
			return k
		}
	}
	return nil
}

// Text returns the string value of el: all the text it contains,
// comments and markup left out (XPath 1.0, 5.2). etree's Text stops at
// the first comment or child, which is how the comment-truncation attack
// on SAML works: a reader that sees "0101" of <MST>0101<!---->234567</MST>
// reads another value than the signature covers.
func Text(el *etree.Element) string {
	var b strings.Builder
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		for _, t := range e.Child {
			switch t := t.(type) {
			case *etree.CharData:
				b.WriteString(t.Data)
			case *etree.Element:
				walk(t)
			}
		}
	}
	walk(el)
	return b.String()
}
