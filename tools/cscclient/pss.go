package cscclient

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
)

// PSSParams returns signAlgoParams for RSASSA-PSS with h: base64 of the DER
// RSASSA-PSS-params (RFC 8017, A.2.3) with MGF1 over h, a salt as long as
// h's output and trailer field 1 (RFC 4055, 3.1).
func PSSParams(h crypto.Hash) (string, error) {
	oids := map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
		crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
		crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
	}
	oid, ok := oids[h]
	if !ok {
		return "", fmt.Errorf("cscclient: no PSS parameters for %v", h)
	}
	null := asn1.RawValue{Tag: asn1.TagNull}
	hashAlg := pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: null}
	mgfHash, err := asn1.Marshal(hashAlg)
	if err != nil {
		return "", err
	}
	type params struct {
		Hash       pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
		MGF        pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
		SaltLength int                      `asn1:"explicit,tag:2"`
	}
	der, err := asn1.Marshal(params{
		Hash:       hashAlg,
		MGF:        pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}, Parameters: asn1.RawValue{FullBytes: mgfHash}},
		SaltLength: h.Size(),
	})
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}
