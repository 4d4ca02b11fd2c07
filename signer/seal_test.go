package signer_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"image"
	"image/png"
	"io"
	"testing"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/pades"
)

// TestSealAppearanceOnlyForSeals reproduces two red-team findings of
// issue #14: an official could sign with the red seal appearance of the
// agency, and a client could replace the agency's registered seal image
// by sending its own with the seal template. Both are refused now; the
// agency's seal credential still signs with the seal appearance.
func TestSealAppearanceOnlyForSeals(t *testing.T) {
	ctx := context.Background()
	km, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := km.Create(ctx, "k", keys.RSA2048); err != nil {
		t.Fatal(err)
	}
	ks, err := km.Signer(ctx, "k", 1)
	if err != nil {
		t.Fatal(err)
	}
	leaf, root := testCert(t, ks.Public())
	const org = "Ủy ban nhân dân Thành phố Hà Nội"
	key := model.Key{Signer: ks, Cert: leaf, Chain: []*x509.Certificate{root}}
	caller := signer.Caller{ClientID: "cli_test"}
	doc := testpdf.Make(1, 0)
	seal := func(image []byte) *signer.Appearance {
		return &signer.Appearance{Template: "seal", Page: 1, Rect: [4]float64{300, 60, 560, 200}, Image: image}
	}
	svc := signer.New(signer.Config{PDF: pades.New(nil, nil), Recorder: &recorder{}})
	sign := func(profile string, a *signer.Appearance) error {
		cred := &model.SigningCredential{ID: "cred_" + profile, Profile: profile, Organization: org, HolderName: "Trần Sỹ Thanh", Key: key}
		_, err := signPDF(ctx, svc, caller, cred, signer.PDFRequest{Appearance: a}, doc, io.Discard)
		return err
	}

	if err := sign("official", seal(nil)); !errors.Is(err, signer.ErrForbidden) {
		t.Errorf("official with the seal template = %v, want ErrForbidden", err)
	}
	if err := sign("official", &signer.Appearance{Template: "leader", Page: 1, Rect: [4]float64{300, 60, 560, 200}}); err != nil {
		t.Errorf("official with the leader template = %v", err)
	}
	var fe *errkind.Error
	if err := sign("seal", seal(sealPNG(t))); !errors.Is(err, signer.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "appearance.image" {
		t.Errorf("seal template with the client's own image = %v, want ErrInvalid on appearance.image", err)
	}
	if err := sign("seal", seal(nil)); err != nil {
		t.Errorf("seal credential with the seal template = %v", err)
	}
}

// sealPNG is a small red PNG, the kind of image a client would send.
func sealPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	for i := range img.Pix {
		if i%4 == 0 || i%4 == 3 {
			img.Pix[i] = 0xff
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
