// Package etsireport writes kyso's verification report as an ETSI TS 119
// 102-2 validation report: the XML document of namespace
// http://uri.etsi.org/19102/v1.2.1# (TS 119 102-2 v1.2.1 to v1.3.1) that
// EU DSS and other validators produce, so that a court, an archive or
// another validator can file and read kyso's verdict.
//
// # What it owns
//
// Marshal: a verifier.Report (with each signature's Evidence: the chain
// validated and the revocation data used) in, XML out. One
// SignatureValidationReport per signature and document time-stamp; the
// certificates, OCSP responses and CRLs used, and the document's digest,
// as SignatureValidationObjects. The mapping (indications, sub-indications,
// kyso's own URNs where ETSI has none) is in docs/verification.md,
// "ETSI validation report".
//
// # What it must not import
//
// It is pure: no HTTP, no files, no clock (the caller gives the
// validation time). It imports verifier (the report) and nothing else of
// kyso's.
package etsireport
