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
func printXML(w io.Writer, s verifier.Signature, lang cliLang) {
	vi := lang == langVI
	for _, r := range s.References {
		ok := pick(vi, "đúng", "ok")
		if !r.DigestValid {
			ok = pick(vi, "KHÔNG ĐÚNG", "NOT VALID")
			if r.Problem != "" {
				ok += " (" + r.Problem + ")"
			}
		}
		covers := r.Covers
		if covers == "" {
			covers = "?"
		}
		lang.field(w, "tham chiếu", "reference", fmt.Sprintf("%q → %s %s", r.URI, covers, ok))
	}
	inv := s.EInvoice
	if inv == nil {
		return
	}
	lang.field(w, "hóa đơn", "e-invoice", fmt.Sprintf(pick(vi, "%s%s số %s, người bán %s (MST %s), tổng %s %s", "%s%s no. %s, seller %s (MST %s), total %s %s"),
		inv.Template, inv.Series, inv.Number, inv.Seller, inv.SellerTaxCode, inv.Total, inv.Currency))
	if inv.Block != "" {
		lang.field(w, "khối", "block", inv.Block)
	}
	if inv.TaxCodeMatch != nil {
		match := pick(vi, "khớp với", "matches")
		if !*inv.TaxCodeMatch {
			match = pick(vi, "KHÔNG KHỚP với", "DOES NOT MATCH")
		}
		lang.field(w, "mã số thuế", "tax code", fmt.Sprintf(pick(vi, "MST:%s của chứng thư số %s hóa đơn", "certificate MST:%s %s the invoice"), inv.CertificateTaxCode, match))
	}
	if !inv.DataCovered {
		lang.field(w, "hóa đơn", "e-invoice", pick(vi, "chữ ký KHÔNG phủ dữ liệu hóa đơn", "the signature does NOT cover the invoice data"))
	}
}
