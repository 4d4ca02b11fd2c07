// Package printreport writes kyso's verification report as a printable
// PDF in Vietnamese: the "Biên bản kiểm tra chữ ký số" a citizen, a clerk
// or a court keeps — the document's name and SHA-256, when it was checked
// and against which trust anchors, then each signature's verdict in plain
// Vietnamese, its signer, signing time, time-stamp, chain, the revocation
// data used (when, from where) and what was checked.
//
// # What it owns
//
// Render: a verifier.Report (with each signature's Evidence) and the facts
// of the check in, PDF bytes out, laid out with fpdf and the font the
// caller gives (DejaVu Sans, for Vietnamese). The wording is the
// verification page's (catalog.go). Personal identifiers (CCCD, CMND,
// passport) are masked on the public variant, as the page masks them
// (Decree 13/2023).
//
// # What it must not import
//
// It is pure: no signing (app.Reports signs the PDF it returns with
// kyso's seal at PAdES B-LT), no HTTP, no files, no clock. It imports
// verifier and nothing else of kyso's.
package printreport
