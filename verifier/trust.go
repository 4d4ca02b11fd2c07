package verifier

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"
)

// maxChainDisplay bounds the chain written in the report when no trusted
// chain was found.
const maxChainDisplay = 10

// validator holds what the validation of one document needs: the options,
// the trust anchors, the certificates and revocation data found in the
// document, and a cache of online answers.
type validator struct {
	ctx   context.Context
	opts  *Options
	now   time.Time
	roots *x509.CertPool
	// inter holds the trust directory's intermediates and the document's
	// certificates (DSS); each chain adds the certificates of its CMS.
	inter *x509.CertPool
	// docCerts are the document's certificates (DSS), candidates for a
	// signer's certificate the CMS left out.
	docCerts []*x509.Certificate
	// rev is the document's revocation data (DSS).
	rev revData
	// online caches fetched OCSP responses and CRLs by URL.
	online map[string]onlineAnswer
}

func newValidator(ctx context.Context, opts *Options) *validator {
	v := &validator{ctx: ctx, opts: opts, now: opts.now(), online: map[string]onlineAnswer{}}
	v.roots = opts.Roots
	if v.roots == nil {
		v.roots = x509.NewCertPool()
	}
	if opts.Intermediates != nil {
		v.inter = opts.Intermediates.Clone()
	} else {
		v.inter = x509.NewCertPool()
	}
	return v
}

// addDocCerts adds certificates found in the document (DER).
func (v *validator) addDocCerts(ders [][]byte) int {
	bad := 0
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			bad++
			continue
		}
		v.docCerts = append(v.docCerts, c)
		v.inter.AddCert(c)
	}
	return bad
}

// chainResult is the outcome of building a certificate's chain.
type chainResult struct {
	chain   []*x509.Certificate // the leaf first; best effort when !trusted
	trusted bool                // the chain ends at a trust anchor
	// timeOK reports that every certificate of the chain was valid at the
	// time asked; when false, outside names the one that was not.
	timeOK  bool
	outside *x509.Certificate
	// problem explains an untrusted or otherwise unusable chain; sub is
	// its sub-indication.
	problem string
	sub     SubIndication
	// warnings are about a trusted chain: SHA-1 signatures in it.
	warnings []string
}

// buildChain builds cert's chain to a trust anchor valid at t, using the
// trust directory's intermediates, the document's certificates and extra
// (the certificates of the CMS). When there is no chain valid at t it
// looks for one valid while cert itself was, to tell a time problem from a
// missing chain. A chain that crypto/x509 refuses only because a
// certificate in it is signed with SHA-1 is built by weakSearch and
// accepted with a warning.
func (v *validator) buildChain(cert *x509.Certificate, t time.Time, extra []*x509.Certificate) chainResult {
	pool := v.inter
	if len(extra) > 0 {
		pool = v.inter.Clone()
		for _, c := range extra {
			pool.AddCert(c)
		}
	}
	known := slices.Concat(v.opts.TrustCerts, v.docCerts, extra)
	var weak *weakSearch
	verify := func(at time.Time) ([][]*x509.Certificate, error) {
		chains, err := cert.Verify(x509.VerifyOptions{
			Roots:         v.roots,
			Intermediates: pool,
			CurrentTime:   at,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		var unknown x509.UnknownAuthorityError
		if err == nil || !errors.As(err, &unknown) || !weakCandidate(cert, known) {
			return chains, err
		}
		// crypto/x509 found no chain, and SHA-1 may be why.
		if weak == nil {
			weak = newWeakSearch(v.roots, known)
		}
		if wc, werr := weak.verify(cert, at); werr == nil {
			return wc, nil
		}
		return nil, err
	}
	chains, err := verify(t)
	if err == nil {
		best := bestChain(chains)
		return chainResult{chain: best, trusted: true, timeOK: true, warnings: weakWarnings(best)}
	}
	// Is there a chain at another time? Try inside cert's own validity,
	// nearest to t.
	alt := t
	if alt.After(cert.NotAfter) {
		alt = cert.NotAfter.Add(-time.Second)
	}
	if alt.Before(cert.NotBefore) {
		alt = cert.NotBefore.Add(time.Second)
	}
	if !alt.Equal(t) {
		chains, err2 := verify(alt)
		if err2 == nil {
			best := bestChain(chains)
			res := chainResult{chain: best, trusted: true, warnings: weakWarnings(best)}
			for _, c := range res.chain {
				if t.Before(c.NotBefore) || t.After(c.NotAfter) {
					res.outside = c
					break
				}
			}
			return res
		}
		// The chain's own problem, not the time.
		err = err2
	}
	res := chainResult{chain: v.displayChain(cert, extra), problem: err.Error(), sub: NoCertificateChainFound}
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		res.problem = "no chain to a trust anchor"
		if len(res.chain) > 1 || IsSelfSigned(cert) {
			top := res.chain[len(res.chain)-1]
			res.problem = fmt.Sprintf("no chain to a trust anchor: the chain ends at %q, which is not trusted", certName(top))
		}
	case errors.As(err, &invalid):
		switch invalid.Reason {
		case x509.Expired:
			res.sub = OutOfBoundsNoPOE
			res.problem = "a certificate of the chain is not valid at the time of validation: " + err.Error()
		default:
			res.sub = ChainConstraintsFailure
		}
	default:
		res.sub = ChainConstraintsFailure
	}
	return res
}

// bestChain picks the shortest of chains.
func bestChain(chains [][]*x509.Certificate) []*x509.Certificate {
	best := chains[0]
	for _, c := range chains[1:] {
		if len(c) < len(best) {
			best = c
		}
	}
	return best
}

// displayChain follows cert's issuers among the known certificates, for a
// report of an untrusted chain.
func (v *validator) displayChain(cert *x509.Certificate, extra []*x509.Certificate) []*x509.Certificate {
	known := slices.Concat(extra, v.docCerts)
	chain := []*x509.Certificate{cert}
	for cur := cert; len(chain) < maxChainDisplay && !bytes.Equal(cur.RawIssuer, cur.RawSubject); {
		var next *x509.Certificate
		for _, c := range known {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && !c.Equal(cur) && checkCertSignature(cur, c) == nil {
				next = c
				break
			}
		}
		if next == nil || slices.ContainsFunc(chain, next.Equal) {
			break
		}
		chain = append(chain, next)
		cur = next
	}
	return chain
}

// checkTSAUsage checks a time-stamping certificate (RFC 3161, 2.3).
func checkTSAUsage(c *x509.Certificate) (warn string, err error) {
	if !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		return "", errors.New("the TSA certificate's extended key usage does not include timeStamping")
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return "", errors.New("the TSA certificate's key usage does not allow signing")
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) && !e.Critical {
			return "the TSA certificate's extended key usage is not critical (RFC 3161, 2.3)", nil
		}
	}
	return "", nil
}

// certName names a certificate: its common name, or its subject.
func certName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return dnString(c.RawSubject)
}
