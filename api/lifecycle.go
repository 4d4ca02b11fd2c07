package api

import (
	"context"
	"time"

	"github.com/kyso-vn/kyso/model"
)

// ClientLifecycle manages client systems' API keys (auth.Clients). An
// expiresAt of zero is "never".
type ClientLifecycle interface {
	CreateExpiring(ctx context.Context, name string, orgs []string, expiresAt time.Time) (string, *model.Client, error)
	List(ctx context.Context) ([]*model.Client, error)
	SetDisabled(ctx context.Context, id string, disabled bool) error
	Delete(ctx context.Context, id string) error
	Rotate(ctx context.Context, id string, expiresAt time.Time) (string, *model.Client, error)
}

// AdminTokens manages admin tokens (auth.Admins). An expiresAt of zero is
// "never".
type AdminTokens interface {
	CreateExpiring(ctx context.Context, name string, expiresAt time.Time) (string, *model.AdminToken, error)
	List(ctx context.Context) ([]*model.AdminToken, error)
	Revoke(ctx context.Context, id string) error
	Rotate(ctx context.Context, id string, expiresAt time.Time) (string, *model.AdminToken, error)
}
