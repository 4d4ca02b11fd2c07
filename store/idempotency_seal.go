package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/kyso-vn/kyso/errkind"
)

// AnswerCipher encrypts and decrypts small secrets with a key that never
// leaves its keeper, binding each ciphertext to associated data (AEAD).
// cmd/kyso wires a Vault Transit key of type aes256-gcm96 (*keys.Cipher).
type AnswerCipher interface {
	Encrypt(ctx context.Context, plaintext, associated []byte) ([]byte, error)
	Decrypt(ctx context.Context, ciphertext, associated []byte) ([]byte, error)
}

// AnswerConfig says how the answers kept for Idempotency-Key replay are
// stored (SetAnswerConfig).
type AnswerConfig struct {
	// Cipher seals each kept answer; nil keeps answers in clear (tests
	// and tools without Vault only: kyso serve and kyso dev always seal).
	Cipher AnswerCipher
	// QuotaBytes bounds the bytes of kept answers per actor (0:
	// DefaultAnswerQuota; negative: no bound). Keeping an answer evicts
	// the actor's oldest kept answers until the rest fits; an answer
	// larger than the quota is not kept at all.
	QuotaBytes int64
}

// DefaultAnswerQuota is the bytes of kept answers per actor when
// AnswerConfig.QuotaBytes is 0: 256 MiB, sixteen answers of the largest
// size kept by default (http.idempotency_max_answer_bytes, 16 MiB), or
// some thousands of ordinary signed PDFs.
const DefaultAnswerQuota = 256 << 20

// ErrAnswerUnreadable is a kept answer that does not decrypt: its row was
// altered or moved to another actor's or key's row, or the Transit key
// lost the version that sealed it. It is an internal error (500): the
// request was done, and the client cannot act on it.
var ErrAnswerUnreadable = errkind.New(errkind.Internal, "store: kept answer does not decrypt")

// ErrAnswerNotSealed is an answer CompleteIdempotencyKey could not seal:
// it marked the record done without keeping the answer.
var ErrAnswerNotSealed = errkind.New(errkind.Internal, "store: answer not sealed, so not kept")

// SetAnswerConfig sets how the answers kept for Idempotency-Key replay are
// stored. It is for wiring, before the store is used: it is not
// synchronised with calls.
func (s *sqlDB) SetAnswerConfig(c AnswerConfig) { s.answers = c }

// answerQuota returns the quota in bytes per actor; 0: none.
func (s *sqlDB) answerQuota() int64 {
	switch q := s.answers.QuotaBytes; {
	case q == 0:
		return DefaultAnswerQuota
	case q < 0:
		return 0
	default:
		return q
	}
}

// Sealing is envelope encryption: each answer is encrypted here with a
// fresh AES-256-GCM data key, and only that 32-byte key goes to the
// AnswerCipher (Transit) to be encrypted. An answer may be megabytes (a
// signed PDF); sending it to Vault base64-encoded in JSON would load Vault
// with the document twice (seal and replay) and run into its request size
// limit. The data key is never stored in clear: the row holds it only as
// Transit's ciphertext.
//
// Both encryptions take the same associated data, which names the row the
// answer belongs to (actor, key, status): a sealed answer copied into
// another actor's or key's row does not decrypt.
//
// A sealed body is
//
//	version (1 byte, sealVersion) | uvarint length | wrapped data key (Transit's "vault:vN:…")
//	| nonce (12 bytes) | AES-256-GCM ciphertext and tag
//
// and its plaintext is uvarint length | header JSON | body.
const sealVersion = 1

// answerAD is the associated data binding a sealed answer to its row.
func answerAD(actor, key string, status int) []byte {
	ad := []byte("kyso idempotency answer v1")
	for _, f := range []string{actor, key, strconv.Itoa(status)} {
		ad = binary.AppendUvarint(ad, uint64(len(f)))
		ad = append(ad, f...)
	}
	return ad
}

// seal encrypts the answer's header and body for the row of actor's key.
func seal(ctx context.Context, c AnswerCipher, actor, key string, status int, header string, body []byte) ([]byte, error) {
	dek := make([]byte, 32)
	if _, err := rand.Read(dek); err != nil {
		return nil, err
	}
	defer clear(dek)
	ad := answerAD(actor, key, status)
	wrapped, err := c.Encrypt(ctx, dek, ad)
	if err != nil {
		return nil, fmt.Errorf("seal answer: %w", err)
	}
	aead, err := newGCM(dek)
	if err != nil {
		return nil, err
	}
	plain := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(header)+len(body)), uint64(len(header)))
	plain = append(append(plain, header...), body...)
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(wrapped)+aead.NonceSize()+len(plain)+aead.Overhead())
	out = append(out, sealVersion)
	out = binary.AppendUvarint(out, uint64(len(wrapped)))
	out = append(out, wrapped...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out = append(out, nonce...)
	out = aead.Seal(out, nonce, plain, ad)
	clear(plain)
	return out, nil
}

// open decrypts a sealed answer of the row of actor's key. A failure other
// than the cipher's unavailability is ErrAnswerUnreadable.
func open(ctx context.Context, c AnswerCipher, actor, key string, status int, sealed []byte) (header string, body []byte, err error) {
	unreadable := func(why string) error { return fmt.Errorf("%w: %s", ErrAnswerUnreadable, why) }
	if c == nil {
		return "", nil, unreadable("the answer is sealed and no cipher is configured")
	}
	if len(sealed) < 1 || sealed[0] != sealVersion {
		return "", nil, unreadable("unknown seal version")
	}
	n, k := binary.Uvarint(sealed[1:])
	if k <= 0 || n > uint64(len(sealed)) {
		return "", nil, unreadable("truncated data key")
	}
	rest := sealed[1+k:]
	if uint64(len(rest)) < n {
		return "", nil, unreadable("truncated data key")
	}
	wrapped, rest := rest[:n], rest[n:]
	ad := answerAD(actor, key, status)
	dek, err := c.Decrypt(ctx, wrapped, ad)
	if err != nil {
		if errkind.KindOf(err) == errkind.Unavailable || ctx.Err() != nil {
			// Vault is away (or the caller gave up): the answer may
			// well decrypt later.
			return "", nil, fmt.Errorf("open answer: %w", err)
		}
		return "", nil, fmt.Errorf("%w: data key: %v", ErrAnswerUnreadable, err)
	}
	defer clear(dek)
	aead, err := newGCM(dek)
	if err != nil {
		return "", nil, unreadable("data key is not an AES-256 key")
	}
	if len(rest) < aead.NonceSize() {
		return "", nil, unreadable("truncated nonce")
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], ad)
	if err != nil {
		return "", nil, unreadable("the answer fails authentication")
	}
	hn, k := binary.Uvarint(plain)
	if k <= 0 || hn > uint64(len(plain)-k) {
		return "", nil, unreadable("malformed plaintext")
	}
	return string(plain[k : k+int(hn)]), plain[k+int(hn):], nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, errors.New("data key is not 32 bytes")
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
