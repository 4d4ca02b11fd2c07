// Package app is kyso's deciding floor: between the HTTP interface (api)
// and the packages that do the work (ca, signer, verifier, truststore,
// auth, audit), it decides who may do what and records it.
//
// # What it owns
//
//   - Enroll: issuing a holder's certificate, the citizen's PIN set with
//     it, and the recovery of an issuance a crash cut short (an Attempt
//     ties it to the request's Idempotency-Key), with its audit record.
//   - Sign: who may sign with which credential — official and seal
//     credentials only for client systems bound to their agency, citizen
//     credentials only with a SAD the citizen gave for exactly these
//     documents, used once — and the signing formats it drives
//     (signer.Service, which asks Sign.authorize once a request's options
//     are valid, and hands each signature to Sign, which records it in
//     the audit log before it leaves); agencies' seal images, which Sign
//     stores and looks up for the formats.
//   - Remote: the citizen's sole control (SCAL2): authorisations with PIN
//     and TOTP per (credential, client), bound to exact hashes, as
//     single-use SADs; the confirmation mode's transactions; raw
//     signatures over authorised hashes (CSC's signHash). The enrolment
//     events (a client bound, a new PIN, an unlock) need identity
//     proofing (Evidence), kept in the audit record.
//   - Verify: the trust store's current snapshot handed to the verifier,
//     for the verification API, the web page and kyso verify; its Report,
//     and the kind of an error (a document it cannot read).
//   - Certificates: reading certificates and issuers, and which
//     credentials a client system may see in the CSC API.
//   - CallerOf: what an authenticated client system may sign with;
//     AuthFailures: rejected credentials in the audit log, aggregated.
//   - Admin: administrators' actions on certificates, issuers, client
//     systems, PINs and seal images, each with its audit record naming the
//     admin.
//   - TSA: kyso's time-stamp authority, its certificate issued by the CA
//     on first use and replaced when it expires.
//   - TLS: the certificate of kyso's HTTPS listener (the operator's, whose
//     files cmd reads, or kyso's own from the CA, renewed by Refresh) and
//     the CAs client certificates chain to; ClientCertBinding: which
//     enabled client system a TLS client certificate names. The listener's
//     TLS mechanics are api's (api.TLSConfig, api.HSTS).
//   - The config sections of what it decides: ReportSection (report),
//     RemoteSection (remote_signing, yielding RemoteConfig) and
//     ExtendSection (extend).
//
// Each API request makes one call into app, in app's and model's types
// (PDFRequest, IssueRequest, Issued, Report, AuditEvent, TOTPEnrolment,
// model.Caller...), which app converts to and from those of ca, signer,
// audit and auth at its edge: no exported name of app names an auth or
// audit type (internal/archtest). It reaches the other packages through
// small interfaces declared here (Issuance, CertAdmin, IssuerAdmin,
// Credentials, Consent, PINAdmin, Auditor, TOTPEnroller, SealStore,
// TrustSnapshot...), which ca, auth, signer and truststore satisfy, or
// cmd/kyso's adapters over audit.Log, auth.TOTP and the store; cmd/kyso
// wires them.
//
// # What it must not import
//
// api, cmd, keys and store (internal/archtest): app sees Vault only as the crypto.Signer the CA
// hands it, and the database only through the services above and model's
// types. It does no HTTP, reads no configuration and writes no SQL.
package app
