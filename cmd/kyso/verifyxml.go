package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

// isXMLFile reports whether kyso verify reads name as XML: by its
// extension.
func isXMLFile(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".xml")
}

// verifyXMLFile verifies the XML signatures of file.
func verifyXMLFile(ctx context.Context, v kapp.Verify, file string) (*kapp.Report, error) {
	data, err := readSmallFile(file, signer.MaxXMLBytes)
	if err != nil {
		return nil, err
	}
	return v.VerifyXML(ctx, data)
}

// printXML writes what an XML signature's references cover and the
// e-invoice it signs.
func printXML(w io.Writer, s verifier.Signature) {
	for _, r := range s.References {
		ok := "ok"
		if !r.DigestValid {
			ok = "NOT VALID"
			if r.Problem != "" {
				ok += " (" + r.Problem + ")"
			}
		}
		covers := r.Covers
		if covers == "" {
			covers = "?"
		}
		fmt.Fprintf(w, "    reference:    %q → %s %s\n", r.URI, covers, ok)
	}
	inv := s.EInvoice
	if inv == nil {
		return
	}
	fmt.Fprintf(w, "    e-invoice:    %s%s no. %s, seller %s (MST %s), total %s %s\n", inv.Template, inv.Series, inv.Number, inv.Seller, inv.SellerTaxCode, inv.Total, inv.Currency)
	if inv.Block != "" {
		fmt.Fprintf(w, "    block:        %s\n", inv.Block)
	}
	if inv.TaxCodeMatch != nil {
		match := "matches"
		if !*inv.TaxCodeMatch {
			match = "DOES NOT MATCH"
		}
		fmt.Fprintf(w, "    tax code:     certificate MST:%s %s the invoice\n", inv.CertificateTaxCode, match)
	}
	if !inv.DataCovered {
		fmt.Fprintf(w, "    e-invoice:    the signature does NOT cover the invoice data\n")
	}
}
