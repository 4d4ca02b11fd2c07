package main

import (
	"fmt"
	"testing"

	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// BenchmarkSignXMLHTTP signs e-invoices of about 200 KB with an RSA-2048
// seal key through kyso dev's HTTP API with 16 concurrent keep-alive
// clients (POST /v1/sign/xml): the whole XML sign path in one process, for
// profiling with -cpuprofile. make bench measures it against xmlsec1.
func BenchmarkSignXMLHTTP(b *testing.B) {
	e := benchEnv(b, b.TempDir())
	doc := xmltest.Invoice{Items: 560}.Make()
	benchPost(b, e, "/v1/sign/xml", "application/xml", doc, fmt.Sprintf(`{"credential_id":%q}`, e.cred))
}
