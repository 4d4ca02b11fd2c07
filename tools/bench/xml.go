package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// XML measurements (issue 13): kyso's POST /v1/sign/xml and
// /v1/verify/xml against xmlsec1, a process a document.
const (
	kXMLSign   = "xmlsign"   // kyso POST /v1/sign/xml
	kXMLSec    = "xmlsec"    // xmlsec1 --sign
	kXMLVerAPI = "xmlverapi" // kyso POST /v1/verify/xml
	kXMLSecVer = "xmlsecver" // xmlsec1 --verify
	targetXML  = 5.0         // kyso / xmlsec1 per document
)

// xmlDoc is a generated e-invoice of the XML measurements.
type xmlDoc struct {
	key, label string
	data       []byte
	signed     []byte // signed once by kyso, for verification
	template   string // an xmlsec1 signing template of it
	signedPath string
}

// xmlIDArgs register the Id attributes of kyso's e-invoice signatures for
// xmlsec1.
var xmlIDArgs = []string{"--id-attr:Id", "DLHDon", "--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:Object"}

// makeXMLDocuments generates e-invoices of about 1 KB and 200 KB.
func makeXMLDocuments() []*xmlDoc {
	return []*xmlDoc{
		{key: "1KB", label: "1 KB", data: xmltest.Invoice{Items: 1}.Make()},
		{key: "200KB", label: "200 KB", data: xmltest.Invoice{Items: 560}.Make()},
	}
}

// signXML is one POST /v1/sign/xml with the seal, the invoice as the body.
func (b *bench) signXML(ctx context.Context, doc []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.kyso.env["KYSO_URL"]+"/v1/sign/xml", bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Authorization", "Bearer "+b.apiKey)
	req.Header.Set("Kyso-Options", fmt.Sprintf(`{"credential_id":%q}`, b.credID))
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errorFrom(resp)
	}
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if len(out) <= len(doc) {
		return nil, fmt.Errorf("signed XML of %d bytes, not longer than the %d sent", len(out), len(doc))
	}
	return out, nil
}

var (
	reDigestValue = regexp.MustCompile(`<DigestValue>[^<]*</DigestValue>`)
	reSigValue    = regexp.MustCompile(`<SignatureValue>[^<]*</SignatureValue>`)
	reX509Data    = regexp.MustCompile(`<X509Data>.*?</X509Data>`)
)

// prepareXML signs each document once through kyso, checks the result
// with xmlsec1 and kyso's verifier, and writes an xmlsec1 template of the
// same signature (values emptied, X509Data for xmlsec1 to fill).
func (b *bench) prepareXML(ctx context.Context) error {
	for _, d := range b.xmlDocs {
		signed, err := b.signXML(ctx, d.data)
		if err != nil {
			return fmt.Errorf("sign the %s e-invoice: %w", d.label, err)
		}
		d.signed = signed
		d.signedPath = filepath.Join(b.tmp, "xml-signed-"+d.key+".xml")
		if err := os.WriteFile(d.signedPath, signed, 0o600); err != nil {
			return err
		}
		var cpu atomic.Int64
		if err := b.xmlsecVerify(ctx, d.signedPath, &cpu); err != nil {
			return fmt.Errorf("xmlsec1 rejects kyso's %s e-invoice: %w", d.label, err)
		}
		rep, err := b.verify(ctx, "/v1/verify/xml", "application/xml", signed)
		if err != nil || len(rep.Signatures) != 1 || rep.Signatures[0].SubIndication == "HASH_FAILURE" || rep.Signatures[0].SubIndication == "SIG_CRYPTO_FAILURE" {
			return fmt.Errorf("kyso's verifier on its own %s e-invoice: %+v, %v", d.label, rep, err)
		}
		tmpl := reDigestValue.ReplaceAll(signed, []byte("<DigestValue></DigestValue>"))
		tmpl = reSigValue.ReplaceAll(tmpl, []byte("<SignatureValue></SignatureValue>"))
		tmpl = reX509Data.ReplaceAll(tmpl, []byte("<X509Data></X509Data>"))
		d.template = filepath.Join(b.tmp, "xml-template-"+d.key+".xml")
		if err := os.WriteFile(d.template, tmpl, 0o600); err != nil {
			return err
		}
		out := filepath.Join(b.tmp, "xml-xmlsec-"+d.key+".xml")
		if err := b.xmlsecSign(ctx, d.template, out, &cpu); err != nil {
			return err
		}
		if err := b.xmlsecVerify(ctx, out, &cpu); err != nil {
			return fmt.Errorf("xmlsec1 does not verify its own %s signature: %w", d.label, err)
		}
	}
	return nil
}

// xmlsecSign signs template with the peer's key, a process a document.
func (b *bench) xmlsecSign(ctx context.Context, template, out string, cpu *atomic.Int64) error {
	args := append([]string{"--sign", "--privkey-pem", b.peer.keyPath + "," + b.peer.certPath, "--output", out}, xmlIDArgs...)
	return runXMLSec(ctx, cpu, append(args, template)...)
}

// xmlsecVerify verifies the first signature of path, the key from the
// certificate in it (no path validation: as for pdfsig, the measurement
// is of the signature check).
func (b *bench) xmlsecVerify(ctx context.Context, path string, cpu *atomic.Int64) error {
	args := append([]string{"--verify", "--insecure", "--enabled-reference-uris", "empty,same-doc"}, xmlIDArgs...)
	return runXMLSec(ctx, cpu, append(args, path)...)
}

func runXMLSec(ctx context.Context, cpu *atomic.Int64, args ...string) error {
	cmd := exec.CommandContext(ctx, "xmlsec1", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	err := cmd.Run()
	if cmd.ProcessState != nil {
		cpu.Add(int64(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()))
	}
	if err != nil {
		return fmt.Errorf("xmlsec1 %s: %v: %s", args[0], err, firstLine(stderr.String()))
	}
	return nil
}

// xmlRound measures XML signing and verification on each e-invoice size:
// kyso's API at -concurrency, and xmlsec1 a process a document.
func (b *bench) xmlRound(ctx context.Context, warm bool) error {
	conc := b.cfg.concurrency
	for _, d := range b.xmlDocs {
		sign := func(ctx context.Context) (int, error) { _, err := b.signXML(ctx, d.data); return 1, err }
		if err := b.kysoPhase(ctx, b.timed(key(kXMLSign, d.key), fmt.Sprintf("kyso sign/xml %s ×%d", d.label, conc), conc, warm), sign); err != nil {
			return err
		}
		var cpu atomic.Int64
		xsign := func(ctx context.Context) (int, error) {
			out := filepath.Join(b.tmp, "cli-out", fmt.Sprintf("%d.xml", b.cliSeq.Add(1)))
			defer os.Remove(out)
			return 1, b.xmlsecSign(ctx, d.template, out, &cpu)
		}
		if err := b.childPhase(ctx, b.timed(key(kXMLSec, d.key), fmt.Sprintf("xmlsec1 --sign %s ×%d", d.label, conc), conc, warm), &cpu, xsign); err != nil {
			return err
		}
		verify := func(ctx context.Context) (int, error) {
			_, err := b.verify(ctx, "/v1/verify/xml", "application/xml", d.signed)
			return 1, err
		}
		if err := b.kysoPhase(ctx, b.timed(key(kXMLVerAPI, d.key), fmt.Sprintf("kyso verify/xml %s ×%d", d.label, conc), conc, warm), verify); err != nil {
			return err
		}
		var vcpu atomic.Int64
		xverify := func(ctx context.Context) (int, error) { return 1, b.xmlsecVerify(ctx, d.signedPath, &vcpu) }
		if err := b.childPhase(ctx, b.timed(key(kXMLSecVer, d.key), fmt.Sprintf("xmlsec1 --verify %s ×%d", d.label, conc), conc, warm), &vcpu, xverify); err != nil {
			return err
		}
	}
	return nil
}

// xmlRows adds the XML section of the report.
func (b *bench) xmlRows(add func(row), target func(*row, string, bool)) {
	conc := b.cfg.concurrency
	add(row{what: "XML: e-invoice (einvoice-vn), RSA-2048", section: true})
	for _, d := range b.xmlDocs {
		sign, xs := b.median(key(kXMLSign, d.key)), b.median(key(kXMLSec, d.key))
		r := figureRow(fmt.Sprintf("kyso POST /v1/sign/xml ×%d", conc), d.label, sign)
		r.peers = ratio(sign.rate, xs.rate) + " xmlsec1 --sign"
		target(&r, fmt.Sprintf("≥ %.0f× xmlsec1", targetXML), sign.rate >= targetXML*xs.rate)
		add(r)
		add(figureRow(fmt.Sprintf("xmlsec1 --sign, a process a document ×%d", conc), d.label, xs))
		ver, xv := b.median(key(kXMLVerAPI, d.key)), b.median(key(kXMLSecVer, d.key))
		r = figureRow(fmt.Sprintf("kyso POST /v1/verify/xml ×%d", conc), d.label, ver)
		r.peers = ratio(ver.rate, xv.rate) + " xmlsec1 --verify"
		target(&r, fmt.Sprintf("≥ %.0f× xmlsec1", targetXML), ver.rate >= targetXML*xv.rate)
		add(r)
		add(figureRow(fmt.Sprintf("xmlsec1 --verify, a process a document ×%d", conc), d.label, xv))
	}
}

// xmlNote says how the XML rows were measured.
func (b *bench) xmlNote() string {
	var sizes []string
	for _, d := range b.xmlDocs {
		sizes = append(sizes, fmt.Sprintf("%s = %d bytes", d.label, len(d.data)))
	}
	return fmt.Sprintf("XML: e-invoices in the layout of Circular 78 (signer/xmldsig/xmltest; %s), signed by POST /v1/sign/xml with the seal credential and the body as application/xml (profile einvoice-vn: inclusive C14N 1.0, RSA-SHA256, the Vault key); verified by POST /v1/verify/xml. xmlsec1 (Debian's, OpenSSL) signs a template of the same signature with the peer's in-memory RSA-2048 key (`--sign --privkey-pem`) and verifies kyso's output with `--verify --insecure` (no path validation), one process per document; its CPU ms/doc is the processes' own.", strings.Join(sizes, "; "))
}

var errNoXMLSec = errors.New("xmlsec1 not found: install xmlsec1 (apt-get install -y xmlsec1)")
