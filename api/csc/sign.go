package csc

import (
	"crypto"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/model"
)

// authData is a v2 authentication object: {"id": "PIN", "value": "…"}.
type authData struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// authorize answers POST credentials/authorize: the holder's PIN and
// one-time code (relayed by the client: the explicit mode) bound to the
// hashes to be signed give a SAD.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, c *model.Client) {
	var req struct {
		CredentialID  string     `json:"credentialID"`
		NumSignatures int        `json:"numSignatures"`
		Hash          []string   `json:"hash"`   // v1
		Hashes        []string   `json:"hashes"` // v2
		HashAlgorithm string     `json:"hashAlgorithmOID"`
		HashAlgo      string     `json:"hashAlgo"`
		PIN           string     `json:"PIN"`
		OTP           string     `json:"OTP"`
		AuthData      []authData `json:"authData"` // v2
		Description   string     `json:"description"`
		DocID         string     `json:"docID"`   // kyso: shown to the holder and kept as evidence
		DocName       string     `json:"docName"` // kyso
	}
	if err := h.decode(w, r, &req); err != nil {
		h.render(w, r, err)
		return
	}
	for _, a := range req.AuthData {
		switch strings.ToUpper(a.ID) {
		case "PIN":
			req.PIN = a.Value
		case "OTP":
			req.OTP = a.Value
		}
	}
	hashes, alg, err := h.hashList(req.Hash, req.Hashes, first(req.HashAlgorithm, req.HashAlgo))
	if err != nil {
		h.render(w, r, err)
		return
	}
	if req.CredentialID == "" {
		h.render(w, r, badRequest("credentialID is required"))
		return
	}
	if req.NumSignatures < 1 || req.NumSignatures > h.cfg.Multisign {
		h.render(w, r, badRequest(fmt.Sprintf("numSignatures must be between 1 and %d", h.cfg.Multisign)))
		return
	}
	if len(hashes) > 0 && len(hashes) != req.NumSignatures {
		h.render(w, r, badRequest("numSignatures must equal the number of hashes"))
		return
	}
	if h.d.Remote == nil {
		h.render(w, r, errNotConfigured)
		return
	}
	sad, exp, err := h.d.Remote.Authorize(r.Context(), c, AuthorizeRequest{
		CredentialID: req.CredentialID, Hashes: hashes, HashAlgorithm: alg, NumSignatures: req.NumSignatures,
		PIN: req.PIN, OTP: req.OTP, DocID: req.DocID, DocName: first(req.DocName, req.Description),
	})
	if err != nil {
		h.render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"SAD": sad, "expiresIn": h.secondsUntil(exp)})
}

// extendTransaction answers POST credentials/extendTransaction: a new SAD
// for what the old one authorised, which it replaces.
func (h *Handler) extendTransaction(w http.ResponseWriter, r *http.Request, c *model.Client) {
	var req struct {
		CredentialID string `json:"credentialID"`
		SAD          string `json:"SAD"`
	}
	if err := h.decode(w, r, &req); err != nil {
		h.render(w, r, err)
		return
	}
	if req.CredentialID == "" || req.SAD == "" {
		h.render(w, r, badRequest("credentialID and SAD are required"))
		return
	}
	if h.d.Remote == nil {
		h.render(w, r, errNotConfigured)
		return
	}
	sad, exp, err := h.d.Remote.ExtendSAD(r.Context(), c, req.CredentialID, req.SAD)
	if err != nil {
		h.render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"SAD": sad, "expiresIn": h.secondsUntil(exp)})
}

// signHashRequest is signatures/signHash with the v1 and v2 names.
type signHashRequest struct {
	CredentialID   string   `json:"credentialID"`
	SAD            string   `json:"SAD"`
	Hash           []string `json:"hash"`   // v1
	Hashes         []string `json:"hashes"` // v2
	HashAlgo       string   `json:"hashAlgo"`
	HashAlgorithm  string   `json:"hashAlgorithmOID"`
	SignAlgo       string   `json:"signAlgo"`
	SignAlgoParams string   `json:"signAlgoParams"`
	OperationMode  string   `json:"operationMode"` // S (default) | A: the confirmation mode
	ResponseURI    string   `json:"response_uri"`
	DocID          string   `json:"docID"`
	DocName        string   `json:"docName"`
}

// signHash answers POST signatures/signHash: one raw signature value per
// hash, in order (PKCS#1 v1.5, RSASSA-PSS or ECDSA as signAlgo asks).
//
// operationMode "A" opens a transaction of the confirmation mode instead
// (no SAD: the holder confirms on kyso's page) and answers its responseID
// and the confirmURL to show the holder; signatures/signPolling then gives
// the signatures.
func (h *Handler) signHash(w http.ResponseWriter, r *http.Request, c *model.Client) {
	var req signHashRequest
	if err := h.decode(w, r, &req); err != nil {
		h.render(w, r, err)
		return
	}
	hashOID := first(req.HashAlgorithm, req.HashAlgo)
	if req.CredentialID == "" {
		h.render(w, r, badRequest("credentialID is required"))
		return
	}
	cred, err := h.d.Credentials.Key(r.Context(), c, req.CredentialID)
	if err != nil {
		h.render(w, r, err)
		return
	}
	sch, err := schemeOf(cred, req.SignAlgo, req.SignAlgoParams, hashOID)
	if err != nil {
		h.render(w, r, err)
		return
	}
	hashes, _, err := h.hashList(req.Hash, req.Hashes, oidByHash[sch.hash])
	if err != nil {
		h.render(w, r, err)
		return
	}
	if len(hashes) == 0 {
		h.render(w, r, badRequest("hashes (v2) or hash (v1) is required"))
		return
	}
	switch req.OperationMode {
	case "", "S":
	case "A":
		h.openTransaction(w, r, c, req, hashes, sch)
		return
	default:
		h.render(w, r, badRequest(`operationMode must be "S" or "A"`))
		return
	}
	if h.d.Remote == nil {
		h.render(w, r, errNotConfigured)
		return
	}
	sigs, err := h.d.Remote.SignHashes(r.Context(), c, req.CredentialID, req.SAD, hashes, sch.opts)
	if err != nil {
		h.render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"signatures": b64s(sigs)})
}

// openTransaction opens a transaction of the confirmation mode for a
// signHash in operationMode "A". Its responseID carries the credential,
// the signature scheme asked for and the hashes, so that signPolling signs
// as asked without kyso keeping them: none is a secret, and a client that
// alters them gains nothing — the SAD the holder's confirmation gives is
// bound to the credential and the exact hashes, and signs nothing else.
func (h *Handler) openTransaction(w http.ResponseWriter, r *http.Request, c *model.Client, req signHashRequest, hashes [][]byte, sch signScheme) {
	if req.SAD != "" {
		h.render(w, r, badRequest(`operationMode "A" asks the holder to confirm on kyso's page: send no SAD`))
		return
	}
	if h.d.Transactions == nil {
		h.render(w, r, errNotConfigured)
		return
	}
	tx, err := h.d.Transactions.Open(r.Context(), c, TransactionRequest{
		CredentialID: req.CredentialID, Hashes: hashes, HashAlgorithm: sch.hash, NumSignatures: len(hashes),
		DocID: req.DocID, DocName: req.DocName, CallbackURL: req.ResponseURI,
	})
	if err != nil {
		h.render(w, r, err)
		return
	}
	enc := make([]string, len(hashes))
	for i, hash := range hashes {
		enc[i] = base64.RawURLEncoding.EncodeToString(hash)
	}
	rid := tx.ID + "." + base64.RawURLEncoding.EncodeToString([]byte(req.CredentialID+"|"+req.SignAlgo+"|"+req.SignAlgoParams+"|"+oidByHash[sch.hash]+"|"+strings.Join(enc, ",")))
	writeJSON(w, http.StatusOK, map[string]any{"responseID": rid, "confirmURL": tx.ConfirmURL, "expiresIn": h.secondsUntil(tx.ExpiresAt)})
}

// signPolling answers POST signatures/signPolling: the signatures of a
// confirmed transaction (once), or its state.
func (h *Handler) signPolling(w http.ResponseWriter, r *http.Request, c *model.Client) {
	var req struct {
		ResponseID string `json:"responseID"`
	}
	if err := h.decode(w, r, &req); err != nil {
		h.render(w, r, err)
		return
	}
	txID, enc, ok := strings.Cut(req.ResponseID, ".")
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	parts := strings.Split(string(raw), "|")
	if !ok || txID == "" || err != nil || len(parts) != 5 {
		h.render(w, r, badRequest("responseID is not one kyso gave"))
		return
	}
	credID, signAlgo, params, hashOID := parts[0], parts[1], parts[2], parts[3]
	var hashes [][]byte
	for _, e := range strings.Split(parts[4], ",") {
		hash, err := base64.RawURLEncoding.DecodeString(e)
		if err != nil {
			h.render(w, r, badRequest("responseID is not one kyso gave"))
			return
		}
		hashes = append(hashes, hash)
	}
	if h.d.Transactions == nil || h.d.Remote == nil {
		h.render(w, r, errNotConfigured)
		return
	}
	tx, err := h.d.Transactions.Poll(r.Context(), c, txID)
	if err != nil {
		h.render(w, r, err)
		return
	}
	switch tx.State {
	case "pending":
		writeJSON(w, http.StatusAccepted, map[string]any{"status": "pending", "expiresIn": h.secondsUntil(tx.ExpiresAt)})
		return
	case "refused":
		h.render(w, r, cscError(http.StatusForbidden, ErrAccessDenied, "the holder refused to sign"))
		return
	case "expired":
		h.render(w, r, cscError(http.StatusBadRequest, ErrExpired, "the transaction expired before the holder confirmed it"))
		return
	case "confirmed":
	default:
		h.render(w, r, cscError(http.StatusBadRequest, ErrInvalidRequest, "the transaction is "+tx.State))
		return
	}
	if tx.SAD == "" {
		h.render(w, r, cscError(http.StatusBadRequest, ErrInvalidGrant, "the transaction's signatures were already given"))
		return
	}
	cred, err := h.d.Credentials.Key(r.Context(), c, credID)
	if err != nil {
		h.render(w, r, err)
		return
	}
	sch, err := schemeOf(cred, signAlgo, params, hashOID)
	if err != nil {
		h.render(w, r, err)
		return
	}
	if len(tx.Hashes) > 0 {
		hashes = tx.Hashes
	}
	sigs, err := h.d.Remote.SignHashes(r.Context(), c, credID, tx.SAD, hashes, sch.opts)
	if err != nil {
		h.render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "signed", "signatures": b64s(sigs)})
}

// signDoc answers POST signatures/signDoc: whole documents signed by kyso
// (documents: PDF → PAdES, XML → XAdES, at the baseline level asked), or
// detached CMS signatures of documents' digests (documentDigests).
func (h *Handler) signDoc(w http.ResponseWriter, r *http.Request, c *model.Client) {
	var req struct {
		CredentialID string `json:"credentialID"`
		SAD          string `json:"SAD"`
		Documents    []struct {
			Document         string `json:"document"`
			SignatureFormat  string `json:"signature_format"`
			ConformanceLevel string `json:"conformance_level"`
		} `json:"documents"`
		DocumentDigests []struct {
			Hashes           []string `json:"hashes"`
			HashAlgorithmOID string   `json:"hashAlgorithmOID"`
			SignatureFormat  string   `json:"signature_format"`
			ConformanceLevel string   `json:"conformance_level"`
		} `json:"documentDigests"`
		OperationMode string `json:"operationMode"`
	}
	if err := h.decode(w, r, &req); err != nil {
		h.render(w, r, err)
		return
	}
	if req.CredentialID == "" {
		h.render(w, r, badRequest("credentialID is required"))
		return
	}
	if req.OperationMode == "A" {
		h.render(w, r, badRequest(`signDoc has no operationMode "A" in kyso: open the transaction with signHash (operationMode "A"), or authorize the documents' SHA-256 and send the SAD`))
		return
	}
	if (len(req.Documents) == 0) == (len(req.DocumentDigests) == 0) {
		h.render(w, r, badRequest("send either documents or documentDigests"))
		return
	}
	if len(req.Documents)+len(req.DocumentDigests) > h.cfg.Multisign {
		h.render(w, r, badRequest(fmt.Sprintf("at most %d documents per request", h.cfg.Multisign)))
		return
	}
	var docs []DocumentRequest
	for i, d := range req.Documents {
		body, err := base64.StdEncoding.DecodeString(d.Document)
		if err != nil {
			h.render(w, r, badRequest(fmt.Sprintf("documents[%d].document is not base64", i)))
			return
		}
		format, err := docFormat(d.SignatureFormat, body)
		if err != nil {
			h.render(w, r, err)
			return
		}
		level, err := docLevel(d.ConformanceLevel)
		if err != nil {
			h.render(w, r, err)
			return
		}
		docs = append(docs, DocumentRequest{CredentialID: req.CredentialID, SAD: req.SAD, Format: format, Level: level, Document: body})
	}
	for i, d := range req.DocumentDigests {
		if d.SignatureFormat != "" && d.SignatureFormat != "C" {
			h.render(w, r, badRequest(fmt.Sprintf(`documentDigests[%d].signature_format: kyso signs digests as CMS only ("C")`, i)))
			return
		}
		level, err := docLevel(d.ConformanceLevel)
		if err != nil {
			h.render(w, r, err)
			return
		}
		hashes, alg, err := h.hashList(nil, d.Hashes, d.HashAlgorithmOID)
		if err != nil {
			h.render(w, r, err)
			return
		}
		for _, hash := range hashes {
			docs = append(docs, DocumentRequest{CredentialID: req.CredentialID, SAD: req.SAD, Format: "cms", Level: level, Digest: hash, DigestAlgorithm: alg})
		}
	}
	if h.d.Documents == nil {
		h.render(w, r, errNotConfigured)
		return
	}
	out, err := h.d.Documents.SignDocuments(r.Context(), c, docs)
	if err != nil {
		h.render(w, r, err)
		return
	}
	if len(req.Documents) > 0 {
		writeJSON(w, http.StatusOK, map[string]any{"DocumentWithSignature": b64s(out), "SignatureObject": []string{}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"DocumentWithSignature": []string{}, "SignatureObject": b64s(out)})
}

// docFormat reads signature_format (P: PAdES, X: XAdES), or, when it is
// absent, the document's first bytes.
func docFormat(f string, body []byte) (string, error) {
	switch f {
	case "P":
		return "pdf", nil
	case "X":
		return "xml", nil
	case "":
		if strings.HasPrefix(string(body), "%PDF-") {
			return "pdf", nil
		}
		if strings.HasPrefix(strings.TrimLeft(string(body), "\ufeff \t\r\n"), "<") {
			return "xml", nil
		}
		return "", badRequest("signature_format is required: P (PAdES) or X (XAdES)")
	}
	return "", badRequest(`signature_format must be "P" (PAdES) or "X" (XAdES) for documents`)
}

// docLevel reads conformance_level (CSC: Ades-B-B … Ades-B-LTA; kyso's
// B-B … B-LTA are accepted too).
func docLevel(l string) (string, error) {
	switch strings.TrimPrefix(strings.ToUpper(l), "ADES-") {
	case "", "B-B", "B":
		return "B-B", nil
	case "B-T", "T":
		return "B-T", nil
	case "B-LT", "LT":
		return "B-LT", nil
	case "B-LTA", "LTA":
		return "B-LTA", nil
	}
	return "", badRequest(`conformance_level must be "Ades-B-B", "Ades-B-T", "Ades-B-LT" or "Ades-B-LTA"`)
}

// hashList decodes the hashes (v1 hash or v2 hashes; not both) and checks
// their length against the digest algorithm, which, when the request names
// none, is inferred from it (32, 48 or 64 bytes: SHA-256, -384, -512).
func (h *Handler) hashList(v1, v2 []string, oid string) ([][]byte, crypto.Hash, error) {
	if len(v1) > 0 && len(v2) > 0 {
		return nil, 0, badRequest("send hash (v1) or hashes (v2), not both")
	}
	list := v2
	if len(v1) > 0 {
		list = v1
	}
	if len(list) > h.cfg.Multisign {
		return nil, 0, badRequest(fmt.Sprintf("at most %d hashes per request (multisign)", h.cfg.Multisign))
	}
	hashes, err := b64List("hashes", list)
	if err != nil {
		return nil, 0, err
	}
	var alg crypto.Hash
	if oid != "" {
		if alg, err = hashOfOID("hashAlgorithmOID", oid); err != nil {
			return nil, 0, err
		}
	}
	for _, hash := range hashes {
		if alg == 0 {
			alg = map[int]crypto.Hash{32: crypto.SHA256, 48: crypto.SHA384, 64: crypto.SHA512}[len(hash)]
		}
		if alg == 0 || len(hash) != alg.Size() {
			return nil, 0, badRequest("hashes: each hash must be a digest of the algorithm named (32, 48 or 64 bytes)")
		}
	}
	return hashes, alg, nil
}

// schemeOf is scheme against the key of cred's certificate.
func schemeOf(cred *model.SigningCredential, signAlgo, params, hashOID string) (signScheme, error) {
	if cred.Cert == nil {
		return signScheme{}, cscError(http.StatusInternalServerError, ErrServer, "the credential has no certificate")
	}
	return scheme(cred.Cert.PublicKey, signAlgo, params, hashOID)
}

func (h *Handler) secondsUntil(t time.Time) int {
	s := int(t.Sub(h.cfg.Now()) / time.Second)
	return max(s, 0)
}

func b64s(list [][]byte) []string {
	out := make([]string, len(list))
	for i, b := range list {
		out[i] = b64(b)
	}
	return out
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var errNotConfigured = cscError(http.StatusServiceUnavailable, ErrUnavailable, "this kyso is not configured for this operation")
