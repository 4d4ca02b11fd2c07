package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestObjectKind(t *testing.T) {
	tests := []struct {
		name string
		val  Value
		want Kind
	}{
		{"Null", Value{obj: Object{Kind: Null}}, Null},
		{"Bool", Value{obj: Object{Kind: Bool, BoolVal: true}}, Bool},
		{"Integer", Value{obj: Object{Kind: Integer, Int64Val: 42}}, Integer},
		{"Real", Value{obj: Object{Kind: Real, Float64Val: 3.14}}, Real},
		{"String", Value{obj: Object{Kind: String, StringVal: "hello"}}, String},
		{"Name", Value{obj: Object{Kind: Name, NameVal: "Type"}}, Name},
		{"Dict", Value{obj: Object{Kind: Dict, DictVal: make(map[string]Object)}}, Dict},
		{"Array", Value{obj: Object{Kind: Array, ArrayVal: []Object{}}}, Array},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.val.Kind(); got != tt.want {
				t.Errorf("Value.Kind() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValueAccessors(t *testing.T) {
	t.Run("Bool", func(t *testing.T) {
		v := Value{obj: Object{Kind: Bool, BoolVal: true}}
		if !v.Bool() {
			t.Error("Value.Bool() failed")
		}
		vErr := Value{obj: Object{Kind: Integer}}
		if vErr.Bool() {
			t.Error("Value.Bool() should return false on non-bool")
		}
	})

	t.Run("Int64", func(t *testing.T) {
		v := Value{obj: Object{Kind: Integer, Int64Val: 123}}
		if v.Int64() != 123 {
			t.Errorf("Value.Int64() = %d, want 123", v.Int64())
		}
		// Test Real to Int64 conversion
		vReal := Value{obj: Object{Kind: Real, Float64Val: 456.7}}
		if vReal.Int64() != 456 {
			t.Errorf("Value.Int64() from Real = %d, want 456", vReal.Int64())
		}
	})

	t.Run("Float64", func(t *testing.T) {
		v := Value{obj: Object{Kind: Real, Float64Val: 1.23}}
		if v.Float64() != 1.23 {
			t.Errorf("Value.Float64() = %f, want 1.23", v.Float64())
		}
		vInt := Value{obj: Object{Kind: Integer, Int64Val: 789}}
		if vInt.Float64() != 789.0 {
			t.Errorf("Value.Float64() from Integer = %f, want 789.0", vInt.Float64())
		}
	})

	t.Run("Name", func(t *testing.T) {
		v := Value{obj: Object{Kind: Name, NameVal: "Test"}}
		if v.Name() != "Test" {
			t.Errorf("Value.Name() = %q, want \"Test\"", v.Name())
		}
	})

	t.Run("String", func(t *testing.T) {
		v := Value{obj: Object{Kind: String, StringVal: "Data"}}
		if v.RawString() != "Data" {
			t.Errorf("Value.RawString() = %q, want \"Data\"", v.RawString())
		}
	})
}

func TestDictionary(t *testing.T) {
	d := make(map[string]Object)
	d["K1"] = Object{Kind: Integer, Int64Val: 1}
	d["K2"] = Object{Kind: Name, NameVal: "V2"}

	v := Value{obj: Object{Kind: Dict, DictVal: d}}

	if len(v.Keys()) != 2 {
		t.Errorf("Value.Keys() length = %d, want 2", len(v.Keys()))
	}

	if v.Key("K1").Int64() != 1 {
		t.Error("v.Key(K1) mismatch")
	}

	if v.Key("K2").Name() != "V2" {
		t.Error("v.Key(K2) mismatch")
	}

	if v.Key("NonExistent").Kind() != Null {
		t.Error("v.Key(NonExistent) should be Null")
	}
}

func TestArray(t *testing.T) {
	arr := []Object{
		{Kind: Integer, Int64Val: 10},
		{Kind: Integer, Int64Val: 20},
	}
	v := Value{obj: Object{Kind: Array, ArrayVal: arr}}

	if v.Len() != 2 {
		t.Errorf("Value.Len() = %d, want 2", v.Len())
	}

	if v.Index(0).Int64() != 10 {
		t.Error("v.Index(0) mismatch")
	}

	if v.Index(1).Int64() != 20 {
		t.Error("v.Index(1) mismatch")
	}

	if v.Index(2).Kind() != Null {
		t.Error("v.Index(2) should be Null")
	}
}

func TestValuePtrAccessors(t *testing.T) {
	ptr := objptr{id: 5, gen: 2}
	v := Value{ptr: ptr}

	if v.GetPtr().GetID() != 5 {
		t.Errorf("v.GetPtr().GetID() = %d, want 5", v.GetPtr().GetID())
	}
	if v.GetPtr().GetGen() != 2 {
		t.Errorf("v.GetPtr().GetGen() = %d, want 2", v.GetPtr().GetGen())
	}

	p := v.GetPtr()
	if p.id != 5 || p.gen != 2 {
		t.Errorf("GetPtr() = %v, want {5, 2}", p)
	}
}

func TestValueText(t *testing.T) {
	// PDFDocEncoding: \x18 is \u02d8
	v := Value{obj: Object{Kind: String, StringVal: "\x18"}}
	if v.Text() != "\u02d8" {
		t.Errorf("Text() = %q, want %q", v.Text(), "\u02d8")
	}

	// UTF-16BE: \xfe\xff\x00A is A
	vUTF16 := Value{obj: Object{Kind: String, StringVal: "\xfe\xff\x00A"}}
	if vUTF16.Text() != "A" {
		t.Errorf("Text() = %q, want %q", vUTF16.Text(), "A")
	}
}

func TestValueString(t *testing.T) {
	tests := []struct {
		val  Value
		want string
	}{
		{Value{obj: Object{Kind: Null}}, "null"},
		{Value{obj: Object{Kind: Bool, BoolVal: true}}, "true"},
		{Value{obj: Object{Kind: Integer, Int64Val: 42}}, "42"},
		{Value{obj: Object{Kind: Real, Float64Val: 3.14}}, "3.14"},
		{Value{obj: Object{Kind: Name, NameVal: "Type"}}, "/Type"},
		{Value{obj: Object{Kind: String, StringVal: "hello"}}, "(hello)"},
		{Value{obj: Object{Kind: Indirect, PtrVal: objptr{id: 1, gen: 0}}}, "1 0 R"},
		{Value{obj: Object{Kind: Dict, DictVal: map[string]Object{"A": {Kind: Integer, Int64Val: 1}}}}, "<</A 1>>"},
		{Value{obj: Object{Kind: Array, ArrayVal: []Object{{Kind: Integer, Int64Val: 1}}}}, "[1]"},
		{Value{obj: Object{Kind: Stream, StreamOffset: 123}}, "<<>>@123"},
	}

	for _, tt := range tests {
		if got := tt.val.String(); got != tt.want {
			t.Errorf("Value.String() = %q, want %q", got, tt.want)
		}
	}
}

func TestValueData(t *testing.T) {
	data := []byte("stream-data")
	r := &Reader{f: bytes.NewReader(data)}
	v := Value{
		r: r,
		obj: Object{
			Kind: Stream,
			DictVal: map[string]Object{
				"Length": {Kind: Integer, Int64Val: int64(len(data))},
			},
			StreamOffset: 0,
		},
	}

	got := v.Data()
	if string(got) != "stream-data" {
		t.Errorf("Data() = %q, want %q", string(got), "stream-data")
	}
}

func TestValueHeader(t *testing.T) {
	v := Value{
		obj: Object{
			Kind:    Stream,
			DictVal: map[string]Object{"Type": {Kind: Name, NameVal: "XRef"}},
		},
	}
	hdr := v.Header()
	if hdr.Kind() != Dict {
		t.Errorf("Header().Kind() = %v, want Dict", hdr.Kind())
	}
	if hdr.Key("Type").Name() != "XRef" {
		t.Errorf("Header().Key(Type) = %q, want XRef", hdr.Key("Type").Name())
	}
}

func TestValueReader_Error(t *testing.T) {
	errTest := fmt.Errorf("test error")
	v := Value{err: errTest}
	rd := v.Reader()
	buf := make([]byte, 10)
	n, err := rd.Read(buf)
	if n != 0 || err != errTest {
		t.Errorf("expected 0 bytes and test error, got %d bytes and %v", n, err)
	}
	if err := rd.Close(); err != errTest {
		t.Errorf("expected test error on Close, got %v", err)
	}
}

func TestValueErr(t *testing.T) {
	err := fmt.Errorf("some error")
	v := Value{err: err}
	if v.Err() != err {
		t.Errorf("v.Err() = %v, want %v", v.Err(), err)
	}
}

// TestIdentity (kyso patch 42): Values of one parsed dictionary, stream
// or non-empty array share an Identity wherever they were reached from;
// different objects, and values of other kinds, do not.
func TestIdentity(t *testing.T) {
	in := newDoc().
		obj(1, "<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] /Extra 5 0 R /Also 5 0 R /Empty [] /N 7 >>").
		obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>").
		obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 4 0 R >>").
		stream(4, "", []byte("0 0 m")).
		obj(5, "[1 2 3]").
		table(6, "")
	r, err := NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	cat := r.Trailer().Key("Root")
	page := cat.Key("Pages").Key("Kids").Index(0)
	viaAction := cat.Key("OpenAction").Index(0)
	if page.Identity() == 0 || page.Identity() != viaAction.Identity() {
		t.Errorf("the page reached two ways: identities %#x and %#x, want the same, not 0", page.Identity(), viaAction.Identity())
	}
	if got := page.Key("Parent").Identity(); got != cat.Key("Pages").Identity() || got == page.Identity() {
		t.Errorf("/Parent's identity %#x, want the page tree's %#x and not the page's", got, cat.Key("Pages").Identity())
	}
	contents := page.Key("Contents")
	if contents.Kind() != Stream || contents.Identity() == 0 || contents.Identity() == page.Identity() {
		t.Errorf("the content stream's identity %#x: want its own, not 0", contents.Identity())
	}
	if a, b := cat.Key("Extra"), cat.Key("Also"); a.Identity() == 0 || a.Identity() != b.Identity() || a.Identity() == cat.Key("OpenAction").Identity() {
		t.Errorf("array 5 reached twice: %#x and %#x; /OpenAction %#x", a.Identity(), b.Identity(), cat.Key("OpenAction").Identity())
	}
	for name, v := range map[string]Value{"empty array": cat.Key("Empty"), "integer": cat.Key("N"), "name": cat.Key("Type"), "missing": cat.Key("Nothing"), "error": {err: errors.New("x")}} {
		if got := v.Identity(); got != 0 {
			t.Errorf("%s: identity %#x, want 0", name, got)
		}
	}
}

// TestLeaf (kyso patch 43): IndexLeaf and KeyLeaf report the entries that
// neither hold nor refer to another value, and a walk that skips them
// spends the Reader's look-ups as one that resolves every entry: the same
// count, and past maxLookups the same entries fail.
func TestLeaf(t *testing.T) {
	in := newDoc().
		obj(1, "<< /Type /Catalog /Pages 2 0 R /A [1 2.5 (s) /N true null [3] << /K 4 >> 3 0 R] /D << /I 7 /S (x) /R 3 0 R /Arr [] >> /Strm 4 0 R >>").
		obj(2, "<< /Type /Pages /Kids [] /Count 0 >>").
		obj(3, "<< /X 1 >>").
		stream(4, "/Extra /Name", []byte("data")).
		table(5, "")
	open := func(t *testing.T) *Reader {
		r, err := NewReader(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := open(t)
	cat := r.Trailer().Key("Root")
	arr := cat.Key("A")
	var got []bool
	for i := -1; i <= arr.Len(); i++ {
		got = append(got, arr.IndexLeaf(i))
	}
	if want := []bool{false, true, true, true, true, true, true, false, false, false, false}; !slices.Equal(got, want) {
		t.Errorf("IndexLeaf(-1 … %d) = %v, want %v", arr.Len(), got, want)
	}
	d := cat.Key("D")
	for key, want := range map[string]bool{"I": true, "S": true, "R": false, "Arr": false, "Missing": false} {
		if got := d.KeyLeaf(key); got != want {
			t.Errorf("KeyLeaf(%q) = %v, want %v", key, got, want)
		}
	}
	if strm := cat.Key("Strm"); !strm.KeyLeaf("Extra") || strm.KeyLeaf("Nothing") {
		t.Errorf("stream: KeyLeaf(Extra) = %v, KeyLeaf(Nothing) = %v, want true, false", strm.KeyLeaf("Extra"), strm.KeyLeaf("Nothing"))
	}
	if (Value{err: errors.New("x")}).IndexLeaf(0) || (Value{err: errors.New("x")}).KeyLeaf("I") || d.IndexLeaf(0) || arr.KeyLeaf("I") {
		t.Error("a leaf reported in an error Value or in the wrong kind of value")
	}

	// Two walks of everything reachable from the catalog: one resolves
	// every entry, one skips leaves. Each returns the look-ups it spent
	// and the entries that came back as errors, in order.
	walk := func(r *Reader, skip bool) (int64, []string) {
		var failed []string
		seen := map[uintptr]bool{}
		var visit func(v Value, path string)
		visit = func(v Value, path string) {
			if v.Err() != nil {
				failed = append(failed, path)
				return
			}
			if id := v.Identity(); id != 0 && seen[id] {
				return
			} else if id != 0 {
				seen[id] = true
			}
			switch v.Kind() {
			case Dict, Stream:
				for _, k := range v.Keys() {
					if !skip || !v.KeyLeaf(k) {
						visit(v.Key(k), path+"/"+k)
					} else if r.lim.lookups > maxLookups {
						failed = append(failed, path+"/"+k)
					}
				}
			case Array:
				for i := range v.Len() {
					if !skip || !v.IndexLeaf(i) {
						visit(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
					} else if r.lim.lookups > maxLookups {
						failed = append(failed, fmt.Sprintf("%s[%d]", path, i))
					}
				}
			}
		}
		visit(r.Trailer().Key("Root"), "")
		return r.lim.lookups, failed
	}
	all, _ := walk(open(t), false)
	skipped, _ := walk(open(t), true)
	if all != skipped || all < 20 {
		t.Errorf("look-ups: %d resolving every entry, %d skipping leaves; want the same, at least 20", all, skipped)
	}
	defer func(n int64) { maxLookups = n }(maxLookups)
	for maxLookups = 1; maxLookups < all; maxLookups += 3 {
		_, want := walk(open(t), false)
		if _, got := walk(open(t), true); !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("maxLookups %d: failed entries %q skipping leaves, %q resolving every entry", maxLookups, got, want)
		}
	}
}

// TestKeys (kyso patch 44): the keys of a dictionary or stream, sorted;
// nil for an empty dictionary and for any other value.
func TestKeys(t *testing.T) {
	dict := func(keys ...string) map[string]Object {
		m := map[string]Object{}
		for _, k := range keys {
			m[k] = Object{Kind: Integer}
		}
		return m
	}
	for name, tc := range map[string]struct {
		v    Value
		want []string
	}{
		"dictionary": {Value{obj: Object{Kind: Dict, DictVal: dict("Type", "A", "Z", "Length", "B1", "B")}}, []string{"A", "B", "B1", "Length", "Type", "Z"}},
		"stream":     {Value{obj: Object{Kind: Stream, DictVal: dict("Length", "Filter")}}, []string{"Filter", "Length"}},
		"empty":      {Value{obj: Object{Kind: Dict, DictVal: dict()}}, nil},
		"array":      {Value{obj: Object{Kind: Array, ArrayVal: []Object{{Kind: Integer}}}}, nil},
		"error":      {Value{obj: Object{Kind: Dict, DictVal: dict("A")}, err: errors.New("x")}, nil},
	} {
		if got := tc.v.Keys(); !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%s: Keys() = %#v, want %#v", name, got, tc.want)
		}
	}
}
