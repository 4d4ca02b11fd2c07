package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/kyso-vn/kyso/store"
)

func testSealImages(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := context.Background()
	const org = "Ủy ban nhân dân Thành phố Hà Nội"
	if _, err := s.GetSealImage(ctx, org); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSealImage(none) = %v, want ErrNotFound", err)
	}
	first := &store.SealImage{Organization: org, ContentType: "image/png", Data: []byte("\x89PNG first")}
	if err := s.PutSealImage(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := &store.SealImage{Organization: org, ContentType: "image/jpeg", Data: []byte("\xff\xd8 second")}
	if err := s.PutSealImage(ctx, second); err != nil {
		t.Fatalf("PutSealImage(replace) = %v", err)
	}
	got, err := s.GetSealImage(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if got.ContentType != "image/jpeg" || !bytes.Equal(got.Data, second.Data) || got.UpdatedAt.IsZero() {
		t.Errorf("GetSealImage() = %s %q %v, want the replacement", got.ContentType, got.Data, got.UpdatedAt)
	}
	if _, err := s.GetSealImage(ctx, "Ủy ban nhân dân Thành phố Đà Nẵng"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another agency's image = %v, want ErrNotFound", err)
	}
}
