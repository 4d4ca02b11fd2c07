package pades_test

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/digitorus/pdf"
)

// The external tools that judge kyso's output. They are required: a
// missing tool fails the tests, it does not skip them.
var tools = []string{"pdfsig", "qpdf", "certutil", "openssl", "pdftoppm"}

func requireTools(t *testing.T) {
	t.Helper()
	for _, name := range tools {
		if _, err := exec.LookPath(name); err != nil {
			t.Fatalf("%s not found: install it with `apt-get install -y poppler-utils qpdf libnss3-tools openssl`", name)
		}
	}
}

func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

var (
	nssOnce sync.Once
	nssErr  error
)

// nssDir returns an NSS database that trusts only the test root.
func (p *testPKI) nssDir(t *testing.T) string {
	t.Helper()
	nssOnce.Do(func() {
		dir := filepath.Join(p.dir, "nss")
		if nssErr = os.Mkdir(dir, 0o700); nssErr != nil {
			return
		}
		for _, args := range [][]string{
			{"-N", "-d", "sql:" + dir, "--empty-password"},
			{"-A", "-d", "sql:" + dir, "-n", "kyso-test-root", "-t", "CT,C,C", "-i", p.rootPEM},
		} {
			if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
				nssErr = &exec.Error{Name: "certutil " + strings.Join(args, " ") + ": " + string(out), Err: err}
				return
			}
		}
		p.nssDirVal = dir
	})
	if nssErr != nil {
		t.Fatalf("NSS database: %v", nssErr)
	}
	return p.nssDirVal
}

// writeTemp writes b to a file in the test's temporary directory.
func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pdfsigReport is one signature as poppler's pdfsig reports it.
type pdfsigReport struct {
	Field, CommonName, Type string
	Valid, Trusted, Total   bool
	Text                    string
}

// runPdfsig runs pdfsig with the test root trusted and parses its report.
func runPdfsig(t *testing.T, p *testPKI, doc []byte) []pdfsigReport {
	t.Helper()
	out, err := run(t, "pdfsig", "-nssdir", "sql:"+p.nssDir(t), writeTemp(t, "doc.pdf", doc))
	if err != nil {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	var reps []pdfsigReport
	for _, block := range regexp.MustCompile(`(?m)^Signature #\d+:`).Split(out, -1)[1:] {
		r := pdfsigReport{Text: block}
		for _, line := range strings.Split(block, "\n") {
			line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
			k, v, _ := strings.Cut(line, ": ")
			switch k {
			case "Signature Field Name":
				r.Field = v
			case "Signer Certificate Common Name":
				r.CommonName = v
			case "Signature Type":
				r.Type = v
			case "Signature Validation":
				r.Valid = v == "Signature is Valid."
			case "Certificate Validation":
				r.Trusted = v == "Certificate is Trusted."
			}
			if line == "Total document signed" {
				r.Total = true
			}
		}
		reps = append(reps, r)
	}
	return reps
}

// qpdfCheck runs qpdf --check and fails on any error or warning.
func qpdfCheck(t *testing.T, doc []byte) {
	t.Helper()
	out, err := run(t, "qpdf", "--check", writeTemp(t, "doc.pdf", doc))
	if err != nil || !strings.Contains(out, "No syntax or stream encoding errors found") || strings.Contains(out, "WARNING") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

// opensslTSVerify verifies a time-stamp token over digest (hex) with
// openssl ts -verify, trusting the test root.
func opensslTSVerify(t *testing.T, p *testPKI, token, digest []byte) {
	t.Helper()
	out, err := run(t, "openssl", "ts", "-verify", "-token_in", "-in", writeTemp(t, "token.der", token),
		"-digest", hex.EncodeToString(digest), "-CAfile", p.rootPEM, "-untrusted", p.chainPEM)
	if err != nil || !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
}

// opensslCMSVerify verifies a detached CMS over signed with openssl cms
// -verify, trusting the test root.
func opensslCMSVerify(t *testing.T, p *testPKI, der, signed []byte) {
	t.Helper()
	out, err := run(t, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", writeTemp(t, "sig.p7s", der),
		"-content", writeTemp(t, "signed.bin", signed), "-CAfile", p.rootPEM, "-out", os.DevNull)
	if err != nil || !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
}

// signatureInfo is a signature or document time-stamp read back with
// digitorus/pdf. pdfsign's reader (its extract package) reads kyso's output
// too, in the tools module (tools/interop, TestPdfsignReadsKysoOutput).
type signatureInfo struct {
	ID        uint32
	Type      string // Sig or DocTimeStamp
	SubFilter string
	ByteRange []int64
	Contents  []byte // with padding
	DER       []byte // without padding
	Signed    []byte // the bytes the byte range covers
}

// readSignatures returns the signature values of doc's signature fields,
// in the order of the form's fields (and their kids, depth first), each
// indirect field once.
func readSignatures(t *testing.T, doc []byte) []signatureInfo {
	t.Helper()
	acro := openPDF(t, doc).Trailer().Key("Root").Key("AcroForm")
	if acro.Key("SigFlags").IsNull() {
		return nil
	}
	var out []signatureInfo
	seen := map[uint32]bool{}
	var walk func(fields pdf.Value, depth int)
	walk = func(fields pdf.Value, depth int) {
		if depth > 32 {
			t.Fatal("form fields nested more than 32 deep")
		}
		for i := range fields.Len() {
			field := fields.Index(i)
			// A direct field has its array's object number: only an
			// indirect one is counted.
			if ptr := field.GetPtr(); ptr != fields.GetPtr() {
				id := ptr.GetID()
				if seen[id] {
					continue
				}
				seen[id] = true
			}
			if v := field.Key("V"); field.Key("FT").Name() == "Sig" && v.Kind() == pdf.Dict {
				out = append(out, readSignature(t, doc, v))
			}
			if kids := field.Key("Kids"); kids.Kind() == pdf.Array {
				walk(kids, depth+1)
			}
		}
	}
	walk(acro.Key("Fields"), 0)
	return out
}

// readSignature reads one signature dictionary.
func readSignature(t *testing.T, doc []byte, v pdf.Value) signatureInfo {
	t.Helper()
	arr := v.Key("ByteRange")
	if arr.Len() != 4 {
		t.Fatalf("/ByteRange of %d numbers", arr.Len())
	}
	var br []int64
	for i := range 4 {
		br = append(br, arr.Index(i).Int64())
	}
	contents := []byte(v.Key("Contents").RawString())
	var rv asn1.RawValue
	if _, err := asn1.Unmarshal(contents, &rv); err != nil {
		t.Fatalf("/Contents is not DER: %v", err)
	}
	if br[0] != 0 || br[1] < 0 || br[2] < br[1] || br[3] < 0 || br[2]+br[3] > int64(len(doc)) {
		t.Fatalf("/ByteRange %v out of a %d-byte document", br, len(doc))
	}
	signed := append(bytes.Clone(doc[:br[1]]), doc[br[2]:br[2]+br[3]]...)
	return signatureInfo{
		ID:        v.GetPtr().GetID(),
		Type:      v.Key("Type").Name(),
		SubFilter: v.Key("SubFilter").Name(),
		ByteRange: br,
		Contents:  contents,
		DER:       rv.FullBytes,
		Signed:    signed,
	}
}

func openPDF(t *testing.T, doc []byte) *pdf.Reader {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("parse PDF: %v", err)
	}
	return rdr
}

var startxrefRE = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF`)

// xrefStyles returns the style of each revision's cross-reference section,
// oldest first: "table" or "stream".
func xrefStyles(t *testing.T, doc []byte) []string {
	t.Helper()
	var styles []string
	for _, m := range startxrefRE.FindAllSubmatch(doc, -1) {
		off, err := strconv.Atoi(string(m[1]))
		if err != nil || off >= len(doc) {
			t.Fatalf("startxref %s out of range", m[1])
		}
		if bytes.HasPrefix(doc[off:], []byte("xref")) {
			styles = append(styles, "table")
		} else {
			styles = append(styles, "stream")
		}
	}
	return styles
}
