package store

import (
	"context"
	"fmt"
	"time"
)

// SealImage is an agency's seal image.
type SealImage struct {
	Organization string
	ContentType  string // image/png or image/jpeg
	Data         []byte
	UpdatedAt    time.Time
}

// PutSealImage stores (or replaces) an agency's seal image.
func (s *sqlDB) PutSealImage(ctx context.Context, img *SealImage) error {
	img.UpdatedAt = s.stamp(img.UpdatedAt)
	_, err := s.w.ExecContext(ctx, `INSERT INTO seal_images (organization, content_type, data, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (organization) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, updated_at = excluded.updated_at`,
		img.Organization, img.ContentType, img.Data, dbTime(img.UpdatedAt))
	if err != nil {
		return s.fail(fmt.Sprintf("put seal image of %q", img.Organization), err)
	}
	return nil
}

// GetSealImage returns an agency's seal image, or ErrNotFound.
func (s *sqlDB) GetSealImage(ctx context.Context, organization string) (*SealImage, error) {
	img := &SealImage{}
	err := s.queryRow(ctx, `SELECT organization, content_type, data, updated_at FROM seal_images WHERE organization = $1`, organization).
		Scan(&img.Organization, &img.ContentType, &img.Data, timeScan{&img.UpdatedAt})
	if err != nil {
		return nil, s.fail(fmt.Sprintf("get seal image of %q", organization), err)
	}
	return img, nil
}
