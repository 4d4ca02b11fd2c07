package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/appearance"
	"github.com/kyso-vn/kyso/store"
)

// SealStore keeps agencies' seal images (store.Store).
type SealStore interface {
	PutSealImage(ctx context.Context, img *store.SealImage) error
	GetSealImage(ctx context.Context, organization string) (*store.SealImage, error)
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
	ct := http.DetectContentType(image)
	return s.d.Seals.PutSealImage(ctx, &store.SealImage{Organization: organization, ContentType: ct, Data: image})
}

// sealImages is the formats' signer.SealImages: the agency's stored
// image, or none.
type sealImages struct{ seals SealStore }

func (l sealImages) SealImage(ctx context.Context, organization string) ([]byte, error) {
	img, err := l.seals.GetSealImage(ctx, organization)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return img.Data, nil
}
