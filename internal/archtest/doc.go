// Package archtest holds the test of kyso's import rules: the floors and
// arrows of docs/architecture.md, checked against the package graph that
// `go list -deps -json` reports, so that a package comment cannot say one
// thing while the code does another. Beside the import rules, it reads
// package main's source (cmd/kyso: wiring only): its Config composes the
// sections other packages declare, and it builds no server side of TLS
// (cmd_test.go); type-checked, it declares no type that implements a
// signing format's or the verifier's interface, a revocation source or a
// time-stamper (cmdsources_test.go). Nor does kyso's module, tests
// included, import the libraries kyso tests itself with from outside,
// pdfsign and chromedp: they are the tools module's (testtools_test.go).
// Outside store and cmd/kyso, each package declares the slice of
// store.Store it uses (storeslice_test.go). It has no code of its own;
// make test and make lint run it.
//
// A rule the code does not meet yet is marked pending with the reason; the
// test logs its violations instead of failing, and fails once it holds, so
// that the mark is cleared and the rule enforced from then on.
package archtest
