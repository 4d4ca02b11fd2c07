package signing

import (
	"crypto"
	"encoding/hex"
	"math"
	"net/http"
	"time"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// authorizeRequest is the body of POST /v1/credentials/{id}/authorize: a
// citizen's PIN and one-time code, relayed by the client (a kiosk, a
// portal's own page), for exact hashes.
type authorizeRequest struct {
	PIN string `json:"pin"`
	OTP string `json:"otp"`
	// Hashes are the digests /v1/sign/hash will sign (base64), of
	// HashAlgorithm.
	Hashes        [][]byte `json:"hashes,omitempty"`
	HashAlgorithm string   `json:"hash_algorithm,omitempty"`
	// DocumentSHA256 are the SHA-256 (hex) of the documents /v1/sign/pdf,
	// xml or cms will sign.
	DocumentSHA256 []string `json:"document_sha256,omitempty"`
	NumSignatures  int      `json:"num_signatures,omitempty"`
	DocID          string   `json:"doc_id,omitempty"`
	DocName        string   `json:"doc_name,omitempty"`
}

// authorize is POST /v1/credentials/{id}/authorize: the explicit mode of
// a citizen's consent, answered with a single-use SAD.
func (s *Handler) authorize(w http.ResponseWriter, r *http.Request, caller model.Caller) {
	id, err := pathID(r)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if s.deps.Remote == nil {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	var req authorizeRequest
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	ar := app.AuthorizeRequest{CredentialID: id, NumSignatures: req.NumSignatures, PIN: req.PIN, OTP: req.OTP,
		DocID: req.DocID, DocName: req.DocName}
	switch {
	case len(req.Hashes) > 0 && len(req.DocumentSHA256) > 0:
		s.kit.RenderError(w, r, errkind.InvalidField("hashes", "send either hashes (for /v1/sign/hash) or document_sha256 (for documents), not both"))
		return
	case len(req.DocumentSHA256) > 0:
		if len(req.DocumentSHA256) > app.MaxSADHashes {
			s.kit.RenderError(w, r, errkind.InvalidField("document_sha256", "too many documents"))
			return
		}
		for _, h := range req.DocumentSHA256 {
			b, err := hex.DecodeString(h)
			if err != nil || len(b) != 32 {
				s.kit.RenderError(w, r, errkind.InvalidField("document_sha256", "each must be a SHA-256 in hex (64 digits)"))
				return
			}
			ar.Hashes = append(ar.Hashes, b)
		}
		ar.HashAlgorithm = crypto.SHA256
	default:
		ar.Hashes = req.Hashes
		switch req.HashAlgorithm {
		case "", "sha-256", "sha256":
			ar.HashAlgorithm = crypto.SHA256
		case "sha-384", "sha384":
			ar.HashAlgorithm = crypto.SHA384
		case "sha-512", "sha512":
			ar.HashAlgorithm = crypto.SHA512
		default:
			s.kit.RenderError(w, r, errkind.InvalidField("hash_algorithm", "want sha-256, sha-384 or sha-512"))
			return
		}
	}
	sad, exp, err := s.deps.Remote.Authorize(r.Context(), caller, ar)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"sad": sad, "expires_in": int(math.Ceil(time.Until(exp).Seconds())),
		"expires_at": exp.UTC().Format(time.RFC3339)})
}
