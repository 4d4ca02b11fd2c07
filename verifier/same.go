package verifier

import (
	"bytes"
	"math"

	"github.com/digitorus/pdf"
)

// Bounds of one comparison of resolved values.
const (
	// maxSameNodes bounds the values visited by one comparison; a
	// comparison that needs more answers "different".
	maxSameNodes = 1 << 16
	// maxSameDepth bounds the nesting followed.
	maxSameDepth = 64
)

// sameResolved compares value a of the signed revision (read from its
// container pa) with value b of the final document (read from pb) as a
// viewer sees them: references are followed, so an object moved to a new
// number with the same content is the same value, as EU DSS compares
// revisions (its object-modification finder walks both from the catalog
// and compares what the references resolve to). An object whose number
// and cross-reference entry are the same in both revisions is the same
// without being read again. Numbers compare by value (1 and 1.0 are
// equal); streams by dictionary and decoded data. Reference cycles are
// compared coinductively: a pair of objects already under comparison is
// taken as equal, which is sound because the comparison answers "same"
// only if every part compared is the same.
//
// It reports false when the comparison runs out of its bounds, so a
// document built to be expensive to compare is reported as changed.
// Objects of the final document shown to be copies of the signed
// revision's are recorded in d.moved, so that their addition is not
// reported as a change of their own.
func (d *differ) sameResolved(a, pa, b, pb pdf.Value) bool {
	c := d.newCmp(false)
	if !c.value(a, pa, b, pb, 0) {
		return false
	}
	c.commit()
	return true
}

// sameTop compares two versions of an object of the same number by
// resolved value, as sameResolved does.
func (d *differ) sameTop(a, b pdf.Value) bool {
	c := d.newCmp(false)
	if !c.contents(a, b, 0) {
		return false
	}
	c.commit()
	return true
}

// commit records the objects of the final document a successful
// comparison found to be copies.
func (c *sameCmp) commit() {
	for _, id := range c.copies {
		c.d.moved[id] = true
	}
}

type sameCmp struct {
	d      *differ
	budget int
	pairs  map[[2]uint32]bool // objects (signed, final) compared or under comparison
	copies []uint32           // objects of the final document compared with others
	// drawing compares what an annotation draws: an unchanged object is
	// the same only if nothing it leads to changed, and the entries of
	// drawingSkip are not followed.
	drawing bool
}

func (d *differ) newCmp(drawing bool) *sameCmp {
	return &sameCmp{d: d, budget: maxSameNodes, pairs: map[[2]uint32]bool{}, drawing: drawing}
}

func (c *sameCmp) value(a, pa, b, pb pdf.Value, depth int) bool {
	if c.budget--; c.budget < 0 || depth > maxSameDepth {
		return false
	}
	ai, bi := indirect(a, pa), indirect(b, pb)
	var ida, idb uint32
	if ai {
		ida = a.GetPtr().GetID()
	}
	if bi {
		idb = b.GetPtr().GetID()
	}
	if ai && bi {
		if ida == idb && !c.d.differs[ida] && (!c.drawing || !c.d.reachesChange(b, pb)) {
			return true
		}
		k := [2]uint32{ida, idb}
		if c.pairs[k] {
			return true
		}
		c.pairs[k] = true
	}
	if bi && (ida != idb || c.d.differs[idb]) {
		c.copies = append(c.copies, idb)
	}
	return c.contents(a, b, depth)
}

// contents compares a and b themselves, following their references.
func (c *sameCmp) contents(a, b pdf.Value, depth int) bool {
	if a.Err() != nil || b.Err() != nil {
		return false
	}
	ka, kb := a.Kind(), b.Kind()
	switch {
	case (ka == pdf.Integer || ka == pdf.Real) && (kb == pdf.Integer || kb == pdf.Real):
		if ka == pdf.Integer && kb == pdf.Integer {
			return a.Int64() == b.Int64()
		}
		x, y := a.Float64(), b.Float64()
		return x == y || math.Abs(x-y) < 1e-9
	case ka != kb:
		return false
	}
	switch ka {
	case pdf.Null:
		return true
	case pdf.Bool:
		return a.Bool() == b.Bool()
	case pdf.String:
		return a.RawString() == b.RawString()
	case pdf.Name:
		return a.Name() == b.Name()
	case pdf.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !c.value(a.Index(i), a, b.Index(i), b, depth+1) {
				return false
			}
		}
		return true
	case pdf.Dict, pdf.Stream:
		// A stream's encoding is not compared: its decoded data is.
		var skip map[string]bool
		if ka == pdf.Stream {
			skip = streamEncodingKeys
		}
		if !c.dict(a, b, skip, depth) {
			return false
		}
		return ka != pdf.Stream || c.d.sameStreamData(a, b)
	}
	return false
}

// dict compares the entries of two dictionaries, but those in skip. A key
// whose value is null is the same as no key (ISO 32000-1, 7.3.7).
func (c *sameCmp) dict(a, b pdf.Value, skip map[string]bool, depth int) bool {
	keys := a.Keys()
	inA := make(map[string]bool, len(keys))
	for _, k := range keys {
		inA[k] = true
		if skip[k] || c.drawing && drawingSkip[k] {
			continue
		}
		if !c.value(a.Key(k), a, b.Key(k), b, depth+1) {
			return false
		}
	}
	for _, k := range b.Keys() {
		if !inA[k] && !skip[k] && !(c.drawing && drawingSkip[k]) && !b.Key(k).IsNull() {
			return false
		}
	}
	return true
}

// streamEncodingKeys are the entries of a stream dictionary that say how
// its data is encoded in the file (ISO 32000-1, Table 5).
var streamEncodingKeys = map[string]bool{"Length": true, "Filter": true, "DecodeParms": true, "DL": true}

// sameStreamData compares the data of two streams: the same bytes of the
// file, or the same decoded data (memoised for the verification). digitorus/pdf
// decodes only the filters it knows and fails on others, so a stream that
// cannot be decoded is different from every other.
func (d *differ) sameStreamData(a, b pdf.Value) bool {
	if oa, ob := streamOffset(a), streamOffset(b); oa >= 0 && oa == ob {
		return true
	}
	ha, ea := d.finMap.digest(a)
	hb, eb := d.finMap.digest(b)
	return ea == nil && eb == nil && bytes.Equal(ha[:], hb[:])
}

// drawingSkip are entries that lead from what an annotation draws to
// other parts of the document — its page, its field's parent, actions and
// destinations, a pop-up, the annotation it replies to, a signature's
// references — and are not followed when comparing what it draws.
var drawingSkip = map[string]bool{
	"P": true, "Parent": true, "A": true, "AA": true, "Dest": true, "Popup": true, "IRT": true,
	"Data": true, "Reference": true, "Lock": true, "SV": true, "PA": true, "ExData": true, "RT": true,
}

// reachesChange reports whether v (read from parent) of the final
// document, or an object it leads to through entries that change how it
// is drawn, was changed or added after the signed revision (d.dirty). It
// also answers true past its bounds.
func (d *differ) reachesChange(v, parent pdf.Value) bool {
	r := &reach{d: d, budget: maxSameNodes, onPath: map[uint32]bool{}}
	dirty, _ := r.walk(v, parent, 0)
	return dirty
}

type reach struct {
	d      *differ
	budget int
	onPath map[uint32]bool
}

// walk reports whether v leads to a changed object, and whether the
// answer depends on an object still being walked (a cycle), in which
// case a clean answer is not remembered.
func (r *reach) walk(v, parent pdf.Value, depth int) (dirty, open bool) {
	if r.budget--; r.budget < 0 || depth > maxSameDepth {
		return true, false
	}
	if !indirect(v, parent) {
		return r.children(v, depth)
	}
	id := v.GetPtr().GetID()
	switch {
	case r.d.dirty[id] || r.d.reach[id] == reachDirty:
		return true, false
	case r.d.reach[id] == reachClean:
		return false, false
	case r.onPath[id]:
		return false, true
	}
	r.onPath[id] = true
	defer delete(r.onPath, id)
	dirty, open = r.children(v, depth)
	switch {
	case dirty:
		r.d.reach[id] = reachDirty
	case !open:
		r.d.reach[id] = reachClean
	}
	return dirty, open
}

func (r *reach) children(v pdf.Value, depth int) (dirty, open bool) {
	if v.Err() != nil {
		return true, false
	}
	switch v.Kind() {
	case pdf.Dict, pdf.Stream:
		for _, k := range v.Keys() {
			if drawingSkip[k] {
				continue
			}
			d, o := r.walk(v.Key(k), v, depth+1)
			if d {
				return true, false
			}
			open = open || o
		}
	case pdf.Array:
		for i := 0; i < v.Len(); i++ {
			d, o := r.walk(v.Index(i), v, depth+1)
			if d {
				return true, false
			}
			open = open || o
		}
	}
	return false, open
}

// Remembered answers of reachesChange.
const (
	reachClean = 1
	reachDirty = 2
)

// sameStreamData is (*differ).sameStreamData without a memo, for readings
// compared outside a change analysis.
func sameStreamData(a, b pdf.Value) bool {
	return (&differ{}).sameStreamData(a, b)
}
