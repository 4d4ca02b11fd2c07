package main

import (
	"context"
	"fmt"

	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/store"
)

// answerKeyName is the Transit key (aes256-gcm96, never exportable) that
// seals the answers kept for Idempotency-Key replay, after ca.key_prefix.
const answerKeyName = "idempotency-answers"

// sealAnswers has st seal the answers it keeps for Idempotency-Key replay
// with a Transit key of kyso's mount (created if missing), and hold each
// caller's to http.idempotency_quota_bytes.
func sealAnswers(ctx context.Context, st store.Store, km *keys.Manager, cfg *Config) error {
	a, ok := st.(interface{ SetAnswerConfig(store.AnswerConfig) })
	if !ok {
		return fmt.Errorf("store %T cannot seal kept answers", st)
	}
	prefix := cfg.CA.KeyPrefix
	if prefix == "" {
		prefix = "kyso-"
	}
	c, err := km.Cipher(ctx, prefix+answerKeyName)
	if err != nil {
		return fmt.Errorf("the Transit key of kept Idempotency-Key answers: %w", err)
	}
	a.SetAnswerConfig(store.AnswerConfig{Cipher: c, QuotaBytes: cfg.HTTP.IdempotencyQuotaBytes})
	return nil
}
