package signer

import (
	"context"
	"errors"
	"net/http"

	"github.com/kyso-vn/kyso/signer/appearance"
	"github.com/kyso-vn/kyso/store"
)

// SealStore keeps agencies' seal images (store.Store implements it).
type SealStore interface {
	PutSealImage(ctx context.Context, img *store.SealImage) error
	GetSealImage(ctx context.Context, organization string) (*store.SealImage, error)
}

// SetSealImage stores the seal image of an agency (organization as it
// appears in its credentials' O attribute). The image must be a PNG or
// JPEG that the appearance renderer accepts; it is checked now, not at
// the first signature.
func (s *Service) SetSealImage(ctx context.Context, organization string, data []byte) error {
	if s.cfg.Seals == nil {
		return ErrInvalid.Errorf("seal images are not configured")
	}
	if organization == "" {
		return ErrInvalid.Errorf("the agency name is required")
	}
	if err := appearance.CheckImage(data); err != nil {
		return ErrInvalid.Errorf("%w", err)
	}
	ct := http.DetectContentType(data)
	return s.cfg.Seals.PutSealImage(ctx, &store.SealImage{Organization: organization, ContentType: ct, Data: data})
}

// sealImage returns the agency's uploaded seal image, or nil (a drawn
// seal) when there is none.
func (s *Service) sealImage(ctx context.Context, organization string) ([]byte, error) {
	if s.cfg.Seals == nil {
		return nil, nil
	}
	img, err := s.cfg.Seals.GetSealImage(ctx, organization)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return img.Data, nil
}
