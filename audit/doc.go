// Package audit is kyso's tamper-evident audit log: who issued, rotated,
// revoked and signed what, and which authentication and PIN checks failed.
// Records are appended to a hash chain kept by package store; Verify
// re-computes the chain and reports the first broken link. audit imports
// only store; it must not import api, auth, ca, signer, verifier or keys.
//
// # What is recorded
//
// An Event has an actor (an admin token ID, a client ID, "system"), an
// action (the Action* constants, such as "sign.pdf"), a target (a
// certificate, credential or client ID) and details: a small JSON object.
// Details never hold secrets — no PIN, PIN hash, API key, token or key
// material — and signing events hold the document's SHA-256, never the
// document (see SignEvent). Record refuses detail keys that name a secret
// (see Record).
//
// # Hash format, version 1
//
// Each record's hash is SHA-256 over the concatenation of nine fields, each
// written as its length in bytes (4 bytes, unsigned big-endian) followed by
// its bytes:
//
//  1. the ASCII string "kyso-audit-v1" (domain separation and version);
//  2. prev: the previous record's hash, 32 bytes; zero bytes (length 0)
//     for the record with seq 1;
//  3. seq: 8 bytes, unsigned big-endian (1, 2, 3, ...);
//  4. at: the record's time in UTC as RFC 3339 with exactly nine
//     fractional digits, e.g. "2026-03-04T05:06:07.123456789Z" (the form
//     in which the database stores it);
//  5. actor, 6. action, 7. target: their UTF-8 bytes;
//  8. details: the UTF-8 bytes of the JSON text exactly as stored;
//  9. the ASCII string "end".
//
// In pseudo-code, with F(x) = uint32be(len(x)) || x:
//
//	hash = SHA-256( F("kyso-audit-v1") || F(prev) || F(uint64be(seq)) ||
//	                F(at) || F(actor) || F(action) || F(target) ||
//	                F(details) || F("end") )
//
// The length prefixes make the encoding unambiguous: no two different
// records encode to the same bytes, whatever characters the fields hold.
//
// kyso writes details in one canonical form, so that the same event always
// gives the same text: a JSON object with the keys of every object sorted
// (by their UTF-8 bytes), no insignificant whitespace, numbers as written
// by Go's encoding/json, '<', '>' and '&' not escaped. A verifier does not
// need to re-create that form: the hash covers the stored text byte for
// byte.
//
// # What Verify detects, and what it cannot
//
// Verify reads the log in seq order and checks, for each record, that its
// seq follows the previous one without a gap (the first is 1), that its
// prev hash equals the previous record's hash (empty for the first), and
// that its hash re-computes. An edited record fails its own hash; a
// deleted one leaves a gap in seq (or, if the seqs were renumbered, a prev
// hash that does not match); reordered records fail their prev hash or
// hash, as the seq is hashed. Report.FirstBroken names the first seq at
// fault: the edited record, the missing seq, or the first record whose link
// does not hold.
//
// A plain hash chain has no secret: someone who can write the database can
// rewrite a record and re-compute every hash after it, or cut records off
// the end. Both are detectable only against a copy of a later head
// (Report.LastSeq and Report.Head) kept outside the database — print it
// with `kyso audit verify` and keep it where the database's writers cannot
// change it. The database itself refuses UPDATE, DELETE and TRUNCATE on the
// log (triggers), which stops application bugs, not a database owner.
package audit
