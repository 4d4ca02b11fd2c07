package verifier

// How an XML document is validated (VerifyXML).
//
// The document is parsed by xmlsig.Parse: no DTD (a document type
// declaration is refused, so no entity is expanded and nothing fetched),
// UTF-8 only, one document element, depth 256, 64 MiB. Every ds:Signature
// element is an entry, in document order, its Field the element's path.
// For each:
//
//  1. The Signature must have the schema's shape (FORMAT_FAILURE).
//  2. Each Reference is resolved in the document only (never fetched): ""
//     and "#id"; an ID carried by more than one element is FORMAT_FAILURE
//     (signature wrapping: the verifier could check one element and the
//     application read the other). Transforms: enveloped-signature, the
//     canonicalisations, base64, and the two XPath filters that leave
//     signatures out; a canonicalisation after octets (exclusive then
//     inclusive, as .NET e-invoice signers chain them) parses the octets
//     and canonicalises that document; others are FORMAT_FAILURE. A
//     reference whose transforms select nothing is FORMAT_FAILURE; a
//     digest that differs HASH_FAILURE. The report lists what each reference covers.
//  3. The signer's certificate is the KeyInfo certificate whose key
//     verifies the signature value (SIG_CRYPTO_FAILURE if none does); a
//     bare KeyValue key is INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND,
//     and so is the key of a certificate crypto/x509 refuses (a negative
//     serial number) when the value verifies with it.
//     SHA-1 anywhere is a warning ("weak"); MD5 and HMAC are unsupported.
//  4. XAdES (QualifyingProperties targeting the signature): the
//     SignedProperties must be the ones a reference covers (else
//     SIGNED_DATA_NOT_FOUND, the DSS XSW case); SigningCertificate(V2)
//     must have the signer's certificate digest (else
//     NO_SIGNING_CERTIFICATE_FOUND); SigningTime is the claimed time;
//     SignatureTimeStamps over the canonical SignatureValue are checked
//     as CMS time-stamps are, and a valid one proves the time (B-T);
//     CertificateValues and RevocationValues feed the chain and status
//     checks. Otherwise the claimed time is the SigningTime of a
//     SignatureProperty a reference covers (the e-invoice layout).
//  5. A signature that signs only its own properties is
//     SIGNED_DATA_NOT_FOUND. So is signature wrapping (wrapped,
//     wrappedInDocument): a reference that covers data inside a
//     signature (an Object) while an element of the same name outside
//     signatures is not covered; data of the document's names in the
//     signature's KeyInfo or Objects that no reference covers; a
//     reference by ID to an element while one of the same name that no
//     signature covers comes first (nearer the document element, or
//     before it at the same depth, as done to SAML). For a signature
//     inside an e-invoice (an HDon element: the document element, or
//     wrapped as in the tax authority's TDiep messages), one that does
//     not cover that HDon's DLHDon — the first, the one an application
//     reads — is SIGNED_DATA_NOT_FOUND, and an HDon with a second DLHDon
//     is FORMAT_FAILURE (applications differ on which one they read); a
//     signature that a reference leaves out (enveloped-signature, a
//     filter) inside that DLHDon is SIGNED_DATA_NOT_FOUND too: unsigned
//     content in the data. The invoice's facts are read from that
//     element's full text (comments do not cut it) and the
//     certificate's MST: compared with the tax code of the block the
//     signature is in (a mismatch is a warning). An e-invoice of the
//     document that no passed signature covers is a document warning and
//     makes Report.Valid false.
//  6. Two signatures whose value verifies the same canonical SignedInfo
//     with the same key are both FORMAT_FAILURE: a copy (a replayed
//     signature, in another party's block, say; ECDSA values are
//     malleable, so not necessarily the same value) is not a second
//     signature, and which is the original cannot be told.
//  7. The chain, validity and revocation are checked as for a CMS
//     signature (validateSigner). A XAdES B-T signature whose
//     CertificateValues and RevocationValues hold its signer
//     certificate's status is B-LT (validated offline with them); with an
//     ArchiveTimeStamp whose token checks out over the input of ETSI EN
//     319 132-1, 5.5.2.2 (xmlsig.ArchiveTimeStampInput) it is B-LTA.
//
// Bounds: the parser's (above), 500 signatures, 64 references and 8
// transforms a signature, and the canonicalisation work of all references
// together, workFactor times the document's size: past it, references are
// FORMAT_FAILURE unprocessed.
//
// Not done: an archive time-stamp does not extend the proof of existence
// past the signature time-stamp's; counter-signatures inside XAdES
// unsigned properties are not validated; XPath other than the two
// signature filters, XSLT, and references outside the document are
// refused rather than processed.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/internal/xmlsig"
)

// XML limits: the DOM of a document takes several times its size, so XML
// input is bounded below Options.MaxSize.
const (
	maxXMLSize  = 64 << 20
	maxXMLDepth = 256
)

// XAdES namespaces (ETSI EN 319 132-1; v1.1.1 for old signatures).
const (
	nsXAdES    = "http://uri.etsi.org/01903/v1.3.2#"
	nsXAdES111 = "http://uri.etsi.org/01903/v1.1.1#"
	nsXAdES141 = "http://uri.etsi.org/01903/v1.4.1#"
	// typeSignedProperties is a Reference's Type for SignedProperties.
	typeSignedProperties = "http://uri.etsi.org/01903#SignedProperties"
)

// VerifyXML validates every XML signature (XML-Signature 1.1, with XAdES
// qualifying properties when present) of the document data, and reports
// for each what its references cover and, for a Vietnamese e-invoice, the
// invoice's facts. It returns an error only when the document cannot be
// read (ErrUnreadable: not well-formed, a DTD, not UTF-8, over a limit) or
// ctx ends. See "How an XML document is validated" at the top of xml.go.
func VerifyXML(ctx context.Context, data []byte, opts Options) (rep *Report, err error) {
	return verifyXMLDoc(ctx, data, "", nil, opts)
}

// VerifyXMLDetached is VerifyXML for a signature document with a detached
// reference: content is what the reference URI uri names (the signed file,
// given by the caller; nothing is fetched).
func VerifyXMLDetached(ctx context.Context, data []byte, uri string, content []byte, opts Options) (*Report, error) {
	if uri == "" {
		return nil, ErrUnreadable.Errorf("detached content without a name")
	}
	return verifyXMLDoc(ctx, data, uri, content, opts)
}

func verifyXMLDoc(ctx context.Context, data []byte, uri string, content []byte, opts Options) (rep *Report, err error) {
	defer func() {
		if e := recover(); e != nil {
			rep, err = nil, ErrUnreadable.Errorf("internal error: %v", e)
		}
	}()
	limit := min(opts.maxSize(), maxXMLSize)
	if len(data) == 0 {
		return nil, ErrUnreadable.Errorf("empty input")
	}
	if int64(len(data)) > limit {
		return nil, ErrUnreadable.Errorf("%d bytes, more than the limit of %d for XML", len(data), limit)
	}
	d, err := xmlsig.Parse(data, xmlsig.Limits{MaxBytes: int(limit), MaxDepth: maxXMLDepth})
	if err != nil {
		return nil, ErrUnreadable.Errorf("%v", err)
	}
	if uri != "" {
		d.SetDetached(uri, content)
	}
	x := &xmlRun{v: newValidator(ctx, &opts), d: d, rep: &Report{}, signed: map[*etree.Element]bool{}, signedBy: map[*etree.Element]string{}, runs: map[*etree.Element]*xmlSig{}, budget: workFactor*int64(len(data)+len(content)) + 1<<20}
	if dups := d.DuplicateIDs(); len(dups) > 0 {
		slices.Sort(dups)
		x.rep.Warnings = append(x.rep.Warnings, fmt.Sprintf("several elements carry the same ID (%s): a signature referencing one of them is refused", strings.Join(dups, ", ")))
	}
	sigs := d.Signatures()
	if len(sigs) == 0 {
		x.rep.Warnings = append(x.rep.Warnings, "the document has no XML signature")
	}
	var entries []*entry
	for i, el := range sigs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e := &entry{out: Signature{Type: TypeSignature, Field: pathOf(el)}}
		entries = append(entries, e)
		if i >= maxSignatures {
			e.fail(TotalFailed, FormatFailure, "the document has more than %d signatures; this one was not processed", maxSignatures)
			continue
		}
		e.safely(func() { x.check(e, el) })
	}
	// A copy of a signature verifies wherever it is put (its references
	// are by Id, or to the whole document), so the seller's signature
	// copied into the buyer's block would show a buyer's signature nobody
	// made. A copy is the same SignedInfo verified by the same key — not
	// the same value: an ECDSA value (r, s) also verifies as (r, n-s).
	// Which of two is the original cannot be told: both fail.
	bySigned := map[string][]string{}
	for _, el := range sigs {
		if k, ok := x.signedBy[el]; ok {
			bySigned[k] = append(bySigned[k], pathOf(el))
		}
	}
	for i, e := range entries {
		if i >= len(sigs) {
			break
		}
		if k, ok := x.signedBy[sigs[i]]; ok && len(bySigned[k]) > 1 {
			e.fail(TotalFailed, FormatFailure, "another signature of the document (%s) is this one's SignedInfo verified by the same key: a copy of one signature, counted once", strings.Join(bySigned[k], ", "))
		}
	}
	x.wrappedInDocument(sigs, entries)
	for i, e := range entries {
		out := e.finish()
		if out.Indication == TotalPassed && i < len(sigs) {
			if data := xmlsig.EInvoiceDataOf(sigs[i]); data != nil {
				x.signed[data] = true
			}
			// An invoice a passed signature's references cover is signed
			// wherever the signature is: an enveloping signature holds
			// the invoice in its Object, outside any HDon.
			if xs := x.runs[sigs[i]]; xs != nil {
				for _, data := range invoiceData(d) {
					if xs.covers(data) {
						x.signed[data] = true
					}
				}
			}
		}
		x.rep.Signatures = append(x.rep.Signatures, out)
	}
	x.rep.finish()
	// An e-invoice no passed signature covers makes the document not
	// valid, whatever its other signatures say: an application may read
	// it (an unsigned HDon slipped into a TDiep message, say).
	for _, data := range invoiceData(d) {
		if !x.signed[data] {
			x.rep.Warnings = append(x.rep.Warnings, fmt.Sprintf("the e-invoice data %s is not covered by a valid signature", pathOf(data)))
			x.rep.Valid = false
		}
	}
	return x.rep, nil
}

// invoiceData returns every DLHDon child of every HDon of d. Not only
// the first: an HDon with a second DLHDon (an unsigned, forged one after
// the signed one) is read differently by different applications —
// XmlSerializer and JAXB keep the last of a repeated element — so every
// one must be covered.
func invoiceData(d *xmlsig.Document) []*etree.Element {
	var out []*etree.Element
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		if el.Tag == xmlsig.EInvoiceRoot {
			for _, c := range el.ChildElements() {
				if c.Tag == xmlsig.EInvoiceData {
					out = append(out, c)
				}
			}
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(d.Root())
	return out
}

// workFactor bounds the canonicalisation work of one document: all its
// references together may digest at most workFactor times its size (plus
// 1 MiB), so that a document cannot make the verifier canonicalise it
// thousands of times (500 signatures of 64 references to URI="").
const workFactor = 16

// xmlRun is the validation of one XML document.
type xmlRun struct {
	v    *validator
	d    *xmlsig.Document
	rep  *Report
	work int64 // bytes digested so far
	// signed holds the e-invoice data (DLHDon) elements that a signature
	// which passed covers.
	signed map[*etree.Element]bool
	// budget is the most bytes the references may digest.
	budget int64
	// runs are the signatures read, by Signature element.
	runs map[*etree.Element]*xmlSig
	// signedBy is, by Signature element, its canonical SignedInfo and
	// the key that verifies it (a signature whose value verifies).
	signedBy map[*etree.Element]string
	// outside indexes the elements outside signatures by name
	// (outsideSignatures).
	outside map[string][]placed
	// data holds the names of the document's data (dataNames).
	data map[string]bool
}

// xmlSig is what the checks of one signature learn.
type xmlSig struct {
	s       *xmlsig.Signature
	covered []*etree.Element // the elements the references name (nil: whole document)
	// excluded are, per element of covered, what that reference's
	// transforms leave out of it (the enveloped signature, signatures
	// an XPath filter removes).
	excluded [][]*etree.Element
	// targets are, per reference of s, the element it names; nil for the
	// whole document or a reference that could not be resolved.
	targets []*etree.Element
	whole   bool // a reference covers the whole document
	// detached is true when a reference covers detached content.
	detached bool
	props    *xadesProps
}

// check validates the signature el into e.
func (x *xmlRun) check(e *entry, el *etree.Element) {
	s, err := xmlsig.ReadSignature(el)
	if err != nil {
		e.fail(TotalFailed, FormatFailure, "the signature cannot be read: %v", err)
		return
	}
	xs := &xmlSig{s: s}
	x.runs[el] = xs
	m, ok := xmlsig.SignatureMethod(s.Method)
	if !ok {
		e.fail(TotalFailed, FormatFailure, "unsupported signature method %q", s.Method)
		return
	}
	e.out.SignatureAlgorithm = methodName(m)
	if m.Hash == crypto.SHA1 {
		e.warn("the signature uses SHA-1, which is weak")
	}
	x.references(e, xs)
	si, err := x.d.SignedInfoBytes(s)
	if err != nil {
		e.fail(TotalFailed, FormatFailure, "SignedInfo cannot be canonicalised: %v", err)
		return
	}
	cert, certs := x.signerCert(e, xs, m, si)
	if cert != nil && !slices.ContainsFunc(e.verdicts, func(v verdict) bool { return v.sub == SigCryptoFailure }) {
		// The value verifies with cert's key (signerCert found it so).
		// The key re-encoded, not as the certificate writes it: another
		// certificate of the same key may encode it otherwise.
		spki, err := x509.MarshalPKIXPublicKey(cert.PublicKey)
		if err != nil {
			spki = cert.RawSubjectPublicKeyInfo
		}
		x.signedBy[el] = string(spki) + "\x00" + string(si)
	}
	e.sd = &cmsasn1.SignedData{Certs: certs}
	if cert != nil {
		e.sc = &signerCheck{cert: cert}
		e.out.Signer = signerOf(cert)
		if k, ok := cert.PublicKey.(interface{ Size() int }); ok && cert.PublicKeyAlgorithm == x509.RSA && k.Size()*8 < 2048 {
			e.warn("the signer's RSA key has %d bits, fewer than 2048", k.Size()*8)
		}
	}
	x.xades(e, xs)
	if xs.props == nil {
		e.out.Level = LevelXMLDSig
		e.claimed = x.signingTime(e, xs)
	}
	x.coverage(e, xs)
	x.wrapped(e, xs)
	if data := xmlsig.EInvoiceDataOf(el); data != nil {
		x.einvoice(e, xs, cert, data)
	}
	if e.sc != nil && !e.failed() {
		validateSigner(x.v, e)
		if xs.props != nil {
			x.ltvLevel(e, xs)
		}
	} else if e.sc != nil {
		e.out.ClaimedTime = formatTime(e.claimed)
		e.out.Chain = chainOf(x.v.displayChain(e.sc.cert, e.sd.Certs))
	}
}

// methodName names a signature algorithm as the CMS verifier does.
func methodName(m xmlsig.Method) string {
	switch {
	case m.Key == xmlsig.KeyEd25519:
		return "Ed25519"
	case m.PSS:
		return "RSASSA-PSS with " + hashName(m.Hash)
	case m.Key == xmlsig.KeyECDSA:
		return "ECDSA with " + hashName(m.Hash)
	}
	return "RSA PKCS#1 v1.5 with " + hashName(m.Hash)
}

// references digests each reference and records what it covers.
func (x *xmlRun) references(e *entry, xs *xmlSig) {
	for _, r := range xs.s.References {
		out := XMLReference{URI: r.URI, Type: r.Type}
		for _, t := range r.Transforms {
			out.Transforms = append(out.Transforms, t.Algorithm)
		}
		h, ok := xmlsig.DigestHash(r.DigestMethod)
		if ok {
			out.DigestAlgorithm = hashName(h)
			if e.out.DigestAlgorithm == "" {
				e.out.DigestAlgorithm = out.DigestAlgorithm
			}
			if h == crypto.SHA1 {
				e.warn("reference %q uses SHA-1, which is weak", r.URI)
			}
		} else {
			out.DigestAlgorithm = r.DigestMethod
		}
		xs.targets = append(xs.targets, nil)
		if x.work > x.budget {
			out.Problem = "not processed: the document's work budget is spent"
			e.fail(TotalFailed, FormatFailure, "the document's signatures ask to canonicalise more than %d bytes, %d times its size: reference %q was not processed", x.budget, workFactor, r.URI)
			e.out.References = append(e.out.References, out)
			continue
		}
		dg, err := x.d.DigestReference(xs.s, r)
		if dg != nil {
			x.work += int64(dg.Octets)
		}
		switch {
		case errors.Is(err, xmlsig.ErrDuplicateID):
			out.Problem = err.Error()
			e.fail(TotalFailed, FormatFailure, "reference %q names an ID that several elements carry: the signature could be checked on one element and the document read from another (signature wrapping)", r.URI)
		case err != nil:
			out.Problem = err.Error()
			e.fail(TotalFailed, FormatFailure, "reference %q cannot be processed: %v", r.URI, err)
		default:
			switch {
			case dg.External:
				out.Covers = "detached: " + r.URI
				xs.detached = true
			case dg.Target == nil:
				out.Covers = "/"
				xs.whole = true
			default:
				out.Covers = pathOf(dg.Target)
			}
			if !dg.External {
				xs.covered = append(xs.covered, dg.Target)
				xs.excluded = append(xs.excluded, dg.Excluded)
				xs.targets[len(xs.targets)-1] = dg.Target
			}
			for _, ex := range dg.Excluded {
				out.Excludes = append(out.Excludes, pathOf(ex))
			}
			out.DigestValid = dg.Match && !dg.Empty
			switch {
			case dg.Empty:
				out.Problem = "the transforms select nothing"
				e.fail(TotalFailed, FormatFailure, "reference %q selects nothing: it signs no data", r.URI)
			case !dg.Match:
				out.Problem = "digest mismatch"
				e.fail(TotalFailed, HashFailure, "the data of reference %q (%s) is not the data signed: it was changed after signing", r.URI, out.Covers)
			}
		}
		e.out.References = append(e.out.References, out)
	}
}

// signerCert finds the signer's certificate among KeyInfo's: the one whose
// key verifies the signature value over si. It returns it (nil if none)
// and all the certificates found, for the chain.
func (x *xmlRun) signerCert(e *entry, xs *xmlSig, m xmlsig.Method, si []byte) (*x509.Certificate, []*x509.Certificate) {
	var certs []*x509.Certificate
	var bad [][]byte
	var badErr error
	for _, der := range xs.s.Certificates {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			bad, badErr = append(bad, der), err
			continue
		}
		certs = append(certs, c)
	}
	if len(bad) > 0 {
		e.warn("%d certificates in KeyInfo could not be parsed", len(bad))
	}
	for _, c := range certs {
		if xmlsig.VerifyValue(c.PublicKey, m, si, xs.s.Value) == nil {
			if len(xs.s.SubjectNames) > 0 && !slices.ContainsFunc(xs.s.SubjectNames, func(n string) bool { return sameDN(n, c) }) {
				e.warn("KeyInfo's X509SubjectName %q does not name the certificate that verifies the signature", xs.s.SubjectNames[0])
			}
			return c, certs
		}
	}
	if len(certs) == 0 && len(bad) > 0 {
		// Certificates crypto/x509 refuses (a negative serial number, as
		// old Windows tools made) still carry a key: a signature value
		// that verifies with it is intact, but whose it is cannot be
		// checked.
		verified, keyed := false, false
		for _, der := range bad {
			if pub := lenientPublicKey(der); pub != nil {
				keyed = true
				verified = verified || xmlsig.VerifyValue(pub, m, si, xs.s.Value) == nil
			}
		}
		switch {
		case verified:
			e.fail(Indeterminate, NoSigningCertificateFound, "the signature value verifies with the key of the certificate in KeyInfo, but that certificate cannot be read (%v): the signer cannot be checked", badErr)
			return nil, certs
		case keyed:
			e.fail(TotalFailed, SigCryptoFailure, "the signature value does not verify with the key of the certificate in KeyInfo")
			return nil, certs
		}
	}
	switch {
	case len(certs) > 0:
		c := certs[0]
		for _, cand := range certs {
			if slices.ContainsFunc(xs.s.SubjectNames, func(n string) bool { return sameDN(n, cand) }) {
				c = cand
				break
			}
		}
		e.fail(TotalFailed, SigCryptoFailure, "the signature value does not verify with the signer's certificate")
		return c, certs
	case xs.s.KeyValue != nil:
		if xmlsig.VerifyValue(xs.s.KeyValue, m, si, xs.s.Value) != nil {
			e.fail(TotalFailed, SigCryptoFailure, "the signature value does not verify with the key in KeyInfo")
		} else {
			e.fail(Indeterminate, NoSigningCertificateFound, "the signature verifies with a bare public key (KeyValue) and carries no certificate: nothing says whose key it is")
		}
	default:
		e.fail(Indeterminate, NoSigningCertificateFound, "the signature carries no certificate or key (KeyInfo)")
	}
	return nil, certs
}

// lenientPublicKey returns the public key of a certificate that
// crypto/x509 does not parse, read from its subjectPublicKeyInfo alone;
// nil if that cannot be found.
func lenientPublicKey(der []byte) crypto.PublicKey {
	var cert struct {
		TBS struct {
			Raw                                       asn1.RawContent
			Version                                   int `asn1:"optional,explicit,default:0,tag:0"`
			Serial, SigAlg, Issuer, Validity, Subject asn1.RawValue
			SPKI                                      asn1.RawValue
		}
		SigAlg asn1.RawValue
		Sig    asn1.BitString
	}
	if rest, err := asn1.Unmarshal(der, &cert); err != nil || len(rest) > 0 {
		return nil
	}
	pub, err := x509.ParsePKIXPublicKey(cert.TBS.SPKI.FullBytes)
	if err != nil {
		return nil
	}
	return pub
}

// sameDN reports whether name, an X509SubjectName, names c's subject:
// compared as written by kyso, by crypto/x509 and, loosely, by its common
// name.
func sameDN(name string, c *x509.Certificate) bool {
	n := strings.Join(strings.Fields(name), " ")
	if n == xmlsig.SubjectName(c) || n == c.Subject.String() || n == dnString(c.RawSubject) {
		return true
	}
	// Windows writes the name its own way (most specific first, S= and
	// E=, OID.0.9.2342.19200300.100.1.1=MST:…, quoted values with
	// commas): compared attribute by attribute, in any order.
	if attrs, ok := parseWindowsDN(name); ok {
		var seq pkix.RDNSequence
		if rest, err := asn1.Unmarshal(c.RawSubject, &seq); err == nil && len(rest) == 0 {
			var want []string
			for _, rdn := range seq {
				for _, atv := range rdn {
					v, isString := atv.Value.(string)
					if !isString {
						return false
					}
					want = append(want, atv.Type.String()+"="+strings.Join(strings.Fields(v), " "))
				}
			}
			slices.Sort(want)
			return slices.EqualFunc(attrs, want, strings.EqualFold)
		}
	}
	return c.Subject.CommonName != "" && strings.Contains(n, "CN="+c.Subject.CommonName)
}

// windowsDNTypes are the attribute type names Windows (and the signing
// tools built on it) write in a distinguished name.
var windowsDNTypes = map[string]string{
	"CN": "2.5.4.3", "SN": "2.5.4.4", "SERIALNUMBER": "2.5.4.5", "C": "2.5.4.6",
	"L": "2.5.4.7", "S": "2.5.4.8", "ST": "2.5.4.8", "STREET": "2.5.4.9",
	"O": "2.5.4.10", "OU": "2.5.4.11", "T": "2.5.4.12", "TITLE": "2.5.4.12",
	"G": "2.5.4.42", "GN": "2.5.4.42", "GIVENNAME": "2.5.4.42",
	"UID": "0.9.2342.19200300.100.1.1", "DC": "0.9.2342.19200300.100.1.25",
	"E": "1.2.840.113549.1.9.1", "EMAIL": "1.2.840.113549.1.9.1", "EMAILADDRESS": "1.2.840.113549.1.9.1",
}

// parseWindowsDN reads a distinguished name as Windows and RFC 4514
// write it: type=value pairs separated by ',', ';' or '+', a value
// quoted ("…", "" or \" for a quote) or with backslash escapes, the type
// a name of windowsDNTypes, OID.n.n… or n.n…. It returns the pairs as
// sorted "oid=value" strings (white space runs folded); false for
// anything else (a hex value, an unknown type name).
func parseWindowsDN(s string) ([]string, bool) {
	var out []string
	for i := 0; i < len(s); {
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, false
		}
		typ := strings.ToUpper(strings.TrimSpace(s[i : i+eq]))
		typ = strings.TrimPrefix(typ, "OID.")
		oid, ok := windowsDNTypes[typ]
		if !ok {
			if _, err := parseDottedOID(typ); err != nil {
				return nil, false
			}
			oid = typ
		}
		i += eq + 1
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var v strings.Builder
		if i < len(s) && s[i] == '"' {
			for i++; ; i++ {
				switch {
				case i >= len(s):
					return nil, false
				case s[i] == '"' && i+1 < len(s) && s[i+1] == '"', s[i] == '\\' && i+1 < len(s):
					v.WriteByte(s[i+1])
					i++
					continue
				case s[i] == '"':
					i++
				default:
					v.WriteByte(s[i])
					continue
				}
				break
			}
			for i < len(s) && s[i] == ' ' {
				i++
			}
			if i < len(s) && !strings.ContainsRune(",;+", rune(s[i])) {
				return nil, false
			}
		} else {
			for ; i < len(s) && !strings.ContainsRune(",;+", rune(s[i])); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				v.WriteByte(s[i])
			}
		}
		i++ // the separator
		val := strings.Join(strings.Fields(v.String()), " ")
		if strings.HasPrefix(val, "#") {
			return nil, false
		}
		out = append(out, oid+"="+val)
	}
	if len(out) == 0 {
		return nil, false
	}
	slices.Sort(out)
	return out, true
}

// parseDottedOID parses n.n.n….
func parseDottedOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, errors.New("not an OID")
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for k, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" {
			return nil, errors.New("not an OID")
		}
		oid[k] = n
	}
	return oid, nil
}

// signingTime returns the SigningTime of a SignatureProperty of the
// signature (the e-invoice layout), if a reference covers it.
func (x *xmlRun) signingTime(e *entry, xs *xmlSig) time.Time {
	for _, o := range xs.s.Objects {
		for _, st := range o.FindElements(".//SigningTime") {
			if !xs.covers(st) {
				e.warn("the signature's SigningTime is not covered by a reference: ignored")
				continue
			}
			t, err := parseXMLTime(xmlsig.Text(st))
			if err != nil {
				e.warn("the signature's SigningTime %q cannot be read", xmlsig.Text(st))
				continue
			}
			return t
		}
	}
	return time.Time{}
}

// covers reports whether el is inside an element a reference covers, and
// not left out by its transforms.
//
// What the transforms leave out is not covered: a reference to the whole
// document (URI="") with the enveloped-signature transform does not sign
// its own Signature, so a SigningTime Object added to it after signing
// must not become the claimed signing time.
func (xs *xmlSig) covers(el *etree.Element) bool {
	for i, c := range xs.covered {
		if xmlsig.ContainsExcluded(xs.excluded[i], el) {
			continue
		}
		if c == nil {
			return true // the whole document
		}
		for p := el; p != nil; p = p.Parent() {
			if p == c {
				return true
			}
		}
	}
	return false
}

// parseXMLTime reads an xsd:dateTime; without a zone it is Vietnam's
// time, as e-invoices write it.
func parseXMLTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		loc := time.UTC
		if !strings.Contains(layout, "Z07") {
			loc = vnZone
		}
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not an xsd:dateTime")
}

// coverage checks that the signature signs data: at least one reference
// must cover something other than the signature's own properties.
func (x *xmlRun) coverage(e *entry, xs *xmlSig) {
	if xs.whole || xs.detached {
		return
	}
	for _, c := range xs.covered {
		if c != nil && !isProperties(c) {
			return
		}
	}
	if len(xs.covered) > 0 {
		e.fail(Indeterminate, SignedDataNotFound, "the signature signs only its own properties, no data")
	}
}

// wrapped refuses signature wrapping into a signature: a reference that
// covers data kept inside a ds:Signature (in an Object, or KeyInfo,
// which nothing reads) while the document, outside every signature, has
// an element of the same name that the signature does not cover. That
// is the classic wrapping attack: the signed element moved into the
// signature, where its digest still matches, and a forged one without
// its Id put where applications read it. An enveloping signature's own
// data (nothing of that name outside) is not affected.
//
// It also refuses unsigned data smuggled into the signature: an element
// inside the signature's KeyInfo or Objects, not of the XML-Signature or
// XAdES vocabulary, that no reference covers and that is named as an
// element of the document outside signatures (as written, or by
// namespace and local name). An enveloped signature can be moved
// anywhere in what it signs, so <Object><SoTien>999</SoTien></Object>
// put before the signed <SoTien>100</SoTien> is what an application that
// looks elements up by name (getElementsByTagName, which matches the
// name as written, whatever its namespace) reads first. (An element in a
// XAdES namespace is not checked: that vocabulary is not listed.)
func (x *xmlRun) wrapped(e *entry, xs *xmlSig) {
	for _, part := range xs.s.Element.ChildElements()[2:] { // KeyInfo, Objects
		if el := x.smuggled(xs, part); el != nil {
			e.fail(Indeterminate, SignedDataNotFound, "the signature holds %s, which it does not sign, with the name of the document's data: an application looking it up by name may read it (signature wrapping)", pathOf(el))
			return
		}
	}
	for i, c := range xs.targets {
		if c == nil || isProperties(c) || !insideSignature(c) {
			continue
		}
		outside := x.outsideSignatures()
		for _, other := range slices.Concat(outside[xmlsig.NamespaceOf(c)+" "+c.Tag], outside[c.FullTag()]) {
			if !xs.covers(other.el) {
				e.fail(Indeterminate, SignedDataNotFound, "reference %q covers %s, inside a signature, while %s of the same name, where applications read it, is not signed (signature wrapping)", xs.s.References[i].URI, pathOf(c), pathOf(other.el))
				return
			}
		}
	}
}

// smuggled returns the first element of el's subtree (nested signatures
// left out: they are checked as entries of their own) that xs does not
// cover and that is named as document data is; nil if none.
func (x *xmlRun) smuggled(xs *xmlSig, el *etree.Element) *etree.Element {
	if xmlsig.IsSignature(el) {
		return nil
	}
	if !signatureVocabulary(el) && !xs.covers(el) {
		names := x.dataNames()
		if names[el.FullTag()] || names["{"+xmlsig.NamespaceOf(el)+"}"+el.Tag] {
			return el
		}
	}
	for _, c := range el.ChildElements() {
		if s := x.smuggled(xs, c); s != nil {
			return s
		}
	}
	return nil
}

// dataNames returns the names of the document's data, the elements
// outside signatures, both as written ("p:local", what DOM's
// getElementsByTagName matches) and expanded ("{ns}local"); computed
// once per document.
func (x *xmlRun) dataNames() map[string]bool {
	if x.data == nil {
		x.data = map[string]bool{}
		for name := range x.outsideSignatures() {
			if ns, local, expanded := strings.Cut(name, " "); expanded {
				x.data["{"+ns+"}"+local] = true
			} else {
				x.data[name] = true
			}
		}
	}
	return x.data
}

// dsVocabulary are the elements of XML-Signature 1.1 (and its 1.1
// namespace) that KeyInfo and Object hold: a trusted list's own
// X509Certificate outside its signature does not make the signature's
// KeyInfo certificate smuggled data.
var dsVocabulary = map[string]bool{
	"KeyInfo": true, "KeyName": true, "KeyValue": true, "RetrievalMethod": true, "X509Data": true,
	"PGPData": true, "SPKIData": true, "MgmtData": true, "X509IssuerSerial": true, "X509IssuerName": true,
	"X509SerialNumber": true, "X509SKI": true, "X509SubjectName": true, "X509Certificate": true,
	"X509CRL": true, "X509Digest": true, "DSAKeyValue": true, "RSAKeyValue": true, "Modulus": true,
	"Exponent": true, "P": true, "Q": true, "G": true, "Y": true, "J": true, "Seed": true,
	"PgenCounter": true, "ECKeyValue": true, "NamedCurve": true, "PublicKey": true, "ECParameters": true,
	"DEREncodedKeyValue": true, "KeyInfoReference": true, "Object": true, "Manifest": true,
	"Reference": true, "Transforms": true, "Transform": true, "XPath": true, "DigestMethod": true,
	"DigestValue": true, "SignatureProperties": true, "SignatureProperty": true,
}

// signatureVocabulary reports whether el is an element of the
// XML-Signature vocabulary or of XAdES (whose names are not checked).
func signatureVocabulary(el *etree.Element) bool {
	switch xmlsig.NamespaceOf(el) {
	case xmlsig.Namespace, dsig11NS:
		return dsVocabulary[el.Tag]
	case nsXAdES, nsXAdES111, nsXAdES141:
		return true
	}
	return false
}

// dsig11NS is the namespace of XML-Signature 1.1's new elements.
const dsig11NS = "http://www.w3.org/2009/xmldsig11#"

// wrappedInDocument refuses signature wrapping inside the document, as
// done to SAML: a reference by ID covers an element while another of the
// same name, which no signature that passed its integrity checks covers,
// comes first where an application looks for it — nearer the document
// element (the signed one moved into a wrapper, a forged one in its
// place) or before it at the same depth (a forged sibling first). Such a
// signature is SIGNED_DATA_NOT_FOUND. Several elements of one name each
// signed by its signer, or only the first signed, pass. Elements outside
// signatures only; the work is linear in the document.
func (x *xmlRun) wrappedInDocument(sigs []*etree.Element, entries []*entry) {
	roots := map[*etree.Element]bool{}
	for i, el := range sigs[:min(len(sigs), len(entries))] {
		xs := x.runs[el]
		if xs == nil || entries[i].failed() {
			continue
		}
		for _, c := range xs.covered {
			if c == nil {
				return // a signature covers the whole document
			}
			roots[c] = true
		}
	}
	// An element outside signatures is covered when it is under a covered
	// root: what the transforms leave out is signatures, never such an
	// element.
	covered := func(el *etree.Element) bool {
		for p := el; p != nil; p = p.Parent() {
			if roots[p] {
				return true
			}
		}
		return false
	}
	depth := func(el *etree.Element) int {
		n := 0
		for p := el.Parent(); p != nil; p = p.Parent() {
			n++
		}
		return n
	}
	// first holds, per name, where its uncovered elements are: the least
	// depth, and at each depth the least position in document order.
	type uncovered struct {
		minDepth int
		atDepth  map[int]int
		pos      map[*etree.Element]int // every element's position
	}
	firsts := map[string]*uncovered{}
	firstOf := func(name string) *uncovered {
		if u, ok := firsts[name]; ok {
			return u
		}
		u := &uncovered{minDepth: -1, atDepth: map[int]int{}, pos: map[*etree.Element]int{}}
		for i, p := range x.outsideSignatures()[name] {
			u.pos[p.el] = i
			if covered(p.el) {
				continue
			}
			d := p.depth
			if u.minDepth < 0 || d < u.minDepth {
				u.minDepth = d
			}
			if _, ok := u.atDepth[d]; !ok {
				u.atDepth[d] = i
			}
		}
		firsts[name] = u
		return u
	}
	for i, el := range sigs[:min(len(sigs), len(entries))] {
		xs := x.runs[el]
		if xs == nil {
			continue
		}
	targets:
		for j, c := range xs.targets {
			if c == nil || isProperties(c) || insideSignature(c) {
				continue
			}
			if c.Tag == xmlsig.EInvoiceData && c.Parent().Tag == xmlsig.EInvoiceRoot {
				continue // judged per invoice (einvoice, invoiceData)
			}
			d := depth(c)
			// By namespace and local name (XPath), and by the name as
			// written (DOM's getElementsByTagName).
			for _, name := range []string{xmlsig.NamespaceOf(c) + " " + c.Tag, c.FullTag()} {
				u := firstOf(name)
				if first, ok := u.atDepth[d]; u.minDepth >= 0 && u.minDepth < d || ok && first < u.pos[c] {
					entries[i].fail(Indeterminate, SignedDataNotFound, "reference %q covers %s, but an element of the same name that no signature covers comes first where an application looks (nearer the document element or before it): signature wrapping", xs.s.References[j].URI, pathOf(c))
					break targets
				}
			}
		}
	}
}

// insideSignature reports whether an ancestor of el is a ds:Signature.
func insideSignature(el *etree.Element) bool {
	for p := el.Parent(); p != nil; p = p.Parent() {
		if xmlsig.IsSignature(p) {
			return true
		}
	}
	return false
}

// outsideSignatures returns the document's elements that are not inside
// a ds:Signature, by namespace and local name ("ns local") and by name as
// written ("p:local", what DOM's getElementsByTagName matches: no space),
// in document order with their depth. It is computed once per document,
// in one walk that carries the namespaces in scope (not a lookup up the
// ancestors for each element).
func (x *xmlRun) outsideSignatures() map[string][]placed {
	if x.outside != nil {
		return x.outside
	}
	x.outside = map[string][]placed{}
	var walk func(el *etree.Element, scope map[string]string, depth int)
	walk = func(el *etree.Element, scope map[string]string, depth int) {
		own := false
		for _, a := range el.Attr {
			if a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns" {
				if !own {
					scope, own = maps.Clone(scope), true
				}
				if a.Space == "" {
					scope[""] = a.Value
				} else {
					scope[a.Key] = a.Value
				}
			}
		}
		ns := scope[el.Space]
		if el.Space == "xml" {
			ns = "http://www.w3.org/XML/1998/namespace"
		}
		if el.Tag == "Signature" && ns == xmlsig.Namespace {
			return
		}
		name := ns + " " + el.Tag
		x.outside[name] = append(x.outside[name], placed{el, depth})
		x.outside[el.FullTag()] = append(x.outside[el.FullTag()], placed{el, depth})
		for _, t := range el.Child {
			if c, ok := t.(*etree.Element); ok {
				walk(c, scope, depth+1)
			}
		}
	}
	walk(x.d.Root(), map[string]string{}, 1)
	return x.outside
}

// placed is an element and its depth (the document element's is 1).
type placed struct {
	el    *etree.Element
	depth int
}

// isProperties reports whether el holds only signature properties
// (SignatureProperties, XAdES SignedProperties) rather than data.
func isProperties(el *etree.Element) bool {
	switch el.Tag {
	case "SignedProperties", "QualifyingProperties", "SignatureProperties", "SignatureProperty":
		return true
	case "Object":
		kids := el.ChildElements()
		return len(kids) > 0 && !slices.ContainsFunc(kids, func(k *etree.Element) bool { return !isProperties(k) })
	}
	return false
}

// pathOf writes el's position: /a/b[2]/c, with an index where siblings
// share the name.
func pathOf(el *etree.Element) string {
	var parts []string
	for e := el; e != nil && e.Parent() != nil; e = e.Parent() {
		p := e.FullTag()
		if par := e.Parent(); par.Parent() != nil {
			n, i := 0, 0
			for _, s := range par.ChildElements() {
				if s.FullTag() == e.FullTag() {
					n++
					if s == e {
						i = n
					}
				}
			}
			if n > 1 {
				p += "[" + strconv.Itoa(i) + "]"
			}
		}
		parts = append(parts, p)
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// einvoice reads the facts of the e-invoice whose data is data (the
// DLHDon of the HDon the signature is in) and checks that the signature
// covers it.
func (x *xmlRun) einvoice(e *entry, xs *xmlSig, cert *x509.Certificate, data *etree.Element) {
	text := func(path string) string {
		if el := data.FindElement(path); el != nil {
			return strings.TrimSpace(xmlsig.Text(el))
		}
		return ""
	}
	inv := &EInvoice{
		Seller:        text("./NDHDon/NBan/Ten"),
		SellerTaxCode: text("./NDHDon/NBan/MST"),
		Buyer:         text("./NDHDon/NMua/Ten"),
		BuyerTaxCode:  text("./NDHDon/NMua/MST"),
		Template:      text("./TTChung/KHMSHDon"),
		Series:        text("./TTChung/KHHDon"),
		Number:        text("./TTChung/SHDon"),
		IssueDate:     text("./TTChung/NLap"),
		Total:         text("./NDHDon/TToan/TgTTTBSo"),
		Currency:      text("./TTChung/DVTTe"),
		DataCovered:   xs.covers(data),
	}
	if !e.claimed.IsZero() {
		inv.SigningTime = formatTime(e.claimed)
	}
	sigEl := xs.s.Element
	if p := sigEl.Parent(); p != nil && p.Parent() != nil && p.Parent().Tag == xmlsig.EInvoiceSigs && p.Parent().Parent() == data.Parent() {
		inv.Block = map[string]string{
			xmlsig.EInvoiceSeller: "seller", xmlsig.EInvoiceBuyer: "buyer",
			xmlsig.EInvoiceTax: "tax_authority", xmlsig.EInvoiceOther: "other",
		}[p.Tag]
	}
	if cert != nil {
		for _, id := range signerOf(cert).Identifiers {
			if v, ok := strings.CutPrefix(id, "MST:"); ok {
				inv.CertificateTaxCode = strings.TrimSpace(v)
				break
			}
		}
	}
	want := map[string]string{"seller": inv.SellerTaxCode, "buyer": inv.BuyerTaxCode}[inv.Block]
	if inv.CertificateTaxCode != "" && want != "" {
		match := inv.CertificateTaxCode == want
		inv.TaxCodeMatch = &match
		if !match {
			e.warn("the certificate's tax code MST:%s is not the %s's tax code %s on the invoice", inv.CertificateTaxCode, inv.Block, want)
		}
	}
	if !inv.DataCovered {
		e.fail(Indeterminate, SignedDataNotFound, "the signature does not cover the invoice data an application reads (%s): its references cover %s", pathOf(data), coveredList(xs))
	}
	// What a reference's transforms leave out (a Signature, by the
	// enveloped-signature transform or a filter) is unsigned: inside the
	// invoice data it is content an application reads and nobody signed.
	// An enveloped signature moved into DLHDon still digests as signed,
	// and its Objects (or text) can carry a forged <TgTTTBSo> that a
	// lookup by name finds first, or text read into the amount.
excluded:
	for _, ex := range xs.excluded {
		for _, el := range ex {
			if xmlsig.ContainsExcluded([]*etree.Element{data}, el) {
				e.fail(Indeterminate, SignedDataNotFound, "the invoice data %s holds %s, which the signature leaves out of what it signs: unsigned content inside the data an application reads", pathOf(data), pathOf(el))
				break excluded
			}
		}
	}
	// One HDon, one DLHDon: with two, applications differ on which is
	// the invoice (the first by path, the last by XmlSerializer or
	// JAXB), so a signed one and a forged one after it cannot be told
	// apart by what an application shows.
	if n := len(data.Parent().SelectElements(xmlsig.EInvoiceData)); n > 1 {
		e.fail(TotalFailed, FormatFailure, "the e-invoice %s has %d DLHDon elements: applications may read another than the one signed", pathOf(data.Parent()), n)
	}
	e.out.EInvoice = inv
}

func coveredList(xs *xmlSig) string {
	var out []string
	for _, c := range xs.covered {
		if c == nil {
			out = append(out, "/")
		} else {
			out = append(out, pathOf(c))
		}
	}
	if len(out) == 0 {
		return "nothing"
	}
	return strings.Join(out, ", ")
}

// xadesProps are the XAdES qualifying properties of a signature.
type xadesProps struct {
	signed   *etree.Element
	unsigned *etree.Element
}

func isXAdES(el *etree.Element, local string) bool {
	if el == nil || el.Tag != local {
		return false
	}
	switch xmlsig.NamespaceOf(el) {
	case nsXAdES, nsXAdES111, nsXAdES141:
		return true
	}
	return false
}

func xadesChild(el *etree.Element, local string) *etree.Element {
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if isXAdES(c, local) {
			return c
		}
	}
	return nil
}

// productionPlace says the SignatureProductionPlace(V2) of XAdES signed
// signature properties (ETSI EN 319 132-1, 5.2.5): its street address,
// city, state or province, postal code and country, as written, joined
// with commas; "" when there is none.
func productionPlace(ssp *etree.Element) string {
	pp := xadesChild(ssp, "SignatureProductionPlaceV2")
	if pp == nil {
		pp = xadesChild(ssp, "SignatureProductionPlace")
	}
	if pp == nil {
		return ""
	}
	var parts []string
	for _, name := range []string{"StreetAddress", "City", "StateOrProvince", "PostalCode", "CountryName"} {
		if el := xadesChild(pp, name); el != nil {
			if t := signerText(xmlsig.Text(el)); t != "" {
				parts = append(parts, t)
			}
		}
	}
	return signerText(strings.Join(parts, ", "))
}

// xades checks the XAdES qualifying properties, if the signature has
// any: the SignedProperties must be the ones a reference covers, the
// signing certificate must be the one they name; SigningTime is the
// claimed time; a SignatureTimeStamp proves when the signature existed.
func (x *xmlRun) xades(e *entry, xs *xmlSig) {
	var qps []*etree.Element
	for _, o := range xs.s.Objects {
		for _, c := range o.ChildElements() {
			if isXAdES(c, "QualifyingProperties") {
				qps = append(qps, c)
			}
		}
	}
	if len(qps) == 0 {
		return
	}
	if len(qps) > 1 {
		e.fail(TotalFailed, FormatFailure, "the signature has %d XAdES QualifyingProperties, want one", len(qps))
		return
	}
	qp := qps[0]
	if xs.s.ID == "" || qp.SelectAttrValue("Target", "") != "#"+xs.s.ID {
		e.fail(TotalFailed, FormatFailure, "the XAdES QualifyingProperties do not target this signature")
		return
	}
	p := &xadesProps{signed: xadesChild(qp, "SignedProperties"), unsigned: xadesChild(qp, "UnsignedProperties")}
	xs.props = p
	e.out.Level = LevelBB
	if p.signed == nil {
		e.fail(Indeterminate, SignedDataNotFound, "the XAdES signature has no SignedProperties")
		return
	}
	signed := false
	for i, r := range xs.s.References {
		if xs.targets[i] == p.signed {
			signed = true
		} else if r.Type == typeSignedProperties {
			e.fail(Indeterminate, SignedDataNotFound, "the reference typed SignedProperties covers %s, not the SignedProperties of the signature's QualifyingProperties (signature wrapping)", e.out.References[i].Covers)
			return
		}
	}
	if !signed {
		e.fail(Indeterminate, SignedDataNotFound, "no reference covers the signature's XAdES SignedProperties: they are not signed")
		return
	}
	ssp := xadesChild(p.signed, "SignedSignatureProperties")
	if st := xadesChild(ssp, "SigningTime"); st != nil {
		if t, err := parseXMLTime(xmlsig.Text(st)); err == nil {
			e.claimed = t
		} else {
			e.warn("XAdES SigningTime %q cannot be read", xmlsig.Text(st))
		}
	}
	e.out.Location = productionPlace(ssp)
	sc := xadesChild(ssp, "SigningCertificateV2")
	if sc == nil {
		sc = xadesChild(ssp, "SigningCertificate")
	}
	switch {
	case sc == nil:
		e.warn("the XAdES signature has no SigningCertificateV2 (ETSI EN 319 132-1, 5.2.2)")
	case e.sc != nil:
		if ok, why := certDigestMatches(sc, e.sc.cert); !ok {
			e.fail(Indeterminate, NoSigningCertificateFound, "the XAdES signing-certificate property does not identify the certificate that verifies the signature: %s", why)
		}
	}
	x.timestamps(e, xs)
	x.xadesValues(e, p)
}

// certDigestMatches reports whether one Cert of a SigningCertificate(V2)
// property has the digest of cert.
func certDigestMatches(sc *etree.Element, cert *x509.Certificate) (bool, string) {
	why := "no Cert"
	for _, c := range sc.ChildElements() {
		if !isXAdES(c, "Cert") {
			continue
		}
		cd := xadesChild(c, "CertDigest")
		if cd == nil {
			why = "a Cert without CertDigest"
			continue
		}
		var alg, val string
		for _, k := range cd.ChildElements() {
			switch k.Tag {
			case "DigestMethod":
				alg = k.SelectAttrValue("Algorithm", "")
			case "DigestValue":
				val = xmlsig.Text(k)
			}
		}
		h, ok := xmlsig.DigestHash(alg)
		if !ok {
			why = fmt.Sprintf("unsupported digest %q", alg)
			continue
		}
		want, err := decodeB64(val)
		if err != nil {
			why = "a CertDigest that is not base64"
			continue
		}
		if bytes.Equal(digest(h, cert.Raw), want) {
			return true, ""
		}
		why = "the CertDigest is not the certificate's digest"
	}
	return false, why
}

func decodeB64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
}

// timestamps checks the XAdES SignatureTimeStamps: RFC 3161 tokens over
// the canonicalised SignatureValue element (ETSI EN 319 132-1, 5.3).
func (x *xmlRun) timestamps(e *entry, xs *xmlSig) {
	unsigned := xadesChild(xs.props.unsigned, "UnsignedSignatureProperties")
	if unsigned == nil {
		return
	}
	valueEl := xs.s.Element.ChildElements()[1]
	for _, ts := range unsigned.ChildElements() {
		if !isXAdES(ts, "SignatureTimeStamp") {
			continue
		}
		c14n := xmlsig.C14N10
		var prefixes []string
		var tokens [][]byte
		for _, c := range ts.ChildElements() {
			switch {
			case c.Tag == "CanonicalizationMethod" && xmlsig.NamespaceOf(c) == xmlsig.Namespace:
				c14n = c.SelectAttrValue("Algorithm", "")
			case isXAdES(c, "EncapsulatedTimeStamp"):
				der, err := decodeB64(xmlsig.Text(c))
				if err != nil {
					e.warn("a XAdES SignatureTimeStamp that is not base64")
					continue
				}
				tokens = append(tokens, der)
			}
		}
		input, err := xmlsig.CanonicalBytes(xmlsig.NodeSet{Doc: x.d, Apex: valueEl}, c14n, prefixes)
		if err != nil {
			e.warn("the XAdES SignatureTimeStamp cannot be checked: %v", err)
			continue
		}
		for _, tok := range tokens {
			t := x.v.checkToken(tok, func(h crypto.Hash) ([]byte, error) {
				if newHash(h) == nil {
					return nil, fmt.Errorf("%w: hash %v", errAlgorithm, h)
				}
				return digest(h, input), nil
			})
			e.tokens = append(e.tokens, t)
			for _, w := range t.warnings {
				e.warn("signature time-stamp: %s", w)
			}
			if !t.ok {
				e.warn("the signature time-stamp is not accepted as proof of the signing time: %s", t.problem)
				continue
			}
			if e.poe.IsZero() || t.info.GenTime.Before(e.poe) {
				e.poe, e.poeTSA = t.info.GenTime, t.tsaName()
			}
		}
	}
	if !e.poe.IsZero() {
		e.out.Level = LevelBT
	}
}

// xadesValues takes the certificates and revocation data of the
// unsigned properties (CertificateValues, RevocationValues) for the chain
// and revocation checks.
func (x *xmlRun) xadesValues(e *entry, p *xadesProps) {
	usp := xadesChild(p.unsigned, "UnsignedSignatureProperties")
	if usp == nil {
		return
	}
	for _, c := range usp.ChildElements() {
		switch {
		case isXAdES(c, "CertificateValues"):
			for _, ec := range c.ChildElements() {
				if !isXAdES(ec, "EncapsulatedX509Certificate") || len(e.sd.Certs) >= maxCerts {
					continue
				}
				if der, err := decodeB64(xmlsig.Text(ec)); err == nil {
					if cert, err := x509.ParseCertificate(der); err == nil {
						e.sd.Certs = append(e.sd.Certs, cert)
					}
				}
			}
		case isXAdES(c, "RevocationValues"):
			for _, v := range c.FindElements(".//*") {
				if len(e.cmsRev.ocsps)+len(e.cmsRev.crls) >= maxRevocation {
					break
				}
				der, err := decodeB64(xmlsig.Text(v))
				if err != nil {
					continue
				}
				switch {
				case isXAdES(v, "EncapsulatedOCSPValue"):
					e.cmsRev.ocsps = append(e.cmsRev.ocsps, der)
				case isXAdES(v, "EncapsulatedCRLValue"):
					e.cmsRev.crls = append(e.cmsRev.crls, der)
				}
			}
		}
	}
}

// ltvLevel raises a XAdES B-T signature to B-LT when its
// CertificateValues and RevocationValues give the signer certificate's
// status as of after its signature time-stamp, so that it can be
// validated offline (ETSI EN 319 132-1, 6.3),
// and to B-LTA when an ArchiveTimeStamp over the signature, its
// properties and these values checks out (5.5.2).
func (x *xmlRun) ltvLevel(e *entry, xs *xmlSig) {
	usp := xadesChild(xs.props.unsigned, "UnsignedSignatureProperties")
	if e.out.Level != LevelBT || usp == nil || xadesChild(usp, "CertificateValues") == nil || xadesChild(usp, "RevocationValues") == nil {
		return
	}
	ch := x.v.buildChain(e.sc.cert, e.poe, e.sd.Certs)
	if len(ch.chain) < 2 {
		return
	}
	var st revStatus
	x.v.statusIn(&st, &revData{ocsps: e.cmsRev.ocsps, crls: e.cmsRev.crls}, ch.chain[0], ch.chain[1], "the signature's RevocationValues")
	switch {
	case !st.checked:
		e.warn("the XAdES RevocationValues hold no status of the signer's certificate: the signature is not B-LT")
		return
	case !st.revoked && st.goodUntil.Before(e.poe.Truncate(time.Second)):
		// As for PAdES: the status must be from after the signature
		// (its time-stamp), to the second that OCSP and CRLs carry.
		e.warn("the XAdES RevocationValues give the signer certificate's status as of %s, before the signature time-stamp: the signature is not B-LT", formatTime(st.goodUntil))
		return
	}
	e.out.Level = LevelBLT
	for _, ats := range usp.ChildElements() {
		if !isXAdES(ats, "ArchiveTimeStamp") {
			continue
		}
		c14n := xmlsig.C14N10
		var tokens [][]byte
		for _, c := range ats.ChildElements() {
			switch {
			case c.Tag == "CanonicalizationMethod" && xmlsig.NamespaceOf(c) == xmlsig.Namespace:
				c14n = c.SelectAttrValue("Algorithm", "")
			case isXAdES(c, "EncapsulatedTimeStamp"):
				if der, err := decodeB64(xmlsig.Text(c)); err == nil {
					tokens = append(tokens, der)
				}
			}
		}
		input, err := x.d.ArchiveTimeStampInput(xs.s, ats, c14n)
		if err != nil {
			e.warn("the XAdES ArchiveTimeStamp cannot be checked: %v", err)
			continue
		}
		for _, tok := range tokens {
			t := x.v.checkToken(tok, func(h crypto.Hash) ([]byte, error) {
				if newHash(h) == nil {
					return nil, fmt.Errorf("%w: hash %v", errAlgorithm, h)
				}
				return digest(h, input), nil
			})
			if !t.ok {
				e.warn("the archive time-stamp is not accepted: %s", t.problem)
				continue
			}
			e.out.Level = LevelBLTA
		}
	}
}
