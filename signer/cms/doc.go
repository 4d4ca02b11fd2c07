// Package cms makes detached CMS SignedData signatures (RFC 5652): over a
// file streamed through the hash (SignDetached), over one digest computed by
// the client (SignDigest), or over many digests with a single call to a batch
// signer (SignDigests). It is also the engine behind kyso's PAdES signatures
// (ETSI.CAdES.detached, ETSI EN 319 142-1), including RSASSA-PSS ones, which
// neither pdfsign nor pkcs7 produce.
//
// Every signature has one SignerInfo identified by issuer and serial number,
// with the signed attributes content-type (id-data), message-digest,
// ESS signing-certificate-v2 (RFC 5035) and, if asked for, signing-time; the
// signature algorithm is rsaEncryption (PKCS #1 v1.5), RSASSA-PSS with
// explicit parameters (RFC 4056) or ecdsa-with-SHA256/384/512 (RFC 5753).
// An optional signature time-stamp token (id-aa-signatureTimeStampToken,
// RFC 3161 Appendix A) is added as an unsigned attribute.
//
// The ASN.1 is written and read with internal/cmsasn1, kyso's one CMS
// reader and writer; signatures are made with a model.Key.
//
// Trust but verify: a crypto.Signer's answer is not taken on trust. After
// signing, the package parses the CMS it is about to return with the
// verifier's reader, takes its signed attributes as the DER SET OF that was
// signed (RFC 5652, 5.4),
// checks the message digest in them and verifies the signature against the
// certificate's public key; a time-stamp token must be over the hash of the
// signature value. Any mismatch is an ErrIntegrity error and nothing is
// returned. The signature itself is verified once: by cms, or by a signer
// that promises to (SelfVerifying), or — when the caller says it verifies
// the CMS it is given (Options.CallerVerifies, pades' read-back check) and
// no time-stamp is asked for — by that caller alone.
//
// cms sees keys only as crypto.Signer (or BatchSigner) values and certificates
// as *x509.Certificate. It must not import kyso's keys, ca, store, verifier or
// api packages, and it does not read files or environment variables.
package cms
