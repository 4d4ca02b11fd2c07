// Package attacksuite builds, with fresh test keys, every class of attack
// on signed PDFs that issue 11 names, on kyso-signed documents and on the
// Vietnamese Government's files of the real-world corpus, with the honest
// documents and changes that must stay green beside them. Its tests verify
// each with kyso's verifier: no attack may leave a signature it targets
// TOTAL_PASSED or the document valid, every control must be TOTAL_PASSED,
// and each verification's allocations are bounded. They also check with
// poppler and qpdf that every forgery is real: the forged page is the one
// viewers show.
//
// # What it owns
//
// A test PKI laid out like kyso's (root, issuing CA, citizen, official and
// seal signers, and the tls-client, tls-server, OCSP and TSA certificates
// that may not sign documents) plus an attacker's look-alike CAs (pki.go);
// incremental updates in the three forms of ISO 32000-1, 7.5.6 and 7.5.8
// — classic table, hybrid /XRefStm, cross-reference stream with object
// streams — written byte by byte (pdfedit.go); a signer for what kyso's
// will not write (a FieldMDP transform, a signature on a document certified
// P=1) and hand-made CMS for certificate swaps (sign.go); the documents the
// attacks start from (bases.go); and one builder per attack class
// (build.go). The builders are exported so that fuzz targets and
// benchmarks can start from the same documents: PKI.Cases returns them all.
//
// # What it must not be, and not import
//
// It is a test helper: its keys are test keys held in memory, which kyso
// allows only in tests, so production code must not import it
// (TestImports holds the repository to that). It does not import kyso's
// api, app, cmd, keys or store: the suite needs no Vault and no database,
// and stays fast. It imports the verifier only as a consumer, through its
// exported API.
package attacksuite
