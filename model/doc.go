// Package model holds kyso's domain types, one type per concept; leaf
// package, stdlib only.
//
// It must import nothing of kyso and nothing outside the standard library,
// so that every floor (api, app, ca, signer, verifier, store) can speak in
// its types without depending on another.
package model
