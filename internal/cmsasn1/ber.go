package cmsasn1

import (
	"errors"
)

// MaxBERDepth bounds the nesting of BER elements converted to DER. A CMS
// with a time-stamp token holding certificates nests about 30 deep.
const MaxBERDepth = 64

var errBER = errors.New("malformed BER")

// BERToDER re-encodes the BER element at the start of in (indefinite
// lengths, non-minimal lengths, constructed OCTET STRINGs, as some CMS
// writers produce) with DER lengths, so that the strict DER parser can read
// it; what follows the element is returned as rest. It does not reorder SET
// OF elements: signatures are over the bytes the signer encoded.
//
// It works in two passes over the input: the first measures the DER length
// of every constructed element (4 bytes each, in pre-order), the second
// writes. Time and memory are linear in the input whatever its nesting.
func BERToDER(in []byte) (der, rest []byte, err error) {
	c := &berConv{}
	total, _, rest, err := c.measure(in, 0)
	if err != nil {
		return nil, nil, err
	}
	out := make([]byte, 0, total)
	c.next = 0
	out, _ = c.write(out, in, false)
	return out, rest, nil
}

type berConv struct {
	lens []int32 // DER content length (or flattened length) per constructed element
	next int
}

// header parses the identifier and length octets at the start of in. It
// returns the tag octets, whether the element is constructed, its content
// length (-1 for indefinite) and the input after the header.
func berHeader(in []byte) (tag []byte, constructed bool, length int, body []byte, err error) {
	if len(in) < 2 {
		return nil, false, 0, nil, errBER
	}
	n := 1
	if in[0]&0x1f == 0x1f {
		for {
			if n >= len(in) || n > 4 {
				return nil, false, 0, nil, errBER
			}
			n++
			if in[n-1]&0x80 == 0 {
				break
			}
		}
	}
	tag, constructed = in[:n], in[0]&0x20 != 0
	if n >= len(in) {
		return nil, false, 0, nil, errBER
	}
	l := in[n]
	body = in[n+1:]
	switch {
	case l == 0x80:
		if !constructed {
			return nil, false, 0, nil, errBER
		}
		return tag, true, -1, body, nil
	case l < 0x80:
		length = int(l)
	default:
		k := int(l & 0x7f)
		if k > 4 || k > len(body) {
			return nil, false, 0, nil, errBER
		}
		for i := 0; i < k; i++ {
			length = length<<8 | int(body[i])
		}
		body = body[k:]
	}
	if length < 0 || length > len(body) {
		return nil, false, 0, nil, errBER
	}
	return tag, constructed, length, body, nil
}

// isConstructedOctets reports a constructed universal OCTET STRING, which
// DER writes as a primitive one holding its segments' contents.
func isConstructedOctets(tag []byte) bool { return len(tag) == 1 && tag[0] == 0x24 }

// measure returns the DER length of the element at the start of in and the
// length of its contents once flattened (for OCTET STRING segments).
func (c *berConv) measure(in []byte, depth int) (total, flat int, rest []byte, err error) {
	if depth > MaxBERDepth {
		return 0, 0, nil, errBER
	}
	tag, constructed, length, body, err := berHeader(in)
	if err != nil {
		return 0, 0, nil, err
	}
	if !constructed {
		return len(tag) + lenOfLen(length) + length, length, body[length:], nil
	}
	idx := len(c.lens)
	c.lens = append(c.lens, 0)
	content := 0
	flatSum := 0
	var children []byte
	if length >= 0 {
		children, rest = body[:length], body[length:]
	} else {
		children = body
	}
	for {
		if length < 0 {
			if len(children) < 2 {
				return 0, 0, nil, errBER
			}
			if children[0] == 0 && children[1] == 0 {
				rest = children[2:]
				break
			}
		} else if len(children) == 0 {
			break
		}
		t, f, r, err := c.measure(children, depth+1)
		if err != nil {
			return 0, 0, nil, err
		}
		content += t
		flatSum += f
		children = r
	}
	if isConstructedOctets(tag) {
		c.lens[idx] = int32(flatSum)
		return 1 + lenOfLen(flatSum) + flatSum, flatSum, rest, nil
	}
	c.lens[idx] = int32(content)
	return len(tag) + lenOfLen(content) + content, content, rest, nil
}

// write appends the DER of the element at the start of in to out, or only
// its flattened contents when flat is set.
func (c *berConv) write(out, in []byte, flat bool) ([]byte, []byte) {
	tag, constructed, length, body, _ := berHeader(in) // measured before
	if !constructed {
		if !flat {
			out = appendHeader(out, tag, length)
		}
		return append(out, body[:length]...), body[length:]
	}
	n := int(c.lens[c.next])
	c.next++
	octets := isConstructedOctets(tag)
	switch {
	case flat:
	case octets:
		out = appendHeader(out, []byte{0x04}, n)
	default:
		out = appendHeader(out, tag, n)
	}
	var children, rest []byte
	if length >= 0 {
		children, rest = body[:length], body[length:]
	} else {
		children = body
	}
	for {
		if length < 0 {
			if children[0] == 0 && children[1] == 0 {
				rest = children[2:]
				break
			}
		} else if len(children) == 0 {
			break
		}
		out, children = c.write(out, children, octets)
	}
	return out, rest
}

func lenOfLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n < 1<<8:
		return 2
	case n < 1<<16:
		return 3
	case n < 1<<24:
		return 4
	}
	return 5
}

func appendHeader(out, tag []byte, n int) []byte {
	out = append(out, tag...)
	switch {
	case n < 0x80:
		return append(out, byte(n))
	case n < 1<<8:
		return append(out, 0x81, byte(n))
	case n < 1<<16:
		return append(out, 0x82, byte(n>>8), byte(n))
	case n < 1<<24:
		return append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// CheckDER reports why the element b is not in DER (X.690, 10 and 11), as
// far as a signature over it depends on it: definite, minimal lengths; a
// single element; primitive encoding of the string types; BOOLEAN as 0x00
// or 0xFF; minimal INTEGERs; and the elements of every SET in ascending
// order of their encodings (11.6; the SETs of CMS attributes are all SET
// OF). It returns nil for DER.
func CheckDER(b []byte) error {
	rest, err := checkDERElement(b, 0)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return errors.New("data after the element")
	}
	return nil
}

func checkDERElement(in []byte, depth int) (rest []byte, err error) {
	if depth > MaxBERDepth {
		return nil, errors.New("nested too deep")
	}
	tag, constructed, length, body, err := berHeader(in)
	if err != nil {
		return nil, err
	}
	if length < 0 {
		return nil, errors.New("an indefinite length")
	}
	// berHeader accepts long forms; DER wants the shortest.
	hdr := len(in) - len(body)
	if hdr != len(tag)+lenOfLen(length) {
		return nil, errors.New("a length not in its shortest form")
	}
	content, rest := body[:length], body[length:]
	if len(tag) == 1 && tag[0]&0xc0 == 0 {
		// Universal class.
		switch n := tag[0] & 0x1f; {
		case constructed && isStringType(n):
			return nil, errors.New("a string in constructed form")
		case n == 1 && (len(content) != 1 || content[0] != 0 && content[0] != 0xff):
			return nil, errors.New("a BOOLEAN that is not 0x00 or 0xFF")
		case n == 2 && len(content) > 1 && (content[0] == 0 && content[1] < 0x80 || content[0] == 0xff && content[1] >= 0x80):
			return nil, errors.New("an INTEGER not in its shortest form")
		}
	}
	if !constructed {
		return rest, nil
	}
	var prev []byte
	set := len(tag) == 1 && tag[0] == 0x31
	for children := content; len(children) > 0; {
		r, err := checkDERElement(children, depth+1)
		if err != nil {
			return nil, err
		}
		el := children[:len(children)-len(r)]
		if set && prev != nil && derLess(el, prev) {
			return nil, errors.New("a SET OF whose elements are not in ascending order")
		}
		prev, children = el, r
	}
	return rest, nil
}

// isStringType reports the universal tag numbers that DER encodes only in
// primitive form: BIT STRING, OCTET STRING and the character strings.
func isStringType(n byte) bool {
	switch n {
	case 3, 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30:
		return true
	}
	return false
}

// derLess orders encodings as X.690, 11.6 does: as octet strings, the
// shorter padded with zeros at its end.
func derLess(a, b []byte) bool {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y byte
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return x < y
		}
	}
	return false
}
