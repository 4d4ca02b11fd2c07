package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/ocsp"
)

// x/crypto/ocsp parses requests and responses well, but its CreateResponse
// cannot write responseExtensions (it puts ExtraExtensions into
// singleExtensions), so the nonce of RFC 6960 4.4.1 could not be echoed
// where clients look for it, and it stamps producedAt from the wall clock.
// kyso therefore marshals the BasicOCSPResponse itself, with these
// structures from RFC 6960 4.2.1, and checks every response by parsing it
// back with x/crypto/ocsp before returning it.

type ocspCertID struct {
	HashAlgorithm  pkix.AlgorithmIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

type ocspRevokedInfo struct {
	RevocationTime time.Time       `asn1:"generalized"`
	Reason         asn1.Enumerated `asn1:"explicit,tag:0,optional"`
}

type ocspSingleResponse struct {
	CertID     ocspCertID
	Good       asn1.Flag       `asn1:"tag:0,optional"`
	Revoked    ocspRevokedInfo `asn1:"tag:1,optional"`
	Unknown    asn1.Flag       `asn1:"tag:2,optional"`
	ThisUpdate time.Time       `asn1:"generalized"`
	NextUpdate time.Time       `asn1:"generalized,explicit,tag:0,optional"`
}

type ocspResponseData struct {
	ResponderID        asn1.RawValue
	ProducedAt         time.Time `asn1:"generalized"`
	Responses          []ocspSingleResponse
	ResponseExtensions []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type ocspBasicResponse struct {
	TBSResponseData    asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          asn1.BitString
	Certificates       []asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type ocspResponseBytes struct {
	ResponseType asn1.ObjectIdentifier
	Response     []byte
}

type ocspResponse struct {
	Status   asn1.Enumerated
	Response ocspResponseBytes `asn1:"explicit,tag:0"`
}

var (
	oidOCSPBasic        = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidSHA256WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidECDSAWithSHA256  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidHashSHA1         = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidHashSHA256       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidHashSHA384       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidHashSHA512       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	asn1NullParameters  = asn1.RawValue{Tag: asn1.TagNull}
	errUnsupportedOCSPK = fmt.Errorf("unsupported OCSP responder key")
)

// ocspAnswer is what one response says.
type ocspAnswer struct {
	req        *ocsp.Request
	status     int // ocsp.Good, ocsp.Revoked, ocsp.Unknown
	revokedAt  time.Time
	reason     int
	thisUpdate time.Time
	nextUpdate time.Time
	nonce      *pkix.Extension
}

// createOCSPResponse signs a successful BasicOCSPResponse for one CertID,
// echoing the request's CertID exactly (hash algorithm included).
func createOCSPResponse(issuer, responder *x509.Certificate, signer crypto.Signer, a ocspAnswer) ([]byte, error) {
	var hashOID asn1.ObjectIdentifier
	switch a.req.HashAlgorithm {
	case crypto.SHA1:
		hashOID = oidHashSHA1
	case crypto.SHA256:
		hashOID = oidHashSHA256
	case crypto.SHA384:
		hashOID = oidHashSHA384
	case crypto.SHA512:
		hashOID = oidHashSHA512
	default:
		return nil, fmt.Errorf("unsupported CertID hash %v", a.req.HashAlgorithm)
	}
	single := ocspSingleResponse{
		CertID: ocspCertID{
			HashAlgorithm:  pkix.AlgorithmIdentifier{Algorithm: hashOID, Parameters: asn1NullParameters},
			IssuerNameHash: a.req.IssuerNameHash,
			IssuerKeyHash:  a.req.IssuerKeyHash,
			SerialNumber:   a.req.SerialNumber,
		},
		ThisUpdate: a.thisUpdate.UTC(),
		NextUpdate: a.nextUpdate.UTC(),
	}
	switch a.status {
	case ocsp.Good:
		single.Good = true
	case ocsp.Revoked:
		single.Revoked = ocspRevokedInfo{RevocationTime: a.revokedAt.UTC(), Reason: asn1.Enumerated(a.reason)}
	default:
		single.Unknown = true
	}
	// ResponderID byKey (RFC 6960 4.2.1): SHA-1 of the responder's
	// subjectPublicKey, the form RFC 5019 recommends.
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(responder.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, err
	}
	keyHash := sha1.Sum(spki.PublicKey.RightAlign())
	keyHashDER, err := asn1.Marshal(keyHash[:])
	if err != nil {
		return nil, err
	}
	data := ocspResponseData{
		ResponderID: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, IsCompound: true, Bytes: keyHashDER},
		ProducedAt:  a.thisUpdate.UTC(),
		Responses:   []ocspSingleResponse{single},
	}
	if a.nonce != nil {
		data.ResponseExtensions = []pkix.Extension{*a.nonce}
	}
	tbs, err := asn1.Marshal(data)
	if err != nil {
		return nil, err
	}
	var hash crypto.Hash
	var alg pkix.AlgorithmIdentifier
	switch pub := signer.Public().(type) {
	case *rsa.PublicKey:
		hash, alg = crypto.SHA256, pkix.AlgorithmIdentifier{Algorithm: oidSHA256WithRSA, Parameters: asn1NullParameters}
	case *ecdsa.PublicKey:
		if pub.Curve.Params().BitSize > 256 {
			hash, alg = crypto.SHA384, pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA384}
		} else {
			hash, alg = crypto.SHA256, pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
		}
	default:
		return nil, errUnsupportedOCSPK
	}
	h := hash.New()
	h.Write(tbs)
	sig, err := signer.Sign(rand.Reader, h.Sum(nil), hash)
	if err != nil {
		return nil, err
	}
	basic, err := asn1.Marshal(ocspBasicResponse{
		TBSResponseData:    asn1.RawValue{FullBytes: tbs},
		SignatureAlgorithm: alg,
		Signature:          asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)},
		Certificates:       []asn1.RawValue{{FullBytes: responder.Raw}},
	})
	if err != nil {
		return nil, err
	}
	der, err := asn1.Marshal(ocspResponse{Status: asn1.Enumerated(ocsp.Success), Response: ocspResponseBytes{ResponseType: oidOCSPBasic, Response: basic}})
	if err != nil {
		return nil, err
	}
	// Trust but verify: parse it back with an independent parser, which
	// checks the signature and that the responder was issued by issuer.
	if _, err := ocsp.ParseResponse(der, issuer); err != nil {
		return nil, fmt.Errorf("self-check of OCSP response: %w", err)
	}
	return der, nil
}
