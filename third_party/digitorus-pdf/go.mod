module github.com/digitorus/pdf

go 1.23
