// Package csc is kyso's remote-signing API in the shape of the Cloud
// Signature Consortium's (CSC API v2.0.0.2 under /csc/v2/, with the v1.0.4.0
// field names accepted under /csc/v1/): the API through which e-office
// systems and public-service portals have a citizen sign under their sole
// control (SCAL2) and an agency's seal or an official sign (SCAL1).
//
// # What it owns
//
// HTTP only, as the rest of api: the CSC routes and field names, the
// client's bearer tokens (oauth2/token and auth/login), the algorithm
// identifiers (OIDs) of the CSC requests and answers, and the CSC error form
// {error, error_description}. Every decision — which credential a client may
// see, what a SAD authorises, who may sign — is made behind the small
// interfaces of Deps, which package api implements over app.
//
// # Bearer tokens
//
// An access token names its client and its expiry and carries an
// HMAC-SHA256 made in Vault (TokenKey) over it and the client's stored key
// hash: it needs no table, nobody who reads kyso's database can mint one,
// and every request looks the client up again, so that a token of a client
// disabled, deleted, expired or whose key was rotated fails at once on every
// node.
//
// # What it must not import
//
// Of kyso, only api/..., app, model and errkind (internal/archtest).
package csc
