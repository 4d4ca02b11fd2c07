package xmldsig

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/certcheck"
	"github.com/kyso-vn/kyso/internal/xmlsig"
	"github.com/kyso-vn/kyso/model"
)

// Error kinds of signing. Errors returned by Sign wrap one of them, a
// Parse error, or the error of the signer.
var (
	// ErrInvalid means the request cannot be signed as asked: an unknown
	// profile, SHA-1, PSS for an ECDSA key, a location or ID that is not
	// in the document. An HTTP API maps it to 400.
	ErrInvalid = errkind.New(errkind.Invalid, "xmldsig: invalid request")
	// ErrIntegrity means the signer returned something that does not
	// check out, or the signed document does not verify, or signing would
	// change what an earlier signature covers. It is never the caller's
	// fault.
	ErrIntegrity = errkind.New(errkind.Internal, "xmldsig: integrity check failed")
	// ErrRevoked means a certificate of the chains a B-LT or B-LTA
	// signature would carry is revoked: the credential cannot sign.
	ErrRevoked = errkind.New(errkind.CredentialUnusable, "xmldsig: certificate revoked")
)

// Profile is a layout of signature.
type Profile string

// Profiles.
const (
	// ProfileEInvoiceVN is the layout of Vietnamese e-invoices (Decree
	// 123/2020/ND-CP, Circular 78/2021/TT-BTC) as published invoices show
	// it: an unprefixed Signature with an Id in HDon/DSCKS/NBan (or the
	// caller's location), a reference to the invoice data (#Id of
	// HDon/DLHDon) with the enveloped-signature transform, a reference to
	// an Object holding SignatureProperties/SignatureProperty/SigningTime,
	// inclusive C14N 1.0, and KeyInfo/X509Data with X509SubjectName and
	// X509Certificate.
	ProfileEInvoiceVN Profile = "einvoice-vn"
	// ProfileEnveloped puts the Signature in a given element (the
	// document element by default) and references the given IDs, or the
	// whole document (URI="") when none is given, each with the
	// enveloped-signature transform; the signing time goes in an Object
	// as in ProfileEInvoiceVN.
	ProfileEnveloped Profile = "enveloped"
	// ProfileXAdES is ProfileEnveloped with XAdES qualifying properties
	// (ETSI EN 319 132-1) instead of the SigningTime object: level B-B
	// signs SignedProperties holding SigningTime and SigningCertificateV2;
	// level B-T adds a SignatureTimeStamp over the SignatureValue from
	// Options.Timestamper; B-LT the validation values (LevelBLT); B-LTA
	// an ArchiveTimeStamp (LevelBLTA).
	ProfileXAdES Profile = "xades"
	// ProfileEnveloping makes the Signature the document element, with
	// the input's document element inside an Object (Id "<id>-Data")
	// that the first reference covers; the signing time goes in an Object
	// as in ProfileEInvoiceVN. An input document element without a
	// default namespace declaration gets xmlns="", so that it and its
	// unprefixed descendants stay out of the XML-Signature namespace they
	// are moved into.
	ProfileEnveloping Profile = "enveloping"
	// ProfileDetached signs content kept apart from the signature (any
	// file, not only XML): the answer is a Signature document whose first
	// reference names the content by Options.DetachedURI (its file name)
	// and digests its bytes as they are; the signing time goes in an
	// Object as in ProfileEInvoiceVN. A verifier must be given the content
	// (xmlsec1 finds it beside the signature file).
	ProfileDetached Profile = "detached"
)

// XAdES levels Sign makes (ETSI EN 319 132-1, 6).
const (
	LevelBB = "B-B"
	LevelBT = "B-T"
	// LevelBLT adds to B-T the certificates (CertificateValues) and the
	// OCSP responses and CRLs (RevocationValues) of the signer's and the
	// TSA's chains, from Options.Revocation.
	LevelBLT = "B-LT"
	// LevelBLTA adds to B-LT an ArchiveTimeStamp (XAdES 1.4.1 namespace)
	// over the signature and its properties (ETSI EN 319 132-1, 5.5.2).
	LevelBLTA = "B-LTA"
)

// NamespaceXAdES141 is the XAdES 1.4.1 namespace of ArchiveTimeStamp.
const NamespaceXAdES141 = "http://uri.etsi.org/01903/v1.4.1#"

// NamespaceXAdES is the XAdES 1.3.2 namespace.
const NamespaceXAdES = "http://uri.etsi.org/01903/v1.3.2#"

// TypeSignedProperties is the Type of a Reference to SignedProperties.
const TypeSignedProperties = "http://uri.etsi.org/01903#SignedProperties"

// Timestamper obtains an RFC 3161 time-stamp token (kyso's TSA,
// signer/tsa, implements it).
type Timestamper interface {
	// Timestamp returns a TimeStampToken (DER) whose message imprint is
	// digest, hashed with hash.
	Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error)
}

// DefaultEInvoiceLocation is where an e-invoice signature goes unless the
// caller says otherwise: the seller's block.
const DefaultEInvoiceLocation = "/HDon/DSCKS/NBan"

// dscksOrder is the order of the signature blocks in DSCKS.
var dscksOrder = []string{xmlsig.EInvoiceSeller, xmlsig.EInvoiceBuyer, xmlsig.EInvoiceTax, xmlsig.EInvoiceOther}

// Options select how a document is signed. The zero value is an invalid
// request: Profile is required.
type Options struct {
	Profile Profile
	// Location is the element the Signature is appended to, as a path of
	// element names from the document element: "/HDon/DSCKS/CQT". A step
	// matches an element's local or qualified name; the first match in
	// document order is taken. For ProfileEInvoiceVN missing steps are
	// created (an empty DSCKS, say); for ProfileEnveloped the element
	// must exist. Empty means DefaultEInvoiceLocation or the document
	// element.
	Location string
	// References are IDs of elements to sign. For ProfileEInvoiceVN they
	// come after the invoice data's (the tax authority may add the
	// MCCQT's or the seller signature's); for ProfileEnveloped they are
	// all, and none means the whole document.
	References []string
	// Hash is SHA-256 (the default when zero), SHA-384 or SHA-512. SHA-1
	// is refused: kyso never makes SHA-1 signatures.
	Hash crypto.Hash
	// PSS asks for RSASSA-PSS (RFC 9231, 2.3.10) instead of PKCS #1
	// v1.5; an ErrInvalid error for an ECDSA key.
	PSS bool
	// Time is the signing time and the instant the certificate must be
	// valid at; zero means time.Now(). It is written to the second with
	// Vietnam's offset (+07:00).
	Time time.Time
	// IncludeChain adds Chain's certificates to X509Data.
	IncludeChain bool
	// ID is the Signature's Id; empty means a random one. It must not be
	// an ID the document already has.
	ID string
	// Limits bound the parsing of the document.
	Limits Limits
	// Level is the XAdES level of ProfileXAdES: LevelBB (the default),
	// LevelBT, which needs Timestamper, or LevelBLT and LevelBLTA, which
	// need Timestamper, Revocation and the credential's chain up to its
	// root. Other profiles ignore it.
	Level string
	// Timestamper time-stamps the signature value for LevelBT and above,
	// and the archive for LevelBLTA.
	Timestamper Timestamper
	// Revocation gives the status of the chains' certificates for
	// LevelBLT and LevelBLTA.
	Revocation Revocation
	// DetachedURI names the content of ProfileDetached in its reference:
	// a relative file name ("hoso.pdf"), which a verifier resolves beside
	// the signature.
	DetachedURI string
}

// contextSigner is a crypto.Signer that also takes a context.
type contextSigner interface {
	SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// vnZone is Vietnam's time, in which signing times are written.
var vnZone = time.FixedZone("ICT", 7*3600)

// Sign adds an enveloped signature to the XML document doc and returns the
// signed document: doc's bytes unchanged but for the inserted markup, so
// that earlier signatures stay as they were.
//
// Trust but verify: the inserted markup is parsed again and must be the
// signature made (checkSplice), the new signature is verified with the
// certificate's key (each DigestValue as written against the digest of
// its node set; a set holding part of the signature is canonicalised
// again), and every reference of an earlier signature whose node set
// holds the element the markup went in must digest to the same value as
// before (the others cannot have changed); otherwise nothing is returned
// and the error is ErrIntegrity.
func Sign(ctx context.Context, doc []byte, cred model.Key, opts Options) (*Result, error) {
	out, id, err := sign(ctx, doc, cred, opts)
	if err != nil {
		return nil, fmt.Errorf("xmldsig: sign: %w", err)
	}
	return &Result{Document: out, SignatureID: id}, nil
}

// Result is a signed document.
type Result struct {
	// Document is the signed document.
	Document []byte
	// SignatureID is the Id of the Signature added.
	SignatureID string
}

func sign(ctx context.Context, doc []byte, cred model.Key, opts Options) ([]byte, string, error) {
	p, err := newPlan(cred, opts)
	if err != nil {
		return nil, "", err
	}
	pr, err := p.prepare(doc)
	if err != nil {
		return nil, "", err
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	var raw []byte
	if cs, ok := cred.Signer.(contextSigner); ok {
		raw, err = cs.SignContext(ctx, pr.tbs, signerOpts(p.method))
	} else {
		raw, err = cred.Signer.Sign(rand.Reader, pr.tbs, signerOpts(p.method))
	}
	if err != nil {
		return nil, "", fmt.Errorf("signer: %w", err)
	}
	out, err := pr.finish(ctx, raw)
	if err != nil {
		return nil, "", err
	}
	return out, pr.id, nil
}

// prepared is a document with its signature built but for the value.
type prepared struct {
	p       *plan
	d       *Document
	sig     *etree.Element
	parent  *etree.Element // receives the markup
	before  *etree.Element // inserted before this child; nil: at the end
	top     *etree.Element // the markup: sig, or sig in created elements
	id      string
	si      []byte       // canonical SignedInfo
	tbs     []byte       // its digest: what the signer signs
	earlier []earlierSig // earlier signatures' references as digested
	made    []madeRef    // the new signature's references as digested
}

// madeRef is a reference of the new signature as prepare digested it.
type madeRef struct {
	uri    string
	digest []byte
	// outside is true when the reference's node set has no node of the
	// signature: nothing finish does (the value, unsigned properties)
	// can change what it digests.
	outside bool
}

// prepare parses doc, places the signature, computes its references and
// returns it ready for the signature value.
func (p *plan) prepare(doc []byte) (*prepared, error) {
	var d *Document
	var err error
	if p.opts.Profile == ProfileDetached {
		// The content is not parsed: it need not be XML.
		d = xmlsig.NewDocument()
		d.SetDetached(p.opts.DetachedURI, doc)
	} else if d, err = Parse(doc, p.opts.Limits); err != nil {
		return nil, err
	}
	earlier := earlierDigests(d)
	id := p.opts.ID
	if id == "" {
		id = randomID("sig-")
	}
	objID := id + "-SigningTime"
	if p.opts.Profile == ProfileXAdES {
		objID = id + "-SignedProperties"
	}
	dataID := id + "-Data"
	for _, x := range []string{id, objID, dataID} {
		if len(d.ByID(x)) > 0 {
			return nil, ErrInvalid.Errorf("the document already has an element with ID %q", x)
		}
	}
	var refs []string
	switch p.opts.Profile {
	case ProfileEnveloping:
		refs = []string{"#" + dataID}
	case ProfileDetached:
		refs = []string{p.opts.DetachedURI}
	default:
		if refs, err = p.targets(d); err != nil {
			return nil, err
		}
	}
	refs = append(refs, "#"+objID)

	sig := p.build(id, objID, refs)
	var parent, insertBefore, top *etree.Element
	switch p.opts.Profile {
	case ProfileEnveloping:
		envelop(d, sig, dataID)
	case ProfileDetached:
		d.SetRoot(sig)
	default:
		if parent, insertBefore, top, err = p.place(d, sig); err != nil {
			return nil, err
		}
		if insertBefore != nil {
			parent.InsertChildAt(insertBefore.Index(), top)
		} else {
			parent.AddChild(top)
		}
	}
	d.SetID(id, sig)
	if p.opts.Profile == ProfileXAdES {
		d.SetID(objID, sig.FindElement("./Object/xades:QualifyingProperties/xades:SignedProperties"))
	} else {
		d.SetID(objID, sig.FindElement("./Object[@Id='"+objID+"']"))
	}

	s, err := xmlsig.ReadUnsigned(sig)
	if err != nil {
		return nil, ErrIntegrity.Errorf("reading back the signature built: %v", err)
	}
	made := make([]madeRef, len(s.References))
	for i, r := range s.References {
		dg, err := d.DigestReference(s, r)
		if err != nil {
			return nil, fmt.Errorf("reference %q: %w", r.URI, err)
		}
		if dg.Empty {
			return nil, ErrIntegrity.Errorf("reference %q selects nothing", r.URI)
		}
		made[i] = madeRef{uri: r.URI, digest: dg.Digest, outside: dg.NodeSet && !dg.External && !overlaps(dg, sig)}
		r.Element.SelectElement("DigestValue").SetText(base64.StdEncoding.EncodeToString(dg.Digest))
	}
	si, err := d.SignedInfoBytes(s)
	if err != nil {
		return nil, err
	}
	h := p.method.Hash.New()
	h.Write(si)
	return &prepared{p: p, d: d, sig: sig, parent: parent, before: insertBefore, top: top, id: id, si: si, tbs: h.Sum(nil), earlier: earlier, made: made}, nil
}

// overlaps reports whether the node set dg digested may hold a node of
// sig: sig is not taken out, and the set's apex is the whole document,
// an ancestor of sig or inside it.
func overlaps(dg *xmlsig.Digested, sig *etree.Element) bool {
	if xmlsig.ContainsExcluded(dg.Excluded, sig) {
		return false
	}
	return dg.Target == nil || within(sig, dg.Target) || within(dg.Target, sig)
}

// within reports whether el is anc or one of its descendants.
func within(el, anc *etree.Element) bool {
	for e := el; e != nil; e = e.Parent() {
		if e == anc {
			return true
		}
	}
	return false
}

// finish checks raw, the signer's answer, completes the signature and
// returns the signed document after checking it.
func (pr *prepared) finish(ctx context.Context, raw []byte) ([]byte, error) {
	p := pr.p
	cert := p.cred.Cert
	value, err := encodeValue(cert.PublicKey, raw)
	if err != nil {
		return nil, err
	}
	if err := xmlsig.VerifyValue(cert.PublicKey, p.method, pr.si, value); err != nil {
		return nil, ErrIntegrity.Errorf("the signer's signature does not verify with the certificate's key")
	}
	pr.sig.SelectElement("SignatureValue").SetText(base64.StdEncoding.EncodeToString(value))
	if p.opts.Profile == ProfileXAdES && p.opts.Level != LevelBB {
		tok, err := p.timestamp(ctx, pr.d, pr.sig)
		if err != nil {
			return nil, err
		}
		if p.opts.Level == LevelBLT || p.opts.Level == LevelBLTA {
			if err := p.validationValues(ctx, pr.sig, tok); err != nil {
				return nil, err
			}
		}
		if p.opts.Level == LevelBLTA {
			if err := p.archiveTimestamp(ctx, pr.d, pr.sig); err != nil {
				return nil, err
			}
		}
	}
	if p.opts.Profile == ProfileEnveloping || p.opts.Profile == ProfileDetached {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
		writeElement(&b, pr.sig)
		out := b.Bytes()
		if err := selfCheck(out, p.opts.Limits, pr.id, cert, pr.earlier, pr.d.Detached()); err != nil {
			return nil, err
		}
		return out, nil
	}
	var ins bytes.Buffer
	writeElement(&ins, pr.top)
	if err := pr.checkSplice(ins.Bytes()); err != nil {
		return nil, err
	}
	return pr.d.Splice(pr.parent, pr.before, ins.Bytes()), nil
}

// checkSplice is the self-check of a signature spliced into the input,
// at the cost of parsing the markup rather than the whole signed
// document: the markup ins, parsed on its own under the namespace
// declarations in scope where it goes, must be the tree the signature was
// computed on, and carry no ID the document has. Inserted whole between
// two nodes of the parent's content, it leaves every other node of the
// document as parsed (XML 1.0: an element is a complete production), so
// the signed document parses to pr.d's tree, on which the new signature
// is then verified (checkNew) and the earlier signatures' references
// that may have changed digested again (checkEarlier).
// FuzzSign parses and verifies whole signed documents.
func (pr *prepared) checkSplice(ins []byte) error {
	ns := xmlsig.InScope(pr.parent)
	prefixes := make([]string, 0, len(ns))
	for k := range ns {
		prefixes = append(prefixes, k)
	}
	slices.Sort(prefixes)
	var w bytes.Buffer
	w.WriteString("<w")
	for _, k := range prefixes {
		if k == "" {
			w.WriteString(` xmlns="` + xmlsig.EscapeAttr(ns[k]) + `"`)
		} else {
			w.WriteString(` xmlns:` + k + `="` + xmlsig.EscapeAttr(ns[k]) + `"`)
		}
	}
	w.WriteString(">")
	w.Write(ins)
	w.WriteString("</w>")
	md, err := Parse(w.Bytes(), pr.p.opts.Limits)
	if err != nil {
		return ErrIntegrity.Errorf("the signature's markup does not parse: %v", err)
	}
	if kids := md.Root().Child; len(kids) != 1 || !sameTree(kids[0], pr.top) {
		return ErrIntegrity.Errorf("the signature's markup does not parse to the signature made")
	}
	for id := range md.IDs() {
		for _, el := range pr.d.ByID(id) {
			if !xmlsig.ContainsExcluded([]*etree.Element{pr.top}, el) {
				return ErrIntegrity.Errorf("the signature's ID %q is already in the document", id)
			}
		}
	}
	if err := pr.checkNew(); err != nil {
		return ErrIntegrity.Errorf("the signed document does not verify: %v", err)
	}
	return checkEarlier(pr.d, pr.sig, pr.parent, pr.earlier)
}

// checkNew verifies the new signature in pr.d as CheckSignature does, at
// the cost of canonicalising again only the references whose node set
// holds part of the signature (its SigningTime object or XAdES
// SignedProperties). The node set of any other reference (the invoice
// data, under the enveloped-signature transform) is a part of the tree
// that nothing has changed since prepare digested it, before the
// signature value was made: only nodes of the signature are written
// after. For those the digest prepare computed is the digest the
// reference's DigestValue, as the markup has it, must hold.
func (pr *prepared) checkNew() error {
	s, err := xmlsig.ReadSignature(pr.sig)
	if err != nil {
		return err
	}
	m, ok := xmlsig.SignatureMethod(s.Method)
	if !ok {
		return ErrUnsupported.Errorf("signature method %q", s.Method)
	}
	if len(s.References) != len(pr.made) {
		return fmt.Errorf("%d references, %d made", len(s.References), len(pr.made))
	}
	for i, r := range s.References {
		mr := pr.made[i]
		if r.URI != mr.uri {
			return fmt.Errorf("reference %d is to %q, not %q", i+1, r.URI, mr.uri)
		}
		digest := mr.digest
		if !mr.outside {
			dg, err := pr.d.DigestReference(s, r)
			if err != nil {
				return fmt.Errorf("reference %q: %w", r.URI, err)
			}
			if dg.Empty {
				return fmt.Errorf("reference %q selects nothing", r.URI)
			}
			digest = dg.Digest
		}
		if !bytes.Equal(digest, r.DigestValue) {
			return fmt.Errorf("reference %q: digest mismatch", r.URI)
		}
	}
	si, err := pr.d.SignedInfoBytes(s)
	if err != nil {
		return err
	}
	return xmlsig.VerifyValue(pr.p.cred.Cert.PublicKey, m, si, s.Value)
}

// sameTree reports whether the nodes a and b have the same names,
// attributes, text and children.
func sameTree(a, b etree.Token) bool {
	switch a := a.(type) {
	case *etree.Element:
		b, ok := b.(*etree.Element)
		if !ok || a.FullTag() != b.FullTag() || len(a.Attr) != len(b.Attr) || len(a.Child) != len(b.Child) {
			return false
		}
		for i, x := range a.Attr {
			if y := b.Attr[i]; x.Space != y.Space || x.Key != y.Key || x.Value != y.Value {
				return false
			}
		}
		for i := range a.Child {
			if !sameTree(a.Child[i], b.Child[i]) {
				return false
			}
		}
		return true
	case *etree.CharData:
		b, ok := b.(*etree.CharData)
		return ok && a.Data == b.Data
	}
	return false
}

// MaxBatch is the largest number of documents SignBatch signs at once.
const MaxBatch = 1000

// BatchSigner signs many digests in one request; kyso's keys.Signer
// implements it with one Transit call.
type BatchSigner interface {
	SignBatch(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error)
}

// BatchResult is the outcome for one document of SignBatch: a signed
// document or why this document could not be signed.
type BatchResult struct {
	Result *Result
	Err    error
}

// SignBatch signs each of docs as Sign would, with the same options (an
// Options.ID is refused: each signature gets its own), and, if
// cred.Signer is a BatchSigner, all their signature values with one call
// to it. A document that cannot be signed (not XML, no element at the
// location...) gets its error in its BatchResult and the others are
// signed; an error of the signer, or of the options, fails the batch.
func SignBatch(ctx context.Context, docs [][]byte, cred model.Key, opts Options) ([]BatchResult, error) {
	switch n := len(docs); {
	case n == 0:
		return nil, fmt.Errorf("xmldsig: sign batch: %w: no documents", ErrInvalid)
	case n > MaxBatch:
		return nil, fmt.Errorf("xmldsig: sign batch: %w: %d documents, at most %d", ErrInvalid, n, MaxBatch)
	case opts.ID != "" && n > 1:
		return nil, fmt.Errorf("xmldsig: sign batch: %w: one signature Id for several documents", ErrInvalid)
	}
	p, err := newPlan(cred, opts)
	if err != nil {
		return nil, fmt.Errorf("xmldsig: sign batch: %w", err)
	}
	out := make([]BatchResult, len(docs))
	prs := make([]*prepared, len(docs))
	var tbs [][]byte
	for i, doc := range docs {
		if prs[i], err = p.prepare(doc); err != nil {
			out[i].Err = fmt.Errorf("xmldsig: sign: %w", err)
			continue
		}
		tbs = append(tbs, prs[i].tbs)
	}
	if len(tbs) == 0 {
		return out, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var sigs [][]byte
	if bs, ok := cred.Signer.(BatchSigner); ok {
		if sigs, err = bs.SignBatch(ctx, tbs, signerOpts(p.method)); err != nil {
			return nil, fmt.Errorf("xmldsig: sign batch: signer: %w", err)
		}
		if len(sigs) != len(tbs) {
			return nil, fmt.Errorf("xmldsig: sign batch: %w: %d signatures for %d digests", ErrIntegrity, len(sigs), len(tbs))
		}
	} else {
		for _, d := range tbs {
			var raw []byte
			if cs, ok := cred.Signer.(contextSigner); ok {
				raw, err = cs.SignContext(ctx, d, signerOpts(p.method))
			} else {
				raw, err = cred.Signer.Sign(rand.Reader, d, signerOpts(p.method))
			}
			if err != nil {
				return nil, fmt.Errorf("xmldsig: sign batch: signer: %w", err)
			}
			sigs = append(sigs, raw)
		}
	}
	j := 0
	for i, pr := range prs {
		if pr == nil {
			continue
		}
		doc, err := pr.finish(ctx, sigs[j])
		j++
		if err != nil {
			out[i].Err = fmt.Errorf("xmldsig: sign: %w", err)
			continue
		}
		out[i].Result = &Result{Document: doc, SignatureID: pr.id}
	}
	return out, nil
}

// plan is what the options and credential decide.
type plan struct {
	opts   Options
	cred   model.Key
	method xmlsig.Method
	hash   crypto.Hash
	now    time.Time
}

func newPlan(cred model.Key, opts Options) (*plan, error) {
	switch opts.Profile {
	case ProfileEInvoiceVN, ProfileEnveloped:
	case ProfileEnveloping:
		if opts.Location != "" || len(opts.References) > 0 {
			return nil, ErrInvalid.Errorf("an enveloping signature takes no location or references")
		}
	case ProfileDetached:
		if opts.Location != "" || len(opts.References) > 0 {
			return nil, ErrInvalid.Errorf("a detached signature takes no location or references")
		}
		if !validDetachedURI(opts.DetachedURI) {
			return nil, ErrInvalid.Errorf("a detached signature needs the content's file name (letters, digits, . _ - and /, not ..), not %q", opts.DetachedURI)
		}
	case ProfileXAdES:
		switch opts.Level {
		case "":
			opts.Level = LevelBB
		case LevelBB:
		case LevelBT, LevelBLT, LevelBLTA:
			if opts.Timestamper == nil {
				return nil, ErrInvalid.Errorf("XAdES %s needs a time-stamp authority", opts.Level)
			}
			if opts.Level != LevelBT && opts.Revocation == nil {
				return nil, ErrInvalid.Errorf("XAdES %s needs a source of revocation data", opts.Level)
			}
		default:
			return nil, ErrInvalid.Errorf("XAdES level %q; want B-B, B-T, B-LT or B-LTA", opts.Level)
		}
	case "":
		return nil, ErrInvalid.Errorf("no profile")
	default:
		return nil, ErrInvalid.Errorf("profile %q; want %s, %s, %s, %s or %s", opts.Profile, ProfileEInvoiceVN, ProfileEnveloped, ProfileEnveloping, ProfileDetached, ProfileXAdES)
	}
	if cred.Cert == nil || cred.Signer == nil {
		return nil, errors.New("no signer or certificate")
	}
	h := opts.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if _, ok := digestURIs[h]; !ok {
		return nil, ErrInvalid.Errorf("hash %v; want SHA-256, SHA-384 or SHA-512 (never SHA-1)", h)
	}
	if k, ok := cred.Signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(cred.Cert.PublicKey) {
		return nil, errors.New("the signer's public key is not the certificate's")
	}
	m, err := methodFor(cred.Cert.PublicKey, h, opts.PSS)
	if err != nil {
		return nil, err
	}
	now := opts.Time
	if now.IsZero() {
		now = time.Now()
	}
	if err := checkCert(cred, now); err != nil {
		return nil, err
	}
	return &plan{opts: opts, cred: cred, method: m, hash: h, now: now.Truncate(time.Second)}, nil
}

// checkCert checks that the certificate may sign at now and that each of
// the chain issued the one before.
func checkCert(cred model.Key, now time.Time) error {
	c := cred.Cert
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return fmt.Errorf("signer certificate %q is not valid at %s", c.Subject, now.UTC().Format(time.RFC3339))
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("signer certificate %q allows neither digitalSignature nor nonRepudiation", c.Subject)
	}
	for _, parent := range cred.Chain {
		if parent == nil {
			return errors.New("nil certificate in chain")
		}
		if err := certcheck.CheckSignatureFrom(c, parent); err != nil {
			return fmt.Errorf("chain: %q was not issued by %q: %w", c.Subject, parent.Subject, err)
		}
		c = parent
	}
	return nil
}

// targets returns the URIs of the document data to reference.
func (p *plan) targets(d *Document) ([]string, error) {
	var uris []string
	if p.opts.Profile == ProfileEInvoiceVN {
		data := xmlsig.EInvoiceDataElement(d)
		if data == nil {
			return nil, ErrInvalid.Errorf("not an e-invoice: no %s/%s", xmlsig.EInvoiceRoot, xmlsig.EInvoiceData)
		}
		id := data.SelectAttrValue("Id", "")
		if id == "" {
			return nil, ErrInvalid.Errorf("%s has no Id attribute to reference (e-invoice software sets it)", xmlsig.EInvoiceData)
		}
		uris = append(uris, "#"+id)
	}
	for _, id := range p.opts.References {
		uris = append(uris, "#"+id)
	}
	for _, u := range uris {
		id := u[1:]
		switch n := len(d.ByID(id)); {
		case id == "":
			return nil, ErrInvalid.Errorf("an empty ID")
		case n == 0:
			return nil, ErrInvalid.Errorf("no element with ID %q", id)
		case n > 1:
			return nil, ErrInvalid.Errorf("%d elements with ID %q", n, id)
		}
	}
	if len(uris) == 0 {
		uris = []string{""}
	}
	return uris, nil
}

// build makes the Signature element, its digests and value empty.
func (p *plan) build(id, objID string, uris []string) *etree.Element {
	sig := etree.NewElement("Signature")
	sig.CreateAttr("xmlns", xmlsig.Namespace)
	sig.CreateAttr("Id", id)
	si := sig.CreateElement("SignedInfo")
	si.CreateElement("CanonicalizationMethod").CreateAttr("Algorithm", xmlsig.C14N10)
	si.CreateElement("SignatureMethod").CreateAttr("Algorithm", p.method.URI)
	for _, u := range uris {
		r := si.CreateElement("Reference")
		if u == "#"+objID && p.opts.Profile == ProfileXAdES {
			r.CreateAttr("Type", TypeSignedProperties)
		}
		r.CreateAttr("URI", u)
		if u != "#"+objID && p.opts.Profile != ProfileEnveloping && p.opts.Profile != ProfileDetached {
			r.CreateElement("Transforms").CreateElement("Transform").CreateAttr("Algorithm", xmlsig.TransformEnveloped)
		}
		r.CreateElement("DigestMethod").CreateAttr("Algorithm", digestURIs[p.hash])
		r.CreateElement("DigestValue")
	}
	sig.CreateElement("SignatureValue")
	xd := sig.CreateElement("KeyInfo").CreateElement("X509Data")
	xd.CreateElement("X509SubjectName").SetText(xmlsig.SubjectName(p.cred.Cert))
	xd.CreateElement("X509Certificate").SetText(base64.StdEncoding.EncodeToString(p.cred.Cert.Raw))
	if p.opts.IncludeChain {
		for _, c := range p.cred.Chain {
			xd.CreateElement("X509Certificate").SetText(base64.StdEncoding.EncodeToString(c.Raw))
		}
	}
	obj := sig.CreateElement("Object")
	if p.opts.Profile == ProfileXAdES {
		p.qualifyingProperties(obj, id, objID)
		return sig
	}
	obj.CreateAttr("Id", objID)
	sp := obj.CreateElement("SignatureProperties").CreateElement("SignatureProperty")
	sp.CreateAttr("Target", "#"+id)
	sp.CreateElement("SigningTime").SetText(p.now.In(vnZone).Format(time.RFC3339))
	return sig
}

// qualifyingProperties writes the XAdES properties of a B-B signature in
// obj (ETSI EN 319 132-1, 5.2.1 and 5.2.2): SigningTime and
// SigningCertificateV2 with the certificate's digest and IssuerSerialV2.
func (p *plan) qualifyingProperties(obj *etree.Element, id, spID string) {
	qp := obj.CreateElement("xades:QualifyingProperties")
	qp.CreateAttr("xmlns:xades", NamespaceXAdES)
	qp.CreateAttr("Target", "#"+id)
	sp := qp.CreateElement("xades:SignedProperties")
	sp.CreateAttr("Id", spID)
	ssp := sp.CreateElement("xades:SignedSignatureProperties")
	ssp.CreateElement("xades:SigningTime").SetText(p.now.In(vnZone).Format(time.RFC3339))
	cert := ssp.CreateElement("xades:SigningCertificateV2").CreateElement("xades:Cert")
	cd := cert.CreateElement("xades:CertDigest")
	cd.CreateElement("DigestMethod").CreateAttr("Algorithm", digestURIs[p.hash])
	h := p.hash.New()
	h.Write(p.cred.Cert.Raw)
	cd.CreateElement("DigestValue").SetText(base64.StdEncoding.EncodeToString(h.Sum(nil)))
	if is, err := issuerSerialV2(p.cred.Cert); err == nil {
		cert.CreateElement("xades:IssuerSerialV2").SetText(base64.StdEncoding.EncodeToString(is))
	}
}

// issuerSerialV2 encodes IssuerSerial (RFC 5035, 4): the issuer as a
// directoryName GeneralName and the serial number.
func issuerSerialV2(c *x509.Certificate) ([]byte, error) {
	gn := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: c.RawIssuer}
	names, err := asn1.Marshal([]asn1.RawValue{gn})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}{asn1.RawValue{FullBytes: names}, c.SerialNumber})
}

// timestamp adds a SignatureTimeStamp (ETSI EN 319 132-1, 5.3) to the
// XAdES signature sig of d: a token over the canonical SignatureValue
// element, checked to be over it before it is added.
func (p *plan) timestamp(ctx context.Context, d *Document, sig *etree.Element) (*timestamp.Timestamp, error) {
	value, err := xmlsig.CanonicalBytes(xmlsig.NodeSet{Doc: d, Apex: sig.SelectElement("SignatureValue")}, xmlsig.C14N10, nil)
	if err != nil {
		return nil, err
	}
	tok, ts, err := p.stamp(ctx, value, "signature value")
	if err != nil {
		return nil, err
	}
	qp := sig.FindElement("./Object/xades:QualifyingProperties")
	sts := qp.CreateElement("xades:UnsignedProperties").CreateElement("xades:UnsignedSignatureProperties").CreateElement("xades:SignatureTimeStamp")
	sts.CreateAttr("Id", sig.SelectAttrValue("Id", "")+"-SignatureTimeStamp")
	sts.CreateElement("CanonicalizationMethod").CreateAttr("Algorithm", xmlsig.C14N10)
	sts.CreateElement("xades:EncapsulatedTimeStamp").SetText(base64.StdEncoding.EncodeToString(tok))
	return ts, nil
}

// stamp asks the TSA for a token over input and checks that it is.
func (p *plan) stamp(ctx context.Context, input []byte, what string) ([]byte, *timestamp.Timestamp, error) {
	h := p.hash.New()
	h.Write(input)
	digest := h.Sum(nil)
	tok, err := p.opts.Timestamper.Timestamp(ctx, digest, p.hash)
	if err != nil {
		return nil, nil, fmt.Errorf("time-stamp: %w", err)
	}
	ts, err := timestamp.Parse(tok)
	if err != nil || ts.HashAlgorithm != p.hash || !bytes.Equal(ts.HashedMessage, digest) {
		return nil, nil, ErrIntegrity.Errorf("the time-stamp token is not over the %s", what)
	}
	return tok, ts, nil
}

// place finds where sig goes: it returns the existing element that
// receives new markup, the child to insert before (nil: at the end), and
// the new subtree (sig, or sig wrapped in the missing elements of the
// location).
func (p *plan) place(d *Document, sig *etree.Element) (parent, before, top *etree.Element, err error) {
	loc := p.opts.Location
	if loc == "" {
		if p.opts.Profile == ProfileEInvoiceVN {
			loc = DefaultEInvoiceLocation
		} else {
			loc = "/" + d.Root().FullTag()
		}
	}
	steps := strings.Split(strings.TrimPrefix(loc, "/"), "/")
	if !strings.HasPrefix(loc, "/") || slices.Contains(steps, "") {
		return nil, nil, nil, ErrInvalid.Errorf("location %q is not a path like /HDon/DSCKS/NBan", loc)
	}
	cur := d.Root()
	if !stepMatches(cur, steps[0]) {
		return nil, nil, nil, ErrInvalid.Errorf("location %q: the document element is %s", loc, cur.FullTag())
	}
	i := 1
	for ; i < len(steps); i++ {
		var next *etree.Element
		for _, c := range cur.ChildElements() {
			if stepMatches(c, steps[i]) {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		cur = next
	}
	if i == len(steps) {
		return cur, nil, sig, nil
	}
	if p.opts.Profile != ProfileEInvoiceVN {
		return nil, nil, nil, ErrInvalid.Errorf("location %q: no %s in %s", loc, steps[i], cur.GetPath())
	}
	// Create the missing elements, with the parent's prefix.
	top = nil
	var last *etree.Element
	for _, s := range steps[i:] {
		if strings.Contains(s, ":") {
			return nil, nil, nil, ErrInvalid.Errorf("location %q: cannot create the prefixed %s", loc, s)
		}
		name := s
		if cur.Space != "" {
			name = cur.Space + ":" + s
		}
		el := etree.NewElement(name)
		if last == nil {
			top = el
		} else {
			last.AddChild(el)
		}
		last = el
	}
	last.AddChild(sig)
	// A new signature block goes in DSCKS in the schema's order.
	if cur.Tag == xmlsig.EInvoiceSigs {
		rank := slices.Index(dscksOrder, steps[i])
		for _, c := range cur.ChildElements() {
			if r := slices.Index(dscksOrder, c.Tag); rank >= 0 && r > rank {
				return cur, c, top, nil
			}
		}
	}
	return cur, nil, top, nil
}

func stepMatches(el *etree.Element, step string) bool {
	return el.Tag == step || el.FullTag() == step
}

// envelop makes sig the document element of d, with d's document
// element in a new Object with Id dataID, first among sig's Objects. The
// comments and processing instructions around the old document element
// are dropped: an Object holds elements and text.
func envelop(d *Document, sig *etree.Element, dataID string) {
	root := d.Root()
	if root.SelectAttr("xmlns") == nil {
		root.CreateAttr("xmlns", "")
	}
	obj := etree.NewElement("Object")
	obj.CreateAttr("Id", dataID)
	obj.AddChild(root)
	sig.InsertChildAt(sig.SelectElement("Object").Index(), obj)
	d.SetRoot(sig)
	d.Reindex()
}

// writeElement writes el as markup that parses back to the same tree:
// attributes and text escaped as in canonical form.
func writeElement(b *bytes.Buffer, el *etree.Element) {
	b.WriteString("<" + el.FullTag())
	for _, a := range el.Attr {
		b.WriteString(" " + a.FullKey() + `="` + xmlsig.EscapeAttr(a.Value) + `"`)
	}
	b.WriteString(">")
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			writeElement(b, t)
		case *etree.CharData:
			b.WriteString(xmlsig.EscapeText(t.Data))
		case *etree.Comment:
			b.WriteString("<!--" + t.Data + "-->")
		case *etree.ProcInst:
			b.WriteString(xmlsig.ProcInst(t))
		}
	}
	b.WriteString("</" + el.FullTag() + ">")
}

// earlierSig is a signature of the document before signing, and its
// references as digested then (nil where one could not be).
type earlierSig struct {
	el   *etree.Element
	refs []*xmlsig.Digested
}

// earlierDigests digests every reference of every signature in d that can
// be processed, in document order.
func earlierDigests(d *Document) []earlierSig {
	var out []earlierSig
	for _, el := range d.Signatures() {
		e := earlierSig{el: el}
		if s, err := xmlsig.ReadSignature(el); err == nil {
			for _, r := range s.References {
				dg, err := d.DigestReference(s, r)
				if err != nil {
					dg = nil
				} else {
					dg.Data = nil // not kept: only the digest and the set
				}
				e.refs = append(e.refs, dg)
			}
		}
		out = append(out, e)
	}
	return out
}

// covers reports whether the node set dg digested holds at's content:
// markup added in at may change its digest. Content added elsewhere
// cannot: the set's nodes and the namespaces and xml: attributes in
// scope at its apex are as they were.
func covers(dg *xmlsig.Digested, at *etree.Element) bool {
	return !dg.External && !xmlsig.ContainsExcluded(dg.Excluded, at) && (dg.Target == nil || within(at, dg.Target))
}

// selfCheck parses the signed document out and checks the signature id
// with cert's key, and that the earlier signatures' references digest as
// before.
func selfCheck(out []byte, lim Limits, id string, cert *x509.Certificate, before []earlierSig, detached map[string][]byte) error {
	d, err := Parse(out, lim)
	if err != nil {
		return ErrIntegrity.Errorf("the signed document does not parse: %v", err)
	}
	for uri, content := range detached {
		d.SetDetached(uri, content)
	}
	els := d.ByID(id)
	if len(els) != 1 || !xmlsig.IsSignature(els[0]) {
		return ErrIntegrity.Errorf("the new signature is not found once in the signed document")
	}
	return checkSigned(d, els[0], cert, before)
}

// checkSigned checks the new signature sig of d with cert's key, and that
// the earlier signatures' references digest as before.
func checkSigned(d *Document, sig *etree.Element, cert *x509.Certificate, before []earlierSig) error {
	if err := CheckSignature(d, sig, cert); err != nil {
		return ErrIntegrity.Errorf("the signed document does not verify: %v", err)
	}
	return checkEarlier(d, sig, nil, before)
}

// checkEarlier checks that the references of the signatures of d other
// than sig digest as before. With at, the element the new markup was
// added in, it digests again only the references whose node set holds
// at's content; nil digests every one again (d is a document parsed
// anew).
func checkEarlier(d *Document, sig, at *etree.Element, before []earlierSig) error {
	var others []*etree.Element
	for _, el := range d.Signatures() {
		if el != sig {
			others = append(others, el)
		}
	}
	if len(others) != len(before) {
		return ErrIntegrity.Errorf("%d earlier signatures, %d after signing", len(before), len(others))
	}
	for i, b := range before {
		if at != nil && others[i] != b.el {
			return ErrIntegrity.Errorf("earlier signature %d is not where it was", i+1)
		}
		var s *xmlsig.Signature
		for j, dg := range b.refs {
			if dg == nil || at != nil && !covers(dg, at) {
				continue
			}
			if s == nil {
				var err error
				if s, err = xmlsig.ReadSignature(others[i]); err != nil {
					return ErrIntegrity.Errorf("earlier signature %d no longer reads: %v", i+1, err)
				}
			}
			var after []byte
			if j < len(s.References) {
				if a, err := d.DigestReference(s, s.References[j]); err == nil {
					after = a.Digest
				}
			}
			if !bytes.Equal(dg.Digest, after) {
				return ErrIntegrity.Errorf("signing would change what earlier signature %d, reference %d covers", i+1, j+1)
			}
		}
	}
	return nil
}

// CheckSignature verifies the signature el of d with cert's key: every
// reference resolves, selects something and has its digest, and the
// signature value verifies. It is the core validation of XML-Signature
// 1.1, 3.2, without any judgement of the certificate.
func CheckSignature(d *Document, el *etree.Element, cert *x509.Certificate) error {
	s, err := xmlsig.ReadSignature(el)
	if err != nil {
		return err
	}
	m, ok := xmlsig.SignatureMethod(s.Method)
	if !ok {
		return ErrUnsupported.Errorf("signature method %q", s.Method)
	}
	for _, r := range s.References {
		dg, err := d.DigestReference(s, r)
		if err != nil {
			return fmt.Errorf("reference %q: %w", r.URI, err)
		}
		if dg.Empty {
			return fmt.Errorf("reference %q selects nothing", r.URI)
		}
		if !dg.Match {
			return fmt.Errorf("reference %q: digest mismatch", r.URI)
		}
	}
	si, err := d.SignedInfoBytes(s)
	if err != nil {
		return err
	}
	return xmlsig.VerifyValue(cert.PublicKey, m, si, s.Value)
}

func randomID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// validDetachedURI reports whether uri is a relative file name a detached
// reference may carry: no scheme, query or fragment, no parent directory,
// nothing that needs escaping.
func validDetachedURI(uri string) bool {
	if uri == "" || len(uri) > 255 || strings.HasPrefix(uri, "/") {
		return false
	}
	for _, seg := range strings.Split(uri, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	for _, r := range uri {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/", r)) {
			return false
		}
	}
	return true
}
