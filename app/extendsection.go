package app

// ExtendSection is the "extend" section of kyso's config file (see
// docs/configuration.md and docs/archiving.md): what POST /v1/extend/pdf,
// Extend, may fetch to complete a document's validation data.
type ExtendSection struct {
	// Online allows fetching, for certificates kyso did not issue, OCSP
	// responses and CRLs from the URLs the certificates name (10 s each)
	// when the document holds none. Off by default: then only the
	// document's own data and kyso's CA are used.
	Online bool `json:"online"`
}
