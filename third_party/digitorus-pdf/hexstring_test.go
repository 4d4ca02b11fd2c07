package pdf

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// readHexStringByByte is readHexString as it was before its fast path
// (kyso patch): the reference the fast path must agree with.
func (b *buffer) readHexStringByByte() Object {
	tmp := b.tmp[:0]
	for {
	Loop:
		c := b.readByte()
		if b.eof {
			b.errorf("malformed PDF: unterminated hex string")
		}
		if c == '>' {
			break
		}
		if isSpace(c) {
			goto Loop
		}
	Loop2:
		c2 := b.readByte()
		if b.eof {
			b.errorf("malformed PDF: unterminated hex string")
		}
		if c2 == '>' {
			x := unhex(c) << 4
			if x >= 0 {
				tmp = append(tmp, byte(x))
			}
			break
		}
		if isSpace(c2) {
			goto Loop2
		}
		x := unhex(c)<<4 | unhex(c2)
		if x < 0 {
			b.errorf("malformed hex string %c %c", c, c2)
			break
		}
		tmp = append(tmp, byte(x))
	}
	b.tmp = tmp
	return Object{Kind: String, StringVal: string(tmp)}
}

// hexReading is what one reading of a hex string gives: its value or its
// panic, where the reading stopped, and the token after it (or its panic).
type hexReading struct {
	val, panicked, next string
	realPos             int64
}

// readHex reads the hex string that starts (after its '<') at pad in
// data, through a buffer whose 4 KiB reloads fall where pad puts them.
func readHex(data []byte, pad int, fast bool) (r hexReading) {
	b := newBuffer(io.NewSectionReader(bytes.NewReader(data), int64(pad), int64(len(data)-pad)), int64(pad), 0)
	b.allowEOF = true
	defer b.release()
	func() {
		defer func() {
			if e := recover(); e != nil {
				r.panicked = fmt.Sprint(e)
			}
		}()
		defer func() { r.realPos = b.realPos }()
		if fast {
			r.val = b.readHexString().StringVal
		} else {
			r.val = b.readHexStringByByte().StringVal
		}
		r.next = fmt.Sprint(b.readToken())
	}()
	return r
}

// TestReadHexStringFastPath: the fast path of readHexString reads every
// string as the byte-at-a-time reading does (value, error, where it
// stops, what follows), wherever the buffer's reloads cut the string:
// long strings of digits in both cases, white space and NULs between
// digits, odd digit counts, bad digits (also at a reload and before
// '>'), unterminated strings.
func TestReadHexStringFastPath(t *testing.T) {
	long := strings.Repeat("0123456789abcdefABCDEF", 700)
	cases := []string{
		">", "41>", "414>", "4142>", long + ">", long + "4>", long + " >",
		"41 42\n43\r44\t45\x0046>", "4 1 4 2 >", "41g2>", "4g>", "g4>", "41g>",
		long + "g0>", long + "0g>", long, long + "4", "41 ", "",
		strings.Repeat("41", 2047) + "4>", strings.Repeat("4", 4095) + "\x00" + "1>",
		"41>>", "41> /Next", "4142> 17",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "0123456789abcdefABCDEF0123456789 \n\x00>gG-"
	for range 300 {
		n := rng.IntN(9000)
		var sb strings.Builder
		for range n {
			if rng.IntN(200) == 0 {
				sb.WriteByte(alphabet[rng.IntN(len(alphabet))])
			} else {
				sb.WriteByte(alphabet[rng.IntN(22)])
			}
		}
		if rng.IntN(4) != 0 {
			sb.WriteString("> /K")
		}
		cases = append(cases, sb.String())
	}
	for i, c := range cases {
		for _, pad := range []int{0, 1, 7, 4095 - len(c)%4096, 4096 - 9, 4096 - 2, 4096 - 1, 5000} {
			if pad < 0 {
				continue
			}
			data := append(bytes.Repeat([]byte{' '}, pad), c...)
			fast, slow := readHex(data, pad, true), readHex(data, pad, false)
			if fast != slow {
				t.Fatalf("case %d (%d bytes, %q…) at %d: fast path %+v, byte at a time %+v", i, len(c), c[:min(len(c), 40)], pad, short(fmt.Sprint(fast)), short(fmt.Sprint(slow)))
			}
		}
	}
}

// FuzzReadHexString: the fast path reads what the byte-at-a-time reading
// reads, for any bytes and any place of the buffer's reloads.
func FuzzReadHexString(f *testing.F) {
	f.Add([]byte("4142 43>"), uint16(4090))
	f.Add([]byte("4g>"), uint16(0))
	f.Fuzz(func(t *testing.T, c []byte, pad uint16) {
		data := append(bytes.Repeat([]byte{' '}, int(pad%8192)), c...)
		if fast, slow := readHex(data, int(pad%8192), true), readHex(data, int(pad%8192), false); fast != slow {
			t.Fatalf("fast path %+v, byte at a time %+v", fast, slow)
		}
	})
}
