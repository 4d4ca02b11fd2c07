// Package xmldsig makes XML signatures (W3C XML-Signature Syntax and
// Processing 1.1): enveloped signatures for Vietnamese e-invoices
// (ProfileEInvoiceVN: Decree 123/2020/ND-CP, Circular 78/2021/TT-BTC) and
// other XML documents (ProfileEnveloped), XAdES B-B, B-T, B-LT and B-LTA
// (ProfileXAdES, ETSI EN 319 132-1; B-LT's validation data from a
// Revocation source, B-LTA's ArchiveTimeStamp over
// xmlsig's ArchiveTimeStampInput), enveloping and detached signatures, and
// many documents with one batch call to the signer (SignBatch). It decides
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
// The reading of XML signatures — Parse, canonicalisation, references,
// signature values, the e-invoice data — is internal/xmlsig's, shared with
// the verifier (which imports no signing format package); so is the
// reason github.com/russellhaering/goxmldsig is not used. Sign parses its
// input with it, builds the Signature in the parsed tree and inserts the
// markup with xmlsig's Document.Splice. This package keeps for its callers
// the names its API needs: Limits, Document, Parse (for CheckSignature),
// DefaultMaxBytes and the parse errors Sign returns.
//
// xmldsig must not import kyso's keys, ca, store, verifier or api packages,
// and it does not read files or environment variables. xmltest, beside it,
// makes test documents and runs xmlsec1.
package xmldsig
