package xmlsig

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/kyso-vn/kyso/errkind"
)

// Canonicalisation algorithms (W3C Canonical XML 1.0 and 1.1, Exclusive
// XML Canonicalization 1.0).
const (
	C14N10              = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	C14N10WithComments  = C14N10 + "#WithComments"
	C14N11              = "http://www.w3.org/2006/12/xml-c14n11"
	C14N11WithComments  = C14N11 + "#WithComments"
	ExcC14N             = "http://www.w3.org/2001/10/xml-exc-c14n#"
	ExcC14NWithComments = ExcC14N + "WithComments"
)

// ErrUnsupported means a document uses an algorithm, transform or
// reference this package does not process.
var ErrUnsupported = errkind.New(errkind.InvalidDocument, "xmldsig: unsupported")

// c14nMethod is a parsed canonicalisation algorithm.
type c14nMethod struct {
	exclusive bool
	v11       bool
	comments  bool
}

func parseC14N(uri string) (c14nMethod, bool) {
	switch uri {
	case C14N10:
		return c14nMethod{}, true
	case C14N10WithComments:
		return c14nMethod{comments: true}, true
	case C14N11:
		return c14nMethod{v11: true}, true
	case C14N11WithComments:
		return c14nMethod{v11: true, comments: true}, true
	case ExcC14N:
		return c14nMethod{exclusive: true}, true
	case ExcC14NWithComments:
		return c14nMethod{exclusive: true, comments: true}, true
	}
	return c14nMethod{}, false
}

// IsC14N reports whether uri names a canonicalisation algorithm this
// package implements.
func IsC14N(uri string) bool {
	_, ok := parseC14N(uri)
	return ok
}

// NodeSet is a document subset in the sense of XPath 1.0 as XML-Signature
// uses it: a whole subtree (or the whole document) with some element
// subtrees taken out.
type NodeSet struct {
	// Doc is the document the set is from.
	Doc *Document
	// Apex is the root of the subtree; nil means the whole document.
	Apex *etree.Element
	// Exclude lists elements removed from the set with all they contain
	// (the enveloped-signature transform, XPath filters that subtract
	// signatures).
	Exclude []*etree.Element
	// Comments keeps comment nodes. A same-document reference by bare
	// name ("#x") or URI="" drops them (XML-Signature 1.1, 4.4.3.3).
	Comments bool
}

// Canonicalize writes the canonical form of ns by the algorithm uri to w.
// prefixes is the InclusiveNamespaces PrefixList of exclusive
// canonicalisation ("#default" for the default namespace); it must be
// nil for the other algorithms.
func Canonicalize(w io.Writer, ns NodeSet, uri string, prefixes []string) error {
	m, ok := parseC14N(uri)
	if !ok {
		return ErrUnsupported.Errorf("canonicalization %q", uri)
	}
	if !m.comments {
		ns.Comments = false
	}
	c := &canon{w: w, m: m, ns: ns, incl: map[string]bool{}}
	for _, p := range prefixes {
		if p == "#default" {
			p = ""
		}
		c.incl[p] = true
	}
	if ns.Apex != nil {
		if c.excluded(ns.Apex) {
			return nil
		}
		ctx := map[string]string{}
		c.element(ns.Apex, ctx, true)
		return c.err
	}
	if ns.Doc == nil {
		return errors.New("xmldsig: canonicalize: no document")
	}
	// The whole document: the document element, and the comments and
	// processing instructions around it, each separated from it by a
	// newline (Canonical XML 1.0, 2.1 and 2.3).
	before := true
	for _, t := range ns.Doc.doc.Child {
		switch t := t.(type) {
		case *etree.Element:
			if !c.excluded(t) {
				c.element(t, map[string]string{}, true)
			}
			before = false
		case *etree.Comment:
			if ns.Comments {
				c.around(before, "<!--"+t.Data+"-->")
			}
		case *etree.ProcInst:
			c.around(before, ProcInst(t))
		}
	}
	return c.err
}

// around writes a node outside the document element.
func (c *canon) around(before bool, s string) {
	if before {
		c.write(s + "\n")
	} else {
		c.write("\n" + s)
	}
}

// CanonicalBytes returns the canonical form of ns.
func CanonicalBytes(ns NodeSet, uri string, prefixes []string) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(ns.sizeHint())
	if err := Canonicalize(&b, ns, uri, prefixes); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type canon struct {
	w    io.Writer
	m    c14nMethod
	ns   NodeSet
	incl map[string]bool // exclusive: InclusiveNamespaces
	err  error
}

func (c *canon) write(s string) {
	if c.err != nil {
		return
	}
	_, c.err = io.WriteString(c.w, s)
}

func (c *canon) excluded(el *etree.Element) bool {
	return slices.Contains(c.ns.Exclude, el)
}

// nsDecl is a namespace declaration to render.
type nsDecl struct{ prefix, uri string }

// element writes el and its content. rendered maps the prefixes whose
// declarations the output ancestors have rendered to their namespaces
// ("" for the default namespace; a missing key means none rendered). apex
// is true for the top of the subset, whose ancestors are not in it.
func (c *canon) element(el *etree.Element, rendered map[string]string, apex bool) {
	if c.err != nil {
		return
	}
	var decls []nsDecl
	if c.m.exclusive {
		decls = c.exclusiveDecls(el, rendered)
	} else {
		decls = c.inclusiveDecls(el, rendered, apex)
	}
	next := rendered
	if len(decls) > 0 {
		next = make(map[string]string, len(rendered)+len(decls))
		for k, v := range rendered {
			next[k] = v
		}
		for _, d := range decls {
			next[d.prefix] = d.uri
		}
	}
	slices.SortFunc(decls, func(a, b nsDecl) int { return strings.Compare(a.prefix, b.prefix) })

	attrs := c.attributes(el, apex)

	c.write("<")
	c.write(el.FullTag())
	for _, d := range decls {
		if d.prefix == "" {
			c.write(` xmlns="`)
		} else {
			c.write(" xmlns:" + d.prefix + `="`)
		}
		c.write(EscapeAttr(d.uri))
		c.write(`"`)
	}
	for _, a := range attrs {
		c.write(" " + a.name + `="` + EscapeAttr(a.value) + `"`)
	}
	c.write(">")
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			if !c.excluded(t) {
				c.element(t, next, false)
			}
		case *etree.CharData:
			c.write(EscapeText(t.Data))
		case *etree.Comment:
			if c.ns.Comments {
				c.write("<!--" + t.Data + "-->")
			}
		case *etree.ProcInst:
			c.write(ProcInst(t))
		}
	}
	c.write("</" + el.FullTag() + ">")
}

// ProcInst returns the markup of a processing instruction, as Canonical
// XML 1.0, 2.3 writes it.
func ProcInst(p *etree.ProcInst) string {
	if p.Inst == "" {
		return "<?" + p.Target + "?>"
	}
	return "<?" + p.Target + " " + p.Inst + "?>"
}

// InScope returns the namespaces in scope at el: prefix to namespace, ""
// for the default namespace, without the xml prefix. An undeclared default
// namespace (xmlns="") is absent.
func InScope(el *etree.Element) map[string]string {
	var chain []*etree.Element
	for e := el; e != nil && e.Parent() != nil; e = e.Parent() {
		chain = append(chain, e)
	}
	m := map[string]string{}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, a := range chain[i].Attr {
			switch {
			case a.Space == "" && a.Key == "xmlns":
				if a.Value == "" {
					delete(m, "")
				} else {
					m[""] = a.Value
				}
			case a.Space == "xmlns" && a.Key != "xml":
				m[a.Key] = a.Value
			}
		}
	}
	return m
}

// inclusiveDecls returns the namespace declarations inclusive
// canonicalisation renders on el: every namespace in scope that the
// output parent does not already have (Canonical XML 1.0, 2.3 and 4.7),
// and xmlns="" when el has no default namespace and its output parent
// had one.
func (c *canon) inclusiveDecls(el *etree.Element, rendered map[string]string, apex bool) []nsDecl {
	var scope map[string]string
	if apex {
		scope = InScope(el)
	} else {
		// In a subtree the parent is output and has rendered (or
		// inherited) every namespace in its scope: only el's own
		// declarations can differ.
		scope = nil
	}
	var out []nsDecl
	if scope != nil {
		for p, u := range scope {
			if rendered[p] != u {
				out = append(out, nsDecl{p, u})
			}
		}
		return out
	}
	for _, a := range el.Attr {
		switch {
		case a.Space == "" && a.Key == "xmlns":
			if prev, ok := rendered[""]; a.Value != "" && prev != a.Value || a.Value == "" && ok && prev != "" {
				out = append(out, nsDecl{"", a.Value})
			}
		case a.Space == "xmlns" && a.Key != "xml":
			if prev, ok := rendered[a.Key]; !ok || prev != a.Value {
				out = append(out, nsDecl{a.Key, a.Value})
			}
		}
	}
	return out
}

// exclusiveDecls returns the declarations exclusive canonicalisation
// renders on el: those of the prefixes el visibly uses (its own and its
// attributes') and of the InclusiveNamespaces prefixes, unless the nearest
// output ancestor rendered the same (Exclusive XML Canonicalization 1.0,
// 3).
func (c *canon) exclusiveDecls(el *etree.Element, rendered map[string]string) []nsDecl {
	used := map[string]bool{el.Space: true}
	for _, a := range el.Attr {
		if a.Space != "" && a.Space != "xmlns" && a.Space != "xml" {
			used[a.Space] = true
		}
	}
	for p := range c.incl {
		used[p] = true
	}
	var out []nsDecl
	for p := range used {
		u := lookupNS(el, p)
		prev, ok := rendered[p]
		switch {
		case u == "" && p == "":
			if ok && prev != "" {
				out = append(out, nsDecl{"", ""})
			}
		case u == "":
			// An InclusiveNamespaces prefix not in scope.
		case !ok || prev != u:
			out = append(out, nsDecl{p, u})
		}
	}
	return out
}

type attr struct {
	name, value  string
	space, local string // namespace name and local name, for sorting
}

// attributes returns el's attributes (not namespace declarations) in
// canonical order, with, on the apex of inclusive canonicalisation, the
// xml: attributes it inherits (Canonical XML 1.0, 2.4; 1.1 inherits
// xml:lang and xml:space only).
func (c *canon) attributes(el *etree.Element, apex bool) []attr {
	var out []attr
	have := map[string]bool{}
	for _, a := range el.Attr {
		if a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns" {
			continue
		}
		ns := ""
		if a.Space != "" {
			ns = lookupNS(el, a.Space)
		}
		if a.Space == "xml" {
			have[a.Key] = true
		}
		out = append(out, attr{name: a.FullKey(), value: a.Value, space: ns, local: a.Key})
	}
	if apex && !c.m.exclusive {
		for e := el.Parent(); e != nil && e.Parent() != nil; e = e.Parent() {
			for _, a := range e.Attr {
				if a.Space != "xml" || have[a.Key] {
					continue
				}
				if c.m.v11 && a.Key != "lang" && a.Key != "space" {
					if a.Key == "base" && c.err == nil {
						c.err = ErrUnsupported.Errorf("xml:base fix-up of Canonical XML 1.1")
					}
					continue
				}
				have[a.Key] = true
				out = append(out, attr{name: "xml:" + a.Key, value: a.Value, space: xmlNamespace, local: a.Key})
			}
		}
	}
	slices.SortFunc(out, func(a, b attr) int {
		if a.space != b.space {
			return strings.Compare(a.space, b.space)
		}
		return strings.Compare(a.local, b.local)
	})
	return out
}

// EscapeText escapes character data as Canonical XML 1.0, 2.3 says.
func EscapeText(s string) string {
	if !strings.ContainsAny(s, "&<>\r") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// EscapeAttr escapes an attribute value as Canonical XML 1.0, 2.3 says.
func EscapeAttr(s string) string {
	if !strings.ContainsAny(s, "&<\"\t\n\r") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '"':
			b.WriteString("&quot;")
		case '\t':
			b.WriteString("&#x9;")
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// sizeHint is about the length of ns's canonical form: the input bytes of
// its apex element (or of the whole document), plus a little for the
// namespace declarations and attribute quoting canonicalisation adds, so
// that the output buffer is allocated once instead of doubling its way up.
func (ns NodeSet) sizeHint() int {
	if ns.Doc == nil {
		return 0
	}
	n := len(ns.Doc.raw)
	if ns.Apex != nil {
		sp, ok := ns.Doc.spanOf(ns.Apex)
		if !ok || sp.end < sp.start {
			return 0
		}
		n = sp.end - sp.start
	}
	return n + n/16 + 256
}
