// Package pki is kyso's public PKI endpoints: the root and issuing CA
// certificates (/pki/root.crt, /pki/issuers/{name}.crt, the AIA of RFC
// 5280, 4.2.2.1), the CRLs (/pki/crl/{name}.crl, RFC 5280, 4.2.1.13), the
// OCSP responder (/pki/ocsp, GET and POST, RFC 6960) and the RFC 3161
// time-stamp authority (/pki/tsa), for anyone.
//
// # What it owns
//
// HTTP only: the media types, the bounds on OCSP and time-stamp
// requests, the cache headers, RFC 6960 A.1's base64 GET requests. The
// certificates, CRLs and responses are the CA's and the TSA's (Deps,
// small interfaces of this package); errors are rendered by package api's
// one renderer, lent through kit.Kit.
//
// # What it must not import
//
// Of kyso, only api/kit, app, model and errkind (internal/archtest).
package pki
