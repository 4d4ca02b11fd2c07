package truststore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/verifier"
)

// Bounds of online revocation checking (verify.online).
const (
	// DefaultOnlineTimeout bounds one online OCSP or CRL request when
	// OnlineRevocation.Timeout is zero.
	DefaultOnlineTimeout = 5 * time.Second
	// MaxOnlineOCSP bounds an OCSP response fetched online; CRLs, which
	// list every revoked certificate of a CA, may be larger
	// (MaxOnlineCRL).
	MaxOnlineOCSP = 1 << 20
	MaxOnlineCRL  = 32 << 20
)

// OnlineRevocation is the verifier's online revocation source
// (verifier.Options.Online, verify.online): it POSTs OCSP requests to the
// responders (RFC 6960, appendix A.1) and GETs CRLs from the distribution
// points the verifier names, over HTTP or HTTPS. Each request is bounded
// by Timeout and each answer by a size (MaxOnlineOCSP, MaxOnlineCRL);
// an answer other than 200 OK, larger than its bound, or an HTML page (a
// proxy's or portal's, served in place of the answer) is an error. What
// an answer says, and whether it counts, is the verifier's to judge: it
// checks every answer's signature and issuer.
//
// The zero value uses http.DefaultClient and DefaultOnlineTimeout.
type OnlineRevocation struct {
	// Client makes the requests; nil means http.DefaultClient.
	Client *http.Client
	// Timeout bounds each request; zero means DefaultOnlineTimeout.
	Timeout time.Duration
}

var _ verifier.RevocationFetcher = OnlineRevocation{}

// OCSP implements verifier.RevocationFetcher: it POSTs the DER request
// req to the responder at url.
func (o OnlineRevocation) OCSP(ctx context.Context, url string, req []byte) ([]byte, error) {
	return o.fetch(ctx, url, req, MaxOnlineOCSP)
}

// CRL implements verifier.RevocationFetcher: it GETs the CRL at url.
func (o OnlineRevocation) CRL(ctx context.Context, url string) ([]byte, error) {
	return o.fetch(ctx, url, nil, MaxOnlineCRL)
}

// fetch GETs url, or POSTs body to it as an OCSP request, reading at most
// limit bytes of the answer.
func (o OnlineRevocation) fetch(ctx context.Context, url string, body []byte, limit int64) ([]byte, error) {
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("not an http or https URL")
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultOnlineTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	method := http.MethodGet
	var rd io.Reader
	if body != nil {
		method, rd = http.MethodPost, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/ocsp-request")
	}
	client := o.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	// Only an HTML page is refused by its type: responders and CRL
	// servers label DER answers in many ways (application/ocsp-response,
	// application/pkix-crl, application/octet-stream, none), and the
	// verifier judges the bytes whatever the label.
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil && mt == "text/html" {
		return nil, fmt.Errorf("answer is an HTML page (Content-Type %s), not revocation data", mt)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("answer larger than %d bytes", limit)
	}
	return data, nil
}
