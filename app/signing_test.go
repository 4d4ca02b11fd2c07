package app

import (
	"reflect"
	"testing"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/signer"
)

// TestSigningTypesMatch: the request and result types app hands to api
// carry the same fields, with the same JSON names, as the formats' and
// the CA's that app converts them to, so that what the API decodes (and
// openapi.yaml documents) is what the formats and the CA are given.
func TestSigningTypesMatch(t *testing.T) {
	for _, tc := range []struct{ app, lower reflect.Type }{
		{reflect.TypeFor[PDFRequest](), reflect.TypeFor[signer.PDFRequest]()},
		{reflect.TypeFor[Appearance](), reflect.TypeFor[signer.Appearance]()},
		{reflect.TypeFor[PDFResult](), reflect.TypeFor[signer.PDFResult]()},
		{reflect.TypeFor[CMSRequest](), reflect.TypeFor[signer.CMSRequest]()},
		{reflect.TypeFor[HashRequest](), reflect.TypeFor[signer.HashRequest]()},
		{reflect.TypeFor[BatchDocument](), reflect.TypeFor[signer.BatchDocument]()},
		{reflect.TypeFor[BatchResult](), reflect.TypeFor[signer.BatchResult]()},
		{reflect.TypeFor[XMLRequest](), reflect.TypeFor[signer.XMLRequest]()},
		{reflect.TypeFor[XMLResult](), reflect.TypeFor[signer.XMLResult]()},
		{reflect.TypeFor[XMLBatchResult](), reflect.TypeFor[signer.XMLBatchResult]()},
		{reflect.TypeFor[IssueRequest](), reflect.TypeFor[ca.Request]()},
		{reflect.TypeFor[Subject](), reflect.TypeFor[ca.Subject]()},
		{reflect.TypeFor[IssuerInfo](), reflect.TypeFor[ca.IssuerInfo]()},
		{reflect.TypeFor[ExternalRequest](), reflect.TypeFor[ca.ExternalRequest]()},
		{reflect.TypeFor[CertFilter](), reflect.TypeFor[ca.ListFilter]()},
	} {
		if got, want := fieldsOf(tc.app), fieldsOf(tc.lower); !reflect.DeepEqual(got, want) {
			t.Errorf("app.%s fields %q, want those of %s: %q", tc.app.Name(), got, tc.lower, want)
		}
	}
}

// fieldsOf lists a struct's exported fields as "Name json-tag".
func fieldsOf(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if f.IsExported() {
			out = append(out, f.Name+" "+f.Tag.Get("json"))
		}
	}
	return out
}
