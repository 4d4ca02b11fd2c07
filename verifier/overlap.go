package verifier

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/digitorus/pdf"
)

// Bounds of the overlap rule.
const (
	// maxOverlapAnnots bounds the annotations compared on one page; a
	// page with more, on which something changed, is one overlap.
	maxOverlapAnnots = 2000
	// maxOverlaps bounds the overlaps reported for one signature.
	maxOverlaps = 50
	// overlapTolerance is how far, in points, a mark must reach into
	// signed content to count: boxes that touch do not overlap.
	overlapTolerance = 1.0
)

// The overlap rule. ISO 32000 lets an approval signature be followed by
// annotations and form filling, and a certification with DocMDP P=2 by
// form filling: changes that leave every signed byte in place but draw
// over the page. The PDF-Insecurity shadow attacks (Mainka, Mladenov,
// Rohlmann, NDSS 2021) use exactly these: "hide" reveals text a field
// or annotation covered when signed, "replace" paints new text over the
// signed text, "hide-and-replace" both. EU DSS looks for them with two
// checks of its default validation policy, each a warning by default
// and FAILED/FORMAT_FAILURE when set to fail: PdfAnnotationOverlap (an
// annotation overlaps another annotation of the page) and
// PdfVisualDifference (the pages of the signed revision and of the final
// document, rendered without the annotations added since, differ).
//
// kyso applies one geometric rule in their place, without rendering:
// after a signature, every annotation that was added, whose appearance
// changed (its dictionary, appearance streams, flags or rectangle, its
// field's value or inherited attributes, or all fields when
// /NeedAppearances makes viewers redraw them with changed resources), or
// that was removed, is a mark; a visible mark whose rectangle reaches more
// than a point into what the signed revision drew on that page — the
// boxes of its text and images (contentReader), or the rectangle of an
// annotation it had — changes the page as shown. The signature is then
// INDETERMINATE/CHANGED_AFTER_SIGNING (the document's permissions allow
// the change, so it is not proven forged, but the page shown is not the
// page signed), with a drawn_over_signed_content change naming the mark.
//
// One kind of mark is accepted: the widget of a signature made after this
// one (not of a document time-stamp), when that signature is itself
// TOTAL_PASSED. Its appearance is part
// of what its signer signed and vouches for, and Vietnamese practice
// requires it to overlap: an agency's seal is placed over a third of the
// leader's signature (Decree 30/2020/ND-CP, Appendix I), and e-office
// systems fill a decision's number and date into the blanks of the signed
// template with signatures of their own (as in the Hanoi decision of the
// real-world corpus). The earlier signature stays TOTAL_PASSED with a
// warning; if the later signature is not TOTAL_PASSED, the earlier one
// is INDETERMINATE. The exception holds only within one organisation:
// the later signer's certificate must name an organisation (O) of the
// earlier signer's, or be the earlier signer's own subject. Otherwise any
// holder of a trusted certificate — any citizen — could paint new text
// over an official's signed decision with a valid signature of their own
// (the "sneaky signature" attack) and leave the official's card green.
//
// Honest marks — a signature's widget, a field filled or a comment added
// in an empty area — overlap nothing and pass. Not read, and so not
// counted as signed content: vector paths (form fields sit in boxes drawn
// with them) and shadings.

// overlap is a mark drawn over content a signature signed.
type overlap struct {
	detail string
	// sigField is the field of a later signature whose own widget the
	// mark is, "" for any other mark.
	sigField string
}

// annotState is an annotation of a page in one revision.
type annotState struct {
	v, arr pdf.Value // the annotation and the array it was read from
	id     uint32    // its object number, 0 if direct
	match  int       // index of the same annotation in the other revision, -1
	// What is drawn, read when needed (drawn).
	read    bool
	box     box
	visible bool
	// rotated: its page has a /Rotate other than 0 (noRotateBox).
	rotated bool
}

// drawn returns the rectangle the annotation is drawn in, if it is.
func (a *annotState) drawn() (box, bool) {
	if !a.read {
		a.box, a.visible = annotBox(a.v)
		if a.visible && a.rotated && a.v.Key("F").Kind() == pdf.Integer && a.v.Key("F").Int64()&16 != 0 {
			a.box = noRotateBox(a.box)
		}
		a.read = true
	}
	return a.box, a.visible
}

// pageAnnots lists the annotations of a page, and whether there were more
// than are compared.
func pageAnnots(page pdf.Value) ([]annotState, bool) {
	arr := page.Key("Annots")
	rotated := inherited(page, "Rotate").Int64()%360 != 0
	var out []annotState
	for i := 0; i < arr.Len(); i++ {
		if i >= maxOverlapAnnots {
			return out, true
		}
		a := arr.Index(i)
		s := annotState{v: a, arr: arr, match: -1, rotated: rotated}
		if indirect(a, arr) {
			s.id = a.GetPtr().GetID()
		}
		out = append(out, s)
	}
	return out, false
}

// annotBox returns the rectangle of an annotation a viewer draws: not
// Hidden or NoView (ISO 32000-1, 12.5.3), not a pop-up window, with an
// area, and with something to draw (draws).
//
// /F and /Rect are read as leniently as viewers read them: a flag is an
// integer, anything else is no flag (poppler shows an annotation whose /F
// is the real 2.0, which Int64 took for Hidden), and an element of /Rect
// that is not a number is 0 (poppler draws [60 null 540 790] over
// 60 0 540 790, which a strict reading drew nowhere): an annotation
// added over signed text with either was unseen (attacksuite's
// annotFlagsAndRect).
func annotBox(a pdf.Value) (box, bool) {
	if f := a.Key("F"); a.Kind() != pdf.Dict || f.Kind() == pdf.Integer && f.Int64()&(2|32) != 0 {
		return box{}, false
	}
	b, ok := annotRect(a.Key("Rect"))
	if !ok || b.x1-b.x0 <= 0 || b.y1-b.y0 <= 0 || !draws(a) {
		return box{}, false
	}
	return b, true
}

// noRotateBox returns where viewers may draw an annotation of rectangle
// b that has the NoRotate flag on a rotated page: upright on the screen,
// so turned against the page about the upper-left corner of b (ISO
// 32000-1, 12.5.3; poppler turns it by 360 minus the page's /Rotate). The
// box covers the four turns: b itself and b turned by 90, 180 and 270
// degrees about that corner. Its /Rect alone let an annotation below
// signed text on a page with /Rotate 90 be drawn over it unseen
// (attacksuite's noRotate).
func noRotateBox(b box) box {
	x, y := b.x0, b.y1
	w, h := b.x1-b.x0, b.y1-b.y0
	return b.union(box{x, y, x + h, y + w}).union(box{x - w, y, x, y + h}).union(box{x - h, y - w, x, y})
}

// annotRect reads an annotation's /Rect as poppler does: four elements,
// each a number or else 0.
func annotRect(v pdf.Value) (box, bool) {
	if v.Kind() != pdf.Array || v.Len() != 4 {
		return box{}, false
	}
	var n [4]float64
	for i := range n {
		if e := v.Index(i); e.Kind() == pdf.Integer || e.Kind() == pdf.Real {
			n[i] = e.Float64()
		}
		if math.IsNaN(n[i]) || math.IsInf(n[i], 0) {
			return box{}, false
		}
	}
	return box{math.Min(n[0], n[2]), math.Min(n[1], n[3]), math.Max(n[0], n[2]), math.Max(n[1], n[3])}, true
}

// linkBorder reports whether viewers draw a border for a link without an
// appearance stream: its width (/BS /W, else the third element of
// /Border, 1 by default: ISO 32000-1, 12.5.2 and 12.5.4) is not 0, and
// its colour /C is not the empty array (transparent). Poppler draws it; a
// wide white border added over signed text hid it while a link was
// taken to draw nothing (attacksuite's generatedAppearance).
func linkBorder(a pdf.Value) bool {
	if c := a.Key("C"); c.Kind() == pdf.Array && c.Len() == 0 {
		return false
	}
	if w := a.Key("BS").Key("W"); w.Kind() == pdf.Integer || w.Kind() == pdf.Real {
		return w.Float64() > 0
	}
	if b := a.Key("Border"); b.Kind() == pdf.Array && b.Len() >= 3 {
		w := b.Index(2)
		return (w.Kind() == pdf.Integer || w.Kind() == pdf.Real) && w.Float64() > 0
	}
	return true
}

// normalAppearance returns the appearance stream viewers draw for
// annotation a (draws), or a null value when they find none and generate
// one.
func normalAppearance(a pdf.Value) pdf.Value {
	n := a.Key("AP").Key("N")
	if n.Kind() == pdf.Dict {
		state := a.Key("AS")
		if keys := n.Keys(); state.Kind() != pdf.Name && len(keys) == 1 {
			n = n.Key(keys[0])
		} else {
			n = n.Key(state.Name())
		}
	}
	return n
}

// maxEmptyAppearance bounds the data read to see whether an appearance
// stream is empty.
const maxEmptyAppearance = 4096

// draws reports whether a viewer draws something for annotation a: its
// normal appearance (for the appearance state /AS, if it has states) when
// it has one, unless it is empty or has no area; without one, what viewers
// generate for markup annotations and fields, a signature field's only
// from its /MK background or border, a link's only its border
// (linkBorder), a pop-up's nothing. When in doubt, it draws.
//
// The appearance is looked up as viewers look it up (poppler's Annot):
// a normal appearance with states is read at /AS, or, without /AS, at
// its only state if it has one; when that finds no appearance — no /N,
// or an /AS naming a state /N does not have — viewers generate one, as
// if there were no /AP. Looking up /AS alone found nothing in both cases,
// and an annotation added over signed text with one state and no /AS,
// or with an /AS naming no state (a FreeText then written from its
// /Contents), painted over it unseen (attacksuite's
// annotAppearanceState).
func draws(a pdf.Value) bool {
	n := normalAppearance(a)
	if n.Kind() == pdf.Null {
		switch a.Key("Subtype").Name() {
		case "Popup":
			return false
		case "Link":
			return linkBorder(a)
		case "Widget":
			if _, ft := fieldOfWidget(a); ft == "Sig" {
				// Viewers generate a signature widget's background
				// and border from /MK (poppler does).
				mk := a.Key("MK")
				return mk.Key("BG").Len() > 0 || mk.Key("BC").Len() > 0
			}
		}
		return true
	}
	if n.Kind() != pdf.Stream {
		return true
	}
	if bb, ok := rectBox(n.Key("BBox")); ok && (bb.x1-bb.x0 <= 0 || bb.y1-bb.y0 <= 0) {
		return false
	}
	rc := n.Reader()
	defer rc.Close()
	buf := make([]byte, maxEmptyAppearance)
	k, err := io.ReadFull(rc, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return true
	}
	return k == len(buf) || len(bytes.TrimLeft(buf[:k], "\x00\t\n\f\r ")) > 0
}

// inheritedFieldKeys are the field attributes a widget inherits that
// change what it shows (ISO 32000-1, 12.7.3 and 12.7.4).
var inheritedFieldKeys = []string{"FT", "Ff", "V", "DV", "DA", "Q", "DS", "RV", "Opt", "MaxLen", "TI", "I"}

// sameDrawn reports whether annotation p of the signed revision and f of
// the final document are drawn the same: the same dictionary (resolved,
// appearance streams included) but for its page and parent, and the same
// inherited field attributes.
func (d *differ) sameDrawn(p, f annotState) bool {
	c := d.newCmp(true)
	if p.id != 0 && f.id != 0 {
		if p.id == f.id && !d.differs[p.id] && !d.reachesChange(f.v, f.arr) {
			return d.sameInherited(p.v, f.v)
		}
		c.pairs[[2]uint32{p.id, f.id}] = true
	}
	return c.dict(p.v, f.v, nil, 0) && d.sameInherited(p.v, f.v)
}

// sameInherited compares the field attributes two widgets inherit.
func (d *differ) sameInherited(p, f pdf.Value) bool {
	c := d.newCmp(true)
	pp, fp := p.Key("Parent"), f.Key("Parent")
	for i := 0; i < maxFieldDepth && (pp.Kind() == pdf.Dict || fp.Kind() == pdf.Dict); i++ {
		for _, k := range inheritedFieldKeys {
			if !c.value(pp.Key(k), pp, fp.Key(k), fp, 1) {
				return false
			}
		}
		pp, fp = pp.Key("Parent"), fp.Key("Parent")
	}
	return true
}

// regenerated reports whether viewers draw the form's fields anew, from
// their values, with something changed since the signed revision: the
// final form has /NeedAppearances true (ISO 32000-1, 12.7.2) and the
// signed one did not, or its default resources or appearance changed.
func (d *differ) regenerated() bool {
	fa := d.fin.Trailer().Key("Root").Key("AcroForm")
	if !fa.Key("NeedAppearances").Bool() {
		return false
	}
	pa := d.pre.Trailer().Key("Root").Key("AcroForm")
	return !pa.Key("NeedAppearances").Bool() ||
		!d.sameResolved(pa.Key("DR"), pa, fa.Key("DR"), fa) ||
		!d.sameResolved(pa.Key("DA"), pa, fa.Key("DA"), fa)
}

// findOverlaps applies the overlap rule to every page both revisions
// have (pages added or removed are changes not allowed of their own).
func (d *differ) findOverlaps() []overlap {
	pp, fp := d.preMap.pages, d.finMap.pages
	regen := d.regenerated()
	pf := d.pre.Trailer().Key("Root").Key("AcroForm")
	ff := d.fin.Trailer().Key("Root").Key("AcroForm")
	formDefaults := !d.sameResolved(pf.Key("DR"), pf, ff.Key("DR"), ff) || !d.sameResolved(pf.Key("DA"), pf, ff.Key("DA"), ff)
	var out []overlap
	for i := 0; i < len(pp) && i < len(fp) && len(out) < maxOverlaps; i++ {
		if pp[i] == 0 || fp[i] == 0 {
			continue
		}
		pre, _ := d.object(d.pre, pp[i])
		fin, _ := d.object(d.fin, fp[i])
		// A page whose annotations, and all they lead to, are as signed
		// has no mark, unless viewers draw its fields from the form's
		// default appearance and resources, and they changed (redrawn).
		if pp[i] == fp[i] && !d.differs[fp[i]] && !regen && !formDefaults && !d.reachesChange(fin.Key("Annots"), fin) {
			continue
		}
		out = append(out, d.pageOverlaps(i+1, pre, fin, regen)...)
	}
	return out
}

// mark is an annotation added, changed or removed after the signature.
type mark struct {
	what    string
	regions []box
	self    int // the annotation of the signed revision it replaces, -1
	fin     *annotState
}

// pageOverlaps applies the overlap rule to page n, pre in the signed
// revision and fin in the final document.
func (d *differ) pageOverlaps(n int, pre, fin pdf.Value, regen bool) []overlap {
	pa, pmore := pageAnnots(pre)
	fa, fmore := pageAnnots(fin)
	// The same annotation: the same object, or one moved to a new object
	// at the same place in the list and drawn the same.
	byID := map[uint32]int{}
	for i, a := range pa {
		if a.id != 0 {
			byID[a.id] = i
		}
	}
	for i := range fa {
		if j, ok := byID[fa[i].id]; ok && fa[i].id != 0 && pa[j].match < 0 {
			fa[i].match, pa[j].match = j, i
		}
	}
	for i := range fa {
		if fa[i].match < 0 && i < len(pa) && pa[i].match < 0 && (fa[i].id == 0) == (pa[i].id == 0) && d.sameDrawn(pa[i], fa[i]) {
			fa[i].match, pa[i].match = i, i
		}
	}

	var marks []mark
	var refills []overlap
	for i := range fa {
		f := &fa[i]
		if f.match >= 0 {
			if r := d.redrawn(pa[f.match], *f); r != "" {
				refills = append(refills, overlap{detail: fmt.Sprintf("page %d: %s: %s", n, describeAnnot(f.v, f.id), r)})
				continue
			}
		}
		switch {
		case f.match < 0:
			if b, ok := f.drawn(); ok {
				marks = append(marks, mark{what: describeAnnot(f.v, f.id) + " added", regions: []box{b}, self: -1, fin: f})
			}
		case regen && f.v.Key("Subtype").Name() == "Widget" || !d.sameDrawn(pa[f.match], *f):
			if r := refilled(pa[f.match].v, f.v); r != "" {
				// What the signer saw in the field is gone, wherever
				// the field stands: not a mark, a replacement.
				refills = append(refills, overlap{detail: fmt.Sprintf("page %d: %s: %s", n, describeAnnot(f.v, f.id), r)})
				continue
			}
			m := mark{what: describeAnnot(f.v, f.id) + " changed", self: f.match, fin: f}
			if b, ok := pa[f.match].drawn(); ok {
				m.regions = append(m.regions, b)
			}
			if b, ok := f.drawn(); ok {
				m.regions = append(m.regions, b)
			}
			marks = append(marks, m)
		}
	}
	for i := range pa {
		if pa[i].match >= 0 {
			continue
		}
		if b, ok := pa[i].drawn(); ok {
			marks = append(marks, mark{what: describeAnnot(pa[i].v, pa[i].id) + " removed", regions: []box{b}, self: i})
		}
	}
	if len(marks) == 0 {
		return refills
	}
	if pmore || fmore {
		return []overlap{{detail: fmt.Sprintf("page %d: more than %d annotations, not compared one by one", n, maxOverlapAnnots)}}
	}

	page, ok := rectBox(inherited(fin, "CropBox"))
	if mb, mok := rectBox(inherited(fin, "MediaBox")); !ok && mok {
		page, ok = mb, true
	}
	var content *drawn
	out := refills
	for _, m := range marks {
		over := ""
		for _, r := range m.regions {
			if ok {
				r = r.intersect(page)
			}
			for j := range pa {
				if b, ok := pa[j].drawn(); ok && j != m.self && r.overlaps(b, overlapTolerance) {
					over = describeAnnot(pa[j].v, pa[j].id)
					break
				}
			}
			if over == "" {
				if content == nil {
					content = d.signedDrawn(pre, fin)
					if content.whole {
						content = &drawn{whole: true}
						if b, ok := rectBox(inherited(pre, "MediaBox")); ok {
							content.boxes = []box{b}
						}
					}
				}
				for _, b := range content.boxes {
					if r.overlaps(b, overlapTolerance) {
						over = "text or images"
						if content.whole {
							over = "content that could not be read"
						}
						break
					}
				}
			}
			if over != "" {
				o := overlap{detail: fmt.Sprintf("page %d: %s at %s is drawn over %s of the signed page", n, m.what, r, over)}
				if m.fin != nil {
					o.sigField = d.laterSignature(m.fin.v)
				}
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// signedDrawn returns what page pre of the signed revision draws. When
// its content streams and resources are those of page fin of the final
// document, what it draws is read once for every signature (docRoles.drawn).
func (d *differ) signedDrawn(pre, fin pdf.Value) *drawn {
	id := fin.GetPtr().GetID()
	if id == 0 || pre.GetPtr().GetID() != id {
		return pageDrawn(pre, &d.finMap.contentOps)
	}
	c := d.newCmp(true)
	if !c.value(pre.Key("Contents"), pre, fin.Key("Contents"), fin, 0) || !c.value(inherited(pre, "Resources"), pdf.Value{}, inherited(fin, "Resources"), pdf.Value{}, 0) {
		return pageDrawn(pre, &d.finMap.contentOps)
	}
	if r, ok := d.finMap.drawn[id]; ok {
		return r
	}
	r := pageDrawn(fin, &d.finMap.contentOps)
	if d.finMap.drawn == nil {
		d.finMap.drawn = map[uint32]*drawn{}
	}
	d.finMap.drawn[id] = r
	return r
}

// describeAnnot names an annotation in a report.
func describeAnnot(a pdf.Value, id uint32) string {
	obj := ""
	if id != 0 {
		obj = fmt.Sprintf(" (object %d)", id)
	}
	sub := a.Key("Subtype").Name()
	if sub != "Widget" {
		if sub == "" {
			sub = "an"
		}
		return sub + " annotation" + obj
	}
	name, ft := fieldOfWidget(a)
	if ft == "Sig" {
		return fmt.Sprintf("widget of signature field %q%s", name, obj)
	}
	return fmt.Sprintf("widget of field %q%s", name, obj)
}

// fieldOfWidget returns the fully qualified name and type of the field a
// widget belongs to.
func fieldOfWidget(a pdf.Value) (name, ft string) {
	var parts []string
	f := a
	for i := 0; i < maxFieldDepth && f.Kind() == pdf.Dict; i++ {
		if t := f.Key("T"); t.Kind() == pdf.String {
			parts = append([]string{t.Text()}, parts...)
		}
		if ft == "" {
			ft = f.Key("FT").Name()
		}
		f = f.Key("Parent")
	}
	return strings.Join(parts, "."), ft
}

// laterSignature returns the name of the signature field whose widget a
// is, when that field was signed after the signed revision, and not by a
// document time-stamp; "" otherwise.
func (d *differ) laterSignature(a pdf.Value) string {
	name, ft := fieldOfWidget(a)
	if ft != "Sig" || a.Key("Subtype").Name() != "Widget" {
		return ""
	}
	field := a
	if a.Key("T").Kind() != pdf.String {
		field = a.Key("Parent")
		if !indirect(field, a) {
			return ""
		}
	} else if a.GetPtr().GetID() == 0 {
		return ""
	}
	// A document time-stamp is no signer's: its widget vouches for
	// nothing drawn, and a TSA whose certificate names the earlier
	// signer's organisation (kyso's own, over a kyso-sealed document)
	// would otherwise have its widget accepted over signed text.
	if newly, docTS := d.signing(field.GetPtr().GetID()); !newly || docTS {
		return ""
	}
	return name
}

// passesButRevocation reports whether the only checks of e that failed so
// far are the revocation policy's (INDETERMINATE/TRY_LATER).
func (e *entry) passesButRevocation() bool {
	for _, v := range e.verdicts {
		if v.ind != TotalPassed && (v.ind != Indeterminate || v.sub != TryLater) {
			return false
		}
	}
	return true
}

// passes reports whether no check of e failed so far.
func (e *entry) passes() bool {
	for _, v := range e.verdicts {
		if v.ind != TotalPassed {
			return false
		}
	}
	return true
}

// judgeLaterMarks judges the widgets of later signatures drawn over what
// an entry signs: allowed, with a warning, when that signature is
// TOTAL_PASSED; INDETERMINATE/CHANGED_AFTER_SIGNING when it is not. The
// entries are judged from the last to the first, so a later signature's
// verdict is final when an earlier one depends on it.
func (p *pdfRun) judgeLaterMarks() {
	for i := len(p.entries) - 1; i >= 0; i-- {
		e := p.entries[i]
		e.safely(func() {
			for _, m := range e.laterMarks {
				var by *entry
				for _, f := range p.entries[i+1:] {
					if f.out.Field == m.sigField {
						by = f
					}
				}
				valid := by != nil && by.passes()
				// pending: the later signature is valid but for its
				// signer's revocation status, which is unknown; the
				// mark is then accepted no more than that signature.
				pending := by != nil && !valid && by.passesButRevocation()
				if (valid || pending) && !sameOrganisation(e, by) {
					for j := range e.out.ChangesAfter {
						if c := &e.out.ChangesAfter[j]; c.Kind == ChangeDrawnOver && c.Detail == m.detail {
							c.Allowed = false
						}
					}
					e.fail(Indeterminate, ChangedAfterSigning, "after this signature, signature %q by %s, who is not of the signer's organisation, was drawn over what it signed: %s", m.sigField, signerLabel(by), m.detail)
					continue
				}
				for j := range e.out.ChangesAfter {
					if c := &e.out.ChangesAfter[j]; c.Kind == ChangeDrawnOver && c.Detail == m.detail {
						c.Allowed = valid || pending
					}
				}
				switch {
				case valid:
					e.warn("%s: accepted as the appearance of signature %q, made after this one and valid", m.detail, m.sigField)
				case pending:
					e.fail(Indeterminate, TryLater, "after this signature, the appearance of signature %q was drawn over what it signed (%s): it is accepted only once that signature is valid, and the revocation status of its signer's certificate is unknown", m.sigField, m.detail)
				default:
					e.fail(Indeterminate, ChangedAfterSigning, "after this signature, the appearance of signature %q, which is not valid, was drawn over what it signed: %s", m.sigField, m.detail)
				}
			}
			sort.SliceStable(e.out.ChangesAfter, func(a, b int) bool {
				return !e.out.ChangesAfter[a].Allowed && e.out.ChangesAfter[b].Allowed
			})
		})
	}
}

// sameOrganisation reports whether the signers of a and b are one
// organisation for judgeLaterMarks: the same subject, or certificates that
// share an organisation name (O), compared without case and surrounding
// space. A signer without a certificate is nobody's colleague.
func sameOrganisation(a, b *entry) bool {
	if a.sc == nil || b.sc == nil || a.sc.cert == nil || b.sc.cert == nil {
		return false
	}
	ca, cb := a.sc.cert, b.sc.cert
	if bytes.Equal(ca.RawSubject, cb.RawSubject) {
		return true
	}
	for _, oa := range ca.Subject.Organization {
		for _, ob := range cb.Subject.Organization {
			if oa = strings.TrimSpace(oa); oa != "" && strings.EqualFold(oa, strings.TrimSpace(ob)) {
				return true
			}
		}
	}
	return false
}

// signerLabel names an entry's signer for a message.
func signerLabel(e *entry) string {
	if e.sc == nil || e.sc.cert == nil {
		return "an unknown signer"
	}
	return fmt.Sprintf("%q", certName(e.sc.cert))
}

// refilled reports how the value of the form field of widget pre (in the
// signed revision) was replaced in widget fin, or "" when it was not: a
// field that held a value when the signature was made and holds another
// now. Filling an empty field is what DocMDP P=2 allows; replacing a value
// the signer saw (an amount of 100 made 9999999) changes what was signed
// however the field is placed — the PDF-Insecurity "replace" shadow attack
// through a form. Signature fields are judged as signatures, not here.
func refilled(pre, fin pdf.Value) string {
	if pre.Key("Subtype").Name() != "Widget" {
		return ""
	}
	if _, ft := fieldOfWidget(pre); ft == "Sig" {
		return ""
	}
	was, now := fieldValueOf(pre), fieldValueOf(fin)
	if isEmptyValue(was) || was.String() == now.String() {
		return ""
	}
	return fmt.Sprintf("its value %s when signed was replaced by %s", clip(was.String()), clip(now.String()))
}

// redrawn reports how viewers draw the value that widget p of the signed
// revision showed, f in the final document, otherwise than when it was
// signed, though the value is the same (a replaced value is refilled's).
// Form filling may change a field's appearance, but what the signer saw
// in a filled field is part of what was signed: an appearance that now
// shows 9999999 for the value 100 (attacksuite's appearanceNotValue), or
// the same appearance redrawn by viewers — who generate the appearance of
// a field that has none, or of every field when the form has
// /NeedAppearances (ISO 32000-1, 12.7.3.3) — from the form's default
// appearance (/DA) and its font in the default resources (/DR), which
// form filling may change (a form font re-encoded to show 100.000.000 as
// 00.000.000: attacksuite's regeneratedField). Its drawing is the field's
// own rectangle, where the overlap rule finds nothing else signed.
//
// A field without a value when signed (an empty text field, a push
// button) that nonetheless showed text or images is held to what it
// showed: filling it is otherwise allowed, and an attacker's form showed
// its answer that way and was filled with the opposite
// (attacksuite's shownWithoutValue).
func (d *differ) redrawn(p, f annotState) string {
	if f.v.Key("Subtype").Name() != "Widget" {
		return ""
	}
	if _, ft := fieldOfWidget(f.v); ft == "Sig" {
		return ""
	}
	if isEmptyValue(fieldValueOf(p.v)) {
		if d.sameDrawn(p, f) || !d.appearanceShows(p.v) {
			return "" // a blank field filled
		}
		return "it showed text or images when signed, without a value, and is drawn otherwise now"
	}
	if fieldValueOf(p.v).String() != fieldValueOf(f.v).String() {
		return "" // a value replaced (refilled)
	}
	if !d.sameDrawn(p, f) {
		return fmt.Sprintf("its value %s is drawn otherwise than when signed (its appearance or attributes changed)", clip(fieldValueOf(p.v).String()))
	}
	pf := d.pre.Trailer().Key("Root").Key("AcroForm")
	ff := d.fin.Trailer().Key("Root").Key("AcroForm")
	if !ff.Key("NeedAppearances").Bool() && normalAppearance(f.v).Kind() != pdf.Null {
		return "" // viewers draw its appearance stream, unchanged
	}
	pda, fda := defaultAppearance(p.v, pf), defaultAppearance(f.v, ff)
	pfont, ffont := pf.Key("DR").Key("Font").Key(daFont(pda)), ff.Key("DR").Key("Font").Key(daFont(fda))
	if pda != fda || !d.sameResolved(pfont, pdf.Value{}, ffont, pdf.Value{}) {
		return fmt.Sprintf("its value %s, which viewers draw with the form's default appearance and font, is drawn with ones changed since the signature", clip(fieldValueOf(p.v).String()))
	}
	return ""
}

// appearanceShows reports whether the appearance viewers draw for
// annotation a shows text or images (contentReader), or cannot be read.
func (d *differ) appearanceShows(a pdf.Value) bool {
	n := normalAppearance(a)
	if n.Kind() != pdf.Stream {
		return false
	}
	c := &contentReader{
		left:  &d.finMap.contentOps,
		out:   &drawn{},
		g:     graphicsState{ctm: identityMat, ts: textState{th: 1, font: defaultFont}},
		tm:    identityMat,
		tlm:   identityMat,
		res:   n.Key("Resources"),
		fonts: map[uintptr]*fontMetrics{},
		forms: map[uintptr]bool{},
	}
	shows := true
	func() {
		defer func() {
			if recover() != nil {
				c.out.whole = true
			}
		}()
		c.run(n)
		shows = c.out.whole || len(c.out.boxes) > 0
	}()
	return shows
}

// defaultAppearance returns the /DA a widget's field is drawn with: its
// own or inherited, else the form's.
func defaultAppearance(a, form pdf.Value) string {
	f := a
	for i := 0; i < maxFieldDepth && f.Kind() == pdf.Dict; i++ {
		if da := f.Key("DA"); da.Kind() == pdf.String {
			return da.RawString()
		}
		f = f.Key("Parent")
	}
	return form.Key("DA").RawString()
}

// daFont returns the font resource name a default appearance string
// selects: the name operand of its last Tf.
func daFont(da string) string {
	fields := strings.Fields(da)
	name := ""
	for i := 2; i < len(fields); i++ {
		if fields[i] == "Tf" && strings.HasPrefix(fields[i-2], "/") {
			name = fields[i-2][1:]
		}
	}
	return name
}

// fieldValueOf returns the value (/V, an inheritable field attribute) of
// the field a widget belongs to.
func fieldValueOf(a pdf.Value) pdf.Value {
	f := a
	for i := 0; i < maxFieldDepth && f.Kind() == pdf.Dict; i++ {
		if v := f.Key("V"); v.Kind() != pdf.Null {
			return v
		}
		f = f.Key("Parent")
	}
	return pdf.Value{}
}

// isEmptyValue reports whether a field value shows nothing: absent, an
// empty string or array, or the Off state of a button.
func isEmptyValue(v pdf.Value) bool {
	switch v.Kind() {
	case pdf.Null:
		return true
	case pdf.String:
		return v.RawString() == ""
	case pdf.Name:
		return v.Name() == "" || v.Name() == "Off"
	case pdf.Array:
		return v.Len() == 0
	}
	return false
}

// clip shortens a value for a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
