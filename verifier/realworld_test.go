package verifier

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// realworld is the corpus of documents signed by software outside kyso
// (see its README.md); roots holds the VGCA trust anchors and
// intermediates they need.
const realworld = "../../shared/testdata/realworld"

func realworldDir(t testing.TB) string {
	t.Helper()
	// The tests run in the package directory; shared/ sits beside the
	// repository's checkout.
	dir := realworld
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("real-world corpus not found beside the checkout: %v", err)
	}
	return dir
}

func verifyFile(t testing.TB, name string, opts Options) *Report {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyPDF(context.Background(), f, st.Size(), opts)
	if err != nil {
		t.Fatalf("VerifyPDF(%s) = %v", name, err)
	}
	return rep
}

// TestRealWorldCorpus reads every file of the corpus: each signature and
// document time-stamp the README lists is reported, with an indication,
// and none is TOTAL_FAILED except where the file is known to be broken.
func TestRealWorldCorpus(t *testing.T) {
	dir := realworldDir(t)
	roots, inter, err := LoadTrustDir(filepath.Join(dir, "roots"))
	if err != nil {
		t.Fatalf("LoadTrustDir = %v", err)
	}
	// Entries per the README (signatures + document time-stamps), and
	// the indications expected for known-bad signatures.
	files := map[string]struct {
		entries int
		failed  map[int]SubIndication // index → TOTAL_FAILED sub-indication
	}{
		"vn-sus_agri_mekong/222-ttg.signed.pdf":               {1, nil},
		"vn-nom-vn/hanoi_qd_2280_water.pdf":                   {7, nil},
		"pdfsign/aatl-datasheet.pdf":                          {1, nil},
		"pdfsign/multi.pdf":                                   {2, map[int]SubIndication{0: SigCryptoFailure}}, // pdfsig: INVALID too
		"pdfsign/hello_hsm.pdf":                               {1, nil},
		"pdfsign/sigmodified.pdf":                             {1, map[int]SubIndication{0: HashFailure}},
		"pdfsign/testfile30.pdf":                              {1, nil},
		"dss/PAdES-LT.pdf":                                    {4, nil},
		"dss/pades-5-signatures-and-1-document-timestamp.pdf": {6, nil},
		"dss/certified-no-change-permitted.pdf":               {1, nil},
		"dss/certified-changes-permitted.pdf":                 {1, nil},
		"dss/pkcs7_sha1.pdf":                                  {2, nil},
		"dss/timestamped_and_signed.pdf":                      {2, nil},
		"dss/doc-firmado-T.pdf":                               {1, nil},
		"itext/B-B.pdf":                                       {1, nil},
		"itext/B-T.pdf":                                       {1, nil},
		"itext/B-LT.pdf":                                      {1, nil},
		"itext/B-LTA.pdf":                                     {2, nil},
		"pyhanko/pades-lta-dss-indirect-arrs-test-2.pdf":      {3, nil},
		"pyhanko/minimal-two-fields-signed-twice.pdf":         {2, nil},
		"node-signpdf/signed-twice.pdf":                       {2, nil},
	}
	all, _ := filepath.Glob(filepath.Join(dir, "*", "*.pdf"))
	if len(all) != len(files) {
		t.Errorf("corpus has %d files, the test knows %d", len(all), len(files))
	}
	for name, want := range files {
		t.Run(name, func(t *testing.T) {
			for _, opts := range []Options{{}, {Roots: roots, Intermediates: inter}} {
				rep := verifyFile(t, filepath.Join(dir, name), opts)
				if len(rep.Signatures) != want.entries || rep.SignatureCount != want.entries {
					t.Fatalf("%d entries (signature_count %d), want %d", len(rep.Signatures), rep.SignatureCount, want.entries)
				}
				for i, s := range rep.Signatures {
					if s.Type != TypeSignature && s.Type != TypeDocumentTimestamp || s.Indication == "" || s.Revisions < 1 {
						t.Errorf("entry %d: type %q indication %q revisions %d", i, s.Type, s.Indication, s.Revisions)
					}
					sub, bad := want.failed[i]
					switch {
					case bad && (s.Indication != TotalFailed || s.SubIndication != sub):
						t.Errorf("entry %d (%s): %s/%s (%s), want TOTAL_FAILED/%s", i, s.Field, s.Indication, s.SubIndication, s.Detail, sub)
					case !bad && s.Indication == TotalFailed:
						t.Errorf("entry %d (%s): %s/%s (%s)", i, s.Field, s.Indication, s.SubIndication, s.Detail)
					}
				}
			}
		})
	}
}

// TestRealWorldVietnamese checks the Vietnamese Government's and Hanoi's
// documents: with the VGCA trust directory, every check passes — though
// some officials' certificates have expired since (a time-stamp proves
// they signed before) — but revocation: the files hold no OCSP response or
// CRL and validation is offline, so each signature is
// INDETERMINATE/TRY_LATER (the revocation policy, docs/verification.md;
// TOTAL_PASSED before it). TRY_LATER is the sub-indication only when no
// other check failed. INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND without the
// trust directory.
func TestRealWorldVietnamese(t *testing.T) {
	dir := realworldDir(t)
	roots, inter, err := LoadTrustDir(filepath.Join(dir, "roots"))
	if err != nil {
		t.Fatalf("LoadTrustDir = %v", err)
	}
	tests := []struct {
		file     string
		signers  []string
		ids      []string // identifiers of the last signer
		expired  int      // signatures whose certificate expired after signing
		levels   []string
		revision int // of the first signature
	}{
		{
			file:     "vn-sus_agri_mekong/222-ttg.signed.pdf",
			signers:  []string{"CỔNG THÔNG TIN ĐIỆN TỬ CHÍNH PHỦ"},
			ids:      []string{"MNS:1032158", "MST:0102357802"},
			levels:   []string{LevelNotPAdES},
			revision: 2,
		},
		{
			file:     "vn-nom-vn/hanoi_qd_2280_water.pdf",
			signers:  []string{"Trần Chí Công", "Nguyễn Trọng Minh", "Trương Việt Dũng", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"},
			ids:      []string{"MNS:1058600", "MST:0103410294"},
			expired:  2,
			levels:   []string{LevelBT, LevelNotPAdES, LevelNotPAdES, LevelBT, LevelBT, LevelBT, LevelBT},
			revision: 3,
		},
	}
	// The day the corpus was checked: two Hanoi officials' certificates
	// had expired since they signed; more will, later.
	now := func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, vnZone) }
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rep := verifyFile(t, filepath.Join(dir, tt.file), Options{Roots: roots, Intermediates: inter, Now: now})
			if rep.Valid || len(rep.Signatures) != len(tt.signers) {
				t.Fatalf("valid %v with %d signatures, want %d not valid for want of revocation data: %s", rep.Valid, len(rep.Signatures), len(tt.signers), dump(rep))
			}
			expired := 0
			for i, s := range rep.Signatures {
				if s.Indication != Indeterminate || s.SubIndication != TryLater {
					t.Errorf("signature %d: %s/%s (%s), want INDETERMINATE/TRY_LATER", i, s.Indication, s.SubIndication, s.Detail)
				}
				if want := (RevocationCheck{Status: RevocationUnknown}); s.Revocation == nil || *s.Revocation != want {
					t.Errorf("signature %d: revocation %+v, want %+v", i, s.Revocation, want)
				}
				if s.Signer.Name != tt.signers[i] || s.Signer.Organization == "" {
					t.Errorf("signature %d by %+v, want %q", i, s.Signer, tt.signers[i])
				}
				if s.ProvenTime == "" || s.TimestampAuthority == "" || s.ClaimedTime == "" {
					t.Errorf("signature %d: proven %q by %q, claimed %q", i, s.ProvenTime, s.TimestampAuthority, s.ClaimedTime)
				}
				if s.Level != tt.levels[i] {
					t.Errorf("signature %d: level %q, want %q", i, s.Level, tt.levels[i])
				}
				if len(s.Chain) != 3 {
					t.Errorf("signature %d: chain of %d, want signer, VGCA intermediate, root", i, len(s.Chain))
				}
				if hasWarning(s, "expired on") {
					expired++
				}
				for _, c := range s.ChangesAfter {
					if !c.Allowed {
						t.Errorf("signature %d: change %+v not allowed", i, c)
					}
				}
			}
			last := rep.Signatures[len(rep.Signatures)-1]
			for _, id := range tt.ids {
				if !slices.Contains(last.Signer.Identifiers, id) {
					t.Errorf("identifiers %q, want %q", last.Signer.Identifiers, id)
				}
			}
			if expired != tt.expired {
				t.Errorf("%d signatures with a certificate expired after signing, want %d", expired, tt.expired)
			}
			if rep.Signatures[0].Revision != tt.revision {
				t.Errorf("first signature covers revision %d, want %d", rep.Signatures[0].Revision, tt.revision)
			}

			rep = verifyFile(t, filepath.Join(dir, tt.file), Options{})
			if rep.Valid {
				t.Errorf("valid without trust anchors")
			}
			for i, s := range rep.Signatures {
				if s.Indication != Indeterminate || s.SubIndication != NoCertificateChainFound {
					t.Errorf("without trust dir, signature %d: %s/%s (%s), want INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND", i, s.Indication, s.SubIndication, s.Detail)
				}
			}
		})
	}
}

// TestRealWorldLevels trusts the test roots the iText and pyHanko files
// carry, to check level detection on files made by other software.
func TestRealWorldLevels(t *testing.T) {
	dir := realworldDir(t)
	tests := []struct {
		file   string
		levels []string
		// noRevocation: the file holds no revocation data about the
		// signer, so the signature is INDETERMINATE/TRY_LATER (every
		// other check passed), not TOTAL_PASSED.
		noRevocation bool
	}{
		{"itext/B-B.pdf", []string{LevelBB}, true},
		{"itext/B-T.pdf", []string{LevelBT}, true},
		{"itext/B-LT.pdf", []string{LevelBLT}, false},
		{"itext/B-LTA.pdf", []string{LevelBLTA, ""}, false},
		// The document time-stamp comes after the first signature only.
		{"pyhanko/pades-lta-dss-indirect-arrs-test-2.pdf", []string{LevelBLTA, "", LevelBLT}, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			name := filepath.Join(dir, tt.file)
			rep := verifyFile(t, name, Options{Roots: embeddedRoots(t, name)})
			if len(rep.Signatures) != len(tt.levels) {
				t.Fatalf("%d entries, want %d", len(rep.Signatures), len(tt.levels))
			}
			for i, s := range rep.Signatures {
				ind, sub := TotalPassed, SubIndication("")
				if tt.noRevocation {
					ind, sub = Indeterminate, TryLater
				}
				if s.Indication != ind || s.SubIndication != sub || s.Level != tt.levels[i] {
					t.Errorf("entry %d: %s/%s (%s) level %q, want %s/%s %q", i, s.Indication, s.SubIndication, s.Detail, s.Level, ind, sub, tt.levels[i])
				}
			}
		})
	}
}
