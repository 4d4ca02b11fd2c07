package pades

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/internal/certcheck"
	"github.com/kyso-vn/kyso/model"
)

// maxChain bounds the certificate paths built from a time-stamp token.
const maxChain = 8

// vri is the validation data of one signature or document time-stamp: a
// Validation-Related Information entry of the DSS (ETSI EN 319 142-1,
// 5.4.2.3; ISO 32000-2, 12.8.4.4).
type vri struct {
	key                string // upper-case hex SHA-1 of the /Contents bytes
	certs, ocsps, crls [][]byte
	// statused and crlOf record the certificates whose status, and the
	// issuers whose CRL, collect already has, so that a CA shared by the
	// signer's and the TSA's chains is asked once.
	statused map[string]bool
	crlOf    map[string]*x509.RevocationList // nil: the issuer has none
}

func vriKey(contents []byte) string {
	sum := sha1.Sum(contents)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func appendUnique(list [][]byte, b []byte) [][]byte {
	for _, have := range list {
		if bytes.Equal(have, b) {
			return list
		}
	}
	return append(list, b)
}

// signatureMaterial gathers the validation data of the signature sig: the
// certificates, OCSP responses and CRLs of the signer's chain and of its
// signature time-stamp's TSA.
func (s *Signer) signatureMaterial(ctx context.Context, cred model.Key, sig *placed) (vri, error) {
	v := vri{key: vriKey(sig.contents())}
	chain := append([]*x509.Certificate{cred.Cert}, cred.Chain...)
	if !selfIssued(chain[len(chain)-1]) {
		return v, ErrInvalid.Errorf("B-LT needs the credential's chain up to its root")
	}
	if err := s.collect(ctx, &v, chain); err != nil {
		return v, err
	}
	si, err := parseCMS(sig.contents())
	if err != nil {
		return v, err
	}
	token, err := timeStampToken(si)
	if err != nil {
		return v, err
	}
	if token == nil {
		return v, ErrIntegrity.Errorf("signature has no time-stamp token")
	}
	tsChain, err := tokenChain(token, cred.Chain)
	if err != nil {
		return v, err
	}
	return v, s.collect(ctx, &v, tsChain)
}

// timestampMaterial gathers the validation data of the document
// time-stamp dts: its TSA's certificates and their status.
func (s *Signer) timestampMaterial(ctx context.Context, cred model.Key, dts *placed) (vri, error) {
	v := vri{key: vriKey(dts.contents())}
	token, err := trimDER(dts.contents())
	if err != nil {
		return v, err
	}
	tsChain, err := tokenChain(token, cred.Chain)
	if err != nil {
		return v, err
	}
	return v, s.collect(ctx, &v, tsChain)
}

// collect adds chain (a leaf, its issuer, ..., a root) to v with an OCSP
// response for every certificate below the root and the CRL of every
// issuer that has one. Responses are checked: an OCSP response must be
// signed for the certificate by its issuer (or a responder it delegated
// to) and say good; a CRL must be signed by the issuer and not list the
// certificate.
func (s *Signer) collect(ctx context.Context, v *vri, chain []*x509.Certificate) error {
	if v.statused == nil {
		v.statused, v.crlOf = map[string]bool{}, map[string]*x509.RevocationList{}
	}
	now := s.now()
	for i, c := range chain {
		v.certs = appendUnique(v.certs, c.Raw)
		if i == len(chain)-1 {
			break // a root has no status to prove
		}
		if v.statused[string(c.Raw)] {
			continue
		}
		v.statused[string(c.Raw)] = true
		issuer := chain[i+1]
		der, err := s.rev.OCSP(ctx, c, issuer)
		if err != nil {
			return fmt.Errorf("OCSP for %q: %w", c.Subject.CommonName, err)
		}
		if der != nil {
			resp, err := ocsp.ParseResponseForCert(der, c, issuer)
			if err != nil {
				return ErrIntegrity.Errorf("OCSP response for %q: %v", c.Subject.CommonName, err)
			}
			switch {
			case resp.Status == ocsp.Revoked:
				return ErrRevoked.Errorf("%q (serial %x) is revoked", c.Subject.CommonName, c.SerialNumber)
			case resp.Status != ocsp.Good:
				return ErrIntegrity.Errorf("OCSP status of %q is unknown", c.Subject.CommonName)
			case !resp.NextUpdate.IsZero() && resp.NextUpdate.Before(now):
				return ErrIntegrity.Errorf("OCSP response for %q expired at %v", c.Subject.CommonName, resp.NextUpdate)
			}
			v.ocsps = appendUnique(v.ocsps, der)
			if resp.Certificate != nil {
				v.certs = appendUnique(v.certs, resp.Certificate.Raw)
			}
		}

		rl, err := s.crl(ctx, v, issuer)
		if err != nil {
			return err
		}
		if rl == nil {
			if der == nil {
				return ErrUnsupported.Errorf("no OCSP response and no CRL for %q: it could not be validated offline", c.Subject.CommonName)
			}
			continue
		}
		for _, e := range rl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
				return ErrRevoked.Errorf("%q (serial %x) is on its issuer's CRL", c.Subject.CommonName, c.SerialNumber)
			}
		}
	}
	return nil
}

// crl returns issuer's CRL, asking the revocation source once per issuer
// and adding it to v. It returns nil if the issuer has none.
func (s *Signer) crl(ctx context.Context, v *vri, issuer *x509.Certificate) (*x509.RevocationList, error) {
	if rl, ok := v.crlOf[string(issuer.Raw)]; ok {
		return rl, nil
	}
	der, err := s.rev.CRL(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("CRL of %q: %w", issuer.Subject.CommonName, err)
	}
	if der == nil {
		v.crlOf[string(issuer.Raw)] = nil
		return nil, nil
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, ErrIntegrity.Errorf("CRL of %q: %v", issuer.Subject.CommonName, err)
	}
	if err := rl.CheckSignatureFrom(issuer); err != nil {
		return nil, ErrIntegrity.Errorf("CRL of %q: %v", issuer.Subject.CommonName, err)
	}
	if !rl.NextUpdate.IsZero() && rl.NextUpdate.Before(s.now()) {
		return nil, ErrIntegrity.Errorf("CRL of %q expired at %v", issuer.Subject.CommonName, rl.NextUpdate)
	}
	v.crlOf[string(issuer.Raw)] = rl
	v.crls = appendUnique(v.crls, der)
	return rl, nil
}

// tokenChain returns the TSA certificate of a time-stamp token followed by
// its issuers up to a root, taken from the token's certificates and extra.
func tokenChain(token []byte, extra []*x509.Certificate) ([]*x509.Certificate, error) {
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return nil, ErrIntegrity.Errorf("parse time-stamp token: %v", err)
	}
	leaf := p7.GetOnlySigner()
	if leaf == nil {
		return nil, errNoTimestampCertificate
	}
	pool := append(append([]*x509.Certificate{}, p7.Certificates...), extra...)
	chain := []*x509.Certificate{leaf}
	for cur := leaf; !selfIssued(cur); {
		if len(chain) > maxChain {
			return nil, ErrIntegrity.Errorf("TSA certificate path longer than %d", maxChain)
		}
		var next *x509.Certificate
		for _, c := range pool {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && certcheck.CheckSignatureFrom(cur, c) == nil {
				next = c
				break
			}
		}
		if next == nil {
			return nil, ErrIntegrity.Errorf("no issuer of TSA certificate %q in the token or the signer's chain", cur.Subject.CommonName)
		}
		chain = append(chain, next)
		cur = next
	}
	return chain, nil
}

func selfIssued(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && certcheck.CheckSignatureFrom(c, c) == nil
}

// blobs is one array of the DSS (/Certs, /OCSPs or /CRLs): its streams, by
// content, so that data already in the DSS is referred to, not repeated.
type blobs struct {
	refs   []ref
	byHash map[[32]byte]ref
}

func loadBlobs(arr pdf.Value, container pdf.Ptr) *blobs {
	b := &blobs{byHash: map[[32]byte]ref{}}
	if isIndirect(arr, container) {
		container = arr.GetPtr()
	}
	for i := 0; i < arr.Len(); i++ {
		e := arr.Index(i)
		if e.Kind() != pdf.Stream || !isIndirect(e, container) {
			continue
		}
		r := ptrRef(e.GetPtr())
		b.refs = append(b.refs, r)
		b.byHash[sha256.Sum256(e.Data())] = r
	}
	return b
}

// add returns the references of data, writing streams for new items.
func (b *blobs) add(rev *revision, data [][]byte) []ref {
	var out []ref
	for _, d := range data {
		h := sha256.Sum256(d)
		r, ok := b.byHash[h]
		if !ok {
			r = rev.add(streamObject("", d))
			b.byHash[h] = r
			b.refs = append(b.refs, r)
		}
		out = append(out, r)
	}
	return out
}

// addDSS appends a revision that gives the catalog a Document Security
// Store (ETSI EN 319 142-1, 5.4; ISO 32000-2, 12.8.4.3) holding what the
// document's DSS held before plus items, each with its VRI entry.
func addDSS(doc *document, items ...vri) error {
	rdr, rev, err := doc.begin()
	if err != nil {
		return err
	}
	root := rdr.Trailer().Key("Root")
	old := root.Key("DSS")
	container := root.GetPtr()
	if isIndirect(old, container) {
		container = old.GetPtr()
	}
	certs := loadBlobs(old.Key("Certs"), container)
	ocsps := loadBlobs(old.Key("OCSPs"), container)
	crls := loadBlobs(old.Key("CRLs"), container)

	vris := newDict()
	if oldVRI := old.Key("VRI"); oldVRI.Kind() == pdf.Dict {
		c := container
		if isIndirect(oldVRI, c) {
			c = oldVRI.GetPtr()
		}
		if vris, err = copyDict(oldVRI, c); err != nil {
			return fmt.Errorf("copy VRI: %w", err)
		}
	}
	for _, it := range items {
		e := newDict()
		if r := certs.add(rev, it.certs); len(r) > 0 {
			e.set("Cert", refArray(r))
		}
		if r := ocsps.add(rev, it.ocsps); len(r) > 0 {
			e.set("OCSP", refArray(r))
		}
		if r := crls.add(rev, it.crls); len(r) > 0 {
			e.set("CRL", refArray(r))
		}
		vris.set(it.key, string(e.bytes()))
	}

	dss := newDict()
	dss.set("Type", "/DSS")
	if len(certs.refs) > 0 {
		dss.set("Certs", refArray(certs.refs))
	}
	if len(ocsps.refs) > 0 {
		dss.set("OCSPs", refArray(ocsps.refs))
	}
	if len(crls.refs) > 0 {
		dss.set("CRLs", refArray(crls.refs))
	}
	dss.set("VRI", string(vris.bytes()))
	cat := newDict()
	cat.set("DSS", rev.add(dss.bytes()).String())
	if err := updateCatalog(rev, root, cat); err != nil {
		return err
	}
	if err := rev.finish(); err != nil {
		return err
	}
	doc.revs = append(doc.revs, rev)
	return nil
}
