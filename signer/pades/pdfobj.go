package pades

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
)

// ref is an indirect object reference (ISO 32000-1, 7.3.10).
type ref struct {
	id  uint32
	gen uint16
}

func (r ref) String() string { return fmt.Sprintf("%d %d R", r.id, r.gen) }

func (r ref) isZero() bool { return r.id == 0 }

func ptrRef(p pdf.Ptr) ref { return ref{id: p.GetID(), gen: p.GetGen()} }

// isIndirect reports whether v, read as an entry of the object container,
// was stored there as an indirect reference. digitorus/pdf resolves
// references transparently; a resolved value carries the number of its own
// object, a direct value the number of the object that contains it.
func isIndirect(v pdf.Value, container pdf.Ptr) bool {
	p := v.GetPtr()
	return p.GetID() != 0 && p != container
}

// dict is a PDF dictionary being written: a copy of an existing one with
// some entries replaced, or a new one. Values are serialized PDF objects.
// Keys keep their insertion order so output is deterministic.
type dict struct {
	keys []string
	vals map[string]string
}

func newDict() *dict { return &dict{vals: map[string]string{}} }

// copyDict copies the entries of v, an object read from container, keeping
// indirect references as references.
func copyDict(v pdf.Value, container pdf.Ptr) (*dict, error) {
	d := newDict()
	for _, k := range v.Keys() {
		var b bytes.Buffer
		if err := writeValue(&b, v.Key(k), container); err != nil {
			return nil, fmt.Errorf("entry /%s: %w", k, err)
		}
		d.set(k, b.String())
	}
	return d, nil
}

// get returns the entry key, or def if there is none.
func (d *dict) get(key, def string) string {
	if v, ok := d.vals[key]; ok {
		return v
	}
	return def
}

// clone returns a copy of d.
func (d *dict) clone() *dict {
	c := &dict{keys: append([]string(nil), d.keys...), vals: make(map[string]string, len(d.vals))}
	for k, v := range d.vals {
		c.vals[k] = v
	}
	return c
}

func (d *dict) set(key, val string) {
	if _, ok := d.vals[key]; !ok {
		d.keys = append(d.keys, key)
	}
	d.vals[key] = val
}

func (d *dict) bytes() []byte {
	var b bytes.Buffer
	b.WriteString("<<")
	for _, k := range d.keys {
		b.WriteString("\n/")
		b.WriteString(pdfName(k))
		b.WriteByte(' ')
		b.WriteString(d.vals[k])
	}
	b.WriteString("\n>>")
	return b.Bytes()
}

// writeValue serializes v, read from the object container, to b. Entries
// that were indirect references are written as references; everything
// else is written out in full.
func writeValue(b *bytes.Buffer, v pdf.Value, container pdf.Ptr) error {
	if isIndirect(v, container) {
		b.WriteString(ptrRef(v.GetPtr()).String())
		return nil
	}
	switch v.Kind() {
	case pdf.Null:
		b.WriteString("null")
	case pdf.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case pdf.Integer:
		b.WriteString(strconv.FormatInt(v.Int64(), 10))
	case pdf.Real:
		b.WriteString(pdfReal(v.Float64()))
	case pdf.String:
		b.WriteString(pdfHexString([]byte(v.RawString())))
	case pdf.Name:
		b.WriteString("/" + pdfName(v.Name()))
	case pdf.Dict:
		b.WriteString("<<")
		for _, k := range v.Keys() {
			b.WriteString(" /" + pdfName(k) + " ")
			if err := writeValue(b, v.Key(k), container); err != nil {
				return err
			}
		}
		b.WriteString(" >>")
	case pdf.Array:
		b.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			if err := writeValue(b, v.Index(i), container); err != nil {
				return err
			}
		}
		b.WriteString("]")
	case pdf.Stream:
		return fmt.Errorf("a stream cannot be a direct object")
	default:
		return fmt.Errorf("unexpected PDF object kind %d", v.Kind())
	}
	return nil
}

// pdfName escapes a name's characters for writing after the solidus
// (ISO 32000-1, 7.3.5).
func pdfName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || strings.IndexByte("#()<>[]{}/%", c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// pdfReal formats a real number without an exponent (ISO 32000-1, 7.3.3).
func pdfReal(f float64) string {
	s := strconv.FormatFloat(f, 'f', 4, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "" || s == "-" || s == "-0" {
		return "0"
	}
	return s
}

func pdfHexString(b []byte) string { return "<" + hex.EncodeToString(b) + ">" }

// literalEscaper escapes a literal string's delimiters and backslashes
// (ISO 32000-1, 7.3.4.2); built once, not on every signature.
var literalEscaper = strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)

// pdfText encodes s as a text string (ISO 32000-1, 7.9.2.2): a literal
// string when it is printable ASCII, else UTF-16BE with a byte order mark,
// in hexadecimal.
func pdfText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return "(" + literalEscaper.Replace(s) + ")"
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xFE, 0xFF
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return pdfHexString(b)
}

// pdfDate formats t as a PDF date (ISO 32000-1, 7.9.4), keeping its zone
// offset, for example D:20250102150405+07'00'.
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("(D:%s%c%02d'%02d')", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// refArray writes refs as a PDF array.
func refArray(refs []ref) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range refs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.String())
	}
	b.WriteByte(']')
	return b.String()
}

// streamObject returns a stream object with dictionary entries entries
// (written between << and >>, without /Length) and data.
func streamObject(entries string, data []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<<%s /Length %d >>\nstream\n", entries, len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	return b.Bytes()
}
