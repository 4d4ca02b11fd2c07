package verifier

import (
	"fmt"
	"sort"
	"strings"

	"github.com/digitorus/pdf"
)

// maxLockFields bounds the field names one lock lists.
const maxLockFields = 1000

// fieldLock is a set of form fields a signature locks: once the signature
// is made, they may no longer change (ISO 32000-1, 12.8.2.4, the FieldMDP
// transform method, and 12.7.4.5, Table 233, the signature field's /Lock
// dictionary; ISO 32000-2, 12.8.2.4, Table 256).
type fieldLock struct {
	source string // where the lock is written: "/FieldMDP" or "/Lock"
	action string // All, Include or Exclude
	fields []string
}

// locks reports whether the field named name (fully qualified) is
// locked. A listed name locks the field and every field below it, as
// pyHanko reads them (a partial name is a non-terminal field). An action
// that is missing or unknown locks every field: the strictest reading.
func (l fieldLock) locks(name string) bool {
	listed := false
	for _, f := range l.fields {
		if name == f || strings.HasPrefix(name, f+".") {
			listed = true
			break
		}
	}
	switch l.action {
	case "Include":
		return listed
	case "Exclude":
		return !listed
	}
	return true
}

func (l fieldLock) String() string {
	if l.action == "Include" || l.action == "Exclude" {
		return fmt.Sprintf("%s /%s %q", l.source, l.action, l.fields)
	}
	return fmt.Sprintf("%s /%s", l.source, l.action)
}

// readLock reads a FieldMDP /TransformParams or a /Lock dictionary.
func readLock(source string, d pdf.Value) fieldLock {
	l := fieldLock{source: source, action: d.Key("Action").Name()}
	if l.action == "" {
		l.action = "All"
	}
	fields := d.Key("Fields")
	for i := 0; i < fields.Len() && i < maxLockFields; i++ {
		if f := fields.Index(i); f.Kind() == pdf.String {
			l.fields = append(l.fields, f.Text())
		}
	}
	return l
}

// readLocks returns the field locks of signature s as its signed revision
// pre has them: the FieldMDP references of its signature dictionary and
// the /Lock dictionary of its field, which ISO 32000-1 says the signature
// should repeat but which Acrobat, pyHanko and EU DSS each read on their
// own (DSS checks both); kyso enforces both. lockP is the permission of a
// PDF 2.0 /Lock /P entry (the DocMDP levels, ISO 32000-2, Table 236), 0
// if none.
func readLocks(pre *pdf.Reader, s *pdfSig) (locks []fieldLock, lockP int) {
	var field, sig pdf.Value
	if id := s.fieldPtr.GetID(); id != 0 {
		field, _ = pre.GetObject(id)
	}
	if s.vIndirect {
		sig, _ = pre.GetObject(s.v.GetPtr().GetID())
	} else {
		sig = field.Key("V")
	}
	refs := sig.Key("Reference")
	for i := 0; i < refs.Len() && i < 16; i++ {
		r := refs.Index(i)
		if r.Key("TransformMethod").Name() == "FieldMDP" {
			locks = append(locks, readLock("/FieldMDP", r.Key("TransformParams")))
		}
	}
	if lock := field.Key("Lock"); lock.Kind() == pdf.Dict {
		locks = append(locks, readLock("/Lock", lock))
		if p := lock.Key("P"); p.Kind() == pdf.Integer && p.Int64() >= 1 && p.Int64() <= 3 {
			lockP = int(p.Int64())
		}
	}
	return locks, lockP
}

// touch records that field name was changed (kind: signature_added or
// form_filled), for the field locks.
func (d *differ) touch(name, kind string) {
	if _, ok := d.touched[name]; !ok {
		d.touched[name] = kind
	}
}

// checkLocks reports every change to a field the signature locks.
// Document time-stamps and DSS updates change no field and are never
// locked out (as pyHanko rules: they are needed to keep any signature
// verifiable); a new signature in a locked field is a change of that
// field, as pyHanko and EU DSS count it.
func (d *differ) checkLocks() {
	if len(d.locks) == 0 {
		return
	}
	names := make([]string, 0, len(d.touched))
	for n := range d.touched {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, l := range d.locks {
			if l.locks(n) {
				d.add(ChangeLockedField, false, fmt.Sprintf("field %q (%s) is locked by the signature's %s", n, d.touched[n], l))
				break
			}
		}
	}
}
