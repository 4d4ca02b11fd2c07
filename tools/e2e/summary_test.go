package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kyso-vn/kyso/verifier"
)

// realworld is the corpus of third-party signed documents beside the
// checkout (its README lists them).
const realworld = "../../../shared/testdata/realworld"

// TestPageSummaryOfHanoiDecision shows the report the verifier gives of
// the Hanoi People's Committee decision (7 signatures, real VGCA
// certificates): a summary on top, one line per signature in file order
// with the signer, the time and the verdict; the cards' details folded;
// a line opens its card.
func TestPageSummaryOfHanoiDecision(t *testing.T) {
	roots, inter, err := verifier.LoadTrustDir(filepath.Join(realworld, "roots"))
	if err != nil {
		t.Fatalf("LoadTrustDir = %v", err)
	}
	name := filepath.Join(realworld, "vn-nom-vn", "hanoi_qd_2280_water.pdf")
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verifier.VerifyPDF(context.Background(), f, st.Size(), verifier.Options{Roots: roots, Intermediates: inter})
	if err != nil {
		t.Fatalf("VerifyPDF(%s) = %v", name, err)
	}
	if len(rep.Signatures) != 7 {
		t.Fatalf("VerifyPDF(%s) gave %d signatures, want 7", name, len(rep.Signatures))
	}
	body, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}

	fk := &fakeKyso{custom: body}
	srv := fk.server(t)
	s := Start(t, srv.URL, artefacts(t))
	s.Phone()
	s.Open()
	s.Upload("hanoi_qd_2280_water.pdf", customPDF)
	s.do("wait for the verdict", chromedp.WaitVisible(chromedp.CSS("#verdict[data-verdict]")))
	if n := s.count(".summary .summary-item"); n != 7 {
		t.Fatalf("the summary has %d lines, want 7", n)
	}
	for i, sig := range rep.Signatures {
		item := ".summary-item:nth-child(" + strconv.Itoa(i+1) + ")"
		if got, want := s.Eval("document.querySelector('"+item+"').getAttribute('data-indication')"), string(sig.Indication); got != want {
			t.Errorf("summary line %d: indication %s, want %s", i+1, got, want)
		}
		if got, want := s.Eval("document.querySelector('"+item+" .summary-name').textContent"), s.Eval("document.querySelector('#sig-title-"+strconv.Itoa(i)+"').textContent"); got != want || got == "" {
			t.Errorf("summary line %d names %q, its card %q", i+1, got, want)
		}
		if s.count(item+" .summary-time") != 1 || s.count(item+" .summary-status") != 1 {
			t.Errorf("summary line %d has no time or no verdict", i+1)
		}
	}
	// The summary is on the first phone screen; the details are folded.
	if top := s.Eval("Math.round(document.querySelector('.summary').getBoundingClientRect().top)"); mustInt(t, top) > 844 {
		t.Errorf("the summary starts at %s px, below the first phone screen", top)
	}
	if n := s.count(".sig-card .sig-more[open]"); n != 0 {
		t.Errorf("%d cards have their details unfolded, want 0", n)
	}
	if n := s.count(".sig-card .sig-more"); n != 7 {
		t.Errorf("%d cards have folded details, want 7", n)
	}
	s.ExpectMaskedIdentifiers()
	s.Screenshot("hanoi-summary.png")

	s.Click(".summary-item:nth-child(3) .summary-link")
	if n := s.count("#sig-card-2 .sig-more[open]"); n != 1 {
		t.Errorf("the third summary line did not unfold the third card")
	}
	s.ExpectCleanConsole()
}

func mustInt(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
