package appearance

import (
	"errors"
	"math"
	"strings"
	"time"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"

	"github.com/kyso-vn/kyso/errkind"
)

// ObjectWriter adds an indirect object to the PDF being written and returns
// its object number (generation 0). object is the object's body, without the
// "N 0 obj" / "endobj" wrapper. signer/pades's writer satisfies it, and so
// does pdfsign's *sign.SignContext (tools/interop, TestPdfsignAppearance).
type ObjectWriter interface {
	AddObject(object []byte) (uint32, error)
}

// Template names a signature layout.
type Template string

// The supported layouts.
const (
	// TemplateLeader is an official's signature: the signature image on top,
	// the name (larger, bold) and the title below it.
	TemplateLeader Template = "leader"
	// TemplateSeal is an agency's seal signature: the seal image, the
	// agency name and "Thời gian ký: <ISO 8601 +07:00>" in red. Without a
	// seal image it draws no seal but a grey hatched placeholder that says
	// NoSealImage (Decree 30/2020/ND-CP wants the real seal's image).
	TemplateSeal Template = "seal"
	// TemplateCitizen is a citizen's signature: a bordered box with
	// "Ký bởi: <name>", "CCCD: ********<last 4>" and "Thời gian: <ISO 8601>",
	// plus "Lý do" and "Nơi ký" lines when Reason and Location are set.
	TemplateCitizen Template = "citizen"
)

// Valid reports whether t is one of the supported templates.
func (t Template) Valid() bool {
	switch t {
	case TemplateLeader, TemplateSeal, TemplateCitizen:
		return true
	}
	return false
}

// Data is what an appearance shows. Strings are UTF-8 and may be in any
// Unicode normalisation form; they are normalised to NFC before shaping.
type Data struct {
	// SignerName is the person's full name (leader, citizen; required there).
	SignerName string
	// Title is the official's position, e.g. "Chủ tịch" (leader; optional).
	Title string
	// Organization is the agency's name (seal; required there).
	Organization string
	// CCCD is the citizen's 12-digit identity number (9 digits for an old
	// CMND are accepted); only its last 4 digits are shown (citizen; required).
	CCCD string
	// SigningTime is shown in ISO 8601 with the +07:00 offset (seal and
	// citizen; required there). The caller supplies it: the package reads no
	// clock.
	SigningTime time.Time
	// Image is a PNG or JPEG: the leader's handwritten signature, or the
	// agency's seal (already red). Optional; at most MaxImageBytes long and
	// MaxImageSide pixels on each side.
	Image []byte
	// Reason and Location are shown by the citizen template when set.
	Reason, Location string
}

// Errors returned by Render. Each is wrapped with detail; test with errors.Is.
// All of them describe bad input, not a failure of the service; other errors
// (from the ObjectWriter) are.
var (
	// ErrUnknownTemplate: the template is not one of the Template constants.
	ErrUnknownTemplate = errkind.New(errkind.Invalid, "appearance: unknown template")
	// ErrInvalidData: a required field is missing or malformed, the text
	// holds characters the embedded font cannot draw, or the rectangle's
	// size is not a positive number of points within PDF's limits.
	ErrInvalidData = errkind.New(errkind.Invalid, "appearance: invalid data")
	// ErrInvalidImage: the image is not a PNG/JPEG, cannot be decoded, or is
	// too large.
	ErrInvalidImage = errkind.New(errkind.Invalid, "appearance: invalid image")
	// ErrTooSmall: the rectangle is too small for the text at the minimum
	// font size (MinFontSize).
	ErrTooSmall = errkind.New(errkind.Invalid, "appearance: rectangle too small")
)

// Limits on the input.
const (
	// MaxImageBytes bounds the encoded image.
	MaxImageBytes = 5 << 20
	// MaxImageSide bounds each side of the decoded image, in pixels.
	MaxImageSide = 4096
	// MaxTextLen bounds each text field, in runes after normalisation.
	MaxTextLen = 256
	// MinFontSize is the smallest font size, in points, used to fit text.
	MinFontSize = 4.0
	// maxRectSide is the largest page dimension PDF viewers must support
	// (ISO 32000-1, Annex C.2: 14 400 units).
	maxRectSide = 14400
)

// vietnam is Vietnam's time zone (Asia/Ho_Chi_Minh). It has been UTC+07:00
// without daylight saving since 1975, so a fixed zone is exact for any
// signing time and needs no tzdata on the host.
var vietnam = time.FixedZone("ICT", 7*60*60)

// FormatTime formats t as shown on appearances: ISO 8601 / RFC 3339 at
// second precision in Vietnam's time, e.g. 2026-11-23T19:05:00+07:00.
func FormatTime(t time.Time) string {
	return t.In(vietnam).Format("2006-01-02T15:04:05-07:00")
}

// FormatTimeVN formats t as written in Vietnamese documents, in Vietnam's
// time with its offset: 07/12/2026 09:15:00 +07:00 (the leader template
// without an image).
func FormatTimeVN(t time.Time) string {
	return t.In(vietnam).Format("02/01/2006 15:04:05 -07:00")
}

// MaskCCCD returns the citizen identity number as shown on appearances: every
// digit but the last 4 replaced by '*', e.g. "********2345". It accepts 12
// digits (CCCD) or 9 (old CMND); spaces are ignored. Anything else is
// ErrInvalidData.
func MaskCCCD(cccd string) (string, error) {
	digits := strings.Map(func(r rune) rune {
		if r == ' ' {
			return -1
		}
		return r
	}, cccd)
	if n := len(digits); n != 12 && n != 9 {
		return "", ErrInvalidData.Errorf("CCCD must have 12 digits (or 9 for a CMND), got %d characters", len([]rune(digits)))
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", ErrInvalidData.Errorf("CCCD must contain only digits")
		}
	}
	return strings.Repeat("*", len(digits)-4) + digits[len(digits)-4:], nil
}

// Render draws template t for d in a width×height rectangle (PDF points; the
// widget's /Rect size). It writes the objects the appearance needs (the font,
// its descriptor and ToUnicode CMap, images) through w, and returns the
// appearance itself: a Form XObject (dictionary and content stream) whose
// /BBox is [0 0 width height]. The caller adds it as an indirect object and
// references it from the widget annotation's /AP << /N ref >>.
//
// Render is deterministic: the same input produces the same bytes, so it can
// be called again when the signer retries the incremental update. It reads no
// clock and no files, and is safe for concurrent use.
func Render(w ObjectWriter, t Template, d Data, width, height float64) ([]byte, error) {
	if w == nil {
		return nil, errors.New("appearance: nil ObjectWriter")
	}
	if !t.Valid() {
		return nil, ErrUnknownTemplate.Errorf("%q", string(t))
	}
	if !(width > 0 && height > 0 && width <= maxRectSide && height <= maxRectSide) { // also rejects NaN
		return nil, ErrInvalidData.Errorf("rectangle %gx%g points, want sides in (0, %d]", width, height, maxRectSide)
	}
	fc, err := loadFace()
	if err != nil {
		return nil, err
	}
	var img *decodedImage
	if len(d.Image) > 0 {
		if t == TemplateCitizen {
			return nil, ErrInvalidData.Errorf("the citizen template shows no image")
		}
		if img, err = decodeImage(d.Image); err != nil {
			return nil, err
		}
	}

	p := &page{face: fc, width: width, height: height, image: img, used: make(map[sfnt.GlyphIndex]rune)}
	switch t {
	case TemplateLeader:
		err = p.leader(d)
	case TemplateSeal:
		err = p.seal(d)
	case TemplateCitizen:
		err = p.citizen(d)
	}
	if err != nil {
		return nil, err
	}
	return p.finish(w)
}

// cleanText normalises a text field for display: NFC (Vietnamese input
// methods and some systems send decomposed letters, e.g. "e" + U+0302 +
// U+0303 for "ễ"), every run of white space folded to one space, trimmed. It
// rejects control and format characters, invalid UTF-8 and text longer than
// MaxTextLen.
func cleanText(field, s string) (string, error) {
	s = norm.NFC.String(s)
	var b strings.Builder
	space, n := false, 0
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar:
			// Format characters (bidi overrides, zero-width joiners) are
			// invisible and would let two different texts look the same.
			return "", ErrInvalidData.Errorf("%s contains control, format or invalid character %U", field, r)
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	if n > MaxTextLen {
		return "", ErrInvalidData.Errorf("%s is longer than %d characters", field, MaxTextLen)
	}
	return b.String(), nil
}

// required is cleanText for a field that must not be empty.
func required(field, s string) (string, error) {
	s, err := cleanText(field, s)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", ErrInvalidData.Errorf("%s is required", field)
	}
	return s, nil
}

// signingTime validates and formats the signing time.
func signingTime(t time.Time) (string, error) {
	if t.IsZero() {
		return "", ErrInvalidData.Errorf("SigningTime is required")
	}
	return FormatTime(t), nil
}

// clamp limits v to [lo, hi].
func clamp(v, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, v))
}
