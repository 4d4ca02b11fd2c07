package app

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/signer"
)

// authorisationFields are the fields of a signing request that app keeps
// (Sign.Authorize reads them) and the formats never see.
var authorisationFields = []string{"CredentialID credential_id", "PIN pin,omitempty", "SAD sad,omitempty"}

// TestSigningTypesMatch: the request and result types app hands to api
// carry the same fields, with the same JSON names, as the formats' and
// the CA's that app converts them to, so that what the API decodes (and
// openapi.yaml documents) is what the formats and the CA are given; a
// signing request carries besides exactly the authorisation's fields
// (credential_id, pin, sad), which stay in app.
func TestSigningTypesMatch(t *testing.T) {
	requests := []reflect.Type{reflect.TypeFor[PDFRequest](), reflect.TypeFor[CMSRequest](), reflect.TypeFor[XMLRequest]()}
	for _, typ := range requests {
		var got []string
		for _, f := range fieldsOf(typ) {
			if slices.Contains(authorisationFields, f) {
				got = append(got, f)
			}
		}
		if !slices.Equal(got, authorisationFields) {
			t.Errorf("app.%s authorisation fields %q, want %q", typ.Name(), got, authorisationFields)
		}
	}
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
		{reflect.TypeFor[ExternalRequest](), reflect.TypeFor[ca.ExternalRequest]()},
		{reflect.TypeFor[CertFilter](), reflect.TypeFor[ca.ListFilter]()},
	} {
		got := fieldsOf(tc.app)
		if slices.Contains(requests, tc.app) {
			got = slices.DeleteFunc(got, func(f string) bool { return slices.Contains(authorisationFields, f) })
		}
		if want := fieldsOf(tc.lower); !reflect.DeepEqual(got, want) {
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

// TestSigningRequestsConvert: app's conversion to the formats' requests
// carries every option (each field set, by reflection, so that a field
// added to both types and forgotten in formats() is caught) and drops
// only the authorisation's fields.
func TestSigningRequestsConvert(t *testing.T) {
	var pdf PDFRequest
	var cms HashRequest
	var xml XMLRequest
	for _, v := range []any{&pdf, &cms, &xml} {
		fill(t, reflect.ValueOf(v).Elem())
	}
	for _, tc := range []struct {
		name      string
		app, form any
	}{
		{"PDFRequest", pdf, pdf.formats()},
		{"HashRequest", cms, cms.formats()},
		{"CMSRequest", cms.CMSRequest, cms.CMSRequest.formats()},
		{"XMLRequest", xml, xml.formats()},
	} {
		want := jsonFields(t, tc.app)
		for _, f := range authorisationFields {
			delete(want, f[strings.Index(f, " ")+1:strings.Index(f+",", ",")])
		}
		if got := jsonFields(t, tc.form); !reflect.DeepEqual(got, want) {
			t.Errorf("%s.formats() = %v, want %v", tc.name, got, want)
		}
	}
}

// fill sets every field of v to a value that is not its zero.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int:
		v.SetInt(2)
	case reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Uint8:
		v.SetUint(7)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(t, v.Index(0))
	case reflect.Array:
		for i := range v.Len() {
			fill(t, v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i))
			}
		}
	default:
		t.Fatalf("fill: a %s field: teach fill to set it", v.Type())
	}
}

// jsonFields is v as JSON, decoded into its fields.
func jsonFields(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
