package api

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
)

// tlsSuites are the TLS 1.2 cipher suites kyso offers: ECDHE key exchange
// (forward secrecy) with an AEAD, nothing else. TLS 1.3's suites are all
// AEADs and are not configurable in Go.
var tlsSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// tlsCurves are the key exchanges kyso accepts: X25519 (with ML-KEM-768,
// the post-quantum hybrid, first, for the clients that offer it) and P-256.
var tlsCurves = []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256}

// HSTSValue is sent on every HTTPS response (RFC 6797): one year, this
// host only (other services under the same domain are not kyso's to bind).
const HSTSValue = "max-age=31536000"

// TLSCertificates is what the HTTPS listener needs of kyso's TLS
// certificate lifecycle (app.TLS), read at each handshake so that a
// renewed certificate or a rotated CA applies to the next connection.
type TLSCertificates interface {
	// Certificate is the server certificate in use.
	Certificate() *tls.Certificate
	// ClientCAs are the CAs a client certificate must chain to.
	ClientCAs() *x509.CertPool
	// ClientAuth is tls.client_auth: none, optional or require.
	ClientAuth() string
}

// TLSConfig returns the tls.Config of kyso's HTTPS listener: TLS 1.2 or
// 1.3, the suites and curves above, HTTP/2, the server certificate certs
// holds at each handshake, and client certificates per its ClientAuth
// (optional: verified when given; require: a connection without one is
// refused), verified against its ClientCAs as they are at the handshake.
// A verified certificate is an identity only once the server maps it to a
// client system (app.ClientCerts).
func TLSConfig(certs TLSCertificates) *tls.Config {
	base := &tls.Config{
		MinVersion:       tls.VersionTLS12,
		CipherSuites:     tlsSuites,
		CurvePreferences: tlsCurves,
		NextProtos:       []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return certs.Certificate(), nil
		},
	}
	switch certs.ClientAuth() {
	case "optional":
		base.ClientAuth = tls.VerifyClientCertIfGiven
	case "require":
		base.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		return base
	}
	outer := base.Clone()
	outer.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		c := base.Clone()
		c.ClientCAs = certs.ClientCAs()
		return c, nil
	}
	return outer
}

// HSTS adds Strict-Transport-Security to every response of an HTTPS
// listener.
func HSTS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", HSTSValue)
		next.ServeHTTP(w, r)
	})
}
