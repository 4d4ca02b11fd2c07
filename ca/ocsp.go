package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/store"
)

// oidOCSPNonce is id-pkix-ocsp-nonce (RFC 6960, 4.4.1; RFC 8954).
var oidOCSPNonce = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}

// maxOCSPRequest bounds the size of an OCSP request kyso parses.
const maxOCSPRequest = 8 << 10

// maxNonce is the largest nonce echoed (RFC 8954, 2.1: 1 to 32 octets;
// kyso tolerates up to 128 from older clients).
const maxNonce = 128

// Respond answers a DER OCSP request (RFC 6960) with a DER OCSP response.
// Protocol-level problems become OCSP error responses (malformedRequest,
// unauthorized, tryLater), which are still valid answers; the returned
// error is for logging only and is set when the response is tryLater.
func (a *Authority) Respond(ctx context.Context, reqDER []byte) ([]byte, error) {
	if len(reqDER) > maxOCSPRequest {
		return ocsp.MalformedRequestErrorResponse, nil
	}
	req, err := ocsp.ParseRequest(reqDER)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse, nil
	}
	nonce, err := requestNonce(reqDER)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse, nil
	}
	all, err := a.sync(ctx)
	if err != nil {
		return tryLater, fmt.Errorf("ocsp: %w", err)
	}
	is := matchIssuer(all, req)
	if is == nil || is.ocspSigner == nil {
		return ocsp.UnauthorizedErrorResponse, nil
	}
	now := a.cfg.Now().UTC().Truncate(time.Second)
	ans := ocspAnswer{req: req, status: ocsp.Unknown, thisUpdate: now, nextUpdate: now.Add(a.cfg.OCSPValidity), nonce: nonce}
	var rec *store.Certificate
	err = store.ErrNotFound
	// kyso's serials are positive; serialHex drops the sign, so a
	// negative serial must not be looked up as its absolute value (that
	// answered "good" for a serial kyso never issued).
	if req.SerialNumber.Sign() > 0 {
		rec, err = a.store.GetCertificateBySerial(ctx, is.rec.ID, serialHex(req.SerialNumber))
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		// RFC 6960 2.2: "unknown" — kyso never issued this serial.
	case err != nil:
		return tryLater, fmt.Errorf("ocsp: %w", backendErr("lookup serial", err))
	default:
		switch rec.Status {
		case store.CertActive, store.CertSuperseded:
			ans.status = ocsp.Good
		case store.CertRevoked:
			ans.status = ocsp.Revoked
			if rec.RevokedAt != nil {
				ans.revokedAt = *rec.RevokedAt
			}
			ans.reason = rec.RevocationReason
		}
	}
	resp, err := createOCSPResponse(is.cert, is.ocspCert, is.ocspSigner, ans)
	if err != nil {
		return tryLater, fmt.Errorf("ocsp: sign response: %w", backendErr("sign", err))
	}
	return resp, nil
}

// tryLater is the RFC 6960 tryLater(3) response.
var tryLater = []byte{0x30, 0x03, 0x0A, 0x01, 0x03}

// matchIssuer finds the issuer named by the request's CertID by its name
// and key hashes (RFC 6960, 4.1.1).
func matchIssuer(all map[string]*issuer, req *ocsp.Request) *issuer {
	var h func([]byte) []byte
	switch req.HashAlgorithm {
	case crypto.SHA1:
		h = func(b []byte) []byte { s := sha1.Sum(b); return s[:] }
	case crypto.SHA256:
		h = func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
	case crypto.SHA384:
		h = func(b []byte) []byte { s := sha512.Sum384(b); return s[:] }
	case crypto.SHA512:
		h = func(b []byte) []byte { s := sha512.Sum512(b); return s[:] }
	default:
		return nil
	}
	for _, is := range all {
		if is.cert == nil || is.rec.Kind != store.IssuerIssuing {
			continue
		}
		var spki struct {
			Algorithm pkix.AlgorithmIdentifier
			PublicKey asn1.BitString
		}
		if _, err := asn1.Unmarshal(is.cert.RawSubjectPublicKeyInfo, &spki); err != nil {
			continue
		}
		if bytes.Equal(h(spki.PublicKey.RightAlign()), req.IssuerKeyHash) &&
			bytes.Equal(h(is.cert.RawSubject), req.IssuerNameHash) {
			return is
		}
	}
	return nil
}

// requestNonce extracts the nonce extension of an OCSP request, which
// x/crypto/ocsp does not expose. It returns nil when there is none.
//
//	OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
//	TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1,
//	                           requestorName [1] EXPLICIT GeneralName OPTIONAL,
//	                           requestList SEQUENCE OF Request,
//	                           requestExtensions [2] EXPLICIT Extensions OPTIONAL }
func requestNonce(der []byte) (*pkix.Extension, error) {
	in := cryptobyte.String(der)
	var req, tbs cryptobyte.String
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !req.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed request")
	}
	tagExt := cbasn1.Tag(2).Constructed().ContextSpecific()
	for !tbs.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !tbs.ReadAnyASN1(&el, &tag) {
			return nil, errors.New("malformed request")
		}
		if tag != tagExt {
			continue
		}
		var exts cryptobyte.String
		if !el.ReadASN1(&exts, cbasn1.SEQUENCE) {
			return nil, errors.New("malformed extensions")
		}
		for !exts.Empty() {
			var ext cryptobyte.String
			var oid asn1.ObjectIdentifier
			var critical bool
			var value []byte
			if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) ||
				!ext.ReadOptionalASN1Boolean(&critical, cbasn1.BOOLEAN, false) ||
				!ext.ReadASN1Bytes(&value, cbasn1.OCTET_STRING) {
				return nil, errors.New("malformed extension")
			}
			if !oid.Equal(oidOCSPNonce) {
				continue
			}
			// RFC 8954: the value is an OCTET STRING of 1..32 octets; old
			// clients put the raw nonce directly. Echo what was sent.
			if len(value) == 0 || len(value) > maxNonce+4 {
				return nil, errors.New("bad nonce length")
			}
			return &pkix.Extension{Id: oidOCSPNonce, Value: value}, nil
		}
	}
	return nil, nil
}
