package signer

import (
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/signer/xmldsig"
)

// MaxXMLBytes bounds an XML document to sign: it is parsed into a tree,
// which takes several times its size in memory.
const MaxXMLBytes = xmldsig.DefaultMaxBytes

// XMLRequest is the options part of an XML signing request.
type XMLRequest struct {
	CredentialID string `json:"credential_id"`
	// Profile is einvoice-vn (the default) or enveloped.
	Profile string `json:"profile,omitempty"`
	// Location is the element the signature goes in ("/HDon/DSCKS/CQT");
	// empty means the seller's block for einvoice-vn, the document
	// element for enveloped.
	Location string `json:"location,omitempty"`
	// References are IDs of elements to sign besides (einvoice-vn) or
	// instead of (enveloped) the defaults.
	References    []string `json:"references,omitempty"`
	HashAlgorithm string   `json:"hash_algorithm,omitempty"` // sha-256 (default), sha-384, sha-512
	Scheme        string   `json:"scheme,omitempty"`         // pkcs1v15 (default) or pss
	IncludeChain  bool     `json:"include_chain,omitempty"`  // the issuing CAs in KeyInfo too
	SignatureID   string   `json:"signature_id,omitempty"`   // the Signature's Id; random when empty
	PIN           string   `json:"pin,omitempty"`
}

// XMLResult is a signed XML document.
type XMLResult struct {
	Document       []byte
	DocumentDigest []byte // SHA-256 of Document, as recorded in the audit log
	SignatureID    string
	Profile        string
}

func (r XMLRequest) options() (xmldsig.Options, error) {
	o := xmldsig.Options{Profile: xmldsig.Profile(r.Profile), Location: r.Location, References: r.References,
		IncludeChain: r.IncludeChain, ID: r.SignatureID}
	switch o.Profile {
	case "":
		o.Profile = xmldsig.ProfileEInvoiceVN
	case xmldsig.ProfileEInvoiceVN, xmldsig.ProfileEnveloped:
	default:
		return o, fmt.Errorf("%w: profile %q: want einvoice-vn or enveloped", ErrInvalid, r.Profile)
	}
	switch strings.ToLower(r.HashAlgorithm) {
	case "", "sha-256", "sha256":
		o.Hash = crypto.SHA256
	case "sha-384", "sha384":
		o.Hash = crypto.SHA384
	case "sha-512", "sha512":
		o.Hash = crypto.SHA512
	default:
		return o, fmt.Errorf("%w: hash_algorithm %q: want sha-256, sha-384 or sha-512 (kyso never makes SHA-1 signatures)", ErrInvalid, r.HashAlgorithm)
	}
	switch r.Scheme {
	case "", "pkcs1v15":
	case "pss":
		o.PSS = true
	default:
		return o, fmt.Errorf("%w: scheme %q: want pkcs1v15 or pss", ErrInvalid, r.Scheme)
	}
	return o, nil
}

// SignXML adds an XML signature to doc with the caller's credential, after
// the same authorisation as SignPDF (agency binding, citizen consent), and
// records it in the audit log before returning it.
func (s *Service) SignXML(ctx context.Context, caller Caller, req XMLRequest, doc []byte) (*XMLResult, error) {
	opts, err := req.options()
	if err != nil {
		return nil, err
	}
	if len(doc) > MaxXMLBytes {
		return nil, fmt.Errorf("%w: an XML document of more than %d bytes", ErrDocument, MaxXMLBytes)
	}
	cred, err := s.authorize(ctx, caller, req.CredentialID, req.PIN)
	if err != nil {
		return nil, err
	}
	opts.Time = s.now()
	res, err := xmldsig.Sign(ctx, doc, xmldsig.Credential{Signer: cred.Signer, Cert: cred.Cert, Chain: cred.Chain}, opts)
	if err != nil {
		return nil, classifyXML(err)
	}
	sum := sha256.Sum256(res.Document)
	if err := s.audit(ctx, audit.Signing{Action: audit.ActionSignXML, Client: caller.ClientID, Credential: cred.ID,
		Certificate: serialHex(cred.Cert), DocumentSHA256: sum[:], Level: "XML " + string(opts.Profile)}); err != nil {
		return nil, err
	}
	return &XMLResult{Document: res.Document, DocumentDigest: sum[:], SignatureID: res.SignatureID, Profile: string(opts.Profile)}, nil
}

// classifyXML marks the caller's problems: a request that cannot be
// signed as asked (400) and a document that is not XML kyso signs (422).
func classifyXML(err error) error {
	switch {
	case errors.Is(err, xmldsig.ErrInvalid):
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	case errors.Is(err, xmldsig.ErrMalformed), errors.Is(err, xmldsig.ErrLimit), errors.Is(err, xmldsig.ErrUnsupported):
		return fmt.Errorf("%w: %w", ErrDocument, err)
	}
	return err
}
