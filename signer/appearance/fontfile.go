package appearance

// FontTTF returns the embedded font, DejaVu Sans 2.37 (TrueType, with
// Vietnamese glyphs; fonts/README.md), for other documents kyso writes in
// Vietnamese: the printed verification report. The bytes are shared: the
// caller must not modify them.
func FontTTF() []byte { return dejaVuSans }
