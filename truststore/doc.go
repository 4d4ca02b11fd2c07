// Package truststore owns what kyso's verifier trusts, and kyso's
// certificate registry for revocation.
//
// # What it owns
//
// A Store gathers trust from its sources — the trust directories of the
// configuration (Dir, a Source), the signed trust bundle (bundle.go: a
// manifest of files and fingerprints with a detached CMS signature by a
// pinned bundle signer, read from a directory or a URL and refreshed at
// run time by Refresh and Run, a newer version swapped in atomically, an
// older one refused), the external root pinned in
// the configuration (Anchors.External) and kyso's own CA certificates,
// read from kyso's registry (Registry, the database) — and hands the
// verifier a Snapshot: the roots, the intermediates, the certificates as
// a list and kyso's registry as a verifier.RevocationChecker. kyso's CA
// certificates are re-read at most every TTL (30 s by default), so a CA
// rotation on another node is seen within that time; while the database
// is away the last good set is kept.
//
// The rules of trust live here: a root that only arrived in an imported
// chain is never trusted (what kyso trusts comes from configuration, not
// from an admin's upload), kyso's own root only when Anchors.OwnRoot is
// set (ca.mode own), and a root that leaves the configuration is no
// longer trusted unless a trust directory holds it. kyso's CA
// certificates below the roots (every generation, so documents signed
// before a CA rotation keep validating) are offered as intermediates.
// Registry answers (Store.CertificateStatus) are given only for
// certificates kyso itself issued and only when the certificate on record
// is byte for byte the one asked about.
//
// online.go is the verifier's online revocation source (verify.online):
// OnlineRevocation implements verifier.RevocationFetcher over HTTP, each
// request bounded in time (5 s) and its answer in size (1 MiB for OCSP,
// 32 MiB for a CRL), and Snapshot hands it to the verifier when
// Config.Online is set. It only carries requests and answers: the
// verifier judges what comes back.
//
// sources.go is the revocation data a signature's extension embeds
// (RevocationSources, for pades.Revocation and pades.CertCRL): a local
// source first (kyso's CA, ca.RevocationData, through the RevocationSource
// interface declared here), then, with extend.online, the OCSP
// responders and CRL distribution points a certificate names, asked
// through OnlineRevocation.
//
// tsl.go reads and writes ETSI TS 119 612 trusted lists (ImportTSL,
// ExportTSL) and checks a list's XML signature with the verifier
// (CheckTSLSignature).
//
// # What it must not import
//
// kyso's api, app, cmd, keys, ca and signer packages. It reads kyso's
// registry through Registry, an interface declared here that store
// satisfies, and hands the verifier its verifier.Options.
package truststore
