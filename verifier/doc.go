// Package verifier validates signed PDF documents (PAdES and the older
// adbe.pkcs7 signatures, document time-stamps) and detached CMS signatures,
// and writes a validation report in the style of ETSI EN 319 102-1.
//
// # What it owns
//
// VerifyPDF, VerifyCMS and VerifyXML, the Report they return, the reading
// of one trust directory (ReadTrustDir), and every decision about a
// signature: its integrity, who signed it, when, whether the certificate
// was good then, and what changed in the document after it. What is
// trusted is not decided here: the caller hands it in Options (the roots,
// intermediates and kyso's registry), which package truststore builds
// from the trust directories, the configuration and kyso's database, and
// app.Verify passes on. It is the core of kyso's verification API, CLI and
// web page, which reach it through app.Verify; it has no HTTP, no CLI and
// reads no configuration, environment or files except in ReadTrustDir.
// It does no networking either: a verdict depends on the document and the
// trust snapshot only, and what verify.online fetches comes through
// RevocationFetcher (Options.Online).
//
// # What it must not import
//
// kyso's api, app, cmd, keys, store, truststore and ca packages: kyso's
// own certificate registry is reached through RevocationChecker, an
// interface declared here (truststore.Store implements it from kyso's
// database; RegistryFromOCSP adapts the CA's in-process OCSP responder).
// Nor net/http, even through another package (internal/archtest holds
// it to that): the online revocation data of verify.online comes through
// RevocationFetcher, declared here, which truststore.OnlineRevocation
// implements over HTTP.
// Dependencies: digitorus/pdf (kyso's patched copy, for the object model),
// golang.org/x/crypto (cryptobyte, ocsp), internal/cmsasn1 (kyso's one
// CMS, ESS and TSTInfo reader and the OIDs; it reads, the verifier judges). It does not use pdfsign's verify
// package, digitorus/pkcs7 or digitorus/timestamp to decide anything: see
// "Upstream flaws found". Tests use signer/pades, signer/cms, signer/tsa
// and internal/testpdf to make documents, and pkcs7/timestamp to confirm
// the flaws below; pdfsign's are confirmed in the tools module
// (tools/interop), which keeps pdfsign out of kyso's module.
//
// # How a PDF is validated
//
// Every signature field of the interactive form with a value is found (the
// field tree walked with loop and size limits), once per signature
// dictionary, and reported in the order of the revisions it signs. A
// malformed signature is TOTAL_FAILED/FORMAT_FAILURE, never skipped; a
// panic in its processing is recovered into the same. A sub-filter kyso
// does not know (adbe.x509.rsa_sha1, a vendor's own) is
// INDETERMINATE/FORMAT_FAILURE: what cannot be processed is not proven
// bad. PBAD.PAdES (ICP-Brasil) is a detached CMS and is validated as one.
// For each:
//
//  1. /ByteRange: four integers, starting at 0, within the file — checked
//     before anything is allocated from them; the gap between the two
//     ranges is read (at most 32 MiB) and must be exactly a hexadecimal
//     string equal to the dictionary's /Contents. The bytes covered plus
//     the gap are therefore the file's first N bytes: the signed revision.
//     That revision must itself hold the signature dictionary (a
//     dictionary added later that points at another signature's bytes is
//     FORMAT_FAILURE).
//  2. The CMS (DER, or BER re-encoded; RFC 5652) is parsed by this package.
//     The digest of the signed bytes must be the message-digest attribute
//     (HASH_FAILURE); the content-type attribute must be present and name
//     the encapsulated type (id-data; FORMAT_FAILURE). The signed
//     attributes must be DER (RFC 5652, 5.3: the signature is over their
//     DER encoding): attributes written otherwise — out of SET OF order,
//     as node-signpdf and the signers of DSS's five-signature test file
//     write them — verify over the bytes as written but not over their
//     DER encoding, which EU DSS checks; kyso does not say valid where
//     validators disagree: INDETERMINATE/FORMAT_FAILURE.
//  3. The signer's certificate is the one the SignerInfo's sid names
//     (issuer and serial number, or subject key identifier), among the
//     CMS's and the DSS's certificates — never the first certificate. If
//     several match, the one whose key verifies the signature is taken.
//     RSA PKCS #1 v1.5, RSASSA-PSS (RFC 4056 parameters), ECDSA and Ed25519
//     are verified (SIG_CRYPTO_FAILURE; an RSA value whose DigestInfo
//     names another hash than the algorithm the SignerInfo names is said
//     to be mislabelled, not made with another key). An ESS
//     signing-certificate or
//     signing-certificate-v2 attribute must identify that certificate
//     (INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND). SHA-1 is reported as
//     weak, MD5 is refused (CRYPTO_CONSTRAINTS_FAILURE_NO_POE).
//  4. Signature time-stamps (RFC 3161 tokens in the unsigned attributes)
//     are verified like a signature (sid, content-type id-ct-TSTInfo,
//     message-digest, ESS), their imprint must be over the signature value,
//     and the TSA certificate must have the timeStamping extended key
//     usage, chain to a trust anchor at genTime and not be revoked before
//     it. A signature time-stamp that fails is ignored with a warning
//     (unsigned attributes can be changed by anyone): it proves nothing.
//     Document time-stamps (ETSI.RFC3161) are entries of their own,
//     checked the same way over their byte range.
//  5. Proof of existence: the earliest genTime of a valid signature
//     time-stamp, or of a valid document time-stamp covering the
//     signature's revision, is the proven time. Without one, the claimed
//     time (/M or signing-time) is shown and said to be unproven.
//  6. The chain: crypto/x509 builds it to Options.Roots (only those: the
//     system's TLS roots are never trusted for documents) through the
//     trust directory's intermediates, the DSS's and the CMS's
//     certificates, valid at the proven time, else now. A chain that exists
//     only at another time gives EXPIRED/NOT_YET_VALID (TOTAL_FAILED) when
//     the proven time is outside a certificate's validity, and
//     OUT_OF_BOUNDS_NO_POE when nothing is proven and the certificate is not
//     valid now — an expired certificate with a good earlier time-stamp
//     passes. No chain: INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND. A chain
//     crypto/x509 refuses only because a CA certificate (or the signer's)
//     is signed with SHA-1 — the Vietnamese Government CA's G1 — is built
//     by weakSearch, with all of crypto/x509's path rules, and passes with
//     a warning per SHA-1 signature; it needs the trust directory's
//     certificates as a list (Options.TrustCerts) when the document does
//     not carry them. The signer's key usage must allow digitalSignature
//     or nonRepudiation and an extended key usage, if present, must allow
//     document signing (any, e-mail protection, RFC 9336 document signing,
//     Adobe's and Microsoft's document-signing purposes), else
//     INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE: a certificate made only for
//     TLS (kyso's tls-client certificates, whose keys the client systems
//     hold), OCSP, time-stamping or code signing never signs a document.
//  7. Revocation, for every certificate of the chain but the root: kyso's
//     registry (Options.Revocation), OCSP responses and CRLs of the DSS and
//     of the CMS (its crls field and Adobe's adbe-revInfoArchival
//     attribute), and, if Options.Online, the certificate's OCSP responders
//     then CRL distribution points (http and https URLs), asked through
//     Options.Online (truststore.OnlineRevocation: 5 s each,
//     size-bounded) and their answers judged like the document's. An OCSP
//     response counts if signed by the issuer or by a responder
//     certificate the issuer issued with id-kp-OCSPSigning, for a CertID
//     naming the issuer; a CRL if the issuer signed it. A revocation
//     reported by any source wins. Revoked before the proven time, or
//     before the time the signer claims: TOTAL_FAILED/REVOKED; revoked with
//     nothing proven: INDETERMINATE/REVOKED_NO_POE (REVOKED_CA_NO_POE for a
//     CA); revoked after the proven time: passed, with a warning. No status
//     of the signer's certificate from any source is
//     INDETERMINATE/TRY_LATER (the revocation policy: ETSI EN 319 102-1,
//     5.2.6, and EU DSS's default policy), whose detail says whether the
//     document holds nothing about it or responses that cannot be used,
//     and why, and whether online checking was on; for a CA certificate it
//     is a warning ("revocation status not checked"). TRY_LATER is the
//     sub-indication only when no other check failed (finish).
//     Signature.Revocation says where the signer's status came from.
//  8. Changes after the signature (below); any change not allowed is
//     TOTAL_FAILED/CHANGED_AFTER_SIGNING, kyso's extension of the
//     sub-indications; an allowed change drawn over what the signature
//     signed is INDETERMINATE/CHANGED_AFTER_SIGNING.
//  9. Level: "not PAdES" for adbe.pkcs7.*; for ETSI.CAdES.detached, B-B,
//     B-T with a proven time, B-LT when the DSS also gives the signer
//     certificate's status as of after the signature (or has a VRI entry
//     for it), B-LTA when a valid document time-stamp covers such a DSS.
//
// The indication is the most severe of the checks' (TOTAL_FAILED, then
// INDETERMINATE), the first such check giving the sub-indication and
// Detail; the others go to Warnings. Report.Valid is true only with at
// least one entry and all TOTAL_PASSED.
//
// # Change analysis
//
// The signed revision is opened as a PDF of its own (the file's first N
// bytes) and compared with the final file: objects whose cross-reference
// entries differ (and, when a later revision redefines an object stream,
// the objects in it) are compared by content — direct values exactly,
// references by number, streams by position in the file or, if moved, by
// decoded content (a stream that cannot be decoded counts as changed) —
// and, where that differs, by resolved value (same.go: references
// followed, so an object moved to a new number with the same content is
// no change, as EU DSS compares revisions).
// Each changed, added or deleted object is classified by what it is used
// for in either revision, found by walking both from the trailer: the
// catalog, the page tree, each page's content streams, resources,
// annotations and their appearances, the form's fields, their values and
// signature dictionaries, the DSS, metadata, the structure tree, other
// catalog entries. The catalog, the form's field list and the page list
// are also compared as a whole. Kinds (Change*): signature_added,
// document_timestamp_added and dss_updated are allowed (after DocMDP P=1
// only the last two); form_filled, empty signature fields and metadata are
// allowed unless P=1; annotation_* only without certification or with
// P=3; page_content_modified, resources_modified, page_added,
// page_removed, page_modified, signature_modified, form_field_*,
// catalog_modified (including /OpenAction, /Names, /Perms...),
// form_modified (other than /Fields, /SigFlags, /DR, /DA) and
// object_modified are never allowed. Objects no revision uses are counted
// as unreferenced (allowed). This is what catches incremental saving
// attacks (content appended after an approval signature), signature
// wrapping (the byte range is pinned to a whole prefix of the file and
// the gap may hold nothing but the hex string) and shadow attacks
// (hide/replace: changed resources, fonts, XObjects, optional content or
// form values are named; replace-by-form-value is named form_filled and is
// allowed as DocMDP P≥2 allows it, so the report shows it). Field locks
// (fieldmdp.go: the signature's FieldMDP references and its field's
// /Lock) make a later fill or signature of a locked field a
// locked_field_modified change, not allowed. The overlap rule (overlap.go)
// then judges the effect of allowed changes: an annotation or field
// appearance added, changed or removed after the signature and drawn over
// the signed revision's text, images or annotations of that page
// (contentbox.go) is a drawn_over_signed_content change and makes the
// signature INDETERMINATE — a shadow attack's "hide" or "replace" — unless
// it is the widget of a later signature that is itself TOTAL_PASSED.
// docs/verification.md, "Allowed changes", states the rules and what they
// leave out.
//
// # Bounds
//
// Inputs larger than Options.MaxSize (256 MiB by default) are refused;
// /ByteRange is checked against the file before use; /Contents at most
// 32 MiB; at most 500 signatures, 1000 certificates and 500 OCSP
// responses or CRLs per source; BER is re-encoded in two linear passes
// with a depth limit; the form, page tree (20,000 pages) and object walks
// are bounded (depth, count, 2 Mi visits) and detect reference loops — a
// document too large to analyse fully gets a not_analysed change, which is
// not allowed; the signed bytes are hashed in 64 KiB blocks, never held in
// memory. digitorus/pdf's own
// limits (KYSO-PATCHES.md) bound parsing.
//
// # Reading the document
//
// The final file and each signed revision (the file's first N bytes) are
// read once each (reading.go), as viewers read them (ISO 32000-1,
// 7.5.4-7.5.8; kyso's patches 13 and 27-37 to digitorus/pdf): from the
// last startxref, with or without %%EOF after it; classic tables and
// cross-reference streams, /Prev chains mixing them, hybrid-reference
// files (a table's /XRefStm stream, read after the table's in-use entries
// and before its free ones, as qpdf does); the first section that mentions
// an object, in use or free, decides it; an object of an object stream is
// the one at its cross-reference entry's index. What readers read
// differently is an error: an object stream listing an object twice with
// different bytes, a dictionary key given twice with different values, an
// integer out of range, an object of an object stream that runs past the
// next object's offset (poppler and pdf.js read it only up to there) or
// object-stream offsets that decrease (they reject the stream).
//
// A revision is ambiguous, and every signature whose signed revision, or
// whose document as it is now, is ambiguous is
// INDETERMINATE/AMBIGUOUS_REVISION, when:
//   - its cross-reference data cannot be followed: it is then read from
//     the object definitions found by scanning the file, object streams
//     included (pdf.ScanObjects), as viewers rebuild a damaged file's
//     table, each in their own way;
//   - or, followed, it differs from that rebuilt reading in an object the
//     catalog reaches (an object defined again where the table does not
//     point, an entry pointing at the wrong place), or such an object is
//     defined again on a line of its own inside another object's data
//     (pdf.Scan.Hidden: poppler's rebuild reads the file line by line), or
//     has a definition of a higher generation before its last one
//     (pdf.Scan.Outranked: poppler's rebuild keeps it), or the file has a
//     trailer on a line of its own inside another object's data (poppler's
//     rebuild takes its /Root), or such an object is free in a
//     hybrid-reference table and in use in its /XRefStm stream
//     (pdf.Reader.FreedInTable: kyso reads it in use, as qpdf; poppler
//     free, and it then rebuilds the table from plain definitions), or
//     the trailer's /Root is not an indirect reference (poppler rebuilds
//     the table too): a viewer that finds anything to repair shows the
//     other object;
//   - or such an object (or one the trailer's /Info reaches) cannot be
//     read, a reference names another generation than the object's entry
//     or an object no section defines (poppler then rebuilds the table by
//     scanning the file line by line, stream data included), or a
//     stream's /Length does not end at endstream (qpdf and poppler then
//     read up to endstream).
//   - or it is a linearized file to poppler and pdf.js (its first object
//     a dictionary with /Linearized whose /L is the revision's length),
//     which they read from the cross-reference section after that object
//     instead of from startxref, and that reading differs from kyso's in
//     an object the catalog reaches, or cannot be followed.
//
// The change analysis then still runs on kyso's reading, so a change it
// finds is reported (TOTAL_FAILED/CHANGED_AFTER_SIGNING wins). The
// differential test (qpdfdiff_test.go) holds the reading to qpdf's: for
// every PDF the tests have, the objects the catalog reaches in the final
// and in each signed revision are qpdf's, or kyso finds the revision
// ambiguous and does not say valid; a file qpdf cannot read is ambiguous,
// and one qpdf repairs is not valid. Honest files are never ambiguous but
// for one DSS test file whose last /Prev is 0 (qpdf reads no page in it,
// poppler rebuilds its table and shows its pages).
//
// # Not done
//
// Signature policies are not checked; revocation data is not required to be fresher than the
// proven time, and its own proof of existence is not tracked (ETSI EN 319
// 102-1's full long-term validation); indirect and delta CRLs are not
// used; certificates with negative serial numbers do not parse
// (crypto/x509 refuses them, so such signers are
// NO_SIGNING_CERTIFICATE_FOUND — dss/PAdES-LT.pdf's first signer — and a
// trust directory leaves such a file out with a warning);
// adbe.x509.rsa_sha1 signatures are not processed
// (INDETERMINATE/FORMAT_FAILURE); encrypted documents are read with the
// empty user password only.
//
// # Upstream flaws found
//
// Confirmed on this machine by upstream_test.go against the versions in
// go.mod (digitorus/pkcs7 and timestamp of 2026-09-14, x/crypto v0.58.0)
// and, for pdfsign, by tools/interop's upstream_test.go against the
// version in tools/go.mod (pdfsign v1.0.0-rc2), whose TestUpstreamPdfsign…
// each have their verifier's half here (TestNoPdfsign…), for the
// maintainers:
//
//   - pdfsign verify takes the first certificate of the CMS as the
//     signer's: SignatureVerifyResult.Certificate (and the signer shown) is
//     Certificates[0], although pkcs7 checks the signature with the
//     certificate the sid names. The certificate set is not signed, so an
//     attacker who signs with their own key and puts an official's real
//     certificate first is reported as that official
//     (TestUpstreamPdfsignFirstCertificate).
//   - pdfsign verify never checks what an approval (non-certification)
//     signature covers: content appended in a later incremental update —
//     a changed page content stream — leaves the signature valid
//     (TestUpstreamPdfsignCoverage). Only DocMDP of certification
//     signatures is looked at.
//   - pdfsign's Verify().Valid() is true when no signature was processed:
//     a signature whose CMS does not parse is skipped ("legacy behaviour"),
//     Count() is 0, Err() is nil and Valid() loops over nothing
//     (TestUpstreamPdfsignValidWithoutSignatures).
//   - pdfsign verify allocates from /ByteRange before checking it against
//     the file (readByteRange: make([]byte, sum of lengths)): 128 MiB for
//     a 5 KB file in the test, and a /ByteRange of 9999999999 exhausts
//     memory (TestUpstreamPdfsignByteRangeAllocation).
//   - digitorus/pkcs7 does not check the content-type attribute (a
//     "TODO(fullsailor)" in verify.go) nor the ESS signing-certificate(-v2)
//     attribute: a SignerInfo without content-type, or whose
//     signing-certificate-v2 names another certificate, verifies
//     (TestUpstreamPkcs7Attributes). Read in its source, not exploited in a
//     test: VerifyWithChain validates the chain at the signing-time
//     attribute, a time the signer claims, so a backdated claim makes an
//     expired certificate's chain valid; SignerInfos identified by subject
//     key identifier are not supported; the signed attributes are
//     re-marshalled rather than verified as received.
//   - digitorus/timestamp.Parse verifies a token's signature only when the
//     token carries certificates: a token without them and with a changed
//     signature value parses as good (TestUpstreamTimestampParse). With
//     certificates it uses pkcs7's Verify, inheriting the points above.
//   - golang.org/x/crypto/ocsp.ParseResponseForCert accepts a response
//     signed by any certificate the issuer issued — it does not require
//     id-kp-OCSPSigning of a delegated responder (RFC 6960, 4.2.2.2) — so
//     another signer under the same CA can vouch that a revoked
//     certificate is good (TestUpstreamOCSPResponderEKU). It also matches
//     single responses by serial number only, not by the CertID's issuer
//     hashes.
//   - pdfsign's extract.Iter (read, not relied on here) finds signatures
//     only when /SigFlags is set and yields a signature dictionary shared
//     by two fields twice; the verifier walks the form itself.
//   - digitorus/pdf v0.2.0 ignores /XRefStm and cannot follow a /Prev
//     from a cross-reference stream to a table (or back): the objects of a
//     hybrid-reference update were invisible to it, and an update with a
//     cross-reference stream after a classic table could not be opened. It
//     takes the startxref before the last %%EOF (an update without %%EOF
//     was invisible), lets an older table's entry through a newer free
//     one, takes the first copy of an object an object stream lists twice
//     and looks for a missing object along /Extends. Each let it read
//     other objects than viewers show; most made a forged page that
//     poppler and qpdf show read as the signed one
//     (TestCrossReferenceAttacks). Fixed in kyso's copy, KYSO-PATCHES.md
//     13 and 27-37, for upstream.
//
// digitorus/pdf keeps its Value's object and the identity of parsed
// dictionaries unexported; a direct value carries its container's
// reference, so a reference from an object to itself looks direct. The
// change analysis reads that identity by reflection (identity in
// changes.go; TestIdentity fails if the fields are renamed).
package verifier
