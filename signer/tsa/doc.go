// Package tsa is kyso's RFC 3161 time-stamp authority. It answers DER
// TimeStampReq messages with DER TimeStampResp messages (Respond, behind
// POST /pki/tsa) and stamps message imprints in process for the PAdES signer
// (Timestamp, for B-T and B-LTA signatures).
//
// # What it owns
//
// Request validation, the TSTInfo (RFC 3161, 2.4.2), its CMS SignedData
// wrapper (RFC 5652) with the ESS signing-certificate-v2 attribute
// (RFC 5035, RFC 5816), serial numbers, and the checks that the TSA
// certificate is fit for the job (RFC 3161, 2.3).
//
// Requests are parsed with github.com/digitorus/timestamp. Every refusal is
// a TimeStampResp with status rejection and one failInfo bit, never a Go
// error: badDataFormat for anything malformed or oversized (MaxRequestSize),
// a version other than v1, hash parameters other than absent or NULL, or an
// imprint whose length does not match its hash; badAlg for any hash other
// than SHA-256, SHA-384 and SHA-512 (SHA-1 included); unacceptedPolicy for a
// requested policy other than the configured one; unacceptedExtension for
// any request extension (RFC 3161, 2.4.1: none is recognised). Respond
// returns a Go error only for failures on kyso's side (the signer or the
// clock); the caller maps those to a 5xx answer.
//
// A token echoes the request's messageImprint byte for byte and its nonce,
// carries the configured policy, the stated accuracy, the TSA's name
// (RFC 3161, 2.4.2, tsa) and a genTime from Config.Now in UTC with
// millisecond precision (microsecond when Accuracy is under a second); the
// stated accuracy must cover the clock's error. ordering is false. The
// certificate and its chain are included when the request sets certReq
// (always for Timestamp). The token has no signing-time attribute: genTime
// is the only time it asserts. It is signed with PKCS #1 v1.5 or ECDSA over
// SHA-256, or over SHA-384/SHA-512 when the imprint uses that hash.
//
// # Why the token is built here
//
// digitorus/timestamp's CreateResponseWithOpts draws its own random 160-bit
// serial number and ignores Timestamp.SerialNumber, adds a signing-time from
// the wall clock; its CreateErrorResponse cannot carry a statusString and
// encodes the unacceptedPolicy failInfo with a trailing zero byte, which is
// not DER (X.690, 11.2.2). So this package marshals TSTInfo and
// PKIStatusInfo itself and signs with github.com/digitorus/pkcs7 as that
// library does (id-ct-TSTInfo content, SignedData version 3, ESSCertIDv2).
//
// # Serial numbers
//
// A serial number is 112 bits: the time component (unix nanoseconds, 64
// bits), a node component (32 bits drawn from Config.Rand when the Authority
// is made) and a sequence (16 bits):
//
//	serial = t<<48 | node<<16 | seq
//
// Within one Authority serials strictly increase: t is the clock reading but
// never less than the previous t; seq counts stamps within one t and, when
// it is exhausted, t moves one nanosecond ahead. If the clock steps back, t
// holds (genTime still tells the clock's time) until the clock catches up.
//
// Across restarts and across kyso nodes serials are unique without a
// database: each process draws a new node component, so two processes
// collide only if they draw the same 32 bits (about 1 in 4·10⁹ per pair)
// and also stamp in the same nanosecond with the same seq. They are
// monotonic across processes only as far as the clocks are: a process
// started after a backward clock step, or a node whose clock lags another,
// issues serials lower than ones already issued. The node component sits
// below the time so that serials still sort by time first; the price is
// that global monotonicity rests on synchronised clocks (NTP), which a TSA
// needs anyway for its stated accuracy.
//
// # Trust but verify
//
// After signing, the token is parsed back with digitorus/pkcs7 and
// digitorus/timestamp, its signature is verified against the TSA
// certificate's key, and its serial, genTime, imprint, nonce, policy,
// accuracy and certificates are compared with what was meant. Any mismatch
// is an ErrIntegrity error and nothing is returned.
//
// # Keys and dependencies
//
// The TSA key is only a crypto.Signer; New refuses one whose public key is
// not the certificate's. If the signer also has a
// SignContext(ctx, digest, opts) method (as kyso's Vault-backed signer
// does), the request's context is passed to it.
//
// tsa must not import kyso's keys, store, api or ca packages, and it reads no
// files or environment variables. HTTP belongs to api, which should bound
// the body with MaxRequestSize and use ContentTypeQuery and
// ContentTypeReply.
package tsa
