package verifier

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"time"
)

// Bounds of the search for a chain through SHA-1 signatures: the
// certificates of a document are chosen by whoever made it.
const (
	// maxWeakChecks bounds the signatures checked in one search.
	maxWeakChecks = 64
	// maxWeakProxies bounds the stand-in certificates made in one search.
	maxWeakProxies = 32
)

// isSHA1 reports whether c is signed with SHA-1.
func isSHA1(c *x509.Certificate) bool {
	return c.SignatureAlgorithm == x509.SHA1WithRSA || c.SignatureAlgorithm == x509.ECDSAWithSHA1
}

// weakSearch builds chains that crypto/x509 refuses because a certificate
// of them is signed with SHA-1 — the Vietnamese Government CA's first
// generation (its G1 root and the intermediate under it, 2010–2030), and
// the signers they issued. ETSI EN 319 102-1 validates such a chain with a
// weak-algorithm warning, as the chain of a signature made when SHA-1 was in
// use; crypto/x509 has refused SHA-1 certificate signatures since Go 1.18
// and cannot be told otherwise.
//
// It keeps crypto/x509's path rules (validity, basic constraints, path
// length, name constraints, critical extensions, policies) by letting it
// validate stand-ins: every certificate on a candidate path is copied —
// same subject, issuer, serial number, validity and extensions, byte for
// byte — and the copy is signed, with SHA-256, by a throwaway key that
// stands for its issuer's; a trust anchor's copy is self-signed and becomes
// the stand-in anchor. A copy is made only for a link whose real signature
// verifies (checkCertSignature: SHA-1 accepted, MD5 not). crypto/x509 then
// builds and checks the chain of stand-ins, which is mapped back to the
// real certificates. The throwaway keys belong to nobody, live only for
// one search and sign nothing but stand-ins that never leave it (as the
// CA's linter does in package ca).
type weakSearch struct {
	roots  *x509.CertPool      // the real trust anchors
	known  []*x509.Certificate // candidate issuers
	memo   map[*x509.Certificate][]*standIn
	busy   map[*x509.Certificate]bool
	orig   map[*x509.Certificate]*x509.Certificate // stand-in → real
	proxyR *x509.CertPool                          // stand-in anchors
	proxyI *x509.CertPool                          // the other stand-ins
	checks int
	made   int
}

// standIn is a stand-in certificate and the throwaway key of its subject,
// which signs the stand-ins of the certificates it issued.
type standIn struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// weakCandidate reports whether a search could help: some certificate that
// could be on cert's path is signed with SHA-1 by another.
func weakCandidate(cert *x509.Certificate, known []*x509.Certificate) bool {
	if isSHA1(cert) {
		return true
	}
	for _, c := range known {
		if isSHA1(c) && !bytes.Equal(c.RawIssuer, c.RawSubject) {
			return true
		}
	}
	return false
}

func newWeakSearch(roots *x509.CertPool, known []*x509.Certificate) *weakSearch {
	w := &weakSearch{
		roots:  roots,
		memo:   map[*x509.Certificate][]*standIn{},
		busy:   map[*x509.Certificate]bool{},
		orig:   map[*x509.Certificate]*x509.Certificate{},
		proxyR: x509.NewCertPool(), proxyI: x509.NewCertPool(),
	}
	seen := map[string]bool{}
	for _, c := range known {
		if !seen[string(c.Raw)] {
			seen[string(c.Raw)] = true
			w.known = append(w.known, c)
		}
	}
	return w
}

// verify returns cert's chains valid at t in which at least one
// certificate is signed with SHA-1, the real certificates, leaf first.
func (w *weakSearch) verify(cert *x509.Certificate, t time.Time) ([][]*x509.Certificate, error) {
	leaves := w.standIns(cert, 0)
	var out [][]*x509.Certificate
	var firstErr error
	for _, l := range leaves {
		chains, err := l.cert.Verify(x509.VerifyOptions{
			Roots:         w.proxyR,
			Intermediates: w.proxyI,
			CurrentTime:   t,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		for _, ch := range chains {
			got := make([]*x509.Certificate, len(ch))
			weak := false
			for i, c := range ch {
				got[i] = w.orig[c]
				if got[i] == nil {
					got = nil
					break
				}
				weak = weak || i+1 < len(ch) && isSHA1(got[i])
			}
			// Only what SHA-1 alone kept crypto/x509 from accepting.
			if got != nil && weak {
				out = append(out, got)
			}
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("no chain through SHA-1 signatures")
	}
	return nil, firstErr
}

// standIns returns the stand-ins of c, one for each path from c to a trust
// anchor that the search found (capped), making them on first use.
func (w *weakSearch) standIns(c *x509.Certificate, depth int) []*standIn {
	if s, ok := w.memo[c]; ok {
		return s
	}
	if w.busy[c] || depth > maxChainDisplay {
		return nil
	}
	w.busy[c] = true
	defer delete(w.busy, c)
	var out []*standIn
	if w.isAnchor(c) {
		if s := w.copyOf(c, nil); s != nil {
			w.proxyR.AddCert(s.cert)
			out = append(out, s)
		}
	} else {
		for _, p := range w.issuers(c) {
			for _, ps := range w.standIns(p, depth+1) {
				if s := w.copyOf(c, ps); s != nil {
					w.proxyI.AddCert(s.cert)
					out = append(out, s)
				}
			}
		}
	}
	w.memo[c] = out
	return out
}

// issuers returns the known certificates whose key signed c.
func (w *weakSearch) issuers(c *x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, p := range w.known {
		if w.checks >= maxWeakChecks {
			break
		}
		if !bytes.Equal(p.RawSubject, c.RawIssuer) || p.Equal(c) {
			continue
		}
		w.checks++
		if checkCertSignature(c, p) == nil {
			out = append(out, p)
		}
	}
	return out
}

// isAnchor reports whether c itself is in the trust anchors' pool.
func (w *weakSearch) isAnchor(c *x509.Certificate) bool {
	chains, err := c.Verify(x509.VerifyOptions{Roots: w.roots, CurrentTime: c.NotBefore, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err == nil && len(chains) > 0 && len(chains[0]) == 1
}

// copyOf returns the stand-in of c signed by issuer's throwaway key, or
// self-signed when issuer is nil (an anchor); nil if crypto/x509 cannot
// make it.
func (w *weakSearch) copyOf(c *x509.Certificate, issuer *standIn) *standIn {
	if w.made >= maxWeakProxies {
		return nil
	}
	w.made++
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil
	}
	tmpl := *c
	tmpl.SignatureAlgorithm = x509.UnknownSignatureAlgorithm
	tmpl.PublicKey = key.Public()
	// The extensions as they are: they override those crypto/x509 would
	// make from the parsed fields.
	tmpl.ExtraExtensions = c.Extensions
	parent, signer := &tmpl, key
	if issuer != nil {
		parent, signer = issuer.cert, issuer.key
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil
	}
	pc, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	w.orig[pc] = c
	return &standIn{cert: pc, key: key}
}

// weakWarnings says which certificates of chain are signed with SHA-1.
func weakWarnings(chain []*x509.Certificate) []string {
	var out []string
	for i := 0; i+1 < len(chain); i++ {
		if isSHA1(chain[i]) {
			out = append(out, fmt.Sprintf("certificate %q is signed with SHA-1 by %q: SHA-1 is a weak algorithm, and the chain is accepted only as one made while SHA-1 was in use (ETSI EN 319 102-1)", certName(chain[i]), certName(chain[i+1])))
		}
	}
	return out
}
