// Copyright 2014 The Go Authors.  All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package pdf

import (
	"bytes"
	"errors"
	"io"
	"io/ioutil"
	"reflect"
	"slices"
	"unsafe"
)

// Kind represents the kind of value stored in an Object.
type Kind int

const (
	Null Kind = iota
	Bool
	Integer
	Real
	String
	Name
	Dict
	Array
	Stream
	Indirect // Reference: 1 0 R; renamed from Ptr to avoid collision with Ptr struct
	Keyword  // Internal: obj, endobj, etc.
)

// Object represents a PDF object using a tagged union approach to avoid interface{} boxing.
type Object struct {
	Kind         Kind
	BoolVal      bool
	Int64Val     int64
	Float64Val   float64
	NameVal      string
	StringVal    string
	KeywordVal   string
	ArrayVal     []Object
	DictVal      map[string]Object
	PtrVal       objptr
	StreamOffset int64 // For Stream, DictVal holds the header
}

// Internal types
type objptr struct {
	id  uint32
	gen uint16
}

type objdef struct {
	ptr objptr
	obj Object
}

// A Value represents a value in a PDF file.
type Value struct {
	r   *Reader // the reader, for resolving references
	ptr objptr  // the pointer to the object, if any
	obj Object  // the actual data
	err error   // if non-nil, the error that occurred during resolution or access
	// depth counts the indirect references followed through Key and Index
	// to reach this value, against reference loops (kyso patch).
	depth int32
}

// Err returns the error associated with the value, if any.
func (v Value) Err() error {
	return v.err
}

// Kind returns the kind of value v is.
func (v Value) Kind() Kind {
	if v.err != nil {
		return Null
	}
	return v.obj.Kind
}

// IsNull reports whether v is a null value.
func (v Value) IsNull() bool {
	return v.Kind() == Null
}

// Bool returns v's boolean value.
func (v Value) Bool() bool {
	if v.err != nil {
		return false
	}
	return v.obj.BoolVal
}

// Int64 returns v's integer value.
func (v Value) Int64() int64 {
	if v.err != nil {
		return 0
	}
	if v.obj.Kind == Integer {
		return v.obj.Int64Val
	}
	if v.obj.Kind == Real {
		return int64(v.obj.Float64Val)
	}
	return 0
}

// Float64 returns v's float value.
func (v Value) Float64() float64 {
	if v.err != nil {
		return 0
	}
	if v.obj.Kind == Real {
		return v.obj.Float64Val
	}
	if v.obj.Kind == Integer {
		return float64(v.obj.Int64Val)
	}
	return 0
}

// RawString returns v's string value.
func (v Value) RawString() string {
	if v.err != nil {
		return ""
	}
	return v.obj.StringVal
}

// String returns a textual representation of the value v.
func (v Value) String() string {
	if v.err != nil {
		return ""
	}
	return objfmt(v.obj)
}

// Text returns v's string value interpreted as a “text string” (defined in the PDF spec)
// and converted to UTF-8.
func (v Value) Text() string {
	if v.err != nil {
		return ""
	}
	s := v.obj.StringVal
	if isPDFDocEncoded(s) {
		return pdfDocDecode(s)
	}
	if isUTF16(s) {
		return utf16Decode(s[2:])
	}
	return s
}

// Reader returns a reader for the stream v.
func (v Value) Reader() io.ReadCloser {
	if v.err != nil {
		return &errorReadCloser{v.err}
	}
	if v.obj.Kind == Stream {
		return newStreamReader(v.obj, v.r)
	}
	return ioutil.NopCloser(bytes.NewReader(nil))
}

// Data returns the raw data of the stream v.
func (v Value) Data() []byte {
	if v.err != nil {
		return nil
	}
	if v.obj.Kind == Stream {
		data, err := io.ReadAll(newStreamReader(v.obj, v.r))
		if errors.Is(err, errLimit) {
			return nil
		}
		return data
	}
	return nil
}

// Ptr represents a PDF Object Reference (Indirect Object)
// This is the public API struct.
type Ptr struct {
	id  uint32
	gen uint16
}

// GetID returns the object number.
func (p Ptr) GetID() uint32 {
	return p.id
}

// GetGen returns the generation number.
func (p Ptr) GetGen() uint16 {
	return p.gen
}

// Name returns v's name value.
func (v Value) Name() string {
	if v.err != nil {
		return ""
	}
	return v.obj.NameVal
}

// Len returns the number of elements in the array v.
func (v Value) Len() int {
	if v.err != nil {
		return 0
	}
	if v.obj.Kind == Array {
		return len(v.obj.ArrayVal)
	}
	return 0
}

// Index returns the i'th element of the array v.
func (v Value) Index(i int) Value {
	if v.err != nil {
		return Value{err: v.err}
	}
	if v.obj.Kind != Array {
		return Value{}
	}
	a := v.obj.ArrayVal
	if i < 0 || i >= len(a) {
		return Value{}
	}
	return v.r.resolveFrom(v, a[i])
}

// Keys returns the keys of the dictionary v, sorted alphabetically; nil
// if there are none. The slice is made at its size (kyso patch 44).
func (v Value) Keys() []string {
	if v.err != nil || v.obj.Kind != Dict && v.obj.Kind != Stream || len(v.obj.DictVal) == 0 {
		return nil
	}
	keys := make([]string, 0, len(v.obj.DictVal))
	for k := range v.obj.DictVal {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Key returns the value associated with the key k in the dictionary v.
func (v Value) Key(key string) Value {
	if v.err != nil {
		return Value{err: v.err}
	}
	if v.obj.Kind == Dict || v.obj.Kind == Stream {
		if val, ok := v.obj.DictVal[key]; ok {
			return v.r.resolveFrom(v, val)
		}
	}
	return Value{}
}

// IndexLeaf reports whether the element i of the array v is a leaf: a
// direct value that neither holds nor refers to another (null, a boolean,
// a number, a string, a name). For a leaf it counts the look-up against
// the Reader as Index(i) does; for anything else it counts nothing and
// Index(i) is to be called (kyso patch 43). A walk of the object graph
// that only goes into references, arrays, dictionaries and streams skips
// leaves without making a Value of each, and spends the Reader's look-ups
// as a walk that calls Index for every element does: the limits it meets
// are the same. Past the look-up limit Index returns an error Value,
// which leads nowhere either.
func (v Value) IndexLeaf(i int) bool {
	if v.err != nil || v.obj.Kind != Array || i < 0 || i >= len(v.obj.ArrayVal) {
		return false
	}
	return v.leaf(v.obj.ArrayVal[i])
}

// KeyLeaf is IndexLeaf for the entry key of the dictionary or stream v: it
// reports a leaf, counting the look-up as Key(key) does, and reports false
// for a missing key or any other value, counting nothing (kyso patch 43).
func (v Value) KeyLeaf(key string) bool {
	if v.err != nil || v.obj.Kind != Dict && v.obj.Kind != Stream {
		return false
	}
	x, ok := v.obj.DictVal[key]
	return ok && v.leaf(x)
}

// leaf reports whether x, an entry of v, is a leaf, and if so counts the
// look-up that resolving it would have counted (resolveFrom).
func (v Value) leaf(x Object) bool {
	switch x.Kind {
	case Dict, Array, Stream, Indirect:
		return false
	}
	if v.r != nil {
		// An error only past the limit, where every later look-up fails
		// too: the next Key or Index reports it.
		_ = v.r.lim.lookup()
	}
	return true
}

// identity returns a number that is the same for Values of the same parsed
// dictionary or stream and differs between different ones (the address of
// its map), for detecting loops in walks of the object graph.
func (v Value) identity() uintptr {
	if v.err != nil || v.obj.DictVal == nil {
		return 0
	}
	return reflect.ValueOf(v.obj.DictVal).Pointer()
}

// Identity returns a number that is the same for Values of the same
// parsed dictionary, stream or non-empty array and differs between
// different ones, 0 for any other value (kyso patch 42). A direct value
// is given the reference of the object holding it, so a reference from an
// object to itself looks like a direct value: walks of the object graph
// detect such loops by identity.
func (v Value) Identity() uintptr {
	switch v.Kind() {
	case Dict, Stream:
		if v.obj.DictVal != nil {
			return reflect.ValueOf(v.obj.DictVal).Pointer()
		}
	case Array:
		if len(v.obj.ArrayVal) > 0 {
			return uintptr(unsafe.Pointer(unsafe.SliceData(v.obj.ArrayVal)))
		}
	}
	return 0
}

// GetPtr returns the object reference for the value.
func (v Value) GetPtr() Ptr {
	return Ptr{id: v.ptr.id, gen: v.ptr.gen}
}

// Header returns the header dictionary for the stream v.
func (v Value) Header() Value {
	if v.err != nil {
		return Value{err: v.err}
	}
	if v.obj.Kind == Stream {
		// Create a Value for the header (which is a Dict)
		hdrObj := Object{
			Kind:    Dict,
			DictVal: v.obj.DictVal,
		}
		h := v.r.createValue(objptr{}, hdrObj)
		h.depth = v.depth
		return h
	}
	return Value{}
}

// KeyRef returns the indirect reference the dictionary or stream v holds
// under key, if the entry is one (kyso patch). Key resolves references;
// KeyRef tells a reference from a direct value, which GetPtr cannot do for
// a reference from an object to itself.
func (v Value) KeyRef(key string) (Ptr, bool) {
	if v.err != nil || v.obj.Kind != Dict && v.obj.Kind != Stream {
		return Ptr{}, false
	}
	x, ok := v.obj.DictVal[key]
	if !ok || x.Kind != Indirect {
		return Ptr{}, false
	}
	return Ptr{id: x.PtrVal.id, gen: x.PtrVal.gen}, true
}

// IndexRef returns the indirect reference the array v holds at index i, if
// the element is one (kyso patch).
func (v Value) IndexRef(i int) (Ptr, bool) {
	if v.err != nil || v.obj.Kind != Array || i < 0 || i >= len(v.obj.ArrayVal) {
		return Ptr{}, false
	}
	x := v.obj.ArrayVal[i]
	if x.Kind != Indirect {
		return Ptr{}, false
	}
	return Ptr{id: x.PtrVal.id, gen: x.PtrVal.gen}, true
}

// StreamOffset returns where the data of the stream v starts in the file,
// -1 if v is not a stream (kyso patch).
func (v Value) StreamOffset() int64 {
	if v.err != nil || v.obj.Kind != Stream {
		return -1
	}
	return v.obj.StreamOffset
}
