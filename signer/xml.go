package signer

import (
	"context"
	"crypto/sha256"
	"errors"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/xmldsig"
)

// MaxXMLBytes bounds an XML document to sign (it is parsed into a tree,
// which takes several times its size in memory) and the content of a
// detached signature.
const MaxXMLBytes = xmldsig.DefaultMaxBytes

// XMLRequest is the options of an XML signing request (as PDFRequest,
// no credential and no consent).
type XMLRequest struct {
	// Profile is einvoice-vn (the default), enveloped, enveloping,
	// detached or xades.
	Profile string `json:"profile,omitempty"`
	// Level is the XAdES level of profile xades: B-B (the default), B-T
	// (a signature time-stamp from kyso's TSA), B-LT (and the chains'
	// certificates, OCSP responses and CRLs) or B-LTA (and an archive
	// time-stamp).
	Level string `json:"level,omitempty"`
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
	// DetachedURI is, for profile detached, the signed file's name as the
	// reference carries it ("hoso.pdf").
	DetachedURI string `json:"detached_uri,omitempty"`
}

// XMLResult is a signed XML document.
type XMLResult struct {
	Document       []byte
	DocumentDigest []byte // SHA-256 of Document, as recorded in the audit log
	SignatureID    string
	Profile        string // einvoice-vn, enveloped, enveloping, detached, "XAdES B-B", "XAdES B-T", "XAdES B-LT" or "XAdES B-LTA"
}

func (r XMLRequest) options(ts xmldsig.Timestamper, rev xmldsig.Revocation) (xmldsig.Options, error) {
	o := xmldsig.Options{Profile: xmldsig.Profile(r.Profile), Location: r.Location, References: r.References,
		IncludeChain: r.IncludeChain, ID: r.SignatureID, DetachedURI: r.DetachedURI}
	switch o.Profile {
	case "":
		o.Profile = xmldsig.ProfileEInvoiceVN
	case xmldsig.ProfileEInvoiceVN, xmldsig.ProfileEnveloped, xmldsig.ProfileEnveloping, xmldsig.ProfileDetached, xmldsig.ProfileXAdES:
	default:
		return o, ErrInvalid.Errorf("profile %q: want einvoice-vn, enveloped, enveloping, detached or xades", r.Profile)
	}
	if r.DetachedURI != "" && o.Profile != xmldsig.ProfileDetached {
		return o, ErrInvalid.Errorf("detached_uri is for profile detached")
	}
	switch {
	case r.Level == "":
	case o.Profile != xmldsig.ProfileXAdES:
		return o, ErrInvalid.Errorf("level is for profile xades")
	case r.Level == xmldsig.LevelBB:
		o.Level = r.Level
	case r.Level == xmldsig.LevelBT || r.Level == xmldsig.LevelBLT || r.Level == xmldsig.LevelBLTA:
		if ts == nil {
			return o, ErrInvalid.Errorf("this kyso has no time-stamp authority")
		}
		if r.Level != xmldsig.LevelBT && rev == nil {
			return o, ErrInvalid.Errorf("this kyso has no revocation data for %s", r.Level)
		}
		o.Level, o.Timestamper, o.Revocation = r.Level, ts, rev
	default:
		return o, ErrInvalid.Errorf("level %q: want B-B, B-T, B-LT or B-LTA", r.Level)
	}
	var err error
	o.Hash, o.PSS, err = hashAndScheme(r.HashAlgorithm, r.Scheme)
	return o, err
}

// PreparedXML is an XML signing request whose options are checked (see
// PreparedPDF).
type PreparedXML struct {
	Digests
	s    *Service
	opts xmldsig.Options
	doc  []byte
}

// PrepareXML checks the options of a request to add an XML signature to
// doc, and the document's size.
func (s *Service) PrepareXML(req XMLRequest, doc []byte) (*PreparedXML, error) {
	opts, err := req.options(s.timestamper(), s.cfg.Revocation)
	if err != nil {
		return nil, err
	}
	if len(doc) > MaxXMLBytes {
		return nil, ErrDocument.Errorf("an XML document of more than %d bytes", MaxXMLBytes)
	}
	return &PreparedXML{Digests: documentDigests(doc), s: s, opts: opts, doc: doc}, nil
}

// timestamper is the service's time-stamp source as xmldsig takes it: nil
// when there is none (not an interface holding a nil cms.Timestamper).
func (s *Service) timestamper() xmldsig.Timestamper {
	if s.cfg.Timestamper == nil {
		return nil
	}
	return s.cfg.Timestamper
}

// Sign adds the XML signature with cred, authorised for caller, and
// records it in the audit log before returning it.
func (p *PreparedXML) Sign(ctx context.Context, caller Caller, cred *model.SigningCredential) (*XMLResult, error) {
	if err := usable(cred); err != nil {
		return nil, err
	}
	opts := p.opts
	opts.Time = p.s.now()
	res, err := xmldsig.Sign(ctx, p.doc, cred.Key, opts)
	if err != nil {
		return nil, classifyXML(err)
	}
	level := xmlLevel(opts)
	sum := sha256.Sum256(res.Document)
	if err := p.s.record(ctx, SigningEvent{Format: FormatXML, Client: caller.ClientID, Credential: cred.ID,
		Certificate: serialHex(cred.Cert), DocumentSHA256: sum[:], Level: "XML " + level}); err != nil {
		return nil, err
	}
	return &XMLResult{Document: res.Document, DocumentDigest: sum[:], SignatureID: res.SignatureID, Profile: level}, nil
}

// classifyXML marks the caller's problems: a request that cannot be
// signed as asked (400), a document that is not XML kyso signs (422) and
// a revoked certificate in a B-LT chain (as for PAdES).
func classifyXML(err error) error {
	switch {
	case errors.Is(err, xmldsig.ErrInvalid):
		return ErrInvalid.Errorf("%w", err)
	case errors.Is(err, xmldsig.ErrMalformed), errors.Is(err, xmldsig.ErrLimit), errors.Is(err, xmldsig.ErrUnsupported):
		return ErrDocument.Errorf("%w", err)
	case errors.Is(err, xmldsig.ErrRevoked):
		return ErrCredential.Errorf("%w", err)
	}
	return err
}

// XMLBatchResult is the outcome for one document of PreparedXMLBatch.Sign.
type XMLBatchResult struct {
	Result *XMLResult
	Err    error
}

// PreparedXMLBatch is a batch XML signing request whose options are
// checked (see PreparedPDF).
type PreparedXMLBatch struct {
	Digests
	s    *Service
	opts xmldsig.Options
	docs [][]byte
}

// PrepareXMLBatch checks a request to sign up to MaxBatchDocuments XML
// documents with one credential and one set of options: the options, the
// number of documents (and no signature_id for more than one) and each
// document's size.
func (s *Service) PrepareXMLBatch(req XMLRequest, docs [][]byte) (*PreparedXMLBatch, error) {
	opts, err := req.options(s.timestamper(), s.cfg.Revocation)
	if err != nil {
		return nil, err
	}
	switch {
	case len(docs) == 0 || len(docs) > MaxBatchDocuments:
		return nil, ErrInvalid.Errorf("a batch holds 1 to %d documents", MaxBatchDocuments)
	case req.SignatureID != "" && len(docs) > 1:
		return nil, ErrInvalid.Errorf("signature_id names one signature, not a batch's")
	}
	for i, d := range docs {
		if len(d) > MaxXMLBytes {
			return nil, ErrDocument.Errorf("document %d is larger than %d bytes", i, MaxXMLBytes)
		}
	}
	return &PreparedXMLBatch{Digests: documentDigests(docs...), s: s, opts: opts, docs: docs}, nil
}

// Sign signs every document with cred, authorised once for the batch for
// caller, their signature values made in one call to the credential's
// signer (one Vault round trip). A document that cannot be signed gets its
// error in its result; every signed document is recorded in the audit log
// before the batch returns.
func (p *PreparedXMLBatch) Sign(ctx context.Context, caller Caller, cred *model.SigningCredential) ([]XMLBatchResult, error) {
	if err := usable(cred); err != nil {
		return nil, err
	}
	opts := p.opts
	opts.Time = p.s.now()
	res, err := xmldsig.SignBatch(ctx, p.docs, cred.Key, opts)
	if err != nil {
		return nil, classifyXML(err)
	}
	level := xmlLevel(opts)
	out := make([]XMLBatchResult, len(res))
	for i, r := range res {
		if r.Err != nil {
			out[i].Err = classifyXML(r.Err)
			continue
		}
		sum := sha256.Sum256(r.Result.Document)
		if err := p.s.record(ctx, SigningEvent{Format: FormatXML, Client: caller.ClientID, Credential: cred.ID,
			Certificate: serialHex(cred.Cert), DocumentSHA256: sum[:], Level: "XML " + level}); err != nil {
			return nil, err
		}
		out[i].Result = &XMLResult{Document: r.Result.Document, DocumentDigest: sum[:], SignatureID: r.Result.SignatureID, Profile: level}
	}
	return out, nil
}

// xmlLevel names what was made: the profile, with the level for XAdES.
func xmlLevel(opts xmldsig.Options) string {
	if opts.Profile != xmldsig.ProfileXAdES {
		return string(opts.Profile)
	}
	if opts.Level == "" {
		return "XAdES " + xmldsig.LevelBB
	}
	return "XAdES " + opts.Level
}
