package api

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/kyso-vn/kyso/api/csc"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
)

// cscBackend is what the CSC sub-router (api/csc) needs, over the
// server's services: api/csc sees model and app types only, this adapter
// turns its client into the model.Caller app takes.
type cscBackend struct{ s *Server }

// cscHandler returns the CSC API over s's services.
func (s *Server) cscHandler() *csc.Handler {
	b := cscBackend{s}
	d := csc.Deps{Clients: b, Credentials: b, Documents: b}
	if s.deps.Remote != nil {
		d.Remote, d.Transactions = b, b
	}
	return csc.New(csc.Config{Logger: s.log, TokenTTL: s.cfg.CSCTokenTTL, MaxBodyBytes: s.cfg.MaxDocumentBytes*4/3 + 1<<20,
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

// List implements csc.Credentials: the citizen credentials bound to the
// client (app.Remote), then the active official and seal credentials of
// its agencies. userID, when given, keeps the one credential of that ID.
//
// It reads every active certificate: fine for thousands, not for the
// 40,000 citizens of a city — a listing by agency in the store is the fix.
func (b cscBackend) List(ctx context.Context, c *model.Client, userID string) ([]string, error) {
	var ids []string
	if b.s.deps.Remote != nil {
		bound, err := b.s.deps.Remote.Credentials(ctx, app.CallerOf(c))
		if err != nil {
			return nil, err
		}
		for _, id := range bound {
			if userID == "" || id == userID {
				ids = append(ids, id)
			}
		}
	}
	after := ""
	for {
		page, err := b.s.ca.List(ctx, ca.ListFilter{Status: string(model.CertActive), Limit: 500, After: after})
		if err != nil {
			return nil, err
		}
		for _, rec := range page {
			if rec.CredentialID == "" || rec.Profile == ca.ProfileCitizen || (userID != "" && rec.CredentialID != userID) {
				continue
			}
			leaf, err := leafOf(rec)
			if err != nil || len(leaf.Subject.Organization) == 0 || !app.CallerOf(c).MayUse(leaf.Subject.Organization[0]) {
				continue
			}
			ids = append(ids, rec.CredentialID)
		}
		if len(page) < 500 {
			return ids, nil
		}
		after = page[len(page)-1].ID
	}
}

// Info implements csc.Credentials: Key, for a client that may use the
// credential. A citizen's credential of a client not bound to the citizen
// is not found, as one that does not exist: its certificate names the
// citizen and their CCCD.
func (b cscBackend) Info(ctx context.Context, c *model.Client, id string) (*csc.Credential, error) {
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
// chain. An official or seal credential of another agency is not found
// (as a credential that does not exist); whether a client may sign with a
// citizen's credential app.Remote decides when it authorises and signs.
func (b cscBackend) Key(ctx context.Context, c *model.Client, id string) (*csc.Credential, error) {
	notFound := errkind.New(errkind.NotFound, "no such credential for this client")
	recs, err := b.s.ca.List(ctx, ca.ListFilter{CredentialID: id, Status: string(model.CertActive), Limit: 2})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, notFound
	}
	is, err := b.s.ca.Get(ctx, recs[0].ID)
	if err != nil {
		return nil, err
	}
	if is.Leaf == nil {
		return nil, notFound
	}
	scal := "2"
	switch is.Record.Profile {
	case ca.ProfileOfficial, ca.ProfileSeal:
		scal = "1"
		if len(is.Leaf.Subject.Organization) == 0 || !app.CallerOf(c).MayUse(is.Leaf.Subject.Organization[0]) {
			return nil, notFound
		}
	case ca.ProfileCitizen:
	default:
		return nil, notFound
	}
	chain := [][]byte{is.Leaf.Raw}
	for _, x := range is.Chain {
		chain = append(chain, x.Raw)
	}
	status, now := "valid", time.Now()
	if now.After(is.Leaf.NotAfter) {
		status = "expired"
	}
	return &csc.Credential{ID: id, Description: is.Leaf.Subject.CommonName + " (" + is.Record.Profile + ")",
		Chain: chain, Status: status, KeyEnabled: status == "valid", SCAL: scal}, nil
}

func leafOf(rec *model.Certificate) (*x509.Certificate, error) {
	blk, _ := pem.Decode([]byte(rec.CertPEM))
	if blk == nil {
		return nil, errkind.New(errkind.Internal, "stored certificate is not PEM")
	}
	return x509.ParseCertificate(blk.Bytes)
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
		req := signer.PDFRequest{CredentialID: first.CredentialID, Level: first.Level, SAD: first.SAD}
		outs := make([]bytes.Buffer, len(docs))
		if len(docs) == 1 {
			if _, err := b.s.deps.Signing.SignPDF(ctx, caller, req, bytes.NewReader(first.Document), int64(len(first.Document)), &outs[0]); err != nil {
				return nil, err
			}
			return [][]byte{outs[0].Bytes()}, nil
		}
		batch := make([]signer.BatchDocument, len(docs))
		for i, d := range docs {
			batch[i] = signer.BatchDocument{Name: fmt.Sprintf("document-%d.pdf", i+1), In: bytes.NewReader(d.Document), Size: int64(len(d.Document)), Out: &outs[i]}
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
		req := signer.XMLRequest{CredentialID: first.CredentialID, Profile: "xades", Level: first.Level, SAD: first.SAD}
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
		req := signer.HashRequest{}
		req.CredentialID, req.SAD, req.Timestamp = first.CredentialID, first.SAD, first.Level != "B-B"
		req.HashAlgorithm = map[crypto.Hash]string{crypto.SHA256: "sha-256", crypto.SHA384: "sha-384", crypto.SHA512: "sha-512"}[first.DigestAlgorithm]
		for _, d := range docs {
			req.Hashes = append(req.Hashes, d.Digest)
		}
		return b.s.deps.Signing.SignHashes(ctx, caller, req)
	}
	return nil, errkind.New(errkind.Invalid, "unknown document format "+first.Format)
}
