// Package web serves the citizens' verification page: a static page that
// sends a PDF to POST /v1/verify/pdf and shows the report in Vietnamese (or
// English).
//
// Every file is embedded in the binary; nothing is fetched from another
// origin, and the page runs under a strict Content-Security-Policy with no
// inline script or style. The package owns only static assets: it must not
// import the verifier or any other kyso package but internal/warnvi, the
// Vietnamese sentences of the verifier's warnings, which it writes into
// the page's script.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/internal/warnvi"
)

// ContentSecurityPolicy is sent with every answer of Handler. The page needs
// nothing beyond its own origin: its script and style files, images that are
// its own files or data: URLs, and fetch to the verification API.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; form-action 'none'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// AssetPrefix is the path under which Handler serves the page's files.
const AssetPrefix = "/assets/"

//go:embed index.html app.js app.css favicon.svg
var files embed.FS

// assetTypes lists the files served under AssetPrefix with their media
// types. Only these names are served; every other path is a 404.
var assetTypes = map[string]string{
	"app.js":      "text/javascript; charset=utf-8",
	"app.css":     "text/css; charset=utf-8",
	"favicon.svg": "image/svg+xml",
}

type asset struct {
	body        []byte
	contentType string
	etag        string
}

type handler struct {
	index  asset
	assets map[string]asset
}

// Handler returns the handler of the verification page. It answers
//
//	GET /                 the page (index.html), never cached
//	GET /assets/NAME      the page's script, style sheet and icon, cached for a year
//
// and 404 for any other path, 405 for methods other than GET and HEAD. Every
// answer carries ContentSecurityPolicy and the other security headers.
//
// The page refers to its assets as /assets/NAME?v=HASH, where HASH is a
// digest of the file, so a new release is never hidden by a cached old
// script.
func Handler() http.Handler { return NewHandler(Branding{}) }

// NewHandler is Handler for a page that shows its operator, b: the
// agency's name, contact and logo (served as /assets/logo.png). b.Logo
// must come from CleanLogo.
func NewHandler(b Branding) http.Handler {
	h := &handler{assets: make(map[string]asset, len(assetTypes)+1)}
	page := brandPage(readEmbedded("index.html"), b)
	bodies := make(map[string][]byte, len(assetTypes)+1)
	types := make(map[string]string, len(assetTypes)+1)
	for name, ct := range assetTypes {
		bodies[name], types[name] = readEmbedded(name), ct
	}
	bodies["app.js"] = bytes.Replace(bodies["app.js"], warnVIPlaceholder, warnvi.JSON(), 1)
	if b.Logo != nil {
		bodies[logoName], types[logoName] = b.Logo, "image/png"
	}
	for name, body := range bodies {
		a := asset{body: body, contentType: types[name], etag: etag(body)}
		h.assets[name] = a
		// Version the reference in the page: "/assets/app.js" becomes
		// "/assets/app.js?v=0123456789ab".
		ref := []byte(`"` + AssetPrefix + name + `"`)
		versioned := []byte(`"` + AssetPrefix + name + "?v=" + strings.Trim(a.etag, `"`) + `"`)
		page = bytes.ReplaceAll(page, ref, versioned)
	}
	h.index = asset{body: page, contentType: "text/html; charset=utf-8", etag: etag(page)}
	return h
}

// warnVIPlaceholder is where app.js takes its table of Vietnamese warning
// sentences (WARN_VI), written in from internal/warnvi when the handler is
// made.
var warnVIPlaceholder = []byte("{/* internal/warnvi */}")

// readEmbedded returns an embedded file. It cannot fail for the names of the
// embed directive (the build fails if one is missing); a name added to
// assetTypes but not to the directive reads as empty, which the package
// tests catch.
func readEmbedded(name string) []byte {
	b, _ := files.ReadFile(name)
	return b
}

func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:6]) + `"`
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plain(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	p := r.URL.Path
	switch {
	case p == "/":
		// The page itself is small and names its assets by digest, so it
		// is revalidated on every visit.
		w.Header().Set("Cache-Control", "no-cache")
		serve(w, r, h.index)
	case strings.HasPrefix(p, AssetPrefix):
		name := strings.TrimPrefix(p, AssetPrefix)
		// Exact lookup by name: "..", "/" and encoded forms never match.
		a, ok := h.assets[name]
		if !ok {
			plain(w, http.StatusNotFound, "not found")
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		serve(w, r, a)
	default:
		plain(w, http.StatusNotFound, "not found")
	}
}

func serve(w http.ResponseWriter, r *http.Request, a asset) {
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("ETag", a.etag)
	// ServeContent handles If-None-Match, HEAD and ranges; the zero
	// modification time keeps Last-Modified out.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
}
