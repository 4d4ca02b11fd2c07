package csc

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/model"
)

// info answers POST info (CSC 11.1): who kyso is and what it offers.
func (h *Handler) info(w http.ResponseWriter, r *http.Request, v1 bool) {
	var req struct {
		Lang string `json:"lang"`
	}
	if err := h.decode(w, r, &req); err != nil {
		h.render(w, r, err)
		return
	}
	specs, base := "2.0.0.2", "/csc/v2"
	if v1 {
		specs, base = "1.0.4.0", "/csc/v1"
	}
	methods := make([]string, len(Paths)-1)
	for i, p := range Paths[1:] {
		methods[i] = strings.TrimPrefix(p, "/")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"specs":       specs,
		"name":        "kyso",
		"logo":        h.origin(r) + "/assets/favicon.svg",
		"region":      "VN",
		"lang":        "vi",
		"description": "kyso: ký số từ xa cho cơ quan nhà nước và công dân (remote signing for Vietnamese e-government)",
		"authType":    []string{"basic", "oauth2client"},
		"oauth2":      h.origin(r) + base,
		"methods":     methods,
		"signAlgorithms": map[string]any{
			"algos": []string{oidRSA, oidSHA256RSA, oidSHA384RSA, oidSHA512RSA, oidRSAPSS, oidECDSASHA256, oidECDSASHA384, oidECDSASHA512},
		},
		"signature_formats":  map[string]any{"formats": []string{"P", "X", "C"}},
		"conformance_levels": []string{"Ades-B-B", "Ades-B-T", "Ades-B-LT", "Ades-B-LTA"},
	})
}

// origin is where the URLs info announces start: kyso's configured public
// URL, else the scheme and host the request came to. A Host header is the
// client's to choose (and behind a TLS-terminating proxy the scheme is
// http), so a deployment's answer never depends on it.
func (h *Handler) origin(r *http.Request) string {
	if h.cfg.BaseURL != "" {
		return strings.TrimRight(h.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// login answers POST auth/login (CSC v1 11.2): HTTP Basic with the
// client's ID and API key gives an access token.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	id, key, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="kyso-csc"`)
		h.render(w, r, badRequest("HTTP Basic authentication with the client ID and API key is required"))
		return
	}
	var req struct {
		RememberMe bool `json:"rememberMe"`
	}
	if err := h.decode(w, r, &req); err != nil {
		h.render(w, r, err)
		return
	}
	h.issue(w, r, id, key, false)
}

// oauth2Token answers POST oauth2/token (RFC 6749, 4.4: the client
// credentials grant), with the client's ID and API key as client_id and
// client_secret, in the form or as HTTP Basic (RFC 6749, 2.3.1).
func (h *Handler) oauth2Token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var grant, id, key string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var req struct {
			GrantType    string `json:"grant_type"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		}
		if err := h.decode(w, r, &req); err != nil {
			h.render(w, r, err)
			return
		}
		grant, id, key = req.GrantType, req.ClientID, req.ClientSecret
	} else {
		if err := r.ParseForm(); err != nil {
			h.render(w, r, badRequest("the body must be application/x-www-form-urlencoded (RFC 6749, 4.4.2)"))
			return
		}
		grant, id, key = r.PostForm.Get("grant_type"), r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if bid, bkey, ok := r.BasicAuth(); ok {
		id, key = bid, bkey
	}
	if grant != "client_credentials" {
		h.render(w, r, cscError(http.StatusBadRequest, ErrUnsupported, "grant_type must be client_credentials"))
		return
	}
	if id == "" || key == "" {
		h.render(w, r, cscError(http.StatusUnauthorized, ErrInvalidClient, "client_id and client_secret (the client's API key) are required"))
		return
	}
	h.issue(w, r, id, key, true)
}

// issue authenticates the client by its API key, checks that the key is
// the named client's, and answers an access token.
func (h *Handler) issue(w http.ResponseWriter, r *http.Request, id, key string, oauth bool) {
	c, err := h.d.Clients.Authenticate(r.Context(), key)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.ID), []byte(id)) != 1 {
		if err != nil && classify(err).Status >= 500 {
			h.render(w, r, err)
			return
		}
		h.render(w, r, cscError(http.StatusUnauthorized, ErrInvalidClient, "unknown client, wrong key, or a disabled or expired client"))
		return
	}
	tok, ttl, err := h.tokens.Issue(r.Context(), c)
	if err != nil {
		h.render(w, r, err)
		return
	}
	answer := map[string]any{"access_token": tok, "expires_in": int(ttl / time.Second)}
	if oauth {
		answer["token_type"] = "Bearer"
	}
	writeJSON(w, http.StatusOK, answer)
}

// credentialsList answers POST credentials/list.
func (h *Handler) credentialsList(w http.ResponseWriter, r *http.Request, c *model.Client) {
	var req struct {
		UserID         string `json:"userID"`
		CredentialInfo bool   `json:"credentialInfo"`
		MaxResults     int    `json:"maxResults"`
	}
	if err := h.decode(w, r, &req); err != nil {
		h.render(w, r, err)
		return
	}
	ids, err := h.d.Credentials.List(r.Context(), c, req.UserID)
	if err != nil {
		h.render(w, r, err)
		return
	}
	if req.MaxResults > 0 && len(ids) > req.MaxResults {
		ids = ids[:req.MaxResults]
	}
	if ids == nil {
		ids = []string{}
	}
	answer := map[string]any{"credentialIDs": ids}
	if req.CredentialInfo {
		infos := make([]map[string]any, 0, len(ids))
		for _, id := range ids {
			cred, err := h.d.Credentials.Key(r.Context(), c, id) // List gave only those c may use
			if err != nil {
				h.render(w, r, err)
				return
			}
			info, err := h.describe(cred, "chain", true)
			if err != nil {
				h.render(w, r, err)
				return
			}
			info["credentialID"] = id
			infos = append(infos, info)
		}
		answer["credentialInfos"] = infos
	}
	writeJSON(w, http.StatusOK, answer)
}

// credentialsInfo answers POST credentials/info.
func (h *Handler) credentialsInfo(w http.ResponseWriter, r *http.Request, c *model.Client) {
	var req struct {
		CredentialID string `json:"credentialID"`
		Certificates string `json:"certificates"` // none | single | chain (default single)
		CertInfo     bool   `json:"certInfo"`
		AuthInfo     bool   `json:"authInfo"`
	}
	if err := h.decode(w, r, &req); err != nil {
		h.render(w, r, err)
		return
	}
	if req.CredentialID == "" {
		h.render(w, r, badRequest("credentialID is required"))
		return
	}
	switch req.Certificates {
	case "":
		req.Certificates = "single"
	case "none", "single", "chain":
	default:
		h.render(w, r, badRequest(`certificates must be "none", "single" or "chain"`))
		return
	}
	cred, err := h.d.Credentials.Info(r.Context(), c, req.CredentialID)
	if err != nil {
		h.render(w, r, err)
		return
	}
	info, err := h.describe(cred, req.Certificates, req.CertInfo)
	if err != nil {
		h.render(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// describe is the credentials/info answer of cred (CSC v1 11.5 and v2
// 11.5 fields together: a v1 client reads PIN/OTP/authMode, a v2 client
// auth).
//
// The certificate's status is CSC's "valid" or "expired" (the credential's
// certificate is its active one: a revoked one is not found), and the key
// is enabled while the certificate is valid.
func (h *Handler) describe(cred *model.SigningCredential, certs string, certInfo bool) (map[string]any, error) {
	leaf := cred.Cert
	if leaf == nil {
		return nil, cscError(http.StatusInternalServerError, ErrServer, "the credential has no certificate")
	}
	status := "valid"
	if h.cfg.Now().After(leaf.NotAfter) {
		status = "expired"
	}
	algos, bits, curve := keyAlgos(leaf)
	key := map[string]any{"status": "enabled", "algo": algos, "len": bits}
	if status != "valid" {
		key["status"] = "disabled"
	}
	if curve != "" {
		key["curve"] = curve
	}
	cert := map[string]any{"status": status}
	switch certs {
	case "single":
		cert["certificates"] = []string{b64(leaf.Raw)}
	case "chain":
		list := []string{b64(leaf.Raw)}
		for _, c := range cred.Chain {
			list = append(list, b64(c.Raw))
		}
		cert["certificates"] = list
	}
	if certInfo {
		cert["issuerDN"] = leaf.Issuer.String()
		cert["subjectDN"] = leaf.Subject.String()
		cert["serialNumber"] = leaf.SerialNumber.Text(16)
		cert["validFrom"] = leaf.NotBefore.UTC().Format("20060102150405Z")
		cert["validTo"] = leaf.NotAfter.UTC().Format("20060102150405Z")
	}
	info := map[string]any{
		"description": leaf.Subject.CommonName + " (" + cred.Profile + ")",
		"key":         key,
		"cert":        cert,
		"SCAL":        cred.SCAL,
		"multisign":   h.cfg.Multisign,
		"lang":        "vi",
	}
	if cred.SCAL == "2" {
		info["authMode"] = "explicit"
		info["PIN"] = map[string]any{"presence": "true", "format": "N", "label": "PIN", "description": "Mã PIN của chủ thuê bao (PIN of the holder)"}
		info["OTP"] = map[string]any{"presence": "true", "type": "offline", "format": "N", "label": "OTP", "ID": "totp",
			"provider": "kyso", "description": "Mã TOTP 6 chữ số trong ứng dụng xác thực (RFC 6238 code from the holder's authenticator app)"}
		info["auth"] = map[string]any{"mode": "explicit", "expression": "PIN AND OTP", "objects": []map[string]any{
			{"type": "Password", "id": "PIN", "format": "N", "label": "PIN"},
			{"type": "Password", "id": "OTP", "format": "N", "label": "OTP", "generator": "totp"},
		}}
	} else {
		info["authMode"] = "implicit"
		info["PIN"] = map[string]any{"presence": "false"}
		info["OTP"] = map[string]any{"presence": "false"}
		info["auth"] = map[string]any{"mode": "implicit"}
	}
	return info, nil
}
