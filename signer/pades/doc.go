// Package pades signs PDF documents with PAdES baseline signatures (ETSI EN
// 319 142-1) at levels B-B, B-T, B-LT and B-LTA.
//
// # What it owns
//
// The PDF side of signing: the incremental update that adds a signature
// dictionary (ISO 32000-1, 12.8.1) with /ByteRange and /Contents; the
// signature field, new or an existing empty one, its widget and appearance;
// certification (DocMDP, 12.8.2.2) and approval signatures; the Document
// Security Store with its VRI entries (ETSI EN 319 142-1, 5.4; ISO 32000-2,
// 12.8.4.3) for B-LT; the document time-stamp (ETSI.RFC3161, ISO 32000-2,
// 12.8.5) for B-LTA; and the check of its own output. Extend raises a
// document signed by anyone to B-LT or B-LTA the same way, gathering and
// checking the validation data of every signature and document
// time-stamp it holds (extend.go); LastTimestamp reads what an archive
// renewal policy judges.
//
// # What comes from elsewhere
//
// PDF parsing is digitorus/pdf's. The read-back check finds signatures
// through the form and parses their CMS with kyso's one CMS reader,
// internal/cmsasn1's (the verifier's), not with the code that wrote it;
// time-stamp tokens are checked with digitorus/timestamp. Tests confirm
// that pkcs7, openssl and poppler read the output. The detached CMS over the byte range's digest comes from
// signer/cms (SignDigest: PKCS #1 v1.5, RSASSA-PSS per RFC 4056 or ECDSA,
// ESS signing-certificate-v2, no signing-time for PAdES, the signature
// time-stamp as an unsigned attribute). Time-stamp tokens come from a
// Timestamper (signer/tsa in process) and OCSP responses and CRLs from a
// Revocation (the CA in process); both are small interfaces declared here.
// Visible signatures are drawn by an AppearanceFunc (signer/appearance) or,
// without one, by a plain default.
//
// Why not pdfsign's writer: pdfsign v1.0.0-rc2 makes the CMS itself with
// digitorus/pkcs7 (no RSASSA-PSS, no way to hand it a CMS), fetches
// time-stamps only over HTTP from a URL, names every new field "Signature
// N", cannot sign an existing empty field, draws visible widgets only for
// approval signatures, rewrites /AcroForm keeping only /Fields and
// /SigFlags, writes no /Perms for certification and no DSS, and holds
// several copies of the file in memory. Each of those is something kyso
// needs, so this package writes the incremental updates itself, on
// digitorus/pdf's parser.
//
// # Ordering invariants
//
// Every change is an incremental update (ISO 32000-1, 7.5.6): the input's
// bytes are written out unchanged and each update only appends objects, a
// cross-reference section in the input's style (table or stream) and a
// trailer whose /Prev points back. A signature's /ByteRange therefore stays
// valid through the DSS and document time-stamp updates that follow it.
// /ByteRange and the size of /Contents are fixed before the digest is
// taken; if the CMS or token does not fit, the update is rebuilt and signed
// again once. Nothing is written to the output until every signature and
// time-stamp added has been read back and verified; the input is streamed,
// never held in memory.
//
// # Dependencies
//
// pades sees keys only as crypto.Signer. It imports signer/cms; it must not
// import kyso's keys, store, api or ca packages (nor verifier), and it reads
// no files or environment variables.
package pades
