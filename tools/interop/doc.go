// Package interop holds kyso's tests against pdfsign
// (github.com/digitorus/pdfsign), a PDF signing and verifying library that
// kyso did not write and does not link: pdfsign's reader on kyso's signed
// output, kyso's appearances drawn through pdfsign's signer, and the blind
// spots of pdfsign's verifier, which kyso's verifier must not share. It
// has no code of its own, only tests; it sits in the tools module so that
// pdfsign is not a dependency of kyso's module (internal/archtest,
// TestNoTestToolsInKysoModule).
//
// Its documents come from kyso's packages (signer/pades, signer/appearance)
// and its attacks from kyso's test kit verifier/attacksuite, as kyso's own
// tests build them. The tests that need no pdfsign stay beside the code
// they check (verifier, signer/pades, signer/appearance).
package interop
