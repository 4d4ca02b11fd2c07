package verifier

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// FuzzVerifyXML feeds any bytes to VerifyXML: it answers ErrUnreadable or
// a report whose verdict agrees with its entries (checkReport), never a
// recovered panic.
func FuzzVerifyXML(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(realworldXML, "*", "*.xml"))
	if len(names) == 0 {
		f.Fatal("no realworld-xml seeds beside the checkout")
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(xmltest.Invoice{Items: 2, EmptyBlocks: true}.Make())
	f.Add([]byte(`<HDon><DLHDon Id="a"/><DLHDon Id="a"/><DSCKS><NBan><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/></NBan></DSCKS></HDon>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := VerifyXML(context.Background(), data, Options{MaxSize: 1 << 20})
		if err != nil {
			if !errors.Is(err, ErrUnreadable) || strings.Contains(err.Error(), "internal error") {
				t.Fatalf("VerifyXML = %v, want a report or ErrUnreadable", err)
			}
			return
		}
		checkReport(t, rep)
	})
}
