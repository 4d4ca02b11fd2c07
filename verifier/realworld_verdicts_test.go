package verifier

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRealWorldNotDERAndMislabelled pins the verdicts of issue 11 on
// files made by other software:
//
//   - EU DSS's five-signature file, whose tests assert that no signature
//     is valid at B level (PAdESFiveSignaturesDocTest), and node-signpdf's
//     output write their signed attributes out of DER order:
//     INDETERMINATE/FORMAT_FAILURE, where kyso said nothing;
//   - pdfsign's multi.pdf first signature says sha256WithRSAEncryption but
//     holds a SHA-1 DigestInfo: TOTAL_FAILED/SIG_CRYPTO_FAILURE, as pdfsig
//     says, explained as a mislabelled algorithm.
func TestRealWorldNotDERAndMislabelled(t *testing.T) {
	dir := realworldDir(t)
	tests := []struct {
		file    string
		entries []int // entries with the verdict
		ind     Indication
		sub     SubIndication
		detail  string
		// embedded trusts the roots the signatures carry (the
		// five-signature file's cross-references need repair, which
		// embeddedRoots does not do).
		embedded bool
	}{
		{"dss/pades-5-signatures-and-1-document-timestamp.pdf", []int{0, 1, 2, 3, 4}, Indeterminate, FormatFailure, "signed attributes are not DER-encoded (a SET OF whose elements are not in ascending order)", false},
		{"node-signpdf/signed-twice.pdf", []int{0, 1}, Indeterminate, FormatFailure, "signed attributes are not DER-encoded", true},
		{"pdfsign/multi.pdf", []int{0}, TotalFailed, SigCryptoFailure, "holds a SHA-1 digest, so it is not a valid SHA-256 signature; that SHA-1 digest is the signed data's: the signing software mislabelled the algorithm", true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			name := filepath.Join(dir, tt.file)
			var opts Options
			if tt.embedded {
				opts.Roots = embeddedRoots(t, name)
			}
			rep := verifyFile(t, name, opts)
			for _, i := range tt.entries {
				s := sigOf(t, rep, i)
				if s.Indication != tt.ind || s.SubIndication != tt.sub || !strings.Contains(s.Detail, tt.detail) {
					t.Errorf("entry %d: %s/%s (%s), want %s/%s: …%s…", i, s.Indication, s.SubIndication, s.Detail, tt.ind, tt.sub, tt.detail)
				}
			}
		})
	}
}
