package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
)

// cardText is the text of every card, folded details included, without
// the technical details (certificate subjects, field names and result
// codes are names, not sentences).
const cardText = `(function(){var out='';document.querySelectorAll('.sig-card').forEach(function(c){c=c.cloneNode(true);` +
	`c.querySelectorAll('.tech').forEach(function(n){n.remove();});out+=c.textContent+'\n';});return out;})()`

// TestPageOnGovernmentFiles verifies the Vietnamese Government's files of
// the real-world corpus (every vn-* directory) and a document kyso signed
// through the page of a real kyso dev that trusts trust/vn, in headless
// Chromium, as a citizen would. On each: a card per signature and, for
// several, the summary on top; no English sentence on the Vietnamese page;
// personal identifiers masked; the reason and location the signer wrote;
// the revocation line — "not checked" for the government files (they carry
// no revocation data and this kyso does not check online: each signature is
// INDETERMINATE/TRY_LATER), "not revoked, per this service's registry" for
// kyso's own. Screenshots of each (first screen and details unfolded) are
// kept as artefacts.
func TestPageOnGovernmentFiles(t *testing.T) {
	trust, err := filepath.Abs("../../trust/vn")
	if err != nil {
		t.Fatal(err)
	}
	k := startKysoArgs(t, []string{"--trust", trust})

	// kyso's own document: an official of Hanoi signs with a reason and
	// a location.
	const hanoi = "Ủy ban nhân dân Thành phố Hà Nội"
	var client struct {
		APIKey string `json:"api_key"`
	}
	k.admin(t, "/v1/clients", map[string]any{"name": "e-office Hà Nội", "organizations": []string{hanoi}}, http.StatusCreated, &client)
	var cred struct {
		CredentialID string `json:"credential_id"`
	}
	k.admin(t, "/v1/certificates", map[string]any{"profile": "official", "subject": map[string]string{
		"name": "Trần Sỹ Thanh", "cccd": "001075000001", "title": "Chủ tịch", "organization": hanoi, "locality": "Hà Nội"}},
		http.StatusCreated, &cred)
	own := k.signPDF(t, client.APIKey, testpdf.Make(1, 10<<10), map[string]any{
		"credential_id": cred.CredentialID, "level": "B-T", "reason": "Phê duyệt quyết định", "location": "Hà Nội",
		"appearance": map[string]any{"template": "leader", "page": 1, "rect": []float64{330, 80, 560, 180}}})

	type file struct {
		name     string
		doc      []byte
		verdict  string
		sigs     int
		reason   []string // reason and location lines expected on a card
		revoLine string   // the revocation line of every card
	}
	files := []file{{name: "kyso-own.pdf", doc: own, verdict: "valid", sigs: 1,
		reason:   []string{"Phê duyệt quyết định", "Hà Nội"},
		revoLine: "Chứng thư số chưa bị thu hồi (theo sổ đăng ký chứng thư của hệ thống này)"}}
	gov, _ := filepath.Glob(filepath.Join(realworld, "vn-*", "*.pdf"))
	if len(gov) < 2 {
		t.Fatalf("the corpus has %d Vietnamese files, want at least 2 (vn-*/*.pdf)", len(gov))
	}
	wantSigs := map[string]int{"hanoi_qd_2280_water.pdf": 7, "222-ttg.signed.pdf": 1}
	wantReason := map[string][]string{"222-ttg.signed.pdf": {"CỔNG THÔNG TIN ĐIỆN TỬ CHÍNH PHỦ<thongtinchinhphu@chinhphu.vn> đã ký lên văn bản này!", "Việt Nam"}}
	for _, name := range gov {
		doc, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(name)
		if wantSigs[base] == 0 {
			t.Fatalf("%s: a Vietnamese file this test does not know; add its signature count", name)
		}
		files = append(files, file{name: base, doc: doc, verdict: "indeterminate", sigs: wantSigs[base], reason: wantReason[base],
			revoLine: "Chưa kiểm tra được tình trạng thu hồi chứng thư số: tài liệu không kèm dữ liệu thu hồi dùng được, và hệ thống này không tra cứu trực tuyến."})
	}

	s := Start(t, k.env["KYSO_URL"], artefacts(t))
	s.Phone()
	s.Open()
	s.ExpectLang("vi")
	for i, f := range files {
		if i > 0 {
			s.Again()
		}
		s.Upload(f.name, f.doc)
		ind := "INDETERMINATE"
		if f.verdict == "valid" {
			ind = "TOTAL_PASSED"
		}
		s.ExpectVerdict(f.verdict, ind)
		if n := s.count(".sig-card"); n != f.sigs {
			t.Errorf("%s: %d cards, want %d", f.name, n, f.sigs)
		}
		if f.sigs > 1 {
			if n := s.count(".summary .summary-item"); n != f.sigs {
				t.Errorf("%s: the summary has %d lines, want %d", f.name, n, f.sigs)
			}
		}
		if f.verdict == "indeterminate" {
			if n := s.count(".sig-card[data-sub-indication=TRY_LATER]"); n != f.sigs {
				t.Errorf("%s: %d cards INDETERMINATE/TRY_LATER, want %d", f.name, n, f.sigs)
			}
		}
		text := s.Eval(cardText)
		if m := englishWords.FindAllString(text, -1); len(m) > 0 {
			t.Errorf("%s: the Vietnamese page shows English: %q", f.name, m)
		}
		if got := strings.Count(text, f.revoLine); got != f.sigs || s.count(".sig-card .row-revocation") != f.sigs {
			t.Errorf("%s: the revocation line %q is on %d cards (%d such rows), want %d", f.name, f.revoLine, got, s.count(".sig-card .row-revocation"), f.sigs)
		}
		for _, w := range f.reason {
			if !strings.Contains(s.Eval(`Array.prototype.map.call(document.querySelectorAll('.sig-card bdi.signer-text'),function(n){return n.textContent;}).join('\n')`), w) {
				t.Errorf("%s: no card shows %q as written by the signer", f.name, w)
			}
		}
		s.ExpectMaskedIdentifiers()
		s.ExpectOneStory()
		shot := strings.TrimSuffix(f.name, ".pdf")
		s.Screenshot("gov-" + shot + "-vi.png")
		s.Eval(`(function(){document.querySelectorAll('details').forEach(function(d){d.open=true;});return 1;})()`)
		s.Screenshot("gov-" + shot + "-vi-details.png")
		t.Logf("%s: %s with %s card(s)", f.name, f.verdict, strconv.Itoa(f.sigs))
	}
	s.ExpectCleanConsole()
}
