module github.com/digitorus/pdf

go 1.23

// kyso's toolchain (its go.mod): the library's tests and fuzz targets run
// on the Go that builds kyso, not on whatever go is installed.
toolchain go1.27.4
