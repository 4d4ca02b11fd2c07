package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestOpenAPIExplore(t *testing.T) {
	s := newStack(t, stackOpts{})
	reqs := []string{
		`{"profile":"citizen","subject":{"name":"Nguyễn Văn An","cccd":"001099012345","locality":"Phường Láng Hạ, Quận Đống Đa","province":"Thành phố Hà Nội","email":"an.nguyen@example.vn"}}`,
		`{"profile":"official","key_type":"rsa-3072","subject":{"name":"Trần Thị Bình","cccd":"001185004321","title":"Phó Giám đốc","unit":"Văn phòng","organization":"Sở Tư pháp Thành phố Hà Nội","locality":"Quận Hoàn Kiếm","province":"Thành phố Hà Nội","email":"binh.tt@hanoi.gov.vn"}}`,
		`{"profile":"seal","subject":{"organization":"Ủy ban nhân dân Thành phố Hà Nội","tax_code":"0103410294","budget_code":"1058600","locality":"Quận Hoàn Kiếm","province":"Thành phố Hà Nội"}}`,
		`{"profile":"tsa","subject":{"name":"kyso TSA 1","organization":"kyso"}}`,
		`{"profile":"ocsp","subject":{"name":"x"}}`,
		`{"profile":"seal","subject":{"organization":"Ủy ban nhân dân Thành phố Hà Nội","locality":"Hoàn Kiếm"}}`,
	}
	var ids []string
	for _, r := range reqs {
		code, body := s.call("POST", "/v1/certificates", r)
		fmt.Printf("=== ISSUE %d\n%s\n", code, body)
		var c certResp
		_ = jsonUnmarshal(body, &c)
		ids = append(ids, c.ID)
	}
	for _, p := range []struct{ m, path, ct, body string; tok bool }{
		{"GET", "/v1/certificates?limit=2", "", "", true},
		{"GET", "/v1/certificates?limit=2&after=" + ids[1], "", "", true},
		{"POST", "/v1/certificates/" + ids[0] + "/rotate", "", "", true},
		{"POST", "/v1/certificates/" + ids[0] + "/renew", "", "", true},
		{"POST", "/v1/certificates/" + ids[1] + "/revoke", "application/json", `{"reason":"keyCompromise"}`, true},
		{"POST", "/v1/certificates/" + ids[1] + "/revoke", "application/json", `{"reason":"keyCompromise"}`, true},
		{"POST", "/v1/certificates/" + ids[1] + "/renew", "", "", true},
		{"GET", "/v1/ca/issuers", "", "", true},
		{"POST", "/v1/ca/rotate", "", "", true},
		{"POST", "/v1/ca/external", "application/json", `{"common_name":"kyso Issuing CA X","organization":"kyso"}`, true},
		{"POST", "/v1/ca/import-chain", "application/json", `{"chain":"junk"}`, true},
		{"POST", "/v1/ca/import-chain", "text/plain", ``, true},
		{"DELETE", "/v1/certificates", "", "", false},
		{"DELETE", "/v1/certificates", "", "", true},
		{"PUT", "/v1/ca/rotate", "", "", false},
		{"GET", "/readyz", "", "", false},
		{"GET", "/healthz", "", "", false},
		{"POST", "/pki/ocsp", "text/plain", "x", false},
		{"GET", "/pki/ocsp/MAo=", "", "", false},
		{"GET", "/v1/certificates/a%2Fb", "", "", true},
	} {
		var b any
		if p.body != "" {
			b = p.body
		}
		tok := ""
		if p.tok {
			tok = s.token
		}
		code, body := s.raw(p.m, p.path, p.ct, b, tok)
		if len(body) > 3000 {
			body = body[:3000]
		}
		fmt.Printf("=== %s %s %d\n%q\n", p.m, p.path, code, body)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
