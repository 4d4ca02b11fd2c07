package app

import (
	"io"

	"github.com/kyso-vn/kyso/signer"
)

// The request and result types of Sign's operations: what the signing API
// decodes and answers. app converts them to the signing formats' own
// (signer.PDFRequest, …) at its edge, keeping what only the authorisation
// reads (credential_id, pin, sad: Sign.authorize's); TestSigningTypesMatch
// holds the rest of their fields and JSON names to the formats'.

// MaxXMLBytes bounds an XML document to sign (it is parsed into a tree,
// several times its size in memory) and the content of a detached XML
// signature.
const MaxXMLBytes = signer.MaxXMLBytes

// MaxBatchDocuments bounds the documents of one batch signing request.
const MaxBatchDocuments = signer.MaxBatchDocuments

// MaxHashes bounds the digests of one hash signing request.
const MaxHashes = signer.MaxHashes

// PDFRequest is the options part of a PDF signing request.
type PDFRequest struct {
	CredentialID string      `json:"credential_id"`
	Level        string      `json:"level"`  // B-B (default), B-T, B-LT, B-LTA
	Scheme       string      `json:"scheme"` // pkcs1v15 (default) or pss
	SubFilter    string      `json:"sub_filter,omitempty"`
	Reason       string      `json:"reason,omitempty"`
	Location     string      `json:"location,omitempty"`
	Contact      string      `json:"contact,omitempty"`
	Field        string      `json:"field,omitempty"`
	Appearance   *Appearance `json:"appearance,omitempty"`
	Certify      *int        `json:"certify,omitempty"` // absent: P=2 on an unsigned document; 0 approval; 1, 2, 3 DocMDP P
	PIN          string      `json:"pin,omitempty"`
	// SAD is a citizen's authorisation for the SHA-256 of this document
	// (of every document of a batch).
	SAD string `json:"sad,omitempty"`
}

// Appearance places a visible signature.
type Appearance struct {
	Template string     `json:"template"` // leader, seal, citizen
	Page     int        `json:"page"`
	Rect     [4]float64 `json:"rect"`
	Image    []byte     `json:"image,omitempty"` // base64 in JSON: the leader's signature image
}

func (r PDFRequest) formats() signer.PDFRequest {
	out := signer.PDFRequest{Level: r.Level, Scheme: r.Scheme, SubFilter: r.SubFilter,
		Reason: r.Reason, Location: r.Location, Contact: r.Contact, Field: r.Field, Certify: r.Certify}
	if r.Appearance != nil {
		a := signer.Appearance(*r.Appearance)
		out.Appearance = &a
	}
	return out
}

// PDFResult describes a signed PDF.
type PDFResult struct {
	SignatureField string
	DocumentDigest []byte // SHA-256 of the signed PDF
	Level          string
	Size           int64 // length of the signed PDF
}

// SignedWriter is an output that must know the result before the signed
// PDF is written to it, such as an HTTP answer that sends the result in
// its headers: SignPDF calls BeginResult once the signature is made and
// recorded in the audit log, then writes the PDF.
type SignedWriter interface {
	io.Writer
	BeginResult(*PDFResult) error
}

// formatsWriter is a SignedWriter as the formats see it
// (signer.ResultWriter).
type formatsWriter struct{ w SignedWriter }

func (f formatsWriter) Write(p []byte) (int, error) { return f.w.Write(p) }

func (f formatsWriter) BeginResult(r *signer.PDFResult) error {
	return f.w.BeginResult((*PDFResult)(r))
}

// formatsOut is out as the formats take it.
func formatsOut(out io.Writer) io.Writer {
	if sw, ok := out.(SignedWriter); ok {
		return formatsWriter{sw}
	}
	return out
}

// CMSRequest is the options of a CMS signing request.
type CMSRequest struct {
	CredentialID  string `json:"credential_id"`
	HashAlgorithm string `json:"hash_algorithm,omitempty"` // sha-256 (default), sha-384, sha-512
	Scheme        string `json:"scheme,omitempty"`         // pkcs1v15 (default) or pss
	Timestamp     bool   `json:"timestamp,omitempty"`      // add a signature time-stamp from kyso's TSA
	PIN           string `json:"pin,omitempty"`
	// SAD is a citizen's authorisation for the SHA-256 of the content
	// (for /v1/sign/hash: of the hashes themselves).
	SAD string `json:"sad,omitempty"`
}

// HashRequest asks for CMS signatures over digests the client computed.
type HashRequest struct {
	CMSRequest
	Hashes [][]byte `json:"hashes"` // base64 in JSON
}

// WithoutConsent returns the request without its PIN and SAD: what an
// Idempotency-Key fingerprints (they are never kept, not even hashed).
func (r PDFRequest) WithoutConsent() PDFRequest { r.PIN, r.SAD = "", ""; return r }

// WithoutConsent returns the request without its PIN and SAD.
func (r CMSRequest) WithoutConsent() CMSRequest { r.PIN, r.SAD = "", ""; return r }

// WithoutConsent returns the request without its PIN and SAD.
func (r HashRequest) WithoutConsent() HashRequest {
	r.CMSRequest = r.CMSRequest.WithoutConsent()
	return r
}

// WithoutConsent returns the request without its PIN and SAD.
func (r XMLRequest) WithoutConsent() XMLRequest { r.PIN, r.SAD = "", ""; return r }

func (r CMSRequest) formats() signer.CMSRequest {
	return signer.CMSRequest{HashAlgorithm: r.HashAlgorithm, Scheme: r.Scheme, Timestamp: r.Timestamp}
}

func (r HashRequest) formats() signer.HashRequest {
	return signer.HashRequest{CMSRequest: r.CMSRequest.formats(), Hashes: r.Hashes}
}

// BatchDocument is one document of a batch: read from In (Size bytes),
// written signed to Out.
type BatchDocument struct {
	Name string
	In   io.ReadSeeker
	Size int64
	Out  io.Writer
	// Done, if not nil, is called with the document's result as soon as
	// it is known, before SignPDFBatch returns, so that the document can
	// be answered and released while the others are signed. After Done
	// the batch neither reads In nor writes Out.
	Done func(BatchResult)
}

// BatchResult is the outcome of one document; exactly one field is set.
type BatchResult struct {
	Result *PDFResult
	Err    error
}

// XMLRequest is the options part of an XML signing request.
type XMLRequest struct {
	CredentialID string `json:"credential_id"`
	// Profile is einvoice-vn (the default), enveloped, enveloping,
	// detached or xades.
	Profile string `json:"profile,omitempty"`
	// Level is the XAdES level of profile xades: B-B (the default), B-T,
	// B-LT or B-LTA.
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
	PIN         string `json:"pin,omitempty"`
	// SAD is a citizen's authorisation for the SHA-256 of this document
	// (of every document of a batch).
	SAD string `json:"sad,omitempty"`
}

func (r XMLRequest) formats() signer.XMLRequest {
	return signer.XMLRequest{Profile: r.Profile, Level: r.Level, Location: r.Location, References: r.References,
		HashAlgorithm: r.HashAlgorithm, Scheme: r.Scheme, IncludeChain: r.IncludeChain, SignatureID: r.SignatureID,
		DetachedURI: r.DetachedURI}
}

// XMLResult is a signed XML document.
type XMLResult struct {
	Document       []byte
	DocumentDigest []byte // SHA-256 of Document, as recorded in the audit log
	SignatureID    string
	Profile        string // einvoice-vn, enveloped, enveloping, detached, "XAdES B-B", …
}

// XMLBatchResult is the outcome for one document of SignXMLBatch.
type XMLBatchResult struct {
	Result *XMLResult
	Err    error
}
