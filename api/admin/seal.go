package admin

import (
	"io"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/api/kit"
	"github.com/kyso-vn/kyso/errkind"
)

// maxSealImage bounds an uploaded seal image (the renderer's own limit).
const maxSealImage = 5 << 20

// putSealImage stores an agency's seal image (PNG or JPEG body), drawn on
// the agency's seal signatures from then on.
func (s *Handler) putSealImage(w http.ResponseWriter, r *http.Request) {
	if !s.deps.Has.Seals {
		s.kit.RenderError(w, r, kit.ErrNotConfigured)
		return
	}
	org, err := url.PathUnescape(mux.Vars(r)["organization"])
	if err != nil || len(org) > 256 {
		s.kit.RenderError(w, r, errkind.New(errkind.Invalid, "the agency name in the path is not valid"))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSealImage))
	if err != nil {
		s.kit.RenderError(w, r, errkind.New(errkind.TooLarge, "the image is larger than 5 MiB"))
		return
	}
	if org, err = s.deps.Admin.SetSealImage(r.Context(), kit.Actor(r), org, data); err != nil {
		s.kit.RenderError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"organization": org, "bytes": len(data)})
}
