package pades

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/digitorus/pdf"
)

// maxFieldDepth bounds the walk of the field tree against reference loops.
const maxFieldDepth = 32

// field is a node of the interactive form's field tree (ISO 32000-1,
// 12.7.3.1).
type field struct {
	v      pdf.Value
	name   string // fully qualified name
	ft     string // field type, inherited
	signed bool   // has a value
	widget pdf.Value
	// indirect and widgetIndirect tell whether the field and its widget
	// are objects of their own, which an update can replace.
	indirect, widgetIndirect bool
}

// form is what a revision needs to know of the document's interactive form.
type form struct {
	root     pdf.Value
	acroForm pdf.Value
	fields   []field
	docMDP   int // P of the certification signature, 0 if not certified
	sigs     int // signed signature fields
}

// readForm reads the catalog's interactive form and certification.
func readForm(rdr *pdf.Reader) (*form, error) {
	root := rdr.Trailer().Key("Root")
	if root.Kind() != pdf.Dict {
		return nil, ErrInvalid.Errorf("PDF has no catalog")
	}
	f := &form{root: root, acroForm: root.Key("AcroForm")}
	seen := map[uint32]bool{}
	var walk func(kids pdf.Value, prefix, ft string, depth int) error
	walk = func(kids pdf.Value, prefix, ft string, depth int) error {
		if depth > maxFieldDepth {
			return ErrInvalid.Errorf("field tree deeper than %d", maxFieldDepth)
		}
		for i := 0; i < kids.Len(); i++ {
			k := kids.Index(i)
			if k.Kind() != pdf.Dict {
				continue
			}
			indirect := isIndirect(k, kids.GetPtr())
			if indirect {
				if seen[k.GetPtr().GetID()] {
					continue
				}
				seen[k.GetPtr().GetID()] = true
			}
			t := k.Key("T")
			if t.IsNull() {
				continue // a widget of the parent field
			}
			fd := field{v: k, name: t.Text(), ft: ft, indirect: indirect}
			if prefix != "" {
				fd.name = prefix + "." + fd.name
			}
			if n := k.Key("FT").Name(); n != "" {
				fd.ft = n
			}
			fd.signed = !k.Key("V").IsNull()
			switch {
			case k.Key("Subtype").Name() == "Widget":
				fd.widget, fd.widgetIndirect = k, indirect
			default:
				sub := k.Key("Kids")
				for j := 0; j < sub.Len(); j++ {
					if w := sub.Index(j); w.Key("T").IsNull() && w.Kind() == pdf.Dict {
						fd.widget, fd.widgetIndirect = w, isIndirect(w, sub.GetPtr())
						break
					}
				}
			}
			f.fields = append(f.fields, fd)
			if fd.ft == "Sig" && fd.signed {
				f.sigs++
			}
			if err := walk(k.Key("Kids"), fd.name, fd.ft, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(f.acroForm.Key("Fields"), "", "", 0); err != nil {
		return nil, err
	}
	if mdp := root.Key("Perms").Key("DocMDP"); !mdp.IsNull() {
		f.docMDP = 2 // ISO 32000-1, table 254: P defaults to 2
		refs := mdp.Key("Reference")
		for i := 0; i < refs.Len(); i++ {
			r := refs.Index(i)
			if r.Key("TransformMethod").Name() == "DocMDP" {
				if p := r.Key("TransformParams").Key("P"); p.Kind() == pdf.Integer {
					f.docMDP = int(p.Int64())
				}
			}
		}
	}
	return f, nil
}

// lookup returns the field with the fully qualified name.
func (f *form) lookup(name string) (field, bool) {
	for _, fd := range f.fields {
		if fd.name == name {
			return fd, true
		}
	}
	return field{}, false
}

// uniqueName returns prefix followed by the lowest number ≥ 1 that names no
// field.
// A hostile form may hold many fields named prefix1, prefix2, …: the names
// are put in a set once, so this is linear in the number of fields.
func (f *form) uniqueName(prefix string) string {
	names := make(map[string]struct{}, len(f.fields))
	for _, fd := range f.fields {
		names[fd.name] = struct{}{}
	}
	for i := 1; ; i++ {
		n := fmt.Sprintf("%s%d", prefix, i)
		if _, ok := names[n]; !ok {
			return n
		}
	}
}

// widgetSpec is where and how a new or existing widget is drawn.
type widgetSpec struct {
	name       string // field name; "" generates one from prefix
	prefix     string
	page       int
	rect       [4]float64
	appearance AppearanceFunc
	// fallback draws the default appearance of a visible widget.
	fallback func(width, height float64) []byte
}

// attachField makes the signature dictionary sig the value of a signature
// field: the named empty one if it exists, else a new field with a widget
// on the page. It writes the field, its appearance, the page's /Annots and
// the AcroForm to rev and returns the field's name and the catalog entries
// to change (nil if the catalog keeps its form).
func attachField(rdr *pdf.Reader, rev *revision, f *form, sig ref, ws widgetSpec) (string, *dict, error) {
	if ws.name != "" {
		if fd, ok := f.lookup(ws.name); ok {
			return ws.name, nil, signExisting(rev, f, fd, sig, ws)
		}
		if strings.Contains(ws.name, ".") {
			return "", nil, ErrInvalid.Errorf("no field %q to sign (a new field's name cannot contain '.')", ws.name)
		}
	} else {
		ws.name = f.uniqueName(ws.prefix)
	}

	n := ws.page
	if n == 0 {
		n = 1
	}
	if n < 1 || n > rdr.NumPage() {
		return "", nil, ErrInvalid.Errorf("page %d out of range 1-%d", n, rdr.NumPage())
	}
	page := rdr.Page(n).V
	if page.IsNull() {
		return "", nil, ErrInvalid.Errorf("page %d not found", n)
	}
	visible := ws.rect != [4]float64{}
	ap, err := appearance(rev, ws, ws.rect[2]-ws.rect[0], ws.rect[3]-ws.rect[1], visible)
	if err != nil {
		return "", nil, err
	}
	w := newDict()
	w.set("Type", "/Annot")
	w.set("Subtype", "/Widget")
	w.set("FT", "/Sig")
	w.set("T", pdfText(ws.name))
	w.set("V", sig.String())
	w.set("F", "132") // Print, Locked (ISO 32000-1, 12.5.3)
	w.set("Rect", rectString(ws.rect))
	w.set("P", ptrRef(page.GetPtr()).String())
	w.set("AP", "<< /N "+ap.String()+" >>")
	widget := rev.add(w.bytes())

	if err := addAnnot(rev, page, widget); err != nil {
		return "", nil, fmt.Errorf("add widget to page %d: %w", n, err)
	}
	cat, err := updateAcroForm(rev, f, widget)
	if err != nil {
		return "", nil, err
	}
	return ws.name, cat, nil
}

// signExisting makes sig the value of the existing empty signature field
// fd, drawing its widget if the widget has an area.
func signExisting(rev *revision, f *form, fd field, sig ref, ws widgetSpec) error {
	switch {
	case fd.ft != "Sig":
		return ErrInvalid.Errorf("field %q is not a signature field", fd.name)
	case fd.signed:
		return ErrInvalid.Errorf("field %q is already signed", fd.name)
	case !fd.indirect || (!fd.widget.IsNull() && !fd.widgetIndirect):
		return ErrUnsupported.Errorf("field %q or its widget is not an indirect object", fd.name)
	}
	fieldRef := ptrRef(fd.v.GetPtr())
	fdict, err := copyDict(fd.v, fd.v.GetPtr())
	if err != nil {
		return fmt.Errorf("copy field %q: %w", fd.name, err)
	}
	fdict.set("V", sig.String())

	var ap ref
	if !fd.widget.IsNull() {
		r := fd.widget.Key("Rect")
		rect := [4]float64{r.Index(0).Float64(), r.Index(1).Float64(), r.Index(2).Float64(), r.Index(3).Float64()}
		w, h := abs(rect[2]-rect[0]), abs(rect[3]-rect[1])
		if ap, err = appearance(rev, ws, w, h, w >= 1 && h >= 1); err != nil {
			return err
		}
	}
	widgetRef := ptrRef(fd.widget.GetPtr())
	switch {
	case fd.widget.IsNull():
		// A field without a widget has nothing to draw.
	case widgetRef == fieldRef:
		fdict.set("AP", "<< /N "+ap.String()+" >>")
	default:
		wdict, err := copyDict(fd.widget, fd.widget.GetPtr())
		if err != nil {
			return fmt.Errorf("copy widget of field %q: %w", fd.name, err)
		}
		wdict.set("AP", "<< /N "+ap.String()+" >>")
		rev.update(widgetRef, wdict.bytes())
	}
	rev.update(fieldRef, fdict.bytes())

	if f.acroForm.Key("SigFlags").Int64()&3 != 3 {
		if _, err := updateAcroForm(rev, f, ref{}); err != nil {
			return err
		}
	}
	return nil
}

// appearance writes the widget's normal appearance: the AppearanceFunc's,
// the default one, or an empty form for an invisible signature.
func appearance(rev *revision, ws widgetSpec, width, height float64, visible bool) (ref, error) {
	if !visible {
		return rev.add(streamObject(" /Type /XObject /Subtype /Form /BBox [0 0 0 0]", nil)), nil
	}
	if ws.appearance == nil {
		return rev.add(ws.fallback(width, height)), nil
	}
	xobj, err := ws.appearance(rev, width, height)
	if err != nil {
		return ref{}, fmt.Errorf("appearance: %w", err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(xobj), []byte("<<")) {
		return ref{}, ErrInvalid.Errorf("appearance is not a Form XObject")
	}
	return rev.add(xobj), nil
}

// addAnnot appends annot to the page's /Annots, updating the array if it
// is an object of its own, else the page.
func addAnnot(rev *revision, page pdf.Value, annot ref) error {
	annots := page.Key("Annots")
	container := page.GetPtr()
	if isIndirect(annots, container) {
		container = annots.GetPtr()
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; i < annots.Len(); i++ {
		if err := writeValue(&b, annots.Index(i), container); err != nil {
			return err
		}
		b.WriteByte(' ')
	}
	b.WriteString(annot.String())
	b.WriteByte(']')
	if container != page.GetPtr() {
		rev.update(ptrRef(container), b.Bytes())
		return nil
	}
	d, err := copyDict(page, page.GetPtr())
	if err != nil {
		return err
	}
	d.set("Annots", b.String())
	rev.update(ptrRef(page.GetPtr()), d.bytes())
	return nil
}

// updateAcroForm writes the interactive form with newField (if not zero)
// appended to /Fields and /SigFlags 3 (SignaturesExist, AppendOnly; ISO
// 32000-1, table 219). Other entries (/DR, /DA, ...) are kept. If the form
// is an object of its own it is updated in place; otherwise the returned
// catalog entries carry it.
func updateAcroForm(rev *revision, f *form, newField ref) (*dict, error) {
	acro := f.acroForm
	rootPtr := f.root.GetPtr()
	indirect := isIndirect(acro, rootPtr)
	container := rootPtr
	if indirect {
		container = acro.GetPtr()
	}
	d := newDict()
	if acro.Kind() == pdf.Dict {
		var err error
		if d, err = copyDict(acro, container); err != nil {
			return nil, fmt.Errorf("copy AcroForm: %w", err)
		}
	}
	fields := acro.Key("Fields")
	fieldsContainer := container
	if isIndirect(fields, container) {
		fieldsContainer = fields.GetPtr()
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; i < fields.Len(); i++ {
		if err := writeValue(&b, fields.Index(i), fieldsContainer); err != nil {
			return nil, fmt.Errorf("copy AcroForm fields: %w", err)
		}
		b.WriteByte(' ')
	}
	if !newField.isZero() {
		b.WriteString(newField.String())
	}
	b.WriteByte(']')
	d.set("Fields", b.String())
	d.set("SigFlags", fmt.Sprint(acro.Key("SigFlags").Int64()|3))
	if indirect {
		rev.update(ptrRef(acro.GetPtr()), d.bytes())
		return nil, nil
	}
	cat := newDict()
	cat.set("AcroForm", rev.add(d.bytes()).String())
	return cat, nil
}

// updateCatalog writes the catalog with the entries of changes replaced.
func updateCatalog(rev *revision, root pdf.Value, changes *dict) error {
	d, err := copyDict(root, root.GetPtr())
	if err != nil {
		return fmt.Errorf("copy catalog: %w", err)
	}
	for _, k := range changes.keys {
		d.set(k, changes.vals[k])
	}
	rev.update(ptrRef(root.GetPtr()), d.bytes())
	return nil
}

func rectString(r [4]float64) string {
	return fmt.Sprintf("[%s %s %s %s]", pdfReal(r[0]), pdfReal(r[1]), pdfReal(r[2]), pdfReal(r[3]))
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
