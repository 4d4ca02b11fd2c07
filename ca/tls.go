package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// ClientURIPrefix starts the URI SAN of a tls-client certificate; the
// client system's ID follows ("urn:kyso:client:cli_…"). Only kyso's
// tls-client profile writes it, from the client record, never from a CSR.
const ClientURIPrefix = "urn:kyso:client:"

// TLSServer is kyso's own HTTPS server certificate and its Vault-backed
// signer (the key never leaves Vault; the signer signs handshakes).
type TLSServer struct {
	CertID string
	Signer crypto.Signer
	Cert   *x509.Certificate
	// Chain is the issuing CA's certificate followed by the certificates
	// above it, the root last.
	Chain []*x509.Certificate
}

var reDNSLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ParseTLSHosts validates the names a TLS server certificate is issued
// for (RFC 5280, 4.2.1.6): lower-case DNS names without wildcards or a
// final dot, and IPv4 or IPv6 addresses. At least one is required and none
// may repeat.
func ParseTLSHosts(hosts []string) ([]string, []net.IP, error) {
	if len(hosts) == 0 {
		return nil, nil, errors.New("no host: name at least one DNS name or IP address")
	}
	var dns []string
	var ips []net.IP
	seen := map[string]bool{}
	for _, h := range hosts {
		if seen[h] {
			return nil, nil, fmt.Errorf("host %q is listed twice", h)
		}
		seen[h] = true
		if a, err := netip.ParseAddr(h); err == nil {
			if a.Zone() != "" {
				return nil, nil, fmt.Errorf("host %q: an IP address with a zone cannot be in a certificate", h)
			}
			ips = append(ips, net.IP(a.Unmap().AsSlice()))
			continue
		}
		if len(h) > 253 || !strings.Contains(h, ".") && h != "localhost" {
			return nil, nil, fmt.Errorf("host %q is not an IP address or a fully qualified DNS name", h)
		}
		for _, l := range strings.Split(h, ".") {
			if !reDNSLabel.MatchString(l) {
				return nil, nil, fmt.Errorf("host %q is not a lower-case DNS name (letters, digits and hyphens; no wildcard, no final dot)", h)
			}
		}
		dns = append(dns, h)
	}
	return dns, ips, nil
}

// TLSServerCredential returns kyso's HTTPS server certificate for hosts
// (see ParseTLSHosts), issuing one when there is none for exactly these
// hosts or when a third of its validity is left. Its key is a
// non-exportable Vault key (profile tls-server: ECDSA P-256); a renewal
// rotates it. The certificate is recorded like the OCSP responders' (no
// credential). When several kyso nodes renew together each may issue one,
// which is harmless.
func (a *Authority) TLSServerCredential(ctx context.Context, hosts []string) (*TLSServer, error) {
	dns, ips, err := ParseTLSHosts(hosts)
	if err != nil {
		return nil, invalid("hosts", "%s", err.Error())
	}
	list, err := a.store.ListCertificates(ctx, store.CertFilter{Profile: ProfileTLSServer, Limit: store.MaxListLimit})
	if err != nil {
		return nil, backendErr("list TLS server certificates", err)
	}
	var best *Issued
	lastVersion := 0
	for _, rec := range list {
		lastVersion = max(lastVersion, rec.KeyVersion)
		if rec.Status != store.CertActive {
			continue
		}
		issued, err := a.withChain(ctx, rec)
		if err != nil || issued.Leaf == nil || len(issued.Chain) == 0 {
			continue
		}
		life := issued.Leaf.NotAfter.Sub(issued.Leaf.NotBefore)
		if !a.cfg.Now().Before(issued.Leaf.NotAfter.Add(-life/3)) || !sameHosts(issued.Leaf, dns, ips) {
			continue
		}
		if best == nil || issued.Leaf.NotBefore.After(best.Leaf.NotBefore) {
			best = issued
		}
	}
	if best == nil {
		if best, err = a.issueTLSServer(ctx, hosts[0], dns, ips, lastVersion); err != nil {
			return nil, err
		}
	}
	signer, err := a.signers.get(ctx, a.keys, best.Record.KeyName, best.Record.KeyVersion)
	if err != nil {
		return nil, backendErr("TLS server signer", err)
	}
	if err := samePublicKey(signer.Public(), best.Leaf.PublicKey); err != nil {
		return nil, fmt.Errorf("ca: TLS server certificate %s: Vault key %s v%d does not match it: %w", best.Record.ID, best.Record.KeyName, best.Record.KeyVersion, err)
	}
	return &TLSServer{CertID: best.Record.ID, Signer: signer, Cert: best.Leaf, Chain: best.Chain}, nil
}

func (a *Authority) issueTLSServer(ctx context.Context, first string, dns []string, ips []net.IP, lastVersion int) (*Issued, error) {
	p := a.profiles[ProfileTLSServer]
	is, err := a.activeIssuer(ctx)
	if err != nil {
		return nil, err
	}
	keyName := a.cfg.KeyPrefix + "tls-server"
	if err := a.keys.CreateKey(ctx, keyName, p.keyTypes[0]); err != nil {
		return nil, backendErr("create TLS server key", err)
	}
	version := 1
	if lastVersion > 0 {
		// A renewal also rotates the key, as for the OCSP responders.
		if version, err = a.keys.RotateKey(ctx, keyName); err != nil {
			return nil, backendErr("rotate TLS server key", err)
		}
	}
	signer, err := a.keys.KeySigner(ctx, keyName, version)
	if err != nil {
		return nil, backendErr("TLS server signer", err)
	}
	cn := first
	if len(cn) > maxCommonName {
		cn = a.cfg.OrgName + " HTTPS"
	}
	tmpl, _, err := a.leafTemplate(p, model.Subject{Name: cn, Organization: a.cfg.OrgName}, is, signer.Public())
	if err != nil {
		return nil, err
	}
	tmpl.DNSNames, tmpl.IPAddresses = dns, ips
	rec, err := a.intent(tmpl, is, ProfileTLSServer, keyName, version, "")
	if err != nil {
		return nil, err
	}
	if err := a.store.CreateCertificate(ctx, rec); err != nil {
		return nil, backendErr("record TLS server certificate intent", err)
	}
	return a.complete(ctx, rec, tmpl, is, signer.Public(), "")
}

// sameHosts reports whether c names exactly dns and ips.
func sameHosts(c *x509.Certificate, dns []string, ips []net.IP) bool {
	if !slices.Equal(slices.Sorted(slices.Values(c.DNSNames)), slices.Sorted(slices.Values(dns))) || len(c.IPAddresses) != len(ips) {
		return false
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(c.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// ClientCertRequest asks for a TLS client certificate for a registered
// client system. The caller has checked that the client exists and is
// enabled.
type ClientCertRequest struct {
	ClientID   string
	ClientName string
	// CSR is a PEM "CERTIFICATE REQUEST": the client's public key, proven
	// by the CSR's signature. Its subject and extensions are ignored: the
	// certificate says what the tls-client profile and the client record
	// say.
	CSR []byte
}

var reClientID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// IssueClientCert issues a tls-client certificate (EKU clientAuth) for
// the public key of req.CSR, naming the client system in a URI SAN
// (ClientURIPrefix + ID) and by name in the CN. The key is the client's
// own: kyso never sees it, and the certificate has no credential. It is
// recorded, listed and revoked (POST /v1/certificates/{id}/revoke) like
// any other certificate.
func (a *Authority) IssueClientCert(ctx context.Context, req ClientCertRequest) (*Issued, error) {
	if !reClientID.MatchString(req.ClientID) {
		return nil, invalid("client_id", "malformed client ID")
	}
	pub, err := parseCSR(req.CSR)
	if err != nil {
		return nil, err
	}
	p := a.profiles[ProfileTLSClient]
	if _, err := keyTypeFor(p, pubKeyType(pub)); err != nil {
		return nil, invalid("csr", "the key is %s; allowed: %v", pubKeyType(pub), p.keyTypes)
	}
	name := strings.TrimSpace(req.ClientName)
	for utf8.RuneCountInString(name) > maxCommonName {
		_, n := utf8.DecodeLastRuneInString(name)
		name = strings.TrimSpace(name[:len(name)-n])
	}
	is, err := a.activeIssuer(ctx)
	if err != nil {
		return nil, err
	}
	tmpl, _, err := a.leafTemplate(p, model.Subject{Name: name}, is, pub)
	if err != nil {
		return nil, err
	}
	tmpl.URIs = []*url.URL{{Scheme: "urn", Opaque: strings.TrimPrefix(ClientURIPrefix, "urn:") + req.ClientID}}
	// No Vault key: KeyName stays empty and KeyVersion 0.
	rec, err := a.intent(tmpl, is, ProfileTLSClient, "", 0, "")
	if err != nil {
		return nil, err
	}
	if err := a.store.CreateCertificate(ctx, rec); err != nil {
		return nil, backendErr("record client certificate intent", err)
	}
	return a.complete(ctx, rec, tmpl, is, pub, "")
}

// parseCSR returns the public key of a PEM certificate request whose
// signature (the proof that the requester holds the key) verifies.
func parseCSR(data []byte) (crypto.PublicKey, error) {
	b, rest := pem.Decode(bytes.TrimSpace(data))
	if b == nil || b.Type != "CERTIFICATE REQUEST" && b.Type != "NEW CERTIFICATE REQUEST" {
		return nil, invalid("csr", "want one PEM \"CERTIFICATE REQUEST\" block")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, invalid("csr", "want one PEM block; found data after it")
	}
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		return nil, invalid("csr", "cannot parse the certificate request: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, invalid("csr", "the request's signature does not verify: %v", err)
	}
	return csr.PublicKey, nil
}

// pubKeyType names a public key as kyso's key types do ("rsa-2048",
// "ecdsa-p256"), or describes it when kyso has no such type.
func pubKeyType(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("rsa-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "ecdsa-p256"
		case elliptic.P384():
			return "ecdsa-p384"
		}
		return "ecdsa-" + k.Curve.Params().Name
	}
	return fmt.Sprintf("%T", pub)
}

// TLSClientCAs returns the CA certificates a client system's certificate
// may chain to: every kyso issuer that has a certificate (roots, active
// and retired issuing CAs, the external root above an imported issuing
// CA) and is valid now. A TLS server verifies client certificates against
// them; ClientCertID then decides whether one names a client.
func (a *Authority) TLSClientCAs(ctx context.Context) ([]*x509.Certificate, error) {
	all, err := a.sync(ctx)
	if err != nil {
		return nil, err
	}
	now := a.cfg.Now()
	var out []*x509.Certificate
	for _, is := range all {
		if is.cert == nil {
			continue
		}
		for _, c := range append([]*x509.Certificate{is.cert}, is.chain...) {
			if now.After(c.NotAfter) || slices.ContainsFunc(out, c.Equal) {
				continue
			}
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, ErrNotReady
	}
	return out, nil
}

// ClientCertID returns the client ID a TLS client certificate names, if
// kyso issued it under the tls-client profile and it is in force now: it
// chains to one of kyso's issuing CAs (RFC 5280 path validation, EKU
// clientAuth), and the store has it as the active certificate with this
// serial, byte for byte. A revoked certificate is refused here, whatever
// the handshake accepted. Errors are ErrClientCert, or ErrStoreUnavailable
// and friends when the answer cannot be known.
func (a *Authority) ClientCertID(ctx context.Context, leaf *x509.Certificate) (string, error) {
	all, err := a.sync(ctx)
	if err != nil {
		return "", err
	}
	var is *issuer
	for _, cand := range all {
		if cand.cert != nil && cand.rec.Kind == store.IssuerIssuing && bytes.Equal(leaf.RawIssuer, cand.cert.RawSubject) &&
			leaf.CheckSignatureFrom(cand.cert) == nil {
			is = cand
			break
		}
	}
	if is == nil {
		return "", ErrClientCert.Errorf("not issued by one of kyso's issuing CAs")
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(is.root())
	inter.AddCert(is.cert)
	for _, c := range is.chain {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: a.cfg.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return "", ErrClientCert.Errorf("%v", err)
	}
	rec, err := a.store.GetCertificateBySerial(ctx, is.rec.ID, serialHex(leaf.SerialNumber))
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrClientCert.Errorf("kyso has no record of serial %s", serialHex(leaf.SerialNumber))
	}
	if err != nil {
		return "", backendErr("client certificate", err)
	}
	if rec.Profile != ProfileTLSClient {
		return "", ErrClientCert.Errorf("certificate %s is a %s certificate, not a client system's", rec.ID, rec.Profile)
	}
	if rec.Status != store.CertActive {
		return "", ErrClientCert.Errorf("certificate %s is %s", rec.ID, rec.Status)
	}
	stored, err := parseCertPEM(rec.CertPEM)
	if err != nil || !stored.Equal(leaf) {
		return "", ErrClientCert.Errorf("certificate %s differs from the one kyso issued with this serial", rec.ID)
	}
	var id string
	for _, u := range leaf.URIs {
		if s, ok := strings.CutPrefix(u.String(), ClientURIPrefix); ok {
			if id != "" {
				return "", ErrClientCert.Errorf("certificate %s names two clients", rec.ID)
			}
			id = s
		}
	}
	if !reClientID.MatchString(id) {
		return "", ErrClientCert.Errorf("certificate %s names no client", rec.ID)
	}
	return id, nil
}
