// Package confirm serves the citizen's confirmation page of remote
// signing (the confirmation mode of issue #14): opened from the address a
// client system shows the citizen (ConfirmURL, /confirm/ID#t=TOKEN; the
// query form /confirm/ID?token=TOKEN is read too), it
// shows the agency, the document's doc_id and name, the prefixes of the
// hashes to be signed and the expiry, and sends the citizen's PIN and TOTP
// code — or a refusal — to kyso's JSON endpoints (package api).
//
// The page's script takes the token out of the address bar and the
// history at once and sends it only in the body of its POST requests. In
// the fragment form (#t=) it never reaches a server in a URL; in the query
// form the GET of the page carries it, which kyso's access log does not
// record (it logs route templates, not paths), and Referrer-Policy
// no-referrer keeps it from other sites.
//
// Every file is embedded; nothing is fetched from another origin, and the
// page runs under a strict Content-Security-Policy with no inline script
// or style. The package owns only static assets: it imports no kyso
// package.
package confirm

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// ContentSecurityPolicy is sent with every answer of Handler.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; form-action 'none'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// AssetPrefix is the path under which Handler serves the page's files.
const AssetPrefix = "/confirm/assets/"

//go:embed confirm.html confirm.js confirm.css
var files embed.FS

var assetTypes = map[string]string{
	"confirm.js":  "text/javascript; charset=utf-8",
	"confirm.css": "text/css; charset=utf-8",
}

type asset struct {
	body        []byte
	contentType string
	etag        string
}

type handler struct {
	page   asset
	assets map[string]asset
}

// Handler returns the handler of the confirmation page. It answers
//
//	GET /confirm/{id}              the page (the same for every id; its script reads the id and the token)
//	GET /confirm/assets/NAME       its script and style sheet, cached for a year
//
// and 404 for any other path.
func Handler() http.Handler {
	h := &handler{assets: map[string]asset{}}
	page, _ := files.ReadFile("confirm.html")
	for name, ct := range assetTypes {
		body, _ := files.ReadFile(name)
		a := asset{body: body, contentType: ct, etag: etag(body)}
		h.assets[name] = a
		page = bytes.ReplaceAll(page, []byte(`"`+AssetPrefix+name+`"`),
			[]byte(`"`+AssetPrefix+name+"?v="+strings.Trim(a.etag, `"`)+`"`))
	}
	h.page = asset{body: page, contentType: "text/html; charset=utf-8", etag: etag(page)}
	return h
}

func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:6]) + `"`
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	var a asset
	if name, ok := strings.CutPrefix(r.URL.Path, AssetPrefix); ok {
		found, ok := h.assets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		a = found
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		a = h.page
		hd.Set("Cache-Control", "no-store")
	}
	hd.Set("Content-Type", a.contentType)
	hd.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
