// Package api is kyso's HTTP interface (gorilla/mux): routing, admin
// authentication, request limits, JSON rendering and the single error
// renderer. Handlers decode, validate the shape, make one domain call and
// render; they hold no crypto and no SQL. api depends on the domain only
// through the small interfaces declared here. It must not import keys or
// store implementations directly.
package api
