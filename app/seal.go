package app

import (
	"context"
	"net/http"

	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/appearance"
)

// SealStore keeps agencies' seal images (the database; cmd/kyso wires
// it). Sign stores them and hands it to the formats as their
// signer.SealImages.
type SealStore interface {
	// PutSealImage stores or replaces an agency's seal image.
	PutSealImage(ctx context.Context, organization, contentType string, image []byte) error
	// SealImage returns an agency's seal image, or nil when it has none.
	SealImage(ctx context.Context, organization string) ([]byte, error)
}

// SetSealImage stores the seal image of an agency (organization as it
// appears in its credentials' O attribute; Admin.SetSealImage normalises
// and audits it). The image must be a PNG or JPEG that the appearance
// renderer accepts; it is checked now, not at the first signature.
func (s *Sign) SetSealImage(ctx context.Context, organization string, image []byte) error {
	if s.d.Seals == nil {
		return signer.ErrInvalid.Errorf("seal images are not configured")
	}
	if organization == "" {
		return signer.ErrInvalid.Errorf("the agency name is required")
	}
	if err := appearance.CheckImage(image); err != nil {
		return signer.ErrInvalid.Errorf("%w", err)
	}
	return s.d.Seals.PutSealImage(ctx, organization, http.DetectContentType(image), image)
}
