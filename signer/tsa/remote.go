package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"

	"github.com/digitorus/timestamp"
)

// MaxResponseSize bounds the TimeStampResp Remote reads: a token with its
// TSA's certificate chain is a few kilobytes.
const MaxResponseSize = 1 << 20

// Remote is a time-stamp authority reached over HTTP (RFC 3161, 3.4), such
// as another kyso's /pki/tsa: the TSA of `kyso extend --tsa-url`. It
// implements the PAdES signer's Timestamper.
type Remote struct {
	URL    string
	Client *http.Client // http.DefaultClient when nil; bound its Timeout
}

// Timestamp asks the TSA for a token over digest (hashed with h), with a
// random 64-bit nonce and its certificate requested, and returns the
// token (the TimeStampToken, not the whole response) if the TSA granted
// it over exactly that imprint, hash and nonce. It does not verify the
// token's signature: the signer that embeds it does (pades checks every
// token it is handed).
func (r Remote) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	body, err := (&timestamp.Request{HashAlgorithm: h, HashedMessage: digest, Certificates: true, Nonce: nonce}).Marshal()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ContentTypeQuery)
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("time-stamp authority: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("time-stamp authority: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("time-stamp authority %s: HTTP %d", r.URL, resp.StatusCode)
	}
	if len(data) > MaxResponseSize {
		return nil, fmt.Errorf("time-stamp authority %s: an answer of more than %d bytes", r.URL, MaxResponseSize)
	}
	ts, err := timestamp.ParseResponse(data)
	if err != nil {
		return nil, fmt.Errorf("time-stamp authority: %w", err)
	}
	if !bytes.Equal(ts.HashedMessage, digest) || ts.HashAlgorithm != h || ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, errors.New("time-stamp authority: the token is not over what was asked (imprint or nonce differ)")
	}
	return ts.RawToken, nil
}
