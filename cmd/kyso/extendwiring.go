package main

import (
	"net/http"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/signer/pades"
)

// extendRevocation is the revocation source of POST /v1/extend/pdf:
// kyso's CA, and, when online is set, the responders and CRL
// distribution points named in other CAs' certificates.
func extendRevocation(authority *ca.Authority, online bool) pades.Revocation {
	r := kapp.OnlineRevocation{Local: revocation{authority}}
	if online {
		r.Client = http.DefaultClient
	}
	return r
}
