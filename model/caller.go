package model

// Caller is the client system a signing request comes from, once
// authenticated: its ID, the agencies (organisation names) it is
// registered for, and whether it may sign with a credential of an agency.
// app builds it (app.CallerOf) and decides with it; api hands it on.
type Caller struct {
	ClientID      string
	Organizations []string
	// MayUse reports whether the client is bound to the agency; nil: to
	// none.
	MayUse func(organization string) bool
	// AuthEpoch is the client's (model.Client): credentials as they
	// were when the client was authenticated may be taken from a node's
	// memory if read at that version. 0: read them afresh.
	AuthEpoch int64
}
