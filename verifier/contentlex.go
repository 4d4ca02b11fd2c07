package verifier

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// Bounds of the content stream lexer.
const (
	maxOperands   = 1 << 12 // operands before an operator
	maxTokenBytes = 1 << 20 // one string, name or number
	maxNesting    = 64      // arrays and dictionaries in one another
	maxArrayItems = 1 << 16
	// maxInlineImage bounds the data of one inline image.
	maxInlineImage = 64 << 20
)

var errContent = errors.New("malformed content stream")

// cTokKind is the kind of a content stream token.
type cTokKind int

const (
	cNum cTokKind = iota + 1
	cStr
	cName
	cArray
	cDict
	cOp    // an operator, or true, false, null as operands
	cClose // ] or >> ending an array or dictionary
)

// cTok is a token of a content stream (ISO 32000-1, 7.2 and 7.8.2).
type cTok struct {
	kind cTokKind
	num  float64
	s    string // a string's bytes, a name, an operator
	arr  []cTok
}

// contentLexer reads the tokens of content streams. digitorus/pdf's
// Interpret reads one stream at a time and drops operands left at its
// end, but the page's content is the concatenation of its streams, which
// may be divided anywhere between tokens (ISO 32000-1, 7.8.2): GlobalSign's
// datasheet in the real-world corpus ends one stream with "/Fm2" and
// starts the next with "Do". So the streams are read as one, here.
type contentLexer struct {
	r     *bufio.Reader
	depth int
}

func isContentSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isContentDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// next returns the next token; io.EOF at the end of the content.
func (l *contentLexer) next() (cTok, error) {
	c, err := l.skipSpace()
	if err != nil {
		return cTok{}, err
	}
	switch c {
	case '(':
		s, err := l.literal()
		return cTok{kind: cStr, s: s}, err
	case '<':
		n, err := l.r.ReadByte()
		if err != nil {
			return cTok{}, errContent
		}
		if n == '<' {
			return l.container(cDict, '>')
		}
		l.r.UnreadByte()
		s, err := l.hex()
		return cTok{kind: cStr, s: s}, err
	case '>':
		if n, err := l.r.ReadByte(); err != nil || n != '>' {
			return cTok{}, errContent
		}
		return cTok{kind: cClose, s: ">>"}, nil
	case '[':
		return l.container(cArray, ']')
	case ']':
		return cTok{kind: cClose, s: "]"}, nil
	case '/':
		s, err := l.regular()
		return cTok{kind: cName, s: decodeName(s)}, err
	case ')', '{', '}':
		return cTok{}, errContent
	}
	l.r.UnreadByte()
	s, err := l.regular()
	if err != nil {
		return cTok{}, err
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && (s[0] == '-' || s[0] == '+' || s[0] == '.' || s[0] >= '0' && s[0] <= '9') {
		return cTok{kind: cNum, num: f}, nil
	}
	return cTok{kind: cOp, s: s}, nil
}

// skipSpace skips white space and comments and returns the next byte.
func (l *contentLexer) skipSpace() (byte, error) {
	for {
		c, err := l.r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch {
		case isContentSpace(c):
		case c == '%':
			for c != '\r' && c != '\n' {
				if c, err = l.r.ReadByte(); err != nil {
					return 0, err
				}
			}
		default:
			return c, nil
		}
	}
}

// regular reads the rest of a run of regular characters.
func (l *contentLexer) regular() (string, error) {
	var b []byte
	for {
		c, err := l.r.ReadByte()
		if err == io.EOF {
			return string(b), nil
		}
		if err != nil {
			return "", err
		}
		if isContentSpace(c) || isContentDelim(c) {
			l.r.UnreadByte()
			return string(b), nil
		}
		if b = append(b, c); len(b) > maxTokenBytes {
			return "", errContent
		}
	}
}

// decodeName decodes the #xx escapes of a name (ISO 32000-1, 7.3.5).
func decodeName(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(v))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

// literal reads a literal string after its '(' (ISO 32000-1, 7.3.4.2).
func (l *contentLexer) literal() (string, error) {
	var b []byte
	depth := 1
	for {
		c, err := l.r.ReadByte()
		if err != nil {
			return "", errContent
		}
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return string(b), nil
			}
		case '\\':
			e, err := l.r.ReadByte()
			if err != nil {
				return "", errContent
			}
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if n, err := l.r.ReadByte(); err == nil && n != '\n' {
					l.r.UnreadByte()
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2; k++ {
						d, err := l.r.ReadByte()
						if err != nil || d < '0' || d > '7' {
							if err == nil {
								l.r.UnreadByte()
							}
							break
						}
						v = v*8 + int(d-'0')
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		if b = append(b, c); len(b) > maxTokenBytes {
			return "", errContent
		}
	}
}

// hex reads a hexadecimal string after its '<' (ISO 32000-1, 7.3.4.3).
func (l *contentLexer) hex() (string, error) {
	var b []byte
	var hi byte
	odd := false
	for {
		c, err := l.r.ReadByte()
		if err != nil {
			return "", errContent
		}
		var v byte
		switch {
		case c == '>':
			if odd {
				b = append(b, hi<<4)
			}
			return string(b), nil
		case isContentSpace(c):
			continue
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return "", errContent
		}
		if odd {
			if b = append(b, hi<<4|v); len(b) > maxTokenBytes {
				return "", errContent
			}
		} else {
			hi = v
		}
		odd = !odd
	}
}

// container reads an array or a dictionary after its opening delimiter.
// A dictionary's entries are read and dropped: the content reader needs
// none (they are marked-content properties and inline image parameters).
func (l *contentLexer) container(kind cTokKind, closer byte) (cTok, error) {
	if l.depth++; l.depth > maxNesting {
		return cTok{}, errContent
	}
	defer func() { l.depth-- }()
	t := cTok{kind: kind}
	for {
		e, err := l.next()
		if err != nil {
			return cTok{}, errContent
		}
		if e.kind == cClose {
			if e.s[0] != closer {
				return cTok{}, errContent
			}
			return t, nil
		}
		if kind == cArray {
			if t.arr = append(t.arr, e); len(t.arr) > maxArrayItems {
				return cTok{}, errContent
			}
		}
	}
}

// skipInlineImage skips the data of an inline image after its ID
// operator, up to and including its EI operator (ISO 32000-1, 8.9.7): EI
// preceded by white space and followed by white space, a delimiter or the
// end. (Data that holds such an EI by chance ends the image early, as it
// does in other readers; what follows is then read as operators.)
func (l *contentLexer) skipInlineImage() error {
	var prev [3]byte // the last bytes read
	for n := 0; n < maxInlineImage; n++ {
		c, err := l.r.ReadByte()
		endsEI := n > 3 && isContentSpace(prev[0]) && prev[1] == 'E' && prev[2] == 'I'
		if err == io.EOF && endsEI {
			return nil
		}
		if err != nil {
			return errContent
		}
		if endsEI && (isContentSpace(c) || isContentDelim(c)) {
			l.r.UnreadByte()
			return nil
		}
		prev = [3]byte{prev[1], prev[2], c}
	}
	return errContent
}
