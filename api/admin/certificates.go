package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// certificateJSON is the API shape of a certificate. Names are a contract
// with integrators: extend, never rename.
type certificateJSON struct {
	ID               string     `json:"id"`
	CredentialID     string     `json:"credential_id,omitempty"`
	Profile          string     `json:"profile"`
	Serial           string     `json:"serial"`
	Status           string     `json:"status"`
	Subject          string     `json:"subject"`
	Issuer           string     `json:"issuer,omitempty"`
	KeyVersion       int        `json:"key_version"`
	NotBefore        time.Time  `json:"not_before"`
	NotAfter         time.Time  `json:"not_after"`
	Certificate      string     `json:"certificate,omitempty"`
	Chain            string     `json:"chain,omitempty"`
	RevokedAt        *time.Time `json:"revoked_at,omitempty"`
	RevocationReason string     `json:"revocation_reason,omitempty"`
	SupersededBy     string     `json:"superseded_by,omitempty"`
}

func certJSON(c *model.Certificate) certificateJSON {
	out := certificateJSON{
		ID: c.ID, CredentialID: c.CredentialID, Profile: c.Profile, Serial: c.Serial, Status: string(c.Status),
		Subject: c.Subject, KeyVersion: c.KeyVersion, NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		Certificate: c.CertPEM, SupersededBy: c.SupersededBy,
	}
	if c.Status == model.CertRevoked {
		out.RevokedAt = c.RevokedAt
		out.RevocationReason = app.ReasonName(c.RevocationReason)
	}
	return out
}

func issuedJSON(i *app.Issued) certificateJSON {
	out := certJSON(i.Record)
	out.Chain = i.ChainPEM()
	if len(i.Chain) > 0 {
		out.Issuer = i.Chain[0].Subject.CommonName
	}
	return out
}

func (s *Handler) issue(w http.ResponseWriter, r *http.Request) {
	// The request is app.IssueRequest plus the citizen's PIN, which never
	// reaches the CA: it is hashed into the credential's consent record.
	var req struct {
		app.IssueRequest
		PIN string `json:"pin"`
		// ClientID is the client system a citizen enrols through: the
		// first one bound to the credential.
		ClientID string `json:"client_id"`
	}
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	if req.Profile == "" {
		s.kit.RenderError(w, r, errkind.InvalidField("profile", "is required (citizen, official, seal, tsa)"))
		return
	}
	if err := s.deps.Enroll.CheckPIN(req.Profile, req.PIN); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	// With an Idempotency-Key, app.Enroll records the new credential's
	// ID first, so that a retry after a crash finishes that credential
	// rather than issuing another.
	actor := kit.Actor(r)
	w, claim, done := s.kit.BeginIdempotent(w, r, actor, "certificates.issue", req.IssueRequest)
	if done {
		return
	}
	var at app.Attempt
	if claim != nil {
		defer claim.Finish(r)
		at = claim
	}
	out, err := s.deps.Enroll.Issue(r.Context(), actor, req.IssueRequest, app.Holder{PIN: req.PIN, ClientID: req.ClientID}, at)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/certificates/"+out.Record.ID)
	kit.WriteJSON(w, http.StatusCreated, enrolledAnswer(out))
}

func (s *Handler) get(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		var out *app.Issued
		if out, err = s.deps.Certs.Get(r.Context(), id); err == nil {
			kit.WriteJSON(w, http.StatusOK, issuedJSON(out))
			return
		}
	}
	s.kit.RenderError(w, r, err)
}

// parseWithin accepts Go durations ("720h") and whole days ("30d").
func parseWithin(v string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 36500 {
			return 0, errors.New("bad days")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}

func (s *Handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := app.CertFilter{Status: q.Get("status"), CredentialID: q.Get("credential_id"), After: q.Get("after")}
	if v := q.Get("expiring_within"); v != "" {
		d, err := parseWithin(v)
		if err != nil || d < 0 {
			s.kit.RenderError(w, r, errkind.InvalidField("expiring_within", "must be a duration such as 720h or 30d"))
			return
		}
		f.ExpiringWithin = d
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.kit.RenderError(w, r, errkind.InvalidField("limit", "must be between 1 and 1000"))
			return
		}
		f.Limit = n
	}
	certs, err := s.deps.Certs.List(r.Context(), f)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	out := struct {
		Certificates []certificateJSON `json:"certificates"`
		Next         string            `json:"next,omitempty"`
	}{Certificates: make([]certificateJSON, 0, len(certs))}
	for _, c := range certs {
		out.Certificates = append(out.Certificates, certJSON(c))
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	if len(certs) == limit {
		out.Next = certs[len(certs)-1].ID
	}
	kit.WriteJSON(w, http.StatusOK, out)
}

func (s *Handler) rotate(w http.ResponseWriter, r *http.Request) {
	s.reissue(w, r, s.deps.Admin.Rotate)
}

func (s *Handler) renew(w http.ResponseWriter, r *http.Request) {
	s.reissue(w, r, s.deps.Admin.Renew)
}

func (s *Handler) reissue(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, actor, id string) (*app.Issued, error)) {
	id, err := pathID(r)
	if err == nil {
		if err = s.kit.DecodeJSON(w, r, &struct{}{}, true); err == nil {
			var out *app.Issued
			if out, err = fn(r.Context(), kit.Actor(r), id); err == nil {
				kit.WriteJSON(w, http.StatusCreated, issuedJSON(out))
				return
			}
		}
	}
	s.kit.RenderError(w, r, err)
}

func (s *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := s.kit.DecodeJSON(w, r, &req, true); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	rec, err := s.deps.Admin.Revoke(r.Context(), kit.Actor(r), id, req.Reason)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	out := certJSON(rec)
	out.Certificate = ""
	kit.WriteJSON(w, http.StatusOK, out)
}

func (s *Handler) issuers(w http.ResponseWriter, r *http.Request) {
	list, err := s.deps.Certs.Issuers(r.Context())
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"issuers": list})
}

func (s *Handler) rotateCA(w http.ResponseWriter, r *http.Request) {
	if err := s.kit.DecodeJSON(w, r, &struct{}{}, true); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	info, err := s.deps.Admin.RotateCA(r.Context(), kit.Actor(r))
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, info)
}

func (s *Handler) initExternal(w http.ResponseWriter, r *http.Request) {
	var req app.ExternalRequest
	if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	info, err := s.deps.Admin.InitExternal(r.Context(), kit.Actor(r), req)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, info)
}

// cancelExternal cancels the pending external issuer.
func (s *Handler) cancelExternal(w http.ResponseWriter, r *http.Request) {
	info, err := s.deps.Admin.CancelExternal(r.Context(), kit.Actor(r))
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, info)
}

// importChain takes the chain as application/pem-certificate-chain (or
// text/plain) PEM, or as JSON {"chain": "<PEM>"}.
func (s *Handler) importChain(w http.ResponseWriter, r *http.Request) {
	var chain []byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var req struct {
			Chain string `json:"chain"`
		}
		if err := s.kit.DecodeJSON(w, r, &req, false); err != nil {
			s.kit.RenderError(w, r, err)
			return
		}
		chain = []byte(req.Chain)
	} else {
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.kit.MaxBodyBytes))
		if err != nil {
			s.kit.RenderError(w, r, errkind.New(errkind.TooLarge, "the chain is too large"))
			return
		}
		chain = data
	}
	info, err := s.deps.Admin.ImportChain(r.Context(), kit.Actor(r), chain)
	if err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, info)
}
