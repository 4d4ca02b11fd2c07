package appearance

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math"
	"strconv"
)

// num formats a PDF real (ISO 32000-1, 7.3.3) for a coordinate or length in
// points: at most 3 decimals, no exponent, no trailing zeros.
func num(v float64) string { return numPrec(v, 1e3) }

// coef formats a transformation matrix coefficient, which may scale font
// units to points (about 1/2048 per point of font size): 7 decimals keep it
// exact to well under a thousandth.

// numPrec rounds v to a multiple of 1/scale and formats it.
func numPrec(v, scale float64) string {
	v = math.Round(v*scale) / scale
	if v == 0 {
		return "0" // also turns -0 into 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// flateStream returns a stream object body: a dictionary with /Filter
// /FlateDecode, /Length and the extra entries in dict, then the data
// compressed at the zlib level given. zlib output is deterministic for a
// given input and level.
func flateStream(dict string, data []byte, level int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, level) // the callers' levels are valid
	_, _ = zw.Write(data)                   // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	var b bytes.Buffer
	b.WriteString("<<")
	if dict != "" {
		b.WriteString(" " + dict)
	}
	fmt.Fprintf(&b, " /Filter /FlateDecode /Length %d >>\nstream\n", z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream")
	return b.Bytes()
}

// rgb is a DeviceRGB colour, components in [0, 1].
type rgb struct{ r, g, b float64 }

// Colours of the templates.
var (
	black    = rgb{0, 0, 0}
	sealRed  = rgb{0.85, 0.07, 0.07} // the red of an agency's seal
	inkBlue  = rgb{0.05, 0.15, 0.5}  // citizen box: text and border
	darkGrey = rgb{0.2, 0.2, 0.2}
)

// fill returns the operator setting the non-stroking colour.
func (c rgb) fill() string { return num(c.r) + " " + num(c.g) + " " + num(c.b) + " rg" }

// stroke returns the operator setting the stroking colour.
func (c rgb) stroke() string { return num(c.r) + " " + num(c.g) + " " + num(c.b) + " RG" }
