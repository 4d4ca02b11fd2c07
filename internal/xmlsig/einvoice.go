package xmlsig

import "github.com/beevik/etree"

// E-invoice block names (Circular 78/2021/TT-BTC; the General Department
// of Taxation's XML format).
const (
	EInvoiceRoot   = "HDon"
	EInvoiceData   = "DLHDon"
	EInvoiceSigs   = "DSCKS"
	EInvoiceSeller = "NBan"
	EInvoiceBuyer  = "NMua"
	EInvoiceTax    = "CQT"
	EInvoiceOther  = "CCKSKhac"
)

// EInvoiceDataOf returns the invoice data an application reads for the
// invoice el is in: the first DLHDon child of el's nearest HDon ancestor
// (or el itself), which may be the document element or wrapped, as in the
// tax authority's messages (TDiep/DLieu/HDon); nil if there is none.
func EInvoiceDataOf(el *etree.Element) *etree.Element {
	for e := el; e != nil && e.Parent() != nil; e = e.Parent() {
		if e.Tag != EInvoiceRoot {
			continue
		}
		for _, c := range e.ChildElements() {
			if c.Tag == EInvoiceData {
				return c
			}
		}
		return nil
	}
	return nil
}

// EInvoiceDataElement returns the invoice data an application reads: the
// first DLHDon child of the document element HDon; nil if there is none.
func EInvoiceDataElement(d *Document) *etree.Element {
	root := d.Root()
	if root.Tag != EInvoiceRoot {
		return nil
	}
	for _, c := range root.ChildElements() {
		if c.Tag == EInvoiceData {
			return c
		}
	}
	return nil
}
