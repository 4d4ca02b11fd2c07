package xmlsig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/kyso-vn/kyso/errkind"
)

// Limits bound the work of parsing one document. A zero field takes its
// default.
type Limits struct {
	// MaxBytes bounds the input (default 64 MiB).
	MaxBytes int
	// MaxDepth bounds element nesting (default 256).
	MaxDepth int
	// MaxNodes bounds elements, text nodes, comments and processing
	// instructions together (default 2,000,000).
	MaxNodes int
	// MaxAttrs bounds the attributes of one element, namespace
	// declarations included (default 256).
	MaxAttrs int
}

// Default limits.
const (
	DefaultMaxBytes = 64 << 20
	DefaultMaxDepth = 256
	DefaultMaxNodes = 2_000_000
	DefaultMaxAttrs = 256
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultMaxNodes
	}
	if l.MaxAttrs <= 0 {
		l.MaxAttrs = DefaultMaxAttrs
	}
	return l
}

// Namespaces.
const (
	// Namespace is the XML-Signature namespace.
	Namespace = "http://www.w3.org/2000/09/xmldsig#"
	// xmlNamespace is bound to the prefix xml (Namespaces in XML, 3).
	xmlNamespace   = "http://www.w3.org/XML/1998/namespace"
	xmlnsNamespace = "http://www.w3.org/2000/xmlns/"
)

// Document is a parsed XML document: an etree tree, the input it was read
// from and where each element was in it, and an index of its ID
// attributes.
type Document struct {
	doc   *etree.Document
	raw   []byte
	bom   int           // length of a leading byte-order mark, not parsed
	spans []elementSpan // the parsed elements, in document order
	ids   map[string][]*etree.Element
	// detached maps the URIs of detached references to their content.
	detached map[string][]byte
}

// elementSpan is a parsed element and where it was in the input.
type elementSpan struct {
	el *etree.Element
	sp span
}

// spanOf returns where el was in the input; false for an element that was
// not parsed (one added since). A few lookups are made per signature: a
// scan costs less than a map of every element built for them.
func (d *Document) spanOf(el *etree.Element) (span, bool) {
	for i := range d.spans {
		if d.spans[i].el == el {
			return d.spans[i].sp, true
		}
	}
	return span{}, false
}

// span is where an element was in the input: its start tag [start,
// startEnd) and its end tag [endStart, end); for an empty-element tag
// (<a/>) endStart == end == startEnd.
type span struct {
	start, startEnd, endStart, end int
}

// Root returns the document element.
func (d *Document) Root() *etree.Element { return d.doc.Root() }

// Raw returns the bytes the document was parsed from.
func (d *Document) Raw() []byte { return d.raw }

// ByID returns the elements whose ID attribute (see IDAttributes) has the
// value id, in document order. More than one is a document an application
// and a verifier may read differently: callers refuse it.
func (d *Document) ByID(id string) []*etree.Element { return d.ids[id] }

// DuplicateIDs returns the ID values carried by more than one element.
func (d *Document) DuplicateIDs() []string {
	var out []string
	for id, els := range d.ids {
		if len(els) > 1 {
			out = append(out, id)
		}
	}
	return out
}

// IDAttributes are the attribute names treated as IDs when resolving a
// same-document reference ("#x"): Id, ID and id without prefix, and xml:id.
// XML-Signature leaves this to the application; these are the names
// e-invoices, XAdES and SAML use.
var IDAttributes = []string{"Id", "ID", "id"}

// idOf returns el's ID attribute values.
func idsOf(el *etree.Element) []string {
	var out []string
	for _, a := range el.Attr {
		if a.Space == "" && (a.Key == "Id" || a.Key == "ID" || a.Key == "id") || a.Space == "xml" && a.Key == "id" {
			out = append(out, a.Value)
		}
	}
	return out
}

// Parse errors. Errors returned by Parse wrap ErrMalformed or ErrLimit.
var (
	// ErrMalformed means the input is not a well-formed, namespace
	// well-formed XML 1.0 document in UTF-8 without a document type
	// declaration.
	ErrMalformed = errkind.New(errkind.InvalidDocument, "xmldsig: malformed document")
	// ErrLimit means the input exceeds one of the Limits.
	ErrLimit = errkind.New(errkind.InvalidDocument, "xmldsig: document exceeds a limit")
)

// Parse reads an XML document under lim.
//
// It is strict where readers differ, so that kyso and any other reader
// see the same tree:
//   - a document type declaration is refused: no DTD is processed, no
//     entity other than the five predefined ones and character references
//     is expanded, nothing is fetched (no XXE, no entity expansion bombs,
//     no attribute defaults that one reader applies and another not);
//   - the encoding must be UTF-8 (a declaration of another one is refused);
//   - one document element; no text outside it; no duplicate attribute;
//     every prefix declared (Namespaces in XML 1.0);
//   - attribute values are normalised as XML 1.0, 3.3.3 says (a literal
//     tab, newline or carriage return becomes a space; character
//     references are kept), which encoding/xml does not do;
//   - depth, node count, attributes per element and size are bounded.
func Parse(data []byte, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	if len(data) > lim.MaxBytes {
		return nil, ErrLimit.Errorf("%d bytes, more than %d", len(data), lim.MaxBytes)
	}
	d := &Document{doc: etree.NewDocument(), raw: data, ids: map[string][]*etree.Element{}}
	body := data
	if bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		d.bom = 3
		body = body[3:]
	}
	if !utf8.Valid(body) {
		return nil, ErrMalformed.Errorf("not UTF-8")
	}
	// About one element per "<" that is not "</" (comments, processing
	// instructions and CDATA sections count too): elements and text nodes
	// are allocated in blocks of up to that many rather than one by one.
	elements := newSlab[etree.Element](bytes.Count(body, []byte("<")) - bytes.Count(body, []byte("</")))
	texts := newSlab[etree.CharData](2*elements.left + 1)
	d.spans = make([]elementSpan, 0, min(elements.left, 1<<16))
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	// CharsetReader stays nil: a declared encoding other than UTF-8 is an
	// error of the decoder.
	//
	// text is the body as one string: names, attribute values and text
	// written without references are kept as substrings of it instead of
	// one allocation each. Children are collected in pending while their
	// element is open and given to it at its end tag, in one slice of the
	// right size.
	text := string(body)
	var (
		stack   []openElement
		pending []etree.Token
		nodes   int
		seenXML bool // a document element was opened
		closed  bool // and closed
	)
	add := func(t etree.Token) {
		if len(stack) == 0 {
			d.doc.AddChild(t)
			return
		}
		pending = append(pending, t)
	}
	for {
		off := int(dec.InputOffset())
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ErrMalformed.Errorf("%v", err)
		}
		end := int(dec.InputOffset())
		nodes++
		if nodes > lim.MaxNodes {
			return nil, ErrLimit.Errorf("more than %d nodes", lim.MaxNodes)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if closed {
				return nil, ErrMalformed.Errorf("content after the document element")
			}
			if len(stack) >= lim.MaxDepth {
				return nil, ErrLimit.Errorf("elements nested deeper than %d", lim.MaxDepth)
			}
			if len(t.Attr) > lim.MaxAttrs {
				return nil, ErrLimit.Errorf("an element with more than %d attributes", lim.MaxAttrs)
			}
			attrs, err := rawAttrs(text, off, end)
			if err != nil {
				return nil, ErrMalformed.Errorf("at byte %d: %v", off+d.bom, err)
			}
			if len(attrs) != len(t.Attr) {
				return nil, ErrMalformed.Errorf("at byte %d: attributes could not be read", off+d.bom)
			}
			el := elements.next()
			el.Space, el.Tag = t.Name.Space, t.Name.Local
			if len(attrs) > 0 {
				el.Attr = make([]etree.Attr, 0, len(attrs))
			}
			for i, a := range attrs {
				if !isQName(a.name, t.Attr[i].Name) {
					return nil, ErrMalformed.Errorf("at byte %d: attributes could not be read", off+d.bom)
				}
				for _, b := range attrs[:i] {
					if b.name == a.name {
						return nil, ErrMalformed.Errorf("at byte %d: attribute %s repeated", off+d.bom, a.name)
					}
				}
				el.CreateAttr(a.name, a.value)
			}
			add(el)
			sp := span{start: off + d.bom, startEnd: end + d.bom}
			if bytes.HasSuffix(body[off:end], []byte("/>")) {
				sp.endStart, sp.end = sp.startEnd, sp.startEnd
			}
			stack = append(stack, openElement{el: el, span: len(d.spans), children: len(pending)})
			d.spans = append(d.spans, elementSpan{el, sp})
			seenXML = true
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, ErrMalformed.Errorf("at byte %d: unexpected end tag %s", off+d.bom, qname(t.Name))
			}
			o := stack[len(stack)-1]
			if t.Name.Space != o.el.Space || t.Name.Local != o.el.Tag {
				return nil, ErrMalformed.Errorf("at byte %d: unexpected end tag %s", off+d.bom, qname(t.Name))
			}
			if sp := &d.spans[o.span].sp; sp.end == 0 {
				sp.endStart, sp.end = off+d.bom, end+d.bom
			}
			if kids := pending[o.children:]; len(kids) > 0 {
				o.el.Child = make([]etree.Token, 0, len(kids))
				for _, k := range kids {
					o.el.AddChild(k)
				}
				clear(kids)
				pending = pending[:o.children]
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				closed = true
			}
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.Trim(t, " \t\r\n")) > 0 {
					return nil, ErrMalformed.Errorf("text outside the document element")
				}
				continue
			}
			s := text[off:end]
			if s != string(t) { // references, CDATA or CR LF: the decoded text
				s = string(t)
			}
			c := texts.next()
			c.Data = s
			add(c)
		case xml.Comment:
			if bytes.Contains(t, []byte("--")) || bytes.HasSuffix(t, []byte("-")) {
				return nil, ErrMalformed.Errorf("at byte %d: \"--\" in a comment", off+d.bom)
			}
			add(etree.NewComment(string(t)))
		case xml.ProcInst:
			if t.Target == "xml" {
				if off != 0 {
					return nil, ErrMalformed.Errorf("an XML declaration not at the start")
				}
				continue // not a processing instruction (XML 1.0, 2.8)
			}
			if strings.EqualFold(t.Target, "xml") {
				return nil, ErrMalformed.Errorf("processing instruction target %q is reserved", t.Target)
			}
			add(etree.NewProcInst(t.Target, string(t.Inst)))
		case xml.Directive:
			return nil, ErrMalformed.Errorf("a document type declaration or other directive (<!%s…>): DTDs are not processed", firstWord(t))
		}
	}
	if !seenXML || !closed {
		return nil, ErrMalformed.Errorf("no complete document element")
	}
	if err := d.index(); err != nil {
		return nil, err
	}
	return d, nil
}

func firstWord(b []byte) string {
	s := string(b)
	if i := strings.IndexAny(s, " \t\r\n["); i >= 0 {
		s = s[:i]
	}
	if len(s) > 20 {
		s = s[:20]
	}
	return s
}

// openElement is an element whose end tag is still to come: where it is
// in the input so far, and where its children start in Parse's pending
// list.
type openElement struct {
	el       *etree.Element
	span     int // its index in Document.spans
	children int
}

// slab hands out zero values of T allocated in blocks: the nodes of a
// document live and die together, so one allocation per block instead of
// one per node. left is how many more are expected; blocks are at most
// slabBlock long, so that a wrong guess wastes little.
type slab[T any] struct {
	block []T
	left  int
}

const slabBlock = 512

func newSlab[T any](expected int) *slab[T] { return &slab[T]{left: max(expected, 1)} }

func (s *slab[T]) next() *T {
	if len(s.block) == 0 {
		s.block = make([]T, min(max(s.left, 1), slabBlock))
	}
	v := &s.block[0]
	s.block = s.block[1:]
	s.left--
	return v
}

// isQName reports whether name is n written as a qualified name
// ("prefix:local" or "local").
func isQName(name string, n xml.Name) bool {
	if n.Space == "" {
		return name == n.Local
	}
	return len(name) == len(n.Space)+1+len(n.Local) && name[len(n.Space)] == ':' &&
		name[:len(n.Space)] == n.Space && name[len(n.Space)+1:] == n.Local
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// index checks that every prefix is declared and records the ID
// attributes.
func (d *Document) index() error {
	var walk func(el *etree.Element) error
	walk = func(el *etree.Element) error {
		for _, a := range el.Attr {
			switch {
			case a.Space == "xmlns":
				if a.Value == "" {
					return ErrMalformed.Errorf("prefix %s undeclared with xmlns:%s=\"\" (not allowed in XML 1.0)", a.Key, a.Key)
				}
				if a.Key == "xmlns" || a.Key == "xml" && a.Value != xmlNamespace || a.Key != "xml" && (a.Value == xmlNamespace || a.Value == xmlnsNamespace) {
					return ErrMalformed.Errorf("reserved prefix or namespace in xmlns:%s", a.Key)
				}
			case a.Space != "" && a.Space != "xml":
				if lookupNS(el, a.Space) == "" {
					return ErrMalformed.Errorf("undeclared prefix %s on attribute %s:%s", a.Space, a.Space, a.Key)
				}
			}
		}
		if el.Space != "" && lookupNS(el, el.Space) == "" {
			return ErrMalformed.Errorf("undeclared prefix %s on element %s", el.Space, el.FullTag())
		}
		if el.Space == "xmlns" {
			return ErrMalformed.Errorf("element with prefix xmlns")
		}
		for _, id := range idsOf(el) {
			d.ids[id] = append(d.ids[id], el)
		}
		for _, t := range el.Child { // not ChildElements: no slice per element
			if c, ok := t.(*etree.Element); ok {
				if err := walk(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(d.Root())
}

// lookupNS returns the namespace bound to prefix ("" for the default
// namespace) in scope at el, or "" if none.
func lookupNS(el *etree.Element, prefix string) string {
	if prefix == "xml" {
		return xmlNamespace
	}
	for e := el; e != nil && e.Parent() != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if prefix == "" && a.Space == "" && a.Key == "xmlns" || prefix != "" && a.Space == "xmlns" && a.Key == prefix {
				return a.Value
			}
		}
	}
	return ""
}

// NamespaceOf returns el's namespace name.
func NamespaceOf(el *etree.Element) string { return lookupNS(el, el.Space) }

// rawAttr is an attribute as written in a start tag, its value normalised
// (XML 1.0, 3.3.3, for CDATA attributes: no DTD declares another type).
type rawAttr struct{ name, value string }

// rawAttrs reads the attributes of the start tag doc[from:to] ("<name
// ...>" or "<name .../>"), which encoding/xml has already checked. Names
// and values written without references or white space other than spaces
// are substrings of doc.
func rawAttrs(doc string, from, to int) ([]rawAttr, error) {
	tag := doc[from:to]
	i := 1
	n := len(tag)
	for i < n && !isSpace(tag[i]) && tag[i] != '>' && tag[i] != '/' {
		i++
	}
	var out []rawAttr
	for {
		for i < n && isSpace(tag[i]) {
			i++
		}
		if i >= n || tag[i] == '>' || tag[i] == '/' {
			return out, nil
		}
		start := i
		for i < n && !isSpace(tag[i]) && tag[i] != '=' {
			i++
		}
		name := tag[start:i]
		for i < n && isSpace(tag[i]) {
			i++
		}
		if i >= n || tag[i] != '=' {
			return nil, fmt.Errorf("attribute %s without value", name)
		}
		i++
		for i < n && isSpace(tag[i]) {
			i++
		}
		if i >= n || tag[i] != '"' && tag[i] != '\'' {
			return nil, fmt.Errorf("attribute %s value not quoted", name)
		}
		q := tag[i]
		i++
		j := strings.IndexByte(tag[i:], q)
		if j < 0 {
			return nil, fmt.Errorf("attribute %s value not closed", name)
		}
		v, err := attrValue(tag[i : i+j])
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %v", name, err)
		}
		out = append(out, rawAttr{name, v})
		i += j + 1
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// attrValue decodes a raw attribute value: references replaced, literal
// white space (CR LF, CR, LF, tab) each one space. A value with neither is
// returned as it is.
func attrValue(raw string) (string, error) {
	if !strings.ContainsAny(raw, "\r\n\t<&") {
		return raw, nil
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			b.WriteByte(' ')
		case '\n', '\t':
			b.WriteByte(' ')
		case '<':
			return "", errors.New("'<' in an attribute value")
		case '&':
			j := strings.IndexByte(raw[i:], ';')
			if j < 0 {
				return "", errors.New("unterminated reference")
			}
			ref := raw[i+1 : i+j]
			i += j
			switch ref {
			case "lt":
				b.WriteByte('<')
			case "gt":
				b.WriteByte('>')
			case "amp":
				b.WriteByte('&')
			case "apos":
				b.WriteByte('\'')
			case "quot":
				b.WriteByte('"')
			default:
				if !strings.HasPrefix(ref, "#") {
					return "", fmt.Errorf("undefined entity &%s;", ref)
				}
				var v uint64
				var err error
				if strings.HasPrefix(ref, "#x") {
					v, err = strconv.ParseUint(ref[2:], 16, 32)
				} else {
					v, err = strconv.ParseUint(ref[1:], 10, 32)
				}
				if err != nil || !isXMLChar(rune(v)) {
					return "", fmt.Errorf("bad character reference &%s;", ref)
				}
				b.WriteRune(rune(v))
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// isXMLChar reports whether r is a Char of XML 1.0 (2.2).
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
