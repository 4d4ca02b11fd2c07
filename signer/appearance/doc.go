// Package appearance draws the visible part of a PDF signature: the appearance
// stream (a Form XObject, ISO 32000-1, 8.10) that a signature widget annotation
// shows through its /AP /N entry (ISO 32000-1, 12.5.5 and 12.7.4.5).
//
// Three layouts follow the Vietnamese practice for official documents
// (Decree 30/2020/NĐ-CP, Appendix I) and for citizens' dossiers:
//
//   - [TemplateLeader]: the leader's signature image, then the name and title;
//     without an image, "Ký số bởi: <name>", the title and "Thời gian ký:
//     <dd/mm/yyyy hh:mm:ss +07:00>".
//   - [TemplateSeal]: the agency's seal image, the agency name and the
//     signing time in ISO 8601 with the +07:00 offset, in red; without a seal
//     image, no drawn seal but a grey hatched placeholder saying
//     [NoSealImage] (Decree 30/2020 wants the real seal's image).
//   - [TemplateCitizen]: a bordered box with the signer's name, the masked
//     CCCD number and the signing time.
//
// Text is shaped with an embedded DejaVu Sans (fonts/, Bitstream Vera and Arev
// licences) so Vietnamese diacritics render in every viewer: input is
// normalised to NFC, the font is written as a subset Type0/CIDFontType2 font
// (Identity-H) with a /ToUnicode CMap so that copy-paste and text extraction
// return the original text. Text shrinks and wraps to fit the rectangle; if it
// cannot fit at a legible size, [Render] fails with [ErrTooSmall] instead of
// drawing outside the widget.
//
// The package owns only the drawing. It writes the objects it needs through a
// caller-provided [ObjectWriter] (signer/pades's writer, or pdfsign's
// *sign.SignContext, a writer kyso did not write: tools/interop's
// TestPdfsignAppearance signs through it with this package's seal and
// checks the result with poppler and qpdf) and returns the Form XObject;
// placing the widget, signing and the incremental update belong to
// signer/pades. It must not import keys, store, ca or api, nor a PDF
// library: it knows nothing of certificates, keys or the document it draws
// into.
package appearance
