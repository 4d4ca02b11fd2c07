package verifier

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
)

// tokenResult is the outcome of checking a time-stamp token.
type tokenResult struct {
	ok       bool // imprint, signature, TSA certificate, chain and status all good
	info     cmsasn1.TSTInfo
	tsa      *x509.Certificate
	chain    []*x509.Certificate
	alg      sigInfo
	digest   crypto.Hash
	ind      Indication
	sub      SubIndication
	problem  string
	warnings []string
	// sigValue is the token's signature value; used the revocation data
	// that gave the status of the chain's certificates (Evidence).
	sigValue []byte
	used     []RevocationEvidence
	trusted  bool
}

func (t *tokenResult) fail(ind Indication, sub SubIndication, format string, args ...any) *tokenResult {
	t.ok, t.ind, t.sub, t.problem = false, ind, sub, fmt.Sprintf(format, args...)
	return t
}

// tsaName names a token's TSA for the report.
func (t *tokenResult) tsaName() string {
	if t.tsa == nil {
		return ""
	}
	if t.tsa.Subject.CommonName != "" {
		return t.tsa.Subject.CommonName
	}
	return dnString(t.tsa.RawSubject)
}

// checkToken checks an RFC 3161 time-stamp token: its TSTInfo's imprint is
// the digest imprint computes (of the signature value for a signature
// time-stamp, of the byte range for a document time-stamp); its CMS
// verifies like a signature's (sid, content-type, message-digest, ESS); the
// TSA's certificate has the timeStamping extended key usage, chains to a
// trust anchor at genTime and was not revoked before genTime.
//
// digitorus/timestamp.Parse checks the token's signature only when it
// carries certificates, and with the first certificate; none of it is used
// here.
func (v *validator) checkToken(token []byte, imprint func(crypto.Hash) ([]byte, error)) *tokenResult {
	t := &tokenResult{}
	sd, err := cmsasn1.ParseSignedData(token)
	if err != nil {
		return t.fail(TotalFailed, FormatFailure, "the time-stamp token does not parse: %v", err)
	}
	if !sd.EContentType.Equal(cmsasn1.OIDTSTInfo) || !sd.HasEContent {
		return t.fail(TotalFailed, FormatFailure, "the time-stamp token does not hold a TSTInfo")
	}
	if t.info, err = cmsasn1.ParseTSTInfo(sd.EContent); err != nil {
		return t.fail(TotalFailed, FormatFailure, "%v", err)
	}
	want, err := imprint(t.info.Hash)
	if err != nil {
		return t.fail(TotalFailed, FormatFailure, "cannot read the time-stamped data: %v", err)
	}
	if !bytes.Equal(want, t.info.Imprint) {
		return t.fail(TotalFailed, HashFailure, "the time-stamp's message imprint is not the %s digest of what it should time-stamp", hashName(t.info.Hash))
	}
	if t.info.Hash == crypto.SHA1 || t.info.Hash == crypto.MD5 {
		t.warnings = append(t.warnings, fmt.Sprintf("the time-stamp's imprint uses %s, which is weak", hashName(t.info.Hash)))
	}
	sc := checkSigner(sd, cmsasn1.OIDTSTInfo, func(h crypto.Hash) ([]byte, error) { return digest(h, sd.EContent), nil }, v.docCerts)
	t.tsa, t.alg, t.digest = sc.cert, sc.alg, sc.digestHash
	if len(sd.Signers) == 1 {
		t.sigValue = sd.Signers[0].Signature
	}
	t.warnings = append(t.warnings, sc.warnings...)
	if sc.ind != "" {
		return t.fail(sc.ind, sc.sub, "time-stamp token: %s", sc.reason)
	}
	if w, err := checkTSAUsage(t.tsa); err != nil {
		return t.fail(Indeterminate, ChainConstraintsFailure, "%v", err)
	} else if w != "" {
		t.warnings = append(t.warnings, w)
	}
	gen := t.info.GenTime
	ch := v.buildChain(t.tsa, gen, sd.Certs)
	t.chain, t.trusted = ch.chain, ch.trusted
	t.warnings = append(t.warnings, ch.warnings...)
	if !ch.trusted {
		return t.fail(Indeterminate, ch.sub, "the time-stamp authority %q is not trusted: %s", t.tsaName(), ch.problem)
	}
	if c := ch.outside; c != nil {
		if gen.After(c.NotAfter) {
			return t.fail(TotalFailed, Expired, "the time-stamp was made at %s, after certificate %q expired", formatTime(gen), c.Subject.CommonName)
		}
		return t.fail(TotalFailed, NotYetValid, "the time-stamp was made at %s, before certificate %q was valid", formatTime(gen), c.Subject.CommonName)
	}
	var tokenRev revData
	tokenRev.ocsps, tokenRev.crls = sd.OCSPs, sd.CRLs
	for i := 0; i+1 < len(t.chain); i++ {
		st := v.status(t.chain[i], t.chain[i+1], &tokenRev)
		t.used = append(t.used, st.used...)
		if st.revoked && !st.at.After(gen) {
			return t.fail(TotalFailed, Revoked, "the time-stamp authority's certificate %q was revoked on %s, before the time-stamp (%s)", t.chain[i].Subject.CommonName, formatTime(st.at), formatTime(gen))
		}
		if st.revoked {
			t.warnings = append(t.warnings, fmt.Sprintf("the time-stamp authority's certificate %q was revoked on %s, after the time-stamp", t.chain[i].Subject.CommonName, formatTime(st.at)))
		}
	}
	if t.digest == crypto.SHA1 || t.alg.hash == crypto.SHA1 {
		t.warnings = append(t.warnings, "the time-stamp token is signed with SHA-1, which is weak")
	}
	t.ok = true
	return t
}
