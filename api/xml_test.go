package api_test

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/signer/xmldsig"
	"github.com/kyso-vn/kyso/verifier"
)

// TestOpenAPIXML pins the XML routes' documentation to the code: the
// schemas to the Go types, the profile enum to the profiles, the media
// types and headers to the handlers.
func TestOpenAPIXML(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, s := range []struct {
		schema string
		want   []string
	}{
		{"XMLRequest", jsonNames(reflect.TypeFor[app.XMLRequest]())},
		{"XMLReference", jsonNames(reflect.TypeFor[verifier.XMLReference]())},
		{"EInvoice", jsonNames(reflect.TypeFor[verifier.EInvoice]())},
		{"XMLBatchResult", funcFacts(t, "signing/xml.go", "signXMLBatch").mapKeys},
	} {
		if got := schemaProps(doc, s.schema); !slices.Equal(got, s.want) {
			t.Errorf("openapi.yaml schema %s has properties %v, want %v", s.schema, got, s.want)
		}
	}
	profiles := sortedUnique([]string{string(xmldsig.ProfileEInvoiceVN), string(xmldsig.ProfileEnveloped), string(xmldsig.ProfileEnveloping), string(xmldsig.ProfileDetached), string(xmldsig.ProfileXAdES)})
	if got := schemaEnum(doc, "XMLRequest", "profile"); !slices.Equal(got, profiles) {
		t.Errorf("XMLRequest.profile enum = %v, want %v", got, profiles)
	}
	if got, want := schemaEnum(doc, "XMLRequest", "level"), sortedUnique([]string{xmldsig.LevelBB, xmldsig.LevelBT, xmldsig.LevelBLT, xmldsig.LevelBLTA}); !slices.Equal(got, want) {
		t.Errorf("XMLRequest.level enum = %v, want %v", got, want)
	}

	batch := funcFacts(t, "signing/xml.go", "signXMLBatch")
	if got, want := schemaEnum(doc, "XMLBatchResult", "status"), sortedUnique(batch.mapValues["status"]); !slices.Equal(got, want) {
		t.Errorf("XMLBatchResult.status enum = %v, want %v", got, want)
	}
	files := operationFileParts(t, doc, "/v1/sign/xml/batch")
	if files.MaxItems == nil || *files.MaxItems != app.MaxBatchDocuments {
		t.Errorf("POST /v1/sign/xml/batch: file maxItems = %s, want %d", intOrNone(files.MaxItems), app.MaxBatchDocuments)
	}

	sign := funcFacts(t, "signing/xml.go", "signXML")
	op := operation(t, doc, http.MethodPost, "/v1/sign/xml")
	if got, want := sortedKeys(op.RequestBody.Content), sortedUnique([]string{"multipart/form-data", sign.uploadType}); !slices.Equal(got, want) {
		t.Errorf("POST /v1/sign/xml request media types = %v, want %v", got, want)
	}
	ok := response(t, op, "200")
	ct, _, _ := strings.Cut(sign.headers["Content-Type"], ";")
	if _, found := ok.Content[ct]; !found {
		t.Errorf("POST /v1/sign/xml 200 media types = %v, want %s", sortedKeys(ok.Content), ct)
	}
	for h := range sign.headers {
		if strings.HasPrefix(h, "Kyso-") && !slices.ContainsFunc(sortedKeys(ok.Headers), func(d string) bool { return strings.EqualFold(d, h) }) {
			t.Errorf("POST /v1/sign/xml: signXML sets %s, which the 200 answer does not document", h)
		}
	}
	for _, c := range []string{"401", "403", "404", "409", "413", "415", "422", "503"} {
		if _, found := op.Responses[c]; !found {
			t.Errorf("POST /v1/sign/xml does not document %s", c)
		}
	}
}
