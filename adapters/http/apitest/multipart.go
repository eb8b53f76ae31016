package apitest

import (
	"bytes"
	"mime/multipart"
	"testing"
)

// Part is a part of a multipart/form-data body: a field, or a file when
// FileName is set.
type Part struct {
	Name, FileName string
	Content        []byte
}

// Multipart encodes parts as a multipart/form-data body and returns it
// with its Content-Type, the pair Call takes as body and header.
func Multipart(t testing.TB, parts ...Part) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		var err error
		var dst interface{ Write([]byte) (int, error) }
		if p.FileName != "" {
			dst, err = w.CreateFormFile(p.Name, p.FileName)
		} else {
			dst, err = w.CreateFormField(p.Name)
		}
		if err == nil {
			_, err = dst.Write(p.Content)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}
