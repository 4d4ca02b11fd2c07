package verifier

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

// revData is revocation data found in a document or a CMS: DER OCSP
// responses and CRLs, indexed on first use.
type revData struct {
	ocsps [][]byte
	crls  [][]byte

	indexed bool
	bySer   map[string][][]byte // OCSP responses by serial number (hex)
	multi   [][]byte            // responses about several certificates
	parsed  []*crlInfo
}

type crlInfo struct {
	der     []byte
	rl      *x509.RevocationList
	revoked map[string]x509.RevocationListEntry // by serial (hex), built on first use
	checked map[*x509.Certificate]error         // signature checked against an issuer
}

func (d *revData) empty() bool { return len(d.ocsps) == 0 && len(d.crls) == 0 }

func (d *revData) index() {
	if d.indexed {
		return
	}
	d.indexed = true
	d.bySer = map[string][][]byte{}
	for _, der := range d.ocsps {
		if resp, err := ocsp.ParseResponse(der, nil); err == nil && resp.SerialNumber != nil {
			k := resp.SerialNumber.Text(16)
			d.bySer[k] = append(d.bySer[k], der)
		} else {
			d.multi = append(d.multi, der)
		}
	}
	for _, der := range d.crls {
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			continue
		}
		d.parsed = append(d.parsed, &crlInfo{der: der, rl: rl, checked: map[*x509.Certificate]error{}})
	}
}

// revStatus is what the sources say of one certificate.
type revStatus struct {
	checked bool // some source gave a status
	revoked bool
	at      time.Time // revocation time
	reason  int
	source  string
	// from is where the status came from (a RevocationFrom* constant):
	// the first source that gave one, or the one that reported the
	// revocation; phase is the source being read.
	from, phase string
	tryLater    bool // online checking was asked for and gave nothing
	warnings    []string
	goodUntil   time.Time // latest thisUpdate of a "good" answer
	// unusable says why OCSP responses and CRLs about the certificate
	// (its serial number, its issuer's CRL) could not be used.
	unusable []string
	// used lists the answers that gave a status (Evidence).
	used []RevocationEvidence
}

// refuse records why data about the certificate could not be used.
func (s *revStatus) refuse(source string, err error) {
	msg := source + ": " + err.Error()
	if !slices.Contains(s.unusable, msg) {
		s.unusable = append(s.unusable, msg)
	}
}

func (s *revStatus) good(source string, at time.Time) {
	if !s.checked {
		s.source, s.from = source, s.phase
	}
	s.checked = true
	if at.After(s.goodUntil) {
		s.goodUntil = at
	}
}

func (s *revStatus) revoke(source string, at time.Time, reason int) {
	s.checked = true
	if !s.revoked || at.Before(s.at) {
		s.revoked, s.at, s.reason, s.source, s.from = true, at, reason, source, s.phase
	}
}

// status gathers the revocation status of cert, issued by issuer, from
// kyso's registry, the document's data, the CMS's data (extra) and, if
// allowed, online. A revocation reported by any source wins.
func (v *validator) status(cert, issuer *x509.Certificate, extra *revData) revStatus {
	st := revStatus{phase: RevocationFromRegistry}
	if r := v.opts.Revocation; r != nil {
		cs, err := r.CertificateStatus(v.ctx, cert, issuer)
		switch {
		case err != nil:
			st.warnings = append(st.warnings, fmt.Sprintf("kyso's certificate registry could not be asked about %q: %v", cert.Subject.CommonName, err))
		case cs.Known && cs.Revoked:
			st.revoke("kyso's certificate registry", cs.RevokedAt, cs.Reason)
			st.keep("", nil, "kyso's certificate registry", cert, true, cs.RevokedAt, v.now)
		case cs.Known:
			st.good("kyso's certificate registry", v.now)
			st.keep("", nil, "kyso's certificate registry", cert, false, time.Time{}, v.now)
		}
	}
	st.phase = RevocationFromDocument
	v.statusIn(&st, &v.rev, cert, issuer, "the document's DSS")
	if extra != nil {
		v.statusIn(&st, extra, cert, issuer, "the signature's CMS")
	}
	if v.opts.Online != nil && !st.checked {
		st.phase = RevocationFromOnline
		v.onlineStatus(&st, cert, issuer)
	}
	return st
}

// statusIn adds to st what the OCSP responses and CRLs of d say of cert.
func (v *validator) statusIn(st *revStatus, d *revData, cert, issuer *x509.Certificate, name string) {
	if d.empty() {
		return
	}
	d.index()
	about := d.bySer[cert.SerialNumber.Text(16)]
	for i, der := range slices.Concat(about, d.multi) {
		resp, err := checkOCSP(der, cert, issuer)
		if err != nil {
			// A response for this serial number that is not another
			// issuer's: about this certificate, and not usable.
			if i < len(about) && !errors.Is(err, errOtherIssuer) {
				st.refuse("an OCSP response in "+name, err)
			}
			continue
		}
		switch resp.Status {
		case ocsp.Good:
			st.good("an OCSP response in "+name, resp.ThisUpdate)
			st.keep(RevocationOCSP, der, "an OCSP response in "+name, cert, false, time.Time{}, resp.ThisUpdate)
		case ocsp.Revoked:
			st.revoke("an OCSP response in "+name, resp.RevokedAt, resp.RevocationReason)
			st.keep(RevocationOCSP, der, "an OCSP response in "+name, cert, true, resp.RevokedAt, resp.ThisUpdate)
		}
	}
	for _, c := range d.parsed {
		applyCRL(st, c, cert, issuer, "a CRL in "+name)
	}
}

// applyCRL records what CRL c says of cert, if issuer issued c.
func applyCRL(st *revStatus, c *crlInfo, cert, issuer *x509.Certificate, source string) {
	if !bytes.Equal(c.rl.RawIssuer, issuer.RawSubject) || !bytes.Equal(cert.RawIssuer, issuer.RawSubject) {
		return
	}
	err, ok := c.checked[issuer]
	if !ok {
		err = c.rl.CheckSignatureFrom(issuer)
		c.checked[issuer] = err
	}
	if err != nil {
		st.refuse(source, fmt.Errorf("its signature does not verify with the key of %q: %v", issuer.Subject.CommonName, err))
		return
	}
	if c.revoked == nil {
		c.revoked = make(map[string]x509.RevocationListEntry, len(c.rl.RevokedCertificateEntries))
		for _, e := range c.rl.RevokedCertificateEntries {
			if e.SerialNumber != nil {
				c.revoked[e.SerialNumber.Text(16)] = e
			}
		}
	}
	if e, ok := c.revoked[cert.SerialNumber.Text(16)]; ok {
		st.revoke(source, e.RevocationTime, e.ReasonCode)
		st.keep(RevocationCRL, c.der, source, cert, true, e.RevocationTime, c.rl.ThisUpdate)
		return
	}
	st.good(source, c.rl.ThisUpdate)
	st.keep(RevocationCRL, c.der, source, cert, false, time.Time{}, c.rl.ThisUpdate)
}

// errOtherIssuer is an OCSP response for cert's serial number that names
// another issuer (RFC 6960, 4.1.1): about another certificate.
var errOtherIssuer = errors.New("OCSP response is about another issuer's certificate")

// checkOCSP parses an OCSP response about cert and checks who signed it:
// the issuer itself, or a responder certificate the issuer issued with the
// id-kp-OCSPSigning extended key usage (RFC 6960, 4.2.2.2). x/crypto/ocsp
// checks only that the issuer signed the responder's certificate, so that
// any certificate of the same CA — another signer's — could vouch for a
// revoked certificate; the extended key usage is checked here.
func checkOCSP(der []byte, cert, issuer *x509.Certificate) (*ocsp.Response, error) {
	resp, err := ocsp.ParseResponseForCert(der, cert, nil)
	if err != nil {
		return nil, err
	}
	if !sameCertID(der, cert, issuer) {
		return nil, errOtherIssuer
	}
	switch rc := resp.Certificate; {
	case rc == nil:
		if err := resp.CheckSignatureFrom(issuer); err != nil {
			return nil, err
		}
	case rc.Equal(issuer):
		// The issuer signed it (ParseResponseForCert checked).
	default:
		if err := checkCertSignature(rc, issuer); err != nil || !bytes.Equal(rc.RawIssuer, issuer.RawSubject) {
			return nil, errors.New("OCSP responder certificate not issued by the certificate's issuer")
		}
		if !slices.Contains(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			return nil, errors.New("OCSP responder certificate lacks id-kp-OCSPSigning")
		}
		if !resp.ProducedAt.IsZero() && (resp.ProducedAt.Before(rc.NotBefore) || resp.ProducedAt.After(rc.NotAfter)) {
			return nil, errors.New("OCSP responder certificate not valid when the response was produced")
		}
	}
	return resp, nil
}

// sameCertID reports whether the OCSP response's single response for
// cert's serial number names issuer (issuerNameHash and issuerKeyHash,
// RFC 6960, 4.1.1), which x/crypto/ocsp does not check.
func sameCertID(der []byte, cert, issuer *x509.Certificate) bool {
	// OCSPResponse { status, [0] { type, OCTET STRING BasicOCSPResponse } }
	s := cryptobyte.String(der)
	var resp, wrap, rb, bytesV, basic, tbs, responses cryptobyte.String
	var status int64
	if !s.ReadASN1(&resp, cbasn1.SEQUENCE) ||
		!resp.ReadASN1Int64WithTag(&status, cbasn1.ENUM) ||
		!resp.ReadASN1(&wrap, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
		!wrap.ReadASN1(&rb, cbasn1.SEQUENCE) ||
		!rb.SkipASN1(cbasn1.OBJECT_IDENTIFIER) ||
		!rb.ReadASN1(&bytesV, cbasn1.OCTET_STRING) ||
		!bytesV.ReadASN1(&basic, cbasn1.SEQUENCE) ||
		!basic.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return false
	}
	tbs.SkipOptionalASN1(cbasn1.Tag(0).ContextSpecific().Constructed()) // version
	// responderID: byName [1] or byKey [2]. (A failed SkipASN1 consumes
	// the element, so peek first.)
	switch {
	case tbs.PeekASN1Tag(cbasn1.Tag(1).ContextSpecific().Constructed()):
		tbs.SkipASN1(cbasn1.Tag(1).ContextSpecific().Constructed())
	case tbs.PeekASN1Tag(cbasn1.Tag(2).ContextSpecific().Constructed()):
		tbs.SkipASN1(cbasn1.Tag(2).ContextSpecific().Constructed())
	default:
		return false
	}
	if !tbs.SkipASN1(cbasn1.GeneralizedTime) || !tbs.ReadASN1(&responses, cbasn1.SEQUENCE) {
		return false
	}
	for !responses.Empty() {
		var single, certID cryptobyte.String
		var nameHash, keyHash cryptobyte.String
		if !responses.ReadASN1(&single, cbasn1.SEQUENCE) || !single.ReadASN1(&certID, cbasn1.SEQUENCE) {
			return false
		}
		alg, err := cmsasn1.ReadAlgorithm(&certID)
		if err != nil || !certID.ReadASN1(&nameHash, cbasn1.OCTET_STRING) || !certID.ReadASN1(&keyHash, cbasn1.OCTET_STRING) {
			return false
		}
		serial := new(big.Int)
		if !certID.ReadASN1Integer(serial) || serial.Cmp(cert.SerialNumber) != 0 {
			continue
		}
		h, _, ok := cmsasn1.HashForDigestOID(alg.Algorithm)
		if !ok || newHash(h) == nil {
			return false
		}
		return bytes.Equal(nameHash, digest(h, issuer.RawSubject)) && bytes.Equal(keyHash, digest(h, spkiBits(issuer)))
	}
	return false
}

// spkiBits returns the subjectPublicKey BIT STRING's bytes of c.
func spkiBits(c *x509.Certificate) []byte {
	s := cryptobyte.String(c.RawSubjectPublicKeyInfo)
	var spki cryptobyte.String
	var bits asn1.BitString
	if !s.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.SkipASN1(cbasn1.SEQUENCE) || !spki.ReadASN1BitString(&bits) {
		return nil
	}
	return bits.Bytes
}

// onlineAnswer is a fetched OCSP response or CRL.
type onlineAnswer struct {
	der []byte
	err error
}

// onlineStatus asks cert's OCSP responders, then its CRL distribution
// points (http and https URLs only), through Options.Online.
func (v *validator) onlineStatus(st *revStatus, cert, issuer *x509.Certificate) {
	tried := false
	for _, url := range cert.OCSPServer {
		if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			continue
		}
		req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA1})
		if err != nil {
			break
		}
		tried = true
		ans := v.fetch(url, req)
		if ans.err != nil {
			st.warnings = append(st.warnings, fmt.Sprintf("online OCSP at %s: %v", url, ans.err))
			continue
		}
		resp, err := checkOCSP(ans.der, cert, issuer)
		if err != nil {
			st.warnings = append(st.warnings, fmt.Sprintf("online OCSP at %s: %v", url, err))
			continue
		}
		switch resp.Status {
		case ocsp.Good:
			st.good("OCSP online ("+url+")", resp.ThisUpdate)
			st.keep(RevocationOCSP, ans.der, "OCSP online ("+url+")", cert, false, time.Time{}, resp.ThisUpdate)
		case ocsp.Revoked:
			st.revoke("OCSP online ("+url+")", resp.RevokedAt, resp.RevocationReason)
			st.keep(RevocationOCSP, ans.der, "OCSP online ("+url+")", cert, true, resp.RevokedAt, resp.ThisUpdate)
		}
		if st.checked {
			return
		}
	}
	for _, url := range cert.CRLDistributionPoints {
		if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			continue
		}
		tried = true
		ans := v.fetch(url, nil)
		if ans.err != nil {
			st.warnings = append(st.warnings, fmt.Sprintf("online CRL at %s: %v", url, ans.err))
			continue
		}
		rl, err := x509.ParseRevocationList(ans.der)
		if err != nil {
			st.warnings = append(st.warnings, fmt.Sprintf("online CRL at %s: %v", url, err))
			continue
		}
		applyCRL(st, &crlInfo{der: ans.der, rl: rl, checked: map[*x509.Certificate]error{}}, cert, issuer, "CRL online ("+url+")")
		if st.checked {
			return
		}
	}
	st.tryLater = tried || len(cert.OCSPServer)+len(cert.CRLDistributionPoints) == 0
}

// fetch asks the fetcher of Options.Online: the responder at url for
// the OCSP request req, or, req nil, the CRL at url. Answers are cached
// for the document.
func (v *validator) fetch(url string, req []byte) onlineAnswer {
	key := url + "\x00" + string(req)
	if a, ok := v.online[key]; ok {
		return a
	}
	var a onlineAnswer
	if req != nil {
		a.der, a.err = v.opts.Online.OCSP(v.ctx, url, req)
	} else {
		a.der, a.err = v.opts.Online.CRL(v.ctx, url)
	}
	v.online[key] = a
	return a
}

// parseRevInfoArchival reads Adobe's adbe-revInfoArchival signed attribute
// (RevocationInfoArchival ::= SEQUENCE { crl [0] EXPLICIT SEQUENCE OF
// CertificateList OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse
// OPTIONAL, otherRevInfo [2] ... OPTIONAL }).
func parseRevInfoArchival(der []byte, d *revData) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return
	}
	for _, f := range []struct {
		tag  cbasn1.Tag
		list *[][]byte
	}{{cbasn1.Tag(0).ContextSpecific().Constructed(), &d.crls}, {cbasn1.Tag(1).ContextSpecific().Constructed(), &d.ocsps}} {
		var outer, items cryptobyte.String
		if !seq.PeekASN1Tag(f.tag) {
			continue
		}
		if !seq.ReadASN1(&outer, f.tag) || !outer.ReadASN1(&items, cbasn1.SEQUENCE) {
			return
		}
		for !items.Empty() && len(*f.list) < maxRevocation {
			var el cryptobyte.String
			if !items.ReadASN1Element(&el, cbasn1.SEQUENCE) {
				return
			}
			*f.list = append(*f.list, el)
		}
	}
}

// signerUnchecked says why the signer certificate's revocation status,
// which no source gave, is unknown: the detail of its TRY_LATER.
func signerUnchecked(st revStatus, online bool) string {
	switch {
	case len(st.unusable) > 0:
		reasons := st.unusable
		if len(reasons) > 3 {
			reasons = append(slices.Clone(reasons[:3]), fmt.Sprintf("and %d more", len(reasons)-3))
		}
		return fmt.Sprintf("the revocation status of the signer's certificate is unknown: the document holds revocation data about it, but none that can be used (%s)", strings.Join(reasons, "; "))
	case online:
		return "the revocation status of the signer's certificate could not be obtained online"
	}
	return "the revocation status of the signer's certificate is unknown: the document holds no OCSP response or CRL about it, and online checking is off"
}

// revocationCheck is the report's summary of st, the signer
// certificate's revocation status.
func revocationCheck(st revStatus, online bool) *RevocationCheck {
	rc := &RevocationCheck{Status: RevocationUnknown, Online: online}
	switch {
	case st.revoked:
		rc.Status, rc.From = RevocationRevoked, st.from
	case st.checked:
		rc.Status, rc.From = RevocationGood, st.from
	}
	return rc
}

// uncheckedCert is a certificate of a chain whose revocation status no
// source gave.
type uncheckedCert struct {
	cert *x509.Certificate
	st   revStatus
}

// uncheckedWarnings says, for the certificates of a chain whose status is
// unknown, why: nothing about them in the document (nor online, when
// allowed), or data about them that could not be used, and why not — a
// DSS that holds responses is not a document without any.
func uncheckedWarnings(list []uncheckedCert, online bool) []string {
	var none []string
	var out []string
	for _, u := range list {
		name := fmt.Sprintf("%q", u.cert.Subject.CommonName)
		if len(u.st.unusable) == 0 {
			none = append(none, name)
			continue
		}
		reasons := u.st.unusable
		if len(reasons) > 3 {
			reasons = append(slices.Clone(reasons[:3]), fmt.Sprintf("and %d more", len(reasons)-3))
		}
		out = append(out, fmt.Sprintf("revocation status not checked for %s: the document holds revocation data about it, but none that can be used (%s)", name, strings.Join(reasons, "; ")))
	}
	if len(none) > 0 {
		where := "no OCSP response or CRL about them in the document (online checking is off)"
		if online {
			where = "no OCSP response or CRL about them in the document or online"
		}
		out = append([]string{fmt.Sprintf("revocation status not checked for %s: %s", strings.Join(none, ", "), where)}, out...)
	}
	return out
}
