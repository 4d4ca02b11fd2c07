package signer

import "context"

// SealImages looks up agencies' seal images, drawn on their seal
// signatures (app.Sign wires it to the database, where administrators
// register them).
type SealImages interface {
	// SealImage returns the agency's registered seal image (PNG or JPEG),
	// or nil when it has none: a seal is then drawn.
	SealImage(ctx context.Context, organization string) ([]byte, error)
}

// sealImage returns the agency's registered seal image, or nil (a drawn
// seal) when there is none or no seal images are configured.
func (s *Service) sealImage(ctx context.Context, organization string) ([]byte, error) {
	if s.cfg.Seals == nil {
		return nil, nil
	}
	return s.cfg.Seals.SealImage(ctx, organization)
}
