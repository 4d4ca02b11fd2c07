package verifier

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/digitorus/pdf"
)

// Bounds of the change analysis.
const (
	// maxRoleVisits bounds the objects visited when mapping what each
	// object of a revision is for.
	maxRoleVisits = 1 << 21
	// maxPages bounds the pages walked.
	maxPages = 20000
	// maxPageDepth bounds the depth of the page tree.
	maxPageDepth = 64
	// maxChanged bounds the changed objects classified one by one.
	maxChanged = 50000
	// maxSerial bounds the nodes written when comparing one object.
	maxSerial = 1 << 20
	// maxRolesPerObject bounds the roles recorded for one object.
	maxRolesPerObject = 8
)

// identity returns a number that is the same for Values of the same
// parsed dictionary, stream or array and differs between different ones,
// 0 for other values: the PDF library's Value.Identity (its patch 42).
// digitorus/pdf gives a direct value the pointer of the object holding it,
// so a reference from an object to itself looks like a direct value: walks
// of the object graph detect such loops by identity. (It read the same
// fields by reflection, field name by name, which was an eighth of
// verifying a real-world document.)
func identity(v pdf.Value) uintptr { return v.Identity() }

// roleKind says what an object is for in a document.
type roleKind int

const (
	roleCatalog roleKind = iota + 1
	roleInfo
	rolePagesNode
	rolePage
	roleContent
	roleResources
	roleAnnots
	roleAnnotation
	roleAppearance
	roleForm
	roleFormRes
	roleField
	roleSigDict
	roleFieldValue
	roleDSS
	roleMetadata
	roleStructure
	roleOther
)

// role is one use of an object.
type role struct {
	kind  roleKind
	page  int    // page number (1-based) for page roles, 0 if none
	name  string // field name, catalog key, annotation subtype
	owner uint32 // the annotation or field an appearance or value belongs to
	field uint32 // the field a widget belongs to
	sig   bool   // the field is a signature field
}

type roleMap map[uint32][]role

// docRoles maps the objects reachable from a revision's trailer to their
// uses, and lists its pages.
type docRoles struct {
	roles      roleMap
	pages      []uint32
	incomplete bool
	// drawn holds what pages draw, read once for every signature whose
	// revision has the same page content (signedDrawn); contentOps is
	// what remains of the operators the reading may spend.
	drawn      map[uint32]*drawn
	contentOps int
	// digests holds the SHA-256 of decoded stream data by the offset of
	// the data in the file, for every signature's comparison: a stream
	// definition is one place of the file, whichever revision reads it, so
	// a large or hostile stream (a deflate bomb) is decoded once per
	// verification, not once per signature.
	digests map[int64]streamSum
}

// streamSum is a memoised streamDigest.
type streamSum struct {
	sum [32]byte
	err error
}

// digest returns streamDigest(v), memoised by the stream's offset.
func (r *docRoles) digest(v pdf.Value) ([32]byte, error) {
	off := streamOffset(v)
	if off < 0 || r == nil {
		return streamDigest(v)
	}
	if m, ok := r.digests[off]; ok {
		return m.sum, m.err
	}
	sum, err := streamDigest(v)
	if r.digests == nil {
		r.digests = map[int64]streamSum{}
	}
	r.digests[off] = streamSum{sum, err}
	return sum, err
}

type seenKey struct {
	id   uint32
	kind roleKind
}

type containerKey struct {
	id   uintptr
	kind roleKind
}

type roleWalker struct {
	d      *docRoles
	seen   map[seenKey]bool
	walked map[containerKey]bool // containers walked, by identity and role
	visits int
}

// mapRoles walks rdr's document from its trailer.
func mapRoles(rdr *pdf.Reader) *docRoles {
	w := &roleWalker{d: &docRoles{roles: roleMap{}, contentOps: maxDocContentOps}, seen: map[seenKey]bool{}, walked: map[containerKey]bool{}}
	tr := rdr.Trailer()
	root := tr.Key("Root")
	w.add(root, tr, role{kind: roleCatalog})
	// Pages and the form first, so that the common objects get their
	// most specific role.
	if p := root.Key("Pages"); p.Kind() == pdf.Dict {
		w.walkPages(p, root)
	}
	if a := root.Key("AcroForm"); a.Kind() == pdf.Dict {
		w.walkForm(a, root)
	}
	for _, k := range root.Keys() {
		v := root.Key(k)
		switch k {
		case "Pages", "AcroForm", "Type":
		case "DSS":
			w.mark(v, root, role{kind: roleDSS})
		case "Metadata":
			w.mark(v, root, role{kind: roleMetadata})
		case "StructTreeRoot", "MarkInfo":
			w.mark(v, root, role{kind: roleStructure})
		default:
			w.mark(v, root, role{kind: roleOther, name: "catalog /" + k})
		}
	}
	w.mark(tr.Key("Info"), tr, role{kind: roleInfo})
	// Once a Reader's look-ups are spent every Key fails, the trailer's
	// too: then the walk missed objects.
	if rdr.Trailer().Key("Root").Err() != nil {
		w.d.incomplete = true
	}
	return w.d
}

// add records r for v if v is an indirect object of its own; it reports
// whether v is new for r's kind (direct values always are).
func (w *roleWalker) add(v, parent pdf.Value, r role) bool {
	if w.visits++; w.visits > maxRoleVisits {
		w.d.incomplete = true
		return false
	}
	if v.Err() != nil {
		// An object that cannot be read leads nowhere; if it is one
		// that changed, the comparison reports it. (digitorus/pdf's
		// look-up limit is checked after the walk.)
		return false
	}
	if !indirect(v, parent) {
		return true
	}
	id := v.GetPtr().GetID()
	k := seenKey{id, r.kind}
	if w.seen[k] {
		return false
	}
	w.seen[k] = true
	if len(w.d.roles[id]) < maxRolesPerObject {
		w.d.roles[id] = append(w.d.roles[id], r)
	}
	return true
}

// skipKey reports keys that lead back up the document (a page's /Parent,
// an annotation's /P, a signature reference's /Data, the catalog) and are
// not followed when marking a subtree.
func skipKey(k string) bool {
	switch k {
	case "Parent", "P", "Data", "Root":
		return true
	}
	return false
}

// mark records r for every object reachable from v that has not had a
// role of r's kind. It does not go into pages or the page tree (their walk
// marks them) and, for the generic roles — other catalog entries,
// structure, metadata, DSS — into objects that already have a specific
// role (one of a page, its annotations or the form). An object that has
// only generic roles gets this one too: the catalog's entries are walked
// in key order, and an object that both /DSS (or /MarkInfo) and
// /OCProperties reach would otherwise be only the DSS's, so that a
// change of it, which viewers read as another optional-content
// configuration hiding signed text, would pass as a DSS update, allowed
// even by DocMDP P=1 (attacksuite's optional content shared with /DSS).
//
// An entry that is a leaf (pdf.Value.IndexLeaf: a number, a name, a
// string...) would only count as a visit: it is not resolved, and a run of
// them, in the order the walk would have met them, is one item of the
// stack that counts its visits. The walk, its visits and the Reader's
// look-ups are those of resolving every entry; leaves were most of them (a
// font's /Widths, a structure tree's marked-content numbers), a quarter of
// the CPU of verifying a real-world document.
func (w *roleWalker) mark(v, parent pdf.Value, r role) {
	generic := isGeneric(r.kind)
	type item struct {
		v, parent pdf.Value
		leaves    int // when > 0, a run of leaf entries, not v
	}
	stack := []item{{v: v, parent: parent}}
	leaf := func() {
		if n := len(stack); n > 0 && stack[n-1].leaves > 0 {
			stack[n-1].leaves++
		} else {
			stack = append(stack, item{leaves: 1})
		}
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.leaves > 0 {
			// What add does with a leaf.
			if w.visits += it.leaves; w.visits > maxRoleVisits {
				w.d.incomplete = true
			}
			continue
		}
		if indirect(it.v, it.parent) {
			if have := w.d.roles[it.v.GetPtr().GetID()]; len(have) > 0 {
				stop := false
				for _, h := range have {
					if h.kind == rolePage && h.name == "" || h.kind == rolePagesNode && h.name == "" || h.kind == roleCatalog {
						stop = true
					}
					if generic && !isGeneric(h.kind) {
						stop = true
					}
				}
				if stop {
					continue
				}
			}
		}
		if !w.add(it.v, it.parent, r) {
			continue
		}
		if id := identity(it.v); id != 0 {
			if w.walked[containerKey{id, r.kind}] {
				continue // a reference back to an object being walked
			}
			w.walked[containerKey{id, r.kind}] = true
		}
		switch it.v.Kind() {
		case pdf.Dict, pdf.Stream:
			for _, k := range it.v.Keys() {
				switch {
				case skipKey(k):
				case it.v.KeyLeaf(k):
					leaf()
				default:
					stack = append(stack, item{v: it.v.Key(k), parent: it.v})
				}
			}
		case pdf.Array:
			for i := 0; i < it.v.Len(); i++ {
				if it.v.IndexLeaf(i) {
					leaf()
				} else {
					stack = append(stack, item{v: it.v.Index(i), parent: it.v})
				}
			}
		}
	}
}

// isGeneric reports the roles of whole catalog entries, which mark does
// not give to objects a page or the form uses.
func isGeneric(k roleKind) bool {
	return k == roleOther || k == roleStructure || k == roleMetadata || k == roleInfo || k == roleDSS
}

type pageRef struct {
	v, parent pdf.Value
	n         int
}

// collectPages walks the page tree, recording its nodes and pages (in
// order) before anything on the pages is marked, so that marks from
// annotations and outlines stop at pages.
func (w *roleWalker) collectPages(node, parent pdf.Value, depth int, onPath map[uintptr]bool, out *[]pageRef) {
	if depth > maxPageDepth || len(w.d.pages) >= maxPages || w.visits > maxRoleVisits {
		w.d.incomplete = true
		return
	}
	if node.Kind() != pdf.Dict {
		return
	}
	// A node that contains itself is a loop; a node listed twice is
	// walked twice, as a viewer shows its pages twice (the visit count
	// bounds a tree that lists nodes many times).
	if id := identity(node); id != 0 {
		if onPath[id] {
			return
		}
		onPath[id] = true
		defer delete(onPath, id)
	}
	kids := node.Key("Kids")
	if node.Key("Type").Name() == "Pages" || node.Key("Type").Name() != "Page" && kids.Kind() == pdf.Array {
		w.add(node, parent, role{kind: rolePagesNode})
		for i := 0; i < kids.Len(); i++ {
			w.collectPages(kids.Index(i), kids, depth+1, onPath, out)
		}
		*out = append(*out, pageRef{v: node, parent: parent})
		return
	}
	n := len(w.d.pages) + 1
	if indirect(node, parent) {
		w.d.pages = append(w.d.pages, node.GetPtr().GetID())
	} else {
		w.d.pages = append(w.d.pages, 0)
	}
	w.add(node, parent, role{kind: rolePage, page: n})
	*out = append(*out, pageRef{v: node, parent: parent, n: n})
}

func (w *roleWalker) walkPages(root, parent pdf.Value) {
	var all []pageRef
	w.collectPages(root, parent, 0, map[uintptr]bool{}, &all)
	// A page or node listed twice is marked once.
	var refs []pageRef
	done := map[uintptr]bool{}
	for _, p := range all {
		if id := identity(p.v); id != 0 {
			if done[id] {
				continue
			}
			done[id] = true
		}
		refs = append(refs, p)
	}
	// What draws the pages first, then their annotations, then the rest.
	for _, pass := range []int{0, 1, 2} {
		for _, p := range refs {
			node := p.v
			for _, k := range node.Keys() {
				v := node.Key(k)
				switch {
				case k == "Parent" || k == "Type" || k == "Kids" || k == "Count":
				case p.n == 0: // a page tree node: inherited attributes
					if k == "Resources" && pass == 0 {
						w.mark(v, node, role{kind: roleResources, name: "resources inherited by pages"})
					} else if k != "Resources" && pass == 2 {
						w.mark(v, node, role{kind: rolePagesNode, name: "/" + k})
					}
				case k == "Contents" && pass == 0:
					w.mark(v, node, role{kind: roleContent, page: p.n})
				case k == "Resources" && pass == 0:
					w.mark(v, node, role{kind: roleResources, page: p.n})
				case k == "Annots" && pass == 1:
					w.add(v, node, role{kind: roleAnnots, page: p.n})
					for i := 0; i < v.Len(); i++ {
						w.walkAnnot(v.Index(i), v, p.n)
					}
				case k != "Contents" && k != "Resources" && k != "Annots" && pass == 2:
					w.mark(v, node, role{kind: rolePage, page: p.n, name: "/" + k})
				}
			}
		}
	}
}

// fieldKeys are the keys of a form field (ISO 32000-1, 12.7.3.1), which a
// widget merged with its field also has; the form walk maps them.
var fieldKeys = map[string]bool{"FT": true, "T": true, "TU": true, "TM": true, "Ff": true, "V": true, "DV": true, "Kids": true, "Lock": true, "SV": true, "Opt": true}

func (w *roleWalker) walkAnnot(a, parent pdf.Value, page int) {
	if a.Kind() != pdf.Dict {
		return
	}
	id := uint32(0)
	if indirect(a, parent) {
		id = a.GetPtr().GetID()
	}
	r := role{kind: roleAnnotation, page: page, name: a.Key("Subtype").Name(), owner: id}
	if !w.add(a, parent, r) {
		return
	}
	for _, k := range a.Keys() {
		switch {
		case skipKey(k) || fieldKeys[k]:
		case k == "AP":
			w.mark(a.Key(k), a, role{kind: roleAppearance, page: page, owner: id})
		default:
			w.mark(a.Key(k), a, r)
		}
	}
}

func (w *roleWalker) walkForm(acro, parent pdf.Value) {
	w.add(acro, parent, role{kind: roleForm})
	for _, k := range acro.Keys() {
		v := acro.Key(k)
		switch k {
		case "Fields":
			w.add(v, acro, role{kind: roleForm, name: "/Fields"})
			for i := 0; i < v.Len(); i++ {
				w.walkField(v.Index(i), v, "", "", 0)
			}
		case "DR":
			w.mark(v, acro, role{kind: roleFormRes})
		default:
			w.mark(v, acro, role{kind: roleForm, name: "/" + k})
		}
	}
}

func (w *roleWalker) walkField(f, parent pdf.Value, parentName, parentFT string, depth int) {
	if f.Kind() != pdf.Dict || depth > maxFieldDepth {
		return
	}
	name := parentName
	if t := f.Key("T"); t.Kind() == pdf.String {
		if name != "" {
			name += "."
		}
		name += t.Text()
	}
	ft := parentFT
	if x := f.Key("FT"); x.Kind() == pdf.Name {
		ft = x.Name()
	}
	id := uint32(0)
	if indirect(f, parent) {
		id = f.GetPtr().GetID()
	}
	r := role{kind: roleField, name: name, sig: ft == "Sig", owner: id, field: id}
	if !w.add(f, parent, r) {
		return
	}
	if ident := identity(f); ident != 0 {
		if w.walked[containerKey{ident, roleField}] {
			return
		}
		w.walked[containerKey{ident, roleField}] = true
	}
	for _, k := range f.Keys() {
		v := f.Key(k)
		switch {
		case k == "V" && ft == "Sig":
			w.mark(v, f, role{kind: roleSigDict, name: name, owner: id, field: id, sig: true})
		case k == "V" || k == "DV":
			w.mark(v, f, role{kind: roleFieldValue, name: name, owner: id, field: id})
		case k == "AP":
			w.mark(v, f, role{kind: roleAppearance, name: name, owner: id, field: id, sig: ft == "Sig"})
		case k == "Kids":
			for i := 0; i < v.Len(); i++ {
				kid := v.Index(i)
				if kid.Key("T").Kind() == pdf.String {
					w.walkField(kid, v, name, ft, depth+1)
					continue
				}
				// A widget of this field.
				kidID := uint32(0)
				if indirect(kid, v) {
					kidID = kid.GetPtr().GetID()
				}
				w.add(kid, v, role{kind: roleField, name: name, sig: ft == "Sig", owner: kidID, field: id})
				if ap := kid.Key("AP"); !ap.IsNull() {
					w.mark(ap, kid, role{kind: roleAppearance, name: name, owner: kidID, field: id, sig: ft == "Sig"})
				}
			}
		case skipKey(k):
		default:
			w.mark(v, f, r)
		}
	}
}

// changePolicy is what a signature allows to change after it.
type changePolicy struct {
	mdp   int         // DocMDP permission in force, 0 if none
	locks []fieldLock // the fields the signature locks
}

// differ compares a signed revision (pre) with the final document (fin).
type differ struct {
	pre, fin       *pdf.Reader
	preMap, finMap *docRoles
	mdp            int // DocMDP permission in force, 0 if none
	locks          []fieldLock
	touched        map[string]string // fields changed: name → kind of change
	changes        []Change
	seen           map[string]bool
	unreferenced   int
	done           map[string]bool
	// differs holds the objects whose cross-reference entries differ
	// between the revisions (and those of a redefined object stream);
	// the others are the same object in both.
	differs map[uint32]bool
	// moved holds objects of the final document found, by resolved
	// comparison, to be copies of objects of the signed revision;
	// renumbered the objects of the signed revision so copied.
	moved, renumbered map[uint32]bool
	// dirty holds the objects of the final document changed or added
	// after the signed revision (copies aside); reach remembers which
	// objects lead to one (reachesChange).
	dirty map[uint32]bool
	reach map[uint32]int8
}

// analyseChanges lists what changed from the revision pre to the final
// document fin, and whether each change is allowed under the policy: the
// DocMDP permission (0: no certification signature in force) and the
// field locks of the signature. It also returns the marks drawn over
// what pre's pages show (the overlap rule, overlap.go).
func analyseChanges(pre, fin *pdf.Reader, finMap *docRoles, pol changePolicy) ([]Change, []overlap) {
	d := &differ{pre: pre, fin: fin, finMap: finMap, mdp: pol.mdp, locks: pol.locks, touched: map[string]string{},
		seen: map[string]bool{}, done: map[string]bool{}, differs: map[uint32]bool{}, moved: map[uint32]bool{}, renumbered: map[uint32]bool{},
		dirty: map[uint32]bool{}, reach: map[uint32]int8{}}
	d.preMap = mapRoles(pre)
	if d.preMap.incomplete || finMap.incomplete {
		d.add(ChangeUnknown, false, "the document is too large to analyse completely")
	}
	modified, added, deleted, unreadable := d.candidates()
	if len(modified)+len(added)+len(deleted) > maxChanged {
		d.add(ChangeUnknown, false, fmt.Sprintf("%d objects changed: too many to analyse", len(modified)+len(added)+len(deleted)))
		return d.changes, nil
	}
	for _, id := range unreadable {
		d.add(ChangeObject, false, fmt.Sprintf("object %d cannot be read", id))
	}
	// Structures compared as a whole whatever objects hold them.
	d.diffCatalog()
	d.diffPages()
	for _, id := range modified {
		d.classify(id, statusModified)
	}
	for _, id := range added {
		d.classify(id, statusAdded)
	}
	for _, id := range deleted {
		d.classify(id, statusDeleted)
	}
	if d.unreferenced > 0 {
		d.add(ChangeUnreferenced, true, fmt.Sprintf("%d objects that the document does not use", d.unreferenced))
	}
	d.checkLocks()
	for _, id := range modified {
		d.dirty[id] = true
	}
	for _, id := range append(added, unreadable...) {
		if !d.moved[id] {
			d.dirty[id] = true
		}
	}
	overlaps := d.findOverlaps()
	for _, o := range overlaps {
		d.add(ChangeDrawnOver, false, o.detail)
	}
	sort.SliceStable(d.changes, func(i, j int) bool { return !d.changes[i].Allowed && d.changes[j].Allowed })
	return d.changes, overlaps
}

// permitted says whether a change of kind is allowed under DocMDP
// permission mdp (ISO 32000-1, 12.8.2.2, Table 254; ETSI EN 319 142-1
// allows DSS and document time-stamps after any certification).
func permitted(kind string, mdp int) bool {
	switch kind {
	case ChangeDSS, ChangeTimestampAdded, ChangeUnreferenced:
		return true
	case ChangeSignatureAdded, ChangeFormFilled, ChangeMetadata, ChangeStructure:
		return mdp != 1
	case ChangeAnnotationAdded, ChangeAnnotationChanged, ChangeAnnotationRemoved:
		return mdp == 0 || mdp == 3
	}
	return false
}

func (d *differ) add(kind string, allowed bool, detail string) {
	k := kind + "\x00" + detail
	if d.seen[k] {
		return
	}
	d.seen[k] = true
	d.changes = append(d.changes, Change{Kind: kind, Allowed: allowed, Detail: detail})
}

func (d *differ) addP(kind, detail string) { d.add(kind, permitted(kind, d.mdp), detail) }

// once reports whether the comparison named key has not been done yet.
func (d *differ) once(key string) bool {
	if d.done[key] {
		return false
	}
	d.done[key] = true
	return true
}

type changeStatus int

const (
	statusModified changeStatus = iota
	statusAdded
	statusDeleted
)

// candidates lists the objects whose cross-reference entries differ
// between the revisions and whose contents do too: compared first as
// written (references by number), then, if that differs, by resolved
// value (sameTop), so that an object whose references now lead to moved
// copies of the same objects is not a change.
func (d *differ) candidates() (modified, added, deleted, unreadable []uint32) {
	px, fx := d.pre.Xref(), d.fin.Xref()
	n := max(len(px), len(fx))
	var ids, sameInStream []uint32
	objStmChanged := false
	for i := 1; i < n; i++ {
		id := uint32(i)
		if i < len(px) && i < len(fx) && px[i] == fx[i] {
			if !reflect.ValueOf(fx[i].Stream()).IsZero() {
				sameInStream = append(sameInStream, id)
			}
			continue
		}
		d.differs[id] = true
		ids = append(ids, id)
		// An object stream of the signed revision redefined by a later
		// revision changes the objects the cross-reference data still
		// places in it.
		if pv, ok := d.object(d.pre, id); ok && pv.Kind() == pdf.Stream && pv.Key("Type").Name() == "ObjStm" {
			objStmChanged = true
		}
	}
	if objStmChanged {
		for _, id := range sameInStream {
			d.differs[id] = true
		}
		ids = append(ids, sameInStream...)
	}
	for _, id := range ids {
		pv, pok := d.object(d.pre, id)
		fv, fok := d.object(d.fin, id)
		if fok && fv.Err() != nil {
			unreadable = append(unreadable, id)
			continue
		}
		switch {
		case !pok && !fok:
		case !pok:
			added = append(added, id)
		case !fok:
			deleted = append(deleted, id)
		default:
			if !d.sameObject(pv, fv) && !d.sameTop(pv, fv) {
				modified = append(modified, id)
			}
		}
		if len(modified)+len(added)+len(deleted) > maxChanged {
			return
		}
	}
	return
}

// object returns object id of rdr and whether it exists (a free or missing
// object does not).
func (d *differ) object(rdr *pdf.Reader, id uint32) (pdf.Value, bool) {
	v, err := rdr.GetObject(id)
	if err != nil {
		return pdf.Value{}, false
	}
	if v.Err() != nil {
		return v, true
	}
	return v, v.Kind() != pdf.Null
}

// sameObject compares two versions of an object: their direct contents,
// with references compared by number, and a stream's data (the same bytes
// of the file, or the same decoded data).
func (d *differ) sameObject(a, b pdf.Value) bool {
	sa, ia := serialize(a)
	sb, ib := serialize(b)
	if ia || ib || !bytes.Equal(sa, sb) {
		return false
	}
	if a.Kind() == pdf.Stream && streamOffset(a) != streamOffset(b) {
		ha, ea := d.finMap.digest(a)
		hb, eb := d.finMap.digest(b)
		return ea == nil && eb == nil && ha == hb
	}
	return true
}

// serialize writes v's direct contents unambiguously; indirect objects it
// refers to are written as references. It reports incomplete output.
func serialize(v pdf.Value) ([]byte, bool) {
	s := &serializer{budget: maxSerial}
	s.value(v, v, 0)
	return s.b.Bytes(), s.incomplete
}

type serializer struct {
	b          bytes.Buffer
	budget     int
	incomplete bool
	path       []uintptr // identities of the containers being written
}

func (s *serializer) str(tag byte, v string) {
	s.b.WriteByte(tag)
	s.b.WriteString(strconv.Itoa(len(v)))
	s.b.WriteByte(':')
	s.b.WriteString(v)
}

func (s *serializer) value(v, parent pdf.Value, depth int) {
	if s.budget--; s.budget < 0 || depth > 64 {
		s.incomplete = true
		return
	}
	if depth > 0 && indirect(v, parent) {
		p := v.GetPtr()
		fmt.Fprintf(&s.b, "R%d.%d;", p.GetID(), p.GetGen())
		return
	}
	if v.Err() != nil {
		s.incomplete = true
		return
	}
	if id := identity(v); id != 0 {
		for i, p := range s.path {
			if p == id {
				// A reference to an enclosing object with the same
				// pointer: the object itself.
				fmt.Fprintf(&s.b, "L%d;", i)
				return
			}
		}
		s.path = append(s.path, id)
		defer func() { s.path = s.path[:len(s.path)-1] }()
	}
	switch v.Kind() {
	case pdf.Null:
		s.b.WriteByte('n')
	case pdf.Bool:
		fmt.Fprintf(&s.b, "b%t;", v.Bool())
	case pdf.Integer:
		fmt.Fprintf(&s.b, "i%d;", v.Int64())
	case pdf.Real:
		fmt.Fprintf(&s.b, "f%s;", strconv.FormatFloat(v.Float64(), 'g', -1, 64))
	case pdf.String:
		s.str('s', v.RawString())
	case pdf.Name:
		s.str('/', v.Name())
	case pdf.Array:
		fmt.Fprintf(&s.b, "[%d;", v.Len())
		for i := 0; i < v.Len(); i++ {
			s.value(v.Index(i), v, depth+1)
		}
		s.b.WriteByte(']')
	case pdf.Dict, pdf.Stream:
		keys := v.Keys()
		fmt.Fprintf(&s.b, "<%d;", len(keys))
		for _, k := range keys {
			s.str('/', k)
			s.value(v.Key(k), v, depth+1)
		}
		if v.Kind() == pdf.Stream {
			s.b.WriteString("stream")
		}
		s.b.WriteByte('>')
	default:
		s.incomplete = true
	}
}

// streamOffset returns where a stream's data starts in the file, -1 for
// a value that is not a stream.
func streamOffset(v pdf.Value) int64 { return v.StreamOffset() }

func streamDigest(v pdf.Value) ([32]byte, error) {
	rc := v.Reader()
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return [32]byte{}, err
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out, nil
}

// keyDiff returns the keys whose values differ between two dictionaries,
// a of the signed revision and b of the final document: compared as
// written, then, for those that differ, by resolved value.
func (d *differ) keyDiff(a, b pdf.Value) []string {
	keys := map[string]bool{}
	for _, k := range a.Keys() {
		keys[k] = true
	}
	for _, k := range b.Keys() {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		sa, ia := serializeEntry(a, k)
		sb, ib := serializeEntry(b, k)
		if (ia || ib || !bytes.Equal(sa, sb)) && !d.sameResolved(a.Key(k), a, b.Key(k), b) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func serializeEntry(d pdf.Value, k string) ([]byte, bool) {
	s := &serializer{budget: maxSerial}
	s.value(d.Key(k), d, 1)
	return s.b.Bytes(), s.incomplete
}

// refIDs lists the objects an array refers to (0 for direct elements).
func refIDs(arr pdf.Value) []uint32 {
	var out []uint32
	for i := 0; i < arr.Len() && i < maxFields; i++ {
		e := arr.Index(i)
		if indirect(e, arr) {
			out = append(out, e.GetPtr().GetID())
		} else {
			out = append(out, 0)
		}
	}
	return out
}

// matchMoved pairs the elements of two arrays of references (annotations
// or fields) that only one revision lists, at the same position, when
// they are the same by resolved value: an annotation or field moved to a
// new object. The pairs are recorded in moved and renumbered.
func (d *differ) matchMoved(pa, fa pdf.Value, pids, fids []uint32, ps, fs map[uint32]bool) {
	for i := 0; i < len(pids) && i < len(fids); i++ {
		p, f := pids[i], fids[i]
		if p == 0 || f == 0 || p == f || fs[p] || ps[f] {
			continue
		}
		if d.sameResolved(pa.Index(i), pa, fa.Index(i), fa) {
			d.moved[f], d.renumbered[p] = true, true
		}
	}
}

// idSet returns the set of the non-zero ids.
func idSet(ids []uint32) map[uint32]bool {
	m := make(map[uint32]bool, len(ids))
	for _, id := range ids {
		if id != 0 {
			m[id] = true
		}
	}
	return m
}

// diffCatalog compares the catalogs of the two revisions key by key.
func (d *differ) diffCatalog() {
	pr, fr := d.pre.Trailer().Key("Root"), d.fin.Trailer().Key("Root")
	for _, k := range d.keyDiff(pr, fr) {
		switch k {
		case "DSS":
			d.addP(ChangeDSS, "document security store")
		case "AcroForm":
			d.diffForm()
		case "Pages":
			d.diffPages()
		case "Metadata":
			d.addP(ChangeMetadata, "XMP metadata")
		case "StructTreeRoot", "MarkInfo":
			d.addP(ChangeStructure, "catalog /"+k)
		case "Extensions", "Version":
			// ETSI EN 319 142-1, 5.4.1: writers of a DSS declare the
			// extension level; the version may be raised with it.
			d.add(ChangeDSS, true, "catalog /"+k)
		default:
			d.add(ChangeCatalog, false, "catalog /"+k)
		}
	}
}

// diffPages compares the lists of pages.
func (d *differ) diffPages() {
	if !d.once("pages") {
		return
	}
	pp, fp := d.preMap.pages, d.finMap.pages
	ps, fs := idSet(pp), idSet(fp)
	// A page moved to a new object with the same content, at the same
	// place in the list, is the same page.
	same := map[int]bool{}
	for i := 0; i < len(pp) && i < len(fp); i++ {
		if pp[i] != fp[i] && pp[i] != 0 && fp[i] != 0 && !ps[fp[i]] && !fs[pp[i]] {
			pv, _ := d.object(d.pre, pp[i])
			fv, _ := d.object(d.fin, fp[i])
			if d.sameResolved(pv, pdf.Value{}, fv, pdf.Value{}) {
				same[i] = true
			}
		}
	}
	for i, id := range fp {
		if !same[i] && (id == 0 || !ps[id]) {
			d.add(ChangePageAdded, false, fmt.Sprintf("page %d", i+1))
		}
	}
	for i, id := range pp {
		if !same[i] && (id == 0 || !fs[id]) {
			d.add(ChangePageRemoved, false, fmt.Sprintf("page %d of the signed revision", i+1))
		}
	}
	if len(pp) == len(fp) {
		for i := range pp {
			if pp[i] != fp[i] && ps[fp[i]] && !same[i] {
				d.add(ChangePage, false, "the pages were reordered")
				break
			}
		}
	} else {
		d.add(ChangePage, false, fmt.Sprintf("the document has %d pages, the signed revision %d", len(fp), len(pp)))
	}
}

// roles returns the uses of object id in both revisions.
func (d *differ) roles(id uint32, st changeStatus) []role {
	var out []role
	if st != statusDeleted {
		out = append(out, d.finMap.roles[id]...)
	}
	if st != statusAdded {
		out = append(out, d.preMap.roles[id]...)
	}
	return out
}

func pageName(n int) string {
	if n == 0 {
		return "inherited by pages"
	}
	return fmt.Sprintf("page %d", n)
}

// classify reports the change of object id by what it is used for.
func (d *differ) classify(id uint32, st changeStatus) {
	if st == statusAdded && d.moved[id] {
		// A copy of an object of the signed revision, put where the
		// original was: its users were compared by resolved value.
		return
	}
	rs := d.roles(id, st)
	if len(rs) == 0 {
		d.unreferenced++
		return
	}
	for _, r := range rs {
		switch r.kind {
		case roleCatalog:
			// diffCatalog compared the catalogs.
		case roleInfo:
			d.addP(ChangeMetadata, "document information dictionary")
		case roleMetadata:
			d.addP(ChangeMetadata, "XMP metadata")
		case roleStructure:
			d.addP(ChangeStructure, "structure tree")
		case roleDSS:
			d.addP(ChangeDSS, "document security store")
		case rolePagesNode:
			if st == statusModified {
				d.diffPagesNode(id)
			}
		case rolePage:
			switch {
			case r.name != "":
				d.add(ChangePage, false, fmt.Sprintf("%s: %s (object %d)", pageName(r.page), r.name, id))
			case st == statusModified:
				d.diffPage(id, r.page)
			}
			// Added and deleted pages: diffPages.
		case roleContent:
			d.add(ChangePageContent, false, fmt.Sprintf("%s: content stream (object %d)", pageName(r.page), id))
		case roleResources:
			detail := fmt.Sprintf("%s: resources (object %d)", pageName(r.page), id)
			if r.name != "" {
				detail = fmt.Sprintf("%s (object %d)", r.name, id)
			}
			d.add(ChangeResources, false, detail)
		case roleAnnots:
			if st == statusModified {
				pa, _ := d.object(d.pre, id)
				fa, _ := d.object(d.fin, id)
				d.diffAnnots(pa, fa, r.page)
			}
		case roleAnnotation:
			switch st {
			case statusModified:
				d.annotationModified(id, r)
			case statusDeleted:
				d.addP(ChangeAnnotationRemoved, fmt.Sprintf("%s: %s annotation (object %d)", pageName(r.page), r.name, id))
			}
		case roleAppearance:
			if st != statusAdded {
				d.appearanceChanged(r, id)
			}
		case roleForm:
			if r.name == "/Fields" && st == statusModified {
				pa, _ := d.object(d.pre, id)
				fa, _ := d.object(d.fin, id)
				d.diffFields(pa, fa)
			} else {
				d.diffForm()
			}
		case roleFormRes:
			d.add(ChangeForm, d.mdp != 1, "form default resources (/DR)")
		case roleField:
			switch st {
			case statusModified:
				d.fieldModified(id, r)
			case statusDeleted:
				d.add(ChangeFieldRemoved, false, fmt.Sprintf("field %q", r.name))
			}
		case roleSigDict:
			if st != statusAdded {
				d.add(ChangeSignatureModified, false, fmt.Sprintf("signature of field %q (object %d)", r.name, id))
			}
		case roleFieldValue:
			if st != statusAdded {
				d.formFilled(r.name)
			}
		case roleOther:
			d.add(ChangeObject, false, fmt.Sprintf("%s (object %d)", r.name, id))
		}
	}
}

func (d *differ) diffPagesNode(id uint32) {
	pv, _ := d.object(d.pre, id)
	fv, _ := d.object(d.fin, id)
	for _, k := range d.keyDiff(pv, fv) {
		switch k {
		case "Kids", "Count":
			d.diffPages()
			// Whatever the pages found, the tree was changed: a loop or
			// a wrong /Count shows pages differently in other viewers.
			d.add(ChangePage, false, fmt.Sprintf("page tree node /%s (object %d)", k, id))
		case "Resources":
			d.add(ChangeResources, false, fmt.Sprintf("resources inherited by pages (object %d)", id))
		case "MediaBox", "CropBox", "Rotate":
			d.add(ChangePage, false, fmt.Sprintf("page tree node /%s, inherited by pages (object %d)", k, id))
		default:
			// Other keys of a page tree node mean nothing to a viewer
			// (ISO 32000-1, Table 29), such as iText's /ITXT.
			d.addP(ChangeMetadata, fmt.Sprintf("page tree node /%s (object %d)", k, id))
		}
	}
}

func (d *differ) diffPage(id uint32, n int) {
	pv, _ := d.object(d.pre, id)
	fv, _ := d.object(d.fin, id)
	for _, k := range d.keyDiff(pv, fv) {
		switch k {
		case "Annots":
			d.diffAnnots(pv.Key("Annots"), fv.Key("Annots"), n)
		case "Contents":
			d.add(ChangePageContent, false, fmt.Sprintf("%s: /Contents replaced", pageName(n)))
		case "Resources":
			d.add(ChangeResources, false, fmt.Sprintf("%s: /Resources replaced", pageName(n)))
		case "StructParents", "Tabs":
			d.addP(ChangeStructure, fmt.Sprintf("%s: /%s", pageName(n), k))
		default:
			d.add(ChangePage, false, fmt.Sprintf("%s: /%s", pageName(n), k))
		}
	}
}

// diffAnnots compares a page's annotation arrays.
func (d *differ) diffAnnots(pa, fa pdf.Value, page int) {
	pids, fids := refIDs(pa), refIDs(fa)
	ps, fs := idSet(pids), idSet(fids)
	d.matchMoved(pa, fa, pids, fids, ps, fs)
	for i, id := range fids {
		if id == 0 {
			// A direct annotation: compare with the same position.
			if i >= pa.Len() || !d.sameObject(pa.Index(i), fa.Index(i)) {
				d.addP(ChangeAnnotationAdded, fmt.Sprintf("%s: %s annotation", pageName(page), fa.Index(i).Key("Subtype").Name()))
			}
			continue
		}
		if !ps[id] && !d.moved[id] {
			d.annotationAdded(id, fa.Index(i), page)
		}
	}
	// Viewers draw annotations in the order of /Annots (ISO 32000-1,
	// 12.5.1): the same annotations in another order show another one on
	// top where they overlap. Reversing two annotations at one place was
	// otherwise no change at all, even under DocMDP P=1 (attacksuite's
	// annotOrder).
	var pcommon, fcommon []uint32
	for _, id := range pids {
		if id != 0 && fs[id] {
			pcommon = append(pcommon, id)
		}
	}
	for _, id := range fids {
		if id != 0 && ps[id] {
			fcommon = append(fcommon, id)
		}
	}
	if !slices.Equal(pcommon, fcommon) {
		d.add(ChangePage, false, fmt.Sprintf("%s: annotations reordered", pageName(page)))
	}
	for _, id := range pids {
		if id != 0 && !fs[id] && !d.renumbered[id] {
			a, _ := d.object(d.pre, id)
			if a.Key("Subtype").Name() == "Widget" {
				d.add(ChangeFieldRemoved, false, fmt.Sprintf("%s: widget (object %d) removed", pageName(page), id))
				continue
			}
			d.addP(ChangeAnnotationRemoved, fmt.Sprintf("%s: %s annotation (object %d)", pageName(page), a.Key("Subtype").Name(), id))
		}
	}
}

// fieldOf returns the form field role of object id in the final revision.
func (d *differ) fieldOf(id uint32) (role, bool) {
	for _, r := range d.finMap.roles[id] {
		if r.kind == roleField {
			return r, true
		}
	}
	return role{}, false
}

// signing reports whether field id is a signature field that has a value
// in the final revision but not in the signed one, and whether that value
// is a document time-stamp.
func (d *differ) signing(field uint32) (newly, docTS bool) {
	fv, ok := d.object(d.fin, field)
	if !ok {
		return false, false
	}
	v := fv.Key("V")
	if v.Kind() != pdf.Dict {
		return false, false
	}
	docTS = v.Key("Type").Name() == "DocTimeStamp" || v.Key("SubFilter").Name() == "ETSI.RFC3161"
	if d.signedBefore(v, fv) {
		return false, docTS
	}
	pv, ok := d.object(d.pre, field)
	if !ok {
		return true, docTS
	}
	return pv.Key("V").Kind() != pdf.Dict, docTS
}

// signedBefore reports whether v, the value of a signature field of the
// final document (parent), is a signature dictionary the signed revision
// already had: a field that takes it is not signed now but claims a
// signature made in another field. An update that gave a new field the
// signed dictionary as its value was otherwise a signature added, and the
// report named the signature by the attacker's field (attacksuite's
// sharedSignature).
func (d *differ) signedBefore(v, parent pdf.Value) bool {
	if !indirect(v, parent) {
		return false
	}
	pv, ok := d.object(d.pre, v.GetPtr().GetID())
	// A signature dictionary (it has a /ByteRange), not any dictionary:
	// a writer that reuses a freed object's number for a new signature
	// signs anew.
	return ok && pv.Kind() == pdf.Dict && pv.Key("ByteRange").Kind() == pdf.Array
}

func (d *differ) signatureAdded(name string, docTS bool) {
	if docTS {
		d.addP(ChangeTimestampAdded, fmt.Sprintf("field %q", name))
		return
	}
	d.touch(name, ChangeSignatureAdded)
	d.addP(ChangeSignatureAdded, fmt.Sprintf("field %q", name))
}

// formFilled reports a change to the value or appearance of field name.
func (d *differ) formFilled(name string) {
	d.touch(name, ChangeFormFilled)
	d.addP(ChangeFormFilled, fmt.Sprintf("field %q", name))
}

// annotationAdded classifies a new annotation of a page.
func (d *differ) annotationAdded(id uint32, a pdf.Value, page int) {
	if f, ok := d.fieldOf(id); ok {
		switch newly, docTS := d.signing(f.field); {
		case f.sig && newly:
			d.signatureAdded(f.name, docTS)
		case f.sig && a.Key("V").IsNull() && !d.fieldHasValue(f.field):
			d.add(ChangeFieldAdded, d.mdp != 1, fmt.Sprintf("empty signature field %q", f.name))
		default:
			d.add(ChangeFieldAdded, false, fmt.Sprintf("%s: widget of field %q", pageName(page), f.name))
		}
		return
	}
	d.addP(ChangeAnnotationAdded, fmt.Sprintf("%s: %s annotation (object %d)", pageName(page), a.Key("Subtype").Name(), id))
}

func (d *differ) fieldHasValue(field uint32) bool {
	fv, ok := d.object(d.fin, field)
	return ok && !fv.Key("V").IsNull()
}

// annotationModified classifies a change to an existing annotation.
func (d *differ) annotationModified(id uint32, r role) {
	if f, ok := d.fieldOf(id); ok {
		d.widgetChanged(f, id)
		return
	}
	d.addP(ChangeAnnotationChanged, fmt.Sprintf("%s: %s annotation (object %d)", pageName(r.page), r.name, id))
}

// widgetChanged classifies a change to the widget (or appearance) of
// field f.
func (d *differ) widgetChanged(f role, id uint32) {
	newly, docTS := d.signing(f.field)
	switch {
	case f.sig && newly:
		d.signatureAdded(f.name, docTS)
	case f.sig:
		d.add(ChangeSignatureModified, false, fmt.Sprintf("appearance or widget of signature field %q (object %d)", f.name, id))
	default:
		d.formFilled(f.name)
	}
}

// appearanceChanged classifies a change to an appearance stream.
func (d *differ) appearanceChanged(r role, id uint32) {
	if r.field != 0 || r.name != "" {
		d.widgetChanged(role{kind: roleField, name: r.name, sig: r.sig, field: r.field}, id)
		return
	}
	if f, ok := d.fieldOf(r.owner); ok {
		d.widgetChanged(f, id)
		return
	}
	d.addP(ChangeAnnotationChanged, fmt.Sprintf("%s: appearance of an annotation (object %d)", pageName(r.page), id))
}

// fieldModified classifies a change to a form field's dictionary.
func (d *differ) fieldModified(id uint32, r role) {
	if r.field != id {
		// A widget of a field (not merged with it).
		d.widgetChanged(r, id)
		return
	}
	pv, _ := d.object(d.pre, id)
	fv, _ := d.object(d.fin, id)
	keys := d.keyDiff(pv, fv)
	if r.sig {
		newly, docTS := d.signing(id)
		switch {
		case newly:
			d.signatureAdded(r.name, docTS)
		case contains2(keys, "V"):
			d.add(ChangeSignatureModified, false, fmt.Sprintf("field %q has another signature", r.name))
		default:
			d.add(ChangeFieldModified, false, fmt.Sprintf("signature field %q: %s", r.name, strings.Join(keys, ", ")))
		}
		return
	}
	filled := true
	for _, k := range keys {
		switch k {
		case "V", "AS", "AP", "MK":
		default:
			filled = false
		}
	}
	if filled {
		d.formFilled(r.name)
		return
	}
	d.add(ChangeFieldModified, false, fmt.Sprintf("field %q: %s", r.name, strings.Join(keys, ", ")))
}

func contains2(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// diffForm compares the interactive forms of the two revisions.
func (d *differ) diffForm() {
	if !d.once("form") {
		return
	}
	pa := d.pre.Trailer().Key("Root").Key("AcroForm")
	fa := d.fin.Trailer().Key("Root").Key("AcroForm")
	for _, k := range d.keyDiff(pa, fa) {
		switch k {
		case "Fields":
			d.diffFields(pa.Key("Fields"), fa.Key("Fields"))
		case "SigFlags", "DR", "DA":
			d.add(ChangeForm, d.mdp != 1, "form /"+k)
		default:
			d.add(ChangeForm, false, "form /"+k)
		}
	}
}

// diffFields compares the form's top-level fields.
func (d *differ) diffFields(pf, ff pdf.Value) {
	pids, fids := refIDs(pf), refIDs(ff)
	ps, fs := idSet(pids), idSet(fids)
	d.matchMoved(pf, ff, pids, fids, ps, fs)
	for i, id := range fids {
		if id != 0 && (ps[id] || d.moved[id]) {
			continue
		}
		f := ff.Index(i)
		name := f.Key("T").Text()
		if f.Key("FT").Name() != "Sig" {
			d.add(ChangeFieldAdded, false, fmt.Sprintf("field %q", name))
			continue
		}
		if v := f.Key("V"); v.Kind() == pdf.Dict && d.signedBefore(v, f) {
			d.add(ChangeFieldAdded, false, fmt.Sprintf("field %q takes a signature made before it existed", name))
			continue
		} else if v.Kind() == pdf.Dict {
			d.signatureAdded(name, v.Key("Type").Name() == "DocTimeStamp" || v.Key("SubFilter").Name() == "ETSI.RFC3161")
			continue
		}
		d.add(ChangeFieldAdded, d.mdp != 1, fmt.Sprintf("empty signature field %q", name))
	}
	for i, id := range pids {
		if id != 0 && !fs[id] && !d.renumbered[id] {
			d.add(ChangeFieldRemoved, false, fmt.Sprintf("field %q", pf.Index(i).Key("T").Text()))
		}
	}
}

// judgeChanges compares the revision entry e signs (pre) with the final
// document. A change its DocMDP permission or its field locks do not allow
// makes the entry TOTAL_FAILED/CHANGED_AFTER_SIGNING. A mark drawn over
// what it signed (the overlap rule, overlap.go) makes it
// INDETERMINATE/CHANGED_AFTER_SIGNING, unless it is the widget of a later
// signature, judged once that signature's own verdict is known
// (judgeLaterMarks).
func (p *pdfRun) judgeChanges(e *entry, pre *pdf.Reader) {
	if p.roles == nil {
		p.roles = mapRoles(p.rdr)
	}
	pol := changePolicy{mdp: p.mdpFor(e)}
	if e.sig.typ == TypeSignature {
		var lockP int
		pol.locks, lockP = readLocks(pre, e.sig)
		// A PDF 2.0 /Lock /P restricts the changes after this signature
		// as a certification's DocMDP would; the stricter level wins.
		if lockP > 0 && (pol.mdp == 0 || lockP < pol.mdp) {
			pol.mdp = lockP
		}
	}
	var overlaps []overlap
	e.out.ChangesAfter, overlaps = analyseChanges(pre, p.rdr, p.roles, pol)
	var bad []string
	for _, c := range e.out.ChangesAfter {
		if !c.Allowed && c.Kind != ChangeDrawnOver {
			bad = append(bad, c.Kind+" ("+c.Detail+")")
		}
	}
	if len(bad) > 0 {
		if len(bad) > 3 {
			bad = append(bad[:3], fmt.Sprintf("and %d more", len(bad)-3))
		}
		e.fail(TotalFailed, ChangedAfterSigning, "the document was changed after signing in ways not allowed: %s", strings.Join(bad, "; "))
	}
	var drawn []string
	for _, o := range overlaps {
		if o.sigField != "" {
			e.laterMarks = append(e.laterMarks, o)
			continue
		}
		drawn = append(drawn, o.detail)
	}
	if len(drawn) > 0 {
		if len(drawn) > 3 {
			drawn = append(drawn[:3], fmt.Sprintf("and %d more", len(drawn)-3))
		}
		e.fail(Indeterminate, ChangedAfterSigning, "after this signature, something was drawn over what it signed, so the page as shown is not the page that was signed (the document's permissions allow the change itself): %s", strings.Join(drawn, "; "))
	}
}
