// Copyright 2014 The Go Authors.  All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package pdf

import (
	"fmt"
	"io"
)

// A Stack represents a stack of values.
type Stack struct {
	stack []Value
}

func (stk *Stack) Len() int {
	return len(stk.stack)
}

func (stk *Stack) Push(v Value) {
	stk.stack = append(stk.stack, v)
}

func (stk *Stack) Pop() Value {
	n := len(stk.stack)
	if n == 0 {
		return Value{}
	}
	v := stk.stack[n-1]
	stk.stack[n-1] = Value{}
	stk.stack = stk.stack[:n-1]
	return v
}

func newDict() Value {
	return Value{obj: Object{Kind: Dict, DictVal: make(map[string]Object)}, err: nil}
}

// Interpret interprets the content in a stream as a basic PostScript program,
// pushing values onto a stack and then calling the do function to execute
// operators. The do function may push or pop values from the stack as needed
// to implement op.
//
// Interpret handles the operators "dict", "currentdict", "begin", "end", "def", and "pop" itself.
//
// Interpret is not a full-blown PostScript interpreter. Its job is to handle the
// very limited PostScript found in certain supporting file formats embedded
// in PDF files, such as cmap files that describe the mapping from font code
// points to Unicode code points.
//
// There is no support for executable blocks, among other limitations.
func Interpret(strm Value, do func(stk *Stack, op string)) {
	rd := strm.Reader()
	var enc int
	if strm.r != nil {
		enc = strm.r.encVersion
	}
	b := newBuffer(rd, 0, enc)
	b.allowEOF = true
	b.allowObjptr = false
	b.allowStream = false
	var stk Stack
	var dicts []map[string]Object
Reading:
	for {
		tok := b.readToken()
		if tok.Kind == Null { // EOF?
			if b.eof {
				break
			}
		}

		if tok.Kind == Keyword {
			kw := tok.KeywordVal
			switch kw {
			case "null", "[", "]", "<<", ">>":
				break
			default:
				for i := len(dicts) - 1; i >= 0; i-- {
					if v, ok := dicts[i][kw]; ok {
						stk.Push(Value{obj: v, err: nil})
						continue Reading
					}
				}
				do(&stk, kw)
				continue
			case "dict":
				stk.Pop()
				stk.Push(Value{obj: Object{Kind: Dict, DictVal: make(map[string]Object)}, err: nil})
				continue
			case "currentdict":
				if len(dicts) == 0 {
					panic("no current dictionary")
				}
				stk.Push(Value{obj: Object{Kind: Dict, DictVal: dicts[len(dicts)-1]}, err: nil})
				continue
			case "begin":
				d := stk.Pop()
				if d.Kind() != Dict {
					panic("cannot begin non-dict")
				}
				dicts = append(dicts, d.obj.DictVal)
				continue
			case "end":
				if len(dicts) <= 0 {
					panic("mismatched begin/end")
				}
				dicts = dicts[:len(dicts)-1]
				continue
			case "def":
				if len(dicts) <= 0 {
					panic("def without open dict")
				}
				val := stk.Pop()
				keyObj := stk.Pop()
				if keyObj.Kind() != Name {
					panic("def of non-name")
				}
				key := keyObj.Name()
				dicts[len(dicts)-1][key] = val.obj
				continue
			case "pop":
				stk.Pop()
				continue
			}
		}
		b.unreadToken(tok)
		obj := b.readObject()
		if stk.Len() >= maxStack {
			panic(limitError("operand stack", int64(maxStack)))
		}
		stk.Push(Value{obj: obj, ptr: objptr{}, err: nil})
	}
}

type seqReader struct {
	rd     io.Reader
	offset int64
}

func (r *seqReader) ReadAt(buf []byte, offset int64) (int, error) {
	if offset != r.offset {
		return 0, fmt.Errorf("non-sequential read of stream")
	}
	n, err := io.ReadFull(r.rd, buf)
	r.offset += int64(n)
	return n, err
}
