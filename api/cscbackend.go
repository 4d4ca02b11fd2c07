package api

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/kyso-vn/kyso/api/csc"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// cscBackend is what the CSC sub-router (api/csc) needs, over the
// server's services: api/csc sees model and app types only, this adapter
// turns its client into the model.Caller app takes.
type cscBackend struct{ s *Server }

// cscHandler returns the CSC API over s's services.
func (s *Server) cscHandler() *csc.Handler {
	b := cscBackend{s}
	d := csc.Deps{Clients: b, Credentials: b, Documents: b, TokenKey: s.deps.CSCTokenKey}
	if s.deps.Remote != nil {
		d.Remote, d.Transactions = b, b
	}
	return csc.New(csc.Config{Logger: s.log, TokenTTL: s.cfg.CSCTokenTTL, BaseURL: s.cfg.BaseURL, MaxBodyBytes: s.cfg.MaxDocumentBytes*4/3 + 1<<20,
		// As on the native signing API: the access log names the client,
		// and its requests in progress are bounded.
		Admit: func(r *http.Request, clientID string) (func(), error) {
			noteActor(r.Context(), "client:"+clientID)
			if !s.slots.acquire(clientID) {
				return nil, s.tooManyInFlight()
			}
			return func() { s.slots.release(clientID) }, nil
		}}, d)
}

// Authenticate implements csc.Clients.
func (b cscBackend) Authenticate(ctx context.Context, key string) (*model.Client, error) {
	if b.s.deps.Clients == nil {
		return nil, errNotConfigured
	}
	c, err := b.s.deps.Clients.Authenticate(ctx, key)
	if errkind.KindOf(err) == errkind.Unauthorized {
		return nil, errkind.Wrap(errkind.Unauthorized, err, "unknown or disabled client")
	}
	return c, err // a database outage stays one (503), not a wrong key
}

// Client implements csc.Clients: every request with an access token reads
// the client again (a disabled or deleted client fails at once).
func (b cscBackend) Client(ctx context.Context, id string) (*model.Client, error) {
	g, ok := b.s.deps.Clients.(interface {
		Get(ctx context.Context, id string) (*model.Client, error)
	})
	if !ok {
		return nil, errNotConfigured
	}
	c, err := g.Get(ctx, id)
	if errkind.KindOf(err) == errkind.NotFound {
		return nil, errkind.Wrap(errkind.NotFound, err, "no such client")
	}
	return c, err
}

// List implements csc.Credentials: the credentials the client may use
// (app.Certificates.ClientCredentials decides which).
func (b cscBackend) List(ctx context.Context, c *model.Client, userID string) ([]string, error) {
	return b.s.certs.ClientCredentials(ctx, app.CallerOf(c), userID)
}

// Info implements csc.Credentials: Key, for a client that may use the
// credential. A citizen's credential of a client not bound to the citizen
// is not found, as one that does not exist: its certificate names the
// citizen and their CCCD.
func (b cscBackend) Info(ctx context.Context, c *model.Client, id string) (*model.SigningCredential, error) {
	cred, err := b.Key(ctx, c, id)
	if err != nil || cred.SCAL != "2" {
		return cred, err
	}
	if b.s.deps.Remote == nil {
		return nil, errNotConfigured
	}
	bound, err := b.s.deps.Remote.Credentials(ctx, app.CallerOf(c))
	if err != nil {
		return nil, err
	}
	if !slices.Contains(bound, id) {
		return nil, errkind.New(errkind.NotFound, "no such credential for this client")
	}
	return cred, nil
}

// Key implements csc.Credentials: the credential's active certificate and
// chain, for a client that may use it (app.Certificates.ClientCredential
// decides).
func (b cscBackend) Key(ctx context.Context, c *model.Client, id string) (*model.SigningCredential, error) {
	return b.s.certs.ClientCredential(ctx, app.CallerOf(c), id)
}

// Authorize implements csc.Remote.
func (b cscBackend) Authorize(ctx context.Context, c *model.Client, req csc.AuthorizeRequest) (string, time.Time, error) {
	return b.s.deps.Remote.Authorize(ctx, app.CallerOf(c), app.AuthorizeRequest{
		CredentialID: req.CredentialID, Hashes: req.Hashes, HashAlgorithm: req.HashAlgorithm, NumSignatures: req.NumSignatures,
		PIN: req.PIN, OTP: req.OTP, DocID: req.DocID, DocName: req.DocName,
	})
}

// ExtendSAD implements csc.Remote.
func (b cscBackend) ExtendSAD(ctx context.Context, c *model.Client, credentialID, sad string) (string, time.Time, error) {
	return b.s.deps.Remote.ExtendSAD(ctx, app.CallerOf(c), credentialID, sad)
}

// SignHashes implements csc.Remote.
func (b cscBackend) SignHashes(ctx context.Context, c *model.Client, credentialID, sad string, hashes [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	return b.s.deps.Remote.SignHashes(ctx, app.CallerOf(c), credentialID, sad, hashes, opts)
}

// Open implements csc.Transactions.
func (b cscBackend) Open(ctx context.Context, c *model.Client, req csc.TransactionRequest) (*csc.Transaction, error) {
	tx, err := b.s.deps.Remote.OpenTransaction(ctx, app.CallerOf(c), app.TransactionRequest{
		CredentialID: req.CredentialID, Hashes: req.Hashes, HashAlgorithm: req.HashAlgorithm, NumSignatures: req.NumSignatures,
		DocID: req.DocID, DocName: req.DocName, CallbackURL: req.CallbackURL,
	})
	if err != nil {
		return nil, err
	}
	return &csc.Transaction{ID: tx.ID, ConfirmURL: tx.ConfirmURL, ExpiresAt: tx.ExpiresAt, State: tx.State, SAD: tx.SAD}, nil
}

// Poll implements csc.Transactions.
func (b cscBackend) Poll(ctx context.Context, c *model.Client, id string) (*csc.Transaction, error) {
	tx, err := b.s.deps.Remote.Poll(ctx, app.CallerOf(c), id)
	if err != nil {
		return nil, err
	}
	return &csc.Transaction{ID: tx.ID, ConfirmURL: tx.ConfirmURL, ExpiresAt: tx.ExpiresAt, State: tx.State, SAD: tx.SAD}, nil
}

// SignDocuments implements csc.Documents with the native signing service:
// PDF → PAdES, XML → XAdES, digests → detached CMS. One request is one
// format and one authorisation: several documents go as one batch, which a
// citizen's single-use SAD covers whole (authorised for the SHA-256 of
// each document, or for the digests).
func (b cscBackend) SignDocuments(ctx context.Context, c *model.Client, docs []csc.DocumentRequest) ([][]byte, error) {
	if b.s.deps.Signing == nil {
		return nil, errNotConfigured
	}
	if len(docs) == 0 {
		return nil, errkind.New(errkind.Invalid, "no document")
	}
	first := docs[0]
	for _, d := range docs[1:] {
		if d.Format != first.Format || d.Level != first.Level || d.DigestAlgorithm != first.DigestAlgorithm {
			return nil, errkind.New(errkind.Invalid, "one signDoc request signs documents of one format and one conformance level")
		}
	}
	caller := app.CallerOf(c)
	switch first.Format {
	case "pdf":
		req := app.PDFRequest{CredentialID: first.CredentialID, Level: first.Level, SAD: first.SAD}
		outs := make([]bytes.Buffer, len(docs))
		if len(docs) == 1 {
			if _, err := b.s.deps.Signing.SignPDF(ctx, caller, req, bytes.NewReader(first.Document), int64(len(first.Document)), &outs[0]); err != nil {
				return nil, err
			}
			return [][]byte{outs[0].Bytes()}, nil
		}
		batch := make([]app.BatchDocument, len(docs))
		for i, d := range docs {
			batch[i] = app.BatchDocument{Name: fmt.Sprintf("document-%d.pdf", i+1), In: bytes.NewReader(d.Document), Size: int64(len(d.Document)), Out: &outs[i]}
		}
		results, err := b.s.deps.Signing.SignPDFBatch(ctx, caller, req, batch)
		if err != nil {
			return nil, err
		}
		out := make([][]byte, len(docs))
		for i, r := range results {
			if r.Err != nil {
				return nil, fmt.Errorf("documents[%d]: %w", i, r.Err)
			}
			out[i] = outs[i].Bytes()
		}
		return out, nil
	case "xml":
		xs, ok := b.s.deps.Signing.(XMLSigning)
		if !ok {
			return nil, errNotConfigured
		}
		req := app.XMLRequest{CredentialID: first.CredentialID, Profile: "xades", Level: first.Level, SAD: first.SAD}
		in := make([][]byte, len(docs))
		for i, d := range docs {
			in[i] = d.Document
		}
		results, err := xs.SignXMLBatch(ctx, caller, req, in)
		if err != nil {
			return nil, err
		}
		out := make([][]byte, len(docs))
		for i, r := range results {
			if r.Err != nil {
				return nil, fmt.Errorf("documents[%d]: %w", i, r.Err)
			}
			out[i] = r.Result.Document
		}
		return out, nil
	case "cms":
		req := app.HashRequest{}
		req.CredentialID, req.SAD, req.Timestamp = first.CredentialID, first.SAD, first.Level != "B-B"
		req.HashAlgorithm = map[crypto.Hash]string{crypto.SHA256: "sha-256", crypto.SHA384: "sha-384", crypto.SHA512: "sha-512"}[first.DigestAlgorithm]
		for _, d := range docs {
			req.Hashes = append(req.Hashes, d.Digest)
		}
		return b.s.deps.Signing.SignHashes(ctx, caller, req)
	}
	return nil, errkind.New(errkind.Invalid, "unknown document format "+first.Format)
}
