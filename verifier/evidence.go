package verifier

import (
	"crypto"
	"crypto/x509"
	"time"
)

// Evidence is what the validation of one signature or document
// time-stamp used: the certificates of the chain it built and the
// revocation data that gave their status. It is not part of the JSON
// report; reports that must carry the validation objects (ETSI TS 119
// 102-2, 4.3.6) read it.
type Evidence struct {
	// SignatureValue is the signature value of the CMS SignerInfo (of the
	// time-stamp token's, for a document time-stamp); nil when the
	// signature could not be read that far or is an XML signature.
	SignatureValue []byte
	// SignedDigest is the digest of the signed data (the byte range of a
	// PDF signature) with DigestHash, the signer's digest algorithm; nil
	// when it was not computed.
	SignedDigest []byte
	DigestHash   crypto.Hash
	// Chain is the chain as validated (or as far as it could be built),
	// the signer's certificate first; Trusted is true when its last
	// certificate is a trust anchor.
	Chain   []*x509.Certificate
	Trusted bool
	// Revocation lists the OCSP responses and CRLs that gave a status for
	// a certificate of Chain.
	Revocation []RevocationEvidence
}

// Kinds of RevocationEvidence.
const (
	RevocationOCSP = "OCSP"
	RevocationCRL  = "CRL"
)

// RevocationEvidence is one OCSP response or CRL used, or the answer of
// kyso's certificate registry (Kind "", DER nil).
type RevocationEvidence struct {
	// Kind is RevocationOCSP or RevocationCRL; "" for kyso's registry.
	Kind string
	// DER is the OCSPResponse or CertificateList; nil for the registry.
	DER []byte
	// Source says where it came from ("an OCSP response in the document's
	// DSS", "CRL online (URL)", "kyso's certificate registry").
	Source string
	// Cert is the certificate it gives the status of; Revoked and
	// RevokedAt what it says.
	Cert      *x509.Certificate
	Revoked   bool
	RevokedAt time.Time
	// ThisUpdate is the answer's thisUpdate (for the registry: when it
	// was asked).
	ThisUpdate time.Time
}

// keep records that der, from source, gave a status of cert.
func (s *revStatus) keep(kind string, der []byte, source string, cert *x509.Certificate, revoked bool, revokedAt, thisUpdate time.Time) {
	s.used = append(s.used, RevocationEvidence{Kind: kind, DER: der, Source: source, Cert: cert, Revoked: revoked, RevokedAt: revokedAt, ThisUpdate: thisUpdate})
}

// evidence returns the entry's Evidence, set as the entry is checked.
func (e *entry) evidence() *Evidence {
	if e.ev == nil {
		e.ev = &Evidence{}
	}
	return e.ev
}

// keepChain records the chain validated for the entry.
func (e *entry) keepChain(chain []*x509.Certificate, trusted bool) {
	ev := e.evidence()
	ev.Chain, ev.Trusted = chain, trusted
}

// finishEvidence fills what the entry knows at its end: the signature
// value and the signed data's digest.
func (e *entry) finishEvidence() {
	ev := e.evidence()
	switch {
	case e.dts != nil:
		ev.SignatureValue = e.dts.sigValue
		if len(ev.Chain) == 0 && len(e.dts.chain) > 0 {
			ev.Chain, ev.Trusted = e.dts.chain, e.dts.trusted
			ev.Revocation = e.dts.used
		}
	case e.sd != nil && len(e.sd.Signers) == 1:
		ev.SignatureValue = e.sd.Signers[0].Signature
	}
	h := crypto.Hash(0)
	if e.sc != nil {
		h = e.sc.digestHash
	} else if e.dts != nil {
		h = e.dts.info.Hash
	}
	if d, ok := e.digests[h]; ok && h != 0 {
		ev.SignedDigest, ev.DigestHash = d, h
	}
	e.out.Evidence = ev
}
