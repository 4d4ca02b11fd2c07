// Package xmlsig reads XML signatures (W3C XML-Signature Syntax and
// Processing 1.1) for both sides of kyso: signer/xmldsig, which makes
// them, and the verifier, which judges them and imports no signing format
// package (docs/architecture.md). It parses documents, canonicalises them,
// reads ds:Signature elements, resolves and digests their references,
// checks signature values, computes the input of a XAdES
// ArchiveTimeStamp, and finds the invoice data of a Vietnamese e-invoice
// (Circular 78/2021/TT-BTC). It decides nothing about trust: the verifier
// does.
//
// # Reading
//
// Parse is strict where XML readers differ (see its comment): no DTD, no
// entity but the predefined ones, UTF-8, bounded depth and size, attribute
// values normalised as XML 1.0 says. Canonicalize implements Canonical
// XML 1.0 and 1.1 and Exclusive XML Canonicalization 1.0, with and without
// comments, over a whole document or a subtree less some elements.
// DigestReference follows same-document references only (nothing is ever
// fetched), refuses an ID that several elements carry (ErrDuplicateID),
// applies the enveloped-signature, canonicalisation and base64 transforms
// and the two XPath filters signature software uses to leave signatures out
// (not(ancestor-or-self::ds:Signature) and the Filter 2.0 subtraction of
// ds:Signature); any other transform is ErrUnsupported.
//
// # Writing into a parsed document
//
// A signer builds its signature in the parsed tree, so that references
// resolve and canonical forms are computed in place (NewDocument, SetRoot,
// SetID, Reindex), and inserts its markup into the input's bytes with
// Splice; nothing else of the input is rewritten. The escaping of
// Canonical XML (EscapeText, EscapeAttr, ProcInst, InScope) is the one
// signer/xmldsig writes markup with.
//
// # Why not goxmldsig
//
// github.com/russellhaering/goxmldsig v1.6.1 was read and tried for each
// piece; none fits, so only its DOM, github.com/beevik/etree, is used:
//   - its C14N 1.0 canonicaliser copies the ancestors' namespace
//     declarations and xml: attributes onto the apex over the element's
//     own: <c xmlns:a="urn:B"> under <r xmlns:a="urn:A"> canonicalises with
//     xmlns:a="urn:A", and <c xmlns=""> under a default namespace gets that
//     namespace — a different document, and a digest no other
//     implementation computes;
//   - its signing makes one reference, to the element that then contains
//     the signature, with no Object (the e-invoice SigningTime reference)
//     and no other placement (the e-invoice signature sits in
//     DSCKS/NBan, beside the data it signs);
//   - it writes ECDSA signature values as ASN.1 DER instead of r||s, which
//     xmlsec1 rejects, and has no RSASSA-PSS;
//   - its validation accepts one reference that must be the element
//     passed in (SAML's shape), not the multi-reference signatures of
//     e-invoices and XAdES.
//
// etree's own serialisation is not used either, here or in signer/xmldsig:
// it writes a newline or tab in an attribute value literally, which a
// parser reads back as a space (XML 1.0, 3.3.3), so a re-serialised
// document would no longer verify.
// Parse builds the etree tree itself from encoding/xml tokens for the same
// reason (encoding/xml does not normalise attribute values) and to enforce
// the limits.
//
// xmlsig imports no kyso package but errkind, and it does not read files or
// environment variables.
package xmlsig
