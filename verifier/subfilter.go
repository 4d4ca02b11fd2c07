package verifier

import "fmt"

// Signature sub-filters (ISO 32000-2, 12.8.3; ETSI EN 319 142-1).
const (
	subFilterPKCS7Detached = "adbe.pkcs7.detached"
	subFilterPKCS7SHA1     = "adbe.pkcs7.sha1"
	subFilterCAdES         = "ETSI.CAdES.detached"
	subFilterRFC3161       = "ETSI.RFC3161"
	// subFilterPBAD is ICP-Brasil's PAdES profile (DOC-ICP-15.03): a
	// detached CMS over the byte range, as ETSI.CAdES.detached.
	subFilterPBAD = "PBAD.PAdES"
)

// knownSubFilter reports whether kyso can process a signature of
// sub-filter sf, and fails e otherwise.
//
// A sub-filter kyso does not know (adbe.x509.rsa_sha1, a vendor's own) is
// something kyso cannot process: the signature is neither shown good nor
// bad, so the verdict is INDETERMINATE/FORMAT_FAILURE, never TOTAL_FAILED
// (ETSI EN 319 102-1: "cannot be processed" is not "proven wrong").
// PBAD.PAdES is processed as the detached CMS it is, as EU DSS does; the
// ICP-Brasil signature policy it implies is not checked, and it is
// reported "not PAdES" (not an ETSI baseline level).
func knownSubFilter(e *entry, sf string) bool {
	switch sf {
	case subFilterPKCS7Detached, subFilterCAdES, subFilterPKCS7SHA1:
		return true
	case subFilterPBAD:
		e.warn("sub-filter %s (ICP-Brasil) is validated as a detached CMS signature; the ICP-Brasil signature policy is not checked", sf)
		return true
	}
	e.fail(Indeterminate, FormatFailure, "%s", unknownSubFilter(sf))
	return false
}

// unknownSubFilter says that kyso cannot process sub-filter sf.
func unknownSubFilter(sf string) string {
	return fmt.Sprintf("kyso cannot process a signature with sub-filter %q (it knows %s, %s, %s, %s and, for document time-stamps, %s): the signature is neither confirmed nor refuted", sf, subFilterPKCS7Detached, subFilterPKCS7SHA1, subFilterCAdES, subFilterPBAD, subFilterRFC3161)
}
