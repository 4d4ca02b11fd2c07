// Package xmldsig makes and reads XML signatures (W3C XML-Signature Syntax
// and Processing 1.1): enveloped signatures for Vietnamese e-invoices
// (ProfileEInvoiceVN: Decree 123/2020/ND-CP, Circular 78/2021/TT-BTC) and
// other XML documents (ProfileEnveloped), XAdES B-B, B-T, B-LT and B-LTA
// (ProfileXAdES, ETSI EN 319 132-1; B-LT's validation data from a
// Revocation source, B-LTA's ArchiveTimeStamp over
// ArchiveTimeStampInput), enveloping and detached signatures, many documents
// with one batch call to the signer (SignBatch), and the parsing,
// canonicalisation and reference processing a verifier needs. It decides
// nothing about trust: verifier does.
//
// # Signing
//
// Sign receives a crypto.Signer and the certificate chain (kyso's keys are
// Vault Transit signers; tests hand it in-memory keys) and never sees a
// private key. It signs with RSA PKCS #1 v1.5, RSASSA-PSS (RFC 9231,
// 2.3.10) or ECDSA (value r||s, XML-Signature 1.1, 6.4.3) over SHA-256,
// SHA-384 or SHA-512 — never SHA-1 — with inclusive C14N 1.0 and
// references with the enveloped-signature transform. The signed document
// is the input with the Signature's markup inserted: nothing else is
// rewritten, so earlier signatures (the seller's, when the tax authority
// countersigns) keep their bytes. Trust but verify: the inserted markup is
// parsed again and must be the signature made (an enveloping or detached
// result, written whole, is parsed whole), the new signature is verified
// with the certificate's key, and every reference of every earlier
// signature must digest as before, or Sign returns ErrIntegrity and
// nothing else. Parsing the markup alone rather than the whole signed
// document halved the CPU time of signing a 150 KB e-invoice
// (BenchmarkSign); FuzzSign parses and verifies whole signed documents.
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
// etree's own serialisation is not used either: it writes a newline or tab
// in an attribute value literally, which a parser reads back as a space
// (XML 1.0, 3.3.3), so a re-serialised document would no longer verify.
// Parse builds the etree tree itself from encoding/xml tokens for the same
// reason (encoding/xml does not normalise attribute values) and to enforce
// the limits.
//
// xmldsig must not import kyso's keys, ca, store, verifier or api packages,
// and it does not read files or environment variables. xmltest, beside it,
// makes test documents and runs xmlsec1.
package xmldsig
