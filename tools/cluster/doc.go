// Package cluster holds the cluster test (make test-cluster): three kyso
// serve nodes built from this checkout, one PostgreSQL and a three-node
// Vault Raft cluster with AppRole, all real processes on loopback, brought
// up by running the marked commands of docs/operations.md, then put under
// bounded signing load while a kyso node is killed, the Vault leader is
// stopped and PostgreSQL restarts. See cluster_test.go.
//
// It lives in the tools module, not in kyso's: it drives kyso from outside,
// through its binary, its HTTP API and its documented commands, and needs
// none of kyso's internals but the test kits (internal/vaulttest for the
// Vault binary, internal/testpdf for documents).
package cluster
