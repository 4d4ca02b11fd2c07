package appearance

// CheckImage reports whether data is an image Render accepts (PNG or JPEG
// within MaxImageBytes and MaxImageSide), so an uploaded seal or
// signature image can be refused when it is uploaded rather than at the
// first signature.
func CheckImage(data []byte) error {
	_, err := decodeImage(data)
	return err
}
