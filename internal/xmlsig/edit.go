package xmlsig

import (
	"bytes"
	"iter"
	"maps"

	"github.com/beevik/etree"
)

// What a signer changes in a parsed Document: the signature it builds goes
// into the tree (so that its references resolve and its canonical form is
// computed in place) and its IDs into the index; its markup goes into the
// input's bytes by Splice, nothing else being rewritten.

// NewDocument returns an empty document, parsed from nothing: the
// signature of content that is not XML (SetDetached) is built in it.
func NewDocument() *Document {
	return &Document{doc: etree.NewDocument(), ids: map[string][]*etree.Element{}}
}

// SetRoot makes el the document element; whatever else the document held
// at its top level (comments, processing instructions, the old document
// element) is dropped. The ID index is not changed (see Reindex).
func (d *Document) SetRoot(el *etree.Element) {
	d.doc.Child = nil
	d.doc.SetRoot(el)
}

// SetID records els as the elements carrying the ID id, in place of those
// recorded before.
func (d *Document) SetID(id string, els ...*etree.Element) { d.ids[id] = els }

// Detached returns the content given with SetDetached, by URI.
func (d *Document) Detached() map[string][]byte { return d.detached }

// IDs returns the ID values of the index, in no particular order.
func (d *Document) IDs() iter.Seq[string] { return maps.Keys(d.ids) }

// Reindex builds the ID index anew from the tree, and checks its
// namespaces as Parse does.
func (d *Document) Reindex() error {
	d.ids = map[string][]*etree.Element{}
	return d.index()
}

// Splice returns the document's bytes with top's markup inserted in
// parent, before the child before or at the end.
func (d *Document) Splice(parent, before *etree.Element, ins []byte) []byte {
	sp, _ := d.spanOf(parent)
	var out bytes.Buffer
	out.Grow(len(d.raw) + len(ins) + 64)
	switch {
	case before != nil:
		bs, _ := d.spanOf(before)
		at := bs.start
		out.Write(d.raw[:at])
		out.Write(ins)
		out.Write(d.raw[at:])
	case sp.endStart == sp.startEnd && sp.end == sp.startEnd && bytes.HasSuffix(d.raw[sp.start:sp.startEnd], []byte("/>")):
		// <parent/> becomes <parent>…</parent>.
		out.Write(d.raw[:sp.startEnd-2])
		out.WriteString(">")
		out.Write(ins)
		out.WriteString("</" + parent.FullTag() + ">")
		out.Write(d.raw[sp.startEnd:])
	default:
		out.Write(d.raw[:sp.endStart])
		out.Write(ins)
		out.Write(d.raw[sp.endStart:])
	}
	return out.Bytes()
}
