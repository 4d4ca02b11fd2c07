package signing

import (
	"bufio"
	"io"
	"mime/multipart"
)

// multipartReadBuffer is how much of a multipart body is read from the
// connection at a time. mime/multipart reads through a 4 KiB buffer of its
// own: without a larger one below it, a 200 KB document costs about fifty
// reads from the socket, most of the cost of receiving a batch.
const multipartReadBuffer = 64 << 10

// newMultipartReader is multipart.NewReader reading body in
// multipartReadBuffer pieces.
func newMultipartReader(body io.Reader, boundary string) *multipart.Reader {
	return multipart.NewReader(bufio.NewReaderSize(body, multipartReadBuffer), boundary)
}
