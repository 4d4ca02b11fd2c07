package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/certcheck"
	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/model"
)

// ErrIncomplete means the validation data of a signature or time-stamp of
// the document could not be completed: a certificate of a chain is
// missing, or no usable OCSP response or CRL gives a certificate's status
// at the time the signature provably existed. Its message names each
// certificate and what it lacks. Nothing is written: a document is never
// labelled B-LT without the data B-LT means.
var ErrIncomplete = errkind.New(errkind.InvalidDocument, "pades: validation data incomplete")

// maxExtendSignatures bounds the signatures and document time-stamps an
// extension gathers validation data for.
const maxExtendSignatures = 100

// ExtendOptions describe the augmentation of a signed document.
type ExtendOptions struct {
	// Level is LevelBLT (a DSS with the validation data of every
	// signature and document time-stamp) or LevelBLTA (then a document
	// time-stamp from the Signer's Timestamper, and a DSS update with its
	// TSA's validation data). "" means LevelBLTA.
	Level Level
	// Hash digests the document for the document time-stamp; zero means
	// SHA-256.
	Hash crypto.Hash
	// Certs are CA certificates to complete chains with, beyond those in
	// the document: the trust anchors and kyso's own CA certificates.
	Certs []*x509.Certificate
	// OCSPs and CRLs are validation data the caller already holds (DER),
	// used like those embedded in the document: each must prove itself.
	OCSPs, CRLs [][]byte
	// Anchor, if set, says whether a root is a trust anchor. A chain must
	// then end at one, or it is reported missing without asking the
	// Revocation source anything: an online source would otherwise fetch
	// the URLs of any certificate a document carries.
	Anchor func(*x509.Certificate) bool
	// Commit, if set, is called once the extended document is complete
	// and checked, before its first byte is written; an error from it
	// aborts and nothing is written.
	Commit func(*ExtendResult) error
}

// ExtendResult describes an extended document.
type ExtendResult struct {
	// DocumentDigest is the SHA-256 of the whole output.
	DocumentDigest []byte
	// Level is the level asked for and reached.
	Level Level
	// Size is the length of the output in bytes.
	Size int64
	// Signatures and Timestamps count the signatures and document
	// time-stamps of the input whose validation data the DSS now holds.
	Signatures, Timestamps int
}

// Extend raises every signature of a signed PDF, whoever made it, to
// PAdES B-LT or B-LTA (ETSI EN 319 142-1, 6.3 and 6.4): it reads in (size
// bytes) and writes to out the input unchanged followed by incremental
// updates that only add objects and a new catalog (ISO 32000-1, 7.5.6):
// a Document Security Store with a VRI entry per signature and document
// time-stamp (ETSI EN 319 142-1, 5.4), then, for B-LTA, a document
// time-stamp and the DSS update with its TSA's validation data.
//
// For each signature (and earlier document time-stamp), the signer's and
// its time-stamp authority's chains are built up to a self-signed root
// from the certificates of the CMS, the DSS, and opts.Certs; each
// certificate below a root needs an OCSP response or a CRL, taken from
// what the document already holds (the CMS's crls field and Adobe's
// adbe-revInfoArchival attribute, the DSS), from opts, or else asked of
// the Signer's Revocation (kyso's CA, and online sources if the caller
// wired them). Each must prove itself: an OCSP response signed for that
// certificate by its issuer or a responder the issuer delegated to, a CRL
// signed by the issuer; saying "good" (or "revoked" only after the
// signature existed); and fresh at the time the signature provably
// existed — the genTime of its time-stamp: issued after it, or valid
// over it (EN 319 102-1, 5.2.5.4, taking nextUpdate − thisUpdate as the
// maximum accepted age). A signature without a time-stamp is B-B and
// cannot become B-LT (EN 319 142-1, 6.3): refused.
//
// When anything is missing Extend returns ErrIncomplete listing every
// certificate and what it lacks, and writes nothing.
func (s *Signer) Extend(ctx context.Context, in io.ReadSeeker, size int64, out io.Writer, opts ExtendOptions) (res *ExtendResult, err error) {
	defer func() {
		// digitorus/pdf panics on some malformed input: the input's fault.
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("pades: extend: %w", ErrInvalid.Errorf("parse PDF: %v", r))
		}
	}()
	if opts.Level == "" {
		opts.Level = LevelBLTA
	}
	switch opts.Level {
	case LevelBLT:
	case LevelBLTA:
		if s.ts == nil {
			return nil, fmt.Errorf("pades: extend: %w", ErrInvalid.Errorf("level %s needs a time-stamp authority", opts.Level))
		}
	default:
		return nil, fmt.Errorf("pades: extend: %w", ErrInvalid.Errorf("level %q (want %s or %s)", opts.Level, LevelBLT, LevelBLTA))
	}
	if opts.Hash == 0 {
		opts.Hash = crypto.SHA256
	}
	if cmsasn1.DigestOID(opts.Hash) == nil {
		return nil, fmt.Errorf("pades: extend: %w", ErrInvalid.Errorf("hash %v (want SHA-256, SHA-384 or SHA-512)", opts.Hash))
	}
	if size <= 0 {
		return nil, fmt.Errorf("pades: extend: %w: empty input", ErrInvalid)
	}
	ra, ok := in.(io.ReaderAt)
	if !ok {
		ra = &readerAt{rs: in}
	}
	doc := &document{in: ra, size: size}
	rdr, err := doc.open()
	if err != nil {
		return nil, fmt.Errorf("pades: extend: %w", err)
	}
	sigs, err := readSignatures(rdr)
	if err != nil {
		return nil, fmt.Errorf("pades: extend: %w", err)
	}
	g := newGatherer(s, rdr, opts)
	var items []vri
	res = &ExtendResult{Level: opts.Level}
	for _, sg := range sigs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v, err := g.material(ctx, sg)
		if err != nil {
			return nil, fmt.Errorf("pades: extend: %w", err)
		}
		items = append(items, v)
		if sg.docTS {
			res.Timestamps++
		} else {
			res.Signatures++
		}
	}
	if len(g.missing) > 0 {
		return nil, fmt.Errorf("pades: extend: %w: %s", ErrIncomplete, strings.Join(g.missing, "; "))
	}
	if err := addDSS(doc, items...); err != nil {
		return nil, fmt.Errorf("pades: extend: add DSS: %w", err)
	}
	if opts.Level == LevelBLTA {
		dts, err := s.addDocTimestamp(ctx, doc, opts.Hash)
		if err != nil {
			return nil, fmt.Errorf("pades: extend: document time-stamp: %w", err)
		}
		v, err := g.material(ctx, signatureInfo{name: dts.field, docTS: true, contents: dts.contents()})
		if err != nil {
			return nil, fmt.Errorf("pades: extend: %w", err)
		}
		if len(g.missing) > 0 {
			return nil, fmt.Errorf("pades: extend: %w: %s", ErrIncomplete, strings.Join(g.missing, "; "))
		}
		if err := addDSS(doc, v); err != nil {
			return nil, fmt.Errorf("pades: extend: add DSS: %w", err)
		}
		if err := verifyAdded(doc, []*placed{dts}, model.Key{}, Options{Hash: opts.Hash}); err != nil {
			return nil, fmt.Errorf("pades: extend: check output: %w", err)
		}
	}
	h, err := doc.hashFrom(crypto.SHA256, doc.len())
	if err != nil {
		return nil, fmt.Errorf("pades: extend: digest of the output: %w", err)
	}
	res.DocumentDigest, res.Size = h.Sum(nil), doc.len()
	if opts.Commit != nil {
		if err := opts.Commit(res); err != nil {
			return nil, err
		}
	}
	if err := doc.writeTo(out); err != nil {
		return nil, fmt.Errorf("pades: extend: write output: %w", err)
	}
	return res, nil
}

// CertCRL is a Revocation that can find the CRL covering a certificate
// from the certificate itself (its CRL distribution points, RFC 5280,
// 4.2.1.13), as an online source does. Extend uses CRLForCert instead of
// CRL when the Signer's Revocation has it.
type CertCRL interface {
	CRLForCert(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
}

// signatureInfo is a signature or document time-stamp found in the input.
type signatureInfo struct {
	name     string // the field's fully qualified name
	docTS    bool
	contents []byte // /Contents, with its padding
}

// readSignatures returns the signed signature fields of the document's
// form (ISO 32000-1, 12.7.4.5), in the form's order.
func readSignatures(rdr *pdf.Reader) ([]signatureInfo, error) {
	f, err := readForm(rdr)
	if err != nil {
		return nil, err
	}
	var out []signatureInfo
	for _, fd := range f.fields {
		v := fd.v.Key("V")
		if fd.ft != "Sig" || v.Kind() != pdf.Dict {
			continue
		}
		if len(out) == maxExtendSignatures {
			return nil, ErrUnsupported.Errorf("more than %d signatures", maxExtendSignatures)
		}
		sub := v.Key("SubFilter").Name()
		out = append(out, signatureInfo{
			name:     fd.name,
			docTS:    sub == "ETSI.RFC3161" || v.Key("Type").Name() == "DocTimeStamp",
			contents: []byte(v.Key("Contents").RawString()),
		})
	}
	if len(out) == 0 {
		return nil, ErrInvalid.Errorf("the document has no signature to extend")
	}
	return out, nil
}

// gatherer collects and checks the validation data of a document's
// signatures.
type gatherer struct {
	s     *Signer
	pool  []*x509.Certificate // CA certificates: the document's and the caller's
	ocsps [][]byte            // candidates: the DSS's and the caller's
	crls  [][]byte
	// missing lists, for the error, each certificate that lacks something;
	// told records what it already says.
	missing []string
	told    map[string]bool
	anchor  func(*x509.Certificate) bool
	// asked records the certificates whose status the Revocation source
	// was already asked for, with its answers.
	askedOCSP map[string][]byte
	askedCRL  map[string][]byte
}

func newGatherer(s *Signer, rdr *pdf.Reader, opts ExtendOptions) *gatherer {
	g := &gatherer{s: s, askedOCSP: map[string][]byte{}, askedCRL: map[string][]byte{}, told: map[string]bool{}}
	g.pool = append(g.pool, opts.Certs...)
	dss := rdr.Trailer().Key("Root").Key("DSS")
	for _, der := range streams(dss.Key("Certs")) {
		if c, err := x509.ParseCertificate(der); err == nil {
			g.pool = append(g.pool, c)
		}
	}
	g.anchor = opts.Anchor
	g.ocsps = append(streams(dss.Key("OCSPs")), opts.OCSPs...)
	g.crls = append(streams(dss.Key("CRLs")), opts.CRLs...)
	return g
}

// streams returns the data of the streams of a DSS array.
func streams(arr pdf.Value) [][]byte {
	var out [][]byte
	for i := 0; i < arr.Len() && i < 1000; i++ {
		if e := arr.Index(i); e.Kind() == pdf.Stream {
			out = append(out, e.Data())
		}
	}
	return out
}

// lack records that what's certificate lacks something.
func (g *gatherer) lack(format string, args ...any) {
	g.missing = append(g.missing, fmt.Sprintf(format, args...))
}

// material gathers the validation data of one signature or document
// time-stamp: its signer's chain and, for a signature, its time-stamp
// authority's, with the status of every certificate below a root.
func (g *gatherer) material(ctx context.Context, sg signatureInfo) (vri, error) {
	v := vri{key: vriKey(sg.contents), statused: map[string]bool{}, crlOf: map[string]*x509.RevocationList{}}
	der, err := trimDER(sg.contents)
	if err != nil {
		return v, ErrInvalid.Errorf("signature %q: %v", sg.name, err)
	}
	sd, err := cmsasn1.ParseSignedData(der)
	if err != nil {
		return v, ErrInvalid.Errorf("signature %q: %v", sg.name, err)
	}
	if len(sd.Signers) != 1 {
		return v, ErrUnsupported.Errorf("signature %q has %d signers, want 1", sg.name, len(sd.Signers))
	}
	si := sd.Signers[0]
	local := revCandidates{ocsps: sd.OCSPs, crls: sd.CRLs}
	if a, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrRevInfoArchival, "adbe-revInfoArchival"); err == nil && a != nil {
		local.addArchival(a)
	}
	what := fmt.Sprintf("signature %q", sg.name)
	token := der
	if sg.docTS {
		what = fmt.Sprintf("document time-stamp %q", sg.name)
	} else {
		token, err = timeStampToken(si)
		if err != nil {
			return v, ErrInvalid.Errorf("%s: %v", what, err)
		}
		if token == nil {
			g.lack("%s has no signature time-stamp: it is B-B and cannot become B-LT (ETSI EN 319 142-1, 6.3)", what)
			return v, nil
		}
	}
	tsd, tst, err := parseToken(token)
	if err != nil {
		return v, ErrInvalid.Errorf("%s: time-stamp: %v", what, err)
	}
	poe := tst.GenTime
	if !sg.docTS {
		signer := g.signerCert(si, sd.Certs, false)
		if signer == nil {
			g.lack("%s: its signer's certificate is not in the CMS or the DSS", what)
			return v, nil
		}
		g.chain(ctx, &v, what, signer, sd.Certs, poe, local)
	}
	tsa := g.signerCert(tsd.Signers[0], tsd.Certs, true)
	if tsa == nil {
		g.lack("%s: the certificate of its time-stamp authority is not in the token or the DSS", what)
		return v, nil
	}
	g.chain(ctx, &v, what+", its time-stamp authority", tsa, tsd.Certs, poe, revCandidates{ocsps: tsd.OCSPs, crls: tsd.CRLs})
	return v, nil
}

// parseToken parses an RFC 3161 TimeStampToken: a SignedData over a
// TSTInfo with one signer.
func parseToken(token []byte) (*cmsasn1.SignedData, cmsasn1.TSTInfo, error) {
	sd, err := cmsasn1.ParseSignedData(token)
	if err != nil {
		return nil, cmsasn1.TSTInfo{}, err
	}
	if len(sd.Signers) != 1 || !sd.HasEContent {
		return nil, cmsasn1.TSTInfo{}, errors.New("not a time-stamp token with one signer")
	}
	tst, err := cmsasn1.ParseTSTInfo(sd.EContent)
	return sd, tst, err
}

// signerCert returns the certificate si names, from certs or the pool. A
// sid can match two certificates (a test PKI that reused a serial number
// for its TSA and its signer): then the one whose extended key usage fits
// (id-kp-timeStamping for a time-stamp token, RFC 3161, 2.3) is taken.
func (g *gatherer) signerCert(si *cmsasn1.SignerInfo, certs []*x509.Certificate, tsa bool) *x509.Certificate {
	var first *x509.Certificate
	for _, c := range append(append([]*x509.Certificate{}, certs...), g.pool...) {
		match := si.SIDSerial != nil && bytes.Equal(si.SIDIssuer, c.RawIssuer) && si.SIDSerial.Cmp(c.SerialNumber) == 0 ||
			si.SIDKeyID != nil && bytes.Equal(si.SIDKeyID, c.SubjectKeyId)
		if !match {
			continue
		}
		if first == nil {
			first = c
		}
		if slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) == tsa {
			return c
		}
	}
	return first
}

// chain adds to v the chain of leaf up to a root and the status of every
// certificate below the root at poe, recording what is missing.
func (g *gatherer) chain(ctx context.Context, v *vri, what string, leaf *x509.Certificate, certs []*x509.Certificate, poe time.Time, local revCandidates) {
	pool := append(append([]*x509.Certificate{}, certs...), g.pool...)
	chain := []*x509.Certificate{leaf}
	for cur := leaf; !selfIssuedWeak(cur); {
		if len(chain) > maxChain {
			g.lack("%s: the chain of %q is longer than %d", what, leaf.Subject.CommonName, maxChain)
			return
		}
		var next *x509.Certificate
		for _, c := range pool {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && issuedBy(cur, c) {
				next = c
				break
			}
		}
		if next == nil {
			g.lack("%s: no certificate of %q, the issuer of %q, in the document or kyso's trust store", what, issuerName(cur), cur.Subject.CommonName)
			return
		}
		chain = append(chain, next)
		cur = next
	}
	if root := chain[len(chain)-1]; g.anchor != nil && !g.anchor(root) {
		g.lack("%s: the chain of %q ends at %q, which is not a trust anchor", what, leaf.Subject.CommonName, root.Subject.CommonName)
		return
	}
	for i, c := range chain {
		v.certs = appendUnique(v.certs, c.Raw)
		if i == len(chain)-1 {
			break // a root has no status to prove
		}
		if v.statused[string(c.Raw)] {
			continue
		}
		v.statused[string(c.Raw)] = true
		if problem := g.status(ctx, v, c, chain[i+1], poe, local); problem != "" {
			// A CA shared by several signatures is named once.
			key := string(c.Raw) + "\x00" + problem
			if !g.told[key] {
				g.told[key] = true
				g.lack("%s: %q (serial %x): %s", what, c.Subject.CommonName, c.SerialNumber, problem)
			}
		}
	}
}

// issuedBy reports whether parent's key signed child. Unlike crypto/x509
// it accepts SHA-1 signatures: the Vietnamese Government CA's first
// generation signed its certificates so. Building the path to embed is not
// trusting it: the verifier judges the chain and its algorithms.
func issuedBy(child, parent *x509.Certificate) bool {
	err := certcheck.CheckSignatureFrom(child, parent)
	if err == nil {
		return true
	}
	var insecure x509.InsecureAlgorithmError
	if !errors.As(err, &insecure) || !parent.IsCA && !bytes.Equal(child.Raw, parent.Raw) {
		return false
	}
	sum := sha1.Sum(child.RawTBSCertificate)
	switch pub := parent.PublicKey.(type) {
	case *rsa.PublicKey:
		return child.SignatureAlgorithm == x509.SHA1WithRSA && rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], child.Signature) == nil
	case *ecdsa.PublicKey:
		return child.SignatureAlgorithm == x509.ECDSAWithSHA1 && ecdsa.VerifyASN1(pub, sum[:], child.Signature)
	}
	return false
}

// selfIssuedWeak is selfIssued accepting a SHA-1 self-signature.
func selfIssuedWeak(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && issuedBy(c, c)
}

func issuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return c.Issuer.CommonName
	}
	return c.Issuer.String()
}

// revCandidates are OCSP responses and CRLs found with one signature.
type revCandidates struct{ ocsps, crls [][]byte }

// addArchival adds the content of Adobe's adbe-revInfoArchival attribute
// (RevocationInfoArchival ::= SEQUENCE { crl [0] EXPLICIT SEQUENCE OF
// CertificateList OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse
// OPTIONAL, otherRevInfo [2] ... OPTIONAL }).
func (r *revCandidates) addArchival(der []byte) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return
	}
	for _, f := range []struct {
		tag  cbasn1.Tag
		list *[][]byte
	}{{cbasn1.Tag(0).ContextSpecific().Constructed(), &r.crls}, {cbasn1.Tag(1).ContextSpecific().Constructed(), &r.ocsps}} {
		var outer, items cryptobyte.String
		if !seq.PeekASN1Tag(f.tag) {
			continue
		}
		if !seq.ReadASN1(&outer, f.tag) || !outer.ReadASN1(&items, cbasn1.SEQUENCE) {
			return
		}
		for n := 0; !items.Empty() && n < cmsasn1.MaxRevocation; n++ {
			var el cryptobyte.String
			if !items.ReadASN1Element(&el, cbasn1.SEQUENCE) {
				return
			}
			*f.list = append(*f.list, el)
		}
	}
}

// fresh reports whether status information valid from thisUpdate to
// nextUpdate (zero: no next update announced) tells the status at poe:
// issued after it, or valid over it (ETSI EN 319 102-1, 5.2.5.4, with
// nextUpdate − thisUpdate as the maximum accepted age).
func fresh(thisUpdate, nextUpdate, poe time.Time) bool {
	return !thisUpdate.Before(poe) || !nextUpdate.IsZero() && !thisUpdate.After(poe) && !nextUpdate.Before(poe)
}

// status finds proof of c's status at poe: an OCSP response, else a CRL of
// issuer, from local, the document and the caller, else from the
// Revocation source. It adds what it used to v and returns "" or what is
// wrong.
func (g *gatherer) status(ctx context.Context, v *vri, c, issuer *x509.Certificate, poe time.Time, local revCandidates) string {
	var reasons []string
	// A revocation before the time-stamp reported by any source wins
	// over another source's "good".
	revoked := ""
	tryOCSP := func(der []byte, source string) bool {
		resp, err := ocsp.ParseResponseForCert(der, c, issuer)
		if err != nil {
			if err != errNotForCert {
				reasons = append(reasons, fmt.Sprintf("an OCSP response from %s is unusable: %v", source, err))
			}
			return false
		}
		// A responder other than the issuer must be delegated by it
		// (RFC 6960, 4.2.2.2); x/crypto/ocsp checks only that the issuer
		// signed the responder's certificate.
		if r := resp.Certificate; r != nil && !bytes.Equal(r.Raw, issuer.Raw) && !slices.Contains(r.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
			reasons = append(reasons, fmt.Sprintf("an OCSP response from %s is signed by %q, which %q did not delegate OCSP signing to", source, r.Subject.CommonName, issuer.Subject.CommonName))
			return false
		}
		switch {
		case resp.Status == ocsp.Revoked && !resp.RevokedAt.After(poe):
			revoked = fmt.Sprintf("revoked on %s, before the signature's time-stamp (%s), per an OCSP response from %s", resp.RevokedAt.UTC().Format(time.RFC3339), poe.UTC().Format(time.RFC3339), source)
			return false
		case resp.Status != ocsp.Good && resp.Status != ocsp.Revoked:
			reasons = append(reasons, fmt.Sprintf("an OCSP response from %s says its status is unknown", source))
			return false
		case !fresh(resp.ThisUpdate, resp.NextUpdate, poe):
			reasons = append(reasons, fmt.Sprintf("the OCSP response from %s is of %s, valid until %s: it does not tell the status at the time-stamp (%s)", source, resp.ThisUpdate.UTC().Format(time.RFC3339), resp.NextUpdate.UTC().Format(time.RFC3339), poe.UTC().Format(time.RFC3339)))
			return false
		}
		v.ocsps = appendUnique(v.ocsps, der)
		if resp.Certificate != nil {
			v.certs = appendUnique(v.certs, resp.Certificate.Raw)
		}
		return true
	}
	tryCRL := func(der []byte, source string) bool {
		rl, err := x509.ParseRevocationList(der)
		if err != nil || !bytes.Equal(rl.RawIssuer, issuer.RawSubject) {
			return false
		}
		if err := rl.CheckSignatureFrom(issuer); err != nil {
			reasons = append(reasons, fmt.Sprintf("a CRL from %s is not signed by %q: %v", source, issuer.Subject.CommonName, err))
			return false
		}
		for _, e := range rl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(c.SerialNumber) == 0 && !e.RevocationTime.After(poe) {
				revoked = fmt.Sprintf("revoked on %s, before the signature's time-stamp, per the CRL from %s", e.RevocationTime.UTC().Format(time.RFC3339), source)
				return false
			}
		}
		if !fresh(rl.ThisUpdate, rl.NextUpdate, poe) {
			reasons = append(reasons, fmt.Sprintf("the CRL from %s is of %s, valid until %s: it does not tell the status at the time-stamp (%s)", source, rl.ThisUpdate.UTC().Format(time.RFC3339), rl.NextUpdate.UTC().Format(time.RFC3339), poe.UTC().Format(time.RFC3339)))
			return false
		}
		v.crls = appendUnique(v.crls, der)
		return true
	}
	for _, set := range []struct {
		ocsps, crls [][]byte
		source      string
	}{{local.ocsps, local.crls, "the signature"}, {g.ocsps, g.crls, "the DSS or the caller"}} {
		for _, der := range set.ocsps {
			if tryOCSP(der, set.source) && revoked == "" {
				return ""
			}
		}
		for _, der := range set.crls {
			if tryCRL(der, set.source) && revoked == "" {
				return ""
			}
		}
	}
	if g.s.rev != nil {
		key := string(c.Raw)
		der, ok := g.askedOCSP[key]
		if !ok {
			var err error
			der, err = g.s.rev.OCSP(ctx, c, issuer)
			if err != nil {
				reasons = append(reasons, fmt.Sprintf("OCSP: %v", err))
			}
			g.askedOCSP[key] = der
		}
		if der != nil && tryOCSP(der, "its responder") && revoked == "" {
			return ""
		}
		crlKey, crlOf := string(issuer.Raw), func() ([]byte, error) { return g.s.rev.CRL(ctx, issuer) }
		if cf, ok := g.s.rev.(CertCRL); ok {
			crlKey, crlOf = string(c.Raw), func() ([]byte, error) { return cf.CRLForCert(ctx, c, issuer) }
		}
		crl, ok := g.askedCRL[crlKey]
		if !ok {
			var err error
			crl, err = crlOf()
			if err != nil {
				reasons = append(reasons, fmt.Sprintf("CRL: %v", err))
			}
			g.askedCRL[crlKey] = crl
		}
		if crl != nil && tryCRL(crl, "its issuer") && revoked == "" {
			return ""
		}
	}
	if revoked != "" {
		return revoked
	}
	if len(reasons) == 0 {
		return "no OCSP response or CRL about it in the document, from kyso's CA, or online (if allowed)"
	}
	sort.Strings(reasons)
	return strings.Join(reasons, "; ")
}

// errNotForCert is what x/crypto/ocsp returns for a response about
// another certificate, which is not a problem with the response.
var errNotForCert error = ocsp.ParseError("no response matching the supplied certificate")
